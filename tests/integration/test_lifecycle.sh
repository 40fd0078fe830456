# Integration: the container lifecycle. Names and state files, cfs ps,
# exec, kill and state, the --init PID 1, -t terminals, --preserve-fds, and
# what remains when cfs itself is killed: every check looks from the host.
# Containers run in the background are killed by PID when the suite ends,
# whatever happened; killing cfs kills its container.
. tests/integration/lib.sh

host_name=$(hostname)
host_mounts=$(findmnt -rn | wc -l)
RUNTIME=${CFS_RUNTIME_DIR:?run through tests/run.sh}
PTY="python3 tests/helpers/ptydrive.py"
BACKGROUND=""

cleanup() {
  for pid in $BACKGROUND; do
    kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
}
trap cleanup EXIT

# start NAME [RUN-ARGS...]: cfs run --name NAME RUN-ARGS in the background,
# then wait until cfs state shows it running. Sets CFS_PID.
start() {
  name=$1
  shift
  "$CFS" run --name "$name" "$@" &
  CFS_PID=$!
  BACKGROUND="$BACKGROUND $CFS_PID"
  eventually is_running "$name" && return 0
  echo "container $name did not start"
  return 1
}

is_running() { "$CFS" state "$1" 2>/dev/null | grep -q '"status": "running"'; }

# True when the background process $1 has ended (it stays a zombie until waited for).
ended() { ! grep -q '^[0-9]* (.*) [^Z] ' "/proc/$1/stat" 2>/dev/null; }

# state_field NAME FIELD: an integer or string field of cfs state NAME.
state_field() {
  "$CFS" state "$1" | sed -n "s/^  \"$2\": \"*\([^\",]*\)\"*,*\$/\1/p"
}

# finish_run: wait for the background cfs run started last; sets RC.
finish_run() {
  wait "$CFS_PID" 2>/dev/null
  RC=$?
}

