-- Isolation policy in Lua: the user namespace hints, ID maps, the default
-- mount plan and its checks, and resolution inside a root on real
-- directories. The plan executor and the root switch fallback run in child
-- processes with their own mount namespace, so the host is never touched.
local t = require "harness"
local cfs = require "cfs"
local errors = require "cfs.errors"
local idmap = require "cfs.idmap"
local mounts = require "cfs.mounts"
local spec = require "cfs.spec"

local WORK = os.getenv("CFS_TEST_WORK") or "/tmp"
local TEST_ROOT = os.getenv("CFS_TEST_ROOT")

-- A new empty directory under the test work area, removed by the caller.
local serial = 0
local function scratch()
  serial = serial + 1
  local dir = string.format("%s/lua-iso.%d.%d", WORK, cfs.getpid(), serial)
  cfs.fs.rmtree(dir)
  cfs.mkdir(dir)
  return dir
end

local function write(path, data)
  cfs.fs.write_new(path, data or "")
end

local BAD_ARGS = {
  openat2 = {
    { { nil, "x", { "sideways" } }, "unknown open flag 'sideways'" },
    { { nil, "x", nil, { "inside" } }, "unknown resolve flag 'inside'" },
    { { nil, "x", nil, nil, 70000 }, "mode out of range" },
    { { "dir", "x" }, "cfs.Fd expected" },
  },
  mount_setattr = {
    { { "/x" }, "bad argument #2 to 'mount_setattr' %(table expected" },
    { { "/x", { readonly = true } }, "unknown option 'readonly'" },
    { { "/x", { set = { "ro" } } }, "unknown mount attribute 'ro'" },
    { { "/x", { propagation = "sideways" } }, "unknown propagation 'sideways'" },
  },
  link_up = {
    { {}, "bad argument #1 to 'link_up'" },
    { { "" }, "interface name must have 1 to 15 bytes" },
    { { "a-name-that-is-too-long" }, "interface name must have 1 to 15 bytes" },
  },
  link_flags = { { { "lo", 1 }, "no value expected" } },
  setresuid = {
    { { 0, 0, "x" }, "bad argument #3 to 'setresuid' %(number expected, got string%)" },
    { { -2, 0, 0 }, "ID out of range" },
  },
  setresgid = { { { 0, 0, 4294967295 }, "ID out of range" } },
  setgroups = {
    { { 5 }, "table expected" },
    { { { 1, "x" } }, "group ID expected at index 2" },
  },
}

for name, cases in pairs(BAD_ARGS) do
  for i, case in ipairs(cases) do
    t.test(string.format("%s bad arguments %d", name, i), function()
      local pattern = case[2]:gsub("to '([%w_]+)'", "to '[%%w._]*%1'")
      t.raises(pattern, cfs[name], table.unpack(case[1], 1, 6))
    end)
  end
end

-- User namespace hints --------------------------------------------------

local function reader(values)
  return function(path)
    return values[path]
  end
end

t.test("userns hint max_user_namespaces", function()
  local hint = errors.userns_hint(reader { ["/proc/sys/user/max_user_namespaces"] = "0" }, true)
  t.ok(hint:find("/proc/sys/user/max_user_namespaces is 0", 1, true), "names the file")
  t.ok(hint:find("sysctl -w user.max_user_namespaces=", 1, true), "says how to change it")
end)

t.test("userns hint unprivileged clone", function()
  local files = {
    ["/proc/sys/user/max_user_namespaces"] = "63000",
    ["/proc/sys/kernel/unprivileged_userns_clone"] = "0\n",
  }
  local hint = errors.userns_hint(reader(files), false)
  t.ok(hint:find("unprivileged_userns_clone is 0", 1, true), "names the file")
  t.ok(hint:find("sysctl -w kernel.unprivileged_userns_clone=1", 1, true), "gives the fix")
  t.eq(errors.userns_hint(reader(files), true), nil, "root is not affected")
end)

