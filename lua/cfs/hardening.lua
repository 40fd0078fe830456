--- Resource limits and privileges of a container, from spec fields to
-- kernel calls. This module holds the `cfs run` options and the checks and
-- defaults for the spec. Its parent's side prepares the cgroup, the seccomp
-- filter and the rlimits before the clone, and its child's side applies
-- them as the last step before exec.
--
-- Spec fields:
--   resources     {memory = bytes or "64M", pids = N, cpus = 0.5}; a cgroup
--                 is made only when one is set
--   capabilities  list of capability names (default: cfs.caps.DEFAULT)
--   no_new_privs  boolean (default true)
--   seccomp       "default", "unconfined" or a profile table (default "default")
--   rlimits       {nofile = {soft = N, hard = N}, ...} on top of the defaults
local caps = require "cfs.caps"
local core = require "cfs.core"
local errors = require "cfs.errors"
local log = require "cfs.log"
local rlimit = require "cfs.rlimit"

local M = {}

--- Spec fields this module checks.
M.FIELDS = { "resources", "capabilities", "no_new_privs", "seccomp", "rlimits" }

--- The maximum pids limit: the kernel's PID_MAX_LIMIT on 64-bit machines,
-- above which pids.max rejects a value with EINVAL.
-- NOTE: 32-bit kernels have a PID_MAX_LIMIT of 32768 and reject more.
M.MAX_PIDS = 4194304

--- Options `cfs run` takes for limits and privileges.
M.OPTIONS = {
  {
    name = "memory",
    short = "m",
    arg = "SIZE",
    help = "memory limit, swap included: bytes, or a number with k, m, g or t (powers of "
      .. "1024, any case, b or ib may follow: 64m, 64MB, 1.5GiB); from 6m to 4194304t",
  },
  {
    name = "pids",
    arg = "N",
    help = "maximum number of processes and threads in the container (1 to "
      .. M.MAX_PIDS .. ")",
  },
  { name = "cpus", arg = "FRACTION", help = "CPU time, in CPUs (0.5: half of one CPU)" },
  {
    name = "cap-add",
    arg = "CAP",
    list = true,
    help = "add a capability (repeatable; ALL for every one cfs holds)",
  },
  {
    name = "cap-drop",
    arg = "CAP",
    list = true,
    help = "drop a capability from the default set (repeatable; ALL for every one)",
  },
  {
    name = "allow-new-privs",
    help = "let setuid programs and file capabilities raise privileges (no_new_privs off)",
  },
  {
    name = "seccomp",
    arg = "FILE",
    help = "seccomp profile: a .lua file returning a profile table, or 'unconfined'",
  },
  {
    name = "ulimit",
    arg = "NAME=SOFT[:HARD]",
    list = true,
    help = "resource limit, such as nofile=1024:2048 (repeatable; 'unlimited' allowed)",
  },
}

-- Source paths of the profiles read from files, for messages.
local SOURCES = setmetatable({}, { __mode = "k" })

local function invalid(msg, hint)
  errors.raise(msg, { context = "spec", hint = hint })
end

local function usage(msg, hint)
  errors.raise(msg, { context = "run", hint = hint or "see 'cfs help run'" })
end

-- The number of online CPUs, from /sys/devices/system/cpu/online ("0-3,6").
local function online_cpus()
  local f = io.open("/sys/devices/system/cpu/online")
  if not f then
    return nil
  end
  local text = f:read("a")
  f:close()
  local count = 0
  for first, last in text:gmatch("(%d+)%-?(%d*)") do
    count = count + (last ~= "" and tonumber(last) - tonumber(first) + 1 or 1)
  end
  return count > 0 and count or nil
end

