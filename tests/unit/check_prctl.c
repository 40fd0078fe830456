/*
 * Unit tests for src/prctl.c, each in libcheck's forked process so the
 * attributes set end with the test.
 */
#include <check.h>
#include <lualib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "unit.h"

static void
setup(void)
{
  unit_open("cfs");
}

/* Run a chunk, keeping its first result. */
static int
run(const char *code)
{
  return unit_run(code, 1);
}

START_TEST(no_new_privs_set_and_read)
{
  ck_assert_int_eq(run("cfs.prctl('set_no_new_privs', 1) return cfs.prctl('get_no_new_privs')"),
                   LUA_OK);
  ck_assert_int_eq(lua_tointeger(L, -1), 1);
  ck_assert_int_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
}
END_TEST

START_TEST(no_new_privs_cannot_unset)
{
  ck_assert_int_ne(run("cfs.prctl('set_no_new_privs', 0)"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "no_new_privs can only be set to 1"));
}
END_TEST

START_TEST(dumpable_set_and_read)
{
  ck_assert_int_eq(run("cfs.prctl('set_dumpable', false) return cfs.prctl('get_dumpable')"),
                   LUA_OK);
  ck_assert_int_eq(lua_tointeger(L, -1), 0);
}
END_TEST

START_TEST(pdeathsig_by_name)
{
  ck_assert_int_eq(run("cfs.prctl('set_pdeathsig', 'USR1') return cfs.prctl('get_pdeathsig')"),
                   LUA_OK);
  ck_assert_int_eq(lua_tointeger(L, -1), SIGUSR1);
}
END_TEST

START_TEST(name_set_and_read)
{
  ck_assert_int_eq(run("cfs.prctl('set_name', 'cfs-test') return cfs.prctl('get_name')"), LUA_OK);
  ck_assert_str_eq(unit_result(), "cfs-test");
}
END_TEST

START_TEST(name_too_long_rejected)
{
  ck_assert_int_ne(run("cfs.prctl('set_name', string.rep('x', 16))"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "name longer than 15 bytes"));
}
END_TEST

START_TEST(unknown_option_rejected)
{
  ck_assert_int_ne(run("cfs.prctl('set_keepcaps', 1)"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "invalid option 'set_keepcaps'"));
}
END_TEST

START_TEST(get_takes_no_value)
{
  ck_assert_int_ne(run("cfs.prctl('get_dumpable', 1)"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "no value expected"));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("prctl");
  TCase *tc = tcase_create("prctl");

  tcase_add_checked_fixture(tc, setup, unit_close);
  tcase_add_test(tc, no_new_privs_set_and_read);
  tcase_add_test(tc, no_new_privs_cannot_unset);
  tcase_add_test(tc, dumpable_set_and_read);
  tcase_add_test(tc, pdeathsig_by_name);
  tcase_add_test(tc, name_set_and_read);
  tcase_add_test(tc, name_too_long_rejected);
  tcase_add_test(tc, unknown_option_rejected);
  tcase_add_test(tc, get_takes_no_value);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
