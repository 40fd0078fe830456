--- Container specs: the plain table that describes one container, its
-- defaults, and validation that rejects unknown fields and bad values
-- before anything is created.
local core = require "cfs.core"
local errors = require "cfs.errors"
local idmap = require "cfs.idmap"
local hardening = require "cfs.hardening"
local mounts = require "cfs.mounts"
local state = require "cfs.state"

local M = {}

M.NAMESPACES = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" }
M.DEFAULT_NAMESPACES = { "uts", "pid", "mnt", "ipc", "cgroup" }
M.DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
M.MAX_HOSTNAME = 64

local FIELDS = {
  command = true,
  cwd = true,
  env = true,
  extra_mounts = true,
  gid_map = true,
  hostname = true,
  init = true,
  mounts = true,
  name = true,
  namespaces = true,
  preserve_fds = true,
  propagation = true,
  readonly = true,
  rootfs = true,
  uid_map = true,
  tty = true,
}
for _, name in ipairs(hardening.FIELDS) do
  FIELDS[name] = true
end

local function invalid(msg, hint)
  errors.raise(msg, { context = "spec", hint = hint })
end

local function copy_list(list)
  local out = {}
  for i, v in ipairs(list) do
    out[i] = v
  end
  return out
end

--- True when the list contains value.
function M.contains(list, value)
  for _, v in ipairs(list) do
    if v == value then
      return true
    end
  end
  return false
end

local function check_namespaces(list)
  if type(list) ~= "table" then
    invalid("namespaces must be a list of names")
  end
  local seen = {}
  for _, name in ipairs(list) do
    if not M.contains(M.NAMESPACES, name) then
      invalid(string.format("unknown namespace '%s'", tostring(name)),
        "known: " .. table.concat(M.NAMESPACES, ", "))
    end
    if seen[name] then
      invalid(string.format("namespace '%s' listed twice", name))
    end
    seen[name] = true
  end
  if not seen.mnt then
    invalid("namespaces must include 'mnt'",
      "without a mount namespace, the root switch and /proc would change the host")
  end
end

-- The ASCII control characters: bytes 0 to 0x1f and 0x7f.
local CONTROL = "[\0-\31\127]"

-- Return text with its control characters written as \xNN, for a one-line message.
local function printable(text)
  return (text:gsub(CONTROL, function(c)
    return string.format("\\x%02x", c:byte())
  end))
end

-- The kernel takes any bytes, but a control character in a hostname
-- breaks the prompts, logs and files that show it.
local function check_hostname(name)
  if type(name) ~= "string" or #name == 0 or #name > M.MAX_HOSTNAME then
    local printed_name = type(name) == "string" and printable(name) or tostring(name)
    invalid(string.format("invalid hostname '%s'", printed_name),
      string.format("a hostname has 1 to %d bytes", M.MAX_HOSTNAME))
  end
  if name:find(CONTROL) then
    invalid(string.format("invalid hostname '%s': it contains a control character",
      printable(name)), "bytes below 0x20 and 0x7f are not allowed")
  end
end

local function check_command(command)
  if type(command) ~= "table" or #command == 0 then
    invalid("command must be a non-empty list of strings")
  end
  for i, word in ipairs(command) do
    if type(word) ~= "string" then
      invalid(string.format("command word %d is a %s, expected a string", i, type(word)))
    end
  end
  if command[1] == "" then
    invalid("command is empty")
  end
end

-- The fields of `cfs run --name/--init/-t/--preserve-fds`.
local function check_lifecycle(spec)
  if spec.name ~= nil and not state.valid_name(spec.name) then
    invalid(string.format("invalid container name '%s'", tostring(spec.name)),
      "use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit")
  end
  for _, key in ipairs { "init", "tty" } do
    if type(spec[key]) ~= "boolean" then
      invalid(string.format("%s must be true or false", key))
    end
  end
  local n = spec.preserve_fds
  if math.type(n) ~= "integer" or n < 0 or n > 0x7ffffff0 then
    invalid(string.format("preserve_fds '%s' is not a count of descriptors", tostring(n)))
  end
end

