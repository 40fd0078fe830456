--- The command line: global options, then one command. Each command is a
-- module cfs.cli.NAME with `summary`, `usage`, `help` and `main(argv)`, so
-- adding a module under that name (in $CFS_PATH or the per-user folder)
-- adds a command.
local errors = require "cfs.errors"
local log = require "cfs.log"

local M = {}

--- Commands listed by `cfs help`, in this order.
M.COMMANDS = { "run", "ps", "exec", "kill", "state", "recipe", "rootfs", "help", "version" }

local GLOBAL_HELP = [[
usage: cfs [-v] COMMAND [ARG...]

cfs runs commands in Linux containers built from namespaces, and runs Lua
recipes that build containers step by step from the same primitives.

global options:
  -v, --debug    log each setup step and print tracebacks for errors
  -h, --help     show this help
  --version      print the version

commands:
%s

'cfs help COMMAND' shows the options of one command.]]

--- Load the module of a command, or return nil when there is none.
function M.command(name)
  if type(name) ~= "string" or not name:match("^[a-z][a-z0-9-]*$") then
    return nil
  end
  local module_name = "cfs.cli." .. name:gsub("-", "_")
  local ok, module = pcall(require, module_name)
  if ok and type(module) == "table" and module.main then
    return module
  end
  -- Only "not found" means there is no such command; a module that exists
  -- but fails to load is reported as it is.
  local missing = "module '" .. module_name .. "' not found"
  if not ok and tostring(module):sub(1, #missing) ~= missing then
    error(module, 0)
  end
  return nil
end

--- The names of commands added in the user's folders ($CFS_PATH and the
-- per-user folder), sorted.
function M.user_commands()
  local core = require "cfs.core"
  local names, seen = {}, {}
  for _, name in ipairs(M.COMMANDS) do
    seen[name] = true
  end
  for template in (rawget(package, "cfs_path") or ""):gmatch("[^;]+") do
    local base = template:match("^(.*)/%?%.lua$")
    local ok, files = pcall(core.readdir, (base or "") .. "/cfs/cli")
    for _, file in ipairs(base and ok and files or {}) do
      local name = file:match("^([a-z][a-z0-9_]*)%.lua$")
      name = name and name:gsub("_", "-")
      if name and not seen[name] then
        seen[name] = true
        names[#names + 1] = name
      end
    end
  end
  table.sort(names)
  return names
end

--- The text of `cfs help`.
function M.global_help()
  local lines = {}
  local names = { table.unpack(M.COMMANDS) }
  for _, name in ipairs(M.user_commands()) do
    names[#names + 1] = name
  end
  for _, name in ipairs(names) do
    local ok, command = pcall(M.command, name)
    local summary = ok and command and command.summary or "(fails to load)"
    lines[#lines + 1] = string.format("  %-10s %s", name, summary)
  end
  return GLOBAL_HELP:format(table.concat(lines, "\n"))
end

--- Run the command line; returns the exit status.
-- @tparam {string,...} argv arguments after the program name
function M.main(argv)
  local i = 1
  while argv[i] and argv[i]:sub(1, 1) == "-" do
    local word = argv[i]
    if word == "-v" or word == "--debug" then
      log.set_level("debug")
      require("cfs.core").set_debug(true)
    elseif word == "-h" or word == "--help" then
      print(M.global_help())
      return 0
    elseif word == "--version" then
      argv = { "version" }
      i = 1
      break
    else
      errors.raise(string.format("unknown option '%s'", word), { hint = "see 'cfs help'" })
    end
    i = i + 1
  end

  local name = argv[i]
  if name == nil then
    errors.raise("missing command", { hint = "see 'cfs help'" })
  end
  local command = M.command(name)
  if not command then
    errors.raise(string.format("unknown command '%s'", name), { hint = "see 'cfs help'" })
  end
  return command.main(table.move(argv, i + 1, #argv, 1, {})) or 0
end

return M
