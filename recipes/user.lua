-- User namespaces and ID maps: a process that is root inside and an
-- ordinary user outside. Shows the IDs before and after the maps are
-- written, then what that root can do (in namespaces it owns) and cannot
-- do (to anything the host owns).
--
-- Run:   cfs recipe recipes/user.lua
-- Needs: nothing more than unprivileged user namespaces. Run as root, the
--        recipe maps container root to host uid and gid 100000 (65536 IDs
--        from there), so root inside is no one special outside. Run as
--        another user, it maps container root to that user. The file it
--        creates to show ownership is removed before it exits.
local cfs = require "cfs"

local function say(fmt, ...)
  io.write(string.format(fmt, ...), "\n")
  io.stdout:flush()
end

-- Run fn and describe the outcome: "ok" or the error's code.
local function attempt(what, fn, ...)
  local ok, err = pcall(fn, ...)
  say("   %-48s %s", what, ok and "ok" or ("refused: " .. (err.code or tostring(err))))
end

local euid, egid = cfs.geteuid(), cfs.getegid()
local uid_map, gid_map
if euid == 0 then
  uid_map = { { container = 0, host = 100000, size = 65536 } }
  gid_map = uid_map
else
  uid_map = { { container = 0, host = euid, size = 1 } }
  gid_map = { { container = 0, host = egid, size = 1 } }
end

-- A folder any ID may write to, for the ownership demo.
local share = string.format("/tmp/cfs-user-recipe.%d", cfs.getpid())
cfs.mkdir(share)
cfs.chmod(share, tonumber("1777", 8))

local function demo()
  say("outside: uid=%d gid=%d", euid, egid)
  local report_r, report_w = cfs.pipe()
  local go_r, go_w = cfs.pipe()
  local child = cfs.clone({ "user", "uts", "mnt" }, function()
    report_r:close()
    go_w:close()
    report_w:write(string.format("%d %d\n", cfs.getuid(), cfs.getgid()))
    go_r:read(1) -- the parent writes the maps, then releases us

    cfs.idmap.become_root()
    say("2. inside, after the maps: uid=%d gid=%d", cfs.getuid(), cfs.getgid())
    say("3. what root inside can do, in the namespaces it owns:")
    attempt("set the hostname of its own UTS namespace", cfs.sethostname, "inside")
    cfs.mounts.isolate_propagation("private")
    attempt("mount a tmpfs in its own mount namespace", cfs.mount, "tmpfs", "/mnt", "tmpfs")
    cfs.fs.write_new(share .. "/made-inside", "")
    say("4. what it cannot do, to what the host owns:")
    attempt("join the host's UTS namespace", cfs.setns, "/proc/1/ns/uts")
    attempt("make a device node", cfs.mknod, share .. "/null", "char", tonumber("666", 8), 1, 3)
    attempt("read /etc/shadow", cfs.fs.read_file, "/etc/shadow")
    attempt("change the owner of /etc/hostname", cfs.lchown, "/etc/hostname", 0, 0)
    return 0
  end)
  report_w:close()
  go_r:close()

  local uid, gid = report_r:read():match("(%d+) (%d+)")
  say("1. inside, before the maps: uid=%s gid=%s: nothing is mapped yet, so the", uid, gid)
  say("   kernel shows the overflow IDs (/proc/sys/kernel/overflowuid)")
  say("   writing uid_map %q and gid_map %q", cfs.idmap.format(uid_map):gsub("\n", ""),
    cfs.idmap.format(gid_map):gsub("\n", ""))
  cfs.idmap.write(child.pid, uid_map, gid_map)
  go_w:write("x")
  go_w:close()
  report_r:close()

  local how, code = child:wait()
  if how ~= "exited" or code ~= 0 then
    return cfs.exit_status(how, code)
  end
  local st = cfs.lstat(share .. "/made-inside")
  say("5. a file root made inside belongs, on the host, to uid %d gid %d", st.uid, st.gid)
  return 0
end

local ok, result = pcall(demo)
cfs.fs.rmtree(share)
if not ok then
  error(result, 0)
end
return result
