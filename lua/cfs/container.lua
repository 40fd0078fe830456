--- Running a container from a spec: the parent's side (root filesystem,
-- clone, cgroup, ID maps, signal forwarding, waiting) and the child's side
-- (cgroup namespace, propagation, hostname, loopback, mounts, root switch,
-- exec), in that order.
local core = require "cfs.core"
local cfs = require "cfs"
local errors = require "cfs.errors"
local idmap = require "cfs.idmap"
local hardening = require "cfs.hardening"
local log = require "cfs.log"
local mounts = require "cfs.mounts"
local rootfs = require "cfs.rootfs"
local spec_module = require "cfs.spec"
local state = require "cfs.state"

-- Loaded by M.start when a spec asks for them, so a plain run does not pay
-- for them, and before the clone: after the root switch a module search
-- would read the container's files.
local pid1, tty

local M = {}

--- Signals `cfs run` passes on to the container.
M.FORWARDED_SIGNALS = { "TERM", "INT", "HUP", "QUIT", "USR1", "USR2", "WINCH" }

-- si_code values at or below 0 mean a process sent the signal (kill,
-- sigqueue, tkill). A terminal's INT, QUIT or WINCH comes from the kernel
-- and already reached the container, which shares the foreground process
-- group, so passing it on would deliver it twice.
local function sent_by_process(si_code)
  return si_code <= 0
end

