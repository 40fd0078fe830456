#!/bin/sh
# Start-up benchmark: every contender starts the same container (new uts,
# pid, mnt, ipc and net namespaces, one busybox tree built by
# `cfs rootfs busybox`, hostname "bench", /proc, /bin/true) and waits for
# it. Measures, in one run on one machine:
#   - start-up time with hyperfine (-N, warmup, median/min/max), with each
#     contender's ratio to the C floor (tests/bench/floor.c) and to `cfs run`
#   - peak RSS with GNU time (%M), the median of several runs
#   - the wall time of 100 sequential starts and of 50 concurrent starts
# and writes the tables to docs/benchmarks.md, between the generated-part
# markers. QUICK=1 runs each contender a few times, checks only that all of
# them succeed, prints the tables and leaves docs/ alone.
#
# It runs as root in a private mount namespace, so the tmpfs it mounts over
# a hybrid host's /sys/fs/cgroup/unified (crun rejects hybrid cgroups)
# never reaches the host. On exit, even after a failure or a signal, it
# deletes the crun and runc containers and the cgroups named after its
# container ids, and removes its temporary folder.
#
# usage: sh tests/bench/run.sh
#   environment: QUICK=1, CFS (default build/cfs), BENCH_RUNS, BENCH_WARMUP,
#   BENCH_SEQUENTIAL (default 100), BENCH_CONCURRENT (default 50),
#   BENCH_RSS_SAMPLES (default 9), BENCH_OUTPUT (default docs/benchmarks.md)
set -eu
cd "$(dirname "$0")/../.."
TOP=$(pwd)

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root: the contenders create namespaces and cgroups"

# Enter a private mount namespace once, by re-running this script inside it.
if [ "${CFS_BENCH_IN_NS:-}" != 1 ]; then
  command -v unshare >/dev/null || die "unshare not found (package util-linux)"
  CFS_BENCH_IN_NS=1 exec unshare --mount --propagation private sh "$TOP/tests/bench/run.sh" "$@"
fi

for tool in hyperfine crun runc bwrap jq "${CC:-cc}" /usr/bin/time; do
  command -v "$tool" >/dev/null || die "'$tool' not found; 'make deps' installs it"
done

CFS=${CFS:-$TOP/build/cfs}
case $CFS in /*) ;; *) CFS=$TOP/$CFS ;; esac
[ -x "$CFS" ] || die "cfs binary '$CFS' not found; run 'make' first"
if [ -n "${QUICK:-}" ] && [ "${QUICK:-}" != 0 ]; then
  QUICK=1
  RUNS=${BENCH_RUNS:-3}
  WARMUP=${BENCH_WARMUP:-1}
  SEQUENTIAL=${BENCH_SEQUENTIAL:-3}
  CONCURRENT=${BENCH_CONCURRENT:-3}
  RSS_SAMPLES=${BENCH_RSS_SAMPLES:-1}
else
  QUICK=0
  RUNS=${BENCH_RUNS:-300}
  WARMUP=${BENCH_WARMUP:-20}
  SEQUENTIAL=${BENCH_SEQUENTIAL:-100}
  CONCURRENT=${BENCH_CONCURRENT:-50}
  RSS_SAMPLES=${BENCH_RSS_SAMPLES:-9}
fi
OUTPUT=${BENCH_OUTPUT:-$TOP/docs/benchmarks.md}

# Every crun and runc container id, and so every cgroup they create, starts
# with this prefix: cleanup removes exactly those.
PREFIX=cfs-bench-$$
WORK=""
BACKGROUND=""
COVERED=/nonexistent
CRUN_STATE_EXISTED=0
RUNC_STATE_EXISTED=0
[ -d /run/crun ] && CRUN_STATE_EXISTED=1
[ -d /run/runc ] && RUNC_STATE_EXISTED=1

cleanup() {
  status=$?
  set +e
  trap - EXIT INT TERM
  for pid in $BACKGROUND; do
    kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null

  for dir in /run/crun/"$PREFIX"-*; do
    [ -e "$dir" ] && crun delete --force "${dir##*/}" >/dev/null 2>&1
    [ -e "$dir" ] && say "cannot delete crun container ${dir##*/}" && status=1
  done
  for dir in /run/runc/"$PREFIX"-*; do
    [ -e "$dir" ] && runc delete --force "${dir##*/}" >/dev/null 2>&1
    [ -e "$dir" ] && say "cannot delete runc container ${dir##*/}" && status=1
  done
  [ "$CRUN_STATE_EXISTED" = 1 ] || rmdir /run/crun 2>/dev/null
  [ "$RUNC_STATE_EXISTED" = 1 ] || rmdir /run/runc 2>/dev/null

  # Deepest first, so a group goes before its parent.
  list_cgroups | sort -r | grep "/$PREFIX-[^/]*\$" | while read -r group; do
    rmdir "$group"
  done
  if [ -f "$WORK/cgroups.before" ]; then
    list_cgroups | comm -13 "$WORK/cgroups.before" - >"$WORK/cgroups.new"
    if grep -q "/$PREFIX-" "$WORK/cgroups.new"; then
      say "cgroups of this run that cannot be removed:"
      grep "/$PREFIX-" "$WORK/cgroups.new" | sed 's/^/  /' >&2
      status=1
    fi
    if grep -qv "/$PREFIX-" "$WORK/cgroups.new"; then
      say "cgroups made by other programs during the run (left alone):"
      grep -v "/$PREFIX-" "$WORK/cgroups.new" | sed 's/^/  /' >&2
    fi
  fi

  if [ -f "$WORK/mounts.before" ] && ! mountinfo | cmp -s "$WORK/mounts.before" -; then
    say "the mount table changed during the run"
    status=1
  fi
  [ -n "$WORK" ] && rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
