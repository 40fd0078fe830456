# Integration: building root filesystems: `cfs rootfs busybox`, the cache
# and its recovery from builds that were cut short.
. tests/integration/lib.sh

dir=$(scratch)

run "$CFS" rootfs busybox "$dir/new/deep"
check "build creates parents" status_is 0
check "build has busybox" [ -x "$dir/new/deep/bin/busybox" ]
check "build has applet links" [ "$(readlink "$dir/new/deep/bin/sh")" = /bin/busybox ]
check "build has passwd" [ -s "$dir/new/deep/etc/passwd" ]

# Under umask 077 the tree must still be usable by every user in the container.
(umask 077 && "$CFS" rootfs busybox "$dir/masked" >/dev/null)
check "umask: bin readable" [ "$(stat -c %a "$dir/masked/bin")" = 755 ]
check "umask: passwd readable" [ "$(stat -c %a "$dir/masked/etc/passwd")" = 644 ]
check "umask: tmp sticky" [ "$(stat -c %a "$dir/masked/tmp")" = 1777 ]

: >"$dir/file"
run "$CFS" rootfs busybox "$dir/file"
check "file target rejected" status_is 125
check "file target one line" err_has "is not a directory"

# An empty path must be rejected before anything is written. Run it in a
# chroot of a copy of the test root, so a regression cannot touch the host.
cp -a "$ROOT" "$dir/jail"
rm "$dir/jail/linuxrc" # a build into "/" would make it again
cat >"$dir/jail/empty.lua" <<'LUA'
local ok, err = cfs.try(cfs.rootfs.busybox, "")
print(ok, err)
return ok and 1 or 0
LUA
cat >"$dir/empty-path.lua" <<LUA
local jail = "$dir/jail"
return cfs.isolate({ "mnt" }, function()
  cfs.chroot(jail)
  cfs.chdir("/")
  return dofile("/empty.lua")
end)
LUA
run "$CFS" recipe "$dir/empty-path.lua"
check "empty path rejected" status_is 0
check "empty path message" out_has "directory path is empty"
check "empty path wrote nothing" [ ! -e "$dir/jail/linuxrc" ]

# A directory whose owner swaps etc for a symlink while root builds in it.
# The writes happen inside a chroot of the directory, so they stay there.
victim="$dir/victim"
mkdir "$victim"
for attempt in 1 2 3 4 5; do
  target="$dir/race$attempt"
  mkdir "$target"
  (
    while [ ! -e "$target/done" ]; do
      if [ -d "$target/etc" ] && [ ! -L "$target/etc" ]; then
        mv "$target/etc" "$target/etc.moved" 2>/dev/null && ln -s "$victim" "$target/etc"
      fi
    done
  ) &
  swapper=$!
  "$CFS" rootfs busybox "$target" >/dev/null 2>&1
  : >"$target/done"
  wait "$swapper"
done
check "symlink race stays inside" [ -z "$(ls -A "$victim")" ]

# A build cut short leaves an unfinished tree in tmp/; the next build removes it.
mkdir -p "$CFS_CACHE/tmp/busybox-leftover.99999/etc"
tar -C "$ROOT" -cf "$dir/root.tar" .
run "$CFS" run --rootfs "$dir/root.tar" -- /bin/true
check "build after leftover" status_is 0
check "leftover removed" [ ! -e "$CFS_CACHE/tmp/busybox-leftover.99999" ]

# The same with a real cut: SIGKILL cfs while it builds a new cache.
cache2="$dir/cache2"
CFS_CACHE="$cache2" "$CFS" run -- /bin/true &
pid=$!
for _ in $(seq 200); do
  [ -n "$(ls -A "$cache2/tmp" 2>/dev/null)" ] && break
  sleep 0.01
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
run env CFS_CACHE="$cache2" "$CFS" run -- /bin/true
check "run after killed build" status_is 0
check "killed build cleaned" [ -z "$(ls -A "$cache2/tmp")" ]
check "cache lock file is private, not executable" [ "$(stat -c %a "$cache2/lock")" = 600 ]

run env CFS_BUSYBOX=/etc/passwd CFS_CACHE="$dir/cache3" "$CFS" run -- /bin/true
check "busybox not executable status" status_is 125
check "busybox not executable one line" err_is_one_line

run env CFS_CACHE="$dir/with,comma" "$CFS" run -- /bin/true
check "cache with comma status" status_is 125
check "cache with comma one line" err_is_one_line
check "cache with comma built nothing" [ ! -e "$dir/with,comma" ]

finish
