# Integration: the binary works when copied alone, installs under PREFIX
# and DESTDIR, and users change behaviour through $CFS_PATH or the
# per-user folder without recompiling.
. tests/integration/lib.sh

dir=$(scratch)

cp "$CFS" "$dir/cfs-copy"
run "$dir/cfs-copy" run -- /bin/hostname
check "copied binary runs a container" out_is cfs
run "$dir/cfs-copy" version
check "copied binary version" out_has "^cfs [0-9]"

run make -s install DESTDIR="$dir/dest" PREFIX=/opt/cfs
check "install status" status_is 0
check "installed under DESTDIR and PREFIX" [ -x "$dir/dest/opt/cfs/bin/cfs" ]
check "recipes installed" [ -f "$dir/dest/opt/cfs/share/cfs/recipes/demo.lua" ]
check "docs installed" [ -f "$dir/dest/opt/cfs/share/doc/cfs/lua-api.md" ]
run "$dir/dest/opt/cfs/bin/cfs" recipe "$dir/dest/opt/cfs/share/cfs/recipes/uts.lua"
check "installed recipe runs with the installed binary" status_is 0

# A new command from $CFS_PATH.
mkdir -p "$dir/path/cfs/cli"
cat >"$dir/path/cfs/cli/hello.lua" <<'LUA'
local M = { summary = "say hello", usage = "cfs hello", help = "Say hello." }
function M.main(argv)
  print("hello " .. (argv[1] or "world"))
  return 3
end
return M
LUA
run env CFS_PATH="$dir/path" "$CFS" hello there
check "command added through CFS_PATH" out_is "hello there"
check "added command status" status_is 3
run env CFS_PATH="$dir/path" "$CFS" help
check "added command listed in help" out_has "^  hello *say hello$"

# A changed default: a spec module whose default hostname differs.
mkdir -p "$dir/path2/cfs"
cat >"$dir/path2/cfs/spec.lua" <<'LUA'
package.loaded["cfs.spec"] = nil
local searchers = package.searchers
local embedded = searchers[3]
local loader = embedded("cfs.spec")
local spec = loader("cfs.spec")
local new = spec.new
function spec.new(fields)
  fields = fields or {}
  fields.hostname = fields.hostname or "overridden"
  return new(fields)
end
return spec
LUA
run env CFS_PATH="$dir/path2" "$CFS" run -- /bin/hostname
check "default changed through CFS_PATH" out_is overridden

# The per-user folder, found through XDG_DATA_HOME.
mkdir -p "$dir/data/cfs/lua/cfs/cli"
cp "$dir/path/cfs/cli/hello.lua" "$dir/data/cfs/lua/cfs/cli/hello.lua"
run env XDG_DATA_HOME="$dir/data" "$CFS" hello
check "command added in the per-user folder" out_is "hello world"

run "$CFS" hello
check "no override without the path" status_is 125
check "unknown command one line" err_is_one_line

mkdir -p "$dir/broken/cfs/cli"
printf 'return {main = function() end\n' >"$dir/broken/cfs/cli/broken.lua"
run env CFS_PATH="$dir/broken" "$CFS" broken
check "broken module status" status_is 125
check "broken module one line" err_is_one_line
check "broken module names file" err_has "broken.lua"

# An unprivileged user gets a user namespace and is root inside. The user
# needs to reach its cache folder, so open the way to it for traversal only.
if id nobody >/dev/null 2>&1; then
  mkdir "$dir/nobody-cache"
  chown nobody "$dir/nobody-cache"
  chmod 711 "$dir"
  run setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent \
    CFS_CACHE="$dir/nobody-cache" "$SHARED/cfs" run -- /bin/sh -c 'id -u; echo $$; hostname'
  check "unprivileged user is root inside" out_is "$(printf '0\n1\ncfs')"
fi

finish
