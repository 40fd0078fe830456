--- `cfs exec NAME [--] CMD [ARG...]`: run a command inside a running container.
local cfs = require "cfs"
local container = require "cfs.container"
local core = require "cfs.core"
local enter = require "cfs.enter"
local errors = require "cfs.errors"
local hardening = require "cfs.hardening"
local options = require "cfs.cli.options"
local rlimit = require "cfs.rlimit"
local state = require "cfs.state"

local M = {}

M.summary = "run a command in a running container"
M.usage = "cfs exec [OPTIONS] NAME [--] CMD [ARG...]"
M.help = [[
Run CMD inside the running container NAME: in all of its namespaces (so
in its PID namespace, as a new process beside its PID 1), under its root,
in its working directory, with its environment. The exit status is CMD's
own, as for 'cfs run'; signals sent to cfs are passed on the same way.

CMD runs under the container's limits and privileges: its capabilities,
no_new_privs, seccomp filter and rlimits, in its cgroups.]]

M.options = {
  {
    name = "env",
    short = "e",
    arg = "KEY=VALUE",
    list = true,
    help = "set a variable on top of the container's environment (repeatable)",
  },
  {
    name = "workdir",
    short = "w",
    arg = "DIR",
    help = "working directory (default: the container's)",
  },
  { name = "help", short = "h", help = "show this help" },
}

local function parse_env(base, list)
  local env = {}
  for k, v in pairs(base or {}) do
    env[k] = v
  end
  for _, item in ipairs(list or {}) do
    local key, value = item:match("^([^=]+)=(.*)$")
    if not key then
      errors.usage("exec", string.format("invalid --env '%s': expected KEY=VALUE", item))
    end
    env[key] = value
  end
  return env
end

-- What the command needs of the container's limits and privileges, read
-- before the join: the seccomp program sits in the host's runtime folder.
local function security(st)
  local recorded = st.security
  if not recorded then
    errors.raise(string.format("container '%s' has no recorded limits and privileges", st.name),
      { context = "exec", hint = "it was started by an older cfs; restart it" })
  end
  local prepared = { rlimits = rlimit.plan(recorded.rlimits or {}) }
  if recorded.seccomp then
    prepared.program = state.load(st, "seccomp.bpf")
  end
  -- Opened now: after the join, /sys/fs/cgroup is the container's.
  prepared.cgroup_procs = {}
  for _, dir in ipairs(recorded.cgroups or {}) do
    local path = dir .. "/cgroup.procs"
    prepared.cgroup_procs[#prepared.cgroup_procs + 1] =
      errors.context("cgroup", core.open, path, { "wronly" })
  end
  return recorded, prepared
end

-- Start the command in a child, so that it is created inside the joined
-- PID namespace, and wait for it.
local function run(command, env, recorded, prepared)
  core.sigprocmask("block", container.FORWARDED_SIGNALS)
  local signals <close> = core.signalfd(container.FORWARDED_SIGNALS)
  -- Until it execs, the child runs cfs inside the container's PID
  -- namespace, where the container's processes can see it: main() sealed
  -- the binary, and the child is not dumpable.
  local child = core.clone({}, function()
    core.prctl("set_dumpable", 0)
    -- As in cfs run: what the caller of cfs left open stays outside.
    core.close_range(3, nil, { "cloexec" })
    container.check_command(command[1], env.PATH)
    errors.context("hardening", hardening.apply, recorded, prepared)
    cfs.exec(command[1], command, env)
  end, {
    prepare = function(c)
      for _, procs in ipairs(prepared.cgroup_procs) do
        errors.context("cgroup", procs.write, procs, tostring(c.pid))
      end
    end,
  })
  local how, code = container.supervise(child, signals)
  child:close()
  return cfs.exit_status(how, code)
end

function M.main(argv)
  local values, first = options.parse("exec", M.options, argv)
  if values.help then
    print(require("cfs.cli.help").text(M))
    return 0
  end
  local name = argv[first]
  if name == nil then
    errors.usage("exec", "missing container name")
  end
  local start = first + 1
  if argv[start] == "--" then
    start = start + 1
  end
  local command = table.move(argv, start, #argv, 1, {})
  if #command == 0 or command[1] == "" then
    errors.usage("exec", "missing command")
  end
  if values.workdir and values.workdir:sub(1, 1) ~= "/" then
    errors.usage("exec", string.format("working directory '%s' is not an absolute path",
      values.workdir))
  end

  -- The command's parent is cfs, in the container's PID namespace, where
  -- its /proc/PID/exe would lead to the binary on the host: run sealed.
  core.exe_seal()
  local st = state.find(name, "exec")
  if st.status ~= "running" then
    errors.raise(string.format("container '%s' is still starting", name), { context = "exec" })
  end
  local env = parse_env(st.env, values.env)
  local recorded, prepared = security(st)
  errors.context("exec", enter.join, st, { cwd = values.workdir })
  return run(command, env, recorded, prepared)
end

return M
