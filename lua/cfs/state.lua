--- Container state: one JSON file per running container in the runtime
-- folder, so that `cfs ps`, `exec`, `kill` and `state` can find containers
-- that another cfs process started.
--
-- Layout: RUNTIME/NAME/state.json. Each write goes to a temporary file that
-- is then renamed over state.json, so a reader sees the old or the new
-- state and never a part of one. Registering and cleaning up take an flock
-- on RUNTIME itself: two `cfs run --name x` started at the same moment
-- cannot both win, and a cleanup never removes an entry registered again
-- in the meantime.
--
-- An entry is live while the cfs process that wrote it runs and, once the
-- container has a PID, while that process runs. PIDs are reused, so each
-- PID is stored with its start time (field 22 of /proc/PID/stat): the same
-- PID with another start time is another process. The next command that
-- reads the folder removes entries that are not live, such as those of a
-- cfs killed with SIGKILL.
local core = require "cfs.core"
local errors = require "cfs.errors"
local fs = require "cfs.fs"
local json = require "cfs.json"
local log = require "cfs.log"

local M = {}

--- The maximum length of a container name, in bytes.
M.MAX_NAME = 64

local MODE_PRIVATE = tonumber("700", 8)
local MODE_STATE = tonumber("600", 8)

--- True when name is a valid container name: a letter or digit, then
-- letters, digits, "_", "." or "-", at most M.MAX_NAME bytes. Such a name
-- is safe as a file name and in a shell word.
function M.valid_name(name)
  return type(name) == "string" and #name <= M.MAX_NAME
    and name:match("^[A-Za-z0-9][A-Za-z0-9_.-]*$") ~= nil
end

--- Raise a usage error for `command` unless name is valid.
function M.check_name(name, command)
  if not M.valid_name(name) then
    errors.usage(command, string.format("invalid container name '%s': use 1 to %d letters, "
      .. "digits, '_', '.' or '-', starting with a letter or digit", tostring(name), M.MAX_NAME))
  end
end

--- The runtime folder: $CFS_RUNTIME_DIR, else /run/cfs for root, else
-- $XDG_RUNTIME_DIR/cfs.
-- @treturn string
-- @raise cfs.Error (status 125) when none applies
function M.runtime_dir()
  local dir = fs.user_dir("CFS_RUNTIME_DIR", "/run/cfs", "XDG_RUNTIME_DIR")
  if dir then
    return dir
  end
  errors.raise("no folder for container state: not root and XDG_RUNTIME_DIR is not set", {
    context = "state",
    hint = "set XDG_RUNTIME_DIR or CFS_RUNTIME_DIR to a folder only you can write",
  })
end

-- Create the runtime folder when missing and return it.
local function ensure_runtime_dir()
  local dir = M.runtime_dir()
  if not fs.is_dir(dir) then
    errors.context(string.format("state folder '%s'", dir), fs.mkdirs, dir, MODE_PRIVATE)
  end
  return dir
end

-- The runtime folder opened for flock; the lock goes with the handle's close.
local function open_lock(dir)
  return errors.context("state", core.open, dir, { "rdonly", "directory" })
end

-- Field 3 (the state letter), 18 more fields, then field 22 (the start time).
local START_TIME_PATTERN = "^(%S+)" .. string.rep(" %S+", 18) .. " (%d+)"

--- What /proc/PID/stat shows of a process: its state letter and start
-- time, or nil when there is no such process.
-- @tparam int pid
-- @treturn string|nil state, such as "S", "R" or "Z"
-- @treturn int start time in clock ticks after boot (field 22)
function M.process(pid)
  local f = io.open("/proc/" .. tostring(pid) .. "/stat", "rb")
  if not f then
    return nil
  end
  local text = f:read("a") or ""
  f:close()
  -- The command name (field 2) may contain spaces and ")": the fields
  -- after it start after the last ")". The first of them is field 3.
  local rest = text:match("^.*%)%s(.*)$")
  if not rest then
    return nil
  end
  local letter, start = rest:match(START_TIME_PATTERN)
  return letter, math.tointeger(tonumber(start))
end

--- The start time of a running process, or nil when it has ended (a
-- zombie counts as ended).
-- @tparam int pid
-- @treturn int|nil
function M.start_time(pid)
  local letter, start = M.process(pid)
  if letter == nil or letter == "Z" or letter == "X" then
    return nil
  end
  return start
end

