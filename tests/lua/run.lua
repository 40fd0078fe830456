-- Runs every tests/lua/test_*.lua file with the harness and prints one
-- summary line. Run as: build/cfs recipe tests/lua/run.lua [FILE...]
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local harness = require "harness"

local files = {}
if #arg > 0 then
  files = { table.unpack(arg) }
else
  for _, name in ipairs(cfs.readdir(dir)) do
    if name:match("^test_.*%.lua$") then
      files[#files + 1] = dir .. "/" .. name
    end
  end
  table.sort(files)
end

local failed, total = 0, 0
for _, file in ipairs(files) do
  local chunk = assert(loadfile(file))
  chunk()
  local f, n = harness.run(file:match("([^/]*)%.lua$"))
  failed = failed + f
  total = total + n
end
io.write(string.format("lua: %d passed, %d failed\n", total - failed, failed))
return failed == 0 and 0 or 1
