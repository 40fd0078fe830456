/*
 * prctl(2) for the process attributes a container setup changes:
 * no_new_privs, dumpable, the parent-death signal and the thread name.
 * Options go by their kernel names without the PR_ prefix.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "cfs.h"

/* The maximum thread name length the kernel keeps (TASK_COMM_LEN counts the NUL too). */
#define NAME_MAX_LEN 15

enum option {
  SET_NO_NEW_PRIVS,
  GET_NO_NEW_PRIVS,
  SET_DUMPABLE,
  GET_DUMPABLE,
  SET_PDEATHSIG,
  GET_PDEATHSIG,
  SET_NAME,
  GET_NAME,
};

static const char *const options[] = {
    "set_no_new_privs", "get_no_new_privs", "set_dumpable", "get_dumpable", "set_pdeathsig",
    "get_pdeathsig",    "set_name",         "get_name",     NULL,
};

/* [-0, +0, v] The 0 or 1 at `arg` that set_no_new_privs and set_dumpable take. */
static unsigned long
check_bit(lua_State *L, int arg)
{
  lua_Integer v;

  if (lua_isboolean(L, arg))
    return (unsigned long)lua_toboolean(L, arg);
  v = luaL_checkinteger(L, arg);
  luaL_argcheck(L, v == 0 || v == 1, arg, "0 or 1 expected");
  return (unsigned long)v;
}

/* [-0, +1, v] Run a get_ option and push its value. */
static int
get_option(lua_State *L, enum option opt, const char *name)
{
  char comm[NAME_MAX_LEN + 1];
  int r, signo = 0;

  switch (opt) {
  case GET_PDEATHSIG:
    if (prctl(PR_GET_PDEATHSIG, &signo, 0, 0, 0) < 0)
      return cfs_error_raise(L, "prctl", name, errno);
    lua_pushinteger(L, signo);
    return 1;
  case GET_NAME:
    memset(comm, 0, sizeof comm);
    if (prctl(PR_GET_NAME, comm, 0, 0, 0) < 0)
      return cfs_error_raise(L, "prctl", name, errno);
    lua_pushstring(L, comm);
    return 1;
  default:
    r = prctl(opt == GET_NO_NEW_PRIVS ? PR_GET_NO_NEW_PRIVS : PR_GET_DUMPABLE, 0, 0, 0, 0);
    if (r < 0)
      return cfs_error_raise(L, "prctl", name, errno);
    lua_pushinteger(L, r);
    return 1;
  }
}

/***
 * Read or set one attribute of the calling process.
 * @function prctl
 * @tparam string option set_no_new_privs (1; it cannot be unset), get_no_new_privs,
 *   set_dumpable (0 or 1), get_dumpable, set_pdeathsig (a signal, 0 for none),
 *   get_pdeathsig, set_name (up to 15 bytes), get_name
 * @param[opt] value for the set_ options
 * @treturn int|string|nil the value, for the get_ options
 * @see prctl(2)
 */
static int
l_prctl(lua_State *L)
{
  enum option opt = (enum option)luaL_checkoption(L, 1, NULL, options);
  const char *name = options[opt];
  unsigned long arg = 0;
  int r;

  cfs_args_max(L, 2);
  if (strncmp(name, "get_", 4) == 0) {
    cfs_args_max(L, 1);
    return get_option(L, opt, name);
  }

  switch (opt) {
  case SET_NO_NEW_PRIVS:
    luaL_argcheck(L, check_bit(L, 2) == 1, 2, "no_new_privs can only be set to 1");
    r = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    break;
  case SET_DUMPABLE:
    arg = check_bit(L, 2);
    r = prctl(PR_SET_DUMPABLE, arg, 0, 0, 0);
    break;
  case SET_PDEATHSIG:
    luaL_checkany(L, 2);
    arg = (unsigned long)cfs_args_signal(L, 2, 0);
    r = prctl(PR_SET_PDEATHSIG, arg, 0, 0, 0);
    break;
  default: {
    size_t len;
    const char *comm = luaL_checklstring(L, 2, &len);

    luaL_argcheck(L, len <= NAME_MAX_LEN, 2, "name longer than 15 bytes");
    r = prctl(PR_SET_NAME, comm, 0, 0, 0);
    break;
  }
  }
  if (r < 0)
    return cfs_error_raise(L, "prctl", name, errno);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"prctl", l_prctl},
    {NULL, NULL},
};

void
cfs_prctl_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
