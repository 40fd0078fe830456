-- The PID namespace: the first process in it is PID 1, and it sees only
-- its own descendants once a /proc for the namespace is mounted.
--
-- Run:   cfs recipe recipes/pid.lua
-- Needs: root and the busybox-static package (the busybox tree gives ps).
local cfs = require "cfs"

local root = cfs.rootfs.default()
local child = cfs.clone({ "pid", "mnt" }, function()
  print("inside: getpid() = " .. cfs.getpid())
  -- A new /proc shows this namespace; mount it privately inside the root.
  cfs.mount(nil, "/", nil, { "rec", "private" })
  cfs.chroot(root)
  cfs.chdir("/")
  cfs.mount("proc", "/proc", "proc", { "nosuid", "nodev", "noexec" })
  cfs.exec("/bin/ps", { "ps", "-o", "pid,comm" }, { PATH = "/bin" })
end)
print("host: the child's PID out here is " .. child.pid)
local how, code = child:wait()
print("child " .. how .. " with " .. code)
