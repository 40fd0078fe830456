--- Capabilities of a container: the default set, capability names as
-- users write them, the set that --cap-add and --cap-drop make, and the
-- steps that give the calling process exactly that set before it executes
-- the container's command.
local core = require "cfs.core"
local errors = require "cfs.errors"
local log = require "cfs.log"

local M = {}

--- The default set: docker's (DefaultCapabilities in moby's
-- oci/caps/defaults.go), in bit order.
M.DEFAULT = {
  "chown", "dac_override", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
  "net_bind_service", "net_raw", "sys_chroot", "mknod", "audit_write", "setfcap",
}

local function invalid(msg, hint)
  errors.raise(msg, { context = "capabilities", hint = hint })
end

--- Resolve a capability name: with or without the CAP_ prefix, any case.
-- @tparam string name such as "SYS_ADMIN", "cap_net_raw" or "Chown"
-- @treturn string|nil the short lower-case name ("sys_admin"), nil when unknown
-- @treturn int|nil its number
function M.resolve(name)
  if type(name) ~= "string" then
    return nil
  end
  local short = name:lower():gsub("^cap_", "")
  -- libcap also takes numbers; a capability is named here.
  if not short:match("^[a-z][a-z_]*$") then
    return nil
  end
  local number = core.cap_from_name("cap_" .. short)
  if not number then
    return nil
  end
  return short, number
end

--- Every capability the running kernel supports, by short name, in bit order.
function M.all()
  local list = {}
  for cap = 0, core.cap_max_bits() - 1 do
    list[#list + 1] = (core.cap_to_name(cap):gsub("^cap_", ""))
  end
  return list
end

--- The capabilities cfs itself can pass on: those in its bounding set.
-- @treturn table set of short names
function M.available()
  local set = {}
  for cap = 0, core.cap_max_bits() - 1 do
    if core.cap_get_bound(cap) then
      set[(core.cap_to_name(cap):gsub("^cap_", ""))] = true
    end
  end
  return set
end

local function names_of(list, what)
  local out = {}
  for _, name in ipairs(list or {}) do
    if type(name) == "string" and name:lower() == "all" then
      out.all = true
    else
      local short = M.resolve(name)
      if not short then
        invalid(string.format("unknown capability '%s' in %s", tostring(name), what),
          "names are those of capabilities(7), with or without CAP_, or ALL")
      end
      out[#out + 1] = short
    end
  end
  return out
end

--- The container's capability set from the default and the requested
-- changes, combined the way docker combines them. ALL in `add` starts from
-- every capability and then removes `drop`. ALL in `drop` keeps only what
-- `add` names. Otherwise the set is the default minus `drop` plus `add`.
-- @tparam[opt] {string,...} add names, or "ALL"
-- @tparam[opt] {string,...} drop names, or "ALL"
-- @treturn {string,...} short names in bit order
-- @raise cfs.Error for an unknown name, or one cfs's own bounding set lacks
function M.combine(add, drop)
  add, drop = names_of(add, "--cap-add"), names_of(drop, "--cap-drop")
  local available = M.available()
  local set = {}
  if add.all then
    for name in pairs(available) do
      set[name] = true
    end
  elseif not drop.all then
    for _, name in ipairs(M.DEFAULT) do
      set[name] = true
    end
  end
  for _, name in ipairs(drop) do
    set[name] = nil
  end
  for _, name in ipairs(add) do
    if not available[name] then
      invalid(string.format("cannot add capability '%s': cfs itself does not hold it", name),
        "a capability outside cfs's bounding set cannot be given to a container")
    end
    set[name] = true
  end

  local list = {}
  for _, name in ipairs(M.all()) do
    if set[name] and available[name] then
      list[#list + 1] = name
    elseif set[name] then
      log.debug("capabilities: '%s' left out: not in cfs's bounding set", name)
    end
  end
  return list
end

--- The hexadecimal mask /proc/PID/status shows for a set of names.
-- @tparam {string,...} names
-- @treturn string 16 hex digits
function M.mask(names)
  local mask = 0
  for _, name in ipairs(names) do
    local _, number = M.resolve(name)
    mask = mask | (1 << number)
  end
  return string.format("%016x", mask)
end

--- Give the calling process exactly these capabilities: drop the rest from
-- the bounding set, empty the ambient set, and set effective and permitted
-- to the list. Dropping from the bounding set needs CAP_SETPCAP, so it
-- comes before the capset that may give CAP_SETPCAP up.
-- @tparam {string,...} names names as cfs.caps.resolve takes them, such as
--   those from cfs.caps.combine
-- @tparam[opt] table opts inheritable: the inheritable set (default empty; see
--   docs/security.md)
function M.apply(names, opts)
  opts = opts or {}
  local function numbers(list)
    local out = {}
    for i, name in ipairs(list) do
      local _, number = M.resolve(name)
      if not number then
        invalid(string.format("unknown capability '%s'", tostring(name)))
      end
      out[i] = number
    end
    return out
  end
  local wanted, inheritable = numbers(names), numbers(opts.inheritable or {})

  local keep = {}
  for _, number in ipairs(wanted) do
    keep[number] = true
  end
  for cap = 0, core.cap_max_bits() - 1 do
    if not keep[cap] and core.cap_get_bound(cap) then
      core.cap_drop_bound(cap)
    end
  end
  core.cap_reset_ambient()
  core.cap_set_proc { effective = wanted, permitted = wanted, inheritable = inheritable }
end

return M
