-- The "containers from scratch" walkthrough, run for real.
--
-- What it shows, one step at a time: the UTS namespace (a hostname of its
-- own), the PID namespace (the process is PID 1), a root filesystem
-- (chroot into a busybox tree), /proc (so ps sees only the container) and
-- the mount namespace (a mount made inside is absent from the host). Each
-- step prints what it did and what proves it.
--
-- Run:   cfs recipe recipes/demo.lua            (non-interactive, exits 0)
--        cfs recipe recipes/demo.lua --shell    (ends in a shell inside)
-- Needs: root (or user namespaces) and the busybox-static package; the
--        busybox tree is built and cached on first use.
local cfs = require "cfs"

local want_shell = arg[1] == "--shell"
if arg[1] and not want_shell then
  error("usage: cfs recipe recipes/demo.lua [--shell]", 0)
end

local function step(title)
  io.write("\n== ", title, "\n")
end

local function say(fmt, ...)
  io.write("   ", string.format(fmt, ...), "\n")
  io.flush()
end

-- Namespaces a non-root user must add to be allowed the others.
local function with_user(list)
  if cfs.geteuid() ~= 0 then
    table.insert(list, 1, "user")
  end
  return list
end

-- Map root inside to ourselves when running unprivileged; root needs nothing.
local prepare = {
  prepare = function(child)
    if cfs.geteuid() ~= 0 then
      require("cfs.idmap").map_self(child.pid)
    end
  end,
}

local function sorted(list)
  table.sort(list)
  return list
end

local function run_child(namespaces, fn)
  local child = cfs.clone(with_user(namespaces), fn, prepare)
  local how, code = child:wait()
  if how ~= "exited" or code ~= 0 then
    error(string.format("step failed: child %s with %d", how, code), 0)
  end
end

local host_name = cfs.gethostname()
local root = cfs.rootfs.default()
io.write("cfs demo: containers from scratch\n")
io.write("host hostname: ", host_name, ", host PID of this recipe: ", cfs.getpid(), "\n")

step("1. UTS namespace: a hostname of its own")
say("clone({'uts'}) starts a child in a new UTS namespace; it calls sethostname('container').")
run_child({ "uts" }, function()
  cfs.sethostname("container")
  say("inside: gethostname() = %s", cfs.gethostname())
end)
say("host:   gethostname() = %s (unchanged)", cfs.gethostname())

step("2. PID namespace: the first process is PID 1")
say("clone({'pid'}) makes the child the first process of a new PID namespace.")
local child = cfs.clone(with_user { "pid" }, function()
  say("inside: getpid() = %d", cfs.getpid())
end, prepare)
child:wait()
say("host:   the same process had PID %d", child.pid)

step("3. Root filesystem: chroot into a busybox tree")
say("root filesystem: %s", root)
say("host:   ls / = %s", table.concat(sorted(cfs.readdir("/")), " "))
run_child({ "mnt" }, function()
  cfs.chroot(root)
  cfs.chdir("/")
  say("inside: chroot('%s'); ls / = %s", root, table.concat(sorted(cfs.readdir("/")), " "))
end)

step("4. /proc: ps sees only the container")
say("Inside new uts, pid and mnt namespaces: chroot, then mount('proc', '/proc', 'proc').")
run_child({ "uts", "pid", "mnt" }, function()
  cfs.mount(nil, "/", nil, { "rec", "private" })
  cfs.sethostname("container")
  cfs.chroot(root)
  cfs.chdir("/")
  cfs.mount("proc", "/proc", "proc", { "nosuid", "nodev", "noexec" })
  say("inside: ps")
  io.flush()
  local ps = cfs.clone({}, function()
    cfs.exec("/bin/ps", { "ps", "-o", "pid,comm" }, { PATH = "/bin" })
  end)
  ps:wait()
end)

step("5. Mount namespace: mounts made inside stay inside")
say("The child makes / private, mounts a tmpfs named 'cfs-demo' and waits;")
say("meanwhile the host looks for it in its own mount table.")
local ready_r, ready_w = cfs.pipe()
local go_r, go_w = cfs.pipe()
child = cfs.clone(with_user { "mnt" }, function()
  ready_r:close()
  go_w:close()
  cfs.mount(nil, "/", nil, { "rec", "private" })
  cfs.mount("cfs-demo", "/mnt", "tmpfs", { "nosuid", "nodev" }, "size=1m")
  local inside = cfs.fs.read_file("/proc/self/mountinfo")
  say("inside: /proc/self/mountinfo mentions cfs-demo: %s",
    tostring(inside:find("cfs-demo", 1, true) ~= nil))
  ready_w:write("x")
  go_r:read(1)
end, prepare)
ready_w:close()
go_r:close()
ready_r:read(1)
local host_table = cfs.fs.read_file("/proc/self/mountinfo")
say("host:   /proc/self/mountinfo mentions cfs-demo: %s",
  tostring(host_table:find("cfs-demo", 1, true) ~= nil))
go_w:close()
child:wait()

step("All together: cfs run")
say("`cfs run` does all of the above (with pivot_root instead of chroot):")
io.flush()
local status = cfs.container.run(cfs.spec.new {
  hostname = "container",
  command = { "/bin/sh", "-c", "echo \"   hostname=$(hostname) pid=$$\"; ps -o pid,comm" },
})
say("host hostname is still %s", cfs.gethostname())
if want_shell then
  step("A shell inside the container (type exit to leave)")
  status = cfs.container.run(cfs.spec.new { hostname = "container" })
end
return status
