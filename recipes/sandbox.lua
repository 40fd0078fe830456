-- sandbox.lua: a locked-down container, and what its command can still do.
--
-- The command runs with no capabilities at all, no_new_privs, the default
-- seccomp profile, a read-only root filesystem and a network namespace of
-- its own, which holds only a loopback interface that is down. It reports
-- its capability sets and then tries to write to /, to mount, to start a
-- user namespace and to reach the network; every attempt fails.
--
-- Run:   sudo cfs recipe recipes/sandbox.lua
-- Needs: root (or user namespaces), and the busybox-static package for the
--        default root filesystem.
local container = require "cfs.container"
local mounts = require "cfs.mounts"
local spec = require "cfs.spec"

-- The root is made read-only with a bind remount after /proc is mounted on
-- it: a remount changes only the one mount, not the mounts below it.
local plan = mounts.default_plan()
plan[#plan + 1] = { target = "/", flags = { "remount", "bind", "ro" } }

-- Standard error is closed (2>&-) for the attempts expected to fail, since
-- the busybox root has no /dev/null.
local script = [[
grep -E '^(Cap(Prm|Eff|Bnd)|NoNewPrivs|Seccomp):' /proc/self/status
touch /written 2>&- && echo "write to /: allowed" || echo "write to /: refused"
mount -t tmpfs none /mnt 2>&- && echo "mount: allowed" || echo "mount: refused"
unshare -U true 2>&- && echo "user namespace: allowed" || echo "user namespace: refused"
echo "network interfaces:" $(awk -F: 'NR > 2 {print $1}' /proc/net/dev)
ping -c 1 -W 1 127.0.0.1 >&- 2>&- && echo "ping 127.0.0.1: answered" \
  || echo "ping 127.0.0.1: no answer"
]]

local s = spec.new {
  namespaces = { "uts", "pid", "mnt", "ipc", "net" },
  hostname = "sandbox",
  mounts = plan,
  capabilities = {},
  seccomp = "default",
  command = { "/bin/sh", "-c", script },
}
local status = container.run(s)
print("sandbox exited with status " .. status)
return status
