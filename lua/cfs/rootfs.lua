--- Root filesystems: where the cache lives, the default busybox tree, tar
-- archives extracted into the cache, and the steps run inside a new mount
-- namespace to mount a root and switch to it.
--
-- Trees from the cache (the busybox default and extracted archives) are
-- shared by every container, so each container sees them through an
-- overlay whose upper layer is a tmpfs: writes work and vanish with the
-- container. A directory given by the user is used in place, writable, as
-- crun and bubblewrap do.
local core = require "cfs.core"
local fs = require "cfs.fs"
local errors = require "cfs.errors"
local log = require "cfs.log"

local function cfs_try(fn, ...)
  return require("cfs").try(fn, ...)
end

local M = {}

local MODE_PRIVATE = tonumber("700", 8)
local MODE_LOCK = tonumber("600", 8)
local MODE_DIR = tonumber("755", 8)
local MODE_EXEC = tonumber("755", 8)
local MODE_TMP = tonumber("1777", 8)

--- The folder holding the cache: $CFS_CACHE, else /var/lib/cfs for root,
-- else $XDG_CACHE_HOME/cfs or ~/.cache/cfs.
local function find_cache_dir()
  local dir = fs.user_dir("CFS_CACHE", "/var/lib/cfs", "XDG_CACHE_HOME", ".cache")
  if dir then
    return dir
  end
  errors.raise("no folder for the root filesystem cache", { hint = "set HOME or CFS_CACHE" })
end

function M.cache_dir()
  local dir = find_cache_dir()
  -- Cached trees become overlayfs lowerdir options, where ',' and ':' are separators.
  if dir:find("[,:]") then
    errors.raise(string.format("cache folder '%s' contains ',' or ':'", dir), {
      context = "rootfs",
      hint = "set CFS_CACHE to a path without them",
    })
  end
  return dir
end

local fnv1a = fs.fnv1a