t.test("userns hint apparmor restriction", function()
  local files = { ["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "1" }
  local hint = errors.userns_hint(reader(files), false)
  t.ok(hint:find("apparmor_restrict_unprivileged_userns is 1", 1, true), "names the file")
  t.ok(hint:find("kernel.apparmor_restrict_unprivileged_userns=0", 1, true), "gives the fix")
end)

t.test("userns hint none when enabled", function()
  local files = {
    ["/proc/sys/user/max_user_namespaces"] = "15000",
    ["/proc/sys/kernel/unprivileged_userns_clone"] = "1",
    ["/proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = "0",
  }
  t.eq(errors.userns_hint(reader(files), false), nil, "hint")
  t.eq(errors.userns_hint(reader {}, false), nil, "hint with no files")
end)

t.test("userns hint is one line", function()
  local err = cfs.error { op = "clone", errno = cfs.errno.ENOSPC }
  err.hint = errors.userns_hint(reader { ["/proc/sys/user/max_user_namespaces"] = "0" }, true)
  t.ok(not tostring(err):find("\n"), "no newline in " .. tostring(err))
  t.ok(tostring(err):find("^clone: No space left on device %(user namespaces are disabled"),
    "message shape: " .. tostring(err))
end)

-- ID maps ---------------------------------------------------------------

t.test("idmap parse and format", function()
  local r = idmap.parse("1:100000:65536")
  t.eq(r.container, 1, "container")
  t.eq(r.host, 100000, "host")
  t.eq(r.size, 65536, "size")
  t.eq(math.type(r.size), "integer", "integer size")
  t.eq(idmap.parse("1:2"), nil, "two fields")
  t.eq(idmap.parse("a:1:1"), nil, "not a number")
  t.eq(idmap.parse("-1:1:1"), nil, "negative")
  t.eq(idmap.format { { container = 0, host = 1000, size = 1 }, r }, "0 1000 1\n1 100000 65536\n",
    "format")
end)

t.test("idmap check rejects bad maps", function()
  t.raises("uid map: expected a non%-empty list", idmap.check, {}, "uid")
  t.raises("ranges 1 and 2 overlap", idmap.check,
    { { container = 0, host = 1000, size = 10 }, { container = 5, host = 5000, size = 1 } }, "uid")
  t.raises("ranges 1 and 2 overlap", idmap.check,
    { { container = 0, host = 1000, size = 10 }, { container = 20, host = 1005, size = 1 } },
    "gid")
  t.raises("container ID 0 is not mapped", idmap.check,
    { { container = 1, host = 1000, size = 1 } }, "uid")
  t.raises("range 1: invalid host ID 'nil', expected an integer from 0 to 4294967294",
    idmap.check, { { container = 0, size = 1 } }, "uid")
  t.raises("range 1: invalid container ID '4294967295', expected an integer from 0 to",
    idmap.check, { { container = 4294967295, host = 0, size = 1 } }, "uid")
  local many = {}
  for i = 1, idmap.MAX_RANGES + 1 do
    many[i] = { container = i - 1, host = 1000 + i, size = 1 }
  end
  t.raises("341 ranges, the kernel allows 340", idmap.check, many, "uid")
  idmap.check({ { container = 0, host = 1000, size = 1 }, { container = 1, host = 100000,
    size = 65536 } }, "uid")
end)

t.test("idmap check states size range", function()
  local whole = "range 1: invalid size '%s', expected an integer from 1 to 4294967295$"
  for _, size in ipairs { 0, -1, 4294967296, 1.5 } do
    local pattern = whole:format(size):gsub("[%-%.]", "%%%0")
    t.raises(pattern, idmap.check, { { container = 0, host = 0, size = size } }, "uid")
  end
  t.raises("range 1: invalid size '4294967286', expected an integer from 1 to 4294967285 "
    .. "%(a range must end below ID 4294967295%)", idmap.check,
    { { container = 0, host = 10, size = 4294967286 } }, "uid")
  idmap.check({ { container = 0, host = 0, size = 4294967295 } }, "uid")
  idmap.check({ { container = 0, host = 10, size = 4294967285 } }, "uid")
end)

t.test("idmap subids by name and uid", function()
  local dir = scratch()
  write(dir .. "/subuid", "other:200000:65536\nalice:100000:65536\n# comment\n1001:300000:10\n"
    .. "alice:400000:0\nalice:500000:5\n")
  local ranges = idmap.subids(dir .. "/subuid", "alice", 1001)
  t.eq(#ranges, 3, "ranges for alice or 1001")
  t.eq(ranges[1].start, 100000, "first start")
  t.eq(ranges[2].start, 300000, "by uid")
  t.eq(ranges[3].count, 5, "empty range skipped")
  t.eq(#idmap.subids(dir .. "/missing", "alice", 1001), 0, "missing file")
  cfs.fs.rmtree(dir)
end)

t.test("idmap default map adds subordinate ranges", function()
  local dir = scratch()
  local uid = cfs.geteuid()
  write(dir .. "/passwd", string.format("someone:x:%d:%d::/:/bin/sh\n", uid, uid))
  write(dir .. "/subuid", "someone:100000:65536\nsomeone:300000:10\n")
  local map = idmap.default_map("uid", { passwd = dir .. "/passwd", subid = dir .. "/subuid" })
  t.eq(idmap.format(map), string.format("0 %d 1\n1 100000 65536\n65537 300000 10\n", uid),
    "map")
  local plain = idmap.default_map("uid", { passwd = dir .. "/passwd", subid = dir .. "/none" })
  t.eq(idmap.format(plain), string.format("0 %d 1\n", uid), "map without ranges")
  t.eq(idmap.user_name(uid, dir .. "/passwd"), "someone", "user name")
  cfs.fs.rmtree(dir)
end)

t.test("idmap helper needed for ranges", function()
  local self = { { container = 0, host = 1000, size = 1 } }
  local more = { self[1], { container = 1, host = 100000, size = 65536 } }
  t.eq(idmap.needs_helper(self, 1000, 1000), false, "own ID")
  t.eq(idmap.needs_helper(more, 1000, 1000), true, "subordinate range")
  t.eq(idmap.needs_helper({ { container = 0, host = 0, size = 1 } }, 1000, 1000), true,
    "someone else's ID")
  t.eq(idmap.needs_helper(more, 0, 0), false, "root writes any map")
end)

t.test("idmap write in a real user namespace", function()
  local map = { { container = 0, host = 100000, size = 65536 } }
  local r, w = cfs.pipe()
  local child = cfs.clone({ "user" }, function()
    r:close()
    idmap.become_root()
    local f = io.open("/proc/self/uid_map")
    w:write(f:read("a"))
    f:close()
    w:write(string.format("ids=%d,%d", cfs.getuid(), cfs.getgid()))
    return 0
  end, { prepare = function(c)
    idmap.write(c.pid, map, map)
  end })
  w:close()
  local chunks = {}
  repeat
    chunks[#chunks + 1] = r:read()
  until chunks[#chunks] == ""
  r:close()
  local out = table.concat(chunks)
  local how, code = child:wait()
  t.eq(how, "exited", "child end")
  t.eq(code, 0, "child status")
  t.ok(out:find("^%s*0%s+100000%s+65536\n"), "uid_map written: " .. out)
  t.ok(out:find("ids=0,0", 1, true), "child is root inside: " .. out)
end)

-- Mount plans -----------------------------------------------------------

local function find(plan, target)
  for _, entry in ipairs(plan) do
    if entry.target == target then
      return entry
    end
  end
end

t.test("default plan as root", function()
  local plan = mounts.default_plan { namespaces = spec.DEFAULT_NAMESPACES }
  mounts.check(plan)
  t.eq(plan[1].target, "/proc", "proc comes first")
  t.eq(find(plan, "/dev/null").type, "bind", "null is bound from the host")
  t.eq(find(plan, "/dev/tty").source, "/dev/tty", "tty source")
  t.ok(spec.contains(find(plan, "/dev").flags, "nodev"), "/dev is nodev")
  t.eq(find(plan, "/dev/ptmx").link, "pts/ptmx", "ptmx link")
  t.eq(find(plan, "/dev/fd").link, "/proc/self/fd", "fd link")
  t.ok(find(plan, "/dev/pts").data:find("gid=5", 1, true), "tty group")
  t.ok(find(plan, "/dev/pts").data:find("newinstance", 1, true), "own devpts")
  t.eq(find(plan, "/dev/mqueue").fstype, "mqueue", "mqueue with ipc")
  t.eq(find(plan, "/sys").fstype, "sysfs", "sysfs")
  t.eq(find(plan, "/proc/kcore").type, "mask", "kcore masked")
  t.eq(find(plan, "/proc/sysrq-trigger").type, "readonly", "sysrq read-only")
  local function index(target)
    for i, entry in ipairs(plan) do
      if entry.target == target then
        return i
      end
    end
  end
  t.ok(index("/dev") < index("/dev/null"), "/dev before its nodes")
  t.ok(index("/proc") < index("/proc/kcore"), "/proc before its masks")
end)

t.test("default plan in a user namespace", function()
  local map = { { container = 0, host = 1000, size = 1 } }
  local plan = mounts.default_plan { namespaces = { "user", "mnt", "pid" }, gid_map = map }
  mounts.check(plan)
  local null = find(plan, "/dev/null")
  t.eq(null.type, "bind", "null bound from the host")
  t.eq(null.source, "/dev/null", "null source")
  t.ok(not find(plan, "/dev/pts").data:find("gid=", 1, true), "no tty group unmapped")
  t.eq(find(plan, "/dev/mqueue"), nil, "no mqueue without ipc")
  t.eq(find(plan, "/sys").type, "bind", "host /sys bound")
  t.eq(find(plan, "/sys").readonly, true, "bound /sys read-only")
  local mapped = { map[1], { container = 1, host = 100000, size = 65536 } }
  plan = mounts.default_plan { namespaces = { "user", "mnt", "net" }, gid_map = mapped }
  t.ok(find(plan, "/dev/pts").data:find("gid=5", 1, true), "tty group when mapped")
  t.eq(find(plan, "/sys").fstype, "sysfs", "sysfs with a network namespace")
end)

t.test("mount check rejects bad entries", function()
  t.raises("unknown type 'tmp'", mounts.check, { { type = "tmp", target = "/x" } })
  t.raises("unknown field 'ro' for type 'bind'", mounts.check,
    { { type = "bind", source = "/", target = "/x", ro = true } })
  t.raises("field 'fstype' missing", mounts.check, { { target = "/x" } })
  t.raises("target 'x' is not an absolute path", mounts.check,
    { { type = "mask", target = "x" } })
  t.raises("target '/' would cover", mounts.check, { mounts.tmpfs("//") })
  t.raises("bind source '/nonexistent/src' does not exist", mounts.check,
    { mounts.bind("/nonexistent/src", "/x") })
  t.raises("mount entry 2:", mounts.check, { mounts.tmpfs("/a"), mounts.tmpfs("b") })
  mounts.check { mounts.bind("/", "/x", true), mounts.tmpfs("/tmp") }
end)

t.test("spec defaults and new fields", function()
  local s = spec.new {}
  t.ok(spec.contains(s.namespaces, "cgroup"), "cgroup by default")
  t.eq(s.readonly, false, "readonly default")
  t.eq(#s.extra_mounts, 0, "no extra mounts")
  t.eq(s.mounts[1].target, "/proc", "default plan")
  local mapped = spec.new { uid_map = { { container = 0, host = 100000, size = 10 } } }
  t.ok(spec.contains(mapped.namespaces, "user"), "a map adds a user namespace")
  t.eq(find(mapped.mounts, "/dev/null").type, "bind", "plan follows the user namespace")
  t.raises("readonly must be true or false", spec.new, { readonly = "yes" })
  t.raises("uid map: container ID 0 is not mapped", spec.new,
    { uid_map = { { container = 1, host = 1, size = 1 } } })
  t.raises("mount entry 1: target 'x'", spec.new, { extra_mounts = { mounts.tmpfs("x") } })
end)

t.test("spec rejects control characters in hostname", function()
  local cases = {
    { "a\nb", "a\\x0ab" }, { "a\0b", "a\\x00b" }, { "\tab", "\\x09ab" },
    { "a\31", "a\\x1f" }, { "a\127", "a\\x7f" },
  }
  for _, case in ipairs(cases) do
    local err = t.raises("invalid hostname '" .. case[2] .. "': it contains a control character",
      spec.new, { hostname = case[1] })
    t.eq(err.status, 125, case[2] .. " status")
  end
  t.raises("invalid hostname '" .. ("x"):rep(65) .. "\\x0a' %(a hostname has 1 to 64 bytes%)",
    spec.new, { hostname = ("x"):rep(65) .. "\n" })
  for _, name in ipairs { "a b", "a/b", "h\195\169", "a~!" } do
    t.eq(spec.new({ hostname = name }).hostname, name, "printable '" .. name .. "'")
  end
end)

-- Resolution inside a root -----------------------------------------------

t.test("open in root follows links inside", function()
  local root = scratch()
  cfs.mkdir(root .. "/etc")
  cfs.symlink("/", root .. "/etc/x")
  local rootfd <close> = cfs.open(root, { "path", "directory" })
  local fd <close> = mounts.open_in_root(rootfd, "/etc/x/a/b", "directory")
  t.eq(cfs.readlink(mounts.fd_path(fd)), root .. "/a/b", "created under the root")
  t.eq(cfs.fs.exists("/a/b"), false, "host path untouched")
  cfs.fs.rmtree(root)
end)

t.test("open in root follows dangling links inside", function()
  local root = scratch()
  local host = scratch()
  cfs.symlink(host .. "/target", root .. "/abs")
  cfs.symlink("../rel/sub", root .. "/relative")
  local rootfd <close> = cfs.open(root, { "path", "directory" })
  local a <close> = mounts.open_in_root(rootfd, "/abs", "directory")
  t.eq(cfs.readlink(mounts.fd_path(a)), root .. host .. "/target", "absolute link in root")
  t.eq(cfs.fs.exists(host .. "/target"), false, "host directory not created")
  local r <close> = mounts.open_in_root(rootfd, "/relative/file", "file")
  t.eq(cfs.readlink(mounts.fd_path(r)), root .. "/rel/sub/file", "relative link, file made")
  t.eq(cfs.lstat(root .. "/rel/sub/file").type, "file", "empty file")
  cfs.fs.rmtree(root)
  cfs.fs.rmtree(host)
end)

t.test("open in root without create", function()
  local root = scratch()
  write(root .. "/file")
  local rootfd <close> = cfs.open(root, { "path", "directory" })
  t.eq(mounts.open_in_root(rootfd, "/missing/x"), nil, "missing path")
  t.raises("ENOTDIR", function()
    local _, err = cfs.try(mounts.open_in_root, rootfd, "/file/x", "directory")
    error(err.code)
  end)
  cfs.fs.rmtree(root)
end)

t.test("open in root stops link loops", function()
  local root = scratch()
  cfs.symlink("/b", root .. "/a")
  cfs.symlink("/a", root .. "/b")
  local rootfd <close> = cfs.open(root, { "path", "directory" })
  local err = t.raises("Too many levels of symbolic links", mounts.open_in_root, rootfd, "/a/x",
    "directory")
  t.eq(err.code, "ELOOP", "code")
  cfs.fs.rmtree(root)
end)

t.test("openat2 in root and magic links", function()
  local root = scratch()
  cfs.symlink("/proc/self/root", root .. "/escape")
  local rootfd <close> = cfs.open(root, { "path", "directory" })
  local here <close> = cfs.openat2(rootfd, "..", { "path" }, { "in_root" })
  t.eq(cfs.readlink(mounts.fd_path(here)), root, "'..' stops at the root")
  local err = t.raises("ELOOP", function()
    local _, e = cfs.try(cfs.openat2, nil, "/proc/self/root/etc", { "path" }, { "no_magiclinks" })
    error(e.code)
  end)
  t.ok(err, "magic link refused")
  cfs.fs.rmtree(root)
end)

-- The executor, in a mount namespace of its own --------------------------

local function in_mount_ns(fn)
  return cfs.isolate({ "mnt" }, function()
    mounts.isolate_propagation("private")
    fn()
  end)
end

t.test("apply masks and read-only paths", function()
  local root = scratch()
  cfs.mkdir(root .. "/dir")
  write(root .. "/dir/secret", "secret")
  write(root .. "/file", "secret")
  in_mount_ns(function()
    mounts.apply(root, {
      { type = "mask", target = "/file" },
      { type = "mask", target = "/dir" },
      { type = "mask", target = "/absent" },
      { type = "readonly", target = "/ro" },
    })
    assert(cfs.stat(root .. "/file").type == "char", "file masked by a device")
    assert(cfs.fs.read_file(root .. "/file") == "", "masked file reads empty")
    assert(#cfs.readdir(root .. "/dir") == 0, "directory masked empty")
    assert(not cfs.fs.exists(root .. "/absent"), "absent path not created")
    local ok, err = cfs.try(cfs.mkdir, root .. "/dir/x")
    assert(not ok and err.code == "EROFS", "masked directory read-only")
  end)
  t.eq(cfs.fs.read_file(root .. "/file"), "secret", "host file unchanged")
  cfs.fs.rmtree(root)
end)

t.test("apply devices links binds and tmpfs", function()
  local root = scratch()
  local src = scratch()
  write(src .. "/m", "marker")
  in_mount_ns(function()
    mounts.apply(root, {
      { type = "mount", source = "tmpfs", target = "/dev", fstype = "tmpfs", data = "mode=755" },
      { type = "device", target = "/dev/null", major = 1, minor = 3 },
      { type = "symlink", target = "/dev/fd", link = "/proc/self/fd" },
      mounts.bind(src, "/data", true),
      { type = "readonly", target = "/data2" },
      mounts.tmpfs("/scratch"),
    })
    local null = cfs.stat(root .. "/dev/null")
    assert(null.type == "char" and null.mode == tonumber("666", 8), "null node mode 0666")
    assert(cfs.readlink(root .. "/dev/fd") == "/proc/self/fd", "fd link")
    assert(cfs.fs.read_file(root .. "/data/m") == "marker", "bind shows the source")
    local ok, err = cfs.try(write, root .. "/data/new")
    assert(not ok and err.code == "EROFS", "read-only bind: " .. tostring(err))
    write(root .. "/scratch/x")
  end)
  t.eq(#cfs.readdir(src), 1, "source unchanged")
  t.eq(#cfs.readdir(root .. "/scratch"), 0, "tmpfs gone with the namespace")
  cfs.fs.rmtree(root)
  cfs.fs.rmtree(src)
end)

t.test("apply rejects target resolving to root", function()
  local root = scratch()
  cfs.mkdir(root .. "/etc")
  cfs.symlink("/", root .. "/etc/x")
  local err = t.raises("target '/etc/x' resolves to the container's root", in_mount_ns,
    function()
      mounts.apply(root, { mounts.tmpfs("/etc/x") })
    end)
  t.eq(err.status, 125, "status")
  cfs.fs.rmtree(root)
end)

t.test("apply names the container path in errors", function()
  local root = scratch()
  local err = t.raises("mount%('/x'%)", in_mount_ns, function()
    mounts.apply(root, { { type = "mount", source = "none", target = "/x", fstype = "bogusfs" } })
  end)
  t.eq(err.code, "ENODEV", "code")
  cfs.fs.rmtree(root)
end)

-- Network and the root switch -------------------------------------------

t.test("link up in a network namespace", function()
  local status = cfs.isolate({ "net" }, function()
    local before = table.concat(cfs.link_flags("lo"), ",")
    assert(not before:find("up"), "lo starts down: " .. before)
    cfs.link_up("lo")
    local after = table.concat(cfs.link_flags("lo"), ",")
    assert(after:find("up") and after:find("loopback"), "lo is up: " .. after)
  end)
  t.eq(status, 0, "child status")
  local err = t.raises("link_flags%('cfs%-none0'%)", cfs.link_flags, "cfs-none0")
  t.eq(err.code, "ENODEV", "unknown interface")
end)

t.test("root switch falls back to chroot", function()
  t.ok(TEST_ROOT, "CFS_TEST_ROOT is set")
  local work = scratch()
  local want = cfs.stat(TEST_ROOT)
  in_mount_ns(function()
    cfs.mkdir(work .. "/new")
    cfs.mount(TEST_ROOT, work .. "/new", nil, { "bind", "rec" })
    -- A root that chroot made is not a mount point: pivot_root refuses it.
    cfs.chroot(work)
    cfs.chdir("/")
    local method = cfs.rootfs.switch("/new")
    assert(method == "chroot", "method " .. method)
    local st = cfs.stat("/")
    assert(st.ino == want.ino and st.dev == want.dev, "root is the test root")
    assert(cfs.fs.exists("/bin/probe"), "test root content visible")
  end)
  cfs.fs.rmtree(work)
end)

t.test("root switch failure names both errors", function()
  local work = scratch()
  local err = t.raises("pivot_root%('" .. work:gsub("%p", "%%%0") .. "'%)", in_mount_ns,
    function()
      cfs.rootfs.switch(work)
    end)
  t.ok(err.hint, "has a hint")
  cfs.fs.rmtree(work)
end)
