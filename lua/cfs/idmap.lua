--- User namespace ID maps, written by the parent while the child waits on
-- the clone sync pipe. The kernel accepts each map file once, in a single
-- write, and an unprivileged writer must deny setgroups before writing
-- gid_map.
local core = require "cfs.core"

local M = {}

--- Map root in the child's user namespace to the caller's own uid and gid,
-- the one mapping an unprivileged process may write for itself.
-- @tparam int pid the child, still waiting to be released
function M.map_self(pid)
  local proc = "/proc/" .. pid
  core.write_file(proc .. "/setgroups", "deny")
  core.write_file(proc .. "/uid_map", string.format("0 %d 1\n", core.geteuid()))
  core.write_file(proc .. "/gid_map", string.format("0 %d 1\n", core.getegid()))
end

return M
