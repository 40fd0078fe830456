/*
 * Namespace primitives: clone (with its sync pipe and child trampolines,
 * fork-like or sharing the parent's memory), unshare, setns, and the UTS
 * calls sethostname, gethostname and setdomainname.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfs.h"
#include "proc.h"

/* valgrind stops the program at a clone with CLONE_VM but not CLONE_THREAD. */
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

const struct cfs_flag cfs_ns_flags[] = {
    {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"mnt", CLONE_NEWNS},
    {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID}, {"time", CLONE_NEWTIME},
    {"user", CLONE_NEWUSER},     {"uts", CLONE_NEWUTS}, {NULL, 0},
};

/*
 * Fork-like clone3: with no stack given the child resumes here on a copy of
 * the caller's memory, which is how it gets its own copy of the interpreter.
 * NOTE: glibc does not learn the child's new TID from a raw clone3. The
 * child must therefore avoid pthread calls and raise(): it runs Lua, then
 * execs or calls _exit.
 */
static pid_t
clone3_fork(unsigned long flags, int *pidfd)
{
  struct clone_args args;
  pid_t pid;

  memset(&args, 0, sizeof args);
  args.flags = flags | CLONE_PIDFD;
  args.pidfd = (unsigned long)pidfd;
  args.exit_signal = SIGCHLD;
  pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid >= 0 || errno != ENOSYS || (flags & CLONE_NEWTIME) != 0)
    return pid;

  /*
   * Kernels before 5.3, valgrind and seccomp profiles such as docker's answer
   * clone3 with ENOSYS; clone(2) does the same except for time namespaces.
   * NOTE: the argument order below (flags, stack, parent_tid, ...) is the
   * one of x86-64, arm64 and most others, but not of s390.
   */
  return (pid_t)syscall(SYS_clone, flags | CLONE_PIDFD | SIGCHLD, NULL, pidfd, NULL, 0);
}

/*
 * Wait in the child for the parent's release byte. EOF means the parent died
 * or its prepare callback failed: the child leaves before running user code.
 */
static void
wait_release(int syncfd)
{
  char go;

  if (cfs_read_retry(syncfd, &go, 1) != 1)
    _exit(125);
  close(syncfd);
}

/* Run the function at fnidx in the child and never return. */
static void
run_child(lua_State *L, int fnidx)
{
  int status;

  lua_pushcfunction(L, cfs_host_msghandler);
  lua_pushvalue(L, fnidx);
  if (lua_pcall(L, 0, 1, -2) == LUA_OK) {
    if (lua_isnil(L, -1))
      status = 0;
    else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0 && lua_tointeger(L, -1) <= 255)
      status = (int)lua_tointeger(L, -1);
    else if (lua_isboolean(L, -1))
      status = lua_toboolean(L, -1) ? 0 : 1;
    else {
      fprintf(stderr,
              "cfs: clone: child function returned %s, expected an integer from 0 to 255 or nil\n",
              luaL_tolstring(L, -1, NULL));
      status = 125;
    }
  } else {
    status = cfs_host_report(L, lua_gettop(L));
  }
  fflush(NULL);
  cfs_vfork_mark('x');
  _exit(status & 0xff);
}

