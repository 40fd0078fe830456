--- Entering a running container, as `cfs exec` does: join its namespaces,
-- then its root and working directory. The caller then forks (cfs.clone),
-- because joining a PID namespace only applies to children: the process
-- that runs the command must be created after the join.
local core = require "cfs.core"
local errors = require "cfs.errors"
local state = require "cfs.state"

local M = {}

--- The order in which the per-path method joins namespaces. The user
-- namespace comes first, because it grants the capabilities the other
-- joins need; the mount namespace comes last, because joining it changes
-- what the paths under /proc/PID/ns/ resolve to.
M.ORDER = { "user", "cgroup", "ipc", "net", "pid", "time", "uts", "mnt" }

-- The namespaces recorded for the container, in M.ORDER.
local function ordered(namespaces)
  local list = {}
  for _, name in ipairs(M.ORDER) do
    if namespaces[name] then
      list[#list + 1] = name
    end
  end
  return list
end

-- Raise unless the container's namespaces are still the recorded ones.
local function check_namespaces(st, names)
  for _, name in ipairs(names) do
    local path = string.format("/proc/%d/ns/%s", st.pid, name)
    local ok, link = pcall(core.readlink, path)
    if not ok or link ~= st.namespaces[name] then
      errors.raise(string.format("container '%s' has ended", st.name), { context = "exec" })
    end
  end
end

--- Join the namespaces of process pid one by one, through /proc/PID/ns/NAME,
-- in M.ORDER. For kernels before 5.8, which cannot setns through a pidfd.
-- @tparam int pid
-- @tparam {string,...} names in M.ORDER
function M.join_by_path(pid, names)
  for _, name in ipairs(names) do
    core.setns(string.format("/proc/%d/ns/%s", pid, name), name)
  end
end

--- Join a running container: its namespaces, its root (through
-- /proc/PID/root) and then `cwd` inside it.
-- @tparam table st the container's state, from cfs.state.find
-- @tparam[opt] table opts cwd (default: st.cwd); method = "pidfd" (the
--   default: all namespaces in one step, falling back to "path" on kernels
--   before 5.8) or "path"
-- @raise cfs.Error when the container has ended or a join fails
function M.join(st, opts)
  opts = opts or {}
  local names = ordered(st.namespaces or {})

  local pidfd <close> = state.pidfd(st, "exec")
  check_namespaces(st, names)

  -- Opened before the joins, while /proc is still the host's.
  local root <close> = core.open(string.format("/proc/%d/root", st.pid), { "path", "directory" })

  -- Past this point a module search would read the container's files, and
  -- code loaded from there would run with cfs's privileges: only modules
  -- loaded already (package.loaded) and package.preload remain reachable.
  package.searchers = { package.searchers[1] }

  if #names > 0 then
    local method = opts.method or "pidfd"
    local ok, err = true, nil
    if method == "pidfd" then
      ok, err = pcall(core.pidfd_setns, pidfd, names)
    end
    if method == "path" or (not ok and err.code == "EINVAL" and M.pidfd_unsupported()) then
      M.join_by_path(st.pid, names)
    elseif not ok then
      error(err, 0)
    end
  end

  if st.namespaces and st.namespaces.user then
    -- Joining keeps the caller's IDs, which may have no mapping inside (root
    -- of the host shows as the overflow ID 65534 and cannot create files).
    -- The container's command runs as root of its user namespace: so does this.
    core.setresgid(0, 0, 0)
    core.setresuid(0, 0, 0)
  end
  core.fchdir(root)
  core.chroot(".")
  core.chdir(opts.cwd or st.cwd or "/")
end

--- True when this kernel cannot setns through a pidfd (before 5.8). Such a
-- kernel returns EINVAL for a pidfd even with a valid namespace set.
function M.pidfd_unsupported()
  local self <close> = core.pidfd_open(core.getpid())
  local ok, err = pcall(core.pidfd_setns, self, { "uts" })
  return not ok and err.code == "EINVAL"
end

return M
