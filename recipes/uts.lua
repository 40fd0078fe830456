-- The UTS namespace: a hostname that belongs to the container alone.
--
-- Run:   cfs recipe recipes/uts.lua [NAME]
-- Needs: root (sethostname needs CAP_SYS_ADMIN in the namespace's owner).
local cfs = require "cfs"

local name = arg[1] or "uts-demo"
print("host hostname before: " .. cfs.gethostname())

local child = cfs.clone({ "uts" }, function()
  cfs.sethostname(name)
  print("inside, after sethostname: " .. cfs.gethostname())
end)
child:wait()

print("host hostname after:  " .. cfs.gethostname())
