# Integration: `cfs run` starts real containers; every check looks from the
# host side (host hostname, host mount table, exit statuses).
. tests/integration/lib.sh

host_name=$(hostname)
host_mounts=$(findmnt -rn | wc -l)

run "$CFS" run --hostname box -- /bin/hostname
check "hostname set inside" out_is box
check "hostname status" status_is 0
check "host hostname unchanged" [ "$(hostname)" = "$host_name" ]

run "$CFS" run -- /bin/hostname
check "default hostname" out_is cfs

run "$CFS" run -- /bin/sh -c 'echo $$'
check "command is pid 1" out_is 1

run "$CFS" run -- /bin/ps -o pid=,comm=
check "ps sees only itself" [ "$(printf '%s' "$OUT" | tr -s ' ')" = " 1 ps" ]

run "$CFS" run --rootfs "$ROOT" -- /bin/probe pid hostname
check "probe in directory rootfs" out_is "$(printf 'pid=1\nhostname=cfs')"

run "$CFS" run -- /bin/sh -c 'test -e /bin/busybox && ! test -e /work && ls /'
check "root is the busybox tree" out_has '^proc$'
check "host folders absent" status_is 0

marker=$(scratch)
# Mounting needs CAP_SYS_ADMIN, which the default capability set leaves out.
run "$CFS" run --rootfs "$ROOT" --cap-add sys_admin -- /bin/sh -c \
  "mkdir -p /mnt/inner && mount -t tmpfs cfs-inner /mnt/inner && grep -c cfs-inner /proc/mounts"
check "mount made inside" out_is 1
check "mount absent on host" [ "$(findmnt -rn | grep -c cfs-inner)" -eq 0 ]
check "host mount count unchanged" [ "$(findmnt -rn | wc -l)" -eq "$host_mounts" ]
rmdir "$marker"

run "$CFS" run -- /bin/sh -c 'grep -c " /proc proc" /proc/self/mounts'
check "proc mounted" out_is 1

run "$CFS" run -- /bin/sh -c 'exit 7'
check "exit code 7" status_is 7

run "$CFS" run -- /bin/true
check "exit code 0" status_is 0

run "$CFS" run -- cfs-no-such-command
check "not found is 127" status_is 127
check "not found one line" err_is_one_line
check "not found names command" err_has "exec('cfs-no-such-command')"

run "$CFS" run -- /etc/passwd
check "not executable is 126" status_is 126
check "not executable one line" err_is_one_line

run "$CFS" run -- /
check "directory is 126" status_is 126

# A signal from outside: kill -9 the container's PID 1 from the host.
"$CFS" run -- /bin/sleep 30 &
cfs_pid=$!
for _ in $(seq 50); do
  inner=$(pgrep -P "$cfs_pid" -x sleep) && break
  sleep 0.1
done
kill -9 "$inner"
wait "$cfs_pid"
RC=$?
check "killed by signal 9 is 137" status_is 137

# Signals sent to cfs reach the command.
"$CFS" run -- /bin/sh -c 'trap "exit 42" TERM; while :; do sleep 0.05; done' &
cfs_pid=$!
for _ in $(seq 50); do
  pgrep -P "$cfs_pid" >/dev/null && break
  sleep 0.1
done
sleep 0.2
kill -TERM "$cfs_pid"
wait "$cfs_pid"
RC=$?
check "TERM forwarded to command" status_is 42

run "$CFS" run --env FOO=bar --env EMPTY= -- /bin/sh -c 'echo "$FOO|$EMPTY|$HOME|$HOSTNAME"'
check "env values" out_is "bar||/root|cfs"

run env CFS_SECRET=x "$CFS" run -- /bin/sh -c 'env | grep -c CFS_SECRET'
check "host environment not passed" out_is 0

run env CFS_PASSED=yes "$CFS" run --env CFS_PASSED -- /bin/sh -c 'echo $CFS_PASSED'
check "env name copies host value" out_is yes

run "$CFS" run --workdir /tmp -- /bin/pwd
check "workdir" out_is /tmp

run "$CFS" run --workdir /new/dir -- /bin/pwd
check "workdir created" out_is /new/dir

run "$CFS" run --ns uts,pid,mnt -- /bin/sh -c 'readlink /proc/self/ns/ipc'
check "ns list replaces default" [ "$OUT" = "$(readlink /proc/self/ns/ipc)" ]

run "$CFS" run -- /bin/sh -c 'readlink /proc/self/ns/ipc'
check "default has ipc namespace" [ "$OUT" != "$(readlink /proc/self/ns/ipc)" ]

run "$CFS" run -- /bin/sh -c 'echo written > /etc/motd && cat /etc/motd'
check "cached root is writable" out_is written
run "$CFS" run -- /bin/sh -c 'cat /etc/motd 2>/dev/null || echo absent'
check "writes do not persist" out_is absent

run sh -c "echo piped | '$CFS' run -- /bin/cat"
check "stdin passes through" out_is piped

run sh -c "'$CFS' run -- /bin/sh -c 'echo one; echo two' | grep two"
check "stdout is a pipe" out_is two

check "host hostname still unchanged" [ "$(hostname)" = "$host_name" ]
check "host mount table unchanged" [ "$(findmnt -rn | wc -l)" -eq "$host_mounts" ]
finish
