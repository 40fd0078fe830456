/*
 * Shared by the libcheck suites: a Lua state holding the primitives, made
 * fresh for each test, and the runner that turns a suite into an exit
 * status. Each suite is a program of its own, so the statics here are
 * private to it.
 */
#ifndef CFS_UNIT_H
#define CFS_UNIT_H

#include <check.h>
#include <lualib.h>
#include <stdlib.h>

#include "cfs.h"

/* Not every suite uses a Lua state. */
static lua_State *L __attribute__((unused));

/* A state with the standard libraries and cfs.core, also as the global `name` unless NULL. */
static inline void
unit_open(const char *name)
{
  L = luaL_newstate();
  luaL_openlibs(L);
  luaL_requiref(L, "cfs.core", luaopen_cfs_core, 0);
  if (name != NULL)
    lua_setglobal(L, name);
  else
    lua_pop(L, 1);
}

static inline void
unit_close(void)
{
  lua_close(L);
}

/*
 * Run a chunk, keeping `nresults` results (LUA_MULTRET for all); returns the
 * pcall status and leaves the results or the error on top. A chunk that
 * does not compile fails the test.
 */
static inline int
unit_run(const char *code, int nresults)
{
  lua_settop(L, 0);
  ck_assert_int_eq(luaL_loadstring(L, code), LUA_OK);
  return lua_pcall(L, 0, nresults, 0);
}

/* The value on top as text. */
static inline const char *
unit_result(void)
{
  return luaL_tolstring(L, -1, NULL);
}

/* The error message on top, or the field `name` of the cfs.Error on top. */
static inline const char *
unit_error_field(const char *name)
{
  if (lua_type(L, -1) != LUA_TTABLE)
    return lua_tostring(L, -1);
  lua_getfield(L, -1, name);
  return lua_tostring(L, -1);
}

/* Run every test of the suite in libcheck's forked mode; the status for main(). */
static inline int
unit_run_suite(Suite *s)
{
  SRunner *sr = srunner_create(s);
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
