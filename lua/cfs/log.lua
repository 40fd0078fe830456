--- The one logger: writes "cfs: LEVEL: message" lines to stderr. The level
-- is "warn" by default, "debug" with CFS_DEBUG=1 or `cfs -v`.
local M = {}

local LEVELS = { error = 1, warn = 2, info = 3, debug = 4 }

local function initial_level()
  local debug = os.getenv("CFS_DEBUG")
  if debug and debug ~= "" and debug ~= "0" then
    return LEVELS.debug
  end
  return LEVELS.warn
end

local current = initial_level()

--- Set the level by name: "error", "warn", "info" or "debug".
function M.set_level(name)
  local level = LEVELS[name]
  if not level then
    error(string.format("unknown log level '%s'", tostring(name)), 2)
  end
  current = level
end

--- True when messages of this level are written.
function M.enabled(name)
  return LEVELS[name] <= current
end

local function writer(name)
  local level = LEVELS[name]
  return function(fmt, ...)
    if level <= current then
      io.stderr:write("cfs: ", name, ": ", string.format(fmt, ...), "\n")
    end
  end
end

M.error = writer("error")
M.warn = writer("warn")
M.info = writer("info")
M.debug = writer("debug")

return M