--- True when the process pid runs and started at `start`.
function M.alive(pid, start)
  return math.type(pid) == "integer" and math.type(start) == "integer"
    and M.start_time(pid) == start
end

--- True when the entry's cfs process runs and, once the container has a
-- PID, the container's PID 1 runs too.
-- @tparam table st a decoded state
function M.is_live(st)
  if not M.alive(st.cfs_pid, st.cfs_start_time) then
    return false
  end
  return st.pid == nil or M.alive(st.pid, st.pid_start_time)
end

--- A pidfd for the container's PID 1. The pidfd pins the process, and the
-- start time is checked after the open, so every call through it reaches
-- the container and never a process that reused its PID.
-- @tparam table st a decoded state with pid set
-- @tparam string command the CLI command asking, for error messages
-- @treturn cfs.Fd
-- @raise cfs.Error (status 125) when the container has ended
function M.pidfd(st, command)
  local ok, pidfd = pcall(core.pidfd_open, st.pid)
  if ok and M.start_time(st.pid) == st.pid_start_time then
    return pidfd
  end
  if ok then
    pidfd:close()
  end
  errors.raise(string.format("container '%s' has ended", st.name), { context = command })
end

local function entry_dir(dir, name)
  return dir .. "/" .. name
end

local function state_path(dir, name)
  return entry_dir(dir, name) .. "/state.json"
end

-- The decoded state of an entry, or nil when it has none or an unreadable one.
local function read_state(dir, name)
  local f = io.open(state_path(dir, name), "rb")
  if not f then
    return nil
  end
  local text = f:read("a")
  f:close()
  local ok, st = pcall(json.decode, text or "")
  if not ok or type(st) ~= "table" then
    log.debug("state: ignoring unreadable %s: %s", state_path(dir, name), tostring(st))
    return nil
  end
  return st
end

local function write_state(dir, name, st)
  local final = state_path(dir, name)
  local tmp = string.format("%s.%d.tmp", final, core.getpid())
  local f <close> = core.open(tmp, { "wronly", "creat", "trunc" }, MODE_STATE)
  f:write(json.encode(st) .. "\n")
  f:close()
  core.rename(tmp, final)
end

-- Remove the entry `name` if it is not live, holding the lock.
local function clean_if_stale(dir, name)
  local lock <close> = open_lock(dir)
  lock:lock("exclusive")
  local st = read_state(dir, name)
  if st and M.is_live(st) then
    return false
  end
  log.debug("state: removing stale entry '%s'", name)
  fs.rmtree(entry_dir(dir, name))
  return true
end

local Entry = {}
Entry.__index = Entry

--- Merge fields into the entry's state and write it. An entry that a
-- cleanup has already removed stays removed: that happens only once the
-- container has ended.
function Entry:update(fields)
  for k, v in pairs(fields) do
    self.state[k] = v
  end
  local ok, err = pcall(write_state, self.dir, self.name, self.state)
  if not ok and not (errors.is_error(err) and err.code == "ENOENT") then
    error(err, 0)
  end
end

--- Record that the container runs its command: its PID 1 (as the host
-- sees it), that process's start time and namespaces, and `fields`, with
-- status "running". Does nothing when PID 1 has already ended: the entry
-- is about to be removed then.
-- @tparam int pid
-- @tparam {string,...} namespaces the names of the namespaces it was created in
-- @tparam[opt] table fields more fields to record, such as rootfs
function Entry:started(pid, namespaces, fields)
  local links = {}
  for _, ns in ipairs(namespaces) do
    local ok, link = pcall(core.readlink, string.format("/proc/%d/ns/%s", pid, ns))
    if not ok then
      return
    end
    links[ns] = link
  end
  local update = { status = "running", pid = pid, pid_start_time = M.start_time(pid),
    namespaces = links }
  for k, v in pairs(fields or {}) do
    update[k] = v
  end
  self:update(update)
end

--- Keep a file of the container's beside its state, such as its seccomp
-- program, for cfs exec; cfs.state.load reads it back.
-- @tparam string file a plain name
-- @tparam string data
function Entry:save(file, data)
  local path = entry_dir(self.dir, self.name) .. "/" .. file
  local tmp = string.format("%s.%d.tmp", path, core.getpid())
  local f <close> = core.open(tmp, { "wronly", "creat", "trunc" }, MODE_STATE)
  f:write(data)
  f:close()
  core.rename(tmp, path)
end

