/*
 * Credentials: the real, effective and saved user and group IDs. cfs exec
 * uses them to become root of a container's user namespace after joining
 * it, as the container's own command is.
 */
#include <errno.h>
#include <unistd.h>

#include "cfs.h"

/* [-0, +0, v] An ID argument; -1 (the default) keeps the current value. */
static lua_Integer
check_id(lua_State *L, int arg)
{
  lua_Integer id = luaL_optinteger(L, arg, -1);

  luaL_argcheck(L, id >= -1 && id < 0xffffffffLL, arg, "ID out of range");
  return id;
}

/***
 * Set the real, effective and saved user IDs; -1 keeps one as it is.
 * @function setresuid
 * @tparam[opt=-1] int ruid
 * @tparam[opt=-1] int euid
 * @tparam[opt=-1] int suid
 * @raise setresuid('uid'): EINVAL when the ID has no mapping in the caller's
 *   user namespace, EPERM without CAP_SETUID
 * @see setresuid(2)
 */
static int
l_setresuid(lua_State *L)
{
  lua_Integer r = check_id(L, 1), e = check_id(L, 2), s = check_id(L, 3);

  cfs_args_max(L, 3);
  if (setresuid((uid_t)r, (uid_t)e, (uid_t)s) < 0)
    return cfs_error_raise(L, "setresuid", lua_pushfstring(L, "%I", e), errno);
  return 0;
}

/***
 * Set the real, effective and saved group IDs; -1 keeps one as it is.
 * @function setresgid
 * @tparam[opt=-1] int rgid
 * @tparam[opt=-1] int egid
 * @tparam[opt=-1] int sgid
 * @raise setresgid('gid'): EINVAL when the ID has no mapping in the caller's
 *   user namespace, EPERM without CAP_SETGID
 * @see setresgid(2)
 */
static int
l_setresgid(lua_State *L)
{
  lua_Integer r = check_id(L, 1), e = check_id(L, 2), s = check_id(L, 3);

  cfs_args_max(L, 3);
  if (setresgid((gid_t)r, (gid_t)e, (gid_t)s) < 0)
    return cfs_error_raise(L, "setresgid", lua_pushfstring(L, "%I", e), errno);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"setresgid", l_setresgid},
    {"setresuid", l_setresuid},
    {NULL, NULL},
};

void
cfs_cred_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
