--- `cfs ps`: list the running containers.
local errors = require "cfs.errors"
local options = require "cfs.cli.options"
local state = require "cfs.state"

local M = {}

M.summary = "list running containers"
M.usage = "cfs ps [-q]"
M.help = [[
List the containers that are running, oldest first: NAME, the PID of
their first process as the host sees it, STATUS (creating while the
container is set up, then running), CREATED (UTC) and COMMAND. Entries
left behind by a cfs that was killed are removed on the way.]]

M.options = {
  { name = "quiet", short = "q", help = "print only the names" },
  { name = "help", short = "h", help = "show this help" },
}

local COLUMNS = { "NAME", "PID", "STATUS", "CREATED", "COMMAND" }

--- The rows of the listing, as lists of strings (the header first).
-- @tparam {table,...} states decoded states from cfs.state.list
function M.rows(states)
  local rows = { COLUMNS }
  for _, st in ipairs(states) do
    local command = type(st.command) == "table" and table.concat(st.command, " ") or ""
    rows[#rows + 1] = {
      st.name,
      st.pid and tostring(st.pid) or "-",
      tostring(st.status),
      tostring(st.created),
      -- A newline in an argument would break the table.
      (command:gsub("%c", "?")),
    }
  end
  return rows
end

--- Format rows as left-aligned columns; the last one is not padded.
function M.format(rows)
  local widths = {}
  for _, row in ipairs(rows) do
    for i = 1, #row - 1 do
      widths[i] = math.max(widths[i] or 0, #row[i])
    end
  end
  local lines = {}
  for _, row in ipairs(rows) do
    local cells = {}
    for i, cell in ipairs(row) do
      cells[i] = i < #row and string.format("%-" .. widths[i] .. "s", cell) or cell
    end
    lines[#lines + 1] = table.concat(cells, "  ")
  end
  return table.concat(lines, "\n")
end

function M.main(argv)
  local values, first = options.parse("ps", M.options, argv)
  if values.help then
    print(require("cfs.cli.help").text(M))
    return 0
  end
  if argv[first] ~= nil then
    errors.usage("ps", string.format("unexpected argument '%s'", argv[first]))
  end
  local states = state.list()
  if values.quiet then
    for _, st in ipairs(states) do
      print(st.name)
    end
    return 0
  end
  print(M.format(M.rows(states)))
  return 0
end

return M
