/*
 * Unit tests for src/rlimit.c: names, the unlimited value and real
 * setrlimit calls, in libcheck's forked processes.
 */
#include <check.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

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

START_TEST(get_matches_kernel)
{
  struct rlimit rl;

  ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
  ck_assert_int_eq(run("local s, h = cfs.getrlimit('nofile') return s .. ':' .. h"), LUA_OK);
  lua_pushfstring(L, "%I:%I", (lua_Integer)rl.rlim_cur, (lua_Integer)rl.rlim_max);
  ck_assert_str_eq(lua_tostring(L, -2), lua_tostring(L, -1));
}
END_TEST

START_TEST(infinity_is_all_bits)
{
  ck_assert_int_eq(run("return cfs.RLIM_INFINITY"), LUA_OK);
  ck_assert_int_eq((rlim_t)lua_tointeger(L, -1), RLIM_INFINITY);
}
END_TEST

START_TEST(set_lowers_limits)
{
  struct rlimit rl;

  ck_assert_int_eq(run("cfs.setrlimit('core', 0, 4096)"), LUA_OK);
  ck_assert_int_eq(getrlimit(RLIMIT_CORE, &rl), 0);
  ck_assert_uint_eq(rl.rlim_cur, 0);
  ck_assert_uint_eq(rl.rlim_max, 4096);
}
END_TEST

START_TEST(set_soft_to_hard)
{
  struct rlimit rl;

  ck_assert_int_eq(run("local _, hard = cfs.getrlimit('stack')\n"
                       "cfs.setrlimit('stack', hard, hard)"),
                   LUA_OK);
  ck_assert_int_eq(getrlimit(RLIMIT_STACK, &rl), 0);
  ck_assert_uint_eq(rl.rlim_cur, rl.rlim_max);
}
END_TEST

START_TEST(raise_hard_needs_capability)
{
  cap_t caps = cap_get_proc();
  cap_value_t resource = CAP_SYS_RESOURCE;

  ck_assert_ptr_nonnull(caps);
  cap_set_flag(caps, CAP_EFFECTIVE, 1, &resource, CAP_CLEAR);
  ck_assert_int_eq(cap_set_proc(caps), 0);
  cap_free(caps);
  ck_assert_int_eq(run("cfs.setrlimit('nofile', 64, 64)"), LUA_OK);
  ck_assert_int_ne(run("cfs.setrlimit('nofile', 64, 128)"), LUA_OK);
  ck_assert_str_eq(unit_result(), "setrlimit('nofile'): Operation not permitted");
}
END_TEST

START_TEST(unknown_resource_rejected)
{
  ck_assert_int_ne(run("cfs.getrlimit('files')"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "unknown resource 'files'"));
}
END_TEST

START_TEST(negative_limit_rejected)
{
  ck_assert_int_ne(run("cfs.setrlimit('core', -2, 0)"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "limit must be 0 or more"));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("rlimit");
  TCase *tc = tcase_create("rlimit");

  tcase_add_checked_fixture(tc, setup, unit_close);
  tcase_add_test(tc, get_matches_kernel);
  tcase_add_test(tc, infinity_is_all_bits);
  tcase_add_test(tc, set_lowers_limits);
  tcase_add_test(tc, set_soft_to_hard);
  tcase_add_test(tc, raise_hard_needs_capability);
  tcase_add_test(tc, unknown_resource_rejected);
  tcase_add_test(tc, negative_limit_rejected);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
