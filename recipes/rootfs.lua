-- pivot_root, step by step: how a container swaps its root filesystem, and
-- why the host's root is gone from it afterwards, not merely out of reach
-- as after chroot.
--
-- Run:   cfs recipe recipes/rootfs.lua [ROOTFS_DIR]
-- Needs: root, or unprivileged user namespaces (the recipe then adds one).
--        Without ROOTFS_DIR it uses the cached busybox tree, built from the
--        host's busybox-static on first use.
-- Every step runs in a child with its own mount and PID namespaces, and
-- the new root is bound read-only, so nothing changes on the host.
local cfs = require "cfs"

local MODE_DIR = tonumber("755", 8)

local function say(fmt, ...)
  io.write(string.format(fmt, ...), "\n")
  io.stdout:flush()
end

-- Mount points this process can see, from its /proc/self/mountinfo.
local function mount_points()
  local list = {}
  for line in io.lines("/proc/self/mountinfo") do
    list[#list + 1] = line:match("^%S+ %S+ %S+ %S+ (%S+)")
  end
  return list
end

local function sorted(list)
  table.sort(list)
  return list
end

local dir = arg[1] and cfs.realpath(arg[1]) or cfs.rootfs.default()
local namespaces = { "mnt", "pid" }
local opts
if cfs.geteuid() ~= 0 then
  table.insert(namespaces, 1, "user")
  opts = { prepare = function(child) cfs.idmap.map_self(child.pid) end }
end

say("new root: %s", dir)
local status = cfs.isolate(namespaces, function()
  say("1. make every mount private, so nothing below reaches the host")
  cfs.mounts.isolate_propagation("private")
  say("   this namespace sees %d mounts, copied from the host", #mount_points())

  say("2. bind the new root onto itself: pivot_root needs a mount point")
  cfs.mount(dir, dir, nil, { "bind", "rec" })
  cfs.mount_setattr(dir, { set = { "rdonly" }, recursive = true })
  say("   made read-only too, so this demo cannot change the tree")

  -- pivot_root puts the old root on a directory under the new one; a tmpfs
  -- gives that directory a place without writing into the tree.
  cfs.mount("tmpfs", dir .. "/mnt", "tmpfs", nil, "mode=755")
  cfs.mkdir(dir .. "/mnt/oldroot", MODE_DIR)

  say("3. pivot_root(new root, new root/mnt/oldroot)")
  cfs.pivot_root(dir, dir .. "/mnt/oldroot")
  cfs.chdir("/")
  cfs.mount("proc", "/proc", "proc", { "nosuid", "nodev", "noexec" })
  local old = sorted(cfs.readdir("/mnt/oldroot"))
  say("   / is now the new root: %s", table.concat(sorted(cfs.readdir("/")), " "))
  say("   the old root is still there, at /mnt/oldroot: %s", table.concat(old, " "))
  say("   %d mounts are visible, most of them the host's", #mount_points())

  say("4. detach the old root: umount2('/mnt/oldroot', MNT_DETACH)")
  cfs.umount("/mnt/oldroot", { "detach" })

  say("5. the old root is gone")
  local left = cfs.readdir("/mnt/oldroot")
  say("   /mnt/oldroot holds %d entries: it is an empty directory again", #left)
  say("   visible mounts: %s", table.concat(mount_points(), " "))
  if #left ~= 0 then
    error("the old root is still visible", 0)
  end
end, opts)
say("the child exited with %d; its mounts went with its namespace", status)
return status
