--- `cfs run`: the classic demo's `run` command grown up. Options become a
-- spec (cfs.spec) and cfs.container runs it.
local container = require "cfs.container"
local errors = require "cfs.errors"
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

The exit status is CMD's own; 128+N when signal N killed it; 125 when cfs
itself failed; 126 when CMD cannot be executed; 127 when it is not found.
The signals TERM, INT, HUP, QUIT, USR1, USR2 and WINCH sent to cfs are
passed on to CMD. If cfs itself is killed, the container is killed too.

A running container is listed by 'cfs ps' under its --name, or a generated
name cfs-XXXXXXXXXXXX; 'cfs exec', 'cfs kill' and 'cfs state' take that name.
See docs/lifecycle.md.]]

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
  {
    name = "name",
    arg = "NAME",
    help = "name the container for cfs ps, exec, kill and state: 1 to 64 letters, digits, "
      .. "'_', '.' or '-', starting with a letter or digit; must not be in use",
  },
  {
    name = "init",
    help = "run a small init as PID 1 that starts CMD, passes signals on to it and reaps "
      .. "orphaned processes",
  },
  {
    name = "tty",
    short = "t",
    help = "give CMD a terminal from the container's /dev/pts; cfs relays it to its own",
  },
  {
    name = "preserve-fds",
    arg = "N",
    help = "pass descriptors 3 to 3+N-1 on to CMD (default 0: only stdin, stdout, stderr)",
  },
  { name = "help", short = "h", help = "show this help" },
}

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

local function parse_count(text)
  local n = text:match("^%d+$") and math.tointeger(tonumber(text))
  if not n or n > 0x7ffffff0 then
    errors.usage("run", string.format("invalid --preserve-fds '%s': expected a count", text))
  end
  return n
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
    name = values.name,
    init = values.init,
    tty = values.tty,
    preserve_fds = values.preserve_fds and parse_count(values.preserve_fds) or nil,
  }
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
