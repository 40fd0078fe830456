--- Resource limits (rlimits) of a container: --ulimit values as docker
-- writes them, the defaults, a check against what cfs may set, and the
-- setrlimit calls made in the container's first process.
local core = require "cfs.core"
local errors = require "cfs.errors"

local M = {}

--- Resource names --ulimit takes (docker's list).
M.NAMES = {
  "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc",
  "rss", "rtprio", "rttime", "sigpending", "stack",
}

--- The soft open-files limit a container gets when cfs's own is higher.
-- Many programs size tables by it or close every descriptor up to it, and
-- select() breaks above 1024; the hard limit stays as cfs's own.
M.DEFAULT_NOFILE = 1024

local KNOWN = {}
for _, name in ipairs(M.NAMES) do
  KNOWN[name] = true
end

local INFINITY = core.RLIM_INFINITY

local function invalid(msg, hint)
  errors.raise(msg, { context = "ulimit", hint = hint })
end

-- "unlimited", "-1" or a count.
local function parse_value(text)
  if text == "unlimited" or text == "-1" then
    return INFINITY
  end
  if text:match("^%d+$") then
    return math.tointeger(tonumber(text))
  end
  return nil
end

--- Format a limit as --ulimit takes it.
function M.format(value)
  return value == INFINITY and "unlimited" or tostring(value)
end

--- Parse one --ulimit value.
-- @tparam string text NAME=SOFT[:HARD], each "unlimited", -1 or a count; HARD
--   defaults to SOFT
-- @treturn string name
-- @treturn table {soft = int, hard = int}, cfs.RLIM_INFINITY for unlimited
function M.parse(text)
  local name, soft_text, hard_text = text:match("^([%w_]+)=([^:]+):?([^:]*)$")
  if not name then
    invalid(string.format("invalid --ulimit '%s': expected NAME=SOFT[:HARD]", text))
  end
  if not KNOWN[name] then
    invalid(string.format("unknown resource '%s' in --ulimit '%s'", name, text),
      "known: " .. table.concat(M.NAMES, ", "))
  end
  local soft = parse_value(soft_text)
  local hard = hard_text == "" and soft or parse_value(hard_text)
  if not soft or not hard then
    invalid(string.format("invalid limit in --ulimit '%s'", text),
      "a limit is a count, -1 or 'unlimited'")
  end
  if math.ult(hard, soft) then
    invalid(string.format("soft limit above hard limit in --ulimit '%s'", text))
  end
  return name, { soft = soft, hard = hard }
end

-- The kernel's ceiling for the open-files limit.
local function nr_open()
  local f = io.open("/proc/sys/fs/nr_open")
  local value = f and math.tointeger(f:read("n"))
  if f then
    f:close()
  end
  return value or 1048576
end

-- True when cfs may raise hard limits: CAP_SYS_RESOURCE is effective.
local function can_raise()
  local number = core.cap_from_name("cap_sys_resource")
  for _, cap in ipairs(core.cap_get_proc().effective) do
    if cap == number then
      return true
    end
  end
  return false
end

--- The limits to set in a container: the default open-files limit, then
-- `requested` on top. Each is checked against cfs's own limits now, so a
-- limit cfs cannot set fails before the container starts.
-- @tparam[opt] table requested {name = {soft = int, hard = int}}
-- @treturn table {name = {soft, hard}}
function M.plan(requested)
  local plan = {}
  local soft, hard = core.getrlimit("nofile")
  if math.ult(M.DEFAULT_NOFILE, soft) then
    plan.nofile = { soft = M.DEFAULT_NOFILE, hard = hard }
  end

  local raise = nil
  for name, limit in pairs(requested or {}) do
    if not KNOWN[name] then
      invalid(string.format("unknown resource '%s'", tostring(name)))
    end
    local _, current = core.getrlimit(name)
    if name == "nofile" and math.ult(nr_open(), limit.hard) then
      invalid(string.format("nofile hard limit %s is above the kernel's %d", M.format(limit.hard),
        nr_open()), "see /proc/sys/fs/nr_open")
    end
    if math.ult(current, limit.hard) then
      if raise == nil then
        raise = can_raise()
      end
      if not raise then
        invalid(string.format("%s hard limit %s is above cfs's own %s", name,
          M.format(limit.hard), M.format(current)),
          "raising a hard limit needs CAP_SYS_RESOURCE")
      end
    end
    plan[name] = limit
  end
  return plan
end

--- Set the planned limits on the calling process.
-- @tparam table plan from cfs.rlimit.plan
function M.apply(plan)
  local names = {}
  for name in pairs(plan) do
    names[#names + 1] = name
  end
  table.sort(names)
  for _, name in ipairs(names) do
    errors.context("ulimit", core.setrlimit, name, plan[name].soft, plan[name].hard)
  end
end

return M
