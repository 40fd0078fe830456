/*
 * Credential primitives: setresuid, setresgid and setgroups. A process
 * cloned into a new user namespace keeps its host IDs, which the new
 * namespace may not map; it becomes the container's root only once it sets
 * its IDs to 0 there.
 */
#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include "cfs.h"

/* The maximum number of supplementary groups (the kernel's NGROUPS_MAX since Linux 2.6.4). */
#define MAX_GROUPS 65536

/* [-0, +0, v] An ID argument: 0 to 2^32 - 2, or -1 (the default) to keep the current value. */
static unsigned int
check_id(lua_State *L, int arg)
{
  lua_Integer id = luaL_optinteger(L, arg, -1);

  luaL_argcheck(L, id >= -1 && id < 0xffffffffLL, arg, "ID out of range");
  return (unsigned int)id;
}

/***
 * Set the real, effective and saved user IDs; -1 keeps one.
 * @function setresuid
 * @tparam[opt=-1] int ruid
 * @tparam[opt=-1] int euid
 * @tparam[opt=-1] int suid
 * @raise setresuid: EPERM without CAP_SETUID, EINVAL for an ID the namespace does not map
 * @see setresuid(2)
 */
static int
l_setresuid(lua_State *L)
{
  uid_t r = check_id(L, 1), e = check_id(L, 2), s = check_id(L, 3);

  cfs_args_max(L, 3);
  if (setresuid(r, e, s) < 0)
    return cfs_error_raise(L, "setresuid", NULL, errno);
  return 0;
}

/***
 * Set the real, effective and saved group IDs; -1 keeps one.
 * @function setresgid
 * @tparam[opt=-1] int rgid
 * @tparam[opt=-1] int egid
 * @tparam[opt=-1] int sgid
 * @see setresgid(2)
 */
static int
l_setresgid(lua_State *L)
{
  gid_t r = check_id(L, 1), e = check_id(L, 2), s = check_id(L, 3);

  cfs_args_max(L, 3);
  if (setresgid(r, e, s) < 0)
    return cfs_error_raise(L, "setresgid", NULL, errno);
  return 0;
}

/***
 * Replace the supplementary group list.
 * @function setgroups
 * @tparam {int,...} groups possibly empty
 * @raise setgroups: EPERM also when /proc/self/setgroups of a user namespace is "deny"
 * @see setgroups(2)
 */
static int
l_setgroups(lua_State *L)
{
  lua_Integer i, n;
  gid_t *groups;

  luaL_checktype(L, 1, LUA_TTABLE);
  cfs_args_max(L, 1);
  n = luaL_len(L, 1);
  luaL_argcheck(L, n >= 0 && n <= MAX_GROUPS, 1, "too many groups");
  groups = lua_newuserdatauv(L, sizeof *groups * (size_t)(n > 0 ? n : 1), 0);
  for (i = 1; i <= n; i++) {
    lua_Integer gid;
    int isint;

    lua_geti(L, 1, i);
    gid = lua_tointegerx(L, -1, &isint);
    if (!isint || gid < 0 || gid >= 0xffffffffLL)
      luaL_argerror(L, 1, lua_pushfstring(L, "group ID expected at index %d", (int)i));
    groups[i - 1] = (gid_t)gid;
    lua_pop(L, 1);
  }

  if (setgroups((size_t)n, groups) < 0)
    return cfs_error_raise(L, "setgroups", NULL, errno);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"setgroups", l_setgroups},
    {"setresgid", l_setresgid},
    {"setresuid", l_setresuid},
    {NULL, NULL},
};

void
cfs_cred_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
