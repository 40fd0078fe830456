-- Limits and privileges: the policy modules (cfs.caps, cfs.seccomp,
-- cfs.rlimit, cfs.cgroup, cfs.hardening) on their own, and applied for real
-- in cloned children that report back through their exit status.
local t = require "harness"
local cfs = require "cfs"
local caps = require "cfs.caps"
local cgroup = require "cfs.cgroup"
local hardening = require "cfs.hardening"
local rlimit = require "cfs.rlimit"
local seccomp = require "cfs.seccomp"
local spec = require "cfs.spec"

local DOCKER_MASK = "00000000a80425fb"

-- Run fn in a child; its result (true or an integer) becomes the exit status.
local function in_child(fn)
  local child = cfs.clone({}, function()
    local ok, result = pcall(fn)
    if not ok then
      io.stderr:write(tostring(result), "\n")
      return 99
    end
    return result == true and 0 or result
  end)
  local how, code = child:wait()
  return how == "exited" and code or 128 + code
end

-- The value of a "Name:\tvalue" line of /proc/self/status.
local function status_field(name)
  for line in io.lines("/proc/self/status") do
    local value = line:match("^" .. name .. ":%s*(%S+)")
    if value then
      return value
    end
  end
end

local function cgroup_dirs()
  local count = 0
  local p = io.popen("find /sys/fs/cgroup -mindepth 1 -type d -name 'cfs-[0-9]*' 2>/dev/null")
  for _ in p:lines() do
    count = count + 1
  end
  p:close()
  return count
end

t.test("caps resolve accepts prefix and case", function()
  for _, name in ipairs { "SYS_ADMIN", "cap_sys_admin", "Cap_Sys_Admin", "sys_admin" } do
    local short, number = caps.resolve(name)
    t.eq(short, "sys_admin", name)
    t.eq(number, 21, name .. " number")
  end
end)

t.test("caps resolve rejects numbers and unknown", function()
  t.eq(caps.resolve("21"), nil, "a number")
  t.eq(caps.resolve("cap_21"), nil, "cap_ and a number")
  t.eq(caps.resolve("bogus"), nil, "unknown name")
  t.eq(caps.resolve(""), nil, "empty")
end)

t.test("caps default mask is docker's", function()
  t.eq(caps.mask(caps.DEFAULT), DOCKER_MASK, "mask")
end)

