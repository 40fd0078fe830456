# Integration: the default build links cfs statically, so the binary runs in
# a root that has no C library, and Lua C modules report why they cannot
# load. A STATIC=0 build (shared libc) is checked for the opposite.
. tests/integration/lib.sh

dir=$(scratch)
mkdir "$dir/bin"
cp "$CFS" "$dir/bin/cfs"
cat >"$WORK/loadlib.lua" <<'LUA'
local lib, msg, where = package.loadlib("/nonexistent-cfs-test.so", "*")
print(lib, msg, where)
LUA

if readelf -l "$CFS" | grep -q 'program interpreter'; then
  run "$CFS" run --rootfs "$dir" -- /bin/cfs version
  check "shared cfs needs a libc" status_is 127

  run "$CFS" recipe "$WORK/loadlib.lua"
  check "shared cfs tries dlopen" out_has "nonexistent-cfs-test.so"
else
  run "$CFS" run --rootfs "$dir" -- /bin/cfs version
  check "static cfs runs without libc" status_is 0
  check "static cfs prints version" out_has "^cfs "

  run "$CFS" recipe "$WORK/loadlib.lua"
  check "C module load status" status_is 0
  message="cfs is linked statically and cannot load C modules"
  check "C module load message" out_is "$(printf 'nil\t%s\topen' "$message")"
fi
rm -rf "$dir"
finish
