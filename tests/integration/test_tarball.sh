# Integration: --rootfs with tar archives: plain, gzip and xz archives work;
# archives with entries that try to leave the target, and corrupt ones, are
# rejected with one line and leave nothing behind on the host.
. tests/integration/lib.sh

dir=$(scratch)
host_mounts=$(findmnt -rn | wc -l)
# A cache of its own, so counting extracted trees is not disturbed by other suites.
export CFS_CACHE="$dir/cache"

tar -C "$ROOT" -cf "$dir/root.tar" .
gzip -c "$dir/root.tar" >"$dir/root.tar.gz"
xz -T1 -c "$dir/root.tar" >"$dir/root.tar.xz"

for kind in tar tar.gz tar.xz; do
  run "$CFS" run --rootfs "$dir/root.$kind" -- /bin/probe pid hostname
  check "$kind archive runs" out_is "$(printf 'pid=1\nhostname=cfs')"
done

run "$CFS" run --rootfs "$dir/root.tar.gz" -- /bin/sh -c 'echo x > /etc/scratch; cat /etc/scratch'
check "archive root is writable" out_is x
run "$CFS" run --rootfs "$dir/root.tar.gz" -- /bin/sh -c \
  'test -e /etc/scratch && echo kept || echo gone'
check "archive writes are thrown away" out_is gone
trees=$(find "$CFS_CACHE/rootfs" -mindepth 1 -maxdepth 1 -name 'tar-*' | wc -l)
check "extracted once" [ "$trees" -eq 3 ]

# Archives whose entries try to land outside the target. Trees are extracted
# in $CFS_CACHE/tmp/NAME, so "../../../victim-tarball" from there is $dir/victim-tarball.
victim="$dir/victim-tarball"
mkdir "$victim"

# evil_archive NAME: build $dir/NAME.tar; each kind of escape in its own archive.
mkdir "$dir/src"
printf 'payload\n' >"$dir/src/payload"
tar -C "$dir/src" -cf "$dir/dotdot.tar" \
  --transform 's,^payload$,../../../victim-tarball/dotdot,' payload
tar -C "$dir/src" -cPf "$dir/absolute.tar" --transform "s,^payload\$,$victim/absolute," payload
ln -s "$victim" "$dir/src/link"
tar -C "$dir/src" -cf "$dir/symlink.tar" link
tar -C "$dir/src" -rf "$dir/symlink.tar" --transform 's,^payload$,link/through-symlink,' payload

for evil in dotdot absolute symlink; do
  run "$CFS" run --rootfs "$dir/$evil.tar" -- /bin/true
  check "$evil archive rejected" status_is 125
  check "$evil archive one line" err_is_one_line
  check "$evil archive names rootfs" err_has "rootfs '$dir/$evil.tar'"
done
check "nothing landed outside" [ -z "$(ls -A "$victim")" ]
rmdir "$victim"
check "no half-extracted tree kept" [ -z "$(ls -A "$CFS_CACHE/tmp")" ]

head -c 3000 "$dir/root.tar.gz" >"$dir/truncated.tar.gz"
run "$CFS" run --rootfs "$dir/truncated.tar.gz" -- /bin/true
check "truncated archive status" status_is 125
check "truncated archive one line" err_is_one_line
check "truncated archive names rootfs" err_has "rootfs '$dir/truncated.tar.gz'"

: >"$dir/empty.tar"
run "$CFS" run --rootfs "$dir/empty.tar" -- /bin/true
check "empty archive status" status_is 125
check "empty archive one line" err_is_one_line

check "no tree left in tmp" [ -z "$(ls -A "$CFS_CACHE/tmp")" ]
check "host mounts unchanged" [ "$(findmnt -rn | wc -l)" -eq "$host_mounts" ]
finish
