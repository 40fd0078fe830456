/*
 * Process primitives: the cfs.Process handle returned by clone (wait, kill),
 * exec with its own PATH search, waitpid for reaping, kill, signal masks,
 * close_range, the id getters and exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfs.h"
#include "proc.h"

extern char **environ;

int cfs_vfork_marker_fd = -1;

/*
 * Tell the parent of a child that shares its memory (clone with vfork) how
 * far the child got: 's' Lua started, 'f' about to load a seccomp filter,
 * 'e' about to exec, 'r' Lua resumed after a failed exec, 'x' about to
 * exit. The parent reads the last byte to know whether the child could have
 * died in the middle of changing the shared heap. A no-op in every other
 * process.
 */
void
cfs_vfork_mark(char step)
{
  if (cfs_vfork_marker_fd >= 0)
    cfs_write_retry(cfs_vfork_marker_fd, &step, 1);
}

/* The PATH used when the environment given to exec has none (the one docker sets). */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Decode a waitpid status into ("exited", code), ("signaled", signo) or ("stopped", signo). */
void
cfs_status_decode(int wstatus, const char **how, int *code)
{
  if (WIFEXITED(wstatus)) {
    *how = "exited";
    *code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    *how = "signaled";
    *code = WTERMSIG(wstatus);
  } else if (WIFSTOPPED(wstatus)) {
    *how = "stopped";
    *code = WSTOPSIG(wstatus);
  } else {
    *how = "continued";
    *code = 0;
  }
}

/*
 * Put every signal back to its default action and unblock all of them. A
 * child must not inherit the host's SIGPIPE ignore or its blocked forwarding
 * set, because both survive execve.
 */