--- The child's side: runs as PID 1 of the new namespaces and ends in exec,
-- or becomes the init (spec.init) that runs the command as its child.
-- @tparam table spec a spec from cfs.spec.new
-- @tparam table root the result of cfs.rootfs.prepare
-- @tparam table channels the container's ends made by M.start: `ready`, and
--   `console` when spec.tty is set
-- @tparam table prepared the result of cfs.hardening.prepare
function M.child(spec, root, channels, prepared)
  -- Until exec this process is cfs: keep other processes of the container
  -- from ptrace and from its /proc files.
  core.prctl("set_dumpable", 0)
  if spec_module.contains(spec.namespaces, "cgroup") then
    -- Made here, after M.prepare placed this process in its cgroup, so
    -- that cgroup is the namespace's root (see clone_namespaces).
    errors.context("cgroup namespace", core.unshare, { "cgroup" })
  end
  mounts.isolate_propagation(spec.propagation)
  if spec_module.contains(spec.namespaces, "user") then
    errors.context("user namespace", idmap.become_root)
  end
  if spec_module.contains(spec.namespaces, "uts") then
    core.sethostname(spec.hostname)
  end
  if spec_module.contains(spec.namespaces, "net") then
    errors.context("network", core.link_up, "lo")
  end

  local newroot = errors.context("rootfs", rootfs.mount, root)
  -- One plan, so that every bind source is opened before the first mount.
  local plan = table.move(spec.mounts, 1, #spec.mounts, 1, {})
  table.move(spec.extra_mounts, 1, #spec.extra_mounts, #plan + 1, plan)
  errors.context("mounts", mounts.apply, newroot, plan)
  errors.context("workdir", mounts.make_dir, newroot, spec.cwd)
  if spec.readonly then
    errors.context("rootfs", mounts.readonly_root, newroot)
  end
  local method = errors.context("rootfs", rootfs.switch, newroot)
  log.debug("root switched with %s", method)
  core.chdir(spec.cwd)
  local stderr
  if spec.tty then
    -- An error of cfs's own from here to exec belongs on cfs's stderr, not
    -- on the container's terminal, which cfs relays to its stdout. The
    -- init keeps cfs's stderr as its own and hands its child the terminal.
    if not spec.init then
      stderr = core.dup(2)
    end
    tty.setup_container(channels.console, spec.init)
  end
  if not stderr then
    -- A plain call keeps the error's traceback for -v.
    return M.finish_child(spec, channels, prepared)
  end
  local _, err = pcall(M.finish_child, spec, channels, prepared)
  pcall(core.dup2, stderr, 2)
  error(err, 0)
end

--- The end of the child's side, after the root switch: close the
-- descriptors, check the command, apply the limits and privileges, then
-- exec the command or become the init. Returns only by raising an error.
function M.finish_child(spec, channels, prepared)
  -- Descriptors the caller of cfs left open without close-on-exec must not
  -- reach the container, except the first spec.preserve_fds after stdio.
  core.close_range(3 + spec.preserve_fds, nil, { "cloexec" })
  M.check_command(spec.command[1], spec.env.PATH)
  if spec.tty and not spec.init then
    tty.take_control()
  end
  if spec.init then
    -- The init stays a copy of cfs: keep cfs's command line and environment
    -- from the container's view of /proc/1.
    core.set_proctitle("cfs-init")
  end
  -- Limits and privileges apply here, so that with --init the init and the
  -- command it starts both run under them.
  errors.context("hardening", hardening.apply, spec, prepared)
  if spec.init then
    -- Blocked before cfs hears that the container runs and starts passing
    -- signals on: until the init reads them, a signal sent to PID 1 with no
    -- handler would be dropped.
    core.sigprocmask("block", pid1.forwarded_signals())
    channels.ready:close()
    pid1.run(spec.command, spec.env, {
      preserve_fds = spec.preserve_fds,
      tty = spec.tty,
    })
  end
  cfs.exec(spec.command[1], spec.command, spec.env)
end

--- Reject a command that resolves through a /proc magic link such as
-- /proc/self/exe (directly or by a symlink in the root). Executing it
-- would run the host's cfs binary as the container's PID 1 and hand the
-- container a way to rewrite that file (CVE-2019-5736 against runc).
-- @tparam string cmd the command as given (a path, or a name for PATH)
-- @tparam string path the container's PATH
function M.check_command(cmd, path)
  local candidates = {}
  if cmd:find("/", 1, true) then
    candidates[1] = cmd
  else
    for dir in (path or ""):gmatch("[^:]+") do
      candidates[#candidates + 1] = dir .. "/" .. cmd
    end
  end
  for _, candidate in ipairs(candidates) do
    local ok, err = pcall(core.openat2, nil, candidate, { "path" }, { "no_magiclinks" })
    if ok then
      err:close()
      return
    end
    -- ELOOP is also a real symlink loop: only a path that opens without the
    -- flag goes through a magic link.
    if err.code == "ELOOP" then
      local opened, handle = pcall(core.openat2, nil, candidate, { "path" })
      if opened then
        handle:close()
        errors.raise(string.format("command '%s' resolves through a /proc magic link", cmd), {
          context = "exec",
          status = 126,
          hint = "running /proc/self/exe would expose the cfs binary to the container",
        })
      end
    end
  end
end

--- The parent's side, between clone and the child's release.
function M.prepare(spec, child, prepared)
  if prepared and prepared.group then
    require("cfs.cgroup").add(prepared.group, child.pid)
  end
  if spec_module.contains(spec.namespaces, "user") then
    idmap.write(child.pid, spec.uid_map or idmap.default_map("uid"),
      spec.gid_map or idmap.default_map("gid"))
  end
end

local SIGWINCH = core.signum("WINCH")

--- Wait for the child, passing on forwarded signals as they arrive and,
-- with a terminal relay (cfs.tty.attach), copying the container's output
-- and window size changes.
-- @tparam cfs.Process child
-- @tparam cfs.Fd signals a signalfd for M.FORWARDED_SIGNALS
-- @param[opt] terminal a relay from cfs.tty.attach
-- @treturn string "exited" or "signaled"
-- @treturn int exit code or signal number
function M.supervise(child, signals, terminal)
  local watched = { child.pidfd, signals, terminal and terminal.master }
  while true do
    local ready = core.poll(watched)
    if ready[2] then
      local signo, _, si_code = signals:read_signal()
      if terminal and signo == SIGWINCH then
        terminal:resize()
      elseif terminal or sent_by_process(si_code) then
        -- With a terminal of its own, the container is in no process group
        -- of cfs's terminal, so a hangup's HUP must be passed on too.
        log.debug("forwarding signal %d to %d", signo, child.pid)
        child:kill(signo)
      end
    end
    if ready[3] and not terminal:relay_output() then
      watched[3] = nil
    end
    if ready[1] then
      if terminal and watched[3] then
        terminal:drain()
      end
      return child:wait()
    end
  end
end

-- Register the container for cfs ps. Without --name it gets a generated
-- name, and runs unregistered when the user has no runtime folder.
local function register(spec)
  local info = {
    name = spec.name or state.generate_name(),
    command = spec.command,
    hostname = spec.hostname,
    cwd = spec.cwd,
    env = spec.env,
    init = spec.init,
    tty = spec.tty,
  }
  if spec.name then
    return state.register(info)
  end
  local entry, err = cfs.try(state.register, info)
  if not entry then
    log.debug("state: running %s unregistered: %s", info.name, tostring(err))
  end
  return entry
end

--- What `cfs exec` needs to run a command under the container's limits and
-- privileges: its capabilities, no_new_privs, rlimits, whether a seccomp
-- program was saved, and the folders of its cgroup.
-- @treturn table
function M.security_state(spec, prepared)
  return {
    capabilities = spec.capabilities,
    no_new_privs = spec.no_new_privs,
    rlimits = spec.rlimits,
    seccomp = prepared.program ~= nil,
    cgroups = prepared.group and prepared.group.dirs or nil,
  }
end

--- Run the container described by spec and wait for it.
-- @tparam table spec a spec from cfs.spec.new
-- @treturn int the exit status: the command's own, or 128 + N for signal N
function M.run(spec)
  local namespaces = spec.namespaces
  if core.geteuid() ~= 0 and not spec_module.contains(namespaces, "user") then
    -- Unprivileged callers get a user namespace in which they are root.
    spec.namespaces = { "user", table.unpack(namespaces) }
  end
  -- When the container can see a cfs process (it has no PID namespace of
  -- its own, or cfs's init is its PID 1), that process must not lead to the
  -- binary on the host through /proc/PID/exe: run from a sealed copy. This
  -- starts cfs again, so it comes before anything with side effects.
  if spec.init or not spec_module.contains(spec.namespaces, "pid") then
    core.exe_seal()
  end
  local entry <close> = register(spec)
  local root = rootfs.prepare(spec.rootfs)

  -- Blocked before the clone so no signal slips between the clone and the
  -- signalfd; the child unblocks everything before it runs.
  core.sigprocmask("block", M.FORWARDED_SIGNALS)
  local ok, status = pcall(M.start, spec, root, entry)
  core.sigprocmask("unblock", M.FORWARDED_SIGNALS)
  if not ok then
    error(status, 0)
  end
  return status
end

-- Return the spec's namespaces without cgroup, which the child makes
-- itself once released (M.child). A cgroup namespace's root is the cgroup
-- its maker is in, and the parent moves the child into the container's
-- cgroup (M.prepare) only after the clone.
local function clone_namespaces(spec)
  local list = {}
  for _, name in ipairs(spec.namespaces) do
    if name ~= "cgroup" then
      list[#list + 1] = name
    end
  end
  return list
end

local function console_socket(spec)
  if spec.tty then
    return tty.console_socket()
  end
end

--- Clone the child and supervise it until it ends; the forwarded signals
-- must already be blocked.
-- @tparam table spec
-- @tparam table root the result of cfs.rootfs.prepare
-- @param[opt] entry the container's cfs.state entry, updated as it starts
-- @treturn int the exit status
function M.start(spec, root, entry)
  if spec.init then
    pid1 = require "cfs.pid1"
  end
  if spec.tty then
    tty = require "cfs.tty"
  end
  local signals <close> = core.signalfd(M.FORWARDED_SIGNALS)
  local prepared = hardening.prepare(spec)
  -- Removes the cgroup on every way out of this function.
  local group <close> = prepared.group
  if entry and prepared.program then
    entry:save("seccomp.bpf", prepared.program)
  end
  -- The ready pipe reaches end of file once the container runs its command,
  -- because its write end is close-on-exec. The console socket carries the
  -- terminal's master back from the container.
  local ready <close>, ready_end = core.pipe()
  local console <close>, console_end = console_socket(spec)
  local channels = { ready = ready_end, console = console_end }
  local ok, child = pcall(core.clone, clone_namespaces(spec), function()
    return M.child(spec, root, channels, prepared)
  end, {
    prepare = function(c)
      M.prepare(spec, c, prepared)
    end,
    -- A child that ends in exec can borrow this process's memory. The init
    -- never execs, and the terminal setup changes handles this process
    -- still uses, so those get a copy.
    vfork = not spec.init and not spec.tty,
  })
  for _, fd in pairs(channels) do
    fd:close()
  end
  if not ok then
    if spec_module.contains(spec.namespaces, "user") then
      errors.userns(child)
    end
    error(errors.hint(child), 0)
  end

  local terminal <close> = spec.tty and tty.attach(console) or nil
  ready:read(1)
  if entry then
    entry:started(child.pid, spec.namespaces, { rootfs = root.dir,
      security = M.security_state(spec, prepared) })
  end
  local how, code = M.supervise(child, signals, terminal)
  child:close()
  hardening.report(spec, group)
  return cfs.exit_status(how, code)
end

return M
