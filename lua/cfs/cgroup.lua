--- Control groups: find the hierarchies the caller belongs to (cgroup v2,
-- v1, or both as in systemd's "hybrid" layout), make one group per
-- container under the caller's own group, set its limits, move processes
-- in, read its statistics, and remove it again on every exit path.
--
-- A controller is taken from the unified (v2) tree when that tree offers
-- it, else from its v1 hierarchy. A group made with `watch = true` gets a
-- watcher process, forked before the group exists, that removes the group
-- when cfs asks or when cfs dies, even by SIGKILL.
local core = require "cfs.core"
local errors = require "cfs.errors"
local fs = require "cfs.fs"
local log = require "cfs.log"

local M = {}

--- Controllers that cfs.cgroup.set can limit.
M.CONTROLLERS = { "cpu", "memory", "pids" }

--- The CFS period cfs uses for --cpus, in microseconds (the kernel's default).
M.CPU_PERIOD = 100000

--- The minimum memory limit, in bytes. A container's first process is a
-- copy of cfs until it executes the command, and with less memory it would
-- be killed before that. Docker uses the same 6 MiB minimum.
M.MIN_MEMORY = 6 * 1024 * 1024

--- The maximum memory limit, in bytes: 4194304T (2^62). The kernel takes
-- larger values but caps them at its own maximum (about 2^63), so they
-- change nothing, and the bound keeps every parsed size a Lua integer.
M.MAX_MEMORY = 1 << 62

-- How long a removal waits for the processes of a group to end.
local REMOVE_ATTEMPTS = 3000
local REMOVE_INTERVAL_MS = 10

local MODE_DIR = tonumber("755", 8)

-- Signals a watcher must survive until the group is gone: the ones a
-- terminal sends to its foreground process group, and the usual polite ones.
local WATCHER_BLOCKED = { "INT", "TERM", "HUP", "QUIT", "TSTP", "TTIN", "TTOU", "USR2" }

local function invalid(msg, hint)
  errors.raise(msg, { context = "cgroup", hint = hint })
end

-- mountinfo escapes space, tab, newline and backslash as \ooo.
local function unescape(path)
  return (path:gsub("\\(%d%d%d)", function(octal)
    return string.char(tonumber(octal, 8))
  end))
end

-- {fstype, root, mount point, super options} for each cgroup mount.
local function cgroup_mounts()
  local mounts = {}
  for line in io.lines("/proc/self/mountinfo") do
    local pre, post = line:match("^(.-) %- (.*)$")
    if pre then
      local root, point = pre:match("^%S+ %S+ %S+ (%S+) (%S+)")
      local fstype, options = post:match("^(%S+) %S+ (%S+)")
      if fstype == "cgroup" or fstype == "cgroup2" then
        mounts[#mounts + 1] = {
          fstype = fstype,
          root = unescape(root),
          point = unescape(point),
          options = options,
        }
      end
    end
  end
  return mounts
end

-- The directory of the caller's group `path` on a mount, or nil when the
-- mount does not show that group (it is mounted from a deeper root).
local function own_dir(mount, path)
  local root = mount.root
  if root == "/" then
    return (mount.point .. path):gsub("/+$", "")
  end
  if path == root then
    return mount.point
  end
  if path:sub(1, #root + 1) == root .. "/" then
    return mount.point .. path:sub(#root + 1)
  end
  return nil
end

local function has_option(options, name)
  return ("," .. options .. ","):find("," .. name .. ",", 1, true) ~= nil
end

local function read_words(path)
  local words = {}
  local ok, data = pcall(fs.read_file, path)
  if ok then
    for word in data:gmatch("%S+") do
      words[word] = true
    end
  end
  return words
end

--- Find the cgroup hierarchies of the calling process.
-- @treturn table {mode = "v2"|"v1"|"hybrid"|"none", unified = {dir, controllers} or nil,
--   v1 = {controller = {dir = ...}}}, where each dir is the caller's own group;
--   unified.controllers is a set of the controllers its children can use
function M.detect()
  local mounts = cgroup_mounts()
  local layout = { v1 = {} }
  for line in io.lines("/proc/self/cgroup") do
    local id, list, path = line:match("^(%d+):([^:]*):(.*)$")
    if id == "0" and list == "" then
      for _, m in ipairs(mounts) do
        local dir = m.fstype == "cgroup2" and own_dir(m, path)
        if dir and not layout.unified then
          layout.unified = { dir = dir, controllers = read_words(dir .. "/cgroup.controllers") }
        end
      end
    elseif id then
      for controller in list:gmatch("[^,]+") do
        for _, m in ipairs(mounts) do
          local named = controller:find("=", 1, true)
          local dir = m.fstype == "cgroup" and not named and has_option(m.options, controller)
            and own_dir(m, path)
          if dir and not layout.v1[controller] then
            layout.v1[controller] = { dir = dir }
          end
        end
      end
    end
  end

  local has_v1 = next(layout.v1) ~= nil
  if layout.unified then
    layout.mode = has_v1 and "hybrid" or "v2"
  else
    layout.mode = has_v1 and "v1" or "none"
  end
  return layout
end

-- Where each controller lives: {controller = {version = "v2"|"v1", parent = dir}}.
local function place(layout, controllers)
  local placed = {}
  for _, c in ipairs(controllers) do
    if layout.unified and layout.unified.controllers[c] then
      placed[c] = { version = "v2", parent = layout.unified.dir }
    elseif layout.v1[c] then
      placed[c] = { version = "v1", parent = layout.v1[c].dir }
    else
      invalid(string.format("controller '%s' is not available", c),
        string.format("cgroup layout is %s; see /proc/self/cgroup", layout.mode))
    end
  end
  return placed
end

local function unique_name()
  return string.format("cfs-%d-%06x", core.getpid(), math.random(0, 0xffffff))
end

-- Turn on the v2 controllers in the parent's cgroup.subtree_control.
local function enable_v2(parent, controllers)
  local enabled = read_words(parent .. "/cgroup.subtree_control")
  for _, c in ipairs(controllers) do
    if not enabled[c] then
      local ok, err = pcall(core.write_file, parent .. "/cgroup.subtree_control", "+" .. c)
      if not ok then
        -- NOTE: untested here: the machines cfs is tested on put every
        -- controller it uses on v1.
        err.hint = "a cgroup with processes cannot pass controllers to children; "
          .. "run cfs in a cgroup whose subtree it may manage"
        error(errors.wrap(err, "cgroup"), 0)
      end
    end
  end
end

local Group = {}
Group.__index = Group

--- Remove the group when a to-be-closed variable holding it goes out of scope.
function Group.__close(group)
  M.remove(group)
end

function Group.__tostring(group)
  return string.format("cfs.cgroup(%s)", group.name)
end

-- Pause for `ms` milliseconds by polling a pipe that no process writes to.
local function pause(ms)
  local reader, writer = core.pipe()
  core.poll({ reader }, ms)
  reader:close()
  writer:close()
end

local function group_pids(dir)
  local pids = {}
  local ok, data = pcall(fs.read_file, dir .. "/cgroup.procs")
  if ok then
    for pid in data:gmatch("%d+") do
      pids[#pids + 1] = math.tointeger(pid)
    end
  end
  return pids
end

-- SIGKILL every process in dir, at once through cgroup.kill (v2, Linux 5.14)
-- or one PID at a time from cgroup.procs.
-- NOTE: on v1 a PID read from cgroup.procs could be reused by an unrelated
-- process before the kill. The window is a few microseconds.
local function kill_all(dir)
  if fs.exists(dir .. "/cgroup.kill") and pcall(core.write_file, dir .. "/cgroup.kill", "1") then
    return
  end
  for _, pid in ipairs(group_pids(dir)) do
    pcall(core.kill, pid, "KILL")
  end
end

--- Kill what remains in the group, wait for it to empty and remove its
-- directories, in this process. Directories already gone are fine.
-- @tparam table group from cfs.cgroup.create
-- @raise cfs.Error when a directory is still busy after about 30 seconds
function M.destroy(group)
  for _ = 1, REMOVE_ATTEMPTS do
    local busy = false
    for _, dir in ipairs(group.dirs) do
      local ok, err = pcall(core.rmdir, dir)
      if not ok and err.code ~= "ENOENT" then
        if err.code ~= "EBUSY" then
          error(errors.wrap(err, "cgroup"), 0)
        end
        busy = true
        kill_all(dir)
      end
    end
    if not busy then
      log.debug("cgroup: removed %s", group.name)
      return
    end
    pause(REMOVE_INTERVAL_MS)
  end
  invalid(string.format("group '%s' still has processes after %d s", group.name,
    REMOVE_ATTEMPTS * REMOVE_INTERVAL_MS // 1000))
end

-- The watcher is a copy of cfs that outlives it. It learns of cfs's death
-- through its parent-death signal, which it reads from a signalfd, and of a
-- removal request through a byte on `request`. Either way it destroys the
-- group and exits.
local function watcher_main(group, parent, request, ready)
  -- A session of its own keeps the watcher out of cfs's process group, which
  -- `kill -9 -PGID`, timeout(1) and a shell's job control signal as a whole.
  core.setsid()
  core.prctl("set_pdeathsig", "USR1")
  core.sigprocmask("block", { "USR1", table.unpack(WATCHER_BLOCKED) })
  local died <close> = core.signalfd { "USR1" }
  -- A process reading cfs's output must see end of file when cfs ends, not
  -- when the watcher does.
  local null = core.open("/dev/null", { "rdwr" })
  core.dup2(null, 0)
  core.dup2(null, 1)
  null:close()
  ready:write("r")
  ready:close()

  -- A parent that died before set_pdeathsig sent no signal: check once.
  if core.getppid() == parent then
    core.poll { request, died }
  end
  local ok, err = pcall(M.destroy, group)
  if not ok then
    io.stderr:write("cfs: ", tostring(err), "\n")
    return 1
  end
  return 0
end

local function start_watcher(group)
  local parent = core.getpid()
  local request_r, request_w = core.pipe()
  local ready_r, ready_w = core.pipe()
  local watcher = core.clone({}, function()
    request_w:close()
    ready_r:close()
    return watcher_main(group, parent, request_r, ready_w)
  end)
  request_r:close()
  ready_w:close()
  local byte = ready_r:read(1)
  ready_r:close()
  if byte ~= "r" then
    request_w:close()
    local how, code = watcher:wait()
    invalid(string.format("the watcher process failed to start (%s %d)", how, code))
  end
  return { process = watcher, request = request_w }
end

--- Create a group for a container under the caller's own group in every
-- hierarchy that contains one of the controllers.
-- @tparam {string,...} controllers such as {"memory", "pids"}
-- @tparam[opt] table opts name (default "cfs-PID-RANDOM"), watch (true: start a
--   watcher that removes the group when cfs ends, whatever way it ends)
-- @treturn table the group: name, dirs, controllers ({memory = {version, dir}}); a
--   to-be-closed value that removes the group
function M.create(controllers, opts)
  opts = opts or {}
  for key in pairs(opts) do
    if key ~= "name" and key ~= "watch" then
      error(string.format("unknown option '%s'", tostring(key)), 2)
    end
  end
  local name = opts.name or unique_name()
  if type(name) ~= "string" or not name:match("^[%w._-]+$") then
    invalid(string.format("invalid group name '%s'", tostring(name)))
  end

  local layout = M.detect()
  local placed = place(layout, controllers)
  local group = setmetatable({ name = name, dirs = {}, controllers = {} }, Group)
  local seen, v2 = {}, {}
  for _, c in ipairs(controllers) do
    local p = placed[c]
    local dir = p.parent .. "/" .. name
    group.controllers[c] = { version = p.version, dir = dir }
    if not seen[dir] then
      seen[dir] = true
      group.dirs[#group.dirs + 1] = dir
    end
    if p.version == "v2" then
      v2[#v2 + 1] = c
    end
    log.debug("cgroup: %s on %s (%s layout): %s", c, p.version, layout.mode, dir)
  end

  if opts.watch then
    group.watcher = start_watcher(group)
  end
  local ok, err = pcall(function()
    if #v2 > 0 then
      enable_v2(layout.unified.dir, v2)
    end
    for _, dir in ipairs(group.dirs) do
      core.mkdir(dir, MODE_DIR)
    end
  end)
  if not ok then
    pcall(M.remove, group)
    local denied = { EACCES = true, EPERM = true, EROFS = true }
    if errors.is_error(err) and denied[err.code] then
      err.hint = err.hint or "resource limits need root, or a cgroup delegated to the caller"
    end
    error(errors.wrap(err, "cgroup"), 0)
  end
  return group
end

--- Remove the group: through its watcher when it has one (the call returns
-- once the watcher is done), else directly with cfs.cgroup.destroy. A
-- second call does nothing.
-- @tparam table group
function M.remove(group)
  local watcher = group.watcher
  if group.removed then
    return
  end
  group.removed = true
  if not watcher then
    M.destroy(group)
    return
  end
  pcall(watcher.request.write, watcher.request, "x")
  watcher.request:close()
  local how, code = watcher.process:wait()
  watcher.process:close()
  if how ~= "exited" or code ~= 0 then
    -- The watcher could not finish: try once more from here.
    M.destroy(group)
  end
end

-- Size suffixes and their factors: "", "b", then k, kb, kib and so on.
local SUFFIXES = { [""] = 1, b = 1 }
local UNITS = { k = 1 << 10, m = 1 << 20, g = 1 << 30, t = 1 << 40 }
for unit, factor in pairs(UNITS) do
  SUFFIXES[unit], SUFFIXES[unit .. "b"], SUFFIXES[unit .. "ib"] = factor, factor, factor
end

--- Parse a memory size: a number of bytes, or a number with a unit k, m, g
-- or t (powers of 1024, any case, "M", "MB" and "MiB" alike), as docker
-- reads --memory.
-- @tparam string text such as "64M", "1g", "1.5G" or "1048576"
-- @treturn int|nil bytes, or nil when the text is not a size or is above
--   M.MAX_MEMORY
-- @treturn[2] string "too large" when the text is a size above M.MAX_MEMORY
function M.parse_size(text)
  if type(text) ~= "string" then
    return nil
  end
  local number, suffix = text:lower():match("^(%d+%.?%d*)(%a*)$")
  local factor = number and SUFFIXES[suffix]
  if not factor then
    return nil
  end
  -- Whole numbers stay integers: a float keeps only 53 bits, and
  -- 9007199254740993 bytes would become 9007199254740992.
  local whole = math.tointeger(tonumber(number))
  if whole then
    if whole > M.MAX_MEMORY // factor then
      return nil, "too large"
    end
    return whole * factor
  end
  local bytes = tonumber(number) * factor
  if bytes > M.MAX_MEMORY then
    return nil, "too large"
  end
  return math.floor(bytes)
end

--- Format a byte count the way it would be written on the command line.
function M.format_size(bytes)
  for _, unit in ipairs { "T", "G", "M", "K" } do
    local size = math.tointeger(UNITS[unit:lower()])
    if bytes >= size and bytes % size == 0 then
      return string.format("%d%s", bytes // size, unit)
    end
  end
  return string.format("%d", bytes)
end

-- Write one interface file of a controller's directory.
local function write(group, controller, file, value)
  local c = group.controllers[controller]
  if not c then
    error(string.format("group '%s' has no %s controller", group.name, controller), 3)
  end
  errors.context("cgroup", core.write_file, c.dir .. "/" .. file, tostring(value))
end

--- Write a controller's interface file directly, for settings cfs has no
-- name for.
-- @tparam table group
-- @tparam string controller such as "memory"
-- @tparam string file such as "memory.swappiness"
-- @param value written as a string
function M.write(group, controller, file, value)
  write(group, controller, file, value)
end

local function set_memory(group, bytes)
  local c = group.controllers.memory
  if c.version == "v2" then
    write(group, "memory", "memory.max", bytes)
    if fs.exists(c.dir .. "/memory.swap.max") then
      write(group, "memory", "memory.swap.max", 0)
    end
    return
  end
  write(group, "memory", "memory.limit_in_bytes", bytes)
  -- memory.memsw caps memory plus swap; at the same value the group cannot
  -- swap, so the limit bites instead of the group slowing down in swap.
  -- Kernels built without swap accounting have no such file.
  if fs.exists(c.dir .. "/memory.memsw.limit_in_bytes") then
    write(group, "memory", "memory.memsw.limit_in_bytes", bytes)
  else
    write(group, "memory", "memory.swappiness", 0)
  end
end

local function set_cpus(group, cpus)
  local quota = math.floor(cpus * M.CPU_PERIOD + 0.5)
  if group.controllers.cpu.version == "v2" then
    write(group, "cpu", "cpu.max", string.format("%d %d", quota, M.CPU_PERIOD))
  else
    write(group, "cpu", "cpu.cfs_period_us", M.CPU_PERIOD)
    write(group, "cpu", "cpu.cfs_quota_us", quota)
  end
end

--- Set limits on the group, translated for the version of each controller.
-- @tparam table group
-- @tparam table limits memory (bytes, or a size string such as "64M"; swap is
--   turned off too), pids (most processes and threads), cpus (a fraction of
--   CPUs, such as 0.5)
function M.set(group, limits)
  for key in pairs(limits) do
    if key ~= "memory" and key ~= "pids" and key ~= "cpus" then
      error(string.format("unknown limit '%s'", tostring(key)), 2)
    end
  end
  if limits.memory then
    local bytes = math.type(limits.memory) == "integer" and limits.memory
      or M.parse_size(limits.memory)
    if not bytes then
      invalid(string.format("invalid memory size '%s'", tostring(limits.memory)))
    end
    set_memory(group, bytes)
  end
  if limits.pids then
    write(group, "pids", "pids.max", limits.pids)
  end
  if limits.cpus then
    set_cpus(group, limits.cpus)
  end
end

--- Move a process (and its threads) into the group, in every hierarchy.
-- @tparam table group
-- @tparam int pid
function M.add(group, pid)
  for _, dir in ipairs(group.dirs) do
    errors.context("cgroup", core.write_file, dir .. "/cgroup.procs", tostring(pid))
  end
end

--- The PIDs in the group, as the caller's PID namespace numbers them.
-- @treturn {int,...}
function M.procs(group)
  local seen, list = {}, {}
  for _, dir in ipairs(group.dirs) do
    for _, pid in ipairs(group_pids(dir)) do
      if not seen[pid] then
        seen[pid] = true
        list[#list + 1] = pid
      end
    end
  end
  table.sort(list)
  return list
end

-- The number in a file holding one number ("max" counts as nil).
local function read_number(path)
  local ok, data = pcall(fs.read_file, path)
  return ok and math.tointeger(tonumber(data:match("^%s*(%d+)"))) or nil
end

-- The "key value" lines of a flat-keyed file as a table of numbers.
local function read_keyed(path)
  local values = {}
  local ok, data = pcall(fs.read_file, path)
  if ok then
    for key, value in data:gmatch("(%S+) (%d+)") do
      values[key] = math.tointeger(tonumber(value))
    end
  end
  return values
end

local function memory_stats(c)
  if c.version == "v2" then
    local events = read_keyed(c.dir .. "/memory.events")
    return {
      current = read_number(c.dir .. "/memory.current"),
      peak = read_number(c.dir .. "/memory.peak"),
      limit = read_number(c.dir .. "/memory.max"),
      oom_kills = events.oom_kill or 0,
      limit_hits = events.max or 0,
    }
  end
  local oom = read_keyed(c.dir .. "/memory.oom_control")
  return {
    current = read_number(c.dir .. "/memory.usage_in_bytes"),
    peak = read_number(c.dir .. "/memory.max_usage_in_bytes"),
    limit = read_number(c.dir .. "/memory.limit_in_bytes"),
    -- oom_kill appeared in Linux 4.13; older kernels count only failures.
    oom_kills = oom.oom_kill or 0,
    limit_hits = read_number(c.dir .. "/memory.failcnt") or 0,
  }
end

--- Read the group's statistics.
-- @treturn table memory = {current, peak, limit, oom_kills, limit_hits} (bytes;
--   limit_hits counts allocations that failed at the limit), pids = {current,
--   limit, limit_hits} (forks that failed at the limit), cpu = {throttled}
--   (periods in which the quota stopped the group). A controller the group
--   lacks is absent.
function M.stats(group)
  local stats = {}
  local c = group.controllers
  if c.memory then
    stats.memory = memory_stats(c.memory)
  end
  if c.pids then
    stats.pids = {
      current = read_number(c.pids.dir .. "/pids.current"),
      limit = read_number(c.pids.dir .. "/pids.max"),
      limit_hits = read_keyed(c.pids.dir .. "/pids.events").max or 0,
    }
  end
  if c.cpu then
    stats.cpu = { throttled = read_keyed(c.cpu.dir .. "/cpu.stat").nr_throttled or 0 }
  end
  return stats
end

return M
