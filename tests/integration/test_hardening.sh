# Integration: limits and privileges of real containers, checked from the
# inside (/proc/self/status, syscalls that must fail) and from the host
# (cgroup files, cgroup directories left behind, the cfs binary's hash).
. tests/integration/lib.sh

host_name=$(hostname)
host_mounts=$(findmnt -rn | wc -l)
DOCKER_MASK=00000000a80425fb
ZERO_MASK=0000000000000000

# The directories of cfs cgroups ("cfs-PID-RANDOM") under every hierarchy.
cgroup_dirs() {
  find /sys/fs/cgroup -mindepth 1 -type d -name 'cfs-[0-9]*' 2>/dev/null | sort
}

# The cgroup directories of the cfs process with PID $1.
dirs_of() {
  find /sys/fs/cgroup -mindepth 1 -type d -name "cfs-$1-*" 2>/dev/null
}

# Wait until command "$@" succeeds, polling for up to 20 seconds; returns its status.
wait_until() {
  for _ in $(seq 200); do
    "$@" && return 0
    sleep 0.1
  done
  "$@"
}

has_dirs() { [ -n "$(dirs_of "$1")" ]; }
no_dirs() { [ -z "$(dirs_of "$1")" ]; }
file_has() { grep -q -- "$2" "$1" 2>/dev/null; }
alive() { kill -0 "$1" 2>/dev/null; }

# The value of field $1 in the status lines in OUT.
field() {
  printf '%s\n' "$OUT" | sed -n "s/^$1:[[:space:]]*//p"
}

before_dirs=$(cgroup_dirs)

# A second root with what the shared one lacks: a /dev/null, which busybox
# needs for background jobs, and the dynamic loader and libraries of cfs, so
# that a container can execute /proc/self/exe.
extra=$(scratch)
"$CFS" rootfs busybox "$extra/root" >/dev/null
libs=$(ldd "$CFS" 2>/dev/null | awk '/=>/ {print $3} /^[[:space:]]*\/.*ld-linux/ {print $1}')
for lib in $libs; do
  cp --parents -L "$lib" "$extra/root/"
done
mknod -m 666 "$extra/root/dev/null" c 1 3

# --- Capabilities -----------------------------------------------------------

caps_cmd='grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status'

run "$CFS" run --rootfs "$ROOT" -- /bin/sh -c "$caps_cmd"
check "default CapBnd is docker's" [ "$(field CapBnd)" = "$DOCKER_MASK" ]
check "default CapPrm is docker's" [ "$(field CapPrm)" = "$DOCKER_MASK" ]
check "default CapEff is docker's" [ "$(field CapEff)" = "$DOCKER_MASK" ]
check "default CapInh empty" [ "$(field CapInh)" = "$ZERO_MASK" ]
check "default CapAmb empty" [ "$(field CapAmb)" = "$ZERO_MASK" ]

run "$CFS" run --rootfs "$ROOT" --cap-drop ALL -- /bin/sh -c "$caps_cmd"
check "drop ALL empties CapBnd" [ "$(field CapBnd)" = "$ZERO_MASK" ]
check "drop ALL empties CapPrm" [ "$(field CapPrm)" = "$ZERO_MASK" ]
check "drop ALL empties CapEff" [ "$(field CapEff)" = "$ZERO_MASK" ]

for name in sys_admin SYS_ADMIN CAP_SYS_ADMIN Cap_Sys_Admin; do
  run "$CFS" run --rootfs "$ROOT" --cap-add "$name" -- /bin/sh -c "$caps_cmd"
  check "add $name sets bit 21 in CapBnd" [ "$(field CapBnd)" = 00000000a82425fb ]
  check "add $name sets bit 21 in CapEff" [ "$(field CapEff)" = 00000000a82425fb ]
done

run "$CFS" run --rootfs "$ROOT" --cap-drop net_raw --cap-drop CAP_MKNOD -- /bin/sh -c "$caps_cmd"
check "drop two capabilities" [ "$(field CapEff)" = 00000000a00405fb ]

run "$CFS" run --rootfs "$ROOT" --cap-drop ALL --cap-add kill -- /bin/sh -c "$caps_cmd"
check "drop ALL then add kill" [ "$(field CapEff)" = 0000000000000020 ]

