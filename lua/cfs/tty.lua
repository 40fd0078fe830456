--- Terminals for `cfs run -t`: the container gets a pseudo-terminal from
-- its own devpts, so `tty` inside prints /dev/pts/0, and cfs relays bytes
-- between that terminal's master and its own stdin and stdout.
--
-- The container opens the pair itself, after its root switch, and passes
-- the master back to cfs over a Unix socket (SCM_RIGHTS). A pty from the
-- host's devpts would show a /dev/pts/N that does not exist inside.
--
-- While the relay runs, cfs puts its own terminal in raw mode, so every key
-- (Ctrl-C included) goes to the container, whose terminal then does the
-- line editing and sends the signals. The saved mode is restored on every
-- way out except SIGKILL of cfs; `stty sane` repairs the terminal then.
local core = require "cfs.core"
local fs = require "cfs.fs"
local log = require "cfs.log"

local M = {}

local MODE_DIR = tonumber("755", 8)

-- How long the relay waits for more output after the container's PID 1
-- ended. With a PID namespace, every other process is gone by then, so the
-- read ends at once. Without one, a process left running may hold the
-- terminal open, and this bounds the wait.
local DRAIN_TIMEOUT_MS = 200

-- Bytes read from stdin or the master at a time.
local CHUNK = 4096

-- End-of-file key (Ctrl-D) that is written to the terminal when a
-- non-terminal stdin ends, so a program reading lines gets end of input.
local EOF_KEY = "\4"

--- The container's ptmx: /dev/pts/ptmx of a devpts instance of its own.
-- NOTE: when the mount plan has no devpts at /dev/pts, one is mounted here
-- (creating /dev/pts if needed), so -t works with a plan that only mounts
-- /proc.
-- @treturn string
function M.container_ptmx()
  local ptmx = "/dev/pts/ptmx"
  if fs.exists(ptmx) then
    return ptmx
  end
  if not fs.is_dir("/dev/pts") then
    fs.mkdirs("/dev/pts", MODE_DIR)
  end
  -- newinstance: the container's terminals are numbered from 0 and
  -- invisible to the host's /dev/pts. No gid=5: a tty group may not exist.
  core.mount("devpts", "/dev/pts", "devpts", { "nosuid", "noexec" },
    "newinstance,ptmxmode=0666,mode=0620")
  return ptmx
end

--- The console socket: a pair of connected sockets; the container sends the
-- master of its terminal over the second.
-- @treturn cfs.Fd the end cfs keeps
-- @treturn cfs.Fd the end the container uses
function M.console_socket()
  return core.socketpair()
end

--- In the container, after the root switch: open a terminal pair, send the
-- master to cfs and make the terminal side stdin, stdout and stderr.
-- @tparam cfs.Fd socket the container's end of the console socket
-- @tparam[opt] boolean keep_stderr leave stderr as it is (an init that
--   reports on cfs's stderr and gives its child the terminal there)
function M.setup_container(socket, keep_stderr)
  local master, terminal = core.openpty(M.container_ptmx())
  core.send_fd(socket, master)
  master:close()
  socket:close()
  for fd = 0, keep_stderr and 1 or 2 do
    core.dup2(terminal, fd)
  end
  terminal:close()
end

--- In the process that will run the command: start a session and make
-- stdin, the terminal, its controlling terminal. Keys such as Ctrl-C then
-- signal the command's process group.
function M.take_control()
  core.setsid()
  core.tiocsctty(0)
end

local Relay = {}
Relay.__index = Relay

--- Copy the window size of cfs's terminal to the container's terminal; the
-- kernel sends SIGWINCH inside when it changes. Does nothing when neither
-- stdin nor stdout is a terminal.
function Relay:resize()
  for _, fd in ipairs { 0, 1 } do
    if core.isatty(fd) then
      local rows, cols = core.tcgetwinsize(fd)
      core.tcsetwinsize(self.master, rows, cols)
      return
    end
  end
end

--- Copy what the container wrote to cfs's stdout.
-- @treturn boolean false once the container's side is closed (EIO)
function Relay:relay_output()
  local ok, data = pcall(self.master.read, self.master, CHUNK)
  if not ok then
    if type(data) == "table" and data.code == "EIO" then
      return false
    end
    error(data, 0)
  end
  if data == "" then
    return false
  end
  if self.stdout then
    -- A closed stdout only ends the copy; the container keeps running.
    local written, err = pcall(self.stdout.write, self.stdout, data)
    if not written then
      log.debug("tty: stdout closed (%s), dropping output", tostring(err))
      self.stdout:close()
      self.stdout = nil
    end
  end
  return true
end

--- After the container's PID 1 has ended: copy what is left.
function Relay:drain()
  while core.poll({ self.master }, DRAIN_TIMEOUT_MS)[1] and self:relay_output() do
  end
end

--- Stop the input copier, restore cfs's terminal and close the master.
-- Safe to call more than once.
function Relay:close()
  if self.copier then
    self.copier:kill("KILL")
    self.copier:wait()
    self.copier:close()
    self.copier = nil
  end
  if self.saved then
    local ok, err = pcall(core.tcsetattr, 0, self.saved, "drain")
    if not ok then
      log.warn("tty: cannot restore the terminal mode: %s", tostring(err))
    end
    self.saved = nil
  end
  if self.stdout then
    self.stdout:close()
    self.stdout = nil
  end
  self.master:close()
end

Relay.__close = Relay.close

-- The input copier: a child process that copies stdin to the master with
-- blocking reads and writes. Doing this in cfs's own loop could deadlock:
-- cfs blocked writing input the container does not read, while the
-- container blocks writing output that cfs no longer reads.
local function start_copier(master, stdin_is_tty)
  return core.clone({}, function()
    local stdin = core.dup(0)
    while true do
      local ok, data = pcall(stdin.read, stdin, CHUNK)
      if not ok or data == "" then
        break
      end
      if not pcall(master.write, master, data) then
        return 0
      end
    end
    if not stdin_is_tty then
      pcall(master.write, master, EOF_KEY)
    end
    return 0
  end)
end

--- In cfs, once the container is released: receive the master, put cfs's
-- terminal in raw mode, copy the window size and start copying stdin.
-- @tparam cfs.Fd socket cfs's end of the console socket
-- @return a relay (close it to restore the terminal), or nil when the
--   container ended before it sent a terminal
function M.attach(socket)
  local master = core.recv_fd(socket)
  socket:close()
  if not master then
    return nil
  end
  local relay = setmetatable({ master = master, stdout = core.dup(1) }, Relay)
  local ok, err = pcall(function()
    local stdin_is_tty = core.isatty(0)
    if stdin_is_tty then
      relay.saved = core.tcgetattr(0)
      core.tcsetattr(0, relay.saved:makeraw(), "drain")
    end
    relay:resize()
    relay.copier = start_copier(master, stdin_is_tty)
  end)
  if not ok then
    relay:close()
    error(err, 0)
  end
  return relay
end

return M
