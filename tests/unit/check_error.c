/*
 * Unit tests for src/error.c: the fields and text of cfs.Error values.
 */
#include <check.h>
#include <errno.h>
#include <lualib.h>
#include <stdlib.h>

#include "unit.h"

static void
setup(void)
{
  unit_open(NULL);
}

static const char *
field(int idx, const char *name)
{
  lua_getfield(L, idx, name);
  return lua_tostring(L, -1);
}

START_TEST(error_push_fills_fields)
{
  cfs_error_push(L, "mount", "/proc", EPERM);
  ck_assert_str_eq(field(-1, "op"), "mount");
  ck_assert_str_eq(field(-2, "arg"), "/proc");
  ck_assert_str_eq(field(-3, "code"), "EPERM");
  ck_assert_str_eq(field(-4, "msg"), "Operation not permitted");
  lua_getfield(L, -5, "errno");
  ck_assert_int_eq(lua_tointeger(L, -1), EPERM);
}
END_TEST

START_TEST(error_text_quotes_argument)
{
  cfs_error_push(L, "mount", "/proc", EPERM);
  ck_assert_str_eq(luaL_tolstring(L, -1, NULL), "mount('/proc'): Operation not permitted");
}
END_TEST

START_TEST(error_text_without_argument)
{
  cfs_error_push(L, "clone", NULL, EINVAL);
  ck_assert_str_eq(luaL_tolstring(L, -1, NULL), "clone: Invalid argument");
}
END_TEST

START_TEST(error_text_shows_empty_argument)
{
  cfs_error_push(L, "sethostname", "", EINVAL);
  ck_assert_str_eq(luaL_tolstring(L, -1, NULL), "sethostname(''): Invalid argument");
}
END_TEST

START_TEST(error_message_overrides_strerror)
{
  cfs_error_push_msg(L, "extract", "../x", EINVAL, "Path contains '..'");
  ck_assert_str_eq(luaL_tolstring(L, -1, NULL), "extract('../x'): Path contains '..'");
  ck_assert_str_eq(field(-2, "code"), "EINVAL");
}
END_TEST

START_TEST(error_text_adds_context_and_hint)
{
  cfs_error_push(L, "pivot_root", ".", EINVAL);
  lua_pushliteral(L, "rootfs");
  lua_setfield(L, -2, "context");
  lua_pushliteral(L, "new root must be a mount point");
  lua_setfield(L, -2, "hint");
  ck_assert_str_eq(luaL_tolstring(L, -1, NULL),
                   "rootfs: pivot_root('.'): Invalid argument (new root must be a mount point)");
}
END_TEST

START_TEST(error_from_lua_table)
{
  ck_assert_int_eq(luaL_dostring(L, "local c = require 'cfs.core'\n"
                                    "local e = c.error{op = 'open', arg = 'x', errno = 2}\n"
                                    "return tostring(e), e.code"),
                   LUA_OK);
  ck_assert_str_eq(lua_tostring(L, -2), "open('x'): No such file or directory");
  ck_assert_str_eq(lua_tostring(L, -1), "ENOENT");
}
END_TEST

START_TEST(error_from_lua_needs_message)
{
  ck_assert_int_ne(luaL_dostring(L, "require('cfs.core').error{op = 'x'}"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "field 'msg' or 'errno' required"));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("error");
  TCase *tc = tcase_create("error");

  tcase_add_checked_fixture(tc, setup, unit_close);
  tcase_add_test(tc, error_push_fills_fields);
  tcase_add_test(tc, error_text_quotes_argument);
  tcase_add_test(tc, error_text_without_argument);
  tcase_add_test(tc, error_text_shows_empty_argument);
  tcase_add_test(tc, error_message_overrides_strerror);
  tcase_add_test(tc, error_text_adds_context_and_hint);
  tcase_add_test(tc, error_from_lua_table);
  tcase_add_test(tc, error_from_lua_needs_message);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
