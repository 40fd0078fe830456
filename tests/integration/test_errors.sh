# Integration: every kind of bad input prints one "cfs: ..." line, exits
# with the documented status and leaves the host unchanged.
. tests/integration/lib.sh

host_name=$(hostname)
host_mounts=$(findmnt -rn | wc -l)
dir=$(scratch)

# expect_error NAME STATUS PATTERN CFS-ARGS...
expect_error() {
  name=$1 status=$2 pattern=$3
  shift 3
  run "$CFS" "$@"
  check "$name: status" status_is "$status"
  check "$name: one line" err_is_one_line
  check "$name: message" err_has "$pattern"
  check "$name: no stdout" out_is ""
}

expect_error "no command" 125 "missing command"
expect_error "unknown command" 125 "unknown command 'frobnicate'" frobnicate
expect_error "unknown global option" 125 "unknown option '--frob'" --frob
expect_error "unknown run option" 125 "unknown option '--frob'" run --frob
expect_error "option without value" 125 "requires a value" run --hostname
expect_error "empty hostname" 125 "invalid hostname ''" run --hostname "" true
expect_error "hostname too long" 125 "1 to 64 bytes" run \
  --hostname "$(printf '%065d' 0)" true
expect_error "unknown namespace" 125 "unknown namespace 'bogus'" run --ns uts,bogus,mnt true
expect_error "namespaces without mnt" 125 "must include 'mnt'" run --ns uts,pid true
expect_error "empty namespace name" 125 "empty namespace name" run --ns uts,,mnt true
expect_error "bad env" 125 "invalid --env '=x'" run --env =x true
expect_error "relative workdir" 125 "not an absolute path" run --workdir tmp true
expect_error "rootfs missing" 125 "rootfs '$dir/none'" run --rootfs "$dir/none" true
printf 'not an archive\n' >"$dir/text"
expect_error "rootfs not dir or tarball" 125 "not a directory or a tar archive" \
  run --rootfs "$dir/text" true
expect_error "rootfs device" 125 "not a directory or a tar archive" run --rootfs /dev/null true
expect_error "rootfs host root" 125 "host's root directory cannot be" run --rootfs /tmp/.. true
expect_error "recipe missing" 125 "cannot open $dir/none.lua" recipe "$dir/none.lua"
expect_error "recipe without file" 125 "missing recipe file" recipe
printf 'local x = = 1\n' >"$dir/syntax.lua"
expect_error "recipe syntax error" 125 "syntax.lua:1:" recipe "$dir/syntax.lua"
printf 'local cfs = require "cfs"\nerror("recipe failed on purpose")\n' >"$dir/raise.lua"
expect_error "recipe raises" 125 "raise.lua:2: recipe failed on purpose" recipe "$dir/raise.lua"
printf 'require("cfs").mount(nil, "/x", nil, {"readonly"})\n' >"$dir/flag.lua"
expect_error "recipe bad flag" 125 "flag.lua:1: bad argument #4 to 'mount'" \
  recipe "$dir/flag.lua"
printf 'require("cfs").chdir("%s/none")\n' "$dir" >"$dir/chdir.lua"
expect_error "recipe failed primitive" 125 "chdir('$dir/none'): No such file" \
  recipe "$dir/chdir.lua"
printf 'error("first\\nsecond")\n' >"$dir/newline.lua"
expect_error "error with newline" 125 "newline.lua:1: first second" recipe "$dir/newline.lua"
printf 'error({})\n' >"$dir/table.lua"
expect_error "error table without message" 125 "table without a message" recipe "$dir/table.lua"
printf 'error(require("cfs.errors").new("custom", { status = 0 }))\n' >"$dir/zero.lua"
expect_error "error with status 0" 125 "cfs: custom" recipe "$dir/zero.lua"
printf 'return 256\n' >"$dir/big.lua"
expect_error "recipe status out of range" 125 "returned 256" recipe "$dir/big.lua"
printf 'require("cfs").mkdir("/tmp/x\\0y")\n' >"$dir/nul.lua"
expect_error "path with NUL byte" 125 "contains a NUL byte" recipe "$dir/nul.lua"
# Both ends of the size range give the same message, which states the range.
expect_error "uid map size zero" 125 \
  "range 1: invalid size '0', expected an integer from 1 to 4294967295" run --uid-map 0:0:0 true
expect_error "uid map size too large" 125 \
  "range 1: invalid size '4294967296', expected an integer from 1 to 4294967295" \
  run --uid-map 0:0:4294967296 true
run "$CFS" run --uid-map 0:0:4294967295 -- /bin/cat /proc/self/uid_map
check "uid map of the largest size" out_has '^ *0  *0  *4294967295$'
expect_error "hostname with newline" 125 \
  "invalid hostname 'a\\\\x0ab': it contains a control character" \
  run --hostname "$(printf 'a\nb')" true
expect_error "hostname with DEL" 125 "invalid hostname 'a\\\\x7fb'" \
  run --hostname "$(printf 'a\177b')" true
expect_error "hostname without uts" 125 "needs the 'uts' namespace" \
  run --hostname x --ns mnt,pid true
expect_error "help unknown command" 125 "unknown command 'nope'" help nope
expect_error "rootfs without kind" 125 "missing kind" rootfs
expect_error "rootfs non-empty dir" 125 "is not empty" rootfs busybox "$ROOT"

printf '#!/nonexistent/interpreter\n' >"$dir/badinterp"
chmod 755 "$dir/badinterp"
run "$CFS" run --bind "$dir/badinterp:/bin/badinterp" -- /bin/badinterp
check "missing interpreter is 126" status_is 126
check "missing interpreter one line" err_is_one_line
check "missing interpreter hint" err_has "interpreter or loader was not found"
run "$CFS" run --bind "$dir/badinterp:/bin/badinterp" -- badinterp
check "missing interpreter in PATH is 126" status_is 126

# A child that shares cfs's memory (clone with vfork) killed while it runs
# Lua may leave the heap half changed: cfs must stop at once, with one line.
cat >"$dir/vfork-kill.lua" <<'LUA'
local cfs = require "cfs"
cfs.clone({}, function()
  local t = {}
  for i = 1, 1000 do
    t[i] = tostring(i)
  end
  cfs.kill(cfs.getpid(), "KILL")
end, { vfork = true })
print("parent went on")
LUA
run "$CFS" recipe "$dir/vfork-kill.lua"
check "vfork child killed in Lua: status" status_is 137
check "vfork child killed in Lua: one line" err_is_one_line
check "vfork child killed in Lua: parent stopped" out_is ""

cat >"$dir/vfork-exit.lua" <<'LUA'
local cfs = require "cfs"
local child = cfs.clone({}, function()
  cfs.exit(4)
end, { vfork = true })
print(child:wait())
LUA
run "$CFS" recipe "$dir/vfork-exit.lua"
check "vfork child exit: parent goes on" out_is "$(printf 'exited\t4')"

run "$CFS" -v recipe "$dir/raise.lua"
check "debug adds traceback" err_has "stack traceback"

# Running without privileges: a plain user gets a user namespace, or one clear line.
if id nobody >/dev/null 2>&1; then
  run setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent \
    CFS_CACHE=/nonexistent/cache "$SHARED/cfs" run true
  check "unprivileged without cache: status" status_is 125
  check "unprivileged without cache: one line" err_is_one_line
fi

check "host hostname unchanged" [ "$(hostname)" = "$host_name" ]
check "host mounts unchanged" [ "$(findmnt -rn | wc -l)" -eq "$host_mounts" ]
finish
