-- limits.lua: cgroup limits seen from the inside while they bite.
--
-- A child process in a cgroup with a 32 MiB memory limit grows by 4 MiB at a
-- time and prints what the cgroup accounts, until the kernel's out-of-memory
-- killer ends it. Then a child in a cgroup with a limit of 16 processes
-- forks until the kernel refuses. The cgroup is removed at the end.
--
-- Run:   sudo cfs recipe recipes/limits.lua
-- Needs: root, and the memory and pids controllers, on cgroup v1 or v2.
local cgroup = require "cfs.cgroup"

local MEMORY_LIMIT = "32M"
local PIDS_LIMIT = 16
local STEP = 4 * 1024 * 1024

local function mib(bytes)
  return bytes // (1024 * 1024)
end

local group <close> = cgroup.create({ "memory", "pids" }, { watch = true })
cgroup.set(group, { memory = MEMORY_LIMIT, pids = PIDS_LIMIT })
print(string.format("cgroup %s: memory %s, pids %d", group.name, MEMORY_LIMIT, PIDS_LIMIT))

local function in_group(fn)
  return cfs.clone({}, fn, {
    prepare = function(child)
      cgroup.add(group, child.pid)
    end,
  })
end

-- Memory: keep every step reachable, so nothing can be freed.
local grower = in_group(function()
  local kept = {}
  while true do
    kept[#kept + 1] = string.rep(string.char(#kept % 256), STEP)
    local usage = cgroup.stats(group).memory.current
    io.write(string.format("  grown by %3d MiB, the cgroup accounts %3d MiB\n",
      mib(#kept * STEP), mib(usage)))
    io.stdout:flush()
  end
end)
local how, code = grower:wait()
local memory = cgroup.stats(group).memory
print(string.format("memory: the child %s (%s %d); out-of-memory kills: %d, peak %d MiB",
  how == "signaled" and code == 9 and "was killed" or "ended", how, code, memory.oom_kills,
  mib(memory.peak or 0)))

-- Processes: each child waits for the pipe to close, so all stay alive
-- until the fork loop gives up.
local forker = in_group(function()
  local reader, writer = cfs.pipe()
  local children = {}
  while true do
    local child, err = cfs.try(cfs.clone, {}, function()
      writer:close()
      reader:read(1)
      return 0
    end)
    if not child then
      print(string.format("  fork %d failed: %s", #children + 1, err.code))
      break
    end
    children[#children + 1] = child
  end
  writer:close()
  for _, child in ipairs(children) do
    child:wait()
  end
  return #children
end)
local _, forked = forker:wait()
local pids = cgroup.stats(group).pids
print(string.format("pids: the child started %d children, %d processes in all; "
  .. "forks that failed at the limit: %d", forked, forked + 1, pids.limit_hits))
