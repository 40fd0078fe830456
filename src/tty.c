/*
 * Terminal primitives: a pseudo-terminal pair from a chosen ptmx, terminal
 * modes as a saved cfs.Termios value, window sizes, and the session calls
 * (setsid, TIOCSCTTY) that give a process a controlling terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cfs.h"

#define TERMIOS_TYPE "cfs.Termios"

/***
 * Open a new pseudo-terminal pair from a ptmx device and unlock it.
 * The terminal side is opened through the master (TIOCGPTPEER), so it
 * always comes from the same devpts instance, whatever /dev/pts shows.
 * @function openpty
 * @tparam[opt="/dev/ptmx"] string ptmx such as "/dev/pts/ptmx" of a devpts instance
 * @treturn cfs.Fd master, the side the relaying program reads and writes
 * @treturn cfs.Fd terminal, the side that becomes the container's stdio
 * @treturn int the terminal's number N, as in /dev/pts/N of that instance
 * @see openpty(3), pty(7), ioctl_tty(2)
 */
static int
l_openpty(lua_State *L)
{
  const char *ptmx = luaL_optstring(L, 1, "/dev/ptmx");
  int *master, *peer, unlock = 0, number;

  cfs_args_max(L, 1);
  master = cfs_fd_new(L);
  peer = cfs_fd_new(L);

  *master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*master < 0)
    return cfs_error_raise(L, "openpty", ptmx, errno);

  /* On error the handles own what is open, so the collector closes it. */
  if (ioctl(*master, TIOCSPTLCK, &unlock) < 0)
    return cfs_error_raise(L, "unlockpt", ptmx, errno);

  if (ioctl(*master, TIOCGPTN, &number) < 0)
    return cfs_error_raise(L, "ptsname", ptmx, errno);

  *peer = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*peer < 0)
    return cfs_error_raise(L, "openpty", ptmx, errno);
  lua_pushinteger(L, number);
  return 3;
}

/***
 * @function isatty
 * @tparam cfs.Fd|int fd
 * @treturn boolean true when fd refers to a terminal
 * @see isatty(3)
 */
static int
l_isatty(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);

  cfs_args_max(L, 1);
  lua_pushboolean(L, isatty(fd));
  return 1;
}

/***
 * Read a terminal's mode, to change a copy or to restore it later.
 * @function tcgetattr
 * @tparam cfs.Fd|int fd
 * @treturn cfs.Termios
 * @see tcgetattr(3)
 */
static int
l_tcgetattr(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);
  struct termios *t;

  cfs_args_max(L, 1);
  t = lua_newuserdatauv(L, sizeof *t, 0);
  luaL_setmetatable(L, TERMIOS_TYPE);
  if (tcgetattr(fd, t) < 0)
    return cfs_error_raise(L, "tcgetattr", NULL, errno);
  return 1;
}

/***
 * Set a terminal's mode.
 * @function tcsetattr
 * @tparam cfs.Fd|int fd
 * @tparam cfs.Termios mode
 * @tparam[opt="now"] string when "now", "drain" (after output is written) or
 *   "flush" (after output is written, dropping unread input)
 * @see tcsetattr(3)
 */
static int
l_tcsetattr(lua_State *L)
{
  static const char *const whens[] = {"now", "drain", "flush", NULL};
  static const int actions[] = {TCSANOW, TCSADRAIN, TCSAFLUSH};
  int fd = cfs_fd_check(L, 1);
  const struct termios *t = luaL_checkudata(L, 2, TERMIOS_TYPE);
  int action = actions[luaL_checkoption(L, 3, "now", whens)];

  cfs_args_max(L, 3);
  if (tcsetattr(fd, action, t) < 0)
    return cfs_error_raise(L, "tcsetattr", NULL, errno);
  return 0;
}

/***
 * A copy of the mode in raw form: no echo, no line editing, no signals from
 * keys, 8-bit bytes passed as they are.
 * @function Termios:makeraw
 * @treturn cfs.Termios
 * @see cfmakeraw(3)
 */
