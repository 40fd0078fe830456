--- `cfs kill NAME [SIGNAL]`: send a signal to a running container.
local core = require "cfs.core"
local errors = require "cfs.errors"
local options = require "cfs.cli.options"
local state = require "cfs.state"

local M = {}

M.summary = "send a signal to a running container"
M.usage = "cfs kill NAME [SIGNAL]"
M.help = [[
Send SIGNAL (default TERM) to the first process of the running container
NAME: the command, or the init with 'cfs run --init', which passes it on.
SIGNAL is a name (TERM, SIGTERM, kill) or a number (15).

A command running as PID 1 without --init does not get signals it has no
handler for: the kernel protects the first process of a PID namespace. KILL
ends it in any case.]]

M.options = {
  { name = "help", short = "h", help = "show this help" },
}

--- The number of a signal given as a name or a decimal number.
-- @raise cfs.Error (status 125) for an unknown signal
function M.parse_signal(text)
  local value = text:match("^%d+$") and math.tointeger(tonumber(text)) or text
  local ok, signo = pcall(core.signum, value)
  if not ok then
    errors.usage("kill", string.format("unknown signal '%s'", text))
  end
  return signo
end

function M.main(argv)
  local values, first = options.parse("kill", M.options, argv)
  if values.help then
    print(require("cfs.cli.help").text(M))
    return 0
  end
  local name, signal = argv[first], argv[first + 1]
  if name == nil then
    errors.usage("kill", "missing container name")
  end
  if argv[first + 2] ~= nil then
    errors.usage("kill", string.format("unexpected argument '%s'", argv[first + 2]))
  end
  local signo = M.parse_signal(signal or "TERM")
  local st = state.find(name, "kill")
  if not st.pid then
    errors.raise(string.format("container '%s' is still starting", name), { context = "kill" })
  end

  local pidfd <close> = state.pidfd(st, "kill")
  if not core.pidfd_send_signal(pidfd, signo) then
    errors.raise(string.format("container '%s' has ended", name), { context = "kill" })
  end
  return 0
end

return M
