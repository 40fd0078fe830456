/*
 * Process descriptors: a pidfd names one process for as long as it is
 * open, so a signal or a setns through it can never reach a process that
 * reused the PID. cfs kill and cfs exec use them to act on a running
 * container found by its recorded PID.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/pidfd.h>

#include "cfs.h"
#include "proc.h"

/***
 * @function pidfd_open
 * @tparam int pid
 * @treturn cfs.Fd a descriptor for the process; readable once it has ended
 * @raise pidfd_open('pid'): ESRCH when there is no such process
 * @see pidfd_open(2)
 */
static int
l_pidfd_open(lua_State *L)
{
  lua_Integer pid = luaL_checkinteger(L, 1);
  int *fd;

  luaL_argcheck(L, pid > 0 && pid <= 0x7fffffff, 1, "PID out of range");
  cfs_args_max(L, 1);
  fd = cfs_fd_new(L);
  *fd = pidfd_open((pid_t)pid, 0);
  if (*fd < 0)
    return cfs_error_raise(L, "pidfd_open", lua_pushfstring(L, "%d", (int)pid), errno);
  return 1;
}

/***
 * Send a signal to the process a pidfd refers to.
 * @function pidfd_send_signal
 * @tparam cfs.Fd|int pidfd
 * @tparam[opt="TERM"] string|int signal
 * @treturn boolean false when the process has already ended
 * @see pidfd_send_signal(2)
 */
static int
l_pidfd_send_signal(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);
  int signo = cfs_args_signal(L, 2, SIGTERM);

  cfs_args_max(L, 2);
  if (pidfd_send_signal(fd, signo, NULL, 0) < 0) {
    if (errno == ESRCH) {
      lua_pushboolean(L, 0);
      return 1;
    }
    return cfs_error_raise(L, "pidfd_send_signal", NULL, errno);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/***
 * Join several namespaces of another process in one step: the kernel
 * (5.8 or later) checks every one first and then switches them all, user
 * namespace first, so the caller never ends up half inside.
 * @function pidfd_setns
 * @tparam cfs.Fd|int pidfd
 * @tparam {string,...} namespaces names as for clone; not the caller's own user namespace
 * @raise pidfd_setns: EINVAL on kernels before 5.8, or for a namespace the
 *   caller is already in when that is not allowed (user)
 * @see setns(2)
 */
static int
l_pidfd_setns(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);
  unsigned long flags;

  luaL_checktype(L, 2, LUA_TTABLE);
  flags = cfs_args_flags(L, 2, cfs_ns_flags, "namespace");
  luaL_argcheck(L, flags != 0, 2, "at least one namespace expected");
  cfs_args_max(L, 2);
  if (setns(fd, (int)flags) < 0)
    return cfs_error_raise(L, "pidfd_setns", NULL, errno);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"pidfd_open", l_pidfd_open},
    {"pidfd_send_signal", l_pidfd_send_signal},
    {"pidfd_setns", l_pidfd_setns},
    {NULL, NULL},
};

void
cfs_pidfd_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