static int
termios_makeraw(lua_State *L)
{
  const struct termios *t = luaL_checkudata(L, 1, TERMIOS_TYPE);
  struct termios *raw;

  cfs_args_max(L, 1);
  raw = lua_newuserdatauv(L, sizeof *raw, 0);
  luaL_setmetatable(L, TERMIOS_TYPE);
  *raw = *t;
  cfmakeraw(raw);
  return 1;
}

static int
termios_tostring(lua_State *L)
{
  const struct termios *t = luaL_checkudata(L, 1, TERMIOS_TYPE);

  lua_pushfstring(L, "cfs.Termios(%s)", (t->c_lflag & ICANON) != 0 ? "canonical" : "raw");
  return 1;
}

/***
 * @function tcgetwinsize
 * @tparam cfs.Fd|int fd a terminal or a pty master
 * @treturn int rows
 * @treturn int columns
 * @see ioctl_tty(2) TIOCGWINSZ
 */
static int
l_tcgetwinsize(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);
  struct winsize ws;

  cfs_args_max(L, 1);
  if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
    return cfs_error_raise(L, "tcgetwinsize", NULL, errno);
  lua_pushinteger(L, ws.ws_row);
  lua_pushinteger(L, ws.ws_col);
  return 2;
}

/***
 * Set the window size; the kernel sends SIGWINCH to the terminal's
 * foreground process group when it changes.
 * @function tcsetwinsize
 * @tparam cfs.Fd|int fd a terminal or a pty master
 * @tparam int rows
 * @tparam int columns
 * @see ioctl_tty(2) TIOCSWINSZ
 */
static int
l_tcsetwinsize(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);
  lua_Integer rows = luaL_checkinteger(L, 2), cols = luaL_checkinteger(L, 3);
  struct winsize ws;

  luaL_argcheck(L, rows >= 0 && rows <= 0xffff, 2, "out of range");
  luaL_argcheck(L, cols >= 0 && cols <= 0xffff, 3, "out of range");
  cfs_args_max(L, 3);
  memset(&ws, 0, sizeof ws);
  ws.ws_row = (unsigned short)rows;
  ws.ws_col = (unsigned short)cols;
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
    return cfs_error_raise(L, "tcsetwinsize", NULL, errno);
  return 0;
}

/***
 * Start a new session with the caller as its leader and no controlling terminal.
 * @function setsid
 * @treturn int the session id
 * @raise setsid: EPERM when the caller already leads a process group
 * @see setsid(2)
 */
static int
l_setsid(lua_State *L)
{
  pid_t sid;

  cfs_args_max(L, 0);
  sid = setsid();
  if (sid < 0)
    return cfs_error_raise(L, "setsid", NULL, errno);
  lua_pushinteger(L, sid);
  return 1;
}

/***
 * Make a terminal the controlling terminal of the caller's session; the
 * caller must lead a session that has none (call setsid first).
 * @function tiocsctty
 * @tparam cfs.Fd|int fd
 * @see ioctl_tty(2) TIOCSCTTY
 */
static int
l_tiocsctty(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);

  cfs_args_max(L, 1);
  if (ioctl(fd, TIOCSCTTY, 0) < 0)
    return cfs_error_raise(L, "tiocsctty", NULL, errno);
  return 0;
}

static const luaL_Reg termios_methods[] = {
    {"makeraw", termios_makeraw},
    {NULL, NULL},
};

static const luaL_Reg funcs[] = {
    {"isatty", l_isatty},
    {"openpty", l_openpty},
    {"setsid", l_setsid},
    {"tcgetattr", l_tcgetattr},
    {"tcgetwinsize", l_tcgetwinsize},
    {"tcsetattr", l_tcsetattr},
    {"tcsetwinsize", l_tcsetwinsize},
    {"tiocsctty", l_tiocsctty},
    {NULL, NULL},
};

void
cfs_tty_register(lua_State *L)
{
  if (luaL_newmetatable(L, TERMIOS_TYPE)) {
    luaL_newlib(L, termios_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, termios_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
