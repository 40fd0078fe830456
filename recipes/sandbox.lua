-- sandbox.lua: a locked-down container, and what its command can still do.
--
-- The command runs with no capabilities at all, no_new_privs, the default
-- seccomp profile, a read-only root filesystem and a network namespace of
-- its own, which holds only the loopback interface. It reports its
-- capability sets and then tries to write to /, to mount, to start a user
-- namespace and to reach an address outside (192.0.2.1, reserved for
-- documentation); every attempt fails.
--
-- Run:   sudo cfs recipe recipes/sandbox.lua
-- Needs: root (or user namespaces), and the busybox-static package for the
--        default root filesystem.
local container = require "cfs.container"
local spec = require "cfs.spec"

local script = [[
grep -E '^(Cap(Prm|Eff|Bnd)|NoNewPrivs|Seccomp):' /proc/self/status
touch /written 2>/dev/null && echo "write to /: allowed" || echo "write to /: refused"
mount -t tmpfs none /mnt 2>/dev/null && echo "mount: allowed" || echo "mount: refused"
unshare -U true 2>/dev/null && echo "user namespace: allowed" || echo "user namespace: refused"
echo "network interfaces:" $(awk -F: 'NR > 2 {print $1}' /proc/net/dev)
ping -c 1 -W 1 192.0.2.1 >/dev/null 2>&1 && echo "ping 192.0.2.1: answered" \
  || echo "ping 192.0.2.1: no route"
]]

local s = spec.new {
  namespaces = { "uts", "pid", "mnt", "ipc", "net" },
  hostname = "sandbox",
  readonly = true,
  capabilities = {},
  seccomp = "default",
  command = { "/bin/sh", "-c", script },
}
local status = container.run(s)
print("sandbox exited with status " .. status)
return status
