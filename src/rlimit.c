/*
 * Resource limits: getrlimit and setrlimit by resource name (the names
 * docker's --ulimit uses, which are the kernel's RLIMIT_ names in lower
 * case). Limits are integers; cfs.RLIM_INFINITY (all bits set, -1 as a Lua
 * integer) means unlimited.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "cfs.h"

static const struct cfs_flag resources[] = {
    {"as", RLIMIT_AS},
    {"core", RLIMIT_CORE},
    {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},
    {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE},
    {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},
    {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
    {NULL, 0},
};

/* [-0, +0, v] The resource named at `arg`. */
static int
check_resource(lua_State *L, int arg)
{
  const char *name = luaL_checkstring(L, arg);
  const struct cfs_flag *r;

  for (r = resources; r->name != NULL; r++)
    if (strcmp(r->name, name) == 0)
      return (int)r->value;
  return luaL_argerror(L, arg, lua_pushfstring(L, "unknown resource '%s'", name));
}

/* [-0, +0, v] A limit at `arg`: a count from 0 up, or cfs.RLIM_INFINITY. */
static rlim_t
check_limit(lua_State *L, int arg)
{
  lua_Integer n = luaL_checkinteger(L, arg);

  luaL_argcheck(L, n >= 0 || (rlim_t)n == RLIM_INFINITY, arg,
                "limit must be 0 or more, or cfs.RLIM_INFINITY");
  return (rlim_t)n;
}

/***
 * The soft and hard limits of a resource of the calling process.
 * @function getrlimit
 * @tparam string resource as, core, cpu, data, fsize, locks, memlock, msgqueue, nice,
 *   nofile, nproc, rss, rtprio, rttime, sigpending, stack
 * @treturn int soft limit, cfs.RLIM_INFINITY when unlimited
 * @treturn int hard limit
 * @see getrlimit(2)
 */
static int
l_getrlimit(lua_State *L)
{
  int resource = check_resource(L, 1);
  struct rlimit rl;

  cfs_args_max(L, 1);
  if (getrlimit(resource, &rl) < 0)
    return cfs_error_raise(L, "getrlimit", lua_tostring(L, 1), errno);
  lua_pushinteger(L, (lua_Integer)rl.rlim_cur);
  lua_pushinteger(L, (lua_Integer)rl.rlim_max);
  return 2;
}

/***
 * Set the soft and hard limits of a resource of the calling process.
 * Raising a hard limit needs CAP_SYS_RESOURCE.
 * @function setrlimit
 * @tparam string resource as for getrlimit
 * @tparam int soft cfs.RLIM_INFINITY for unlimited
 * @tparam int hard
 * @see setrlimit(2)
 */
static int
l_setrlimit(lua_State *L)
{
  int resource = check_resource(L, 1);
  struct rlimit rl;

  rl.rlim_cur = check_limit(L, 2);
  rl.rlim_max = check_limit(L, 3);
  cfs_args_max(L, 3);
  if (setrlimit(resource, &rl) < 0)
    return cfs_error_raise(L, "setrlimit", lua_tostring(L, 1), errno);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"getrlimit", l_getrlimit},
    {"setrlimit", l_setrlimit},
    {NULL, NULL},
};

void
cfs_rlimit_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
  lua_pushinteger(L, (lua_Integer)RLIM_INFINITY);
  lua_setfield(L, -2, "RLIM_INFINITY");
}