WORK=$(mktemp -d /tmp/cfs-bench.XXXXXX)

# Every cgroup directory of every hierarchy, except the tmpfs below, which
# vanishes with this namespace.
list_cgroups() {
  find /sys/fs/cgroup -path "$COVERED" -prune -o -type d -print 2>/dev/null | sort
}

mountinfo() {
  awk '{ print $5 }' /proc/self/mountinfo | sort
}

# crun 1.8.1 rejects a hybrid host, where cgroup2 is mounted at
# /sys/fs/cgroup/unified beside the v1 controllers. An empty tmpfs over it,
# visible only in this namespace, makes the host plain v1 for every
# contender alike. crun then treats the tmpfs as one more v1 hierarchy and
# writes cgroup.procs files there, so it needs some room.
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
  COVERED=/sys/fs/cgroup/unified
  mount -t tmpfs -o size=16m,mode=0755 cfs-bench "$COVERED"
fi
list_cgroups >"$WORK/cgroups.before"
mountinfo >"$WORK/mounts.before"

# The shared fixtures: one busybox tree, the floor and two OCI bundles.
"$CFS" rootfs busybox "$WORK/root" >/dev/null
"${CC:-cc}" -O2 -Wall -Wextra -o "$WORK/floor" tests/bench/floor.c
"${CC:-cc}" -O2 -Wall -Wextra -static -o "$WORK/floor-static" tests/bench/floor.c

# write_bundle DIR MOUNTS LINUX: a config.json for the job, with the extra
# mounts (JSON list items) and the extra fields of "linux" given.
write_bundle() {
  mkdir "$1"
  cat >"$1/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": [ "/bin/true" ],
    "env": [ "PATH=/usr/sbin:/usr/bin:/sbin:/bin" ],
    "cwd": "/"
  },
  "root": { "path": "$WORK/root", "readonly": false },
  "hostname": "bench",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc",
      "options": [ "nosuid", "noexec", "nodev" ] },
    $2
  ],
  "linux": {
    $3
    "namespaces": [
      { "type": "pid" }, { "type": "network" }, { "type": "ipc" },
      { "type": "uts" }, { "type": "mount" }
    ]
  }
}
EOF
}

# The job. crun and runc always create the OCI default devices and links in
# /dev: a tmpfs there keeps them out of the shared tree, where runc
# containers started at once would race on /dev/ptmx.
write_bundle "$WORK/bundle" '{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": [ "nosuid", "strictatime", "mode=755", "size=64k" ] }' ''

