--- Seccomp profiles: the default profile, profiles written as Lua tables,
-- and their compilation into a cfs.Seccomp filter, which the container's
-- first process loads as its last step before it executes the command.
--
-- A profile is a table:
--
--   return {
--     default = "allow",   -- action for syscalls no rule names
--     syscalls = {
--       { names = { "mkdir", "mkdirat" }, action = "errno EACCES" },
--       { name = "personality", action = "errno",
--         args = { { index = 0, op = "eq", value = 6 } } },
--     },
--     skip_unknown = false, -- true: no rule for names libseccomp does not know
--   }
--
-- Actions: allow, errno (EPERM), "errno NAME" or "errno NUMBER", kill (the
-- whole process), kill_thread, trap (SIGSYS), log (allow, and log to the
-- kernel's audit log). A rule's args are conditions that must all hold:
-- index 0 to 5, op ne, lt, le, eq, ge, gt or masked_eq (with mask).
local core = require "cfs.core"
local errors = require "cfs.errors"
local log = require "cfs.log"

local M = {}

-- Syscalls the default profile rejects with EPERM unless the container has
-- one of the listed capabilities. The groups are those of docker's default
-- profile, which allows these calls only with the same capabilities;
-- pivot_root is added to the CAP_SYS_ADMIN group (docker never allows it),
-- so that a container given CAP_SYS_ADMIN can start containers itself.
local DENY_UNLESS = {
  {
    caps = { "sys_admin" },
    names = {
      "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie", "mount",
      "mount_setattr", "move_mount", "open_tree", "pivot_root", "quotactl", "quotactl_fd",
      "setdomainname", "sethostname", "setns", "umount", "umount2", "unshare",
    },
  },
  { caps = { "sys_admin", "bpf" }, names = { "bpf" } },
  { caps = { "sys_admin", "perfmon" }, names = { "perf_event_open" } },
  { caps = { "sys_admin", "syslog" }, names = { "syslog" } },
  { caps = { "dac_read_search" }, names = { "open_by_handle_at" } },
  { caps = { "sys_boot" }, names = { "reboot" } },
  { caps = { "sys_chroot" }, names = { "chroot" } },
  { caps = { "sys_module" }, names = { "delete_module", "finit_module", "init_module" } },
  { caps = { "sys_pacct" }, names = { "acct" } },
  { caps = { "sys_ptrace" }, names = { "kcmp", "pidfd_getfd", "process_madvise" } },
  { caps = { "sys_rawio" }, names = { "ioperm", "iopl" } },
  { caps = { "sys_time" }, names = { "clock_settime", "settimeofday", "stime" } },
  { caps = { "sys_tty_config" }, names = { "vhangup" } },
  {
    caps = { "sys_nice" },
    names = { "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node" },
  },
}

-- Rejected whatever the capabilities, as docker's profile never allows
-- them either. The kernel keyring is not namespaced. io_uring runs
-- operations that no seccomp filter sees, and docker blocks it since 25.0
-- (moby pull request 46762). kexec replaces the host's kernel, swapon and
-- userfaultfd have served kernel exploits, and the rest are obsolete.
local DENY_ALWAYS = {
  "add_key", "keyctl", "request_key",
  "io_uring_enter", "io_uring_register", "io_uring_setup",
  "kexec_file_load", "kexec_load", "swapoff", "swapon", "userfaultfd", "move_pages",
  "create_module", "get_kernel_syms", "nfsservctl", "query_module", "_sysctl", "sysfs", "uselib",
  "ustat", "vm86", "vm86old",
}

-- AF_VSOCK sockets reach the hypervisor's host, outside any network namespace.
local AF_VSOCK = 40

-- The ioctl request that fakes terminal input (asm-generic/ioctls.h).
local TIOCSTI = 0x5412

-- clone flags that create namespaces (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC,
-- NEWUSER, NEWPID, NEWNET); clone cannot ask for a time namespace.
local CLONE_NAMESPACE_FLAGS = {
  0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000,
}

-- personality flags that weaken the process: ADDR_NO_RANDOMIZE,
-- FDPIC_FUNCPTRS, MMAP_PAGE_ZERO, ADDR_COMPAT_LAYOUT, READ_IMPLIES_EXEC,
-- ADDR_LIMIT_32BIT, SHORT_INODE, WHOLE_SECONDS, STICKY_TIMEOUTS, ADDR_LIMIT_3GB.
local PERSONALITY_FLAGS = {
  0x0040000, 0x0080000, 0x0100000, 0x0200000, 0x0400000, 0x0800000, 0x1000000, 0x2000000,
  0x4000000, 0x8000000,
}

local PERSONALITY_QUERY_BIT = 0x80000000

local function deny(names, args)
  return { names = names, action = "errno EPERM", args = args }
end

-- Rules that reject personality() values that change the execution domain
-- or set a flag that weakens the process, while PER_LINUX, PER_LINUX32,
-- UNAME26 and the query 0xffffffff pass, close to docker's profile, which
-- allows exactly those four values. libseccomp allows one comparison per
-- argument in a rule, so each rule tests one forbidden bit together with
-- bit 31, which is set only in the query.
local function personality_rules()
  local rules = {}
  local function add(mask, value)
    rules[#rules + 1] = deny({ "personality" }, {
      { index = 0, op = "masked_eq", mask = mask, value = value },
    })
  end
  for _, flag in ipairs(PERSONALITY_FLAGS) do
    add(flag | PERSONALITY_QUERY_BIT, flag)
  end
  -- An execution domain other than PER_LINUX (0) and PER_LINUX32 (8).
  for bit = 0, 7 do
    if bit ~= 3 then
      add((1 << bit) | PERSONALITY_QUERY_BIT, 1 << bit)
    end
  end
  -- NOTE: a value with bit 31 set passes, so PER_BSD | 0x80000000 reaches
  -- the kernel. Bit 31 is no flag, but the other bits still take effect;
  -- testing it against each of the 31 other bits triples the filter.
  return rules
