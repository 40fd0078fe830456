--- Error helpers for the Lua library: errors for bad user input that print
-- like the primitives' own, context for a failed step, and hints where the
-- errno alone misleads.
local core = require "cfs.core"

local M = {}

local ERROR_META = getmetatable(core.error { msg = "probe" })

--- True when v is a cfs.Error.
function M.is_error(v)
  return getmetatable(v) == ERROR_META
end

--- A cfs.Error for bad user input, which the host reports as one line with
-- exit status 125.
-- @tparam string msg what is wrong, naming the value
-- @tparam[opt] table fields more fields: context, hint, status
function M.new(msg, fields)
  local t = { msg = msg, status = 125 }
  for k, v in pairs(fields or {}) do
    t[k] = v
  end
  return core.error(t)
end

--- Raise M.new(msg, fields).
function M.raise(msg, fields)
  error(M.new(msg, fields), 0)
end

--- Raise a usage error for a CLI command, pointing at its help.
-- @tparam string command such as "run"
-- @tparam string msg
function M.usage(command, msg)
  M.raise(msg, { context = command, hint = string.format("see 'cfs help %s'", command) })
end

-- Errnos whose usual text sends the reader the wrong way, by operation.
local HINTS = {
  mount = {
    EPERM = "mounting needs CAP_SYS_ADMIN; in a user namespace, proc and sysfs also need "
      .. "a PID or network namespace of its own",
    ENOSPC = "the mount table is full; see /proc/sys/fs/mount-max",
    EACCES = "a folder on the way cannot be entered; with --uid-map, container root is "
      .. "another host user, which cannot enter a private folder such as the rootfs cache: "
      .. "use --rootfs with a directory that user can read",
  },
  pivot_root = {
    EINVAL = "the new root must be a mount point and / must not be shared; "
      .. "an initramfs root cannot be pivoted",
    EBUSY = "the new root must be a mount point: bind-mount it onto itself first",
  },
  clone = {
    EPERM = "creating these namespaces needs root, or user namespaces (see 'cfs help run')",
    ENOSPC = "a namespace limit is reached; see /proc/sys/user/max_*_namespaces",
    EUSERS = "user namespaces nest too deep",
    EAGAIN = "no process can be made: the --pids limit or the nproc rlimit is reached",
  },
  unshare = {
    EPERM = "creating these namespaces needs root, or user namespaces",
  },
}

--- Add a hint to err when its errno is known to mislead, and return err.
function M.hint(err)
  if M.is_error(err) and not err.hint then
    local by_code = HINTS[err.op]
    err.hint = by_code and by_code[err.code]
  end
  return err
end

--- Kernel settings that turn user namespaces off: the file, the value that
-- does it, the sysctl name and a value that turns them back on. Those
-- marked `unprivileged` stop only callers other than root.
M.USERNS_SETTINGS = {
  { path = "/proc/sys/user/max_user_namespaces", off = "0", sysctl = "user.max_user_namespaces",
    on = "10000" },
  { path = "/proc/sys/kernel/unprivileged_userns_clone", off = "0",
    sysctl = "kernel.unprivileged_userns_clone", on = "1", unprivileged = true },
  { path = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns", off = "1",
    sysctl = "kernel.apparmor_restrict_unprivileged_userns", on = "0", unprivileged = true },
}

local function read_setting(path)
  local f = io.open(path, "r")
  if not f then
    return nil
  end
  local value = f:read("l")
  f:close()
  return value
end

--- The hint for a failure to create or set up a user namespace: which
-- setting turns them off and how to change it, or nil when none does.
-- @tparam[opt] function read returns a file's first line, or nil when it
--   is absent (default: reads the file)
-- @tparam[opt] boolean root the caller is root (default: euid is 0)
-- @treturn string|nil
function M.userns_hint(read, root)
  read = read or read_setting
  if root == nil then
    root = core.geteuid() == 0
  end
  for _, s in ipairs(M.USERNS_SETTINGS) do
    local value = read(s.path)
    if value and value:match("^%s*(.-)%s*$") == s.off and not (root and s.unprivileged) then
      return string.format("user namespaces are disabled: %s is %s; as root, run "
        .. "'sysctl -w %s=%s'", s.path, s.off, s.sysctl, s.on)
    end
  end
  return nil
end

--- Give err the user namespace hint when a setting explains it, and return err.
function M.userns(err)
  if M.is_error(err) then
    local code = err.code
    if code == "EPERM" or code == "EACCES" or code == "ENOSPC" then
      err.hint = M.userns_hint() or err.hint
    end
  end
  return err
end

--- Put "context: " in front of err's message and return err; a string
-- error becomes a cfs.Error so the context and fields can travel with it.
-- @param err a cfs.Error or a string
-- @tparam string context such as "rootfs '/srv/root'"
function M.wrap(err, context)
  if not M.is_error(err) then
    err = core.error { msg = tostring(err) }
  end
  if err.context then
    err.context = context .. ": " .. err.context
  else
    err.context = context
  end
  return M.hint(err)
end

--- Call fn(...); on error, raise it again with context added.
function M.context(context, fn, ...)
  local results = table.pack(pcall(fn, ...))
  if not results[1] then
    error(M.wrap(results[2], context), 0)
  end
  return table.unpack(results, 2, results.n)
end

return M