# Poll until the command succeeds; give up after about 30 s (a hang guard, not a time limit).
eventually() {
  for _ in $(seq 300); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

ps_lists() { "$CFS" ps -q | grep -q "$1"; }

# The host processes in the PID namespace $1 (such as "pid:[4026532177]"),
# as "PID START" lines. The kernel reuses a namespace's number once it is
# freed, so a process is recognised afterwards by its PID and start time.
pidns_members() {
  for dir in /proc/[0-9]*; do
    [ "$(readlink "$dir/ns/pid" 2>/dev/null)" = "$1" ] || continue
    echo "${dir#/proc/} $(cut -d' ' -f22 "$dir/stat" 2>/dev/null)"
  done
}

# True when none of the "PID START" lines in the file $1 is still running.
all_gone() {
  while read -r pid start; do
    [ "$(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null)" = "$start" ] && return 1
  done <"$1"
  return 0
}

# --- names, state files, ps and state

start web --hostname box --workdir /tmp --env FOO=bar -- /bin/sleep 1000
run "$CFS" ps
check "ps header" out_has '^NAME  *PID  *STATUS  *CREATED  *COMMAND$'
check "ps lists web" out_has '^web  *[0-9][0-9]*  *running  *20[0-9-]*T[0-9:]*Z  */bin/sleep 1000$'
run "$CFS" ps -q
check "ps -q prints the name" out_is web
run "$CFS" state web
check "state status 0" status_is 0
check "state name" out_has '"name": "web"'
check "state command" out_has '"/bin/sleep",'
check "state hostname" out_has '"hostname": "box"'
check "state namespaces" out_has '"uts": "uts:\['
web_pid=$(state_field web pid)
check "state pid is the container's" [ "$(cat "/proc/$web_pid/comm")" = sleep ]
check "state start time matches /proc" \
  [ "$(state_field web pid_start_time)" = "$(cut -d' ' -f22 "/proc/$web_pid/stat")" ]
check "state cfs pid" [ "$(state_field web cfs_pid)" = "$CFS_PID" ]
check "state file is private" [ "$(stat -c %a "$RUNTIME/web/state.json")" = 600 ]
check "runtime folder is private" [ "$(stat -c %a "$RUNTIME")" = 700 ]

run "$CFS" run --name web -- /bin/true
check "name in use: status" status_is 125
check "name in use: one line" err_is_one_line
check "name in use: message" err_has "container name 'web' is already in use"
check "name in use: first still runs" [ -e "/proc/$web_pid" ]

# --- exec

run "$CFS" exec web -- /bin/sh -c 'echo $$'
check "exec runs beside pid 1" [ "$OUT" -gt 1 ]
run "$CFS" exec web /bin/hostname
check "exec sees the container hostname" out_is box
run "$CFS" exec web /bin/pwd
check "exec starts in the container workdir" out_is /tmp
run "$CFS" exec -w / web /bin/pwd
check "exec --workdir" out_is /
run env CFS_SECRET=x "$CFS" exec web -- /bin/sh -c \
  'echo "$FOO|$HOME|$HOSTNAME|${CFS_SECRET:-unset}"'
check "exec gets the container environment only" out_is "bar|/root|box|unset"
run "$CFS" exec --env FOO=other web -- /bin/sh -c 'echo $FOO'
check "exec --env overrides" out_is other
run "$CFS" exec web -- /bin/sh -c \
  'cat /proc/1/comm; test -e /bin/busybox && ! test -e /work && echo root ok'
check "exec sees the container's processes and root" out_is "$(printf 'sleep\nroot ok')"
run "$CFS" exec web -- /bin/sh -c \
  'for ns in ipc mnt pid uts; do
    [ "$(readlink /proc/self/ns/$ns)" = "$(readlink /proc/1/ns/$ns)" ] || echo $ns
  done'
check "exec joins every namespace" out_is ""
run "$CFS" exec web -- /bin/sh -c 'exit 7'
check "exec exit status" status_is 7
run "$CFS" exec web -- no-such-command
check "exec not found is 127" status_is 127
check "exec not found one line" err_is_one_line
run "$CFS" exec web
check "exec without command: status" status_is 125
check "exec without command: one line" err_is_one_line
run sh -c "'$CFS' exec web -- /bin/sh -c 'echo one; echo two' | grep two"
check "exec stdout is a pipe" out_is two

"$CFS" kill web KILL
finish_run
check "kill KILL ends web" status_is 137
check "entry removed at exit" [ ! -e "$RUNTIME/web" ]
run "$CFS" ps -q
check "ps empty after exit" out_is ""

# exec runs its command under the container's limits and privileges.
start limited --pids 30 --cap-drop net_raw --ulimit nofile=100:200 -- /bin/sleep 1000
run "$CFS" exec limited -- /bin/sh -c 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status'
check "exec has the container's capabilities" \
  [ "$(printf '%s\n' "$OUT" | awk '/^CapEff/ {print $2}')" = \
    "$(awk '/^CapEff/ {print $2}' "/proc/$(state_field limited pid)/status")" ]
check "exec has no_new_privs" out_has '^NoNewPrivs:.1$'
check "exec has the seccomp filter" out_has '^Seccomp:.2$'
run "$CFS" exec limited -- /bin/sh -c 'ulimit -n'
check "exec has the container's rlimits" out_is 100
# Seen from the container's cgroup namespace, whose root is the container's
# cgroup, the command is where the container's PID 1 is: at the root.
run "$CFS" exec limited -- /bin/sh -c 'grep pids /proc/self/cgroup; grep pids /proc/1/cgroup'
check "exec is in the container's cgroup" \
  [ "$(printf '%s\n' "$OUT" | sed -n 1p)" = "$(printf '%s\n' "$OUT" | sed -n 2p)" ]
check "exec is at the cgroup namespace root" out_has '^[0-9]*:pids:/$'
check "container has a pids cgroup of its own" \
  grep -q '^[0-9]*:pids:.*/cfs-[0-9]*-[0-9a-f]*$' "/proc/$(state_field limited pid)/cgroup"
"$CFS" kill limited KILL
finish_run

# Every kind of namespace but user (see the unprivileged tests for that one).
start allns --ns mnt,pid,time,net,cgroup,uts,ipc -- /bin/sleep 1000
run "$CFS" exec allns -- /bin/sh -c \
  'for ns in cgroup ipc mnt net pid time uts; do
    [ "$(readlink /proc/self/ns/$ns)" = "$(readlink /proc/1/ns/$ns)" ] || echo $ns
  done'
check "exec joins net, time and cgroup namespaces too" out_is ""
run "$CFS" exec allns -- /bin/sh -c 'readlink /proc/self/ns/net'
check "exec is not in the host's net namespace" [ "$OUT" != "$(readlink /proc/self/ns/net)" ]
"$CFS" kill allns KILL
finish_run

# --- unknown names and bad input: one line, status 125

for args in "exec nope true" "kill nope" "state nope"; do
  # shellcheck disable=SC2086
  run "$CFS" $args
  check "$args: status" status_is 125
  check "$args: one line" err_is_one_line
  check "$args: message" err_has "no running container named 'nope'"
done
for bad in -x a/b .. "$(printf '%065d' 0)"; do
  run "$CFS" run --name "$bad" -- /bin/true
  check "invalid name '$bad': status" status_is 125
  check "invalid name '$bad': one line" err_is_one_line
done
run "$CFS" state 'a/b'
check "state invalid name: one line" err_is_one_line
run "$CFS" kill
check "kill without name: status" status_is 125
run "$CFS" kill nope BOGUS
check "kill unknown signal: status" status_is 125
check "kill unknown signal: message" err_has "unknown signal 'BOGUS'"
run "$CFS" ps extra
check "ps extra argument: status" status_is 125
run "$CFS" run --preserve-fds x -- /bin/true
check "preserve-fds not a count: status" status_is 125
check "preserve-fds not a count: one line" err_is_one_line

# --- unnamed containers get a generated name

"$CFS" run -- /bin/sleep 1000 &
CFS_PID=$!
BACKGROUND="$BACKGROUND $CFS_PID"
eventually ps_lists '^cfs-[0-9a-f]\{12\}$'
check "unnamed container listed" ps_lists '^cfs-[0-9a-f]\{12\}$'
generated=$("$CFS" ps -q)
"$CFS" kill "$generated" KILL
finish_run
check "unnamed container killed by name" status_is 137

# --- two cfs run --name at the same moment: exactly one wins

ended_one() { ended "$1" || ended "$2"; }

for round in 1 2 3; do
  "$CFS" run --name race -- /bin/sleep 1000 2>"$WORK/race.a" &
  a=$!
  "$CFS" run --name race -- /bin/sleep 1000 2>"$WORK/race.b" &
  b=$!
  BACKGROUND="$BACKGROUND $a $b"
  # The loser ends by itself; the winner runs until it is killed.
  eventually is_running race
  eventually ended_one "$a" "$b"
  "$CFS" kill race KILL
  wait "$a"
  ra=$?
  wait "$b"
  rb=$?
  check "race $round: one 125, one 137" [ "$((ra + rb))" -eq 262 ]
  check "race $round: loser says in use" \
    grep -q "already in use" "$([ "$ra" -eq 125 ] && echo "$WORK/race.a" || echo "$WORK/race.b")"
done

# --- signals and PID 1

# A command that ignores TERM: a TERM that were delivered would end it with
# 143 before the KILL, so 137 shows that TERM did nothing, and KILL works.
for init in "" --init; do
  start ignore $init -- /bin/sh -c 'trap "" TERM; while :; do sleep 1; done'
  "$CFS" kill ignore
  "$CFS" kill ignore KILL
  finish_run
  check "TERM ignored${init:+ with $init}, KILL ends it" status_is 137
done

# sleep has no TERM handler. As PID 1 the kernel drops TERM for it; under
# --init, the init passes it on and sleep dies of it.
start bare -- /bin/sleep 1000
"$CFS" kill bare TERM
"$CFS" kill bare 9
finish_run
check "pid 1 without handler ignores TERM" status_is 137
start withinit --init -- /bin/sleep 1000
"$CFS" kill withinit SIGTERM
finish_run
check "init passes TERM on" status_is 143

start trapper -- /bin/sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done'
"$CFS" kill trapper USR1
finish_run
check "kill by name with a handler" status_is 42

run "$CFS" run --init -- /bin/sh -c 'kill -TERM $$'
check "init exit status for a signal" status_is 143
run "$CFS" run --init -- /bin/sh -c 'exit 5'
check "init exit status" status_is 5
# A TERM that reaches cfs while it still prepares the container (here: a
# profile of 3000 rules, new to the cache) is passed on once the init
# runs, so the init must already hold it blocked then.
cat >"$WORK/slow-profile.lua" <<EOF
local rules = {}
for i = 1, 3000 do
  local condition = { index = 1, op = "eq", value = $$ * 10000 + i }
  rules[i] = { name = "kill", action = "errno", args = { condition } }
end
return { syscalls = rules }
EOF
"$CFS" run --init --seccomp "$WORK/slow-profile.lua" -- /bin/sleep 30 &
slow_pid=$!
sleep 0.05
kill -TERM "$slow_pid"
wait "$slow_pid"
RC=$?
check "init: TERM during setup ends the command" status_is 143
run "$CFS" run --init -- /bin/sh -c 'echo $$; cat /proc/1/comm'
check "init is pid 1, command pid 2" out_is "$(printf '2\ncfs')"
# The init is cfs: neither cfs's arguments nor its environment may show
# through /proc/1, even to a container allowed to ptrace.
run env CFS_TEST_SECRET=on-the-host "$CFS" run --init --cap-add sys_ptrace -- /bin/sh -c \
  'tr "\0" "\n" </proc/1/environ; tr "\0" "\n" </proc/1/cmdline'
check "init: host environment hidden" [ -z "$(printf '%s\n' "$OUT" | grep on-the-host)" ]
check "init: command line is cfs-init" [ "$(printf '%s\n' "$OUT" | grep -v '^$')" = cfs-init ]
run "$CFS" run --init -- no-such-command
check "init: not found is 127" status_is 127
check "init: not found one line" err_is_one_line

# Zombies: three orphans (cat, waiting on a FIFO) are left behind by their
# parents. Once PID 1 is sleep, which never waits, the test lets them end.
# busybox sh opens /dev/null for every background job, so the script makes
# one if the container has none.
ORPHANS='[ -e /dev/null ] || mknod -m 666 /dev/null c 1 3
mkfifo /tmp/go
for i in 1 2 3; do (cat /tmp/go >/dev/null &); done
exec /bin/sleep 1000'
# orphans NAME: "ZOMBIES LIVE": processes in state Z, and cat processes
# still running; "wait" until sleep runs as PID 1 or 2.
orphans() {
  "$CFS" exec "$1" -- /bin/sh -c '
    grep -q "^sleep" /proc/1/comm /proc/2/comm 2>/dev/null || { echo wait; exit; }
    z=0 r=0
    for s in /proc/[0-9]*/stat; do
      read -r line <"$s" 2>/dev/null || continue
      case "$line" in
      *") Z "*) z=$((z + 1)) ;;
      *"(cat) "*) r=$((r + 1)) ;;
      esac
    done
    echo "$z $r"'
}
orphans_are() { [ "$(orphans "$1")" = "$2" ]; }

