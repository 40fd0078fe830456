--- `cfs help [COMMAND]`: the global help, or one command's usage and options.
local errors = require "cfs.errors"
local options = require "cfs.cli.options"

local M = {}

M.summary = "show help for cfs or for one command"
M.usage = "cfs help [COMMAND]"
M.help = "Show the commands, or the usage and options of COMMAND."

--- The full help text of a command module.
function M.text(command)
  local parts = { "usage: " .. command.usage, "", command.help }
  if command.options and #command.options > 0 then
    parts[#parts + 1] = ""
    parts[#parts + 1] = "options:"
    parts[#parts + 1] = options.help(command.options)
  end
  return table.concat(parts, "\n")
end

function M.main(argv)
  local cli = require "cfs.cli"
  if #argv > 1 then
    errors.usage("help", "too many arguments")
  end
  if argv[1] == nil then
    print(cli.global_help())
    return 0
  end
  local command = cli.command(argv[1])
  if not command then
    errors.raise(string.format("unknown command '%s'", argv[1]), { hint = "see 'cfs help'" })
  end
  print(M.text(command))
  return 0
end

return M