/* The fork-like child: it has its own copy of the parent's memory. */
static void
forked_child_main(lua_State *L, int syncfd, int fnidx)
{
  cfs_proc_reset_signals();
  /* Set before the release read, so a parent that dies after it still takes us down. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  wait_release(syncfd);
  run_child(L, fnidx);
}

/* [-0, +0, v] Call opts.prepare(child) if given; the handle is at `handle`. */
static int
call_prepare(lua_State *L, int opts, int handle)
{
  if (lua_isnoneornil(L, opts) || lua_getfield(L, opts, "prepare") == LUA_TNIL)
    return LUA_OK;
  lua_pushvalue(L, handle);
  return lua_pcall(L, 1, 0, 0);
}

/* The default stack size of a main thread, so fn has the room a forked child has. */
#define SHARED_STACK_SIZE (8 * 1024 * 1024)

/*
 * What a child that shares the parent's memory needs: a Lua thread of its
 * own with fn at index 1, the sync pipe, the exec pipe and a stack. The
 * child keeps the exec pipe's write end open until it execs or exits.
 */
struct shared_child {
  lua_State *L;
  int sync[2];
  int done[2];
  char *stack;
};

static int
shared_child_main(void *arg)
{
  struct shared_child *c = arg;

  close(c->sync[1]);
  close(c->done[0]);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  wait_release(c->sync[0]);
  /*
   * Reset after the release, not before: this child shares errno with the
   * parent, which reads it while prepare runs. The calls above succeed and
   * leave errno alone, but the reset fails on the signals glibc reserves.
   */
  cfs_proc_reset_signals();
  cfs_vfork_marker_fd = c->done[1];
  cfs_vfork_mark('s');
  run_child(c->L, 1);
  return 0;
}

/* Make the pipes and the stack, with a guard page at its low end; errno on failure. */
static int
shared_open(struct shared_child *c)
{
  void *stack;

  c->sync[0] = c->sync[1] = c->done[0] = c->done[1] = -1;
  c->stack = NULL;
  if (pipe2(c->sync, O_CLOEXEC) < 0 || pipe2(c->done, O_CLOEXEC) < 0)
    return -1;
  stack = mmap(NULL, SHARED_STACK_SIZE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED)
    return -1;
  c->stack = stack;
  return mprotect(c->stack, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE);
}

/* Undo shared_open before any child exists, keeping errno. */
static void
shared_close(struct shared_child *c)
{
  int err = errno, i;

  for (i = 0; i < 2; i++) {
    if (c->sync[i] >= 0)
      close(c->sync[i]);
    if (c->done[i] >= 0)
      close(c->done[i]);
  }
  if (c->stack != NULL)
    munmap(c->stack, SHARED_STACK_SIZE);
  errno = err;
}

/*
 * Wait until the exec pipe reaches EOF, which happens when the child execs
 * or exits. If its last step marker says it was running Lua, a signal such
 * as SIGKILL ended it in the middle of its work on the shared heap, which
 * may hold a half-made change or a held malloc lock. Nothing in this
 * process can then use the heap safely, so report with write(2) alone and
 * leave at once.
 */
static void
wait_for_exec(struct shared_child *c, struct cfs_process *p)
{
  static const char msg[] = "cfs: clone: the child was killed while it ran Lua on memory it "
                            "shared with cfs; stopping\n";
  char byte, last = 0;
  siginfo_t info;
  ssize_t n;

  while ((n = read(c->done[0], &byte, 1)) != 0)
    if (n == 1)
      last = byte;
  cfs_vfork_marker_fd = -1;
  /*
   * After 'f' the filter may deny the markers that would follow, so the
   * child is taken to have gone on to exec or exit.
   * NOTE: a filter that kills the child at a syscall Lua makes before exec,
   * such as an mmap for the heap, is then not caught. The profile check in
   * lua/cfs/seccomp.lua covers execve and exit_group only.
   */
  if (last == 0 || last == 'f' || last == 'e' || last == 'x')
    return;

  cfs_write_retry(2, msg, sizeof msg - 1);
  memset(&info, 0, sizeof info);
  waitid(P_PID, (id_t)p->pid, &info, WEXITED);
  _exit(info.si_code == CLD_EXITED ? 125 : 128 + info.si_status);
}

/*
 * clone with opts.vfork: the child runs on the parent's memory, as after
 * vfork(2), so no page is copied on either side and its exec has no copy to
 * tear down. The parent waits, after prepare and the release, until the exec
 * pipe reaches EOF, which happens when the child execs or exits: until then
 * it must not touch the Lua state the child is using.
 * [-0, +1|2, v] Pushes the child's Lua thread, then prepare's error when
 * *status is not LUA_OK. Returns the child's pid, or -1 with errno when no
 * child was made.
 */
static pid_t
clone_shared(lua_State *L, unsigned long flags, struct cfs_process *p, int *status)
{
  struct shared_child c;

  c.L = lua_newthread(L);
  lua_pushvalue(L, 2);
  lua_xmove(L, c.L, 1);
  if (shared_open(&c) < 0) {
    shared_close(&c);
    return -1;
  }

  fflush(NULL);
  p->pid = clone(shared_child_main, c.stack + SHARED_STACK_SIZE,
                 (int)(flags | CLONE_VM | CLONE_PIDFD | SIGCHLD), &c, &p->pidfd);
  if (p->pid < 0) {
    p->pidfd = -1;
    shared_close(&c);
    return -1;
  }

  /* The child reads c: from here on the parent changes none of its fields. */
  close(c.sync[0]);
  close(c.done[1]);
  *status = call_prepare(L, 3, 4);
  if (*status == LUA_OK) {
    /* EPIPE here means the child already died; its wait status shows why. */
    cfs_write_retry(c.sync[1], "x", 1);
    close(c.sync[1]);
    wait_for_exec(&c, p);
  } else {
    /* The child is still blocked on the pipe: end it before its stack goes. */
    close(c.sync[1]);
    cfs_process_reap(p, SIGKILL);
  }
  close(c.done[0]);
  munmap(c.stack, SHARED_STACK_SIZE);
  return p->pid;
}

/*
 * The fork-like clone: the child gets a copy of the parent's memory.
 * [-0, +1, v] Pushes the Process handle, as l_clone returns it.
 */
static int
clone_forked(lua_State *L, unsigned long flags, struct cfs_process *p)
{
  int sync[2], pidfd = -1, err;
  pid_t pid;

  if (pipe2(sync, O_CLOEXEC) < 0)
    return cfs_error_raise(L, "clone", NULL, errno);

  fflush(NULL);
  pid = clone3_fork(flags, &pidfd);
  if (pid < 0) {
    err = errno;
    close(sync[0]);
    close(sync[1]);
    return cfs_error_raise(L, "clone", NULL, err);
  }
  if (pid == 0) {
    close(sync[1]);
    forked_child_main(L, sync[0], 2);
  }

  close(sync[0]);
  p->pid = pid;
  p->pidfd = pidfd;
  if (call_prepare(L, 3, 4) != LUA_OK) {
    /* The child is still blocked on the pipe: end it before passing the error on. */
    close(sync[1]);
    cfs_process_reap(p, SIGKILL);
    return lua_error(L);
  }

  /* EPIPE here means the child already died; its wait status shows why. */
  cfs_write_retry(sync[1], "x", 1);
  close(sync[1]);
  lua_settop(L, 4);
  return 1;
}

/***
 * Start a child process in new namespaces, running fn there.
 * @function clone
 * @tparam {string,...} namespaces names: uts, pid, mnt, ipc, net, user, cgroup, time
 * @tparam function fn runs in the child; its integer result is the exit status
 * @tparam[opt] table opts prepare = function(child) run in the parent before the
 *   child goes on (uid maps, cgroups); vfork = true runs a child that ends in exec
 *   on the parent's memory, which starts it faster (not with "time")
 * @treturn cfs.Process
 * @see clone(2)
 */
static int
l_clone(lua_State *L)
{
  static const char *const allowed[] = {"prepare", "vfork", NULL};
  unsigned long flags;
  struct cfs_process *p;
  int shared = 0, status;

  luaL_checktype(L, 1, LUA_TTABLE);
  flags = cfs_args_flags(L, 1, cfs_ns_flags, "namespace");
  luaL_checktype(L, 2, LUA_TFUNCTION);
  cfs_args_options(L, 3, allowed);
  if (!lua_isnoneornil(L, 3)) {
    lua_getfield(L, 3, "prepare");
    if (!lua_isnil(L, -1))
      luaL_checktype(L, -1, LUA_TFUNCTION);
    lua_getfield(L, 3, "vfork");
    if (!lua_isnil(L, -1))
      luaL_checktype(L, -1, LUA_TBOOLEAN);
    shared = lua_toboolean(L, -1);
    lua_pop(L, 2);
  }
  cfs_args_max(L, 3);
  lua_settop(L, 3);
  p = cfs_process_new(L);

  /*
   * clone(2) cannot ask for a time namespace (clone3 with a stack would need
   * assembly), and valgrind cannot run a child on shared memory: both get the
   * fork-like child, as documented for opts.vfork.
   */
  if (!shared || (flags & CLONE_NEWTIME) != 0 || RUNNING_ON_VALGRIND)
    return clone_forked(L, flags, p);

  if (clone_shared(L, flags, p, &status) < 0)
    return cfs_error_raise(L, "clone", NULL, errno);
  if (status != LUA_OK)
    return lua_error(L);
  lua_settop(L, 4);
  return 1;
}

/***
 * Move the caller into new namespaces.
 * @function unshare
 * @tparam {string,...} namespaces
 * @see unshare(2)
 */
static int
l_unshare(lua_State *L)
{
  unsigned long flags;

  luaL_checktype(L, 1, LUA_TTABLE);
  flags = cfs_args_flags(L, 1, cfs_ns_flags, "namespace");
  cfs_args_max(L, 1);
  if (unshare((int)flags) < 0)
    return cfs_error_raise(L, "unshare", NULL, errno);
  return 0;
}

/***
 * Join the namespace at path, such as /proc/PID/ns/uts.
 * @function setns
 * @tparam string path
 * @tparam[opt] string nstype checked by the kernel when given
 * @see setns(2)
 */
static int
l_setns(lua_State *L)
{
  const char *path = cfs_args_string(L, 1, NULL);
  int nstype = 0, fd, err;

  if (!lua_isnoneornil(L, 2)) {
    const char *name = cfs_args_string(L, 2, NULL);
    const struct cfs_flag *f;

    for (f = cfs_ns_flags; f->name != NULL; f++)
      if (strcmp(f->name, name) == 0)
        break;
    if (f->name == NULL)
      return luaL_argerror(L, 2, lua_pushfstring(L, "unknown namespace '%s'", name));
    nstype = (int)f->value;
  }
  cfs_args_max(L, 2);

  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cfs_error_raise(L, "setns", path, errno);

  if (setns(fd, nstype) < 0) {
    err = errno;
    close(fd);
    return cfs_error_raise(L, "setns", path, err);
  }
  close(fd);
  return 0;
}

/***
 * @function sethostname
 * @tparam string name
 * @see sethostname(2)
 */
static int
l_sethostname(lua_State *L)
{
  size_t len;
  const char *name = cfs_args_string(L, 1, &len);

  cfs_args_max(L, 1);
  if (sethostname(name, len) < 0)
    return cfs_error_raise(L, "sethostname", name, errno);
  return 0;
}

/***
 * @function gethostname
 * @treturn string
 * @see gethostname(2)
 */
static int
l_gethostname(lua_State *L)
{
  char name[HOST_NAME_MAX + 1];

  cfs_args_max(L, 0);
  if (gethostname(name, sizeof name) < 0)
    return cfs_error_raise(L, "gethostname", NULL, errno);
  name[HOST_NAME_MAX] = '\0';
  lua_pushstring(L, name);
  return 1;
}

/***
 * @function setdomainname
 * @tparam string name
 * @see setdomainname(2)
 */
static int
l_setdomainname(lua_State *L)
{
  size_t len;
  const char *name = cfs_args_string(L, 1, &len);

  cfs_args_max(L, 1);
  if (setdomainname(name, len) < 0)
    return cfs_error_raise(L, "setdomainname", name, errno);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"clone", l_clone},
    {"gethostname", l_gethostname},
    {"setdomainname", l_setdomainname},
    {"sethostname", l_sethostname},
    {"setns", l_setns},
    {"unshare", l_unshare},
    {NULL, NULL},
};

void
cfs_ns_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