for init in "" --init; do
  start orphans $init -- /bin/sh -c "$ORPHANS"
  eventually orphans_are orphans "0 3"
  check "orphans${init:+ $init}: three waiting" orphans_are orphans "0 3"
  "$CFS" exec orphans -- /bin/sh -c 'echo go >/tmp/go'
  if [ -z "$init" ]; then
    eventually orphans_are orphans "3 0"
    check "without init: orphans stay zombies" orphans_are orphans "3 0"
  else
    eventually orphans_are orphans "0 0"
    check "with init: no zombie remains" orphans_are orphans "0 0"
    run "$CFS" exec orphans -- /bin/sh -c 'set -- /proc/[0-9]*; echo $#'
    check "with init: only init, sleep and this shell" out_is 3
    # Besides stdio, the init holds only what it opened itself: its signalfd
    # and the pidfd of the command. Looked at from the host: the init is not
    # dumpable, so the container's processes cannot read its /proc files.
    init_pid=$(state_field orphans pid)
    OUT=$(cd "/proc/$init_pid/fd" && for f in *; do [ "$f" -gt 2 ] && readlink "$f"; done |
      sort | tr "\n" " ")
    check "init closed inherited descriptors" out_is "anon_inode:[pidfd] anon_inode:[signalfd] "
    run "$CFS" exec orphans -- /bin/sh -c 'readlink /proc/1/exe /proc/1/fd/0 2>/dev/null'
    check "init's descriptors hidden from the container" out_is ""
  fi
  "$CFS" kill orphans KILL
  finish_run