# --- no_new_privs ---------------------------------------------------------

run "$CFS" run --rootfs "$ROOT" -- /bin/sh -c 'grep -E "^NoNewPrivs:" /proc/self/status'
check "NoNewPrivs on by default" [ "$(field NoNewPrivs)" = 1 ]
run "$CFS" run --rootfs "$ROOT" --allow-new-privs -- /bin/sh -c \
  'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status'
check "allow-new-privs turns it off" [ "$(field NoNewPrivs)" = 0 ]
check "allow-new-privs keeps seccomp" [ "$(field Seccomp)" = 2 ]

# --- Seccomp ----------------------------------------------------------------

run "$CFS" run --rootfs "$ROOT" -- /bin/hardening try unshare_user keyctl personality_bsd \
  personality_linux clone_newns ptrace
check "seccomp blocks unshare(CLONE_NEWUSER)" out_has '^unshare_user=EPERM$'
check "seccomp blocks keyctl" out_has '^keyctl=EPERM$'
check "seccomp blocks personality(PER_BSD)" out_has '^personality_bsd=EPERM$'
check "seccomp allows personality(PER_LINUX)" out_has '^personality_linux=ok$'
check "seccomp blocks clone(CLONE_NEWNS)" out_has '^clone_newns=EPERM$'
check "seccomp allows ptrace" out_has '^ptrace=ok$'
run "$CFS" run --rootfs "$ROOT" -- /bin/hardening try tiocsti
check "seccomp blocks TIOCSTI" out_is 'tiocsti=EPERM'
run "$CFS" run --rootfs "$ROOT" --seccomp unconfined -- /bin/hardening try tiocsti
check "unconfined TIOCSTI reaches the kernel" out_is 'tiocsti=ENOTTY'

run "$CFS" run --rootfs "$ROOT" --seccomp unconfined -- /bin/hardening try unshare_user keyctl \
  personality_bsd
check "unconfined allows unshare(CLONE_NEWUSER)" out_has '^unshare_user=ok$'
check "unconfined allows keyctl" out_has '^keyctl=ok$'
check "unconfined allows personality(PER_BSD)" out_has '^personality_bsd=ok$'

run "$CFS" run --rootfs "$ROOT" --seccomp unconfined -- /bin/sh -c \
  'grep -E "^Seccomp:" /proc/self/status'
check "unconfined loads no filter" [ "$(field Seccomp)" = 0 ]

run "$CFS" run --rootfs "$ROOT" --cap-add sys_admin -- /bin/hardening try unshare_uts mount_tmpfs
check "sys_admin lets unshare through" out_has '^unshare_uts=ok$'
check "sys_admin lets mount through" out_has '^mount_tmpfs=ok$'

profiles=$(scratch)
cat >"$profiles/mkdir.lua" <<'EOF'
return {
  syscalls = {
    { names = { "mkdir", "mkdirat" }, action = "errno EACCES" },
  },
}
EOF
run "$CFS" run --rootfs "$ROOT" --seccomp "$profiles/mkdir.lua" -- /bin/mkdir /made-here
check "profile errno: status" status_is 1
check "profile errno: EACCES" err_has "Permission denied"

cat >"$profiles/kill.lua" <<'EOF'
return { syscalls = { { name = "uname", action = "kill" } } }
EOF
run "$CFS" run --rootfs "$ROOT" --seccomp "$profiles/kill.lua" -- /bin/uname
check "profile kill: killed by SIGSYS" status_is 159

# A filter that denies write(2) also denies cfs's own step markers after
# it is loaded; the command must still run and its status come through.
printf 'return { syscalls = { { name = "write", action = "errno" } } }\n' >"$profiles/nowrite.lua"
run "$CFS" run --rootfs "$ROOT" --seccomp "$profiles/nowrite.lua" -- /bin/sh -c 'exit 3'
check "profile without write: command status" status_is 3
check "profile without write: cfs says nothing" err_empty

cat >"$profiles/args.lua" <<'EOF'
return {
  syscalls = {
    { name = "kill", action = "errno EPERM", args = { { index = 1, op = "eq", value = 10 } } },
  },
}
EOF
run "$CFS" run --rootfs "$ROOT" --seccomp "$profiles/args.lua" -- /bin/sh -c \
  'kill -USR1 $$ 2>&-; echo usr1=$?; kill -0 $$; echo zero=$?'
