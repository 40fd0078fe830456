--- The benchmark's recipe: the job every contender runs, written with the
-- primitives alone. It creates new uts, pid, mnt, ipc and net namespaces,
-- makes / private, sets the hostname, pivots into ROOT, mounts /proc and
-- execs CMD. These are the steps of tests/bench/floor.c, so the gap
-- between the two is the cost of Lua. Like `cfs run`, it starts the child
-- with clone's vfork option, on this process's memory.
--
-- usage: cfs recipe tests/bench/minimal.lua ROOT HOSTNAME CMD [ARG...]
local root, hostname = arg[1], arg[2]
local command = table.move(arg, 3, #arg, 1, {})

local child = cfs.clone({ "uts", "pid", "mnt", "ipc", "net" }, function()
  cfs.mount(nil, "/", nil, { "rec", "private" })
  cfs.sethostname(hostname)
  -- pivot_root needs the new root to be a mount point.
  cfs.mount(root, root, nil, { "bind", "rec" })
  cfs.chdir(root)
  cfs.pivot_root(".", ".")
  cfs.umount(".", { "detach" })
  cfs.chdir("/")
  cfs.mount("proc", "/proc", "proc", { "nosuid", "nodev", "noexec" })
  cfs.exec(command[1], command)
end, { vfork = true })
return cfs.exit_status(child:wait())