done

# --- cfs run killed with SIGKILL takes its container down

# The container runs a second sleep in the background, so more than PID 1
# must go.
BACKGROUND_SLEEP='[ -e /dev/null ] || mknod -m 666 /dev/null c 1 3
/bin/sleep 1000 & exec /bin/sleep 1000'
for init in "" --init; do
  mounts_before=$(findmnt -rn | wc -l)
  start killed $init -- /bin/sh -c "$BACKGROUND_SLEEP"
  killed_pid=$(state_field killed pid)
  killed_ns=$(readlink "/proc/$killed_pid/ns/pid")
  members_have_two_sleeps() {
    pidns_members "$killed_ns" >"$WORK/members"
    sleeping=$(while read -r pid _; do cat "/proc/$pid/comm"; done <"$WORK/members" | grep -c sleep)
    [ "$sleeping" -eq 2 ]
  }
  eventually members_have_two_sleeps
  check "SIGKILL${init:+ $init}: two sleeps running before" members_have_two_sleeps
  kill -KILL "$CFS_PID"
  finish_run
  eventually all_gone "$WORK/members"
  check "SIGKILL${init:+ $init}: every process of the container gone" all_gone "$WORK/members"
  check "SIGKILL${init:+ $init}: stale entry still on disk" [ -e "$RUNTIME/killed/state.json" ]
  run "$CFS" ps -q
  check "SIGKILL${init:+ $init}: ps shows nothing" out_is ""
  check "SIGKILL${init:+ $init}: ps removed the entry" [ ! -e "$RUNTIME/killed" ]
  check "SIGKILL${init:+ $init}: no mount left" [ "$(findmnt -rn | wc -l)" -eq "$mounts_before" ]
