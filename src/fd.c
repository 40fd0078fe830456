/*
 * File descriptors as Lua values: the cfs.Fd handle (read, write, lock,
 * close), and the calls that make or watch descriptors: open, pipe,
 * signalfd, poll and dup2. Every descriptor is opened close-on-exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cfs.h"

#define FD_TYPE "cfs.Fd"

struct fd_handle {
  int fd; /* -1 once closed */
};

/* [-0, +1, m] A handle in the closed state, to be filled once the descriptor exists. */
static struct fd_handle *
fd_new(lua_State *L)
{
  struct fd_handle *h = lua_newuserdatauv(L, sizeof *h, 0);

  h->fd = -1;
  luaL_setmetatable(L, FD_TYPE);
  return h;
}

/*
 * [-0, +1, m] The same closed handle for primitives in other files; they
 * store the descriptor through the returned pointer once it exists.
 */
int *
cfs_fd_new(lua_State *L)
{
  return &fd_new(L)->fd;
}

static struct fd_handle *
check_open(lua_State *L, int arg)
{
  struct fd_handle *h = luaL_checkudata(L, arg, FD_TYPE);

  if (h->fd < 0)
    luaL_argerror(L, arg, "descriptor is closed");
  return h;
}

/* [-0, +0, v] An Fd handle or a plain integer descriptor at `arg`. */
int
cfs_fd_check(lua_State *L, int arg)
{
  if (lua_type(L, arg) == LUA_TNUMBER) {
    lua_Integer fd = luaL_checkinteger(L, arg);

    luaL_argcheck(L, fd >= 0 && fd <= 0x7fffffff, arg, "descriptor out of range");
    return (int)fd;
  }
  return check_open(L, arg)->fd;
}

static const struct cfs_flag open_flags[] = {
    {"append", O_APPEND},
    {"creat", O_CREAT},
    {"directory", O_DIRECTORY},
    {"excl", O_EXCL},
    {"nofollow", O_NOFOLLOW},
    {"nonblock", O_NONBLOCK},
    {"path", O_PATH},
    {"rdonly", O_RDONLY},
    {"rdwr", O_RDWR},
    {"trunc", O_TRUNC},
    {"wronly", O_WRONLY},
    {"noctty", O_NOCTTY},
    {NULL, 0},
};

/***
 * @function open
 * @tparam string path
 * @tparam[opt={"rdonly"}] {string,...} flags rdonly, wronly, rdwr, creat, excl, trunc,
 *   append, directory, nofollow, nonblock, path, noctty
 * @tparam[opt=0644] int mode for a created file
 * @treturn cfs.Fd
 * @see open(2)
 */
static int
l_open(lua_State *L)
{
  const char *path = cfs_args_string(L, 1, NULL);
  int flags = (int)cfs_args_flags(L, 2, open_flags, "open flag");
  unsigned mode = cfs_args_mode(L, 3, 0644);
  struct fd_handle *h;

  cfs_args_max(L, 3);
  h = fd_new(L);
  h->fd = open(path, flags | O_CLOEXEC, (mode_t)mode);
  if (h->fd < 0)
    return cfs_error_raise(L, "open", path, errno);
  return 1;
}

/***
 * A new descriptor for the same open file, close-on-exec, numbered 3 or
 * above so that it never takes the place of stdio.
 * @function dup
 * @tparam cfs.Fd|int fd
 * @treturn cfs.Fd
 * @see fcntl(2) F_DUPFD_CLOEXEC
 */
static int
l_dup(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);
  struct fd_handle *h;

  cfs_args_max(L, 1);
  h = fd_new(L);
  h->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (h->fd < 0)
    return cfs_error_raise(L, "dup", NULL, errno);
  return 1;
}

/***
 * @function pipe
 * @treturn cfs.Fd read end
 * @treturn cfs.Fd write end
 * @see pipe2(2)
 */
