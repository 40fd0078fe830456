--- The built-in init of `cfs run --init`: a small PID 1 that runs the
-- command as its child, passes signals on to it, reaps orphans and exits
-- with the command's status.
--
-- Why a container wants one: the first process of a PID namespace has two
-- jobs that ordinary programs do not do.
--
-- 1. Orphans. A process whose parent ends is re-parented to PID 1, and when
--    it ends it stays a zombie until PID 1 waits for it. A shell or server
--    that never calls wait() for children it did not start leaves zombies
--    that fill the process table.
-- 2. Signals. The kernel delivers a signal to PID 1 of a namespace only
--    when PID 1 has a handler for it (SIGKILL and SIGSTOP from an ancestor
--    namespace excepted), so a `kill -TERM` that stops a program anywhere
--    else does nothing to the same program running as PID 1.
--
-- This init blocks every signal it can and reads them from a signalfd, so
-- one loop handles both jobs: SIGCHLD means "reap", anything else is sent
-- on to the command.
local core = require "cfs.core"
local cfs = require "cfs"
local errors = require "cfs.errors"
local tty = require "cfs.tty"

local M = {}

local SIGCHLD = core.signum("CHLD")

-- Signals that cannot be caught, and SIGCHLD, which the init keeps.
local NOT_FORWARDED = {
  [core.signum("KILL")] = true,
  [core.signum("STOP")] = true,
  [SIGCHLD] = true,
}

--- The signals the init passes on: every standard signal (1 to 31 on
-- Linux) that a process can catch except SIGCHLD, then the real-time ones.
-- @treturn {int,...}
function M.forwarded_signals()
  local list = {}
  for signo = 1, 31 do
    if not NOT_FORWARDED[signo] then
      list[#list + 1] = signo
    end
  end
  for signo = core.SIGRTMIN, core.SIGRTMAX do
    list[#list + 1] = signo
  end
  return list
end

-- Reap every child that has ended. Returns the exit status of `pid` if it
-- was among them: its code, or 128 + N when signal N killed it.
local function reap(pid)
  local status
  while true do
    local ok, ended, how, code = pcall(core.waitpid, -1, { nohang = true })
    if not ok then
      if type(ended) == "table" and ended.code == "ECHILD" then
        return status
      end
      error(ended, 0)
    end
    if ended == nil then
      return status
    end
    if ended == pid then
      status = cfs.exit_status(how, code)
    end
  end
end

--- Become the init: run command as a child and never return.
-- @tparam {string,...} command argv; command[1] is looked up in env.PATH
-- @tparam table env the command's environment
-- @tparam[opt] table opts preserve_fds = N keeps descriptors 3 to 3+N-1
--   open for the command; tty = true makes stdin the command's controlling
--   terminal (the init itself stays out of the terminal's session)
function M.run(command, env, opts)
  opts = opts or {}

  -- Close every descriptor but stdio (and the preserved ones). Handles that
  -- nothing refers to any more are collected first: a handle collected
  -- after the close would close its old number, which may by then belong
  -- to a new descriptor. Handles still referenced stay referenced, because
  -- this function never returns.
  collectgarbage("collect")
  collectgarbage("collect")
  core.close_range(3 + (opts.preserve_fds or 0))

  -- Blocked before the command starts, so no signal is lost in between;
  -- the child unblocks everything before it runs the command.
  local watched = M.forwarded_signals()
  watched[#watched + 1] = "CHLD"
  core.sigprocmask("block", watched)
  local signals = core.signalfd(watched)

  local ok, child = pcall(core.clone, {}, function()
    signals:close()
    if not opts.tty then
      cfs.exec(command[1], command, env)
    end
    -- stdin is the terminal and stderr still cfs's: the command gets the
    -- terminal on all three, and a failed exec is reported on cfs's stderr.
    tty.take_control()
    local stderr = core.dup(2)
    core.dup2(0, 2)
    local _, err = pcall(cfs.exec, command[1], command, env)
    core.dup2(stderr, 2)
    error(err, 0)
  end)
  if not ok then
    error(errors.hint(child), 0)
  end

  while true do
    local signo, _, si_code = signals:read_signal()
    if signo == SIGCHLD then
      local status = reap(child.pid)
      if status then
        -- The kernel kills whatever is left in the namespace when PID 1 ends.
        core.exit(status)
      end
    elseif si_code <= 0 then
      -- Only signals a process sent: the kernel's own, such as a terminal's
      -- Ctrl-C, already reached the command's process group.
      child:kill(signo)
    end
  end
end

return M
