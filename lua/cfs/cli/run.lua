--- `cfs run`: the classic demo's `run` command grown up. Options become a
-- spec (cfs.spec) and cfs.container runs it.
local container = require "cfs.container"
local core = require "cfs.core"
local errors = require "cfs.errors"
local idmap = require "cfs.idmap"
local mounts = require "cfs.mounts"
local hardening = require "cfs.hardening"
local options = require "cfs.cli.options"
local spec = require "cfs.spec"

local M = {}

M.summary = "run a command in a new container"
M.usage = "cfs run [OPTIONS] [--] [CMD [ARG...]]"
M.help = [[
Run CMD (default /bin/sh) as PID 1 of new uts, pid, mnt, ipc and cgroup
namespaces, inside a root filesystem, with its own hostname. Without
--rootfs the root is a busybox tree built from the host's busybox-static
and cached; the container writes to a throwaway layer on top of it.

The container gets its own /proc, with the paths that expose the host
(kcore, keys, timer_list, ...) covered and /proc/sys, /proc/sysrq-trigger,
/proc/irq, /proc/bus and /proc/fs read-only; a /dev tmpfs with only null,
zero, full, random, urandom, tty, its own pts, shm and mqueue; and a
read-only /sys. The old root is detached after pivot_root, and mounts made
in the container never reach the host. --net adds a network namespace
with only the loopback interface, up.

Run as a user other than root, or with --userns, cfs adds a user namespace
in which container root is the caller; IDs 1 and up map to the caller's
ranges in /etc/subuid and /etc/subgid, if any (through newuidmap and
newgidmap). --uid-map and --gid-map replace those maps.

CMD starts with docker's default capabilities, no_new_privs and a seccomp
profile that blocks the dangerous syscalls docker's profile blocks (see
docs/security.md). --memory, --pids and --cpus put the container in a
cgroup of its own, removed when it ends.

The exit status is CMD's own; 128+N when signal N killed it; 125 when cfs
itself failed; 126 when CMD cannot be executed; 127 when it is not found.
The signals TERM, INT, HUP, QUIT, USR1, USR2 and WINCH sent to cfs are
passed on to CMD. If cfs itself is killed, the container is killed too.

A running container is listed by 'cfs ps' under its --name, or a generated
name cfs-XXXXXXXXXXXX; 'cfs exec', 'cfs kill' and 'cfs state' take that name.
See docs/lifecycle.md.]]

M.options = {
  {
    name = "hostname",
    arg = "NAME",
    help = "hostname inside the container (default: cfs): 1 to 64 bytes, no control characters",
  },
  {
    name = "rootfs",
    arg = "PATH",
    help = "root filesystem: a directory, used in place, or a .tar, .tar.gz or .tar.xz, "
      .. "extracted once into the cache",
  },
  {
    name = "ns",
    arg = "LIST",
    help = "comma-separated namespaces, replacing the default "
      .. table.concat(spec.DEFAULT_NAMESPACES, ",") .. " (known: "
      .. table.concat(spec.NAMESPACES, ",") .. "; mnt is required)",
  },
  { name = "net", help = "add a network namespace with only the loopback interface, up" },
  { name = "userns", help = "add a user namespace in which container root is the caller" },
  {
    name = "uid-map",
    arg = "C:H:S",
    list = true,
    help = "map container uids C..C+S-1 to host uids H..H+S-1 (repeatable; adds a user "
      .. "namespace)",
  },
  { name = "gid-map", arg = "C:H:S", list = true, help = "the same for group IDs" },
  {
    name = "bind",
    arg = "SRC:DST[:ro|:rw]",
    list = true,
    help = "bind the host path SRC, with the mounts under it, onto DST in the container "
      .. "(repeatable); ro makes it read-only, rw (the default) leaves it writable",
  },
  {
    name = "tmpfs",
    arg = "DST",
    list = true,
    help = "mount an empty tmpfs on DST (repeatable; mode 1777, nosuid, nodev, noexec)",
  },
  {
    name = "read-only",
    help = "make the root filesystem read-only; /dev, /proc, /sys and --bind/--tmpfs "
      .. "mounts keep their own modes",
  },
  {
    name = "propagation",
    arg = "MODE",
    help = "private (default): no mount events cross between host and container; slave: "
      .. "host mounts made later appear in the container, never the reverse",
  },
  {
    name = "env",
    short = "e",
    arg = "KEY=VALUE",
    list = true,
    help = "set a variable (repeatable); KEY alone copies the host's value. The container "
      .. "starts with only PATH, HOME, TERM and HOSTNAME",
  },
  {
    name = "workdir",
    short = "w",
    arg = "DIR",
    help = "working directory inside, made when missing (default: /)",
  },
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

local function parse_maps(list, option)
  if not list then
    return nil
  end
  local map = {}
  for i, text in ipairs(list) do
    map[i] = idmap.parse(text)
    if not map[i] then
      errors.usage("run", string.format("invalid --%s '%s': expected CONTAINER:HOST:SIZE",
        option, text))
    end
  end
  return map
end

local function check_target(option, text, target)
  if target:sub(1, 1) ~= "/" or not target:find("[^/]") then
    errors.usage("run", string.format("invalid --%s '%s': the target must be an absolute "
      .. "path other than /", option, text))
  end
end

-- The mount of one --bind value: SRC made absolute, so a relative SRC
-- means the same as in the caller's shell.
local function parse_bind(text)
  local source, target, mode = text:match("^([^:]+):([^:]+)$")
  if not source then
    source, target, mode = text:match("^([^:]+):([^:]+):([^:]+)$")
  end
  if not source or (mode and mode ~= "ro" and mode ~= "rw") then
    errors.usage("run", string.format("invalid --bind '%s': expected SRC:DST[:ro|:rw]", text))
  end
  check_target("bind", text, target)
  local ok, real = pcall(core.realpath, source)
  if not ok then
    if errors.is_error(real) and real.code == "ENOENT" then
      errors.raise(string.format("bind source '%s' does not exist", source), { context = "run" })
    end
    error(errors.wrap(real, string.format("run: bind source '%s'", source)), 0)
  end
  return mounts.bind(real, target, mode == "ro")
end

local function extra_mounts(values)
  local list = {}
  for _, text in ipairs(values.bind or {}) do
    list[#list + 1] = parse_bind(text)
  end
  for _, target in ipairs(values.tmpfs or {}) do
    check_target("tmpfs", target, target)
    list[#list + 1] = mounts.tmpfs(target)
  end
  return list
end

local function namespaces(values)
  local list = values.ns and parse_namespaces(values.ns) or nil
  for _, flag in ipairs { "net", "userns" } do
    if values[flag] then
      list = list or table.move(spec.DEFAULT_NAMESPACES, 1, #spec.DEFAULT_NAMESPACES, 1, {})
      local name = flag == "userns" and "user" or flag
      if not spec.contains(list, name) then
        list[#list + 1] = name
      end
    end
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
    namespaces = namespaces(values),
    uid_map = parse_maps(values.uid_map, "uid-map"),
    gid_map = parse_maps(values.gid_map, "gid-map"),
    extra_mounts = extra_mounts(values),
    readonly = values.read_only,
    propagation = values.propagation,
    name = values.name,
    init = values.init,
    tty = values.tty,
    preserve_fds = values.preserve_fds and parse_count(values.preserve_fds) or nil,
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
