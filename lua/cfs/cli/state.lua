--- `cfs state NAME`: print a running container's state as JSON.
local errors = require "cfs.errors"
local json = require "cfs.json"
local options = require "cfs.cli.options"
local state = require "cfs.state"

local M = {}

M.summary = "print the state of a running container as JSON"
M.usage = "cfs state NAME"
M.help = [[
Print the state that cfs records for the running container NAME: name,
status, pid and pid_start_time (its first process as the host sees it,
and that process's start time in clock ticks after boot), cfs_pid and
cfs_start_time (the cfs run that supervises it), created (UTC),
command, env, cwd, hostname, rootfs, init, tty, and namespaces (each
namespace it was created in, with the kernel's identity of it). See
docs/lifecycle.md.]]

M.options = {
  { name = "help", short = "h", help = "show this help" },
}

function M.main(argv)
  local values, first = options.parse("state", M.options, argv)
  if values.help then
    print(require("cfs.cli.help").text(M))
    return 0
  end
  local name = argv[first]
  if name == nil then
    errors.usage("state", "missing container name")
  end
  if argv[first + 1] ~= nil then
    errors.usage("state", string.format("unexpected argument '%s'", argv[first + 1]))
  end
  print(json.encode(state.find(name, "state"), { indent = "  " }))
  return 0
end

return M
