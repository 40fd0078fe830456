--- `cfs run`: the classic demo's `run` command grown up. Options become a
-- spec (cfs.spec) and cfs.container runs it.
local container = require "cfs.container"
local errors = require "cfs.errors"
local hardening = require "cfs.hardening"
local options = require "cfs.cli.options"
local spec = require "cfs.spec"

local M = {}

M.summary = "run a command in a new container"
M.usage = "cfs run [OPTIONS] [--] [CMD [ARG...]]"
M.help = [[
Run CMD (default /bin/sh) as PID 1 of new uts, pid, mnt and ipc namespaces,
inside a root filesystem, with its own hostname and /proc. Mounts made in
the container never reach the host. Without --rootfs the root is a busybox
tree built from the host's busybox-static and cached; the container writes
to a throwaway layer on top of it.

Run as a user other than root, cfs adds a user namespace in which the
caller is root.

CMD starts with docker's default capabilities, no_new_privs and a seccomp
profile that blocks the dangerous syscalls docker's profile blocks (see
docs/security.md). --memory, --pids and --cpus put the container in a
cgroup of its own, removed when it ends.

The exit status is CMD's own; 128+N when signal N killed it; 125 when cfs
itself failed; 126 when CMD cannot be executed; 127 when it is not found.
The signals TERM, INT, HUP, QUIT, USR1, USR2 and WINCH sent to cfs are
passed on to CMD.]]

M.options = {
  { name = "hostname", arg = "NAME", help = "hostname inside the container (default: cfs)" },
  {
    name = "rootfs",
    arg = "PATH",
    help = "root filesystem: a directory, used in place, or a .tar, .tar.gz or .tar.xz, "
      .. "extracted once into the cache",
  },
  {
    name = "ns",
    arg = "LIST",
    help = "comma-separated namespaces, replacing the default uts,pid,mnt,ipc "
      .. "(known: " .. table.concat(spec.NAMESPACES, ",") .. "; mnt is required)",
  },
  {
    name = "env",
    short = "e",
    arg = "KEY=VALUE",
    list = true,
    help = "set a variable (repeatable); KEY alone copies the host's value. The container "
      .. "starts with only PATH, HOME, TERM and HOSTNAME",
  },
  { name = "workdir", short = "w", arg = "DIR", help = "working directory inside (default: /)" },
}
table.move(hardening.OPTIONS, 1, #hardening.OPTIONS, #M.options + 1, M.options)
table.insert(M.options, { name = "help", short = "h", help = "show this help" })

local function parse_env(list)
  local env = {}
  for _, item in ipairs(list or {}) do
    local key, value = item:match("^([^=]+)=(.*)$")
    if not key then
      if item == "" or item:find("=", 1, true) then
        errors.usage("run", string.format("invalid --env '%s': expected KEY=VALUE", item))
      end
      key, value = item, os.getenv(item)
    end
    env[key] = value
  end
  return env
end

local function parse_namespaces(text)
  local list = {}
  for name in (text .. ","):gmatch("([^,]*),") do
    if name == "" then
      errors.usage("run", string.format("invalid --ns '%s': empty namespace name", text))
    end
    list[#list + 1] = name
  end
  return list
end

--- Build a spec from command-line arguments.
-- @tparam {string,...} argv the arguments after "run"
-- @treturn table|nil the spec, or nil when help was shown
function M.spec(argv)
  local values, first = options.parse("run", M.options, argv)
  if values.help then
    return nil
  end

  local command = table.move(argv, first, #argv, 1, {})
  local fields = {
    hostname = values.hostname,
    rootfs = values.rootfs,
    env = parse_env(values.env),
    cwd = values.workdir,
    command = #command > 0 and command or nil,
    namespaces = values.ns and parse_namespaces(values.ns) or nil,
  }
  hardening.fields(values, fields)
  local ok, result = pcall(spec.new, fields)
  if not ok then
    result.context = "run"
    error(result, 0)
  end
  return result
end

function M.main(argv)
  local s = M.spec(argv)
  if not s then
    print(require("cfs.cli.help").text(M))
    return 0
  end
  return container.run(s)
end

return M