t.test("caps combine add and drop", function()
  local set = caps.combine({ "CAP_SYS_ADMIN" }, { "net_raw" })
  t.eq(caps.mask(set), "00000000a82405fb", "default - net_raw + sys_admin")
  t.eq(#caps.combine({}, { "ALL" }), 0, "drop ALL")
  t.eq(table.concat(caps.combine({ "kill" }, { "all" }), ","), "kill", "drop ALL, add kill")
end)

t.test("caps combine add all minus drop", function()
  local set = caps.combine({ "ALL" }, { "sys_admin" })
  local available = caps.available()
  local count = 0
  for _ in pairs(available) do
    count = count + 1
  end
  t.eq(#set, count - 1, "every held capability but one")
  for _, name in ipairs(set) do
    t.ok(name ~= "sys_admin", "sys_admin dropped")
  end
end)

t.test("caps combine rejects unknown name", function()
  local err = t.raises("unknown capability 'bogus' in %-%-cap%-add", caps.combine, { "bogus" })
  t.eq(err.status, 125, "status")
  t.raises("unknown capability 'nope' in %-%-cap%-drop", caps.combine, {}, { "nope" })
end)

t.test("caps apply gives exact sets", function()
  local code = in_child(function()
    caps.apply(caps.DEFAULT)
    if status_field("CapBnd") ~= DOCKER_MASK then
      return 1
    end
    if status_field("CapEff") ~= DOCKER_MASK or status_field("CapPrm") ~= DOCKER_MASK then
      return 2
    end
    if status_field("CapInh") ~= "0000000000000000" then
      return 3
    end
    return status_field("CapAmb") == "0000000000000000"
  end)
  t.eq(code, 0, "child status (1 bounding, 2 effective/permitted, 3 inheritable, 1 ambient)")
end)

t.test("caps apply takes any name form", function()
  local code = in_child(function()
    caps.apply({ "CAP_KILL", "Chown" }, { inheritable = { "kill" } })
    return status_field("CapEff") == "0000000000000021"
      and status_field("CapInh") == "0000000000000020"
  end)
  t.eq(code, 0, "child status")
end)

t.test("caps apply rejects unknown name", function()
  t.raises("unknown capability 'bogus'", caps.apply, { "bogus" })
end)

t.test("caps apply empty set", function()
  local code = in_child(function()
    caps.apply({})
    return status_field("CapBnd") == "0000000000000000"
      and status_field("CapEff") == "0000000000000000"
  end)
  t.eq(code, 0, "child status")
end)

t.test("seccomp action forms", function()
  t.eq(seccomp.action("allow"), "allow", "allow")
  t.eq(seccomp.action("kill"), "kill_process", "kill")
  t.eq(seccomp.action("errno").errno, cfs.errno.EPERM, "errno alone")
  t.eq(seccomp.action("errno EACCES").errno, cfs.errno.EACCES, "errno by name")
  t.eq(seccomp.action("errno EHWPOISON").errno, 133, "errno not in cfs.errno")
  t.eq(seccomp.action("errno 13").errno, 13, "errno by number")
  t.eq(seccomp.action("errno ENOPE"), nil, "unknown errno")
  t.eq(seccomp.action("errno 5000"), nil, "errno out of range")
  t.eq(seccomp.action("allow now"), nil, "trailing word")
  t.eq(seccomp.action("deny"), nil, "unknown action")
end)

t.test("seccomp compile rejects unknown syscall", function()
  local err = t.raises("seccomp profile 'p.lua': syscalls%[2%]: unknown syscall 'mkdri'",
    seccomp.compile, {
      syscalls = { { name = "mkdir", action = "errno" }, { names = { "mkdri" }, action = "log" } },
    }, "p.lua")
  t.eq(err.status, 125, "status")
end)

t.test("seccomp compile rejects bad entries", function()
  local cases = {
    { { skip_unknown = "no" }, "skip_unknown 'no' is not true or false" },
    { { default = "deny" }, "invalid default action 'deny'" },
    { { syscals = {} }, "unknown field 'syscals'" },
    { { syscalls = { { name = "mkdir" } } }, "syscalls%[1%]: missing 'action'" },
    { { syscalls = { { name = "mkdir", action = "errno", arg = {} } } },
      "syscalls%[1%]: unknown field 'arg'" },
    { { syscalls = { { names = {}, action = "errno" } } }, "syscalls%[1%]: give 'name'" },
    { { syscalls = { { name = "kill", action = "errno",
      args = { { index = 0, op = "gt", value = 1 }, { index = 0, op = "lt", value = 9 } } } } },
      "syscalls%[1%]: condition 2: argument 0 is already tested by condition 1 %(libseccomp "
        .. "takes one condition per argument index%)" },
    { { syscalls = { { name = "kill", action = "errno", args = { { index = 9, op = "eq" } } } } },
      "syscalls%[1%]: condition 1: invalid argument index '9', expected 0 to 5" },
  }
  for i, case in ipairs(cases) do
    t.raises(case[2], seccomp.compile, case[1], "case " .. i)
  end
end)

t.test("seccomp profile with too many entries rejected", function()
  local names = {}
  for i = 1, seccomp.MAX_ENTRIES + 1 do
    names[i] = i % 2 == 0 and "mkdir" or "rmdir"
  end
  t.raises(string.format("%d syscall entries in its rules, at most %d", #names,
    seccomp.MAX_ENTRIES), seccomp.compile, { syscalls = { { names = names, action = "errno" } } })
end)

t.test("seccomp conditions checked for every action", function()
  local function profile(action, args, default)
    return { default = default, syscalls = { { name = "kill", action = action, args = args } } }
  end
  local bad = {
    { { { index = 7, op = "eq", value = 1 } }, "condition 1: invalid argument index '7'" },
    { { { index = 0, op = "eq", value = 1 }, { index = 0, op = "ne", value = 2 } },
      "condition 2: argument 0 is already tested by condition 1" },
    { { { index = 1, op = "near", value = 1 } }, "condition 1: invalid op 'near'" },
    { { { index = 1, op = "eq", value = "10" } }, "condition 1: value '10' is not an integer" },
    { { { index = 1, op = "eq" } }, "condition 1: value 'nil' is not an integer" },
    { { { index = 1, op = "masked_eq", value = 1 } },
      "condition 1: op 'masked_eq' needs a 'mask'" },
    { { { index = 1, op = "eq", value = 1, mask = 1 } }, "condition 1: 'mask' is only for op" },
    { { { index = 1, op = "eq", value = 1, arg = 2 } }, "condition 1: unknown field 'arg'" },
    { { index = 1, op = "eq", value = 10 }, "'args' must be a list of conditions" },
    { "index 1", "'args' must be a list of conditions" },
    { { 1 }, "condition 1 is not a table" },
  }
  -- Each action is tried with "allow" and with "errno" as the default: a
  -- rule with the default action adds nothing to the filter, but its
  -- conditions are checked all the same.
  for _, action in ipairs { "allow", "errno", "kill", "log", "trap", "kill_thread" } do
    for _, default in ipairs { "allow", "errno" } do
      for i, case in ipairs(bad) do
        t.raises("syscalls%[1%]: " .. case[2]:gsub("[%[%]%(%)%.%-]", "%%%0"), seccomp.compile,
          profile(action, case[1], default), action .. " with default " .. default .. ", case "
            .. i)
      end
    end
  end
  local unknown = { skip_unknown = true, syscalls = { { name = "no_such_call", action = "errno",
    args = { { index = 6, op = "eq", value = 1 } } } } }
  t.raises("syscalls%[1%]: condition 1: invalid argument index '6'", seccomp.compile, unknown)
  local good = { { index = 0, op = "eq", value = 1 }, { index = 5, op = "masked_eq", mask = 3,
    value = 1 } }
  for _, action in ipairs { "allow", "errno" } do
    local filter <close> = seccomp.compile(profile(action, good, "allow"))
    t.ok(filter, action .. " with good conditions compiles")
  end
end)

t.test("seccomp read runs without globals", function()
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write("return { syscalls = { { name = 'mkdir',",
    " action = 'errno ' .. (os and 'x' or 'EACCES') } } }")
  f:close()
  local profile = seccomp.read(path)
  os.remove(path)
  t.eq(profile.syscalls[1].action, "errno EACCES", "os is not visible to the profile")
end)

t.test("seccomp read rejects non-table", function()
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write("return 42")
  f:close()
  local ok, err = pcall(seccomp.read, path)
  os.remove(path)
  t.ok(not ok, "raised")
  t.ok(tostring(err):find("returned a number, expected a profile table", 1, true), tostring(err))
end)

t.test("seccomp default profile follows caps", function()
  local function rule_for(profile, name)
    for _, rule in ipairs(profile.syscalls) do
      for _, n in ipairs(rule.names) do
        if n == name then
          return rule
        end
      end
    end
  end
  local plain = seccomp.default_profile(caps.DEFAULT)
  local admin = seccomp.default_profile({ "sys_admin", "sys_ptrace" })
  t.ok(rule_for(plain, "mount"), "mount denied without sys_admin")
  t.eq(rule_for(admin, "mount"), nil, "mount allowed with sys_admin")
  t.ok(rule_for(admin, "keyctl"), "keyctl denied always")
  t.eq(rule_for(admin, "clone3"), nil, "clone3 allowed with sys_admin")
  t.eq(rule_for(plain, "clone3").action, "errno ENOSYS", "clone3 ENOSYS")
  t.eq(rule_for(plain, "ptrace"), nil, "ptrace allowed")
  t.ok(rule_for(plain, "kcmp"), "kcmp denied without sys_ptrace")
end)

-- Load `profile` in a child with no_new_privs and return what fn returns there.
local function with_filter(profile, fn)
  return in_child(function()
    local filter = seccomp.compile(profile, "test")
    cfs.prctl("set_no_new_privs", 1)
    filter:load()
    return fn()
  end)
end

t.test("seccomp default profile blocks unshare", function()
  local code = with_filter(seccomp.default_profile(caps.DEFAULT), function()
    local ok, err = pcall(cfs.unshare, { "user" })
    return not ok and err.code == "EPERM"
  end)
  t.eq(code, 0, "unshare(user) fails with EPERM")
end)

t.test("seccomp profile errno and args", function()
  local code = with_filter({
    syscalls = {
      { name = "mkdir", action = "errno EROFS" },
      { name = "kill", action = "errno ESRCH", args = { { index = 1, op = "eq", value = 0 } } },
    },
  }, function()
    local ok, err = pcall(cfs.mkdir, "/tmp/cfs-seccomp-test-never")
    if ok or err.code ~= "EROFS" then
      return 1
    end
    ok, err = pcall(cfs.kill, cfs.getpid(), 0)
    if ok or err.code ~= "ESRCH" then
      return 2
    end
    return pcall(cfs.kill, cfs.getpid(), "WINCH") and 0 or 3
  end)
  t.eq(code, 0, "child status (1 mkdir, 2 kill 0, 3 kill WINCH)")
end)

t.test("seccomp kill action ends process", function()
  local code = with_filter({ syscalls = { { name = "getppid", action = "kill" } } }, function()
    cfs.getppid()
    return 0
  end)
  t.eq(code, 128 + 31, "killed by SIGSYS")
end)

t.test("rlimit parse forms", function()
  local name, limit = rlimit.parse("nofile=1024:2048")
  t.eq(name, "nofile", "name")
  t.eq(limit.soft, 1024, "soft")
  t.eq(limit.hard, 2048, "hard")
  local _, unlimited = rlimit.parse("core=unlimited")
  t.eq(unlimited.soft, cfs.RLIM_INFINITY, "unlimited soft")
  t.eq(unlimited.hard, cfs.RLIM_INFINITY, "hard defaults to soft")
  local _, minus_one = rlimit.parse("nproc=10:-1")
  t.eq(minus_one.hard, cfs.RLIM_INFINITY, "-1 hard")
end)

t.test("rlimit parse rejects bad values", function()
  local cases = {
    { "nofile", "expected NAME=SOFT%[:HARD%]" },
    { "nofile=", "expected NAME=SOFT%[:HARD%]" },
    { "files=1", "unknown resource 'files'" },
    { "nofile=ten", "invalid limit" },
    { "nofile=10:5", "soft limit above hard limit" },
    { "nofile=1:2:3", "expected NAME=SOFT%[:HARD%]" },
    { "nofile=-5", "invalid limit" },
  }
  for _, case in ipairs(cases) do
    local err = t.raises(case[2], rlimit.parse, case[1])
    t.eq(err.status, 125, case[1] .. " status")
  end
end)

t.test("rlimit plan defaults nofile", function()
  local soft, hard = cfs.getrlimit("nofile")
  local plan = rlimit.plan({})
  if math.ult(rlimit.DEFAULT_NOFILE, soft) then
    t.eq(plan.nofile.soft, rlimit.DEFAULT_NOFILE, "soft lowered")
    t.eq(plan.nofile.hard, hard, "hard kept")
  else
    t.eq(plan.nofile, nil, "already low: unchanged")
  end
end)

t.test("rlimit plan rejects raising hard", function()
  local _, hard = cfs.getrlimit("nofile")
  local can_raise = false
  for _, cap in ipairs(cfs.cap_get_proc().effective) do
    can_raise = can_raise or cap == 24
  end
  if hard == cfs.RLIM_INFINITY or can_raise then
    return
  end
  t.raises("nofile hard limit %d+ is above cfs's own " .. hard, rlimit.plan,
    { nofile = { soft = 1, hard = hard + 1 } })
end)

t.test("rlimit apply sets limits", function()
  local code = in_child(function()
    rlimit.apply(rlimit.plan({ core = { soft = 0, hard = 0 }, nofile = { soft = 64, hard = 128 } }))
    local soft, hard = cfs.getrlimit("nofile")
    local core_soft, core_hard = cfs.getrlimit("core")
    return soft == 64 and hard == 128 and core_soft == 0 and core_hard == 0
  end)
  t.eq(code, 0, "child status")
end)

t.test("cgroup parse_size forms", function()
  local cases = {
    { "64M", 64 * 2 ^ 20 }, { "64m", 64 * 2 ^ 20 }, { "64MB", 64 * 2 ^ 20 },
    { "64MiB", 64 * 2 ^ 20 }, { "1g", 2 ^ 30 }, { "1.5G", 1.5 * 2 ^ 30 }, { "512k", 512 * 1024 },
    { "1048576", 1048576 }, { "10b", 10 },
  }
  for _, case in ipairs(cases) do
    t.eq(cgroup.parse_size(case[1]), math.tointeger(case[2]), case[1])
  end
  for _, bad in ipairs { "", "M", "-1", "64X", "64 M", "1e9", "64Mb1", "0x10" } do
    local bytes, problem = cgroup.parse_size(bad)
    t.eq(bytes, nil, "'" .. bad .. "'")
    t.eq(problem, nil, "'" .. bad .. "' problem")
  end
end)

t.test("cgroup parse_size maximum", function()
  t.eq(cgroup.parse_size("1T"), 2 ^ 40 // 1, "1T")
  t.eq(cgroup.parse_size("4194304t"), cgroup.MAX_MEMORY, "4194304t")
  t.eq(cgroup.parse_size(tostring(cgroup.MAX_MEMORY)), cgroup.MAX_MEMORY, "maximum in bytes")
  for _, big in ipairs { "4194305t", "9223372036854775807", "99999999999999999999" } do
    local bytes, problem = cgroup.parse_size(big)
    t.eq(bytes, nil, big)
    t.eq(problem, "too large", big .. " problem")
  end
end)

t.test("cgroup parse_size keeps whole numbers exact", function()
  -- 2^53 + 1: a float would round it to 2^53.
  t.eq(cgroup.parse_size("9007199254740993"), 9007199254740993, "2^53 + 1 bytes")
  t.eq(math.type(cgroup.parse_size("64m")), "integer", "64m is an integer")
  t.eq(math.type(cgroup.parse_size("1.5g")), "integer", "1.5g is an integer")
end)

t.test("cgroup format_size round trips", function()
  t.eq(cgroup.format_size(32 * 2 ^ 20 // 1), "32M", "32M")
  t.eq(cgroup.format_size(2 ^ 30 // 1), "1G", "1G")
  t.eq(cgroup.format_size(1000), "1000", "bytes")
end)

t.test("cgroup detect finds own groups", function()
  local layout = cgroup.detect()
  t.ok(layout.mode == "v1" or layout.mode == "v2" or layout.mode == "hybrid", layout.mode)
  for controller, h in pairs(layout.v1) do
    local f = io.open(h.dir .. "/cgroup.procs")
    t.ok(f, controller .. " dir exists: " .. h.dir)
    local mine = false
    for pid in f:lines() do
      mine = mine or tonumber(pid) == cfs.getpid()
    end
    f:close()
    t.ok(mine, controller .. " dir holds this process")
  end
end)

t.test("cgroup create set add remove", function()
  local before = cgroup_dirs()
  local group = cgroup.create({ "memory", "pids" })
  t.ok(group.name:match("^cfs%-%d+%-%x+$"), "name " .. group.name)
  t.eq(#group.dirs, 2, "one directory per hierarchy")
  cgroup.set(group, { memory = "16M", pids = 5 })
  local stats = cgroup.stats(group)
  t.eq(stats.memory.limit, 16 * 2 ^ 20 // 1, "memory limit")
  t.eq(stats.pids.limit, 5, "pids limit")

  local reader, writer = cfs.pipe()
  local child = cfs.clone({}, function()
    writer:close()
    reader:read(1)
    return 0
  end, {
    prepare = function(c)
      cgroup.add(group, c.pid)
    end,
  })
  reader:close()
  t.eq(table.concat(cgroup.procs(group), ","), tostring(child.pid), "procs")
  -- remove kills what remains, so the child never gets its byte.
  cgroup.remove(group)
  writer:close()
  local how, code = child:wait()
  t.eq(how, "signaled", "child killed")
  t.eq(code, 9, "by SIGKILL")
  t.eq(cgroup_dirs(), before, "no directory left")
end)

t.test("cgroup watcher removes after SIGKILL", function()
  local before = cgroup_dirs()
  local reader, writer = cfs.pipe()
  -- A stand-in for cfs: it makes a watched group, reports, and waits to be killed.
  local owner = cfs.clone({}, function()
    reader:close()
    local group = cgroup.create({ "pids" }, { watch = true })
    writer:write(group.dirs[1] .. "\n")
    writer:close()
    cfs.poll({ cfs.signalfd({ "USR2" }) })
    return 0
  end)
  writer:close()
  local dir = reader:read():match("^(.-)\n")
  reader:close()
  t.ok(io.open(dir .. "/cgroup.procs"), "group exists while its owner runs")
  owner:kill("KILL")
  owner:wait()
  -- The watcher is not our child: wait for its work, bounded generously.
  local idle, idle_writer = cfs.pipe()
  for _ = 1, 500 do
    if not io.open(dir .. "/cgroup.procs") then
      break
    end
    cfs.poll({ idle }, 20)
  end
  idle:close()
  idle_writer:close()
  t.eq(io.open(dir .. "/cgroup.procs"), nil, "group removed")
  t.eq(cgroup_dirs(), before, "no directory left")
end)

t.test("cgroup create rejects unknown controller", function()
  t.raises("controller 'bogus' is not available", cgroup.create, { "bogus" })
end)

t.test("cgroup set rejects unknown limit", function()
  local group <close> = cgroup.create({ "pids" })
  t.raises("unknown limit 'swap'", cgroup.set, group, { swap = 1 })
end)

t.test("hardening fields from options", function()
  local fields = {}
  hardening.fields({ memory = "64m", pids = "10", cpus = "0.5", cap_drop = { "ALL" },
    cap_add = { "kill,chown" }, allow_new_privs = true, seccomp = "unconfined",
    ulimit = { "nofile=10:20" } }, fields)
  t.eq(fields.resources.memory, 64 * 2 ^ 20 // 1, "memory")
  t.eq(fields.resources.pids, 10, "pids")
  t.eq(fields.resources.cpus, 0.5, "cpus")
  t.eq(table.concat(fields.capabilities, ","), "chown,kill", "capabilities")
  t.eq(fields.no_new_privs, false, "no_new_privs")
  t.eq(fields.seccomp, "unconfined", "seccomp")
  t.eq(fields.rlimits.nofile.hard, 20, "ulimit")
end)

t.test("hardening fields reject bad values", function()
  local cases = {
    { { memory = "lots" }, "invalid %-%-memory 'lots': expected a size" },
    { { memory = "9223372036854775807" },
      "invalid %-%-memory '9223372036854775807': too large, the maximum is 4194304T" },
    { { pids = "-3" }, "invalid %-%-pids '%-3'" },
    { { pids = "1.5" }, "invalid %-%-pids '1.5'" },
    { { pids = "0" }, "invalid %-%-pids '0': expected a whole number from 1 to 4194304" },
    { { pids = "4194305" }, "invalid %-%-pids '4194305': expected a whole number from 1 to" },
    { { pids = "9223372036854775807" }, "invalid %-%-pids '9223372036854775807'" },
    { { pids = "99999999999999999999" }, "invalid %-%-pids '99999999999999999999'" },
    { { cpus = "half" }, "invalid %-%-cpus 'half'" },
  }
  for _, case in ipairs(cases) do
    local err = t.raises(case[2], hardening.fields, case[1], {})
    t.eq(err.status, 125, case[2] .. " status")
  end
end)

t.test("spec checks limits and privileges", function()
  local s = spec.new {}
  t.eq(caps.mask(s.capabilities), DOCKER_MASK, "default capabilities")
  t.eq(s.no_new_privs, true, "no_new_privs on")
  t.eq(s.seccomp, "default", "seccomp default")
  t.eq(s.resources, nil, "no resources")
  t.raises("memory limit 4M is below the minimum of 6M", spec.new,
    { resources = { memory = "4M" } })
  t.raises("memory limit 9223372036854775807 is above the maximum of 4194304T", spec.new,
    { resources = { memory = math.maxinteger } })
  t.raises("invalid memory limit '5000000T' %(a size is a number of bytes, or a number with k, "
    .. "m, g or t, at most 4194304T%)", spec.new, { resources = { memory = "5000000T" } })
  t.eq(spec.new({ resources = { memory = "1t" } }).resources.memory, 2 ^ 40 // 1, "memory 1t")
  t.raises("pids limit '0' is out of range", spec.new, { resources = { pids = 0 } })
  t.raises("pids limit '4194305' is out of range %(a pids limit is a whole number from 1 to "
    .. "4194304%)", spec.new, { resources = { pids = 4194305 } })
  t.eq(spec.new({ resources = { pids = 4194304 } }).resources.pids, 4194304, "largest pids")
  t.raises("cpus '0' is out of range", spec.new, { resources = { cpus = 0 } })
  t.raises("unknown resource 'disk'", spec.new, { resources = { disk = 1 } })
  t.raises("unknown capability 'bogus'", spec.new, { capabilities = { "bogus" } })
  local missing
  for _, name in ipairs(caps.all()) do
    if not caps.available()[name] then
      missing = name
    end
  end
  if missing then
    t.raises("capability '" .. missing .. "' is not in cfs's own bounding set", spec.new,
      { capabilities = { missing } })
  end
  t.raises("seccomp 'strict' is not", spec.new, { seccomp = "strict" })
end)

t.test("library modules reachable from cfs", function()
  for _, name in ipairs { "caps", "cgroup", "hardening", "rlimit", "seccomp" } do
    t.eq(cfs[name], require("cfs." .. name), "cfs." .. name)
  end
end)

t.test("runner is not sealed", function()
  -- cfs seals itself only on request (cfs.exe_seal), never at start.
  t.eq(cfs.exe_sealed(), false, "exe_sealed")
  t.ok(cfs.readlink("/proc/self/exe") ~= "/memfd:cfs (deleted)", "exe link is the file")
end)

-- name = list of {arguments, expected error text} that must raise.
local BAD_ARGS = {
  cap_set_proc = {
    { { { effective = { "cap_bogus" } } }, "unknown capability 'cap_bogus'" },
    { { { permitted = "cap_kill" } }, "set 'permitted' must be a list" },
  },
  cap_drop_bound = { { { 99 }, "capability number out of range" } },
  cap_set_ambient = { { { "cap_kill" }, "boolean expected" } },
  prctl = {
    { { "set_dumpable", 2 }, "0 or 1 expected" },
    { { "set_pdeathsig", "NOPE" }, "unknown signal 'NOPE'" },
  },
  setrlimit = {
    { { "nofile", 1 }, "bad argument #3 to 'setrlimit'" },
    { { "nofile", 1, 2, 3 }, "no value expected" },
  },
  seccomp_init = {
    { { { errno = "EPERM" } }, "integer field 'errno'" },
    { { { errno = 1, extra = 2 } }, "unknown option 'extra'" },
    { { { errno = 70000 } }, "errno out of range" },
  },
  exe_sealed = { { { 1 }, "no value expected" } },
  exe_seal = { { { 1 }, "no value expected" } },
}

for name, cases in pairs(BAD_ARGS) do
  for i, case in ipairs(cases) do
    t.test(string.format("%s bad arguments %d", name, i), function()
      t.raises(case[2]:gsub("to '([%w_]+)'", "to '[%%w._]*%1'"), cfs[name],
        table.unpack(case[1], 1, 4))
    end)
  end
end

t.test("seccomp filter bad arguments", function()
  local filter = cfs.seccomp_init("allow")
  t.raises("unknown architecture 'vax'", filter.arch_add, filter, "vax")
  t.raises("at most 6 conditions expected", filter.rule_add, filter, "log", "kill",
    { {}, {}, {}, {}, {}, {}, {} })
  filter:release()
  t.raises("filter is released", filter.rule_add, filter, "log", "kill")
end)