void
cfs_proc_reset_signals(void)
{
  struct sigaction sa;
  sigset_t none;
  int sig;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction(sig, &sa, NULL);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* [-0, +1, m] A handle in the closed state; clone fills it once the child exists. */
struct cfs_process *
cfs_process_new(lua_State *L)
{
  struct cfs_process *p = lua_newuserdatauv(L, sizeof *p, 0);

  p->pid = -1;
  p->pidfd = -1;
  p->reaped = 0;
  p->how = NULL;
  p->code = 0;
  luaL_setmetatable(L, CFS_PROCESS_TYPE);
  return p;
}

static int
process_waitpid(struct cfs_process *p, int options)
{
  int wstatus;
  pid_t r;

  do
    r = waitpid(p->pid, &wstatus, options);
  while (r < 0 && errno == EINTR);
  if (r <= 0)
    return (int)r;
  cfs_status_decode(wstatus, &p->how, &p->code);
  p->reaped = 1;
  return 1;
}

/* Kill (when signo is not 0) and reap a child the caller gives up on. */
void
cfs_process_reap(struct cfs_process *p, int signo)
{
  if (p->pid <= 0 || p->reaped)
    return;
  if (signo != 0)
    kill(p->pid, signo);
  process_waitpid(p, 0);
}

static struct cfs_process *
check_process(lua_State *L)
{
  return luaL_checkudata(L, 1, CFS_PROCESS_TYPE);
}

/***
 * Wait for the child to end. A second call returns the same result.
 * @function Process:wait
 * @tparam[opt] table opts nohang = true returns nil at once if it still runs
 * @treturn string "exited" or "signaled"
 * @treturn int exit code or signal number
 * @see waitpid(2)
 */
static int
process_wait(lua_State *L)
{
  static const char *const allowed[] = {"nohang", NULL};
  struct cfs_process *p = check_process(L);
  int options = 0, r;

  cfs_args_options(L, 2, allowed);
  cfs_args_max(L, 2);
  if (!lua_isnoneornil(L, 2)) {
    lua_getfield(L, 2, "nohang");
    options = lua_toboolean(L, -1) ? WNOHANG : 0;
  }
  if (p->pid <= 0)
    return luaL_error(L, "wait on a process that was never started");

  if (!p->reaped) {
    r = process_waitpid(p, options);
    if (r < 0)
      return cfs_error_raise(L, "waitpid", NULL, errno);
    if (r == 0)
      return 0;
  }
  lua_pushstring(L, p->how);
  lua_pushinteger(L, p->code);
  return 2;
}

/***
 * Send a signal to the child through its pidfd, so a recycled PID is never hit.
 * @function Process:kill
 * @tparam[opt="TERM"] string|int signal
 * @treturn boolean false when the child had already ended
 * @see pidfd_send_signal(2)
 */
static int
process_kill(lua_State *L)
{
  struct cfs_process *p = check_process(L);
  int signo = cfs_args_signal(L, 2, SIGTERM);

  cfs_args_max(L, 2);
  if (p->pidfd < 0 || p->reaped) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (pidfd_send_signal(p->pidfd, signo, NULL, 0) < 0) {
    if (errno == ESRCH) {
      lua_pushboolean(L, 0);
      return 1;
    }
    return cfs_error_raise(L, "kill", NULL, errno);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* Close the pidfd; the child itself is left alone, so dropping a handle never kills. */
static int
process_close(lua_State *L)
{
  struct cfs_process *p = check_process(L);

  if (p->pidfd >= 0) {
    close(p->pidfd);
    p->pidfd = -1;
  }
  return 0;
}

static int
process_tostring(lua_State *L)
{
  struct cfs_process *p = check_process(L);

  lua_pushfstring(L, "cfs.Process(%d)", (int)p->pid);
  return 1;
}

static const luaL_Reg process_methods[] = {
    {"close", process_close},
    {"kill", process_kill},
    {"wait", process_wait},
    {NULL, NULL},
};

/* Fields pid and pidfd, then the methods. */
static int
process_index(lua_State *L)
{
  struct cfs_process *p = check_process(L);
  const char *key = cfs_args_string(L, 2, NULL);

  if (strcmp(key, "pid") == 0) {
    lua_pushinteger(L, p->pid);
    return 1;
  }
  if (strcmp(key, "pidfd") == 0) {
    if (p->pidfd < 0)
      return 0;
    lua_pushinteger(L, p->pidfd);
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_getfield(L, -1, key);
  return 1;
}

/* Try execve on each PATH entry, like execvp but with the PATH of `envp`. */
static int
exec_search(const char *cmd, const char *const *argv, const char *const *envp, const char *path)
{
  char buf[PATH_MAX];
  int saw_eacces = 0, err = ENOENT;
  const char *p = path, *end;

  while (*p != '\0' || p == path) {
    size_t len;

    end = strchrnul(p, ':');
    len = (size_t)(end - p);
    if (len == 0)
      len = 1, p = ".";
    if (len + 1 + strlen(cmd) + 1 <= sizeof buf) {
      memcpy(buf, p, len);
      buf[len] = '/';
      strcpy(buf + len + 1, cmd);
      execve(buf, (char *const *)argv, (char *const *)envp);
      err = errno;
      if (err == EACCES)
        saw_eacces = 1;
      else if (err != ENOENT && err != ENOTDIR)
        return err;
    }
    if (*end == '\0')
      break;
    p = end + 1;
  }
  return saw_eacces ? EACCES : ENOENT;
}

/***
 * Replace the process image. Only returns by raising.
 * @function exec
 * @tparam string cmd a path, or a name looked up in the PATH of env
 * @tparam[opt] {string,...} argv full argument list including argv[0]; default {cmd}
 * @tparam[opt] table env map of names to values; default: the current environment
 * @raise exec('cmd'): the errno of the last attempt (ENOENT when not found)
 * @see execve(2)
 */
static int
l_exec(lua_State *L)
{
  const char *cmd = cfs_args_string(L, 1, NULL);
  const char *const *argv, *const *envp;
  const char *path = NULL;
  int err;

  cfs_args_max(L, 3);
  if (*cmd == '\0')
    return luaL_argerror(L, 1, "empty command");
  lua_settop(L, 3);
  if (lua_isnil(L, 2)) {
    lua_createtable(L, 1, 0);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 1);
    lua_replace(L, 2);
  }
  argv = cfs_args_argv(L, 2);
  if (argv[0] == NULL)
    return luaL_argerror(L, 2, "argv must hold at least argv[0]");

  if (lua_isnil(L, 3)) {
    envp = (const char *const *)environ;
    path = getenv("PATH");
  } else {
    if (lua_getfield(L, 3, "PATH") == LUA_TSTRING)
      path = lua_tostring(L, -1); /* anchored by the env table */
    lua_pop(L, 1);
    envp = cfs_args_envp(L, 3);
  }

  fflush(NULL);
  cfs_vfork_mark('e');
  if (strchr(cmd, '/') != NULL) {
    execve(cmd, (char *const *)argv, (char *const *)envp);
    err = errno;
  } else {
    err = exec_search(cmd, argv, envp, path != NULL ? path : DEFAULT_PATH);
  }
  cfs_vfork_mark('r');
  return cfs_error_raise(L, "exec", cmd, err);
}

/***
 * Wait for any child, or one PID; used by an init to reap orphans.
 * @function waitpid
 * @tparam[opt=-1] int pid
 * @tparam[opt] table opts nohang = true
 * @treturn int|nil pid, or nil when nohang and nothing has ended
 * @treturn string "exited" or "signaled"
 * @treturn int code or signal
 * @raise waitpid: ECHILD when there is no child left
 * @see waitpid(2)
 */
static int
l_waitpid(lua_State *L)
{
  static const char *const allowed[] = {"nohang", NULL};
  pid_t pid = (pid_t)luaL_optinteger(L, 1, -1), r;
  int options = 0, wstatus, code;
  const char *how;

  cfs_args_options(L, 2, allowed);
  cfs_args_max(L, 2);
  if (!lua_isnoneornil(L, 2)) {
    lua_getfield(L, 2, "nohang");
    options = lua_toboolean(L, -1) ? WNOHANG : 0;
  }

  do
    r = waitpid(pid, &wstatus, options);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return cfs_error_raise(L, "waitpid", NULL, errno);
  if (r == 0)
    return 0;

  cfs_status_decode(wstatus, &how, &code);
  lua_pushinteger(L, r);
  lua_pushstring(L, how);
  lua_pushinteger(L, code);
  return 3;
}

/***
 * @function kill
 * @tparam int pid
 * @tparam[opt="TERM"] string|int signal
 * @see kill(2)
 */
static int
l_kill(lua_State *L)
{
  pid_t pid = (pid_t)luaL_checkinteger(L, 1);
  int signo = cfs_args_signal(L, 2, SIGTERM);

  cfs_args_max(L, 2);
  if (kill(pid, signo) < 0)
    return cfs_error_raise(L, "kill", lua_pushfstring(L, "%d", (int)pid), errno);
  return 0;
}

/* [-0, +0, v] Fill `set` from the list of signal names at `arg`. */
static void
check_sigset(lua_State *L, int arg, sigset_t *set)
{
  lua_Integer i, n;

  sigemptyset(set);
  luaL_checktype(L, arg, LUA_TTABLE);
  n = luaL_len(L, arg);
  for (i = 1; i <= n; i++) {
    lua_geti(L, arg, i);
    sigaddset(set, cfs_args_signal(L, lua_gettop(L), 0));
    lua_pop(L, 1);
  }
}

/***
 * Block, unblock or set the blocked signals of the caller.
 * @function sigprocmask
 * @tparam string how "block", "unblock" or "setmask"
 * @tparam {string,...} signals
 * @see sigprocmask(2)
 */
static int
l_sigprocmask(lua_State *L)
{
  static const char *const hows[] = {"block", "unblock", "setmask", NULL};
  static const int values[] = {SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK};
  int how = values[luaL_checkoption(L, 1, NULL, hows)];
  sigset_t set;

  check_sigset(L, 2, &set);
  cfs_args_max(L, 2);
  if (sigprocmask(how, &set, NULL) < 0)
    return cfs_error_raise(L, "sigprocmask", NULL, errno);
  return 0;
}

/***
 * Close, or mark close-on-exec, every descriptor from first to last.
 * @function close_range
 * @tparam int first
 * @tparam[opt] int last default: the highest possible
 * @tparam[opt] {string,...} flags "cloexec"
 * @see close_range(2)
 */
static int
l_close_range(lua_State *L)
{
  static const struct cfs_flag flags[] = {{"cloexec", CLOSE_RANGE_CLOEXEC}, {NULL, 0}};
  lua_Integer first = luaL_checkinteger(L, 1);
  lua_Integer last = luaL_optinteger(L, 2, UINT_MAX);
  unsigned long f = cfs_args_flags(L, 3, flags, "close_range flag");

  cfs_args_max(L, 3);
  luaL_argcheck(L, first >= 0 && first <= UINT_MAX, 1, "out of range");
  luaL_argcheck(L, last >= first && last <= UINT_MAX, 2, "out of range");
  if (close_range((unsigned)first, (unsigned)last, (int)f) < 0)
    return cfs_error_raise(L, "close_range", NULL, errno);
  return 0;
}

/***
 * Set the file mode creation mask.
 * @function umask
 * @tparam int mask
 * @treturn int the previous mask
 * @see umask(2)
 */
static int
l_umask(lua_State *L)
{
  unsigned mask;

  luaL_checkany(L, 1);
  mask = cfs_args_mode(L, 1, 0);
  cfs_args_max(L, 1);
  lua_pushinteger(L, (lua_Integer)umask((mode_t)(mask & 0777)));
  return 1;
}

/***
 * Flush stdio and end the process at once, without running Lua or atexit cleanup,
 * which would run twice in a cloned child.
 * @function exit
 * @tparam[opt=0] int code
 * @see _exit(2)
 */
static int
l_exit(lua_State *L)
{
  lua_Integer code = luaL_optinteger(L, 1, 0);

  cfs_args_max(L, 1);
  fflush(NULL);
  cfs_vfork_mark('x');
  _exit((int)(code & 0xff));
}

/* The id getters take no argument and cannot fail. */
#define ID_GETTER(name, call)                                                                      \
  static int name(lua_State *L)                                                                    \
  {                                                                                                \
    cfs_args_max(L, 0);                                                                            \
    lua_pushinteger(L, (lua_Integer)call());                                                       \
    return 1;                                                                                      \
  }

ID_GETTER(l_getpid, getpid)
ID_GETTER(l_getppid, getppid)
ID_GETTER(l_getuid, getuid)
ID_GETTER(l_geteuid, geteuid)
ID_GETTER(l_getgid, getgid)
ID_GETTER(l_getegid, getegid)

/***
 * The number of a signal name, and the name of a number.
 * @function signum
 * @tparam string|int signal
 * @treturn int number
 * @treturn string|nil short name such as "TERM"
 */
static int
l_signum(lua_State *L)
{
  int signo = cfs_args_signal(L, 1, 0);

  luaL_checkany(L, 1);
  cfs_args_max(L, 1);
  lua_pushinteger(L, signo);
  lua_pushstring(L, cfs_signal_name(signo));
  return 2;
}

/* The field of /proc/self/stat with arg_start; arg_end, env_start and env_end follow it. */
#define STAT_ARG_START 48

/*
 * Read arg_start, arg_end, env_start and env_end from /proc/self/stat into
 * bounds; errno on failure. The name in field 2 may hold spaces and
 * parentheses, so counting starts after its last ')'.
 */
static int
read_arg_bounds(unsigned long bounds[4])
{
  char buf[2048], *p;
  long n;
  int fd, field;

  fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = cfs_read_retry(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return errno = n < 0 ? errno : EIO, -1;
  buf[n] = '\0';
  p = strrchr(buf, ')');
  for (field = 2; p != NULL && field < STAT_ARG_START; field++)
    p = strchr(p + 1, ' ');
  if (p == NULL)
    return errno = EIO, -1;
  n = sscanf(p, " %lu %lu %lu %lu", &bounds[0], &bounds[1], &bounds[2], &bounds[3]);
  if (n != 4 || bounds[1] <= bounds[0] || bounds[3] < bounds[2])
    return errno = EIO, -1;
  return 0;
}

/***
 * Show `title` as the command line in ps and /proc/PID/cmdline, and blank
 * the environment /proc/PID/environ shows. The kernel reads both from the
 * memory exec filled in, so this writes over that memory: the title is cut
 * to the room the first command line had, and the environment strings the
 * C library still points at become empty. An init that stays cfs uses it
 * so the container cannot read cfs's arguments and environment there.
 * @function set_proctitle
 * @tparam string title
 * @see proc(5)
 */
static int
l_set_proctitle(lua_State *L)
{
  size_t len;
  const char *title = cfs_args_string(L, 1, &len);
  unsigned long b[4];
  size_t room;

  cfs_args_max(L, 1);
  if (read_arg_bounds(b) < 0)
    return cfs_error_raise(L, "set_proctitle", "/proc/self/stat", errno);
  room = b[1] - b[0];
  if (len > room - 1)
    len = room - 1;
  memset((char *)b[0], 0, room);
  memcpy((char *)b[0], title, len);
  memset((char *)b[2], 0, b[3] - b[2]);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"close_range", l_close_range},
    {"exec", l_exec},
    {"exit", l_exit},
    {"getegid", l_getegid},
    {"geteuid", l_geteuid},
    {"getgid", l_getgid},
    {"getpid", l_getpid},
    {"getppid", l_getppid},
    {"getuid", l_getuid},
    {"kill", l_kill},
    {"set_proctitle", l_set_proctitle},
    {"signum", l_signum},
    {"sigprocmask", l_sigprocmask},
    {"umask", l_umask},
    {"waitpid", l_waitpid},
    {NULL, NULL},
};

void
cfs_proc_register(lua_State *L)
{
  if (luaL_newmetatable(L, CFS_PROCESS_TYPE)) {
    luaL_newlib(L, process_methods);
    lua_pushcclosure(L, process_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, process_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, process_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, process_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);

  /* The real-time signals have numbers but no names; the C library reserves the first few. */
  lua_pushinteger(L, SIGRTMIN);
  lua_setfield(L, -2, "SIGRTMIN");
  lua_pushinteger(L, SIGRTMAX);
  lua_setfield(L, -2, "SIGRTMAX");
}
