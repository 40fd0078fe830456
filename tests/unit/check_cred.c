/*
 * Unit tests for src/cred.c. Each test runs in a forked child (libcheck's
 * default), so the IDs it changes die with it.
 */
#include <check.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static void
setup(void)
{
  unit_open("core");
}

static void
run(const char *code)
{
  if (luaL_dostring(L, code) != LUA_OK)
    ck_abort_msg("Lua error: %s", luaL_tolstring(L, -1, NULL));
}

START_TEST(minus_one_keeps_ids)
{
  uid_t uid = getuid();

  run("core.setresuid(-1, -1, -1)");
  ck_assert_uint_eq(getuid(), uid);
}
END_TEST

START_TEST(ids_change)
{
  gid_t groups[1];

  run("core.setgroups({})");
  ck_assert_int_eq(getgroups(1, groups), 0);
  run("core.setresgid(1000, 1000, 1000)\ncore.setresuid(65534, 65534, 65534)");
  ck_assert_uint_eq(getgid(), 1000);
  ck_assert_uint_eq(getuid(), 65534);
  ck_assert_uint_eq(geteuid(), 65534);
}
END_TEST

START_TEST(unprivileged_change_is_eperm)
{
  run("core.setresuid(65534, 65534, 65534)\n"
      "local ok, e = pcall(core.setresuid, 0, 0, 0)\nreturn e.code");
  ck_assert_str_eq(lua_tostring(L, -1), "EPERM");
}
END_TEST

START_TEST(group_list_checked)
{
  ck_assert_int_ne(luaL_dostring(L, "core.setgroups({0, -1})"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "group ID expected at index 2"));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("cred");
  TCase *tc = tcase_create("cred");

  tcase_add_checked_fixture(tc, setup, unit_close);
  tcase_add_test(tc, minus_one_keeps_ids);
  tcase_add_test(tc, ids_change);
  tcase_add_test(tc, unprivileged_change_is_eperm);
  tcase_add_test(tc, group_list_checked);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