# The job with what `cfs run` adds by default, as `runc spec` has it: /dev
# with devpts, shm and mqueue, a read-only /sys, masked and read-only paths.
write_bundle "$WORK/bundle-full" '{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
      "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620" ] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
      "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
    { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
      "options": [ "nosuid", "noexec", "nodev" ] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs",
      "options": [ "nosuid", "noexec", "nodev", "ro" ] }' '"maskedPaths": [
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
      "/proc/scsi"
    ],
    "readonlyPaths": [
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
    ],'

CONTENDERS="floor-chroot floor-pivot floor-static cfs-run cfs-recipe crun crun-full runc bwrap"

# The command line of contender $1, quoted for eval and for hyperfine's
# own word splitting; $2 makes the crun or runc container id unique.
command_of() {
  case $1 in
  floor-chroot) echo "'$WORK/floor' chroot '$WORK/root' bench /bin/true" ;;
  floor-pivot) echo "'$WORK/floor' pivot '$WORK/root' bench /bin/true" ;;
  floor-static) echo "'$WORK/floor-static' pivot '$WORK/root' bench /bin/true" ;;
  cfs-run)
    echo "'$CFS' run --rootfs '$WORK/root' --hostname bench --ns uts,pid,mnt,ipc,net" \
      "-- /bin/true"
    ;;
  cfs-recipe) echo "'$CFS' recipe '$TOP/tests/bench/minimal.lua' '$WORK/root' bench /bin/true" ;;
  crun) echo "crun run --bundle '$WORK/bundle' $PREFIX-crun$2" ;;
  crun-full) echo "crun run --bundle '$WORK/bundle-full' $PREFIX-crunfull$2" ;;
  runc) echo "runc run --bundle '$WORK/bundle' $PREFIX-runc$2" ;;
  bwrap)
    echo "bwrap --unshare-uts --unshare-pid --unshare-ipc --unshare-net" \
      "--bind '$WORK/root' / --proc /proc --hostname bench /bin/true"
    ;;
  esac
}

# Run each contender once before any timing, so a failure stops the run
# with its message.
for name in $CONTENDERS; do
  if ! eval "$(command_of "$name" "")" >"$WORK/out" 2>&1; then
    say "$name failed: $(command_of "$name" "")"
    sed 's/^/  /' "$WORK/out" >&2
    exit 1
  fi
done

set --
for name in $CONTENDERS; do
  set -- "$@" --command-name "$name" "$(command_of "$name" "")"
done
style=basic
[ "$QUICK" = 1 ] && style=none
say "timing $RUNS runs of each contender with hyperfine"
hyperfine -N --style "$style" --warmup "$WARMUP" --runs "$RUNS" \
  --export-json "$WORK/hyperfine.json" "$@" >&2 || die "hyperfine failed"

median() {
  sort -n | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

now_ns() {
  date +%s%N
}

say "peak RSS ($RSS_SAMPLES runs), $SEQUENTIAL sequential, $CONCURRENT concurrent starts"
: >"$WORK/extra"
for name in $CONTENDERS; do
  cmd=$(command_of "$name" "")

  : >"$WORK/rss"
  i=0
  while [ "$i" -lt "$RSS_SAMPLES" ]; do
    eval "/usr/bin/time -a -o '$WORK/rss' -f %M $cmd" || die "$name failed under GNU time"
    i=$((i + 1))
  done
  rss=$(median <"$WORK/rss")

  # The method of crun's README: time (for i in $(seq 100); do ...; done).
  start=$(now_ns)
  i=0
  while [ "$i" -lt "$SEQUENTIAL" ]; do
    eval "$cmd" || die "$name failed in the sequential runs"
    i=$((i + 1))
  done
  sequential=$(($(now_ns) - start))

  start=$(now_ns)
  pids=""
  i=0
  while [ "$i" -lt "$CONCURRENT" ]; do
    eval "exec $(command_of "$name" "-$i")" >/dev/null 2>"$WORK/concurrent.$i" &
    pids="$pids $!"
    BACKGROUND=$pids
    i=$((i + 1))
  done
  failed=0
  i=0
  for pid in $pids; do
    if ! wait "$pid"; then
      failed=$((failed + 1))
      [ "$failed" -eq 1 ] && sed 's/^/  /' "$WORK/concurrent.$i" >"$WORK/concurrent.error"
    fi
    i=$((i + 1))
  done
  concurrent=$(($(now_ns) - start))
  BACKGROUND=""
  if [ "$failed" -gt 0 ]; then
    say "$name: $failed of $CONCURRENT concurrent starts failed; the first said:"
    cat "$WORK/concurrent.error" >&2
    exit 1
  fi

  printf '%s %s %s %s\n' "$name" "$rss" "$sequential" "$concurrent" >>"$WORK/extra"
done

version_of() {
  case $1 in
  floor-*) "${CC:-cc}" --version | head -n 1 ;;
  cfs-*) "$CFS" version ;;
  crun*) crun --version | head -n 1 ;;
  runc) runc --version | head -n 1 ;;
  bwrap) bwrap --version ;;
  esac
}

