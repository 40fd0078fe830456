/*
 * Running cfs from a sealed in-memory copy of itself, so that no process of
 * a container can reach the binary's file on the host's disk.
 *
 * A cfs process that a container can see (an init, a process joining a
 * running container, any cfs process when the container shares the host's
 * PID namespace) has /proc/PID/exe pointing at the binary it runs. A
 * container process that opens that link gets a descriptor for the host's
 * cfs and can rewrite the file once no process runs it any more
 * (CVE-2019-5736 against runc). cfs.exe_seal copies /proc/self/exe into a
 * memfd, seals it against every change, and re-executes the process from
 * it, so the link leads only to the sealed copy. The Lua library calls it
 * only where a container can see a cfs process, because the copy and the
 * second exec cost about 2 ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfs.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* Set only across our own re-exec, to stop a loop if sealing did not take. */
#define REEXEC_ENV "CFS_SEALED_REEXEC"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* 1 when the running binary is a memfd carrying all of SEALS, else 0. */
static int
exe_is_sealed(void)
{
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), seals;

  if (fd < 0)
    return 0;
  seals = fcntl(fd, F_GET_SEALS);
  close(fd);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

/*
 * An executable memfd. MFD_EXEC (Linux 6.3) keeps it executable when
 * vm.memfd_noexec requests non-executable memfds by default; older kernels
 * reject the flag with EINVAL and make every memfd executable.
 */
static int
memfd_executable(void)
{
  int fd = memfd_create("cfs", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

  if (fd < 0 && errno == EINVAL)
    fd = memfd_create("cfs", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd;
}

/* Copy all of `from` into `to`; returns 0 or an errno. */
static int
copy_all(int from, int to)
{
  struct stat st;
  off_t offset = 0;

  if (fstat(from, &st) < 0)
    return errno;
  while (offset < st.st_size) {
    ssize_t n = sendfile(to, from, &offset, (size_t)(st.st_size - offset));

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return errno;
    if (n == 0)
      return EIO;
  }
  return 0;
}

/* Copy the running binary into a sealed memfd; returns the fd, or -1 with *op and errno set. */
static int
sealed_copy(const char **op)
{
  int src, mfd, err;

  *op = "open('/proc/self/exe')";
  src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0)
    return -1;

  *op = "memfd_create('cfs')";
  mfd = memfd_executable();
  if (mfd < 0) {
    err = errno;
    close(src);
    errno = err;
    return -1;
  }

  *op = "sendfile('/proc/self/exe')";
  err = copy_all(src, mfd);
  close(src);
  if (err == 0 && fcntl(mfd, F_ADD_SEALS, SEALS) < 0) {
    *op = "fcntl('F_ADD_SEALS')";
    err = errno;
  }
  if (err != 0) {
    close(mfd);
    errno = err;
    return -1;
  }
  return mfd;
}

char **cfs_main_argv;

/*
 * Re-execute the process from a sealed copy of its binary, unless it already
 * runs from one. Returns 0 when it does (the caller goes on), or an errno
 * with *op naming the failed step; on success it does not return.
 */
static int
exe_seal(char **argv, const char **op)
{
  const char *name;
  int mfd, err;

  if (exe_is_sealed()) {
    unsetenv(REEXEC_ENV);
    /* exec named the process after the descriptor; give it back its own name. */
    name = strrchr(argv[0], '/');
    prctl(PR_SET_NAME, name != NULL ? name + 1 : argv[0], 0, 0, 0);
    return 0;
  }
  if (getenv(REEXEC_ENV) != NULL) {
    /* We did re-execute, yet the kernel shows no sealed memfd: refuse to run unprotected. */
    *op = "fcntl('/proc/self/exe', F_GET_SEALS)";
    return ENOTSUP;
  }

  mfd = sealed_copy(op);
  if (mfd < 0)
    return errno;
  if (setenv(REEXEC_ENV, "1", 1) < 0) {
    err = errno;
    close(mfd);
    *op = "setenv('" REEXEC_ENV "')";
    return err;
  }
  fflush(NULL);
  execveat(mfd, "", argv, environ, AT_EMPTY_PATH);
  err = errno;
  unsetenv(REEXEC_ENV);
  close(mfd);
  *op = "execveat('memfd:cfs')";
  return err;
}

/***
 * Start this cfs process again, from the beginning and with the same
 * arguments, from a sealed in-memory copy of its binary, unless it already
 * runs from one. Call it before anything with side effects: the code
 * before the call runs twice. After it, /proc/PID/exe of this process and
 * of its children leads to the sealed copy, which nobody can write, instead
 * of the binary on the host.
 * @function exe_seal
 * @raise exe_seal: the step that failed and its errno
 */
static int
l_exe_seal(lua_State *L)
{
  const char *op = NULL;
  int err;

  cfs_args_max(L, 0);
  if (cfs_main_argv == NULL)
    return cfs_error_raise_msg(L, "exe_seal", NULL, EINVAL, "the host's arguments are unknown");
  err = exe_seal(cfs_main_argv, &op);
  if (err != 0)
    return cfs_error_raise_msg(L, "exe_seal", NULL, err,
                               lua_pushfstring(L, "%s: %s", op, strerror(err)));
  return 0;
}

/***
 * True when cfs runs from a sealed in-memory copy of its binary.
 * @function exe_sealed
 * @treturn boolean
 */
static int
l_exe_sealed(lua_State *L)
{
  cfs_args_max(L, 0);
  lua_pushboolean(L, exe_is_sealed());
  return 1;
}

static const luaL_Reg funcs[] = {
    {"exe_seal", l_exe_seal},
    {"exe_sealed", l_exe_sealed},
    {NULL, NULL},
};

void
cfs_exe_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
