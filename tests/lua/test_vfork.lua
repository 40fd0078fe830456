-- cfs.clone with { vfork = true }: the child runs on the parent's memory
-- until it execs or exits, and the parent waits for that. These tests check
-- that the mode is really taken, that the parent's interpreter survives what
-- the child did in it, and that it behaves like the fork-like mode otherwise.
local t = require "harness"
local cfs = require "cfs"

local VFORK = { vfork = true }

t.test("vfork child exit code", function()
  local how, code = cfs.clone({}, function()
    return 7
  end, VFORK):wait()
  t.eq(how, "exited", "how")
  t.eq(code, 7, "code")
end)

t.test("vfork child execs", function()
  local how, code = cfs.clone({}, function()
    cfs.exec("/bin/sh", { "sh", "-c", "exit 3" })
  end, VFORK):wait()
  t.eq(how, "exited", "how")
  t.eq(code, 3, "code")
end)

t.test("vfork child writes reach parent", function()
  local box = {}
  local child = cfs.clone({}, function()
    box.value = "from the child"
    return 0
  end, VFORK)
  -- clone returned, so the child has exited and its write is in our memory.
  t.eq(box.value, "from the child", "shared write")
  child:wait()
end)

t.test("vfork child sees prepare writes", function()
  local seen = "before prepare"
  local child = cfs.clone({}, function()
    return seen == "set by prepare" and 0 or 1
  end, {
    vfork = true,
    prepare = function()
      seen = "set by prepare"
    end,
  })
  local _, code = child:wait()
  t.eq(code, 0, "child saw the value prepare set")
end)

t.test("vfork parent survives child GC", function()
  local kept = { "a", "b", string.rep("c", 100) }
  for round = 1, 30 do
    local child = cfs.clone({}, function()
      local junk = {}
      for i = 1, 200 do
        junk[i] = { tostring(i) .. "-" .. round }
      end
      collectgarbage("collect")
      return #junk == 200 and 0 or 1
    end, VFORK)
    local _, code = child:wait()
    t.eq(code, 0, "child " .. round)
    collectgarbage("collect")
  end
  t.eq(table.concat(kept, ","), "a,b," .. string.rep("c", 100), "parent data")
end)

t.test("vfork child stack is deep enough", function()
  -- Each pcall nests a C call; 180 stays below Lua's C-stack limit of 200.
  local function nest(n)
    if n == 0 then
      return 42
    end
    local _, value = pcall(nest, n - 1)
    return value
  end
  local _, code = cfs.clone({}, function()
    return nest(180)
  end, VFORK):wait()
  t.eq(code, 42, "value from the deepest call")
end)

t.test("vfork child error exits 125", function()
  local saved = cfs.open("/dev/null", { "wronly" })
  local child = cfs.clone({}, function()
    cfs.dup2(saved, 2)
    error("boom")
  end, VFORK)
  saved:close()
  local how, code = child:wait()
  t.eq(how, "exited", "how")
  t.eq(code, 125, "code")
end)

t.test("vfork prepare error kills child", function()
  local pid
  t.raises("prepare failed", cfs.clone, {}, function()
    return 0
  end, {
    vfork = true,
    prepare = function(c)
      pid = c.pid
      error("prepare failed")
    end,
  })
  local ok, err = cfs.try(cfs.kill, pid, 0)
  t.eq(ok, nil, "child gone")
  t.eq(err.code, "ESRCH", "kill error")
end)

t.test("vfork child is pid 1 of new namespace", function()
  local _, code = cfs.clone({ "pid", "mnt" }, function()
    return cfs.getpid() == 1 and 0 or 1
  end, VFORK):wait()
  t.eq(code, 0, "pid 1")
end)

t.test("vfork with time namespace", function()
  -- clone(2) cannot make a time namespace: this takes the fork-like path.
  local box = {}
  local _, code = cfs.clone({ "time" }, function()
    box.value = "child"
    return 5
  end, VFORK):wait()
  t.eq(code, 5, "code")
  t.eq(box.value, nil, "child had its own copy")
end)

t.test("vfork option must be boolean", function()
  t.raises("boolean expected, got number", cfs.clone, {}, print, { vfork = 1 })
end)
