-- The lifecycle library: the JSON encoder and decoder, container state
-- files and their stale-entry cleanup, the init's signal list, joining a
-- process's namespaces, and argument checks of the primitives behind them.
-- State tests use $CFS_RUNTIME_DIR, which tests/run.sh points at its work folder.
local t = require "harness"
local cfs = require "cfs"
local json = require "cfs.json"
local state = require "cfs.state"

-- JSON

t.test("json encodes scalars", function()
  t.eq(json.encode(nil), "null", "nil")
  t.eq(json.encode(json.null), "null", "json.null")
  t.eq(json.encode(true), "true", "true")
  t.eq(json.encode(false), "false", "false")
  t.eq(json.encode(42), "42", "integer")
  t.eq(json.encode(-7), "-7", "negative integer")
  t.eq(json.encode(1.5), "1.5", "float")
  t.eq(json.encode(0.1), "0.1", "shortest float")
  t.eq(json.encode(""), '""', "empty string")
end)

t.test("json escapes strings", function()
  t.eq(json.encode('a"b'), '"a\\"b"', "quote")
  t.eq(json.encode("a\\b"), '"a\\\\b"', "backslash")
  t.eq(json.encode("a\nb\tc\rd"), '"a\\nb\\tc\\rd"', "newline, tab, return")
  t.eq(json.encode("\b\f"), '"\\b\\f"', "backspace, form feed")
  t.eq(json.encode("\0\1\31"), '"\\u0000\\u0001\\u001f"', "other control characters")
  t.eq(json.encode("\127"), '"\\u007f"', "delete")
  t.eq(json.encode("/é€😀"), '"/é€😀"', "slash and UTF-8 kept")
end)

t.test("json replaces invalid UTF-8", function()
  t.eq(json.encode("a\xffb"), '"a\u{FFFD}b"', "stray byte")
  t.eq(json.encode("\xe2\x82"), '"\u{FFFD}\u{FFFD}"', "truncated sequence")
  t.eq(json.encode("\xed\xa0\x80"), '"\u{FFFD}\u{FFFD}\u{FFFD}"', "surrogate")
end)

t.test("json sorts object keys", function()
  t.eq(json.encode { b = 1, a = 2, c = { z = 1, y = 2 } }, '{"a":2,"b":1,"c":{"y":2,"z":1}}',
    "sorted")
end)

t.test("json arrays and empty tables", function()
  t.eq(json.encode { 1, "x", true }, '[1,"x",true]', "sequence")
  t.eq(json.encode {}, "{}", "empty table is an object")
  t.eq(json.encode(json.array()), "[]", "marked empty array")
  t.eq(json.encode { json.array(), {} }, "[[],{}]", "nested empties")
end)

t.test("json indents", function()
  t.eq(json.encode({ a = { 1, 2 }, b = {} }, { indent = "  " }),
    '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}', "two spaces")
end)

t.test("json rejects what it cannot encode", function()
  t.raises("cannot encode a function", json.encode, { f = print })
  t.raises("cannot encode NaN", json.encode, 0 / 0)
  t.raises("cannot encode an infinity", json.encode, math.huge)
  t.raises("cannot encode an infinity", json.encode, -math.huge)
  t.raises("object key 1 is a number", json.encode, { "a", x = 1 })
  local cycle = {}
  cycle.self = cycle
  t.raises("nests too deep", json.encode, cycle)
end)

t.test("json decodes values", function()
  local v = json.decode(' {"a": [1, -2.5e3, 0, 1E2], "b": {"c": null}, "d": true, "e": false} ')
  t.eq(v.a[1], 1, "integer")
  t.eq(math.type(v.a[1]), "integer", "integer type")
  t.eq(v.a[2], -2500.0, "float with exponent")
  t.eq(v.a[3], 0, "zero")
  t.eq(v.a[4], 100.0, "capital exponent")
  t.eq(v.b.c, json.null, "null")
  t.eq(v.d, true, "true")
  t.eq(v.e, false, "false")
end)