done

# A stale entry does not block the name.
start again -- /bin/sleep 1000
kill -KILL "$CFS_PID"
finish_run
start again -- /bin/sleep 1000
check "name reusable after SIGKILL" [ "$(state_field again cfs_pid)" = "$CFS_PID" ]
"$CFS" kill again KILL
finish_run

# --- 50 containers at once

MANY=""
for i in $(seq 50); do
  "$CFS" run --name "many-$i" -- /bin/sleep 1000 &
  MANY="$MANY $!"
done
BACKGROUND="$BACKGROUND $MANY"
many_running() { [ "$("$CFS" ps | grep -c '^many-[0-9]* .* running ')" -eq 50 ]; }
eventually many_running
check "50 containers listed" many_running
check "50 distinct names" [ "$("$CFS" ps -q | grep '^many-' | sort -u | wc -l)" -eq 50 ]
for i in $(seq 50); do
  "$CFS" kill "many-$i" KILL
done
many_failed=0
for pid in $MANY; do
  wait "$pid"
  [ $? -eq 137 ] || many_failed=$((many_failed + 1))
done
check "50 containers killed" [ "$many_failed" -eq 0 ]
run "$CFS" ps -q
check "none left after 50" out_is ""
check "runtime folder empty" [ -z "$(ls -A "$RUNTIME")" ]

# --- descriptors and stdio

