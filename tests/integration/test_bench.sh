# Integration: the benchmark's smoke mode (QUICK=1) runs every contender
# and leaves nothing behind, also when a contender fails or the run is
# stopped by a signal. It checks no timings.
. tests/integration/lib.sh

host_mounts=$(findmnt -rn | wc -l)
bench_tmp() { find /tmp -maxdepth 1 -name 'cfs-bench.*' | sort; }
tmp_before=$(bench_tmp)

# leaves_nothing NAME PID: no container state, cgroup, folder or mount of
# the benchmark whose process id was PID (its container ids hold the PID).
leaves_nothing() {
  ids="cfs-bench-$2-*"
  check "$1: no crun state" [ -z "$(find /run/crun -maxdepth 1 -name "$ids" 2>/dev/null)" ]
  check "$1: no runc state" [ -z "$(find /run/runc -maxdepth 1 -name "$ids" 2>/dev/null)" ]
  check "$1: no cgroup" [ -z "$(find /sys/fs/cgroup -type d -name "$ids" 2>/dev/null)" ]
  check "$1: no temporary folder" [ "$(bench_tmp)" = "$tmp_before" ]
  check "$1: mount count unchanged" [ "$(findmnt -rn | wc -l)" -eq "$host_mounts" ]
}

# run_bench ENV...: run the quick benchmark with ENV set and wait for it.
# It runs in the background because its process id, which its container
# ids contain, is needed afterwards. Sets OUT, ERR and RC.
run_bench() {
  env QUICK=1 BENCH_OUTPUT="$WORK/benchmarks.md" "$@" sh tests/bench/run.sh \
    >"$WORK/bench.out" 2>"$ERRFILE" &
  BENCH_PID=$!
  wait "$BENCH_PID"
  RC=$?
  OUT=$(cat "$WORK/bench.out")
  ERR=$(cat "$ERRFILE")
}

run_bench
check "quick run status" status_is 0
for contender in floor-chroot floor-pivot floor-static cfs-run cfs-recipe crun crun-full runc \
  bwrap; do
  check "quick run times $contender" out_has "^| $contender | [0-9.]* |"
  check "quick run measures $contender" out_has "^| $contender | [0-9]* | [0-9.]* | [0-9.]* |$"
done
check "quick run writes no page" [ ! -e "$WORK/benchmarks.md" ]
leaves_nothing "quick run" "$BENCH_PID"

# A contender that fails: cfs builds the root, then every `cfs run` fails.
fake=$(scratch)/cfs
cat >"$fake" <<EOF
#!/bin/sh
[ "\$1" = run ] && { echo "cfs: broken on purpose" >&2; exit 3; }
exec "$CFS" "\$@"
EOF
chmod +x "$fake"
run_bench CFS="$fake"
check "failing contender status" status_is 1
check "failing contender named" err_has "cfs-run failed"
check "failing contender message" err_has "broken on purpose"
leaves_nothing "failing contender" "$BENCH_PID"

# Stopped by SIGTERM once its fixtures exist, in whatever step it is then.
env QUICK=1 BENCH_OUTPUT="$WORK/benchmarks.md" sh tests/bench/run.sh >/dev/null 2>&1 &
BENCH_PID=$!
for _ in $(seq 100); do
  [ -n "$(find /tmp -maxdepth 3 -path '/tmp/cfs-bench.*/bundle/config.json' 2>/dev/null)" ] &&
    break
  sleep 0.02
done
sleep 0.1
kill -TERM "$BENCH_PID"
wait "$BENCH_PID"
RC=$?
check "stopped run status" status_is 143
leaves_nothing "stopped run" "$BENCH_PID"

finish