-- Create the cache layout once: rootfs/ (finished trees), tmp/ (trees being
-- built), mnt/ (the empty mount point for a container's overlay).
local function ensure_cache(base)
  if fs.is_dir(base .. "/mnt") then
    return
  end
  fs.mkdirs(base, MODE_PRIVATE)
  for _, sub in ipairs { "rootfs", "tmp", "mnt" } do
    fs.mkdirs(base .. "/" .. sub, MODE_PRIVATE)
  end
end

-- Build `name` under the cache with build(tmpdir) once, even when many
-- cfs processes ask at the same moment: the first takes the lock and builds,
-- the others wait and then find the finished tree.
local function cached(name, build)
  local base = M.cache_dir()
  local final = base .. "/rootfs/" .. name
  if fs.is_dir(final) then
    return final
  end

  ensure_cache(base)
  local lock <close> = core.open(base .. "/lock", { "rdwr", "creat" }, MODE_LOCK)
  lock:lock("exclusive")
  if fs.is_dir(final) then
    return final
  end

  -- Builds only happen under the lock, so whatever tmp/ holds now was left
  -- by a cfs that died while building: remove it.
  for _, entry in ipairs(core.readdir(base .. "/tmp")) do
    log.debug("rootfs: removing the unfinished tree %s/tmp/%s", base, entry)
    fs.rmtree(base .. "/tmp/" .. entry)
  end
  local tmp = string.format("%s/tmp/%s.%d", base, name, core.getpid())
  core.mkdir(tmp, MODE_DIR)
  local ok, err = pcall(build, tmp)
  if not ok then
    pcall(fs.rmtree, tmp)
    error(err, 0)
  end
  core.rename(tmp, final)
  log.debug("rootfs: cached %s", final)
  return final
end

-- True when the ELF file at path names a program interpreter, so it is dynamically linked.
local function is_dynamic(path)
  local data = fs.read_file(path)
  if data:sub(1, 4) ~= "\127ELF" then
    return false
  end
  local is64 = data:byte(5) == 2
  local order = data:byte(6) == 2 and ">" or "<"
  -- e_phoff, e_phentsize and e_phnum sit at different offsets in 32- and 64-bit headers.
  local phoff = string.unpack(order .. (is64 and "I8" or "I4"), data, is64 and 33 or 29)
  local phentsize, phnum = string.unpack(order .. "I2I2", data, is64 and 55 or 43)
  for i = 0, phnum - 1 do
    local at = phoff + i * phentsize + 1
    if at + 4 <= #data and string.unpack(order .. "I4", data, at) == 3 then
      return true
    end
  end
  return false
end

--- The host's busybox: $CFS_BUSYBOX, else the first of /bin/busybox and
-- /usr/bin/busybox.
function M.busybox_path()
  local env = os.getenv("CFS_BUSYBOX")
  if env and env ~= "" then
    return env
  end
  for _, path in ipairs { "/bin/busybox", "/usr/bin/busybox" } do
    if fs.exists(path) then
      return path
    end
  end
  errors.raise("busybox not found in /bin or /usr/bin", {
    context = "rootfs",
    hint = "install the busybox-static package",
  })
end

local PASSWD = "root:x:0:0:root:/root:/bin/sh\n"
  .. "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
local GROUP = "root:x:0:\nnogroup:x:65534:\n"
local HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost\n"
local OS_RELEASE = 'NAME="cfs busybox"\nID=cfs-busybox\nPRETTY_NAME="cfs busybox root"\n'

-- Run `busybox --list-full` and return the applet paths it prints.
local function list_applets(busybox)
  local reader, writer = core.pipe()
  local child = core.clone({}, function()
    reader:close()
    core.dup2(writer, 1)
    core.dup2(writer, 2)
    core.exec(busybox, { busybox, "--list-full" }, {})
  end)
  writer:close()
  local chunks = {}
  repeat
    local chunk = reader:read()
    chunks[#chunks + 1] = chunk
  until chunk == ""
  reader:close()
  local output = table.concat(chunks)
  local how, code = child:wait()
  if how ~= "exited" or code ~= 0 then
    errors.raise(string.format("'%s --list-full' failed: %s", busybox,
      output:match("[^\n]*"):gsub("^cfs: ", "")), { context = "rootfs" })
  end

  local applets = {}
  for applet in output:gmatch("[^\n]+") do
    if applet ~= "bin/busybox" and applet:match("^[%w/._-]+$") and not applet:find("..", 1, true)
    then
      applets[#applets + 1] = applet
    end
  end
  return applets
end

-- Check that dir is absent or an empty directory, and create it when absent.
local function prepare_target(dir)
  if type(dir) ~= "string" or dir == "" then
    errors.raise("directory path is empty", { context = "rootfs" })
  end
  local st = fs.lstat(dir)
  if not st then
    fs.mkdirs(dir, MODE_DIR)
  elseif st.type ~= "directory" then
    errors.raise(string.format("'%s' is not a directory", dir), { context = "rootfs" })
  elseif #core.readdir(dir) > 0 then
    errors.raise(string.format("directory '%s' is not empty", dir), { context = "rootfs" })
  end
end

-- Inside the new root: the folders, the binary, one link per applet, /etc.
local function populate(source, applets)
  for _, sub in ipairs {
    "bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "run", "home",
    "mnt", "var", "root", "tmp", "var/tmp",
  } do
    fs.mkdirs("/" .. sub, MODE_DIR)
  end
  core.chmod("/root", MODE_PRIVATE)
  core.chmod("/tmp", MODE_TMP)
  core.chmod("/var/tmp", MODE_TMP)

  local target = core.open("/bin/busybox", { "wronly", "creat", "excl" }, MODE_EXEC)
  repeat
    local chunk = source:read()
    target:write(chunk)
  until chunk == ""
  target:close()

  for _, applet in ipairs(applets) do
    if not fs.exists("/" .. applet) then
      local parent = applet:match("^(.*)/[^/]*$")
      if parent then
        fs.mkdirs("/" .. parent, MODE_DIR)
      end
      core.symlink("/bin/busybox", "/" .. applet)
    end
  end
  fs.write_new("/etc/passwd", PASSWD)
  fs.write_new("/etc/group", GROUP)
  fs.write_new("/etc/hosts", HOSTS)
  fs.write_new("/etc/os-release", OS_RELEASE)
end

-- Run fn(...) in a child chrooted into dir, with a user namespace when
-- unprivileged; an error in it is raised here.
local function in_root(dir, fn, ...)
  local args = table.pack(...)
  local namespaces, opts = {}, nil
  if core.geteuid() ~= 0 then
    -- chroot needs CAP_SYS_CHROOT, which an unprivileged user has only in its own namespace.
    local idmap = require "cfs.idmap"
    namespaces = { "user" }
    opts = {
      prepare = function(child)
        idmap.map_self(child.pid)
      end,
    }
  end
  require("cfs").isolate(namespaces, function()
    core.umask(tonumber("022", 8))
    core.chroot(dir)
    core.chdir("/")
    fn(table.unpack(args, 1, args.n))
  end, opts)
end

--- Build a minimal root filesystem in dir (created when missing, else
-- required to be an empty directory) from the host's static busybox: the
-- binary, one symlink per applet, and a tiny /etc. The files are written
-- by a child chrooted into dir, so a symlink placed in dir while it is
-- being built cannot redirect a write outside it.
-- @tparam string dir
-- @tparam[opt] string busybox path of the busybox binary
function M.busybox(dir, busybox)
  prepare_target(dir)
  busybox = busybox or M.busybox_path()
  if is_dynamic(busybox) then
    errors.raise(string.format("busybox '%s' is dynamically linked", busybox), {
      context = "rootfs",
      hint = "a root filesystem needs the static build: install busybox-static",
    })
  end
  local applets = list_applets(busybox)
  local source <close> = core.open(busybox)
  in_root(dir, populate, source, applets)
end

--- The default root filesystem: the busybox tree in the cache, built on
-- first use and rebuilt when the host's busybox changes.
-- @treturn string the directory
function M.default()
  local busybox = M.busybox_path()
  local st = errors.context("rootfs", core.stat, busybox)
  local key = fnv1a(string.format("%s:%d:%d:%d:%d", busybox, st.ino, st.size, st.mtime,
    st.mtime_nsec))
  return cached("busybox-" .. key, function(tmp)
    M.busybox(tmp, busybox)
  end)
end

--- Extract a tar archive into the cache, once per file version, and return
-- the directory. The extraction runs in a child that has chrooted into the
-- new tree, so no entry can land outside it, on top of libarchive's own
-- checks against "..", absolute names and symlinks.
-- @tparam string path the archive
-- @treturn string the directory
function M.extract(path)
  local real = core.realpath(path)
  local st = core.stat(real)
  local key = fnv1a(string.format("%s:%d:%d:%d:%d:%d", real, st.dev, st.ino, st.size, st.mtime,
    st.mtime_nsec))
  return cached("tar-" .. key, function(tmp)
    local archive <close> = core.open(real)
    in_root(tmp, core.extract, archive)
    core.chmod(tmp, MODE_DIR)
  end)
end

--- Resolve a --rootfs argument: nil means the default tree.
-- @tparam[opt] string path a directory or a tar archive
-- @treturn table {dir = string, overlay = boolean, stage = string|nil}
function M.prepare(path)
  if path == nil then
    return { dir = M.default(), overlay = true, stage = M.cache_dir() .. "/mnt" }
  end

  local context = string.format("rootfs '%s'", path)
  local ok, st = pcall(core.stat, path)
  if not ok then
    error(errors.wrap(st, context), 0)
  end
  if st.type == "directory" then
    local dir = core.realpath(path)
    -- The plan would mount /proc, /dev and /sys over the host's own, and
    -- the kernel rejects a second sysfs on the same mount point.
    if dir == "/" then
      errors.raise("the host's root directory cannot be a container's root", {
        context = context,
        hint = "give a directory holding a root filesystem, or no --rootfs for the busybox one",
      })
    end
    return { dir = dir, overlay = false }
  end
  if st.type ~= "file" then
    errors.raise("not a directory or a tar archive", { context = context })
  end

  local extracted, err = cfs_try(M.extract, path)
  if not extracted then
    -- libarchive reports "Unrecognized archive format" with EILSEQ before any entry.
    if errors.is_error(err) and err.op == "extract" and err.code == "EILSEQ" and not err.arg then
      errors.raise("not a directory or a tar archive", { context = context })
    end
    error(errors.wrap(err, context), 0)
  end
  local dir = extracted
  return { dir = dir, overlay = true, stage = M.cache_dir() .. "/mnt" }
end

--- Inside the container's mount namespace: mount the root prepared by
-- M.prepare and return where it is mounted. Cached trees get a tmpfs-backed
-- overlay; a user's directory is bind-mounted onto itself, because
-- pivot_root needs a mount point.
function M.mount(root)
  if not root.overlay then
    core.mount(root.dir, root.dir, nil, { "bind", "rec" })
    -- Add nodev without touching the other flags, which a user namespace
    -- may not clear (see cfs.mounts about device nodes).
    core.mount_setattr(root.dir, { set = { "nodev" }, recursive = true })
    return root.dir
  end

  local stage = root.stage
  core.mount("tmpfs", stage, "tmpfs", { "nosuid", "nodev" }, "mode=755")
  for _, sub in ipairs { "upper", "work", "root" } do
    core.mkdir(stage .. "/" .. sub, MODE_DIR)
  end
  local options = string.format("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", root.dir, stage,
    stage)
  core.mount("overlay", stage .. "/root", "overlay", { "nodev" }, options)
  return stage .. "/root"
end

--- Make `newroot` the root of the calling process with pivot_root, and
-- detach the old root so no host path stays reachable. When the current
-- root cannot be pivoted (an initramfs, or a root that a chroot made), move
-- the new root over / and chroot, as switch_root does: the old root's
-- mounts then stay in the namespace, covered, instead of detached.
-- @tparam string newroot a mount point
-- @treturn string "pivot_root" or "chroot", the method used
function M.switch(newroot)
  core.chdir(newroot)
  local ok, err = pcall(core.pivot_root, ".", ".")
  if ok then
    -- The old root now sits on top of the new one at ".": detach it, after
    -- making sure the unmount cannot propagate anywhere.
    core.mount(nil, ".", nil, { "rec", "slave" })
    core.umount(".", { "detach" })
    core.chdir("/")
    return "pivot_root"
  end
  -- The call was given "." for both paths; name the directory instead.
  err.arg = newroot
  if err.code ~= "EINVAL" then
    error(errors.hint(err), 0)
  end

  log.debug("rootfs: pivot_root failed (%s), falling back to chroot", tostring(err))
  local moved, move_err = pcall(core.mount, newroot, "/", nil, { "move" })
  if not moved then
    errors.hint(err)
    err.hint = string.format("%s; the chroot fallback failed too: %s", err.hint,
      tostring(move_err))
    error(err, 0)
  end
  core.chroot(".")
  core.chdir("/")
  return "chroot"
end

return M
