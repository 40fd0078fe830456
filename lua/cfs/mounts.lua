--- Mount plans: the list of mounts a container gets inside its root, as
-- data, and the code that applies such a list. A recipe can take the
-- default plan, change it, and pass it on.
local core = require "cfs.core"
local fs = require "cfs.fs"

local M = {}

--- The default plan: a /proc for the container's own PID namespace.
-- @treturn {table,...} entries {source, target, fstype, flags, data}, where
--   target is a path inside the container's root
function M.default_plan()
  return {
    { source = "proc", target = "/proc", fstype = "proc", flags = { "nosuid", "nodev", "noexec" } },
  }
end

--- Make every mount private (or slave), recursively, so mounts made in this
-- namespace never reach the host and the host's never reach it.
-- @tparam[opt="private"] string propagation "private" or "slave"
function M.isolate_propagation(propagation)
  core.mount(nil, "/", nil, { "rec", propagation or "private" })
end

--- Apply a plan under root, creating missing mount points.
-- @tparam string root where the container's root is mounted
-- @tparam {table,...} plan
function M.apply(root, plan)
  for _, m in ipairs(plan) do
    local target = fs.join(root, m.target)
    if not fs.exists(target) then
      fs.mkdirs(target)
    end
    core.mount(m.source, target, m.fstype, m.flags, m.data)
  end
end

return M
