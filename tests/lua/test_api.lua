-- API shapes of the cfs module: every primitive exists, raises argument
-- errors that name the argument, and raises structured errors on failure.
local t = require "harness"
local cfs = require "cfs"

-- name = list of argument lists that must raise, each with the expected text.
local BAD_ARGS = {
  clone = {
    { {}, "bad argument #1 to 'clone' %(table expected, got nil%)" },
    { { { "uts", "nope" }, print }, "unknown namespace 'nope'" },
    { { { "uts" } }, "bad argument #2 to 'clone' %(function expected" },
    { { {}, print, { prepair = print } }, "unknown option 'prepair'" },
    { { {}, print, { prepare = 5 } }, "function expected, got number" },
    { { {}, print, nil, 4 }, "bad argument #4 to 'clone' %(no value expected%)" },
    { { {}, print, nil, nil, nil, 6 }, "bad argument #6 to 'clone' %(no value expected%)" },
  },
  unshare = {
    { { "uts" }, "table expected, got string" },
    { { { "bogus" } }, "unknown namespace 'bogus'" },
  },
  setns = {
    { {}, "bad argument #1 to 'setns' %(string expected" },
    { { "/proc/self/ns/uts", "nope" }, "unknown namespace 'nope'" },
  },
  sethostname = {
    { {}, "bad argument #1 to 'sethostname'" },
    { { "a\0b" }, "string contains a NUL byte" },
    { { "a", "b" }, "no value expected" },
  },
  gethostname = { { { 1 }, "no value expected" } },
  setdomainname = { { {}, "bad argument #1 to 'setdomainname'" } },
  chroot = { { {}, "bad argument #1 to 'chroot'" }, { { "/", 1 }, "no value expected" } },
  chdir = { { { {} }, "string expected, got table" } },
  pivot_root = { { { "/" }, "bad argument #2 to 'pivot_root'" } },
  mount = {
    { { nil, nil }, "bad argument #2 to 'mount' %(string expected" },
    { { nil, "/x", nil, { "readonly" } }, "unknown mount flag 'readonly'" },
    { { nil, "/x", nil, "bind" }, "table expected, got string" },
    { { nil, "/x", nil, nil, nil, 6 }, "no value expected" },
  },
  umount = {
    { {}, "bad argument #1 to 'umount'" },
    { { "/x", { "lazy" } }, "unknown umount flag 'lazy'" },
  },
  mkdir = {
    { {}, "bad argument #1 to 'mkdir'" },
    { { "/x", 70000 }, "mode out of range" },
    { { "/x", "755" }, "number expected, got string" },
    { { "/x\0y" }, "string contains a NUL byte" },
  },
  umask = { { { "022" }, "number expected, got string" } },
  exec = {
    { {}, "bad argument #1 to '.*exec' %(string expected" },
    { { "" }, "empty command" },
    { { "sh", { "sh", 1 } }, "string expected at index 2" },
    { { "sh", {} }, "argv must hold at least argv%[0%]" },
    { { "sh", nil, { PATH = 1 } }, "environment must map strings to strings" },
  },
  kill = {
    { {}, "bad argument #1 to 'kill'" },
    { { 1, "NOPE" }, "unknown signal 'NOPE'" },
  },
  waitpid = { { { -1, { hang = true } }, "unknown option 'hang'" } },
  sigprocmask = {
    { { "sometimes", {} }, "invalid option 'sometimes'" },
    { { "block", { "NOPE" } }, "unknown signal 'NOPE'" },
  },
  close_range = { { { -1 }, "out of range" } },
  set_proctitle = {
    { {}, "bad argument #1 to 'set_proctitle'" },
    { { "a", "b" }, "no value expected" },
  },
  open = { { { "/x", { "sideways" } }, "unknown open flag 'sideways'" } },
  poll = {
    { { {} }, "between 1 and 1024 descriptors expected" },
    { { { "x" } }, "bad argument #1 to 'poll' %(descriptor expected at index 1%)" },
  },
  write_file = { { { "/x" }, "bad argument #2 to 'write_file'" } },
  mknod = { { { "/x", "pipe", 420 }, "invalid option 'pipe'" } },
  extract = { { { "x" }, "cfs.Fd expected" } },
  signalfd = { { { { "BOGUS" } }, "unknown signal 'BOGUS'" } },
  error = { { { { op = "x" } }, "field 'msg' or 'errno' required" } },
}

