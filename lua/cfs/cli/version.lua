--- `cfs version`: the version of cfs and of the Lua it embeds.
local core = require "cfs.core"
local errors = require "cfs.errors"

local M = {}

M.summary = "print the version"
M.usage = "cfs version"
M.help = "Print the version of cfs and of the embedded Lua."

function M.main(argv)
  if #argv > 0 then
    errors.usage("version", "no arguments expected")
  end
  print(string.format("cfs %s (%s)", core.version, _VERSION))
  return 0
end

return M
