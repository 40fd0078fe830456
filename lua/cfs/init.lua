--- The public `cfs` module: every primitive of the C core (cfs.core), a few
-- helpers written in Lua, and the library modules (cfs.rootfs,
-- cfs.container, ...), which load on first use so a short recipe pays only
-- for what it touches.
local core = require "cfs.core"

local M = {}

for name, value in pairs(core) do
  M[name] = value
end

local LIBRARY = {
  caps = true,
  cgroup = true,
  cli = true,
  container = true,
  enter = true,
  errors = true,
  fs = true,
  hardening = true,
  idmap = true,
  json = true,
  log = true,
  mounts = true,
  pid1 = true,
  rlimit = true,
  rootfs = true,
  seccomp = true,
  spec = true,
  state = true,
  tty = true,
}

setmetatable(M, {
  __index = function(t, name)
    if LIBRARY[name] then
      local module = require("cfs." .. name)
      rawset(t, name, module)
      return module
    end
  end,
})

--- Replace the process image; see cfs.core.exec. The raised error carries
-- the exit status a shell would use: 127 when the command is not found,
-- 126 when it exists but cannot be executed.
-- @tparam string cmd
-- @tparam[opt] {string,...} argv
-- @tparam[opt] table env
-- @raise cfs.Error with op "exec" and field status
function M.exec(cmd, argv, env)
  local _, err = pcall(core.exec, cmd, argv, env)
  if type(err) ~= "table" then
    error(err, 2)
  end
  if err.code ~= "ENOENT" and err.code ~= "ENOTDIR" then
    err.status = 126
    error(err, 0)
  end

  -- ENOENT also comes back when the file exists but its interpreter (the
  -- #! line or the ELF loader) does not; a shell reports that as 126.
  local path = (env and env.PATH) or os.getenv("PATH") or ""
  local found = cmd:find("/", 1, true) and M.fs.exists(cmd) and cmd
  for dir in path:gmatch("[^:]+") do
    if found then
      break
    end
    found = not cmd:find("/", 1, true) and M.fs.exists(dir .. "/" .. cmd) and dir .. "/" .. cmd
  end
  if found then
    err.status = 126
    err.hint = string.format("'%s' exists: its interpreter or loader was not found", found)
  elseif not cmd:find("/", 1, true) then
    err.status = 127
    err.msg = "command not found"
    err.hint = "searched PATH " .. path
  else
    err.status = 127
  end
  error(err, 0)
end

--- Call fn and return its results, or nil and the error instead of raising.
-- When fn succeeds without returning anything, the result is true, so
-- success and failure never look alike.
-- @tparam function fn
-- @return fn's results (or true), or nil, err
function M.try(fn, ...)
  local results = table.pack(pcall(fn, ...))
  if not results[1] then
    return nil, results[2]
  end
  if results.n == 1 then
    return true
  end
  return table.unpack(results, 2, results.n)
end

--- The exit status a shell reports for a wait result: the code itself when
-- the process exited, 128 + N when signal N killed it.
-- @tparam string how "exited" or "signaled"
-- @tparam int code
-- @treturn int
function M.exit_status(how, code)
  if how == "signaled" then
    return 128 + code
  end
  return code
end

-- Turn an error value into the fields a cfs.Error carries.
local function error_fields(err)
  if type(err) == "table" then
    return {
      op = err.op,
      arg = err.arg,
      errno = err.errno,
      code = err.code,
      msg = err.msg,
      hint = err.hint,
      context = err.context,
      status = err.status,
    }
  end
  return { msg = tostring(err) }
end

local FIELD_ORDER = { "op", "arg", "errno", "code", "msg", "hint", "context", "status" }

--- Run fn in a child process in new namespaces and wait for it. What fn
-- returns is the child's exit status, as for cfs.clone. An error in the
-- child is raised again in the caller, so it is reported once, by the
-- caller, instead of printed by the child.
-- @tparam {string,...} namespaces as for cfs.clone
-- @tparam function fn
-- @tparam[opt] table opts passed to cfs.clone (prepare)
-- @treturn int the child's exit status
function M.isolate(namespaces, fn, opts)
  local reader, writer = core.pipe()
  local child = core.clone(namespaces, function()
    reader:close()
    local ok, err = pcall(fn)
    if ok then
      return err
    end
    local fields = error_fields(err)
    local parts = {}
    for i, key in ipairs(FIELD_ORDER) do
      parts[i] = fields[key] ~= nil and tostring(fields[key]) or ""
    end
    writer:write(table.concat(parts, "\0"))
    return 125
  end, opts)
  writer:close()

  local chunks = {}
  repeat
    local chunk = reader:read()
    chunks[#chunks + 1] = chunk
  until chunk == ""
  reader:close()
  local how, code = child:wait()
  local message = table.concat(chunks)
  if message == "" then
    return M.exit_status(how, code)
  end

  local fields, i = {}, 1
  for part in (message .. "\0"):gmatch("([^\0]*)\0") do
    local key = FIELD_ORDER[i]
    if part ~= "" then
      fields[key] = (key == "errno" or key == "status") and math.tointeger(part) or part
    end
    i = i + 1
  end
  error(core.error(fields), 0)
end

return M