for name, cases in pairs(BAD_ARGS) do
  for i, case in ipairs(cases) do
    t.test(string.format("%s bad arguments %d", name, i), function()
      t.ok(type(cfs[name]) == "function", "cfs." .. name .. " exists")
      -- Called through pcall, C functions are named 'cfs.core.NAME' in messages.
      local pattern = case[2]:gsub("to '([%w_]+)'", "to '[%%w._]*%1'")
      t.raises(pattern, cfs[name], table.unpack(case[1], 1, 6))
    end)
  end
end

t.test("primitives are exported", function()
  for _, name in ipairs {
    "clone", "unshare", "setns", "sethostname", "gethostname", "setdomainname", "chroot",
    "chdir", "pivot_root", "mount", "umount", "mkdir", "exec", "getpid", "getuid", "exit",
    "try", "isolate", "exit_status",
  } do
    t.eq(type(cfs[name]), "function", "type of cfs." .. name)
  end
end)

t.test("failed primitive raises structured error", function()
  local err = t.raises("^mount%('/nonexistent/x'%): No such file or directory$", cfs.mount,
    "tmpfs", "/nonexistent/x", "tmpfs")
  t.eq(err.op, "mount", "op")
  t.eq(err.arg, "/nonexistent/x", "arg")
  t.eq(err.code, "ENOENT", "code")
  t.eq(err.errno, cfs.errno.ENOENT, "errno")
  t.eq(err.msg, "No such file or directory", "msg")
end)

t.test("try returns nil and error", function()
  local ok, err = cfs.try(cfs.chdir, "/nonexistent")
  t.eq(ok, nil, "first result")
  t.eq(err.code, "ENOENT", "error code")
  t.eq(err.op, "chdir", "error op")
end)

t.test("try without results returns true", function()
  local ok, err = cfs.try(cfs.sigprocmask, "unblock", {})
  t.eq(ok, true, "first result")
  t.eq(err, nil, "second result")
end)

t.test("try passes results through", function()
  local a, b = cfs.try(function(x)
    return x, x + 1
  end, 1)
  t.eq(a, 1, "first result")
  t.eq(b, 2, "second result")
end)

t.test("exit status decoding", function()
  t.eq(cfs.exit_status("exited", 7), 7, "exited")
  t.eq(cfs.exit_status("signaled", 9), 137, "killed")
end)

t.test("clone child exit code", function()
  local child = cfs.clone({}, function()
    return 7
  end)
  t.ok(child.pid > 0, "pid is positive")
  local how, code = child:wait()
  t.eq(how, "exited", "how")
  t.eq(code, 7, "code")
  how, code = child:wait()
  t.eq(how, "exited", "second wait how")
  t.eq(code, 7, "second wait code")
end)

t.test("clone child nil returns zero", function()
  local how, code = cfs.clone({}, function() end):wait()
  t.eq(how, "exited", "how")
  t.eq(code, 0, "code")
end)

t.test("clone child error exits 125", function()
  -- The child's report goes to stderr; keep the suite's output clean.
  local saved = cfs.open("/dev/null", { "wronly" })
  local child = cfs.clone({}, function()
    cfs.dup2(saved, 2)
    error("boom")
  end)
  saved:close()
  local how, code = child:wait()
  t.eq(how, "exited", "how")
  t.eq(code, 125, "code")
end)

t.test("clone kill reports signal", function()
  local child = cfs.clone({}, function()
    cfs.exec("/bin/sleep", { "sleep", "30" })
  end)
  t.eq(child:kill("KILL"), true, "kill result")
  local how, code = child:wait()
  t.eq(how, "signaled", "how")
  t.eq(code, 9, "signal")
  t.eq(child:kill(), false, "kill after exit")
end)

t.test("clone prepare runs before child", function()
  local r, w = cfs.pipe()
  local child = cfs.clone({}, function()
    -- The parent wrote before releasing us, so the data is already there.
    local data = r:read(10)
    return data == "ready" and 0 or 1
  end, {
    prepare = function(c)
      t.ok(c.pid > 0, "prepare sees the pid")
      w:write("ready")
    end,
  })
  local _, code = child:wait()
  t.eq(code, 0, "child saw prepare's data")
end)

