--- File helpers built on the primitives: existence checks, mkdir -p, a
-- recursive remove that never follows symlinks or crosses mounts, and
-- whole-file reads and writes.
local core = require "cfs.core"

local M = {}

local MODE_DIR = tonumber("755", 8)
local MODE_FILE = tonumber("644", 8)

--- Choose a folder for cfs's files: $`override` when set and not empty,
-- else `for_root` when running as root, else an absolute $`xdg`/cfs, else
-- an absolute $HOME/`home_sub`/cfs when `home_sub` is given.
-- @treturn string|nil nil when none applies
function M.user_dir(override, for_root, xdg, home_sub)
  local dir = os.getenv(override)
  if dir and dir ~= "" then
    return dir
  end
  if core.geteuid() == 0 then
    return for_root
  end
  local base = os.getenv(xdg)
  if base and base:sub(1, 1) == "/" then
    return base .. "/cfs"
  end
  local home = home_sub and os.getenv("HOME")
  if home and home:sub(1, 1) == "/" then
    return home .. "/" .. home_sub .. "/cfs"
  end
  return nil
end

--- The 64-bit FNV-1a hash of s as 16 hex digits: a short, stable name for
-- a cache entry, not a security hash.
function M.fnv1a(s)
  local h = 0xcbf29ce484222325
  for i = 1, #s do
    h = (h ~ s:byte(i)) * 0x100000001b3
  end
  return string.format("%016x", h)
end

--- The lstat table of path, or nil when it does not exist.
function M.lstat(path)
  local ok, st = pcall(core.lstat, path)
  if ok then
    return st
  end
  if type(st) == "table" and (st.code == "ENOENT" or st.code == "ENOTDIR") then
    return nil
  end
  error(st, 0)
end

--- True when path exists (a dangling symlink counts).
function M.exists(path)
  return M.lstat(path) ~= nil
end

--- True when path is a directory, following symlinks.
function M.is_dir(path)
  local ok, st = pcall(core.stat, path)
  return ok and st.type == "directory"
end

--- Join path parts with single slashes.
function M.join(...)
  local path = table.concat({ ... }, "/")
  return (path:gsub("/+", "/"))
end

--- Create path and its missing parents, like mkdir -p.
-- @tparam string path
-- @tparam[opt=0755] int mode for the directories created
function M.mkdirs(path, mode)
  local prefix = path:sub(1, 1) == "/" and "" or "."
  for part in path:gmatch("[^/]+") do
    prefix = prefix .. "/" .. part
    local ok, err = pcall(core.mkdir, prefix, mode or MODE_DIR)
    if not ok and not (type(err) == "table" and err.code == "EEXIST") then
      error(err, 0)
    end
  end
end

-- Remove path, staying on device `dev`; a directory on another device is a mount point.
local function remove(path, dev)
  local st = M.lstat(path)
  if not st then
    return
  end
  if st.type == "directory" then
    if st.dev ~= dev then
      error(core.error { op = "rmtree", arg = path, errno = core.errno.EBUSY }, 0)
    end
    for _, name in ipairs(core.readdir(path)) do
      remove(path .. "/" .. name, dev)
    end
    core.rmdir(path)
  else
    core.unlink(path)
  end
end

--- Remove path and everything under it, like rm -r. Symlinks are removed,
-- never followed, and a mount point inside stops it with EBUSY.
function M.rmtree(path)
  local st = M.lstat(path)
  if st then
    remove(path, st.dev)
  end
end

--- The whole content of a file.
-- @raise cfs.Error with op "open" when it cannot be read
function M.read_file(path)
  local f, msg, errno = io.open(path, "rb")
  if not f then
    error(core.error { op = "open", arg = path, errno = errno, msg = msg:match(": ([^:]+)$") }, 0)
  end
  local data = f:read("a")
  f:close()
  return data
end

--- Create (or truncate) a file with this content and mode.
function M.write_new(path, data, mode)
  local f = core.open(path, { "wronly", "creat", "trunc" }, mode or MODE_FILE)
  f:write(data)
  f:close()
  if mode then
    core.chmod(path, mode)
  end
end

--- Copy a regular file, giving the copy `mode`.
function M.copy_file(from, to, mode)
  M.write_new(to, M.read_file(from), mode)
end

return M