static int
l_pipe(lua_State *L)
{
  struct fd_handle *r, *w;
  int fds[2];

  cfs_args_max(L, 0);
  r = fd_new(L);
  w = fd_new(L);
  if (pipe2(fds, O_CLOEXEC) < 0)
    return cfs_error_raise(L, "pipe", NULL, errno);
  r->fd = fds[0];
  w->fd = fds[1];
  return 2;
}

/***
 * A descriptor that reads the listed signals; block them first with sigprocmask.
 * @function signalfd
 * @tparam {string,...} signals
 * @treturn cfs.Fd read it with Fd:read_signal
 * @see signalfd(2)
 */
static int
l_signalfd(lua_State *L)
{
  struct fd_handle *h;
  lua_Integer i, n;
  sigset_t set;

  luaL_checktype(L, 1, LUA_TTABLE);
  cfs_args_max(L, 1);
  sigemptyset(&set);
  n = luaL_len(L, 1);
  for (i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    sigaddset(&set, cfs_args_signal(L, lua_gettop(L), 0));
    lua_pop(L, 1);
  }

  h = fd_new(L);
  h->fd = signalfd(-1, &set, SFD_CLOEXEC);
  if (h->fd < 0)
    return cfs_error_raise(L, "signalfd", NULL, errno);
  return 1;
}

/***
 * Wait until one of the descriptors is readable (or hung up).
 * @function poll
 * @tparam {cfs.Fd|int,...} fds
 * @tparam[opt=-1] int timeout milliseconds; -1 waits for ever
 * @treturn {boolean,...} ready flags in the order of fds; all false on timeout
 * @see poll(2)
 */
static int
l_poll(lua_State *L)
{
  lua_Integer i, n, timeout = luaL_optinteger(L, 2, -1);
  struct pollfd *fds;
  int r;

  luaL_checktype(L, 1, LUA_TTABLE);
  cfs_args_max(L, 2);
  n = luaL_len(L, 1);
  luaL_argcheck(L, n >= 1 && n <= 1024, 1, "between 1 and 1024 descriptors expected");
  fds = lua_newuserdatauv(L, sizeof *fds * (size_t)n, 0);
  for (i = 0; i < n; i++) {
    lua_geti(L, 1, i + 1);
    if (lua_type(L, -1) != LUA_TNUMBER && luaL_testudata(L, -1, FD_TYPE) == NULL)
      return luaL_argerror(L, 1, lua_pushfstring(L, "descriptor expected at index %d", (int)i + 1));
    fds[i].fd = cfs_fd_check(L, lua_gettop(L));
    fds[i].events = POLLIN;
    fds[i].revents = 0;
    lua_pop(L, 1);
  }

  do
    r = poll(fds, (nfds_t)n, (int)timeout);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return cfs_error_raise(L, "poll", NULL, errno);

  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_pushboolean(L, fds[i].revents != 0);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/***
 * @function dup2
 * @tparam cfs.Fd|int fd
 * @tparam int target descriptor number, left open across exec
 * @see dup2(2)
 */
static int
l_dup2(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);
  lua_Integer target = luaL_checkinteger(L, 2);

  luaL_argcheck(L, target >= 0 && target <= 0x7fffffff, 2, "descriptor out of range");
  cfs_args_max(L, 2);
  if (dup2(fd, (int)target) < 0)
    return cfs_error_raise(L, "dup2", NULL, errno);
  return 0;
}

/***
 * Read up to n bytes; "" at end of file.
 * @function Fd:read
 * @tparam[opt=65536] int n
 * @treturn string|nil nil when the descriptor is non-blocking and empty
 */
static int
fd_read(lua_State *L)
{
  struct fd_handle *h = check_open(L, 1);
  lua_Integer n = luaL_optinteger(L, 2, 65536);
  luaL_Buffer b;
  char *buf;
  long r;

  luaL_argcheck(L, n > 0 && n <= (1 << 24), 2, "size out of range");
  cfs_args_max(L, 2);
  buf = luaL_buffinitsize(L, &b, (size_t)n);
  r = cfs_read_retry(h->fd, buf, (size_t)n);
  if (r < 0) {
    if (errno == EAGAIN)
      return 0;
    return cfs_error_raise(L, "read", NULL, errno);
  }
  luaL_pushresultsize(&b, (size_t)r);
  return 1;
}