end

--- The default profile for a container with `caps`. Everything is allowed
-- except the syscalls docker's default profile blocks, which fail with
-- EPERM. clone3 fails with ENOSYS instead, so that C libraries fall back to
-- clone, whose flags a filter can read.
-- @tparam {string,...} caps the container's capabilities (short names)
-- @treturn table a profile
function M.default_profile(caps)
  local held = {}
  for _, name in ipairs(caps) do
    held[name] = true
  end
  local rules = { deny(DENY_ALWAYS) }
  for _, group in ipairs(DENY_UNLESS) do
    local allowed = false
    for _, cap in ipairs(group.caps) do
      allowed = allowed or held[cap]
    end
    if not allowed then
      rules[#rules + 1] = deny(group.names)
    end
  end
  if not held.sys_admin then
    for _, flag in ipairs(CLONE_NAMESPACE_FLAGS) do
      rules[#rules + 1] = deny({ "clone" }, {
        { index = 0, op = "masked_eq", mask = flag, value = flag },
      })
    end
    rules[#rules + 1] = { names = { "clone3" }, action = "errno ENOSYS" }
  end
  rules[#rules + 1] = deny({ "socket" }, { { index = 0, op = "eq", value = AF_VSOCK } })
  -- TIOCSTI pushes bytes into a terminal's input. Without -t the container
  -- shares the terminal of the shell that started cfs, so the ioctl would
  -- let it type commands into that shell. Only the low 32 bits hold the
  -- request number.
  rules[#rules + 1] = deny({ "ioctl" }, {
    { index = 1, op = "masked_eq", mask = 0xffffffff, value = TIOCSTI },
  })
  for _, rule in ipairs(personality_rules()) do
    rules[#rules + 1] = rule
  end
  return { default = "allow", syscalls = rules, skip_unknown = true }
end

-- The number of an errno name such as "EACCES", from the C library's names.
local function errno_number(name)
  if core.errno[name] then
    return core.errno[name]
  end
  -- Linux numbers its errors below 256.
  for number = 1, 255 do
    local _, known = core.strerror(number)
    if known == name then
      return number
    end
  end
  return nil
end

local SIMPLE_ACTIONS = {
  allow = "allow",
  kill = "kill_process",
  kill_process = "kill_process",
  kill_thread = "kill_thread",
  trap = "trap",
  log = "log",
}

--- Turn an action as profiles write it into the form cfs.seccomp_init and
-- Seccomp:rule_add take.
-- @tparam string text "allow", "kill", "kill_thread", "trap", "log", "errno",
--   "errno EACCES" or "errno 13"
-- @treturn string|table|nil the action, nil when the text is not one
function M.action(text)
  if type(text) ~= "string" then
    return nil
  end
  local word, rest = text:match("^%s*(%S+)%s*(.-)%s*$")
  if word == "errno" then
    if rest == "" then
      return { errno = core.errno.EPERM }
    end
    local number = math.tointeger(tonumber(rest)) or errno_number(rest)
    if not number or number < 0 or number > 4095 then
      return nil
    end
    return { errno = number }
  end
  if rest ~= "" then
    return nil
  end
  return SIMPLE_ACTIONS[word]
end

local function same_action(a, b)
  if type(a) == "table" and type(b) == "table" then
    return a.errno == b.errno
  end
  return a == b
end

-- The other calling conventions a process of this architecture can use,
-- which the filter covers too, so that 32-bit programs run: an x86_64
-- process can make x86 (int 0x80) syscalls. x32 is left out because the
-- kernels that still offer it need a boot option, and every architecture
-- makes the filter slower to build and load. A filter without x32 kills
-- the process at its first x32 syscall.
local COMPAT_ARCHES = {
  x86_64 = { "x86" },
  aarch64 = { "arm" },
  mips64 = { "mips" },
  mipsel64 = { "mipsel" },
  ppc64 = { "ppc" },
  s390x = { "s390" },
}

-- The reason in an error from Seccomp:rule_add, without the call's name.
local function rule_error(err)
  if errors.is_error(err) then
    return err.msg
  end
  -- An argument error reads "bad argument #4 to 'rule_add' (REASON)".
  local text = tostring(err)
  return text:match("%((.*)%)$") or text
end

local RULE_FIELDS = { name = true, names = true, action = true, args = true }
local CONDITION_FIELDS = { index = true, op = true, value = true, mask = true }
local OPERATORS = { "ne", "lt", "le", "eq", "ge", "gt", "masked_eq" }
local MAX_CONDITIONS = 6

local function is_operator(op)
  for _, name in ipairs(OPERATORS) do
    if op == name then
      return true
    end
  end
  return false
end

-- True when t holds only the keys 1 to #t: ipairs would skip any other key,
-- and with it a rule or a syscall name.
local function is_list(t)
  local count = 0
  for key in pairs(t) do
    if math.type(key) ~= "integer" or key < 1 then
      return false
    end
    count = count + 1
  end
  return count == #t
end

-- A value as a message shows it: strings quoted, other values by type.
local function describe(value)
  if type(value) == "string" then
    return "'" .. value .. "'"
  end
  return type(value) == "table" and "a table" or tostring(value)
end

-- Check one condition of a rule. `seen` maps the argument indexes that
-- earlier conditions test to those conditions' numbers.
local function check_condition(condition, at, seen, fail)
  if type(condition) ~= "table" then
    fail(at .. " is not a table")
  end
  for key in pairs(condition) do
    if not CONDITION_FIELDS[key] then
      fail(string.format("%s: unknown field '%s'", at, tostring(key)),
        "fields: index, op, value, mask")
    end
  end
  local index = condition.index
  if math.type(index) ~= "integer" or index < 0 or index > 5 then
    fail(string.format("%s: invalid argument index '%s', expected 0 to 5", at, tostring(index)))
  end
  if not is_operator(condition.op) then
    fail(string.format("%s: invalid op '%s'", at, tostring(condition.op)),
      "ops: " .. table.concat(OPERATORS, ", "))
  end
  if math.type(condition.value) ~= "integer" then
    fail(string.format("%s: value '%s' is not an integer", at, tostring(condition.value)))
  end
  -- The filter compares unsigned 64-bit numbers, and on x86_64 an int
  -- argument of -1 reaches it as 4294967295, so a negative value would not
  -- match one.
  if condition.value < 0 then
    fail(string.format("%s: value %d is negative", at, condition.value),
      "the filter compares unsigned numbers: for -1 in an int argument write 0xffffffff")
  end
  if condition.op == "masked_eq" and condition.mask == nil then
    fail(at .. ": op 'masked_eq' needs a 'mask'")
  elseif condition.op == "masked_eq" and math.type(condition.mask) ~= "integer" then
    fail(string.format("%s: mask '%s' is not an integer", at, tostring(condition.mask)))
  elseif condition.op ~= "masked_eq" and condition.mask ~= nil then
    fail(at .. ": 'mask' is only for op 'masked_eq'")
  end
  if seen[index] then
    fail(string.format("%s: argument %d is already tested by condition %d", at, index,
      seen[index]), "libseccomp takes one condition per argument index")
  end
end

-- Check a rule's conditions, whatever its action. A rule whose action is
-- the default one adds nothing to the filter, so Seccomp:rule_add, which
-- checks conditions too, is never called for it.
local function check_conditions(args, where, fail)
  if args == nil then
    return
  end
  if type(args) ~= "table" then
    fail(where .. ": 'args' must be a list of conditions")
  end
  -- A condition written without its list ({index = 1, ...}) has no
  -- integer keys, and would leave a rule that matches every call.
  if not is_list(args) then
    fail(where .. ": 'args' must be a list of conditions",
      "write args = { { index = 1, op = \"eq\", value = 10 } }")
  end
  if #args > MAX_CONDITIONS then
    fail(string.format("%s: %d conditions, at most %d", where, #args, MAX_CONDITIONS),
      "libseccomp takes one condition per argument index")
  end
  local seen = {}
  for i, condition in ipairs(args) do
    check_condition(condition, string.format("%s: condition %d", where, i), seen, fail)
    seen[condition.index] = i
  end
end

-- Check one rule and return its syscall names and action.
local function check_rule(rule, where, fail)
  if type(rule) ~= "table" then
    fail(where .. " is not a table")
  end
  for key in pairs(rule) do
    if not RULE_FIELDS[key] then
      fail(string.format("%s: unknown field '%s'", where, tostring(key)))
    end
  end
  local names = rule.names or { rule.name }
  if type(names) ~= "table" or #names == 0 or (rule.name and rule.names) then
    fail(where .. ": give 'name' or a non-empty list 'names'")
  end
  if not is_list(names) then
    fail(where .. ": 'names' must be a list of names, with no gaps")
  end
  local action = M.action(rule.action)
  if not action then
    fail(string.format("%s: %s", where, rule.action == nil and "missing 'action'"
      or "invalid action " .. describe(rule.action)),
      "actions: allow, errno [NAME], kill, kill_thread, trap, log")
  end
  check_conditions(rule.args, where, fail)
  return names, action
end

--- The maximum number of syscall names in all of a profile's rules.
-- libseccomp built 3000 in 0.1 s and 40000 in 12 s on a 2-core VM, and no
-- signal stops cfs meanwhile. The kernel loads at most 4096 instructions.
M.MAX_ENTRIES = 4096

-- The largest program the kernel loads (BPF_MAXINSNS), 8 bytes an instruction.
local MAX_INSTRUCTIONS = 4096

-- Syscalls cfs itself makes after it loads the filter: execve to start the
-- command, exit_group to leave when that fails. A profile that denies one
-- of them would stop cfs half way, with nothing left to report the reason.
local NEEDED_AFTER_LOAD = { "execve", "exit_group" }

-- The action a profile takes for `name` whatever the arguments, or nil
-- when a rule with conditions makes it depend on them.
local function action_for(profile, name)
  for _, rule in ipairs(profile.syscalls or {}) do
    for _, rule_name in ipairs(rule.names or { rule.name }) do
      if rule_name == name then
        if rule.args and next(rule.args) then
          return nil
        end
        return M.action(rule.action)
      end
    end
  end
  return M.action(profile.default or "allow")
end

local function check_needed(profile, fail)
  for _, name in ipairs(NEEDED_AFTER_LOAD) do
    local action = action_for(profile, name)
    if action and action ~= "allow" and action ~= "log" then
      fail(string.format("it does not allow %s, which cfs calls after loading the filter", name),
        string.format("add { name = %q, action = \"allow\" } to its syscalls", name))
    end
  end
end

--- Compile a profile into a filter, ready for Seccomp:load. Every name and
-- condition is checked here, so a bad profile fails before any container
-- starts.
-- @tparam table profile as described at the top of this module
-- @tparam[opt] string source where the profile came from, for messages
-- @treturn cfs.Seccomp
-- @raise cfs.Error (status 125) naming the first invalid entry
function M.compile(profile, source)
  local function fail(msg, hint)
    errors.raise(msg, { context = string.format("seccomp profile '%s'", source or "?"),
      hint = hint })
  end
  if type(profile) ~= "table" then
    fail("a profile is a table")
  end
  for key in pairs(profile) do
    if key ~= "default" and key ~= "syscalls" and key ~= "skip_unknown" then
      fail(string.format("unknown field '%s'", tostring(key)),
        "fields: default, syscalls, skip_unknown")
    end
  end
  local default = M.action(profile.default or "allow")
  if not default then
    fail(string.format("invalid default action %s", describe(profile.default)),
      "actions: allow, errno [NAME], kill, kill_thread, trap, log")
  end
  if profile.skip_unknown ~= nil and type(profile.skip_unknown) ~= "boolean" then
    fail(string.format("skip_unknown %s is not true or false", describe(profile.skip_unknown)))
  end
  if type(profile.syscalls or {}) ~= "table" or not is_list(profile.syscalls or {}) then
    fail("'syscalls' must be a list of rules, with no gaps")
  end

  local filter = core.seccomp_init(default)
  for _, arch in ipairs(COMPAT_ARCHES[core.seccomp_arch_native()] or {}) do
    filter:arch_add(arch)
  end
  local entries = 0
  for _, rule in ipairs(profile.syscalls or {}) do
    entries = entries + (type(rule) == "table" and type(rule.names) == "table" and #rule.names or 1)
  end
  if entries > M.MAX_ENTRIES then
    fail(string.format("%d syscall entries in its rules, at most %d", entries, M.MAX_ENTRIES),
      "libseccomp's time to build a filter grows faster than its rules")
  end
  for i, rule in ipairs(profile.syscalls or {}) do
    local where = string.format("syscalls[%d]", i)
    local names, action = check_rule(rule, where, fail)
    for _, name in ipairs(names) do
      if type(name) ~= "string" or not core.seccomp_syscall_resolve_name(name) then
        if not profile.skip_unknown then
          fail(string.format("%s: unknown syscall '%s'", where, tostring(name)))
        end
        log.debug("seccomp: %s unknown to libseccomp, no rule", tostring(name))
      elseif same_action(action, default) then
        log.debug("seccomp: %s: %s is the default action already", where, name)
      else
        local ok, err = pcall(filter.rule_add, filter, action, name, rule.args)
        if not ok then
          fail(string.format("%s: %s: %s", where, name, rule_error(err)),
            errors.is_error(err) and err.code == "EINVAL"
              and "libseccomp takes one condition per argument index" or nil)
        end
      end
    end
  end
  check_needed(profile, fail)
  return filter
end

-- A text that is the same for equal profiles: lists in order, the keys of
-- other tables sorted.
local function serialize(value, out, writing)
  local kind = type(value)
  if kind == "string" or kind == "number" or kind == "boolean" then
    out[#out + 1] = string.format("%q", value)
    return
  end
  if kind ~= "table" then
    error(string.format("it holds a %s; a profile holds tables, strings, numbers and booleans",
      kind), 0)
  end
  -- `writing` has the tables being written: meeting one again is a cycle.
  -- A table used twice side by side is fine.
  writing = writing or {}
  if writing[value] then
    error("a table in it contains itself", 0)
  end
  writing[value] = true
  local keys = {}
  for key in pairs(value) do
    keys[#keys + 1] = key
  end
  table.sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  out[#out + 1] = "{"
  for _, key in ipairs(keys) do
    serialize(key, out, writing)
    out[#out + 1] = "="
    serialize(value[key], out, writing)
    out[#out + 1] = ","
  end
  out[#out + 1] = "}"
  writing[value] = nil
end

-- Read a cached program: the file holds the key text, a NUL, then the program.
local function read_cached(path, key)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local data = f:read("a")
  f:close()
  if data:sub(1, #key + 1) == key .. "\0" then
    return data:sub(#key + 2)
  end
end

-- Keep a program in the cache; a cache that cannot be written only costs speed.
local function write_cached(dir, path, key, program)
  local fs = require "cfs.fs"
  local ok, err = pcall(function()
    fs.mkdirs(dir, tonumber("700", 8))
    local tmp = string.format("%s.%d", path, core.getpid())
    fs.write_new(tmp, key .. "\0" .. program, tonumber("600", 8))
    core.rename(tmp, path)
  end)
  if not ok then
    log.debug("seccomp: not cached: %s", tostring(err))
  end
end

--- The BPF program of a profile, ready for cfs.seccomp_load_bpf. libseccomp
-- takes about a millisecond to generate the default profile's program, so
-- programs are kept in the cache folder under a hash of a key made of the
-- architecture, the libseccomp version, the build of cfs's Lua library
-- (cfs.build_id) and the profile. The whole
-- key is stored in the file and compared on every read.
-- @tparam table profile
-- @tparam[opt] string source where the profile came from, for messages
-- @treturn string the program
function M.program(profile, source)
  local out = { core.seccomp_arch_native(), core.seccomp_version(), core.build_id }
  local ok, err = pcall(serialize, profile, out)
  if not ok then
    errors.raise(err, { context = string.format("seccomp profile '%s'", source or "?") })
  end
  return M.cached_program(table.concat(out, "\n"), function()
    return profile
  end, source)
end

--- The program of the default profile for a container with `caps`. The
-- profile depends only on the capabilities, so the cache key is built from
-- them, which is much faster than serializing the profile.
-- @tparam {string,...} caps
-- @treturn string the program
function M.default_program(caps)
  local sorted = table.move(caps, 1, #caps, 1, {})
  table.sort(sorted)
  local key = table.concat({ core.seccomp_arch_native(), core.seccomp_version(), core.build_id,
    "default", table.concat(sorted, ",") }, "\n")
  return M.cached_program(key, function()
    return M.default_profile(caps)
  end, "default")
end

--- The program cached under `key`, or the one compiled from make_profile()
-- and then cached.
-- @tparam string key a text that differs whenever the program would
-- @tparam function make_profile returns the profile
-- @tparam[opt] string source where the profile came from, for messages
-- @treturn string the program
function M.cached_program(key, make_profile, source)
  local rootfs = require "cfs.rootfs"
  local fs = require "cfs.fs"
  local ok, base = pcall(rootfs.cache_dir)
  local dir = ok and base .. "/seccomp"
  local path = dir and string.format("%s/%s.bpf", dir, fs.fnv1a(key))

  local program = path and read_cached(path, key)
  if program then
    return program
  end
  local filter <close> = M.compile(make_profile(), source)
  program = filter:export_bpf()
  if #program // 8 > MAX_INSTRUCTIONS then
    errors.raise(string.format("its filter has %d instructions, the kernel loads at most %d",
      #program // 8, MAX_INSTRUCTIONS), { context = string.format("seccomp profile '%s'",
      source or "?") })
  end
  if path then
    write_cached(dir, path, key, program)
  end
  return program
end

--- Read a profile from a Lua file that returns the profile table. The file
-- runs with no globals, so it can only build a table.
-- @tparam string path
-- @treturn table the profile
function M.read(path)
  local function fail(msg)
    errors.raise(msg, { context = string.format("seccomp profile '%s'", path) })
  end
  local chunk, msg = loadfile(path, "t", {})
  if not chunk then
    fail((msg:gsub("^cannot open [^:]*: ", "")))
  end
  local ok, profile = pcall(chunk)
  if not ok then
    fail(tostring(profile))
  end
  if type(profile) ~= "table" then
    fail(string.format("the file returned a %s, expected a profile table", type(profile)))
  end
  return profile
end

return M
