/*
 * luaopen_cfs_core: gathers every primitive file's functions into the one
 * flat table that lua/cfs/init.lua re-exports as the public `cfs` module.
 */
#include "cfs.h"

static int
l_embedded(lua_State *L)
{
  size_t i;

  cfs_args_max(L, 0);
  lua_createtable(L, (int)cfs_embedded_count, 0);
  for (i = 0; i < cfs_embedded_count; i++) {
    lua_pushstring(L, cfs_embedded[i].name);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* Turn tracebacks in error reports on or off; CFS_DEBUG=1 sets it at start. */
static int
l_set_debug(lua_State *L)
{
  luaL_checktype(L, 1, LUA_TBOOLEAN);
  cfs_args_max(L, 1);
  cfs_debug = lua_toboolean(L, 1);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"embedded", l_embedded},
    {"set_debug", l_set_debug},
    {NULL, NULL},
};

int
luaopen_cfs_core(lua_State *L)
{
  lua_newtable(L);
  cfs_error_register(L);
  luaL_setfuncs(L, cfs_error_funcs, 0);
  luaL_setfuncs(L, funcs, 0);
  cfs_ns_register(L);
  cfs_fs_register(L);
  cfs_proc_register(L);
  cfs_fd_register(L);
  cfs_archive_register(L);
  cfs_mountfd_register(L);
  cfs_net_register(L);
  cfs_cred_register(L);
  cfs_caps_register(L);
  cfs_exe_register(L);
  cfs_prctl_register(L);
  cfs_rlimit_register(L);
  cfs_seccomp_register(L);
  cfs_tty_register(L);
  cfs_pidfd_register(L);
  cfs_fdpass_register(L);
  lua_pushliteral(L, CFS_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushstring(L, cfs_build_id);
  lua_setfield(L, -2, "build_id");
  return 1;
}
