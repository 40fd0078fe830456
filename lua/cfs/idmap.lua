--- User namespace ID maps: parsing "CONTAINER:HOST:SIZE", the caller's
-- default maps, and writing maps for a child that waits on the clone sync
-- pipe. A map is a list of ranges {container = ID, host = ID, size = N}.
--
-- The kernel accepts each map file once, in a single write. A process
-- without CAP_SETUID (CAP_SETGID) in the parent namespace may write one
-- range only: its own ID, once setgroups is "deny" for gid_map. Anything
-- more goes through the setuid helpers newuidmap and newgidmap (package
-- uidmap), which allow the ranges /etc/subuid and /etc/subgid give the
-- caller.
local core = require "cfs.core"
local errors = require "cfs.errors"

local M = {}

--- The maximum number of ranges in one map (the kernel's limit since Linux 4.15).
M.MAX_RANGES = 340

-- IDs are 32-bit, and (uid_t)-1 is never a valid ID. The kernel also
-- rejects a range that would include it, so first ID + size <= ID_LIMIT.
local ID_LIMIT = 4294967295

--- Parse "CONTAINER:HOST:SIZE" into a range, or return nil when malformed.
function M.parse(text)
  local c, h, s = tostring(text):match("^(%d+):(%d+):(%d+)$")
  if not c then
    return nil
  end
  return { container = math.tointeger(tonumber(c)), host = math.tointeger(tonumber(h)),
    size = math.tointeger(tonumber(s)) }
end

--- The text of a map as the kernel reads it: one "CONTAINER HOST SIZE" line per range.
function M.format(map)
  local lines = {}
  for i, r in ipairs(map) do
    lines[i] = string.format("%d %d %d\n", r.container, r.host, r.size)
  end
  return table.concat(lines)
end

local function overlap(a_first, a_size, b_first, b_size)
  return a_first < b_first + b_size and b_first < a_first + a_size
end

--- Check a map: 1 to M.MAX_RANGES ranges of integers, no two overlapping
-- on either side (the kernel rejects that), and container ID 0 mapped,
-- because the container's command runs as root inside.
-- @tparam table map
-- @tparam string kind "uid" or "gid", for messages
-- @raise cfs.Error (status 125) naming the first problem
function M.check(map, kind)
  local function invalid(msg, hint)
    errors.raise(string.format("%s map: %s", kind, msg), { context = "spec", hint = hint })
  end

  if type(map) ~= "table" or #map == 0 then
    invalid("expected a non-empty list of ranges")
  end
  if #map > M.MAX_RANGES then
    invalid(string.format("%d ranges, the kernel allows %d", #map, M.MAX_RANGES))
  end
  for i, r in ipairs(map) do
    for _, key in ipairs { "container", "host" } do
      local v = type(r) == "table" and r[key] or nil
      if math.type(v) ~= "integer" or v < 0 or v >= ID_LIMIT then
        invalid(string.format("range %d: invalid %s ID '%s', expected an integer from 0 to %d",
          i, key, tostring(v), ID_LIMIT - 1))
      end
    end
    local max_size = ID_LIMIT - math.max(r.container, r.host)
    if math.type(r.size) ~= "integer" or r.size < 1 or r.size > max_size then
      invalid(string.format("range %d: invalid size '%s', expected an integer from 1 to %d",
        i, tostring(r.size), max_size), max_size < ID_LIMIT
        and string.format("a range must end below ID %d", ID_LIMIT) or nil)
    end
    for j = 1, i - 1 do
      local o = map[j]
      if overlap(r.container, r.size, o.container, o.size) or overlap(r.host, r.size, o.host,
        o.size) then
        invalid(string.format("ranges %d and %d overlap", j, i))
      end
    end
  end
  if not require("cfs.mounts").maps(map, 0) then
    invalid("container ID 0 is not mapped", "the command runs as root in the container")
  end
end

local function lines(path)
  local f = io.open(path, "r")
  if not f then
    return function() end
  end
  local list = {}
  for line in f:lines() do
    list[#list + 1] = line
  end
  f:close()
  local i = 0
  return function()
    i = i + 1
    return list[i]
  end
end

--- The login name of a uid from a passwd file, or nil.
-- @tparam int uid
-- @tparam[opt="/etc/passwd"] string path
function M.user_name(uid, path)
  for line in lines(path or "/etc/passwd") do
    local name, id = line:match("^([^:]*):[^:]*:(%d+):")
    if name and tonumber(id) == uid then
      return name
    end
  end
  return nil
end

--- The subordinate ID ranges a subuid or subgid file gives a user, by name
-- or by numeric uid, in file order.
-- @tparam string path such as "/etc/subuid"
-- @tparam string|nil name the user's login name
-- @tparam int uid
-- @treturn {table,...} ranges {start = ID, count = N}
function M.subids(path, name, uid)
  local ranges = {}
  for line in lines(path) do
    local who, start, count = line:match("^([^:#]+):(%d+):(%d+)%s*$")
    if who and (who == name or who == tostring(uid)) and tonumber(count) > 0 then
      ranges[#ranges + 1] = { start = math.tointeger(tonumber(start)),
        count = math.tointeger(tonumber(count)) }
    end
  end
  return ranges
end

--- The caller's default map: container ID 0 is the caller's own ID, and
-- IDs 1 and up are its subordinate ranges, if it has any.
-- @tparam string kind "uid" or "gid"
-- @tparam[opt] table files passwd and subid paths, for tests
-- @treturn table map
function M.default_map(kind, files)
  files = files or {}
  local uid = core.geteuid()
  local own = kind == "uid" and uid or core.getegid()
  local map = { { container = 0, host = own, size = 1 } }
  local ranges = M.subids(files.subid or ("/etc/sub" .. kind), M.user_name(uid, files.passwd),
    uid)
  local next_id = 1
  for _, r in ipairs(ranges) do
    -- A range holding the caller's own ID would overlap the first one.
    if not overlap(r.start, r.count, own, 1) then
      map[#map + 1] = { container = next_id, host = r.start, size = r.count }
      next_id = next_id + r.count
    end
  end
  return map
end

--- True when writing map needs newuidmap/newgidmap: the caller is not root
-- and the map is more than its own ID.
-- @tparam table map
-- @tparam int own the caller's effective uid or gid
-- @tparam[opt] int euid default: the caller's
function M.needs_helper(map, own, euid)
  if (euid or core.geteuid()) == 0 then
    return false
  end
  return not (#map == 1 and map[1].host == own and map[1].size == 1)
end

local function read_all(fd)
  local chunks = {}
  repeat
    local chunk = fd:read()
    chunks[#chunks + 1] = chunk
  until chunk == nil or chunk == ""
  return table.concat(chunks)
end

-- Run newuidmap or newgidmap for pid; its error output becomes the message.
local function run_helper(program, pid, map)
  local argv = { program, tostring(pid) }
  for _, r in ipairs(map) do
    table.move({ tostring(r.container), tostring(r.host), tostring(r.size) }, 1, 3, #argv + 1,
      argv)
  end
  local reader, writer = core.pipe()
  local helper = core.clone({}, function()
    reader:close()
    core.dup2(writer, 2)
    require("cfs").exec(program, argv)
  end)
  writer:close()
  local output = read_all(reader)
  reader:close()
  local how, code = helper:wait()
  helper:close()
  if how == "exited" and code == 0 then
    return
  end
  local first = output:match("^%s*([^\n]*[^%s])") or string.format("%s %d", how, code)
  local ids = program == "newuidmap" and "/etc/subuid" or "/etc/subgid"
  errors.raise(string.format("%s failed: %s", program, first:gsub("^cfs: ", "")), {
    context = "user namespace",
    hint = code == 127 and "install the uidmap package"
      or string.format("the host IDs must be yours or in your ranges in %s", ids),
  })
end

local function write_proc(path, text)
  local ok, err = pcall(core.write_file, path, text)
  if not ok then
    error(errors.userns(errors.wrap(err, "user namespace")), 0)
  end
end

--- Write the uid and gid maps of a child in a new user namespace, while it
-- waits to be released: directly when the caller may, through newuidmap
-- and newgidmap otherwise. An unprivileged caller denies setgroups before
-- it writes gid_map itself, as the kernel requires.
-- @tparam int pid
-- @tparam table uid_map
-- @tparam table gid_map
function M.write(pid, uid_map, gid_map)
  local proc = "/proc/" .. pid
  local euid = core.geteuid()
  local gid_helper = M.needs_helper(gid_map, core.getegid(), euid)
  if euid ~= 0 and not gid_helper then
    write_proc(proc .. "/setgroups", "deny")
  end
  if M.needs_helper(uid_map, euid, euid) then
    run_helper("newuidmap", pid, uid_map)
  else
    write_proc(proc .. "/uid_map", M.format(uid_map))
  end
  if gid_helper then
    run_helper("newgidmap", pid, gid_map)
  else
    write_proc(proc .. "/gid_map", M.format(gid_map))
  end
end

--- In a new user namespace whose maps are written, take the IDs of the
-- namespace's root. The process keeps its host IDs after clone. Those are
-- unmapped unless the maps send container ID 0 to them, and creating a
-- file would then fail with EOVERFLOW. The supplementary groups are
-- cleared where setgroups is allowed. Where it is "deny", the host's
-- groups stay, shown as the overflow group.
function M.become_root()
  core.setresgid(0, 0, 0)
  local ok, err = pcall(core.setgroups, {})
  if not ok and not (errors.is_error(err) and err.code == "EPERM") then
    error(err, 0)
  end
  core.setresuid(0, 0, 0)
end

--- Map root in the child's user namespace to the caller's own uid and gid,
-- the one mapping an unprivileged process may write for itself.
-- @tparam int pid the child, still waiting to be released
function M.map_self(pid)
  M.write(pid, { { container = 0, host = core.geteuid(), size = 1 } },
    { { container = 0, host = core.getegid(), size = 1 } })
end

return M
