/*
 * The cfs host, shaped like lua.c: create the state, do all setup inside
 * one protected function, hand argv to the Lua CLI (cfs.cli.main) and turn
 * its result, or its error, into the process exit status in one place.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lualib.h>

#include "cfs.h"

/* [-0, +1, -] Call the function on top with `nargs` arguments; an error is reported. */
static int
protected_call(lua_State *L, int nargs, int *status)
{
  int handler = lua_gettop(L) - nargs;

  lua_pushcfunction(L, cfs_host_msghandler);
  lua_insert(L, handler);
  if (lua_pcall(L, nargs, 1, handler) != LUA_OK) {
    *status = cfs_host_report(L, -1);
    lua_remove(L, handler);
    return 0;
  }
  lua_remove(L, handler);
  return 1;
}

static int
pmain(lua_State *L)
{
  int argc = (int)lua_tointeger(L, 1);
  char **argv = lua_touserdata(L, 2);
  int i, status = 0;

  luaL_checkversion(L);
  luaL_openlibs(L);
  luaL_requiref(L, "cfs.core", luaopen_cfs_core, 0);
  lua_pop(L, 1);
  cfs_host_searchers(L);

  lua_getglobal(L, "require");
  lua_pushliteral(L, "cfs.cli");
  if (protected_call(L, 1, &status)) {
    lua_getfield(L, -1, "main");
    lua_createtable(L, argc, 0);
    for (i = 1; i < argc; i++) {
      lua_pushstring(L, argv[i]);
      lua_rawseti(L, -2, i);
    }
    if (protected_call(L, 1, &status))
      status = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
  }
  lua_pushinteger(L, status);
  return 1;
}

int
main(int argc, char **argv)
{
  const char *debug = getenv("CFS_DEBUG");
  lua_State *L;
  int status;

  cfs_main_argv = argv;
  /* A write to a closed pipe must be an error in Lua, not a silent death; children reset it. */
  signal(SIGPIPE, SIG_IGN);
  cfs_debug = debug != NULL && *debug != '\0' && strcmp(debug, "0") != 0;

  L = luaL_newstate();
  if (L == NULL) {
    fputs("cfs: cannot create the Lua state: not enough memory\n", stderr);
    return 125;
  }
  /* After luaL_newstate, which also sets the panic and warning functions. */
  lua_setallocf(L, cfs_alloc, NULL);
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK)
    status = cfs_host_report(L, -1);
  else
    status = (int)lua_tointeger(L, -1);
  lua_close(L);
  return status & 0xff;
}