/***
 * Read one pending signal from a signalfd.
 * @function Fd:read_signal
 * @treturn int signal number
 * @treturn int PID of the sender, 0 for the kernel
 * @treturn int si_code: 0 or less when a process sent it, SI_KERNEL (128) for a
 *   terminal's INT, QUIT or WINCH
 */
static int
fd_read_signal(lua_State *L)
{
  struct fd_handle *h = check_open(L, 1);
  struct signalfd_siginfo info;
  long r;

  cfs_args_max(L, 1);
  r = cfs_read_retry(h->fd, &info, sizeof info);
  if (r < 0)
    return cfs_error_raise(L, "read", NULL, errno);
  if (r != (long)sizeof info)
    return cfs_error_raise(L, "read", NULL, EIO);
  lua_pushinteger(L, info.ssi_signo);
  lua_pushinteger(L, info.ssi_pid);
  lua_pushinteger(L, info.ssi_code);
  return 3;
}

/***
 * Write all of data.
 * @function Fd:write
 * @tparam string data
 */
static int
fd_write(lua_State *L)
{
  struct fd_handle *h = check_open(L, 1);
  size_t len, done = 0;
  const char *data = luaL_checklstring(L, 2, &len);

  cfs_args_max(L, 2);
  while (done < len) {
    long r = cfs_write_retry(h->fd, data + done, len - done);

    if (r < 0)
      return cfs_error_raise(L, "write", NULL, errno);
    done += (size_t)r;
  }
  return 0;
}

/***
 * Take an exclusive (or shared) advisory lock, waiting for it.
 * @function Fd:lock
 * @tparam[opt="exclusive"] string mode "exclusive", "shared" or "unlock"
 * @see flock(2)
 */
static int
fd_lock(lua_State *L)
{
  static const char *const modes[] = {"exclusive", "shared", "unlock", NULL};
  static const int ops[] = {LOCK_EX, LOCK_SH, LOCK_UN};
  struct fd_handle *h = check_open(L, 1);
  int op = ops[luaL_checkoption(L, 2, "exclusive", modes)];
  int r;

  cfs_args_max(L, 2);
  do
    r = flock(h->fd, op);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return cfs_error_raise(L, "flock", NULL, errno);
  return 0;
}

static int
fd_fileno(lua_State *L)
{
  struct fd_handle *h = check_open(L, 1);

  cfs_args_max(L, 1);
  lua_pushinteger(L, h->fd);
  return 1;
}

/* Idempotent: closing twice, or collecting a closed handle, does nothing. */
static int
fd_close(lua_State *L)
{
  struct fd_handle *h = luaL_checkudata(L, 1, FD_TYPE);

  if (h->fd >= 0) {
    close(h->fd);
    h->fd = -1;
  }
  return 0;
}

static int
fd_tostring(lua_State *L)
{
  struct fd_handle *h = luaL_checkudata(L, 1, FD_TYPE);

  if (h->fd < 0)
    lua_pushliteral(L, "cfs.Fd(closed)");
  else
    lua_pushfstring(L, "cfs.Fd(%d)", h->fd);
  return 1;
}

/* The open flag names of cfs.open, for other primitives that open files. */
const struct cfs_flag *
cfs_fd_open_flags(void)
{
  return open_flags;
}

static const luaL_Reg fd_methods[] = {
    {"close", fd_close}, {"fileno", fd_fileno},           {"lock", fd_lock},
    {"read", fd_read},   {"read_signal", fd_read_signal}, {"write", fd_write},
    {NULL, NULL},
};

static const luaL_Reg funcs[] = {
    {"dup", l_dup},   {"dup2", l_dup2},         {"open", l_open}, {"pipe", l_pipe},
    {"poll", l_poll}, {"signalfd", l_signalfd}, {NULL, NULL},
};

void
cfs_fd_register(lua_State *L)
{
  if (luaL_newmetatable(L, FD_TYPE)) {
    luaL_newlib(L, fd_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, fd_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, fd_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, fd_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