# The generated part of docs/benchmarks.md, in markdown.
report() {
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  echo "Measured $(date -u +%Y-%m-%d) by \`make bench\` (tests/bench/run.sh) on Linux"
  echo "$(uname -r), $(nproc) cores, $cpu; $RUNS runs each after $WARMUP warmup runs"
  echo "(hyperfine -N). The floor is tests/bench/floor.c with pivot_root, linked"
  echo "dynamically as C programs usually are; floor-static is the same program"
  echo "linked statically, which leaves out the dynamic loader's work."
  echo
  echo "| contender | median ms | min ms | max ms | ratio to floor | ratio to cfs run |"
  echo "|---|---:|---:|---:|---:|---:|"
  jq -r '.results[] | [.command, .median, .min, .max] | @tsv' "$WORK/hyperfine.json" >"$WORK/times"
  floor=$(awk '$1 == "floor-pivot" { print $2 }' "$WORK/times")
  cfs=$(awk '$1 == "cfs-run" { print $2 }' "$WORK/times")
  awk -v floor="$floor" -v cfs="$cfs" '{
    printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
      $1, $2 * 1000, $3 * 1000, $4 * 1000, $2 / floor, $2 / cfs
  }' "$WORK/times"
  echo
  echo "| contender | peak RSS KB | $SEQUENTIAL sequential, s | $CONCURRENT concurrent, ms |"
  echo "|---|---:|---:|---:|"
  awk '{ printf "| %s | %d | %.3f | %.1f |\n", $1, $2, $3 / 1e9, $4 / 1e6 }' "$WORK/extra"
  echo
  echo "Versions:"
  echo
  for name in floor-pivot cfs-run crun runc bwrap; do
    echo "- $name: $(version_of "$name")"
  done
  echo "- busybox (the root): $("$WORK/root/bin/busybox" 2>&1 | head -n 1)"
  echo "- hyperfine: $(hyperfine --version)"
}

report >"$WORK/report.md"
cat "$WORK/report.md"
if [ "$QUICK" = 1 ]; then
  say "quick run: every contender ran; $OUTPUT left unchanged"
  exit 0
fi

# Replace the text between the markers, or start the page when it has none.
BEGIN_MARK='<!-- generated by tests/bench/run.sh: begin -->'
END_MARK='<!-- generated by tests/bench/run.sh: end -->'
if [ -f "$OUTPUT" ] && grep -qF "$BEGIN_MARK" "$OUTPUT"; then
  awk -v begin="$BEGIN_MARK" -v end="$END_MARK" -v report="$WORK/report.md" '
    $0 == begin { print; while ((getline line < report) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }
  ' "$OUTPUT" >"$WORK/page.md"
else
  {
    echo "# Benchmarks"
    echo
    echo "$BEGIN_MARK"
    cat "$WORK/report.md"
    echo "$END_MARK"
  } >"$WORK/page.md"
fi
cp "$WORK/page.md" "$OUTPUT"
say "wrote $OUTPUT"
