/*
 * The one constructor for runtime errors raised by primitives. Every failure
 * becomes a cfs.Error table with the fields op, arg, errno, code and msg, so
 * the message format cannot drift between files and callers can test
 * err.code == "EEXIST" instead of parsing text.
 */
#include <errno.h>
#include <string.h>

#include "cfs.h"

/* [-1, +0, -] Give the table on top the cfs.Error metatable and fill code/msg from errno. */
static void
finish(lua_State *L, int err)
{
  if (lua_getfield(L, -1, "code") == LUA_TNIL && err != 0) {
    const char *name = strerrorname_np(err);

    lua_pushstring(L, name != NULL ? name : "EUNKNOWN");
    lua_setfield(L, -3, "code");
  }
  lua_pop(L, 1);

  if (lua_getfield(L, -1, "msg") == LUA_TNIL && err != 0) {
    lua_pushstring(L, strerror(err));
    lua_setfield(L, -3, "msg");
  }
  lua_pop(L, 1);

  luaL_setmetatable(L, CFS_ERROR_TYPE);
}

/* [-0, +1, m] */
void
cfs_error_push_msg(lua_State *L, const char *op, const char *arg, int err, const char *msg)
{
  lua_createtable(L, 0, 6);
  lua_pushstring(L, op);
  lua_setfield(L, -2, "op");
  if (arg != NULL) {
    lua_pushstring(L, arg);
    lua_setfield(L, -2, "arg");
  }
  lua_pushinteger(L, err);
  lua_setfield(L, -2, "errno");
  if (msg != NULL) {
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "msg");
  }
  finish(L, err);
}

/* [-0, +1, m] */
void
cfs_error_push(lua_State *L, const char *op, const char *arg, int err)
{
  cfs_error_push_msg(L, op, arg, err, NULL);
}

/* [-0, +1, v] Raise; `err` must be the errno saved right after the failing call. */
int
cfs_error_raise(lua_State *L, const char *op, const char *arg, int err)
{
  cfs_error_push(L, op, arg, err);
  return lua_error(L);
}

/* [-0, +1, v] Raise with a message that does not come from strerror (libarchive, names). */
int
cfs_error_raise_msg(lua_State *L, const char *op, const char *arg, int err, const char *msg)
{
  cfs_error_push_msg(L, op, arg, err, msg);
  return lua_error(L);
}

/*
 * Format as "context: op('arg'): msg (hint)". Only op and msg are required;
 * a Lua-made error for bad user input may carry msg alone.
 */
static int
error_tostring(lua_State *L)
{
  luaL_Buffer b;
  const char *field;

  luaL_buffinit(L, &b);
  if (lua_getfield(L, 1, "context") == LUA_TSTRING) {
    luaL_addvalue(&b);
    luaL_addstring(&b, ": ");
  } else {
    lua_pop(L, 1);
  }

  if (lua_getfield(L, 1, "op") == LUA_TSTRING) {
    luaL_addvalue(&b);
    if (lua_getfield(L, 1, "arg") == LUA_TSTRING) {
      luaL_addstring(&b, "('");
      luaL_addvalue(&b);
      luaL_addstring(&b, "')");
    } else {
      lua_pop(L, 1);
    }
    luaL_addstring(&b, ": ");
  } else {
    lua_pop(L, 1);
  }

  lua_getfield(L, 1, "msg");
  field = lua_tostring(L, -1);
  luaL_addstring(&b, field != NULL ? field : "unknown error");
  lua_pop(L, 1);

  if (lua_getfield(L, 1, "hint") == LUA_TSTRING) {
    luaL_addstring(&b, " (");
    luaL_addvalue(&b);
    luaL_addstring(&b, ")");
  } else {
    lua_pop(L, 1);
  }

  luaL_pushresult(&b);
  return 1;
}

/*
 * cfs.error(fields): turn a Lua table into a cfs.Error in place, so errors
 * made by the Lua library (bad options, missing rootfs) print and behave
 * exactly like those raised by primitives.
 */
static int
l_error(lua_State *L)
{
  lua_Integer err;

  luaL_checktype(L, 1, LUA_TTABLE);
  cfs_args_max(L, 1);
  lua_getfield(L, 1, "errno");
  err = luaL_optinteger(L, -1, 0);
  lua_pop(L, 1);
  if (lua_getfield(L, 1, "msg") != LUA_TSTRING && err == 0)
    luaL_argerror(L, 1, "field 'msg' or 'errno' required");
  lua_pop(L, 1);

  lua_pushinteger(L, err);
  lua_setfield(L, 1, "errno");
  lua_settop(L, 1);
  finish(L, (int)err);
  return 1;
}

/* cfs.strerror(errno): the system's message and symbolic name for an errno. */
static int
l_strerror(lua_State *L)
{
  int err = (int)luaL_checkinteger(L, 1);
  const char *name = strerrorname_np(err);

  cfs_args_max(L, 1);
  lua_pushstring(L, strerror(err));
  lua_pushstring(L, name);
  return 2;
}

const luaL_Reg cfs_error_funcs[] = {
    {"error", l_error},
    {"strerror", l_strerror},
    {NULL, NULL},
};

/* Errno values recipes compare against most often, exposed as cfs.errno.NAME. */
static const int errno_values[] = {
    E2BIG,  EACCES,  EAGAIN, EBADF,     EBUSY,      ECHILD,       EEXIST,  EFAULT,       EINTR,
    EINVAL, EIO,     EISDIR, ELOOP,     EMFILE,     ENAMETOOLONG, ENODEV,  ENOENT,       ENOEXEC,
    ENOMEM, ENOSPC,  ENOSYS, ENOTDIR,   ENOTEMPTY,  ENXIO,        EPERM,   EPIPE,        EROFS,
    ESRCH,  ETXTBSY, EXDEV,  ETIMEDOUT, EOPNOTSUPP, EUSERS,       ENOTSUP, ECONNREFUSED, ESTALE,
};

/* [-0, +0, m] Register the metatable and leave cfs.errno in the table on top. */
void
cfs_error_register(lua_State *L)
{
  size_t i;

  if (luaL_newmetatable(L, CFS_ERROR_TYPE)) {
    lua_pushcfunction(L, error_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);

  lua_createtable(L, 0, sizeof errno_values / sizeof errno_values[0]);
  for (i = 0; i < sizeof errno_values / sizeof errno_values[0]; i++) {
    lua_pushinteger(L, errno_values[i]);
    lua_setfield(L, -2, strerrorname_np(errno_values[i]));
  }
  lua_setfield(L, -2, "errno");
}
