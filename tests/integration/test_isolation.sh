# Integration: how isolated a `cfs run` container is, checked from the host
# side: /dev, /proc and /sys inside, namespaces, mount options, symlink
# escapes from the root filesystem, descriptors, user namespaces (as root
# and as an unprivileged user), the recipes, and errors. Nothing may change
# on the host: the hostname and mount table are compared at the end.
. tests/integration/lib.sh

host_name=$(hostname)
host_mounts=$(findmnt -rn -o TARGET,SOURCE,FSTYPE | sort)
# Container root may be another host user (uid 100000, or the unprivileged
# test user): it must be able to pass through the work area to its files.
chmod 711 "$WORK"
dir=$(scratch)
chmod 755 "$dir"

# A private busybox root for the cases that change the root itself.
"$CFS" rootfs busybox "$dir/r" >/dev/null
cp "$ROOT/bin/probe" "$dir/r/bin/probe"
mkdir "$dir/src"
echo marker >"$dir/src/m"

# --- /dev ---------------------------------------------------------------
run "$CFS" run -- /bin/ls /dev
check "dev has only the standard entries" out_is "$(printf '%s\n' fd full mqueue null ptmx pts \
  random shm stderr stdin stdout tty urandom zero)"

run "$CFS" run -- /bin/stat -c '%n %F %t:%T %a' /dev/null /dev/zero /dev/full /dev/random \
  /dev/urandom /dev/tty
check "dev nodes are the right devices" out_is "$(printf '%s\n' \
  '/dev/null character special file 1:3 666' '/dev/zero character special file 1:5 666' \
  '/dev/full character special file 1:7 666' '/dev/random character special file 1:8 666' \
  '/dev/urandom character special file 1:9 666' '/dev/tty character special file 5:0 666')"

run "$CFS" run -- /bin/sh -c 'for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done'
check "dev links" out_is "$(printf '%s\n' /proc/self/fd /proc/self/fd/0 /proc/self/fd/1 \
  /proc/self/fd/2 pts/ptmx)"

run "$CFS" run -- /bin/sh -c 'grep -E " /dev(/pts|/shm|/mqueue)? " /proc/self/mountinfo'
check "dev is a nosuid nodev noexec tmpfs" \
  out_has ' /dev rw,nosuid,nodev,noexec .* tmpfs tmpfs .*mode=755'
check "devpts is a new instance" out_has ' /dev/pts .* devpts devpts rw,gid=5,mode=620,ptmxmode=666'
check "shm options" out_has ' /dev/shm rw,nosuid,nodev,noexec.* tmpfs shm'
check "mqueue mounted" out_has ' /dev/mqueue rw,nosuid,nodev,noexec.* mqueue'
run "$CFS" run -- /bin/stat -c %a /dev/shm
check "shm mode 1777" out_is 1777

run "$CFS" run -- /bin/sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c'
check "null and zero work" out_is 4

# --- /proc and /sys -------------------------------------------------------
# Masked and read-only paths are checked where the host kernel has them.
# A kernel without /proc/kcore or /proc/sysrq-trigger has nothing to hide.
masked=""
for p in /proc/acpi /proc/asound /proc/interrupts /proc/kcore /proc/keys /proc/latency_stats \
  /proc/sched_debug /proc/scsi /proc/timer_list /proc/timer_stats /sys/firmware \
  /sys/devices/virtual/powercap; do
  [ -e "$p" ] && masked="$masked $p"
done
check "host has masked paths to test" [ "$(echo $masked | wc -w)" -ge 3 ]
probe_masks='for p in "$@"; do
  if [ -d "$p" ]; then [ -z "$(ls -A "$p")" ] && echo "$p empty" || echo "$p VISIBLE"
  else [ -c "$p" ] && [ ! -s "$p" ] && echo "$p null" || echo "$p VISIBLE"; fi
done'
run "$CFS" run -- /bin/sh -c "$probe_masks" sh $masked
check "masked paths covered" [ -n "$OUT" ]
check "no masked path visible" sh -c '! printf "%s\n" "$0" | grep -q VISIBLE' "$OUT"
if [ -e /proc/kcore ]; then
  check "kcore masked" out_has '^/proc/kcore null$'
fi
check "keys masked" out_has '^/proc/keys null$'