check "profile args: matching call blocked" out_has '^usr1=1$'
check "profile args: other call allowed" out_has '^zero=0$'

# Compiled programs are cached; a changed profile gets a program of its own,
# and a cache file whose key does not match is not used.
cache_files() { ls "$CFS_CACHE/seccomp" 2>/dev/null | wc -l; }
before=$(cache_files)
run "$CFS" run --rootfs "$ROOT" --seccomp "$profiles/mkdir.lua" -- /bin/mkdir /made-here
check "cached profile still applies" err_has "Permission denied"
check "same profile adds no cache file" [ "$(cache_files)" -eq "$before" ]
sed 's/EACCES/EROFS/' "$profiles/mkdir.lua" >"$profiles/mkdir-rofs.lua"
run "$CFS" run --rootfs "$ROOT" --seccomp "$profiles/mkdir-rofs.lua" -- /bin/mkdir /made-here
check "changed profile applies" err_has "Read-only file system"
check "changed profile cached apart" [ "$(cache_files)" -eq $((before + 1)) ]
for f in "$CFS_CACHE"/seccomp/*.bpf; do
  printf 'not a key\0garbage' >"$f"
done
run "$CFS" run --rootfs "$ROOT" --seccomp "$profiles/mkdir.lua" -- /bin/mkdir /made-here
check "damaged cache file ignored" err_has "Permission denied"
run "$CFS" run --rootfs "$ROOT" -- /bin/hardening try keyctl
check "damaged default cache ignored" out_has '^keyctl=EPERM$'

# --- rlimits ----------------------------------------------------------------

# dash, Debian's sh, has ulimit -n and -H, which POSIX leaves out.
# shellcheck disable=SC3045
host_soft=$(ulimit -n)
# shellcheck disable=SC3045
host_hard=$(ulimit -Hn)
expected_soft=$host_soft
[ "$host_soft" = unlimited ] || [ "$host_soft" -gt 1024 ] && expected_soft=1024
run "$CFS" run --rootfs "$ROOT" -- /bin/sh -c 'ulimit -n; ulimit -Hn'
check "default nofile soft" [ "$(printf '%s\n' "$OUT" | sed -n 1p)" = "$expected_soft" ]
check "default nofile hard is the host's" [ "$(printf '%s\n' "$OUT" | sed -n 2p)" = "$host_hard" ]

run "$CFS" run --rootfs "$ROOT" --ulimit nofile=100:200 --ulimit core=unlimited \
  --ulimit nproc=50 -- /bin/sh -c 'ulimit -n; ulimit -Hn; ulimit -c; ulimit -u; ulimit -Hu'
check "ulimit values" out_is "$(printf '100\n200\nunlimited\n50\n50')"

# --- cgroups: limits seen from the host ---------------------------------------

hold=$(scratch)
mkfifo "$hold/fifo"
"$CFS" run --rootfs "$ROOT" --memory 32m --pids 64 --cpus 0.5 -- /bin/sh -c \
  'echo started; read line; exit 0' <"$hold/fifo" >"$hold/out" &
cfs_pid=$!
exec 4>"$hold/fifo"
wait_until file_has "$hold/out" started
inner=$(pgrep -P "$cfs_pid" -x sh)
for dir in $(dirs_of "$cfs_pid"); do
  check "container in $dir" grep -qx "$inner" "$dir/cgroup.procs"
  if [ -e "$dir/memory.limit_in_bytes" ]; then
    check "memory.limit_in_bytes" [ "$(cat "$dir/memory.limit_in_bytes")" = 33554432 ]
    if [ -e "$dir/memory.memsw.limit_in_bytes" ]; then
      check "swap off" [ "$(cat "$dir/memory.memsw.limit_in_bytes")" = 33554432 ]
    fi
  fi
  if [ -e "$dir/memory.max" ]; then
    check "memory.max" [ "$(cat "$dir/memory.max")" = 33554432 ]
  fi
  if [ -e "$dir/pids.max" ]; then
    check "pids.max" [ "$(cat "$dir/pids.max")" = 64 ]
  fi
  if [ -e "$dir/cpu.cfs_quota_us" ]; then
    check "cpu.cfs_quota_us" [ "$(cat "$dir/cpu.cfs_quota_us")" = 50000 ]
  fi
  if [ -e "$dir/cpu.max" ]; then
    check "cpu.max" [ "$(cat "$dir/cpu.max")" = "50000 100000" ]
  fi
done
check "three hierarchies hold the group" [ "$(dirs_of "$cfs_pid" | wc -l)" -eq 3 ]
exec 4>&-
wait "$cfs_pid"
RC=$?
check "held container exits 0" status_is 0
check "held container's cgroup removed" no_dirs "$cfs_pid"

# --- cgroups: memory ------------------------------------------------------------

run "$CFS" run --rootfs "$ROOT" --memory 32M -- /bin/hardening alloc 100
check "OOM: status 137" status_is 137
check "OOM: one line" err_is_one_line
check "OOM: names the limit" err_has "memory limit 32M reached"
check "OOM: no allocation finished" out_is ""

run "$CFS" run --rootfs "$ROOT" --memory 64M -- /bin/hardening alloc 16
check "under the limit: status 0" status_is 0
check "under the limit: allocated" out_is "allocated=16"
check "under the limit: quiet" err_empty

# Sizes in t, up to the largest --memory takes, which the kernel accepts.
for size in 1t 4194304t; do
  run "$CFS" run --rootfs "$ROOT" --memory "$size" -- /bin/true
  check "memory $size: status 0" status_is 0
  check "memory $size: quiet" err_empty
done

run "$CFS" run --rootfs "$ROOT" --memory 32M -- /bin/sh -c '/bin/hardening alloc 100; exit 3'
check "OOM of a child: the command's status" status_is 3
check "OOM of a child: reported" err_has "memory limit 32M reached"

# --- cgroups: pids --------------------------------------------------------------

# The largest limit --pids takes is one pids.max accepts.
run "$CFS" run --rootfs "$ROOT" --pids 4194304 -- /bin/true
check "pids at the kernel's limit" status_is 0

run "$CFS" run --rootfs "$ROOT" --pids 64 -- /bin/hardening fork 200
check "fork loop: stops below the limit" out_is "forked=63 error=EAGAIN"
check "fork loop: status 0" status_is 0

# A shell fork bomb: the shell that runs it gives up at its first failed fork.
run "$CFS" run --rootfs "$ROOT" --pids 64 -- /bin/sh -c \
  'timeout 10 /bin/sh -c "b() { b | b; }; b"; echo survived'
check "shell fork bomb: init survived" out_is survived
check "shell fork bomb: status 0" status_is 0
check "shell fork bomb: forks failed" err_has "can't fork"

# A fork bomb that keeps trying for 3 seconds, watched from the host.
bomb=$(scratch)
"$CFS" run --rootfs "$ROOT" --pids 64 -- /bin/sh -c '/bin/hardening bomb 3; echo survived' \
  >"$bomb/out" 2>"$bomb/err" &
cfs_pid=$!
wait_until has_dirs "$cfs_pid"
pids_dir=$(dirs_of "$cfs_pid")
most=0
hit=0
forks=0
while alive "$cfs_pid"; do
  current=$(cat "$pids_dir/pids.current" 2>/dev/null || echo 0)
  [ "$current" -gt "$most" ] && most=$current
  events=$(sed -n 's/^max //p' "$pids_dir/pids.events" 2>/dev/null)
  [ "${events:-0}" -gt 0 ] && hit=1
  sh -c 'exit 0' && forks=$((forks + 1))
  sleep 0.2
done
wait "$cfs_pid"
RC=$?
OUT=$(cat "$bomb/out")
ERR=$(head -c 300 "$bomb/err")
check "fork bomb: container ends normally" status_is 0
check "fork bomb: init survived" out_is "$(printf 'bomb ended\nsurvived')"
check "fork bomb: limit reached" [ "$hit" -eq 1 ]
check "fork bomb: never above 64" [ "$most" -le 64 ]
check "fork bomb: host forked meanwhile" [ "$forks" -gt 0 ]
check "host forks after the bomb" sh -c 'exit 0'
check "fork bomb: cgroup removed" no_dirs "$cfs_pid"

# --- cgroups: removal on every exit path -----------------------------------------

start_dirs=$(cgroup_dirs)
for i in $(seq 80); do
  "$CFS" run --rootfs "$ROOT" --pids 20 --memory 16m -- /bin/true || echo "run $i failed"
done >"$WORK/loop.log" 2>&1
check "80 runs succeed" [ ! -s "$WORK/loop.log" ]
run "$CFS" run --rootfs "$ROOT" --pids 20 -- cfs-no-such-command
check "command not found with limits" status_is 127
run "$CFS" run --rootfs "$ROOT" --pids 20 -- /bin/sh -c 'exit 7'
check "exit 7 with limits" status_is 7
# In a PID namespace of its own, PID 1 would ignore its own SIGKILL.
run "$CFS" run --rootfs "$ROOT" --pids 20 --ns uts,mnt,ipc -- /bin/sh -c 'kill -9 $$'
check "killed command with limits" status_is 137
run "$CFS" run --rootfs "$extra/root" --pids 20 --ns uts,mnt,ipc -- /bin/sh -c \
  '/bin/sleep 30 & echo $! > /leftover.pid'
check "leftover process without a PID namespace" status_is 0
leftover=$(cat "$extra/root/leftover.pid")
check "leftover process killed" wait_until sh -c "! kill -0 $leftover 2>/dev/null"
run "$CFS" run --rootfs "$ROOT" --pids 20 --seccomp "$profiles/kill.lua" -- /bin/uname
check "seccomp kill with limits" status_is 159
check "86 runs leave no cgroup" [ "$(cgroup_dirs)" = "$start_dirs" ]

# cfs killed with SIGKILL at different moments: its watcher removes the group.
killed=0
for i in $(seq 14); do
  "$CFS" run --rootfs "$ROOT" --pids 20 --memory 16m -- /bin/sleep 30 &
  cfs_pid=$!
  if [ $((i % 2)) -eq 0 ]; then
    wait_until has_dirs "$cfs_pid"
  else
    wait_until pgrep -P "$cfs_pid" -x sleep >/dev/null
  fi
  children=$(pgrep -P "$cfs_pid" | tr '\n' ' ')
  kill -9 "$cfs_pid"
  wait "$cfs_pid" 2>/dev/null
  wait_until no_dirs "$cfs_pid"
  for child in $children; do
    wait_until sh -c "! kill -0 $child 2>/dev/null"
  done
  still=0
  for child in $children; do
    alive "$child" && still=1
  done
  no_dirs "$cfs_pid" && [ "$still" -eq 0 ] && killed=$((killed + 1))
done
check "14 SIGKILLed runs cleaned up" [ "$killed" -eq 14 ]

# SIGKILL to cfs's whole process group, as timeout(1) and job control send it.
setsid "$CFS" run --rootfs "$ROOT" --memory 16m -- /bin/sleep 30 &
cfs_pid=$!
check "process group SIGKILL: group made" wait_until has_dirs "$cfs_pid"
run kill -9 "-$cfs_pid"
check "process group SIGKILL: sent" status_is 0
wait "$cfs_pid" 2>/dev/null
check "process group SIGKILL: group removed" wait_until no_dirs "$cfs_pid"
check "100 runs leave no cgroup" [ "$(cgroup_dirs)" = "$start_dirs" ]

# --- The cfs binary cannot be rewritten from a container ------------------------

attack=$extra
victim="$attack/cfs"
cp "$CFS" "$victim"
victim_hash=$(sha256sum <"$victim")

# PID 1 executes /proc/self/exe, which is cfs, and that copy runs this
# recipe. The recipe keeps /proc/self/exe open across exec and leaves a
# shell behind, which waits for cfs on the host to end and then writes
# through the descriptor. Without a PID namespace the shell outlives the
# container. Without the sealed copy the write would land in the host's
# file, because by then no process runs it.
cat >"$attack/root/self.lua" <<'EOF'
local exe = io.open("/proc/self/exe", "rb")
os.execute(string.format("/bin/sh /overwrite.sh %d 3 >/dev/null 2>&1 &", cfs.getppid()))
return exe and 0 or 1
EOF
# The container's shell opens its parent's /proc/PID/exe, that of cfs on the host.
cat >"$attack/root/parent.sh" <<'EOF'
if ! (exec 3</proc/$PPID/exe) 2>/dev/null; then
  echo "open failed" >/attack.done
  exit 0
fi
exec 3</proc/$PPID/exe
/bin/sh /overwrite.sh $PPID 3 >/dev/null 2>&1 &
EOF
# It gives up waiting after about 30 seconds, so it cannot outlive the suite.
cat >"$attack/root/overwrite.sh" <<'EOF'
tries=0
while kill -0 "$1" 2>/dev/null && [ "$tries" -lt 300 ]; do
  sleep 0.1
  tries=$((tries + 1))
done
if printf 'overwritten' 1<>"/proc/self/fd/$2" 2>/dev/null; then
  echo written >/attack.done
else
  echo refused >/attack.done
fi
EOF

# attempt NAME EXPECTED CFS-ARGS...: run the attack and check the outcome.
attempt() {
  name=$1 expected=$2
  shift 2
  rm -f "$attack/root/attack.done"
  run "$victim" run --rootfs "$attack/root" --ns uts,mnt,ipc "$@"
  wait_until test -e "$attack/root/attack.done"
  check "$name: attack $expected" [ "$(cat "$attack/root/attack.done" 2>/dev/null)" = "$expected" ]
  check "$name: binary unchanged" [ "$(sha256sum <"$victim")" = "$victim_hash" ]
}

attempt "parent exe, default caps" "open failed" -- /bin/sh /parent.sh
attempt "parent exe, all caps" refused --cap-add ALL -- /bin/sh /parent.sh

# Making PID 1 execute /proc/self/exe, directly or through a symlink in the
# root, would run the host's cfs inside the container: it is refused.
for caps in "" "--cap-add ALL"; do
  for ns in uts,mnt,ipc uts,pid,mnt,ipc; do
    rm -f "$attack/root/attack.done"
    # shellcheck disable=SC2086 # $caps is zero or two words
    run "$victim" run --rootfs "$attack/root" --ns $ns $caps -- /proc/self/exe recipe /self.lua
    check "self exec ($ns $caps): status 126" status_is 126
    check "self exec ($ns $caps): one line" err_is_one_line
    check "self exec ($ns $caps): magic link named" err_has "magic link"
    check "self exec ($ns $caps): no attack" [ ! -e "$attack/root/attack.done" ]
  done
done
ln -s /proc/self/exe "$attack/root/bin/selfexe"
run "$victim" run --rootfs "$attack/root" -- selfexe recipe /self.lua
check "self exec through a symlink: status 126" status_is 126
rm "$attack/root/bin/selfexe"
check "self exec: binary unchanged" [ "$(sha256sum <"$victim")" = "$victim_hash" ]

# cfs.exe_seal starts the process again from a sealed copy: what ran before
# the call runs twice, what runs after it once, from the memfd.
cat >"$extra/seal.lua" <<'EOF'
local before = cfs.exe_sealed()
io.write("before ", tostring(before), "\n")
cfs.exe_seal()
io.write("after ", tostring(cfs.exe_sealed()), " ", cfs.readlink("/proc/self/exe"), "\n")
cfs.exe_seal()
EOF
run "$CFS" recipe "$extra/seal.lua"
check "exe_seal restarts sealed" \
  out_is "$(printf 'before false\nbefore true\nafter true /memfd:cfs (deleted)')"
check "exe_seal status" status_is 0

# cfs runs from the sealed copy when the container can see it: without a
# PID namespace of its own. With one, no cfs process is visible once the
# command runs, and the copy (about 2 ms) is skipped.
"$CFS" run --rootfs "$ROOT" --ns uts,mnt,ipc -- /bin/sleep 30 &
cfs_pid=$!
wait_until pgrep -P "$cfs_pid" -x sleep >/dev/null
check "host cfs runs from a sealed memfd" \
  [ "$(readlink /proc/$cfs_pid/exe)" = "/memfd:cfs (deleted)" ]
check "host cfs keeps its name" [ "$(cat /proc/$cfs_pid/comm)" = cfs ]
kill -TERM "$cfs_pid"
wait "$cfs_pid"
"$CFS" run --rootfs "$ROOT" -- /bin/sleep 30 &
cfs_pid=$!
wait_until pgrep -P "$cfs_pid" -x sleep >/dev/null
check "with a PID namespace cfs is not copied" [ "$(readlink /proc/$cfs_pid/exe)" = "$CFS" ]
kill -TERM "$cfs_pid"
wait "$cfs_pid"

# --- Recipes -------------------------------------------------------------------------

run "$CFS" recipe recipes/limits.lua
check "limits recipe: status 0" status_is 0
check "limits recipe: memory child killed" out_has "^memory: the child was killed (signaled 9)"
check "limits recipe: one OOM kill" out_has "out-of-memory kills: 1"
check "limits recipe: fork refused at 16" out_has "fork 16 failed: EAGAIN"
check "limits recipe: 15 children" out_has "started 15 children, 16 processes"

run "$CFS" recipe recipes/sandbox.lua
check "sandbox recipe: status 0" status_is 0
check "sandbox recipe: no capabilities" \
  [ "$(field CapBnd)$(field CapEff)" = "$ZERO_MASK$ZERO_MASK" ]
check "sandbox recipe: no_new_privs" [ "$(field NoNewPrivs)" = 1 ]
check "sandbox recipe: seccomp filter" [ "$(field Seccomp)" = 2 ]
check "sandbox recipe: read-only root" out_has "^write to /: refused$"
check "sandbox recipe: no mount" out_has "^mount: refused$"
check "sandbox recipe: no user namespace" out_has "^user namespace: refused$"
check "sandbox recipe: only loopback" out_has "^network interfaces: lo$"
check "sandbox recipe: quiet" err_empty

# --- Bad values -------------------------------------------------------------------

# expect_error NAME PATTERN CFS-RUN-ARGS...
expect_error() {
  name=$1 pattern=$2
  shift 2
  run "$CFS" run --rootfs "$ROOT" "$@"
  check "$name: status 125" status_is 125
  check "$name: one line" err_is_one_line
  check "$name: message" err_has "$pattern"
}
printf 'return {\n' >"$profiles/syntax.lua"
printf 'return { syscalls = { { name = "mkdri", action = "errno" } } }\n' >"$profiles/unknown.lua"
printf 'return { syscalls = { { name = "mkdir", action = "deny" } } }\n' >"$profiles/action.lua"
# A rule with the default action adds nothing to the filter, but its
# conditions are checked all the same.
cat >"$profiles/allow-index.lua" <<'LUA'
return {
  syscalls = {
    { name = "kill", action = "allow", args = { { index = 7, op = "eq", value = 1 } } },
  },
}
LUA
expect_error "memory word" "invalid --memory 'lots'" --memory lots true
expect_error "memory unit" "invalid --memory '64x'" --memory 64x true
expect_error "memory too small" "below the minimum of 6M" --memory 1m true
expect_error "memory too large" \
  "invalid --memory '9223372036854775807': too large, the maximum is 4194304T" \
  --memory 9223372036854775807 true
expect_error "pids zero" "invalid --pids '0': expected a whole number from 1 to 4194304" \
  --pids 0 true
expect_error "pids above kernel limit" "invalid --pids '5000000': .* from 1 to 4194304" \
  --pids 5000000 true
expect_error "pids max integer" "invalid --pids '9223372036854775807': .* from 1 to 4194304" \
  --pids 9223372036854775807 true
expect_error "pids word" "invalid --pids 'many'" --pids many true
expect_error "cpus zero" "cpus '0' is out of range" --cpus 0 true
expect_error "cpus too many" "cpus '4096' is out of range" --cpus 4096 true
expect_error "cpus word" "invalid --cpus 'half'" --cpus half true
expect_error "cap-add unknown" "unknown capability 'cap_bogus'" --cap-add cap_bogus true
expect_error "cap-drop unknown" "unknown capability 'bogus'" --cap-drop bogus true
expect_error "cap-add number" "unknown capability '21'" --cap-add 21 true
expect_error "ulimit form" "invalid --ulimit 'nofile'" --ulimit nofile true
expect_error "ulimit name" "unknown resource 'files'" --ulimit files=1 true
expect_error "ulimit order" "soft limit above hard limit" --ulimit nofile=10:5 true
expect_error "ulimit value" "invalid limit" --ulimit nofile=lots true
# Without CAP_SYS_RESOURCE (bit 24) in its effective set, cfs cannot raise a hard limit.
cap_eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
if [ "$host_hard" != unlimited ] && [ $((0x$cap_eff >> 24 & 1)) -eq 0 ]; then
  expect_error "ulimit above hard" "above cfs's own" --ulimit "nofile=1:$((host_hard + 1))" true
fi
expect_error "seccomp missing file" "seccomp profile '$profiles/none.lua'" \
  --seccomp "$profiles/none.lua" true
expect_error "seccomp syntax" "seccomp profile '$profiles/syntax.lua'" \
  --seccomp "$profiles/syntax.lua" true
expect_error "seccomp unknown syscall" "unknown syscall 'mkdri'" \
  --seccomp "$profiles/unknown.lua" true
# The init cannot start the command when the pids limit is one process.
run "$CFS" run --rootfs "$ROOT" --init --pids 1 -- /bin/true
check "init over the pids limit: status" status_is 125
check "init over the pids limit: one line" err_is_one_line
check "init over the pids limit: names the limit" err_has "the --pids limit"
expect_error "seccomp unknown action" "invalid action 'deny'" --seccomp "$profiles/action.lua" true
printf 'return { default = "errno" }\n' >"$profiles/deny-all.lua"
expect_error "seccomp profile without execve" "does not allow execve" \
  --seccomp "$profiles/deny-all.lua" --name deny-all true
printf 'return { default = "kill", syscalls = { { name = "execve", action = "allow" } } }\n' \
  >"$profiles/no-exit.lua"
expect_error "seccomp profile without exit_group" "does not allow exit_group" \
  --seccomp "$profiles/no-exit.lua" true
run "$CFS" state deny-all
check "rejected profile leaves no state entry" status_is 125
expect_error "seccomp allow rule index" "syscalls\[1\]: condition 1: invalid argument index '7'" \
  --seccomp "$profiles/allow-index.lua" true
# Keys that ipairs would skip, and with them a rule or a name.
cat >"$profiles/name-gap.lua" <<'EOF'
return { syscalls = { { names = { "getpid", [3] = "kill" }, action = "errno" } } }
EOF
expect_error "seccomp names with a gap" "'names' must be a list of names, with no gaps" \
  --seccomp "$profiles/name-gap.lua" true
cat >"$profiles/rule-key.lua" <<'EOF'
return { syscalls = { deny_kill = { name = "kill", action = "errno" } } }
EOF
expect_error "seccomp rule under a key" "'syscalls' must be a list of rules, with no gaps" \
  --seccomp "$profiles/rule-key.lua" true
cat >"$profiles/negative.lua" <<'EOF'
return {
  syscalls = {
    { name = "kill", action = "errno", args = { { index = 0, op = "eq", value = -1 } } },
  },
}
EOF
expect_error "seccomp negative value" "value -1 is negative" --seccomp "$profiles/negative.lua" true
printf 'local t = {}\nt.default = t\nreturn t\n' >"$profiles/cycle.lua"
expect_error "seccomp table inside itself" "seccomp profile '.*cycle.lua': a table in it contains" \
  --seccomp "$profiles/cycle.lua" true
printf 'return { default = { "allow" } }\n' >"$profiles/default-table.lua"
expect_error "seccomp default as a table" "invalid default action a table" \
  --seccomp "$profiles/default-table.lua" true
# One list of names shared by two rules is not a cycle.
cat >"$profiles/shared.lua" <<'EOF'
local names = { "mkdir", "mkdirat" }
return { syscalls = { { names = names, action = "errno" }, { names = names, action = "errno" } } }
EOF
run "$CFS" run --rootfs "$ROOT" --seccomp "$profiles/shared.lua" -- /bin/mkdir /made-here
check "shared names table: profile applies" err_has "Operation not permitted"

check "no cgroup left by this suite" [ "$(cgroup_dirs)" = "$before_dirs" ]
check "host hostname unchanged" [ "$(hostname)" = "$host_name" ]
check "host mounts unchanged" [ "$(findmnt -rn | wc -l)" -eq "$host_mounts" ]
finish