t.test("json decodes string escapes", function()
  t.eq(json.decode([["\"\\\/\b\f\n\r\t"]]), '"\\/\b\f\n\r\t', "simple escapes")
  t.eq(json.decode([["\u00e9\u20ac"]]), "é€", "BMP escapes")
  t.eq(json.decode([["\ud83d\ude00"]]), "😀", "surrogate pair")
  t.eq(json.decode([["\ud83d"]]), "\u{FFFD}", "lone high surrogate")
  t.eq(json.decode([["\ude00x"]]), "\u{FFFD}x", "lone low surrogate")
  t.eq(json.decode([["\u0000"]]), "\0", "NUL")
end)

t.test("json round trip", function()
  local value = {
    name = "web.1",
    command = { "/bin/sh", "-c", 'echo "$HOME"\n\t\\' },
    env = { PATH = "/bin", EMPTY = "" },
    pid = 1234,
    ratio = 0.25,
    list = json.array(),
    flag = false,
  }
  local back = json.decode(json.encode(value, { indent = "  " }))
  t.eq(json.encode(back), json.encode(value), "same text after a round trip")
  t.eq(back.command[3], value.command[3], "string with escapes")
  t.eq(#back.list, 0, "empty array")
  t.eq(getmetatable(back.list) ~= nil, true, "empty array stays marked")
end)

t.test("json rejects invalid text", function()
  for _, case in ipairs {
    { "", "expected a value" },
    { "{", "expected a string key" },
    { "[1,]", "expected a value" },
    { "[1 2]", "expected ',' or ']'" },
    { '{"a" 1}', "expected ':'" },
    { '{"a":1,}', "expected a string key" },
    { "01", "invalid number" },
    { "1.", "invalid number" },
    { ".5", "expected a value" },
    { "1e", "invalid number" },
    { "-", "invalid number" },
    { "1 2", "unexpected text after the value" },
    { '"a\1"', "control character in string" },
    { '"a', "unterminated string" },
    { [["\x"]], "invalid escape" },
    { [["\u12"]], "four hex digits" },
    { '"\xff"', "not valid UTF%-8" },
    { "tru", "expected a value" },
    { "nul", "expected a value" },
    { string.rep("[", 300), "nesting too deep" },
  } do
    local err = t.raises(case[2], json.decode, case[1])
    t.eq(err.status, 125, "status for " .. case[1])
  end
end)

t.test("json decode names the byte", function()
  t.raises("at byte 7", json.decode, '{"a": }')
end)

-- Container names and processes

t.test("container names", function()
  for _, name in ipairs { "a", "web", "Web-1", "a.b_c-d", "0", string.rep("x", 64) } do
    t.eq(state.valid_name(name), true, name)
  end
  for _, name in ipairs {
    "", "-a", ".a", "_a", "a/b", "a b", "a\n", "..", string.rep("x", 65), "é", 5,
  } do
    t.eq(state.valid_name(name), false, tostring(name))
  end
end)

t.test("check_name raises usage error", function()
  local err = t.raises("invalid container name 'a/b'", state.check_name, "a/b", "run")
  t.eq(err.status, 125, "status")
  t.eq(err.context, "run", "context")
end)

t.test("start time of self", function()
  local letter, start = state.process(cfs.getpid())
  t.ok(letter == "R" or letter == "S", "state letter " .. tostring(letter))
  t.eq(math.type(start), "integer", "start time type")
  t.eq(state.start_time(cfs.getpid()), start, "start_time agrees")
  t.eq(state.alive(cfs.getpid(), start), true, "alive")
  t.eq(state.alive(cfs.getpid(), start + 1), false, "other start time")
  t.eq(state.alive(cfs.getpid(), nil), false, "no start time")
end)

t.test("ended process has no start time", function()
  local child = cfs.clone({}, function() return 0 end)
  local pid = child.pid
  child:wait()
  t.eq(state.start_time(pid), nil, "reaped child")
end)

t.test("zombie counts as ended", function()
  local child = cfs.clone({}, function() return 0 end)
  -- A pidfd turns readable once the process has ended, before it is reaped.
  cfs.poll({ child.pidfd })
  t.eq(state.process(child.pid), "Z", "state letter")
  t.eq(state.start_time(child.pid), nil, "start time")
  child:wait()
end)

t.test("process name with parenthesis", function()
  -- Field 2, the name, may hold ")" and spaces. This one would make a naive
  -- parser read the state letter as Z. The name comes from the file run.
  local link = (os.getenv("CFS_TEST_WORK") or "/tmp") .. "/x) Z 1 (y"
  cfs.symlink("/bin/sleep", link)
  local before
  local child = cfs.clone({}, function()
    cfs.exec(link, { "sleep", "30" })
  end, {
    prepare = function(c)
      before = state.start_time(c.pid)
    end,
  })
  local name
  for _ = 1, 500 do
    name = cfs.fs.read_file("/proc/" .. child.pid .. "/comm")
    if name == "x) Z 1 (y\n" then
      break
    end
    cfs.poll({ child.pidfd }, 10)
  end
  local letter, start = state.process(child.pid)
  child:kill("KILL")
  child:wait()
  cfs.unlink(link)
  t.eq(name, "x) Z 1 (y\n", "name after exec")
  t.ok(letter == "S" or letter == "R", "state letter " .. tostring(letter))
  t.eq(start, before, "start time")
end)

-- State entries

local function runtime_dir()
  local dir = state.runtime_dir()
  t.ok(dir:find("^/tmp/") ~= nil, "runtime dir under /tmp (set by tests/run.sh): " .. dir)
  return dir
end

t.test("register writes state", function()
  local dir = runtime_dir()
  local entry = state.register { name = "lua-reg", command = { "/bin/true" }, cwd = "/" }
  local st = json.decode(cfs.fs.read_file(dir .. "/lua-reg/state.json"))
  t.eq(st.name, "lua-reg", "name")
  t.eq(st.status, "creating", "status")
  t.eq(st.cfs_pid, cfs.getpid(), "cfs pid")
  t.eq(st.command[1], "/bin/true", "command")
  t.ok(st.created:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$") ~= nil, "created")
  t.eq(cfs.stat(dir .. "/lua-reg/state.json").mode & tonumber("777", 8), tonumber("600", 8),
    "file mode")
  entry:update { status = "running" }
  t.eq(state.find("lua-reg", "test").status, "running", "updated")
  entry:remove()
  t.eq(cfs.fs.exists(dir .. "/lua-reg"), false, "removed")
end)

t.test("register rejects a live name", function()
  local entry = state.register { name = "lua-dup" }
  local err = t.raises("container name 'lua%-dup' is already in use", state.register,
    { name = "lua-dup" })
  t.eq(err.status, 125, "status")
  entry:remove()
  local again = state.register { name = "lua-dup" }
  again:remove()
end)

t.test("register rejects invalid name", function()
  t.raises("invalid container name '../x'", state.register, { name = "../x" })
end)

t.test("closing entry removes it", function()
  local dir = runtime_dir()
  do
    local entry <close> = state.register { name = "lua-close" }
    t.ok(cfs.fs.exists(dir .. "/" .. entry.name), "exists while open")
  end
  t.eq(cfs.fs.exists(dir .. "/lua-close"), false, "gone after close")
end)

-- Write an entry as a cfs process that has ended would have left it.
local function write_stale(name, fields)
  local dir = runtime_dir()
  local child = cfs.clone({}, function() return 0 end)
  local dead = child.pid
  child:wait()
  local st = { name = name, status = "running", cfs_pid = dead, cfs_start_time = 1,
    created = "2000-01-01T00:00:00Z" }
  for k, v in pairs(fields or {}) do
    st[k] = v
  end
  cfs.mkdir(dir .. "/" .. name, tonumber("700", 8))
  cfs.fs.write_new(dir .. "/" .. name .. "/state.json", json.encode(st))
  return dir .. "/" .. name
end

t.test("list removes stale entry", function()
  local path = write_stale("lua-stale")
  for _, st in ipairs(state.list()) do
    t.ok(st.name ~= "lua-stale", "stale entry not listed")
  end
  t.eq(cfs.fs.exists(path), false, "stale entry removed")
end)

t.test("find removes stale entry", function()
  local path = write_stale("lua-stale2")
  local err = t.raises("no running container named 'lua%-stale2'", state.find, "lua-stale2", "exec")
  t.eq(err.status, 125, "status")
  t.eq(cfs.fs.exists(path), false, "stale entry removed")
end)

t.test("recycled container pid is stale", function()
  -- The cfs process is alive (this one), but the recorded container PID now
  -- belongs to a process with another start time.
  local me = cfs.getpid()
  local path = write_stale("lua-recycled", {
    cfs_pid = me,
    cfs_start_time = state.start_time(me),
    pid = me,
    pid_start_time = state.start_time(me) - 1,
  })
  t.raises("no running container", state.find, "lua-recycled", "kill")
  t.eq(cfs.fs.exists(path), false, "entry removed")
end)

t.test("unreadable state is stale", function()
  local dir = runtime_dir()
  cfs.mkdir(dir .. "/lua-garbled", tonumber("700", 8))
  cfs.fs.write_new(dir .. "/lua-garbled/state.json", "{not json")
  state.list()
  t.eq(cfs.fs.exists(dir .. "/lua-garbled"), false, "removed")
end)

t.test("remove keeps a newer owner's entry", function()
  local dir = runtime_dir()
  local entry = state.register { name = "lua-owner" }
  -- Another cfs took the name over after this one was cleaned up.
  cfs.fs.write_new(dir .. "/lua-owner/state.json", json.encode {
    name = "lua-owner", cfs_pid = 1, cfs_start_time = state.start_time(1),
  })
  entry:remove()
  t.eq(cfs.fs.exists(dir .. "/lua-owner/state.json"), true, "kept")
  cfs.fs.rmtree(dir .. "/lua-owner")
end)

t.test("update after cleanup stays removed", function()
  local dir = runtime_dir()
  local entry = state.register { name = "lua-gone" }
  cfs.fs.rmtree(dir .. "/lua-gone")
  entry:update { status = "running" }
  t.eq(cfs.fs.exists(dir .. "/lua-gone"), false, "not recreated")
end)

t.test("generated names are valid and differ", function()
  local a, b = state.generate_name(), state.generate_name()
  t.ok(a:match("^cfs%-%x%x%x%x%x%x%x%x%x%x%x%x$") ~= nil, "format " .. a)
  t.ok(state.valid_name(a), "valid")
  t.ok(a ~= b, "differ")
end)

-- cfs ps and cfs kill helpers

t.test("ps formats columns", function()
  local ps = require "cfs.cli.ps"
  local text = ps.format(ps.rows {
    { name = "a", pid = 12, status = "running", created = "T1", command = { "sleep", "1" } },
    { name = "longer", status = "creating", created = "T2", command = { "x\ny" } },
  })
  local lines = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do
    lines[#lines + 1] = line
  end
  t.eq(lines[1], "NAME    PID  STATUS    CREATED  COMMAND", "header")
  t.eq(lines[2], "a       12   running   T1       sleep 1", "row")
  t.eq(lines[3], "longer  -    creating  T2       x?y", "row without pid")
end)

t.test("kill parses signals", function()
  local kill = require "cfs.cli.kill"
  t.eq(kill.parse_signal("TERM"), 15, "name")
  t.eq(kill.parse_signal("SIGKILL"), 9, "SIG prefix")
  t.eq(kill.parse_signal("usr1"), 10, "lower case")
  t.eq(kill.parse_signal("9"), 9, "number")
  t.eq(kill.parse_signal("0"), 0, "zero")
  local err = t.raises("unknown signal 'BOGUS'", kill.parse_signal, "BOGUS")
  t.eq(err.status, 125, "status")
  t.raises("unknown signal '99'", kill.parse_signal, "99")
  t.raises("unknown signal '%-1'", kill.parse_signal, "-1")
end)

-- The init

t.test("init forwards catchable signals", function()
  local pid1 = require "cfs.pid1"
  local set = {}
  for _, signo in ipairs(pid1.forwarded_signals()) do
    set[signo] = true
  end
  for _, name in ipairs { "TERM", "INT", "HUP", "QUIT", "USR1", "USR2", "WINCH", "CONT", "TSTP" } do
    t.ok(set[cfs.signum(name)], name .. " forwarded")
  end
  for _, name in ipairs { "KILL", "STOP", "CHLD" } do
    t.ok(not set[cfs.signum(name)], name .. " not forwarded")
  end
  t.ok(set[cfs.SIGRTMIN] and set[cfs.SIGRTMAX], "real-time signals forwarded")
  t.ok(cfs.SIGRTMIN > 31 and cfs.SIGRTMAX >= cfs.SIGRTMIN, "real-time range")
end)

-- Joining a process's namespaces

-- Start a child in new uts and mnt namespaces that sets its hostname and
-- waits; return it and a state table that describes it.
local function start_target(hostname)
  local r, w = cfs.pipe()
  local release_r, release_w = cfs.pipe()
  local child = cfs.clone({ "uts", "mnt" }, function()
    cfs.sethostname(hostname)
    w:write("x")
    release_r:read(1)
    return 0
  end)
  r:read(1)
  local links = {}
  for _, ns in ipairs { "uts", "mnt" } do
    links[ns] = cfs.readlink(string.format("/proc/%d/ns/%s", child.pid, ns))
  end
  return child, release_w, {
    name = "lua-target",
    pid = child.pid,
    pid_start_time = state.start_time(child.pid),
    namespaces = links,
    cwd = "/tmp",
  }
end

for _, method in ipairs { "pidfd", "path" } do
  t.test("join namespaces by " .. method, function()
    local target, release, st = start_target("lua-join-" .. method)
    local probe = cfs.clone({}, function()
      require("cfs.enter").join(st, { method = method })
      local same = cfs.readlink("/proc/self/ns/uts") == st.namespaces.uts
      local pwd = cfs.realpath(".")
      return (cfs.gethostname() == "lua-join-" .. method and same and pwd == "/tmp") and 0 or 1
    end)
    local _, code = probe:wait()
    release:write("x")
    target:wait()
    t.eq(code, 0, "joined hostname, namespace and directory")
  end)
end

t.test("join rejects an ended process", function()
  local target, release, st = start_target("lua-join-ended")
  release:write("x")
  target:wait()
  local err = t.raises("container 'lua%-target' has ended", require("cfs.enter").join, st)
  t.eq(err.status, 125, "status")
end)

t.test("fchdir enters a directory handle", function()
  local probe = cfs.clone({}, function()
    local dir = cfs.open("/tmp", { "path", "directory" })
    cfs.chdir("/")
    cfs.fchdir(dir)
    return cfs.realpath(".") == "/tmp" and 0 or 1
  end)
  local _, code = probe:wait()
  t.eq(code, 0, "cwd after fchdir")
end)

t.test("container ptmx on the host", function()
  -- The host has a devpts at /dev/pts, so nothing needs mounting.
  t.eq(require("cfs.tty").container_ptmx(), "/dev/pts/ptmx", "path")
end)

-- Argument checks of the primitives behind the lifecycle.

local BAD_ARGS = {
  openpty = { { { 1, 2 }, "no value expected" } },
  isatty = { { { "x" }, "cfs.Fd expected" } },
  tcgetattr = { { {}, "cfs.Fd expected" } },
  tcsetattr = { { { 0, "raw" }, "cfs.Termios expected" } },
  tcgetwinsize = { { { -1 }, "descriptor out of range" } },
  tcsetwinsize = {
    { { 0, 24 }, "bad argument #3" },
    { { 0, -1, 80 }, "out of range" },
  },
  setsid = { { { 1 }, "no value expected" } },
  tiocsctty = { { {}, "cfs.Fd expected" } },
  pidfd_open = { { { "x" }, "number expected" }, { { -5 }, "PID out of range" } },
  pidfd_send_signal = { { { 0, "NOPE" }, "unknown signal 'NOPE'" } },
  pidfd_setns = {
    { { 0 }, "table expected" },
    { { 0, {} }, "at least one namespace expected" },
    { { 0, { "bogus" } }, "unknown namespace 'bogus'" },
  },
  dup = { { {}, "cfs.Fd expected" } },
  socketpair = { { { 1 }, "no value expected" } },
  send_fd = { { { 0 }, "cfs.Fd expected" } },
  recv_fd = { { { 0, 1 }, "no value expected" } },
  setresuid = { { { "x" }, "number expected" }, { { 0, 0, 0, 0 }, "no value expected" } },
  setresgid = { { { -2 }, "ID out of range" } },
  fchdir = { { {}, "cfs.Fd expected" } },
}

for name, cases in pairs(BAD_ARGS) do
  for i, case in ipairs(cases) do
    t.test(string.format("%s bad arguments %d", name, i), function()
      t.eq(type(cfs[name]), "function", "type of cfs." .. name)
      t.raises(case[2], cfs[name], table.unpack(case[1], 1, 4))
    end)
  end
end