local function check_env(env)
  if type(env) ~= "table" then
    invalid("env must map names to values")
  end
  for k, v in pairs(env) do
    if type(k) ~= "string" or k == "" or k:find("=", 1, true) or type(v) ~= "string" then
      invalid(string.format("invalid environment entry '%s'", tostring(k)),
        "use a name without '=' and a string value")
    end
  end
end

--- The environment a container starts with: PATH, HOME, TERM and
-- HOSTNAME, then `extra` on top. Nothing else comes from the host.
function M.base_env(hostname, extra)
  local env = {
    PATH = M.DEFAULT_PATH,
    HOME = "/root",
    TERM = os.getenv("TERM") or "xterm",
    HOSTNAME = hostname,
  }
  for k, v in pairs(extra or {}) do
    env[k] = v
  end
  return env
end

-- A caller other than root gets a user namespace, and so does one that
-- gives an ID map; its maps default to idmap.default_map.
local function add_userns(spec, fields)
  local needed = core.geteuid() ~= 0 or fields.uid_map ~= nil or fields.gid_map ~= nil
  if needed and not M.contains(spec.namespaces, "user") then
    table.insert(spec.namespaces, 1, "user")
  end
  if M.contains(spec.namespaces, "user") then
    spec.uid_map = fields.uid_map or idmap.default_map("uid")
    spec.gid_map = fields.gid_map or idmap.default_map("gid")
    idmap.check(spec.uid_map, "uid")
    idmap.check(spec.gid_map, "gid")
  end
end

--- Build a validated spec from fields, filling in defaults.
-- @tparam table fields command, cwd, env (added to the base environment),
--   hostname, mounts (replaces the default plan, see cfs.mounts),
--   extra_mounts (applied after mounts), namespaces, propagation, readonly
--   (a read-only root), rootfs, uid_map and gid_map (lists of {container,
--   host, size}; either one adds a user namespace), the limits and
--   privileges cfs.hardening describes, and for the lifecycle: name
--   (registered for cfs ps), init (run cfs's init as PID 1), tty (give the
--   command a terminal) and preserve_fds (pass descriptors 3 to 3+N-1 on)
-- @treturn table the spec
-- @raise cfs.Error (status 125) naming the first invalid field
function M.new(fields)
  fields = fields or {}
  for key in pairs(fields) do
    if not FIELDS[key] then
      invalid(string.format("unknown spec field '%s'", tostring(key)))
    end
  end

  local spec = {
    namespaces = copy_list(fields.namespaces or M.DEFAULT_NAMESPACES),
    hostname = fields.hostname or "cfs",
    command = copy_list(fields.command or { "/bin/sh" }),
    cwd = fields.cwd or "/",
    rootfs = fields.rootfs,
    extra_mounts = fields.extra_mounts or {},
    propagation = fields.propagation or "private",
    readonly = fields.readonly or false,
    name = fields.name,
    init = fields.init or false,
    tty = fields.tty or false,
    preserve_fds = fields.preserve_fds or 0,
  }
  check_namespaces(spec.namespaces)
  add_userns(spec, fields)
  spec.mounts = fields.mounts or mounts.default_plan(spec)
  mounts.check(spec.mounts)
  mounts.check(spec.extra_mounts)
  if type(spec.readonly) ~= "boolean" then
    invalid("readonly must be true or false")
  end
  check_hostname(spec.hostname)
  if fields.hostname ~= nil and not M.contains(spec.namespaces, "uts") then
    invalid(string.format("hostname '%s' needs the 'uts' namespace", spec.hostname),
      "add uts to the namespace list")
  end
  check_command(spec.command)
  check_env(fields.env or {})
  check_lifecycle(spec)
  if type(spec.cwd) ~= "string" or spec.cwd:sub(1, 1) ~= "/" then
    invalid(string.format("working directory '%s' is not an absolute path", tostring(spec.cwd)))
  end
  if spec.rootfs ~= nil and (type(spec.rootfs) ~= "string" or spec.rootfs == "") then
    invalid("rootfs must be a path")
  end
  if spec.propagation ~= "private" and spec.propagation ~= "slave" then
    invalid(string.format("propagation '%s' is not 'private' or 'slave'",
      tostring(spec.propagation)))
  end
  spec.env = M.base_env(spec.hostname, fields.env)
  hardening.check(spec, fields)
  return spec
end

return M