--- Read a file that Entry:save kept for a running container.
-- @tparam table st the container's state, from M.find
-- @tparam string file
-- @treturn string
function M.load(st, file)
  return fs.read_file(entry_dir(M.runtime_dir(), st.name) .. "/" .. file)
end

--- Remove the entry, unless another cfs has registered the name since.
function Entry:remove()
  if self.removed then
    return
  end
  self.removed = true
  local lock <close> = open_lock(self.dir)
  lock:lock("exclusive")
  local st = read_state(self.dir, self.name)
  if st == nil or (st.cfs_pid == self.state.cfs_pid
      and st.cfs_start_time == self.state.cfs_start_time) then
    fs.rmtree(entry_dir(self.dir, self.name))
  end
end

-- Closing the entry (`local e <close> = ...`) removes it on every way out.
function Entry:__close()
  local ok, err = pcall(self.remove, self)
  if not ok then
    log.warn("state: cannot remove entry '%s': %s", self.name, tostring(err))
  end
end

--- A name for a container started without --name: "cfs-" and 12 random
-- hex digits, like the short IDs of docker.
function M.generate_name()
  local f = assert(io.open("/dev/urandom", "rb"))
  local bytes = f:read(6)
  f:close()
  return "cfs-" .. bytes:gsub(".", function(c)
    return string.format("%02x", c:byte())
  end)
end

local function iso_time(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end

--- Register a container that is about to start, under info.name.
-- @tparam table info name, and what to record: command, rootfs, hostname,
--   cwd, env, init, tty
-- @return an entry: call entry:started(pid, namespaces) once the
--   container runs its command, and close it (or call entry:remove())
--   when it has ended
-- @raise cfs.Error (status 125) when a live container has the name, or
--   when the runtime folder is unusable
function M.register(info)
  local dir = ensure_runtime_dir()
  local name = info.name
  M.check_name(name, "run")
  local lock <close> = open_lock(dir)
  lock:lock("exclusive")

  local old = read_state(dir, name)
  if old and M.is_live(old) then
    errors.raise(string.format("container name '%s' is already in use by PID %s", name,
      tostring(old.pid or old.cfs_pid)), { context = "run", hint = "pick another --name, "
      .. "or end that container with 'cfs kill " .. name .. "'" })
  end
  if fs.exists(entry_dir(dir, name)) then
    fs.rmtree(entry_dir(dir, name))
  end
  errors.context("state", core.mkdir, entry_dir(dir, name), MODE_PRIVATE)

  local me = core.getpid()
  local st = {
    name = name,
    status = "creating",
    cfs_pid = me,
    cfs_start_time = M.start_time(me),
    created = iso_time(),
  }
  for _, key in ipairs { "command", "rootfs", "hostname", "cwd", "env", "init", "tty" } do
    st[key] = info[key]
  end
  local entry = setmetatable({ dir = dir, name = name, state = st }, Entry)
  local ok, err = pcall(write_state, dir, name, st)
  if not ok then
    fs.rmtree(entry_dir(dir, name))
    error(errors.wrap(err, "state"), 0)
  end
  return entry
end

--- The live containers, oldest first; stale entries met on the way are removed.
-- @treturn {table,...} decoded states
function M.list()
  local dir = M.runtime_dir()
  if not fs.is_dir(dir) then
    return {}
  end
  local live = {}
  for _, name in ipairs(core.readdir(dir)) do
    if M.valid_name(name) then
      local st = read_state(dir, name)
      if st and M.is_live(st) then
        live[#live + 1] = st
      elseif fs.is_dir(entry_dir(dir, name)) then
        clean_if_stale(dir, name)
      end
    end
  end
  table.sort(live, function(a, b)
    if a.created ~= b.created then
      return tostring(a.created) < tostring(b.created)
    end
    return a.name < b.name
  end)
  return live
end

--- The state of the live container `name`; a stale entry is removed.
-- @tparam string name
-- @tparam string command the CLI command asking, for error messages
-- @treturn table
-- @raise cfs.Error (status 125) when no live container has the name
function M.find(name, command)
  M.check_name(name, command)
  local dir = M.runtime_dir()
  local st = read_state(dir, name)
  if st and M.is_live(st) then
    return st
  end
  if fs.is_dir(entry_dir(dir, name)) then
    clean_if_stale(dir, name)
  end
  errors.raise(string.format("no running container named '%s'", name), {
    context = command,
    hint = "'cfs ps' lists them",
  })
end

return M
