-- A tiny test harness for the Lua suites, run by the cfs binary itself so
-- the embedded library and the search path are what gets tested.
--
--   local t = require "harness"
--   t.test("mount rejects unknown flag", function() t.raises(...) end)
local M = {}

local tests = {}

--- Register a test.
function M.test(name, fn)
  tests[#tests + 1] = { name = name, fn = fn }
end

local function fail(msg, level)
  error(msg, (level or 1) + 2)
end

--- Check that a equals b.
function M.eq(actual, expected, what)
  if actual ~= expected then
    fail(string.format("%s: expected %q, got %q", what or "value", tostring(expected),
      tostring(actual)))
  end
end

--- Check that cond is true.
function M.ok(cond, what)
  if not cond then
    fail((what or "condition") .. " is false")
  end
end

--- Call fn and check that it raises an error whose text matches pattern.
-- @treturn the error value
function M.raises(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then
    fail("expected an error matching '" .. pattern .. "', got none")
  end
  if not tostring(err):find(pattern) then
    fail(string.format("error %q does not match '%s'", tostring(err), pattern))
  end
  return err
end

--- Run every registered test; returns the number of failures.
function M.run(suite)
  local failed = 0
  for _, t in ipairs(tests) do
    local ok, err = xpcall(t.fn, debug.traceback)
    if not ok then
      failed = failed + 1
      io.write(string.format("FAIL: %s: %s\n  %s\n", suite, t.name, tostring(err)))
    end
  end
  io.write(string.format("%s: %d passed, %d failed\n", suite, #tests - failed, failed))
  local count = #tests
  tests = {}
  return failed, count
end

return M