local function split_commas(list)
  local out = {}
  for _, item in ipairs(list or {}) do
    for word in (item .. ","):gmatch("([^,]*),") do
      out[#out + 1] = word
    end
  end
  return out
end

--- Turn parsed `cfs run` options into spec fields.
-- @tparam table values from cfs.cli.options.parse
-- @tparam table fields the spec fields being built; changed in place
function M.fields(values, fields)
  local resources = {}
  if values.memory then
    local cgroup = require "cfs.cgroup"
    local bytes, problem = cgroup.parse_size(values.memory)
    if problem == "too large" then
      usage(string.format("invalid --memory '%s': too large, the maximum is %s",
        values.memory, cgroup.format_size(cgroup.MAX_MEMORY)))
    elseif not bytes then
      usage(string.format("invalid --memory '%s': expected a size such as 64m or 1g",
        values.memory))
    end
    resources.memory = bytes
  end
  if values.pids then
    local pids = math.tointeger(tonumber(values.pids:match("^%d+$") or ""))
    if not pids or pids < 1 or pids > M.MAX_PIDS then
      usage(string.format("invalid --pids '%s': expected a whole number from 1 to %d",
        values.pids, M.MAX_PIDS))
    end
    resources.pids = pids
  end
  if values.cpus then
    resources.cpus = tonumber(values.cpus:match("^%d*%.?%d+$") or "")
    if not resources.cpus then
      usage(string.format("invalid --cpus '%s': expected a number such as 0.5", values.cpus))
    end
  end
  if next(resources) then
    fields.resources = resources
  end

  if values.cap_add or values.cap_drop then
    fields.capabilities = caps.combine(split_commas(values.cap_add),
      split_commas(values.cap_drop))
  end
  if values.allow_new_privs then
    fields.no_new_privs = false
  end
  if values.seccomp then
    if values.seccomp == "unconfined" then
      fields.seccomp = "unconfined"
    else
      fields.seccomp = require("cfs.seccomp").read(values.seccomp)
      SOURCES[fields.seccomp] = values.seccomp
    end
  end
  if values.ulimit then
    fields.rlimits = {}
    for _, text in ipairs(values.ulimit) do
      local name, limit = rlimit.parse(text)
      fields.rlimits[name] = limit
    end
  end
end

local function check_resources(resources)
  if type(resources) ~= "table" then
    invalid("resources must be a table")
  end
  for key in pairs(resources) do
    if key ~= "memory" and key ~= "pids" and key ~= "cpus" then
      invalid(string.format("unknown resource '%s'", tostring(key)), "known: memory, pids, cpus")
    end
  end
  local out = {}
  if resources.memory ~= nil then
    local cgroup = require "cfs.cgroup"
    local bytes = math.type(resources.memory) == "integer" and resources.memory
      or cgroup.parse_size(resources.memory)
    local max = cgroup.format_size(cgroup.MAX_MEMORY)
    if not bytes then
      invalid(string.format("invalid memory limit '%s'", tostring(resources.memory)),
        "a size is a number of bytes, or a number with k, m, g or t, at most " .. max)
    end
    if bytes > cgroup.MAX_MEMORY then
      invalid(string.format("memory limit %d is above the maximum of %s", bytes, max))
    end
    if bytes < cgroup.MIN_MEMORY then
      invalid(string.format("memory limit %s is below the minimum of 6M",
        cgroup.format_size(bytes)), "a container needs a few MiB before its command starts")
    end
    out.memory = bytes
  end
  if resources.pids ~= nil then
    local pids = resources.pids
    if math.type(pids) ~= "integer" or pids < 1 or pids > M.MAX_PIDS then
      invalid(string.format("pids limit '%s' is out of range", tostring(pids)),
        string.format("a pids limit is a whole number from 1 to %d", M.MAX_PIDS))
    end
    out.pids = resources.pids
  end
  if resources.cpus ~= nil then
    local cpus, online = resources.cpus, online_cpus()
    if type(cpus) ~= "number" or cpus < 0.01 or (online and cpus > online) then
      invalid(string.format("cpus '%s' is out of range", tostring(cpus)),
        string.format("from 0.01 to the %s online CPUs", online or "number of"))
    end
    out.cpus = cpus
  end
  return next(out) and out or nil
end

-- The short names of `list`. A list other than the default is also checked
-- against cfs's own bounding set, which only then needs reading.
local function check_capabilities(list)
  if type(list) ~= "table" then
    invalid("capabilities must be a list of names")
  end
  local available = list ~= caps.DEFAULT and caps.available()
  local out = {}
  for _, name in ipairs(list) do
    local short = caps.resolve(name)
    if not short then
      invalid(string.format("unknown capability '%s'", tostring(name)))
    end
    if available and not available[short] then
      invalid(string.format("capability '%s' is not in cfs's own bounding set", short))
    end
    out[#out + 1] = short
  end
  return out
end

local function check_rlimits(limits)
  if type(limits) ~= "table" then
    invalid("rlimits must map resource names to {soft = N, hard = N}")
  end
  for name, limit in pairs(limits) do
    if type(limit) ~= "table" or math.type(limit.soft) ~= "integer"
      or math.type(limit.hard) ~= "integer" then
      invalid(string.format("rlimit '%s' must be {soft = N, hard = N}", tostring(name)))
    end
  end
  return limits
end

--- Check the fields of this module in `fields` and store them, or their
-- defaults, in `spec`.
-- @tparam table spec the spec being built
-- @tparam table fields what the caller gave
-- @raise cfs.Error (status 125) naming the first invalid field
function M.check(spec, fields)
  spec.resources = fields.resources and check_resources(fields.resources)
  spec.capabilities = check_capabilities(fields.capabilities or caps.DEFAULT)
  spec.no_new_privs = fields.no_new_privs ~= false
  spec.rlimits = check_rlimits(fields.rlimits or {})
  local seccomp = fields.seccomp or "default"
  if seccomp ~= "default" and seccomp ~= "unconfined" and type(seccomp) ~= "table" then
    invalid(string.format("seccomp '%s' is not 'default', 'unconfined' or a profile table",
      tostring(seccomp)))
  end
  spec.seccomp = seccomp
end

--- The parent's side, before the clone: plan the rlimits and compile the
-- seccomp filter (so every mistake is reported before anything starts),
-- and make the cgroup when a resource limit is set.
-- @tparam table spec
-- @treturn table prepared {rlimits, filter, group}; its group field is a
--   to-be-closed value the caller must close
function M.prepare(spec)
  local prepared = { rlimits = rlimit.plan(spec.rlimits) }
  if spec.seccomp == "default" then
    prepared.program = require("cfs.seccomp").default_program(spec.capabilities)
  elseif spec.seccomp ~= "unconfined" then
    prepared.program = require("cfs.seccomp").program(spec.seccomp, SOURCES[spec.seccomp])
  end
  if spec.resources then
    local cgroup = require "cfs.cgroup"
    local controllers = {}
    for _, c in ipairs(cgroup.CONTROLLERS) do
      if spec.resources[c == "cpu" and "cpus" or c] then
        controllers[#controllers + 1] = c
      end
    end
    prepared.group = cgroup.create(controllers, { watch = true })
    local ok, err = pcall(cgroup.set, prepared.group, spec.resources)
    if not ok then
      cgroup.remove(prepared.group)
      error(err, 0)
    end
  end
  return prepared
end

--- The child's side, the last step before exec: rlimits, capabilities,
-- no_new_privs, then the seccomp filter. Without no_new_privs, loading a
-- filter needs CAP_SYS_ADMIN, so the filter then comes before the
-- capability calls that may drop it, and the profile must allow prctl and
-- capset.
-- @tparam table spec
-- @tparam table prepared from cfs.hardening.prepare, copied into the child
function M.apply(spec, prepared)
  rlimit.apply(prepared.rlimits)
  local program = prepared.program
  if spec.no_new_privs then
    caps.apply(spec.capabilities)
    core.prctl("set_no_new_privs", 1)
  end
  if program then
    local ok, err = pcall(core.seccomp_load_bpf, program)
    if not ok then
      if errors.is_error(err) and err.code == "EACCES" then
        err.hint = "without no_new_privs, loading a filter needs CAP_SYS_ADMIN"
      end
      error(errors.wrap(err, "seccomp"), 0)
    end
  end
  if not spec.no_new_privs then
    caps.apply(spec.capabilities)
  end
  if log.enabled("debug") then
    log.debug("capabilities %s, no_new_privs %s, seccomp %s", caps.mask(spec.capabilities),
      tostring(spec.no_new_privs), program and "on" or "off")
  end
end

--- After the container ended, log a warning when its memory limit killed a process.
-- @tparam table spec
-- @tparam[opt] table group the container's cgroup, from cfs.hardening.prepare
function M.report(spec, group)
  if not group or not spec.resources.memory then
    return
  end
  local cgroup = require "cfs.cgroup"
  local stats = cgroup.stats(group)
  local kills = stats.memory and stats.memory.oom_kills or 0
  if kills > 0 then
    log.warn("memory limit %s reached: the kernel killed %d process%s of the container",
      cgroup.format_size(spec.resources.memory), kills, kills == 1 and "" or "es")
  end
end

return M
