-- Why PID 1 matters. The first process of a PID namespace has two jobs
-- that ordinary programs do not do. This recipe shows both, first with a
-- plain command as PID 1, then under cfs's init (lua/cfs/pid1.lua, which
-- `cfs run --init` uses).
--
-- 1. A signal. The kernel delivers a signal to PID 1 of a namespace only
--    if PID 1 has a handler for it, except SIGKILL and SIGSTOP sent from
--    an ancestor namespace. `sleep` has no handler, so as PID 1 it ignores
--    the SIGTERM that ends it anywhere else. The init catches every signal
--    and passes it on to the command.
-- 2. A zombie. A process whose parent ends is re-parented to PID 1, and
--    when it ends it stays a zombie until PID 1 waits for it. `sleep` never
--    waits; the init reaps every child.
--
-- Each step prints what it did and what the host sees.
--
-- Run:   cfs recipe recipes/init.lua     (non-interactive, exits 0)
-- Needs: root and the busybox-static package (the busybox tree gives
--        /bin/sleep; it is built and cached on first use).
local cfs = require "cfs"

local ROOT = cfs.rootfs.default()
local ENV = { PATH = "/bin:/usr/bin" }

local function step(title)
  io.write("\n== ", title, "\n")
end

local function say(fmt, ...)
  io.write("   ", string.format(fmt, ...), "\n")
  io.flush()
end

-- Wait a little, using a pidfd as the clock: poll returns early if that
-- process ends, which is fine for a loop that checks again.
local function pause(process)
  cfs.poll({ process.pidfd }, 20)
end

local function comm(pid)
  local f = io.open("/proc/" .. pid .. "/comm")
  if not f then
    return nil
  end
  local name = f:read("l")
  f:close()
  return name
end

-- The host PID of a child of pid running `name`, or nil.
local function child_named(pid, name)
  local f = io.open(string.format("/proc/%d/task/%d/children", pid, pid))
  local text = f and f:read("a") or ""
  if f then
    f:close()
  end
  for child in text:gmatch("%d+") do
    if comm(child) == name then
      return math.tointeger(tonumber(child))
    end
  end
end

-- Poll until test() returns a value (at most about 10 s), and return it.
local function wait_until(process, what, test)
  for _ = 1, 500 do
    local value = test()
    if value then
      return value
    end
    pause(process)
  end
  error("timed out waiting for " .. what, 0)
end

-- The container's command: leave an orphan behind (a `cat` whose parent
-- subshell has already ended, waiting on the FIFO /tmp/go), then become
-- `sleep 1000`.
local SCRIPT = "(cat /tmp/go >/dev/null &); exec sleep 1000"

-- Start a container in new PID and mount namespaces, chrooted into the
-- busybox tree with its own /proc, and a private /dev and /tmp (a
-- background job of sh needs /dev/null). Its PID 1 runs SCRIPT, or, with
-- init = true, runs cfs's init, which runs SCRIPT as its child.
local function start(init)
  return cfs.clone({ "pid", "mnt" }, function()
    cfs.mounts.isolate_propagation()
    cfs.chroot(ROOT)
    cfs.chdir("/")
    cfs.mount("proc", "/proc", "proc", { "nosuid", "nodev", "noexec" })
    for _, dir in ipairs { "/dev", "/tmp" } do
      cfs.mount("tmpfs", dir, "tmpfs", { "nosuid" }, "mode=755")
    end
    cfs.mknod("/dev/null", "char", tonumber("666", 8), 1, 3)
    cfs.mknod("/tmp/go", "fifo", tonumber("600", 8))

    local argv = { "sh", "-c", SCRIPT }
    if init then
      cfs.pid1.run(argv, ENV)
    end
    cfs.exec("/bin/sh", argv, ENV)
  end)
end

-- The host PID of the process named `name` in the container's PID namespace.
local function find(container, name)
  local ns = cfs.readlink("/proc/" .. container.pid .. "/ns/pid")
  for _, entry in ipairs(cfs.readdir("/proc")) do
    local pid = math.tointeger(tonumber(entry))
    if pid and comm(pid) == name then
      local ok, link = pcall(cfs.readlink, "/proc/" .. entry .. "/ns/pid")
      if ok and link == ns then
        return pid
      end
    end
  end
end

local function show(init)
  local label = init and "with cfs's init" or "sleep as PID 1"
  local c = start(init)

  step(label .. ": a signal")
  local sleeper = wait_until(c, "sleep to start", function()
    if not init then
      return comm(c.pid) == "sleep" and c.pid
    end
    return child_named(c.pid, "sleep")
  end)
  if init then
    say("PID 1 is the init (host PID %d); sleep is its child (host PID %d)", c.pid, sleeper)
  else
    say("PID 1 is sleep itself (host PID %d)", sleeper)
  end

  local orphan = wait_until(c, "the orphan", function()
    return find(c, "cat")
  end)
  say("the orphan cat is host PID %d; its parent has ended, so its parent is now PID 1",
    orphan)

  step(label .. ": a zombie")
  -- Opening the FIFO for writing (through the container's root) and closing
  -- it gives cat end of file, so it ends.
  cfs.open(string.format("/proc/%d/root/tmp/go", c.pid), { "wronly" }):close()
  say("let the orphan end")
  -- Without an init the orphan must turn into a zombie and stay one; with
  -- the init it must disappear. Either way, wait until it has.
  wait_until(c, "the orphan to end", function()
    local state = cfs.state.process(orphan)
    if init then
      return state == nil
    end
    return state == "Z"
  end)
  if init then
    say("the orphan ended and is gone: the init reaped it")
  else
    say("the orphan ended and stays a zombie (state Z): sleep never calls wait()")
  end

  step(label .. ": SIGTERM")
  c:kill("TERM")
  say("sent SIGTERM to PID 1")
  if not init then
    -- The kernel drops an ignored signal while sending it, so it is gone by
    -- now: had it been delivered, PID 1 would already be dying of it.
    c:kill("KILL")
    say("sent SIGKILL to PID 1")
  end
  local how, code = c:wait()
  if how == "signaled" then
    say("PID 1 died of signal %d: SIGTERM did nothing, only SIGKILL ended it", code)
  else
    say("PID 1 exited with %d = 128 + %d: the init passed SIGTERM on, sleep died of it,",
      code, code - 128)
    say("and the init exited with sleep's status")
  end
  return how, code
end

local how, code = show(false)
assert(how == "signaled" and code == 9, "sleep as PID 1 should ignore SIGTERM")
how, code = show(true)
assert(how == "exited" and code == 143, "the init should pass SIGTERM on")

step("summary")
say("as PID 1, a program without signal handlers ignores SIGTERM and leaves zombies;")
say("'cfs run --init' puts a small init in front of it that does both jobs")
return 0