run "$CFS" run -- /bin/sh -c 'for m in /proc/bus /proc/fs /proc/irq /proc/sys \
  /proc/sysrq-trigger; do [ -e $m ] && grep " $m " /proc/self/mountinfo | cut -d" " -f5,6; done'
check "proc sys read-only" out_has '^/proc/sys ro,'
check "proc irq read-only" out_has '^/proc/irq ro,'
check "proc bus read-only" out_has '^/proc/bus ro,'
check "proc fs read-only" out_has '^/proc/fs ro,'
if [ -e /proc/sysrq-trigger ]; then
  run "$CFS" run -- /bin/sh -c ': > /proc/sysrq-trigger'
  check "sysrq-trigger write fails" err_has 'Read-only file system'
fi
run "$CFS" run -- /bin/sh -c ': > /proc/sys/kernel/hostname'
check "proc sys write fails" err_has 'Read-only file system'
check "proc sys write status" [ "$RC" -ne 0 ]

run "$CFS" run -- /bin/sh -c 'grep " /sys " /proc/self/mountinfo | cut -d" " -f5,6; touch /sys/x'
check "sys read-only" out_has '^/sys ro,'
check "sys write fails" err_has 'Read-only file system'

# --- the old root is gone -------------------------------------------------
run "$CFS" run -- /bin/cat /proc/self/mountinfo
check "one root mount" [ "$(printf '%s\n' "$OUT" | awk '$5 == "/"' | wc -l)" -eq 1 ]
check "only container mount points" sh -c \
  '! printf "%s\n" "$0" | awk "{print \$5}" | grep -vE "^/$|^/(proc|dev|sys)(/|$)"' "$OUT"
check "no host root mount" sh -c '! printf "%s\n" "$0" | grep -q " / / .* ext4 "' "$OUT"

run "$CFS" run -- /bin/sh -c 'ls /work /home/cloudsdk 2>&1; ls -d /..; ls /../..'
check "host paths absent" out_has 'No such file'

# --- namespaces -------------------------------------------------------------
for ns in uts pid mnt ipc cgroup net user time; do
  run "$CFS" run -- /bin/readlink /proc/self/ns/$ns
  case $ns in
  net | user | time) check "default shares $ns" out_is "$(readlink /proc/self/ns/$ns)" ;;
  *) check "default has own $ns" [ "$OUT" != "$(readlink /proc/self/ns/$ns)" ] ;;
  esac
done
run "$CFS" run --ns uts,pid,mnt,time -- /bin/readlink /proc/self/ns/time
check "time namespace selectable" [ "$OUT" != "$(readlink /proc/self/ns/time)" ]
run "$CFS" run --ns uts,pid,mnt -- /bin/readlink /proc/self/ns/cgroup
check "ns list replaces default" out_is "$(readlink /proc/self/ns/cgroup)"

# A container given limits runs in a cgroup of its own, which must be the
# root of its cgroup namespace in every hierarchy.
run "$CFS" run --memory 10m --pids 20 -- /bin/cat /proc/self/cgroup
check "limited container runs" status_is 0
check "limited container lists its cgroups" [ -n "$OUT" ]
check "limit cgroup is the cgroup namespace root" sh -c \
  '! printf "%s\n" "$0" | cut -d: -f3- | grep -vx /' "$OUT"

run "$CFS" run --net -- /bin/sh -c 'readlink /proc/self/ns/net; ip -o link; ls /sys/class/net'
check "net namespace own" [ "$(printf '%s\n' "$OUT" | head -1)" != "$(readlink /proc/self/ns/net)" ]
check "net has one link" [ "$(printf '%s\n' "$OUT" | grep -c '^[0-9]*: ')" -eq 1 ]
check "net link is lo up" out_has '^1: lo: <LOOPBACK,UP'
check "sysfs shows only lo" [ "$(printf '%s\n' "$OUT" | tail -1)" = lo ]
run "$CFS" run --net -- /bin/ping -c 1 -W 5 127.0.0.1
check "loopback answers" status_is 0

