--- Mount plans: the mounts a container gets inside its root, as data, and
-- the executor that applies a plan. A recipe can take the default plan,
-- change it and pass it on (spec field `mounts`).
--
-- The executor resolves every target inside the root with the kernel's
-- openat2(RESOLVE_IN_ROOT), then mounts onto, or creates in, the directory
-- that lookup returned. A symlink in the root filesystem, however it is
-- made, therefore can never send a mount, a directory or a node to a host
-- path: "/" in a link means the container's root.
local core = require "cfs.core"
local errors = require "cfs.errors"

local M = {}

local MODE_DIR = tonumber("755", 8)
local MODE_FILE = tonumber("644", 8)
local MODE_DEVICE = tonumber("666", 8)

-- Symlinks followed while creating a target, as the kernel's own limit (MAXSYMLINKS).
local MAX_SYMLINKS = 40

-- No lookup may leave the root, nor jump through a /proc magic link such as
-- /proc/self/root, which would lead back to the host once /proc is mounted.
local RESOLVE = { "in_root", "no_magiclinks" }

--- Paths covered in /proc and /sys: a file by binding /dev/null over it, a
-- directory by an empty read-only tmpfs. The list of `crun spec` (crun
-- 1.8.1), plus /proc/interrupts (host interrupt counts) and
-- /sys/devices/virtual/powercap (host energy counters, a known side
-- channel).
M.MASKED_PATHS = {
  "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
  "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
  "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
}

--- Paths bound onto themselves read-only, as `crun spec` lists them: the
-- kernel settings and triggers that act on the whole host.
M.READONLY_PATHS = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" }

--- The character devices in the container's /dev, each mode 0666.
M.DEVICES = {
  { name = "null", major = 1, minor = 3 },
  { name = "zero", major = 1, minor = 5 },
  { name = "full", major = 1, minor = 7 },
  { name = "random", major = 1, minor = 8 },
  { name = "urandom", major = 1, minor = 9 },
  { name = "tty", major = 5, minor = 0 },
}

--- The symlinks in the container's /dev.
M.DEV_LINKS = {
  { name = "fd", link = "/proc/self/fd" },
  { name = "stdin", link = "/proc/self/fd/0" },
  { name = "stdout", link = "/proc/self/fd/1" },
  { name = "stderr", link = "/proc/self/fd/2" },
}

--- The group that owns terminals in /dev/pts ("tty" in most distributions).
M.TTY_GID = 5

local function has(list, value)
  for _, v in ipairs(list or {}) do
    if v == value then
      return true
    end
  end
  return false
end

--- True when the ID map (a list of {container, host, size}) maps the
-- container ID `id`.
function M.maps(map, id)
  for _, range in ipairs(map or {}) do
    if id >= range.container and id < range.container + range.size then
      return true
    end
  end
  return false
end

