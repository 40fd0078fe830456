--- A small getopt for the CLI commands: long options (--name VALUE,
-- --name=VALUE), short ones (-h, -e VALUE), repeatable options, and help
-- text generated from the same table. Parsing stops at "--" or at the
-- first word that is not an option, which starts the command.
local errors = require "cfs.errors"

local M = {}

-- Find the option spec for a long name or a short letter.
local function find(specs, long, short)
  for _, spec in ipairs(specs) do
    if (long and spec.name == long) or (short and spec.short == short) then
      return spec
    end
  end
end

local function store(values, spec, value)
  local key = spec.key or spec.name:gsub("-", "_")
  if spec.list then
    values[key] = values[key] or {}
    table.insert(values[key], value)
  else
    values[key] = value
  end
end

--- Parse argv from index `first`.
-- @tparam string command the command's name, for error messages
-- @tparam {table,...} specs entries {name = "hostname", short = "h", arg = "NAME",
--   list = true, help = "..."}; an option without `arg` is a flag (true)
-- @tparam {string,...} argv
-- @tparam[opt=1] int first
-- @treturn table values by key (the name with "-" as "_")
-- @treturn int index of the first word after the options
function M.parse(command, specs, argv, first)
  local values, i = {}, first or 1
  while i <= #argv do
    local word = argv[i]
    if word == "--" then
      return values, i + 1
    end
    if word:sub(1, 1) ~= "-" or word == "-" then
      break
    end

    local long, inline = word:match("^%-%-([^=]+)=(.*)$")
    long = long or word:match("^%-%-(.+)$")
    local short = not long and word:match("^%-(.)$")
    local spec = (long or short) and find(specs, long, short)
    if not spec then
      errors.usage(command, string.format("unknown option '%s'", word))
    end

    if spec.arg then
      local value = inline
      if value == nil then
        i = i + 1
        value = argv[i]
      end
      if value == nil then
        errors.usage(command, string.format("option '%s' requires a value (%s)", word, spec.arg))
      end
      store(values, spec, value)
    elseif inline ~= nil then
      errors.usage(command, string.format("option '--%s' takes no value", long))
    else
      store(values, spec, true)
    end
    i = i + 1
  end
  return values, i
end

--- Width of help text, in columns.
M.WIDTH = 79

--- Break text into lines of at most `width` columns at spaces; a longer
-- word keeps a line of its own.
function M.wrap(text, width)
  local lines, line = {}, ""
  for word in text:gmatch("%S+") do
    if line == "" then
      line = word
    elseif #line + 1 + #word <= width then
      line = line .. " " .. word
    else
      lines[#lines + 1] = line
      line = word
    end
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

--- Help text for the options, one per line, aligned.
function M.help(specs)
  local lines, width = {}, 0
  local heads = {}
  for i, spec in ipairs(specs) do
    local head = (spec.short and ("-" .. spec.short .. ", ") or "    ") .. "--" .. spec.name
    if spec.arg then
      head = head .. " " .. spec.arg
    end
    heads[i] = head
    width = math.max(width, #head)
  end
  for i, spec in ipairs(specs) do
    local indent = string.rep(" ", width + 4)
    local text = M.wrap(spec.help or "", M.WIDTH - #indent)
    lines[i] = string.format("  %-" .. width .. "s  %s", heads[i], text:gsub("\n", "\n" .. indent))
  end
  return table.concat(lines, "\n")
end

return M