# --- --bind, --tmpfs, --read-only, --propagation ---------------------------
run "$CFS" run --bind "$dir/src:/data" -- /bin/sh -c 'cat /data/m; echo new > /data/new'
check "bind shows source" out_is marker
check "bind writes reach host" [ "$(cat "$dir/src/new")" = new ]
rm "$dir/src/new"
run "$CFS" run --bind "$dir/src:/data:ro" -- /bin/sh -c 'cat /data/m; touch /data/x'
check "ro bind readable" out_is marker
check "ro bind refuses writes" err_has 'Read-only file system'
check "ro bind host unchanged" [ ! -e "$dir/src/x" ]
run "$CFS" run --bind "$dir/src/m:/etc/motd:ro" -- /bin/cat /etc/motd
check "file bind" out_is marker
# The /dev tmpfs covers the root's own /dev before the binds are made.
mkdir -p "$dir/r/dev"
cp "$dir/src/m" "$dir/r/dev/m"
run "$CFS" run --rootfs "$dir/r" --bind "$dir/r/dev/m:/m" -- /bin/cat /m
check "bind source under the root's /dev" out_is marker
rm "$dir/r/dev/m"

run "$CFS" run --tmpfs /scratch --tmpfs /tmp -- /bin/sh -c \
  'echo a > /scratch/a && echo b > /tmp/b && grep " /scratch " /proc/self/mountinfo'
check "tmpfs options" out_has ' /scratch rw,nosuid,nodev,noexec.* tmpfs'
check "tmpfs status" status_is 0

run "$CFS" run --read-only -- /bin/sh -c 'touch /etc/x; touch /tmp/x; touch /dev/shm/x &&
  echo shm-ok; ls /proc/self >/dev/null && echo proc-ok'
check "read-only root refuses /etc" err_has "/etc/x: Read-only file system"
check "read-only root covers /tmp" err_has "/tmp/x: Read-only file system"
check "read-only keeps dev writable" out_has shm-ok
check "read-only keeps proc" out_has proc-ok
run "$CFS" run --read-only --tmpfs /tmp -- /bin/sh -c 'touch /tmp/x && echo ok'
check "read-only with tmpfs /tmp" out_is ok

run unshare -m --propagation shared "$CFS" run --propagation slave --bind "$dir/src:/data" -- \
  /bin/grep ' /data ' /proc/self/mountinfo
check "slave propagation" out_has ' master:'
run unshare -m --propagation shared "$CFS" run --bind "$dir/src:/data" -- \
  /bin/grep ' /data ' /proc/self/mountinfo
check "private propagation by default" sh -c '! printf "%s" "$0" | grep -q -e master: -e shared:' \
  "$OUT"

# --- symlinks in the root cannot send mounts to the host --------------------
ln -s / "$dir/r/etc/x"
run "$CFS" run --rootfs "$dir/r" --bind "$dir/src:/etc/x/data" -- /bin/cat /data/m
check "bind through link to / lands inside" out_is marker
check "link target made in rootfs" [ -d "$dir/r/data" ]
check "host has no /data" [ ! -e /data ]

mkdir "$dir/hostproc"
touch "$dir/hostproc/keep"
rmdir "$dir/r/proc"
ln -s "$dir/hostproc" "$dir/r/proc"
run "$CFS" run --rootfs "$dir/r" -- /bin/sh -c 'test -e /proc/self/ns/pid && echo proc-ok'
check "proc through link works inside" out_is proc-ok
check "host dir behind link untouched" [ "$(ls -A "$dir/hostproc")" = keep ]
check "proc landed in rootfs" [ -d "$dir/r$dir/hostproc" ]
check "nothing mounted on host path" [ -z "$(findmnt -rn "$dir/hostproc")" ]
rm "$dir/r/proc"
mkdir "$dir/r/proc"

ln -s "$dir/not-on-host" "$dir/r/etc/y"
run "$CFS" run --rootfs "$dir/r" --tmpfs /etc/y -- /bin/sh -c 'touch /etc/y/z && echo ok'
check "dangling link target made inside" out_is ok
check "dangling link target not on host" [ ! -e "$dir/not-on-host" ]

# Covering the whole root through a link is rejected, like a target of /.
run "$CFS" run --rootfs "$dir/r" --bind "$dir/src:/etc/x" -- /bin/true
check "bind onto root via link: status" status_is 125
check "bind onto root via link: one line" err_is_one_line
check "bind onto root via link: message" err_has "target '/etc/x' resolves to the container's root"

# --- descriptors and the working directory ----------------------------------
run sh -c "exec 3</etc/hostname 4<'$dir/src/m'; '$CFS' run --rootfs '$ROOT' -- /bin/probe fds cwd"
check "only stdio reaches the container" out_is "$(printf 'fds=0,1,2\ncwd=/')"
run sh -c "cd '$dir/src' && exec 3</etc/hostname && '$CFS' run -w /var -- /bin/sh -c \
  'pwd; ls -l /proc/self/cwd /proc/1/cwd | sed \"s/.*-> //\"'"