-- The mounts that build /dev: a tmpfs, the devices bound from the host,
-- links, a devpts of its own, /dev/shm and, with an IPC namespace, /dev/mqueue.
-- The tmpfs is nodev, like the root and every other writable mount, so a
-- node that the container makes with CAP_MKNOD (a host disk, say) cannot be
-- opened; the bound devices keep working because each bind mount keeps the
-- flags of the host's /dev. This stands in for docker's device cgroup.
local function dev_plan(plan, ipc, tty_group)
  local function add(entry)
    plan[#plan + 1] = entry
  end

  add { type = "mount", source = "tmpfs", target = "/dev", fstype = "tmpfs",
    flags = { "nosuid", "nodev", "noexec", "strictatime" }, data = "mode=755,size=65536k" }
  for _, dev in ipairs(M.DEVICES) do
    local target = "/dev/" .. dev.name
    add { type = "bind", source = target, target = target, recursive = false }
  end
  for _, l in ipairs(M.DEV_LINKS) do
    add { type = "symlink", target = "/dev/" .. l.name, link = l.link }
  end

  -- newinstance: the container's terminals are its own, not the host's.
  local data = "newinstance,ptmxmode=0666,mode=0620"
  if tty_group then
    data = data .. ",gid=" .. M.TTY_GID
  end
  add { type = "mount", source = "devpts", target = "/dev/pts", fstype = "devpts",
    flags = { "nosuid", "noexec" }, data = data }
  add { type = "symlink", target = "/dev/ptmx", link = "pts/ptmx" }
  add { type = "mount", source = "shm", target = "/dev/shm", fstype = "tmpfs",
    flags = { "nosuid", "nodev", "noexec" }, data = "mode=1777,size=65536k" }
  -- An mqueue mount shows the queues of the caller's IPC namespace: the
  -- host's, unless the container has its own.
  if ipc then
    add { type = "mount", source = "mqueue", target = "/dev/mqueue", fstype = "mqueue",
      flags = { "nosuid", "nodev", "noexec" } }
  end
end

--- The default plan: /proc, /dev, /sys read-only, the masked paths and the
-- read-only /proc paths, in the order they must be applied.
-- @tparam[opt] table opts `namespaces` is the container's namespace list
--   (default uts, pid, mnt, ipc, cgroup). `gid_map` is its group ID map in
--   a user namespace, which decides whether the tty group owns /dev/pts
--   entries.
-- @treturn {table,...} entries as described for M.check
function M.default_plan(opts)
  opts = opts or {}
  local namespaces = opts.namespaces or { "uts", "pid", "mnt", "ipc", "cgroup" }
  local userns = has(namespaces, "user")
  local plan = {
    { type = "mount", source = "proc", target = "/proc", fstype = "proc",
      flags = { "nosuid", "nodev", "noexec" } },
  }

  dev_plan(plan, has(namespaces, "ipc"), not userns or M.maps(opts.gid_map, M.TTY_GID))

  if userns and not has(namespaces, "net") then
    -- In a user namespace the kernel mounts a sysfs only for a network
    -- namespace that namespace owns, because sysfs shows that network
    -- namespace's devices. Without one, the host's /sys is bound instead,
    -- with every mount under it, and the whole tree made read-only.
    plan[#plan + 1] = { type = "bind", source = "/sys", target = "/sys", readonly = true }
  else
    plan[#plan + 1] = { type = "mount", source = "sysfs", target = "/sys", fstype = "sysfs",
      flags = { "ro", "nosuid", "nodev", "noexec" } }
  end

  for _, path in ipairs(M.MASKED_PATHS) do
    plan[#plan + 1] = { type = "mask", target = path }
  end
  for _, path in ipairs(M.READONLY_PATHS) do
    plan[#plan + 1] = { type = "readonly", target = path }
  end
  return plan
end

--- A bind mount entry, as `cfs run --bind` makes.
-- @tparam string source host path
-- @tparam string target path inside the container
-- @tparam[opt] boolean readonly
function M.bind(source, target, readonly)
  return { type = "bind", source = source, target = target, readonly = readonly or nil }
end

--- A tmpfs entry, as `cfs run --tmpfs` makes: mode 1777, and nosuid, nodev
-- and noexec, as docker and podman mount theirs.
-- @tparam string target path inside the container
function M.tmpfs(target)
  return { type = "mount", source = "tmpfs", target = target, fstype = "tmpfs",
    flags = { "nosuid", "nodev", "noexec" }, data = "mode=1777" }
end

-- Fields each entry type accepts; true marks the required ones.
local FIELDS = {
  mount = { source = false, fstype = true, flags = false, data = false },
  bind = { source = true, recursive = false, readonly = false },
  mask = {},
  readonly = {},
  device = { major = true, minor = true, mode = false },
  symlink = { link = true },
}

local function invalid(i, msg, hint)
  errors.raise(string.format("mount entry %d: %s", i, msg), { context = "spec", hint = hint })
end

local function check_entry(i, entry)
  if type(entry) ~= "table" then
    invalid(i, "expected a table")
  end
  local kind = entry.type or "mount"
  local fields = FIELDS[kind]
  if not fields then
    invalid(i, string.format("unknown type '%s'", tostring(kind)),
      "known: bind, device, mask, mount, readonly, symlink")
  end
  for key in pairs(entry) do
    if key ~= "type" and key ~= "target" and fields[key] == nil then
      invalid(i, string.format("unknown field '%s' for type '%s'", tostring(key), kind))
    end
  end
  for key, required in pairs(fields) do
    if required and entry[key] == nil then
      invalid(i, string.format("field '%s' missing for type '%s'", key, kind))
    end
  end

  local target = entry.target
  if type(target) ~= "string" or target:sub(1, 1) ~= "/" then
    invalid(i, string.format("target '%s' is not an absolute path", tostring(target)))
  end
  if not target:find("[^/]") then
    invalid(i, "target '/' would cover the container's root", "mount onto a path under it")
  end
  if kind == "bind" and not pcall(core.stat, entry.source) then
    invalid(i, string.format("bind source '%s' does not exist", tostring(entry.source)))
  end
end

--- Check a plan before anything is mounted.
-- Each entry is a table with a `target` (an absolute path inside the
-- container) and a `type`, with these fields:
--
--   - "mount" (the default): source, fstype, flags (names as for cfs.mount), data.
--   - "bind": source (a host path), recursive (default true), readonly.
--   - "mask": none. An existing target is covered (see M.MASKED_PATHS).
--   - "readonly": none. An existing target is bound onto itself read-only.
--   - "device": major, minor, mode (default 0666) of a character device.
--   - "symlink": link, the content of a symlink made at target.
-- @raise cfs.Error (status 125) naming the first bad entry
function M.check(plan)
  if type(plan) ~= "table" then
    errors.raise("mounts must be a list of entries", { context = "spec" })
  end
  for i, entry in ipairs(plan) do
    check_entry(i, entry)
  end
end

--- The /proc/self/fd path of a descriptor, with `name` under it when given.
-- mount(2), mknod(2) and friends take paths; this path reaches exactly the
-- file the descriptor was opened on, wherever symlinks point meanwhile.
function M.fd_path(fd, name)
  local path = "/proc/self/fd/" .. fd:fileno()
  if name then
    path = path .. "/" .. name
  end
  return path
end

local function split(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part ~= "." then
      parts[#parts + 1] = part
    end
  end
  return parts
end

-- The O_PATH descriptor of path resolved in root, or nil when it does not exist.
local function lookup(rootfd, path)
  local ok, fd = pcall(core.openat2, rootfd, path, { "path" }, RESOLVE)
  if ok then
    return fd
  end
  if errors.is_error(fd) and fd.code == "ENOENT" then
    return nil
  end
  error(fd, 0)
end

-- Create `name` in the directory dir as a directory or an empty file. When
-- the name exists but did not resolve, it is a symlink to a missing path:
-- return its content, for the caller to follow.
local function create(dir, name, kind)
  local path = M.fd_path(dir, name)
  local ok, err = pcall(function()
    if kind == "directory" then
      core.mkdir(path, MODE_DIR)
    else
      -- O_EXCL: an existing name, a symlink included, fails instead of being followed.
      core.open(path, { "wronly", "creat", "excl" }, MODE_FILE):close()
    end
  end)
  if ok then
    return nil
  end
  if not (errors.is_error(err) and err.code == "EEXIST") then
    error(err, 0)
  end
  if core.lstat(path).type == "link" then
    return core.readlink(path)
  end
  return nil
end

local function too_many_links(path)
  error(core.error { op = "open_in_root", arg = path, errno = core.errno.ELOOP }, 0)
end

--- Open path inside the directory rootfd as if rootfd were "/": every
-- symlink and ".." is resolved by the kernel and stays inside it. With
-- `create`, missing components are made one at a time, each in the
-- directory the previous lookup returned. A symlink to a missing path is
-- followed inside the root, and its target is created there.
-- @tparam cfs.Fd rootfd the root directory
-- @tparam string path
-- @tparam[opt] string create nil, "directory", or "file" (the last component
--   becomes an empty file, as a bind mount of a file needs)
-- @treturn cfs.Fd|nil an O_PATH descriptor; nil when path does not exist and
--   create is nil
function M.open_in_root(rootfd, path, create_kind)
  -- Most targets exist: one lookup of the whole path saves a lookup per
  -- component. The kernel resolves a leading "/" at the root, as the walk
  -- does. On any error but ENOENT the walk below runs, so the error raised
  -- names the same component as without this shortcut.
  if path:find("[^/]") then
    local ok, fd = pcall(core.openat2, rootfd, path, { "path" }, RESOLVE)
    if ok then
      return fd
    end
    if not create_kind and errors.is_error(fd) and fd.code == "ENOENT" then
      return nil
    end
  end
  local parts = split(path)
  local dir = core.openat2(rootfd, ".", { "path", "directory" }, RESOLVE)
  local done, links, created = 0, 0, nil
  while done < #parts do
    local next_path = table.concat(parts, "/", 1, done + 1)
    local fd = lookup(rootfd, next_path)
    if fd then
      dir:close()
      dir, done, created = fd, done + 1, nil
    elseif not create_kind or created == next_path then
      -- Nothing to create, or the entry just made still does not resolve.
      dir:close()
      if create_kind then
        error(core.error { op = "open_in_root", arg = path, errno = core.errno.ENOENT }, 0)
      end
      return nil
    else
      local last = done + 1 == #parts and create_kind == "file"
      local link = create(dir, parts[done + 1], last and "file" or "directory")
      created = next_path
      if link then
        links = links + 1
        if links > MAX_SYMLINKS then
          dir:close()
          too_many_links(path)
        end
        -- Go on with the link's content in place of the name: from the
        -- root when it is absolute, else from the directory holding it.
        local rest = table.move(parts, done + 2, #parts, 1, {})
        parts = link:sub(1, 1) == "/" and {} or table.move(parts, 1, done, 1, {})
        local link_parts = split(link)
        table.move(link_parts, 1, #link_parts, #parts + 1, parts)
        table.move(rest, 1, #rest, #parts + 1, parts)
        dir:close()
        dir, done, created = core.openat2(rootfd, ".", { "path", "directory" }, RESOLVE), 0, nil
      end
    end
  end
  return dir
end

-- Run fn(...) and name the container path in its error instead of the
-- /proc/self/fd path the call was given.
local function at_target(entry, fn, ...)
  local ok, err = pcall(fn, ...)
  if not ok then
    if errors.is_error(err) then
      err.arg = entry.target
    end
    error(errors.hint(err), 0)
  end
end

-- (device, inode) of what a descriptor refers to.
local function identity(fd)
  local st = core.stat(fd)
  return st.dev .. ":" .. st.ino
end

-- Open an entry's target in the root, creating it as `kind`. A target that
-- resolves to the root itself is rejected, because a mount there would
-- cover the whole container.
local function open_target(ctx, entry, kind)
  local fd = M.open_in_root(ctx.rootfd, entry.target, kind)
  if fd and identity(fd) == ctx.root_id then
    fd:close()
    errors.raise(string.format("target '%s' resolves to the container's root", entry.target), {
      hint = "a symlink in the root filesystem leads there; mount onto a path under it",
    })
  end
  return fd
end

local function basename(path)
  return path:match("([^/]+)/*$")
end

local function dirname(path)
  return path:match("^(.*)/[^/]+/*$")
end

local APPLY = {}

function APPLY.mount(ctx, entry)
  local fd <close> = open_target(ctx, entry, "directory")
  at_target(entry, core.mount, entry.source or entry.fstype, M.fd_path(fd), entry.fstype,
    entry.flags, entry.data)
end

function APPLY.bind(ctx, entry)
  local source = M.fd_path(ctx.sources[entry])
  local kind = core.stat(ctx.sources[entry]).type == "directory" and "directory" or "file"
  local fd <close> = open_target(ctx, entry, kind)
  local recursive = entry.recursive ~= false
  at_target(entry, core.mount, source, M.fd_path(fd), nil,
    recursive and { "bind", "rec" } or { "bind" })
  if entry.readonly then
    -- fd still names the directory under the new mount; look it up again.
    local top <close> = open_target(ctx, entry)
    at_target(entry, core.mount_setattr, top, { set = { "rdonly" }, recursive = recursive })
  end
end

function APPLY.mask(ctx, entry)
  local fd <close> = open_target(ctx, entry)
  if not fd then
    return
  end
  if core.stat(fd).type == "directory" then
    at_target(entry, core.mount, "tmpfs", M.fd_path(fd), "tmpfs",
      { "ro", "nosuid", "nodev", "noexec" }, "mode=555")
  else
    at_target(entry, core.mount, "/dev/null", M.fd_path(fd), nil, { "bind" })
  end
end

function APPLY.readonly(ctx, entry)
  local fd <close> = open_target(ctx, entry)
  if not fd then
    return
  end
  at_target(entry, core.mount, M.fd_path(fd), M.fd_path(fd), nil, { "bind", "rec" })
  local top <close> = open_target(ctx, entry)
  at_target(entry, core.mount_setattr, top, { set = { "rdonly" }, recursive = true })
end

function APPLY.device(ctx, entry)
  local dir <close> = M.open_in_root(ctx.rootfd, dirname(entry.target), "directory")
  local path = M.fd_path(dir, basename(entry.target))
  local mode = entry.mode or MODE_DEVICE
  at_target(entry, core.mknod, path, "char", mode, entry.major, entry.minor)
  -- mknod applies the umask; the mode must be exact.
  at_target(entry, core.chmod, path, mode)
end

function APPLY.symlink(ctx, entry)
  local dir <close> = M.open_in_root(ctx.rootfd, dirname(entry.target), "directory")
  at_target(entry, core.symlink, entry.link, M.fd_path(dir, basename(entry.target)))
end

--- Apply a plan (see M.check) under root, in order.
-- @tparam string root the directory that becomes the container's root
-- @tparam {table,...} plan
function M.apply(root, plan)
  local rootfd <close> = core.open(root, { "path", "directory" })
  local ctx = { rootfd = rootfd, root_id = identity(rootfd), sources = {} }
  -- Bind sources are host paths, opened before the first mount, which
  -- could hide them: a source inside the root's /dev, say, is covered by
  -- the plan's /dev tmpfs.
  local ok, err = pcall(function()
    for _, entry in ipairs(plan) do
      if entry.type == "bind" then
        ctx.sources[entry] = errors.context(string.format("bind '%s'", entry.target), core.open,
          entry.source, { "path" })
      end
    end
    for _, entry in ipairs(plan) do
      local kind = entry.type or "mount"
      -- pcall, not errors.context: the context text is made only on failure.
      local applied, failure = pcall(APPLY[kind], ctx, entry)
      if not applied then
        -- A call made through a descriptor names its /proc/self/fd path;
        -- the user knows the target.
        if errors.is_error(failure) and type(failure.arg) == "string"
          and failure.arg:find("^/proc/self/fd/") then
          failure.arg = entry.target
        end
        error(errors.wrap(failure, string.format("%s '%s'", kind, entry.target)), 0)
      end
    end
  end)
  for _, fd in pairs(ctx.sources) do
    fd:close()
  end
  if not ok then
    error(err, 0)
  end
end

--- Create the directory path inside root, resolved as M.open_in_root does.
function M.make_dir(root, path)
  local rootfd <close> = core.open(root, { "path", "directory" })
  M.open_in_root(rootfd, path, "directory"):close()
end

--- Make the mount at root read-only. The mounts under it keep their flags,
-- as with crun's readonly root, so /dev, /proc and --tmpfs stay writable.
function M.readonly_root(root)
  local rootfd <close> = core.open(root, { "path", "directory" })
  core.mount_setattr(rootfd, { set = { "rdonly" } })
end

--- Make every mount private (or slave), recursively, so mounts made in this
-- namespace never reach the host and the host's never reach it (private)
-- or reach it one way only (slave).
-- @tparam[opt="private"] string propagation "private" or "slave"
function M.isolate_propagation(propagation)
  core.mount(nil, "/", nil, { "rec", propagation or "private" })
end

return M
