/*
 * Unit tests for src/caps.c: capability names, and the bounding, ambient
 * and process sets changed for real. libcheck runs each test in a forked
 * process, so the changes end with the test.
 */
#include <check.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

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

START_TEST(from_name_resolves_names)
{
  ck_assert_int_eq(run("return cfs.cap_from_name('cap_sys_admin')"), LUA_OK);
  ck_assert_int_eq(lua_tointeger(L, -1), CAP_SYS_ADMIN);
  ck_assert_int_eq(run("return cfs.cap_from_name('CAP_CHOWN')"), LUA_OK);
  ck_assert_int_eq(lua_tointeger(L, -1), CAP_CHOWN);
}
END_TEST

START_TEST(from_name_unknown_is_nil)
{
  ck_assert_int_eq(run("return cfs.cap_from_name('cap_bogus')"), LUA_OK);
  ck_assert(lua_isnil(L, -1));
}
END_TEST

START_TEST(to_name_gives_lower_case)
{
  ck_assert_int_eq(run("return cfs.cap_to_name(21)"), LUA_OK);
  ck_assert_str_eq(unit_result(), "cap_sys_admin");
}
END_TEST

START_TEST(number_out_of_range_rejected)
{
  ck_assert_int_ne(run("return cfs.cap_to_name(cfs.cap_max_bits())"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "capability number out of range"));
}
END_TEST

START_TEST(unknown_name_rejected)
{
  ck_assert_int_ne(run("return cfs.cap_get_bound('cap_bogus')"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "unknown capability 'cap_bogus'"));
}
END_TEST

START_TEST(set_proc_rejects_unknown_set)
{
  ck_assert_int_ne(run("cfs.cap_set_proc{effectiv = {}}"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "unknown option 'effectiv'"));
}
END_TEST

START_TEST(set_proc_round_trip)
{
  ck_assert_int_eq(run("cfs.cap_set_proc{effective = {'cap_kill'}, "
                       "permitted = {'cap_chown', 'cap_kill'}, inheritable = {5}}\n"
                       "local c = cfs.cap_get_proc()\n"
                       "return table.concat(c.effective, ',') .. '|' .. "
                       "table.concat(c.permitted, ',') .. '|' .. "
                       "table.concat(c.inheritable, ',')"),
                   LUA_OK);
  ck_assert_str_eq(unit_result(), "5|0,5|5");
}
END_TEST

START_TEST(set_proc_cannot_raise)
{
  ck_assert_int_eq(run("cfs.cap_set_proc{effective = {'cap_kill'}, permitted = {'cap_kill'}}"),
                   LUA_OK);
  ck_assert_int_ne(run("cfs.cap_set_proc{permitted = {'cap_chown'}}"), LUA_OK);
  ck_assert_str_eq(unit_result(), "cap_set_proc: Operation not permitted");
}
END_TEST

START_TEST(drop_bound_removes_capability)
{
  ck_assert_int_eq(run("cfs.cap_drop_bound('cap_net_raw')\n"
                       "return cfs.cap_get_bound('cap_net_raw')"),
                   LUA_OK);
  ck_assert(!lua_toboolean(L, -1));
  ck_assert_int_eq(cap_get_bound(CAP_NET_RAW), 0);
  ck_assert_int_eq(cap_get_bound(CAP_CHOWN), 1);
}
END_TEST

START_TEST(ambient_raise_and_reset)
{
  ck_assert_int_eq(run("cfs.cap_set_proc{effective = {'cap_kill'}, permitted = {'cap_kill'},"
                       " inheritable = {'cap_kill'}}\n"
                       "cfs.cap_set_ambient('cap_kill', true)\n"
                       "local raised = cfs.cap_get_ambient('cap_kill')\n"
                       "cfs.cap_reset_ambient()\n"
                       "return tostring(raised) .. ',' .. tostring(cfs.cap_get_ambient(5))"),
                   LUA_OK);
  ck_assert_str_eq(unit_result(), "true,false");
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("caps");
  TCase *names = tcase_create("names");
  TCase *sets = tcase_create("sets");

  tcase_add_checked_fixture(names, setup, unit_close);
  tcase_add_test(names, from_name_resolves_names);
  tcase_add_test(names, from_name_unknown_is_nil);
  tcase_add_test(names, to_name_gives_lower_case);
  tcase_add_test(names, number_out_of_range_rejected);
  tcase_add_test(names, unknown_name_rejected);
  tcase_add_test(names, set_proc_rejects_unknown_set);
  suite_add_tcase(s, names);

  /* These change the process's capabilities, which needs root. */
  tcase_add_checked_fixture(sets, setup, unit_close);
  if (geteuid() == 0) {
    tcase_add_test(sets, set_proc_round_trip);
    tcase_add_test(sets, set_proc_cannot_raise);
    tcase_add_test(sets, drop_bound_removes_capability);
    tcase_add_test(sets, ambient_raise_and_reset);
  }
  suite_add_tcase(s, sets);

  return unit_run_suite(s);
}