check "workdir set after the root switch" out_is "$(printf '/var\n/var\n/var')"

# --- user namespaces ----------------------------------------------------------
run "$CFS" run --userns -- /bin/sh -c 'id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user'
check "userns as root keeps uid 0" out_has '^0$'
check "userns maps root to caller" out_has '^ *0 *0 *1$'
check "userns is new" [ "$(printf '%s\n' "$OUT" | tail -1)" != "$(readlink /proc/self/ns/user)" ]

run "$CFS" run --rootfs "$dir/r" --uid-map 0:100000:65536 --gid-map 0:100000:65536 -- \
  /bin/sh -c 'id -u; id -g; touch /tmp/owned; ls /dev'
check "remapped root is 0 inside" out_has '^0$'
check "remapped file owner on host" [ "$(stat -c %u:%g "$dir/r/tmp/owned")" = 100000:100000 ]
check "remapped dev list" out_has '^urandom$'
rm -f "$dir/r/tmp/owned"

user_home="$dir/home"
mkdir "$user_home"
chown 1000:1000 "$user_home"
as_user() {
  run setpriv --reuid=1000 --regid=1000 --clear-groups env -i HOME="$user_home" \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
as_user env XDG_CACHE_HOME="$user_home/xdg" "$SHARED/cfs" run -- /bin/sh -c \
  'id -u; cat /proc/self/uid_map; ls /dev | tr "\n" " "; touch /sys/x'
check "unprivileged: uid 0 inside" out_has '^0$'
check "unprivileged: root is the caller" out_has '^ *0 *1000 *1$'
check "unprivileged: dev list" \
  out_has '^fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero $'
check "unprivileged: sys read-only" err_has 'Read-only file system'
check "unprivileged: cache in XDG_CACHE_HOME" [ -d "$user_home/xdg/cfs/rootfs" ]
rm -rf "$user_home/xdg"

as_user "$SHARED/cfs" run -- /bin/sh -c 'cat /proc/keys | wc -c; grep " /sys " /proc/self/mountinfo'
check "unprivileged: keys masked" out_has '^0$'
check "unprivileged: sys bound read-only" out_has ' /sys ro,'
check "unprivileged: cache in ~/.cache" [ -d "$user_home/.cache/cfs/rootfs" ]

as_user "$SHARED/cfs" run --uid-map 0:1000:1 --uid-map 1:200000:10 -- /bin/true
check "unprivileged foreign range: status" status_is 125
check "unprivileged foreign range: one line" err_is_one_line
check "unprivileged foreign range: names helper" err_has 'newuidmap failed'

# Subordinate ranges come from /etc/subuid and /etc/subgid: give the test
# user some in a private mount namespace, where newuidmap reads them.
printf 'cloudsdk:100000:65536\n1000:300000:10\n' >"$dir/subids"
chmod 644 "$dir/subids"
run unshare -m --propagation private sh -c "mount --bind '$dir/subids' /etc/subuid &&
  mount --bind '$dir/subids' /etc/subgid && setpriv --reuid=1000 --regid=1000 --clear-groups \
  env -i HOME='$user_home' PATH=/usr/sbin:/usr/bin:/sbin:/bin '$SHARED/cfs' run -- /bin/sh -c \
  'cat /proc/self/uid_map /proc/self/gid_map; grep \" /dev/pts \" /proc/self/mountinfo'"
check "subuid ranges mapped" [ "$(printf '%s\n' "$OUT" | grep -c '^ *65537 *300000 *10$')" -eq 2 ]
check "subuid first range" out_has '^ *1 *100000 *65536$'
# devpts shows its gid as a host ID: container gid 5 is host gid 100004.
check "tty group mapped for devpts" out_has ' devpts devpts rw,gid=100004,'
rm -rf "$user_home/.cache"

# --- recipes ------------------------------------------------------------------
run "$CFS" recipe recipes/rootfs.lua
check "rootfs recipe status" status_is 0
check "rootfs recipe shows old root" out_has 'the old root is still there'
check "rootfs recipe old root gone" out_has 'holds 0 entries'
run "$CFS" recipe recipes/rootfs.lua "$dir/r"
check "rootfs recipe with a directory" status_is 0
run "$CFS" recipe recipes/user.lua
check "user recipe status" status_is 0
check "user recipe before maps" out_has 'before the maps: uid=65534'
check "user recipe after maps" out_has 'after the maps: uid=0 gid=0'
check "user recipe host owner" out_has 'to uid 100000 gid 100000'
as_user "$SHARED/cfs" recipe "$SHARED/recipes/user.lua"
check "user recipe unprivileged" out_has 'to uid 1000 gid 1000'
check "user recipe unprivileged status" status_is 0
rm -rf "$user_home/.cache"

# --- errors -------------------------------------------------------------------
expect_error() {
  name=$1 pattern=$2
  shift 2
  run "$CFS" "$@"
  check "$name: status" status_is 125
  check "$name: one line" err_is_one_line
  check "$name: message" err_has "$pattern"
}
expect_error "bind source missing" "bind source '$dir/none' does not exist" \
  run --bind "$dir/none:/x" true
expect_error "bind bad mode" "invalid --bind" run --bind "$dir/src:/x:rx" true
expect_error "bind empty mode" "invalid --bind" run --bind "$dir/src:/x:" true
# The message names the container path, not the descriptor's /proc/self/fd path.
expect_error "bind under read-only sys" "bind '/sys/x': mkdir('/sys/x'): Read-only" \
  run --bind "$dir/src:/sys/x" true
run "$CFS" run --bind "$dir/src:/data:rw" -- /bin/sh -c 'cat /data/m; touch /data/rw && rm /data/rw'
check "bind rw mode writable" out_is marker
check "bind rw mode status" status_is 0
expect_error "bind relative target" "must be an absolute path" run --bind "$dir/src:x" true
expect_error "tmpfs on root" "must be an absolute path other than /" run --tmpfs / true
expect_error "bad uid map" "invalid --uid-map '0:1'" run --uid-map 0:1 true
expect_error "uid map without root" "container ID 0 is not mapped" run --uid-map 1:1000:1 true
expect_error "bad propagation" "propagation 'shared' is not" run --propagation shared true

cat >"$dir/pivot.lua" <<EOF
cfs.isolate({ "mnt" }, function()
  cfs.mounts.isolate_propagation()
  cfs.rootfs.switch("$dir/src")
end)
EOF
run "$CFS" recipe "$dir/pivot.lua"
check "pivot_root failure: status" status_is 125
check "pivot_root failure: one line" err_is_one_line
check "pivot_root failure: names root" err_has "pivot_root('$dir/src')"

mkdir "$dir/chroot"
cat >"$dir/fallback.lua" <<EOF
cfs.isolate({ "mnt" }, function()
  cfs.mounts.isolate_propagation()
  cfs.mkdir("$dir/chroot/new")
  cfs.mount("$dir/r", "$dir/chroot/new", nil, { "bind", "rec" })
  cfs.chroot("$dir/chroot")
  print(cfs.rootfs.switch("/new"))
  print(cfs.fs.exists("$dir/src/m") and "host visible" or "host gone")
end)
EOF
run "$CFS" -v recipe "$dir/fallback.lua"
check "chroot fallback used" out_is "$(printf 'chroot\nhost gone')"
check "chroot fallback logged" err_has 'falling back to chroot'
rmdir "$dir/chroot/new" "$dir/chroot"

check "host hostname unchanged" [ "$(hostname)" = "$host_name" ]
check "host mount table unchanged" \
  [ "$(findmnt -rn -o TARGET,SOURCE,FSTYPE | sort)" = "$host_mounts" ]
# Device nodes made in the container cannot be opened: every writable
# mount is nodev. The bound devices keep working.
run "$CFS" run -- /bin/sh -c 'mknod /dev/made c 1 3 && echo x >/dev/made'
check "node made in /dev cannot be opened" err_has "can't create /dev/made: Permission denied"
run "$CFS" run -- /bin/sh -c 'mknod /tmp/made c 1 3 && echo x >/tmp/made'
check "node made in the root cannot be opened" err_has "can't create /tmp/made: Permission denied"
run "$CFS" run --rootfs "$ROOT" -- /bin/sh -c 'mknod /made c 1 3 && echo x >/made; rm -f /made'
check "node made in a directory root cannot be opened" \
  err_has "can't create /made: Permission denied"
run "$CFS" run -- /bin/sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c'
check "bound devices work" out_is 4

finish
