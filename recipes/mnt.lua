-- The mount namespace: a mount made inside is invisible to the host, as
-- long as / was made private first (otherwise propagation could carry it
-- out to a shared host mount).
--
-- Run:   cfs recipe recipes/mnt.lua
-- Needs: root.
local cfs = require "cfs"

local function mentions(marker)
  return cfs.fs.read_file("/proc/self/mountinfo"):find(marker, 1, true) ~= nil
end

local child = cfs.clone({ "mnt" }, function()
  cfs.mount(nil, "/", nil, { "rec", "private" })
  cfs.mount("cfs-mnt-recipe", "/mnt", "tmpfs", { "nosuid", "nodev" }, "size=1m")
  print("inside: tmpfs on /mnt listed in mountinfo: " .. tostring(mentions("cfs-mnt-recipe")))
end)
child:wait()
print("host:   tmpfs on /mnt listed in mountinfo: " .. tostring(mentions("cfs-mnt-recipe")))