printf 'x' >"$WORK/fd-file"
run sh -c "'$CFS' run --rootfs '$ROOT' -- /bin/probe fds 3<'$WORK/fd-file' 4<'$WORK/fd-file'"
check "without preserve-fds only stdio" out_is "fds=0,1,2"
run sh -c "'$CFS' run --rootfs '$ROOT' --preserve-fds 2 -- /bin/probe fds \
  3<'$WORK/fd-file' 4<'$WORK/fd-file' 5<'$WORK/fd-file'"
check "preserve-fds 2 keeps 3 and 4" out_is "fds=0,1,2,3,4"
run sh -c "'$CFS' run --rootfs '$ROOT' --init --preserve-fds 1 -- /bin/probe fds \
  3<'$WORK/fd-file' 4<'$WORK/fd-file'"
check "preserve-fds with init" out_is "fds=0,1,2,3"
run sh -c "'$CFS' run --preserve-fds 1 -- /bin/sh -c 'cat <&3' 3<'$WORK/fd-file'"
check "preserved descriptor is readable" out_is x
run sh -c "'$CFS' run -- /bin/sh -c 'echo one; echo two' | grep two"
check "stdout stays a pipe" out_is two
run sh -c "echo piped | '$CFS' run -- /bin/cat"
check "stdin stays a pipe" out_is piped
run env CFS_SECRET=x "$CFS" run --env A=1 -- /bin/sh -c 'env | cut -d= -f1 | sort | tr "\n" " "'
check "environment is clean" out_is "A HOME HOSTNAME PATH PWD SHLVL TERM "

# --- terminals

run $PTY 33 111 'hello\r' "$CFS" run -t -- /bin/sh -c \
  'tty; stty size; echo READY; read x; echo got=$x; exit 3'
check "tty: /dev/pts/0 inside" out_has '^/dev/pts/0$'
check "tty: window size copied" out_has '^33 111$'
check "tty: input reaches the command" out_has '^got=hello$'
check "tty: exit status" out_has '^status=3$'
check "tty: terminal restored" out_has '^restored=yes$'

run $PTY 33 111 'winsize=40,120' "$CFS" run -t -- /bin/sh -c \
  'trap "stty size; exit 0" WINCH; echo READY; while :; do sleep 0.1; done'
check "tty: resize reaches the container" out_has '^40 120$'
check "tty: resize exit status" out_has '^status=0$'

run $PTY 24 80 '\x03' "$CFS" run --init -t -- /bin/sh -c 'echo READY; exec /bin/sleep 1000'
check "tty: Ctrl-C ends the command under init" out_has '^status=130$'
check "tty: restored after Ctrl-C" out_has '^restored=yes$'

run $PTY 24 80 '' "$CFS" run --init -t -- /bin/sh -c 'tty; ls -l /proc/1/fd/0 | grep -c pts'
check "tty with init: command has the terminal" out_has '^/dev/pts/0$'

run $PTY 24 80 '' "$CFS" run -t -- no-such-command
check "tty: not found is 127" out_has '^status=127$'
check "tty: restored after a failed exec" out_has '^restored=yes$'

run $PTY 24 80 '' "$CFS" run -t --rootfs "$WORK/none" -- /bin/true
check "tty: setup error is 125" out_has '^status=125$'
check "tty: restored after a setup error" out_has '^restored=yes$'

run sh -c "echo piped | '$CFS' run -t -- /bin/sh -c 'read x; echo got=\$x'"
check "tty without a terminal on stdin" out_has 'got=piped'

# cfs's own error goes to its stderr, not through the terminal to stdout.
for init in "" --init; do
  run "$CFS" run -t $init -- no-such-command </dev/null
  check "tty $init: exec error on stderr" \
    err_has "^cfs: exec('no-such-command'): command not found"
  check "tty $init: exec error not on stdout" [ -z "$OUT" ]
  check "tty $init: not found is 127" status_is 127
done

# --- the default runtime folder and unprivileged users

