--- `cfs recipe FILE [ARG...]`: run a Lua program with the cfs module at
-- hand, the way `lua FILE ARG...` would.
local errors = require "cfs.errors"

local M = {}

M.summary = "run a Lua recipe"
M.usage = "cfs recipe FILE.lua [ARG...]"
M.help = [[
Run FILE.lua. It gets the cfs module as the global `cfs` (and from
require "cfs"), its arguments in the global table `arg` (arg[0] is FILE,
arg[1] the first argument) and as `...`. An integer it returns is the exit
status. See docs/recipes.md and docs/lua-api.md.]]

M.options = {}

function M.main(argv)
  local file = argv[1]
  if file == nil then
    errors.usage("recipe", "missing recipe file")
  end
  if file == "-h" or file == "--help" then
    print(require("cfs.cli.help").text(M))
    return 0
  end

  local chunk, msg = loadfile(file, "t")
  if not chunk then
    -- loadfile reports a missing file as "cannot open FILE: ..." and a syntax
    -- error as "FILE:LINE: ...": both already name the file.
    errors.raise(msg, { context = "recipe" })
  end

  local args = { [0] = file }
  for i = 2, #argv do
    args[i - 1] = argv[i]
  end
  _G.arg = args
  _G.cfs = require "cfs"
  local status = chunk(table.unpack(args, 1, #args))
  if status == nil or status == true then
    return 0
  end
  if status == false then
    return 1
  end
  if math.type(status) ~= "integer" or status < 0 or status > 255 then
    errors.raise(string.format("'%s' returned %s, expected an exit status from 0 to 255",
      file, tostring(status)), { context = "recipe" })
  end
  return status
end

return M
