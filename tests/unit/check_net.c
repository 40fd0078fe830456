/*
 * Unit tests for src/net.c: reading interface flags, and bringing "lo" up
 * in a network namespace of the test's own (each test runs in a forked
 * child, so the host's network is never touched).
 */
#include <check.h>
#include <lualib.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static void
setup(void)
{
  unit_open("core");
}

static const char *
eval(const char *code)
{
  if (luaL_dostring(L, code) != LUA_OK)
    ck_abort_msg("Lua error: %s", luaL_tolstring(L, -1, NULL));
  return lua_tostring(L, -1);
}

START_TEST(loopback_flags)
{
  ck_assert_ptr_nonnull(
      strstr(eval("return table.concat(core.link_flags('lo'), ',')"), "loopback"));
}
END_TEST

START_TEST(unknown_interface_is_enodev)
{
  ck_assert_str_eq(eval("local ok, e = pcall(core.link_flags, 'cfs-none0')\nreturn e.code"),
                   "ENODEV");
}
END_TEST

START_TEST(link_up_in_new_namespace)
{
  if (unshare(CLONE_NEWNET) != 0)
    ck_abort_msg("unshare(CLONE_NEWNET) failed: run as root");
  ck_assert_ptr_null(strstr(eval("return table.concat(core.link_flags('lo'), ',')"), "up"));
  eval("core.link_up('lo')");
  ck_assert_ptr_nonnull(strstr(eval("return table.concat(core.link_flags('lo'), ',')"), "up"));
}
END_TEST

START_TEST(name_length_checked)
{
  ck_assert_int_ne(luaL_dostring(L, "core.link_up('sixteen-bytes-xx')"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "interface name must have 1 to 15 bytes"));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("net");
  TCase *tc = tcase_create("net");

  tcase_add_checked_fixture(tc, setup, unit_close);
  tcase_add_test(tc, loopback_flags);
  tcase_add_test(tc, unknown_interface_is_enodev);
  tcase_add_test(tc, link_up_in_new_namespace);
  tcase_add_test(tc, name_length_checked);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