t.test("clone prepare error kills child", function()
  local pid
  local err = t.raises("prepare failed", cfs.clone, {}, function()
    return 0
  end, {
    prepare = function(c)
      pid = c.pid
      error("prepare failed")
    end,
  })
  t.ok(err ~= nil, "error raised")
  t.raises("ESRCH", function()
    local ok, e = cfs.try(cfs.kill, pid, 0)
    error(ok and "still alive" or e.code)
  end)
end)

t.test("clone new uts namespace", function()
  local host = cfs.gethostname()
  local child = cfs.clone({ "uts" }, function()
    cfs.sethostname("inside")
    return cfs.gethostname() == "inside" and 0 or 1
  end)
  local _, code = child:wait()
  t.eq(code, 0, "hostname set inside")
  t.eq(cfs.gethostname(), host, "host hostname")
end)

t.test("isolate raises child error in parent", function()
  local err = t.raises("chdir%('/nonexistent'%)", cfs.isolate, {}, function()
    cfs.chdir("/nonexistent")
  end)
  t.eq(err.code, "ENOENT", "code travels")
  t.eq(err.op, "chdir", "op travels")
end)

t.test("isolate returns child status", function()
  t.eq(cfs.isolate({}, function()
    return 9
  end), 9, "status")
  t.eq(cfs.isolate({}, function() end), 0, "nil status")
end)

t.test("set_proctitle hides command line and environment", function()
  local function read(path)
    local f <close> = assert(io.open(path, "rb"))
    return f:read("a")
  end
  local before = read("/proc/self/environ")
  -- A child, because the title would stay on this process for good.
  local status = cfs.isolate({}, function()
    cfs.set_proctitle("title-x")
    local cmdline = read("/proc/self/cmdline")
    if cmdline:gsub("%z+$", "") ~= "title-x" then
      return 1
    end
    if read("/proc/self/environ"):find("[^%z]") then
      return 2
    end
    return 0
  end)
  t.eq(status, 0, "child status")
  t.eq(read("/proc/self/environ"), before, "parent environment untouched")
end)

t.test("stat of a descriptor matches stat of its path", function()
  local fd <close> = cfs.open("/proc/self", { "path", "directory" })
  local by_fd, by_path = cfs.stat(fd), cfs.stat("/proc/self")
  t.eq(by_fd.ino, by_path.ino, "inode")
  t.eq(by_fd.dev, by_path.dev, "device")
  t.eq(by_fd.type, "directory", "type")
end)

t.test("dup gives a close-on-exec copy above stdio", function()
  local r, w = cfs.pipe()
  local copy = cfs.dup(w)
  t.ok(copy:fileno() >= 3, "numbered 3 or above")
  copy:write("x")
  t.eq(r:read(1), "x", "writes reach the same pipe")
  for _, fd in ipairs { r, w, copy } do
    fd:close()
  end
end)

t.test("stat of a closed descriptor is an argument error", function()
  local fd = cfs.open("/", { "path" })
  fd:close()
  t.raises("descriptor is closed", cfs.stat, fd)
end)

t.test("exec not found has status 127", function()
  local err = t.raises("command not found", cfs.exec, "cfs-no-such-command", nil, { PATH = "/x" })
  t.eq(err.status, 127, "status")
end)

t.test("exec not executable has status 126", function()
  local err = t.raises("Permission denied", cfs.exec, "/etc/passwd")
  t.eq(err.status, 126, "status")
end)

t.test("library modules load lazily", function()
  t.eq(type(cfs.rootfs.default), "function", "cfs.rootfs")
  t.eq(type(cfs.container.run), "function", "cfs.container")
  t.eq(cfs.no_such_module, nil, "unknown name")
end)

t.test("version and build id", function()
  t.ok(cfs.version:match("^%d+%.%d+%.%d+$"), "version is x.y.z")
  t.ok(cfs.build_id:match("^%x+$") and #cfs.build_id == 16, "build id is 16 hex digits")
end)

t.test("embedded modules listed", function()
  local names = {}
  for _, n in ipairs(cfs.embedded()) do
    names[n] = true
  end
  t.ok(names["cfs"], "cfs")
  t.ok(names["cfs.cli"], "cfs.cli")
  t.ok(names["cfs.container"], "cfs.container")
end)