run_dir_existed=$([ -e /run/cfs ] && echo yes)
env -u CFS_RUNTIME_DIR "$CFS" run --name "lifecycle-default-$$" -- /bin/sleep 1000 &
CFS_PID=$!
BACKGROUND="$BACKGROUND $CFS_PID"
eventually test -e "/run/cfs/lifecycle-default-$$/state.json"
check "root uses /run/cfs" test -e "/run/cfs/lifecycle-default-$$/state.json"
env -u CFS_RUNTIME_DIR "$CFS" kill "lifecycle-default-$$" KILL
finish_run
check "entry under /run/cfs removed" [ ! -e "/run/cfs/lifecycle-default-$$" ]
[ -n "$run_dir_existed" ] || rmdir /run/cfs

if id cloudsdk >/dev/null 2>&1; then
  user_dir=$(scratch)
  chmod 755 "$user_dir"
  chown cloudsdk "$user_dir"
  # as_user [XDG_RUNTIME_DIR=DIR] CMD...: run CMD as cloudsdk.
  as_user() {
    setpriv --reuid=cloudsdk --regid="$(id -g cloudsdk)" --clear-groups \
      env -u CFS_RUNTIME_DIR -u XDG_RUNTIME_DIR HOME="$user_dir" CFS_CACHE="$user_dir/cache" "$@"
  }
  as_user XDG_RUNTIME_DIR="$user_dir" "$SHARED/cfs" run --name mine -- /bin/sleep 1000 &
  CFS_PID=$!
  BACKGROUND="$BACKGROUND $CFS_PID"
  # The first run builds the user's root filesystem cache, so this may take a while.
  user_running() {
    as_user XDG_RUNTIME_DIR="$user_dir" "$SHARED/cfs" state mine 2>/dev/null |
      grep -q '"status": "running"'
  }
  for _ in $(seq 10); do eventually user_running && break; done
  run as_user XDG_RUNTIME_DIR="$user_dir" "$SHARED/cfs" ps -q
  check "unprivileged: ps lists mine" out_is mine
  run as_user XDG_RUNTIME_DIR="$user_dir" "$SHARED/cfs" exec mine -- /bin/sh -c \
    'id -u; touch /tmp/f && echo ok'
  check "unprivileged: exec as root of the user namespace" out_is "$(printf '0\nok')"
  run env CFS_RUNTIME_DIR="$user_dir/cfs" "$CFS" exec mine -- /bin/sh -c \
    'id -u; touch /tmp/g && echo ok'
  check "root exec into a user's container is root inside" out_is "$(printf '0\nok')"
  as_user XDG_RUNTIME_DIR="$user_dir" "$SHARED/cfs" kill mine KILL
  finish_run
  check "unprivileged: killed" status_is 137
  run as_user XDG_RUNTIME_DIR="$user_dir" python3 "$SHARED/ptydrive.py" 20 70 'hi\r' \
    "$SHARED/cfs" run -t --init -- /bin/sh -c \
    'tty; stty size; echo READY; read x; echo got=$x'
  check "unprivileged: tty inside" out_has '^/dev/pts/0$'
  check "unprivileged: tty size" out_has '^20 70$'
  check "unprivileged: tty input" out_has '^got=hi$'
  check "unprivileged: tty restored" out_has '^restored=yes$'
  run as_user "$SHARED/cfs" run --name mine -- /bin/true
  check "unprivileged without runtime folder: status" status_is 125
  check "unprivileged without runtime folder: one line" err_is_one_line
  check "unprivileged without runtime folder: message" err_has "XDG_RUNTIME_DIR is not set"
  run as_user "$SHARED/cfs" run -- /bin/true
  check "unprivileged unnamed runs unregistered" status_is 0
fi

# --- the recipe

run "$CFS" recipe recipes/init.lua
check "init recipe exits 0" status_is 0
check "init recipe: zombie without init" out_has "stays a zombie (state Z)"
check "init recipe: reaped with init" out_has "the init reaped it"
check "init recipe: TERM ignored by PID 1" out_has "PID 1 died of signal 9: SIGTERM did nothing"
check "init recipe: TERM passed on by the init" out_has "PID 1 exited with 143 = 128 + 15"

check "host hostname unchanged" [ "$(hostname)" = "$host_name" ]
check "host mounts unchanged" [ "$(findmnt -rn | wc -l)" -eq "$host_mounts" ]
finish
