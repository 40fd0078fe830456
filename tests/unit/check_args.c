/*
 * Unit tests for src/args.c: flag lists by name, the Lua list to argv
 * conversion, environment maps, option tables and signal names.
 */
#include <check.h>
#include <lualib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "unit.h"

static const struct cfs_flag flags[] = {
    {"bind", MS_BIND},
    {"rec", MS_REC},
    {"ro", MS_RDONLY},
    {NULL, 0},
};

static void
setup(void)
{
  unit_open(NULL);
}

/* Run `code` with the value it builds at index 1 through `fn`; returns the pcall status. */
static int
with_value(const char *code, lua_CFunction fn)
{
  lua_settop(L, 0);
  lua_pushcfunction(L, fn);
  ck_assert_int_eq(luaL_dostring(L, code), LUA_OK);
  return lua_pcall(L, 1, 1, 0);
}

static unsigned long flags_result;

static int
call_flags(lua_State *L)
{
  flags_result = cfs_args_flags(L, 1, flags, "mount flag");
  return 0;
}

START_TEST(flags_or_together)
{
  ck_assert_int_eq(with_value("return {'bind', 'rec'}", call_flags), LUA_OK);
  ck_assert_uint_eq(flags_result, MS_BIND | MS_REC);
}
END_TEST

START_TEST(flags_nil_is_zero)
{
  flags_result = 99;
  ck_assert_int_eq(with_value("return nil", call_flags), LUA_OK);
  ck_assert_uint_eq(flags_result, 0);
}
END_TEST

START_TEST(flags_reject_unknown_name)
{
  ck_assert_int_ne(with_value("return {'bind', 'readonly'}", call_flags), LUA_OK);
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "unknown mount flag 'readonly'"));
}
END_TEST

START_TEST(flags_reject_non_string)
{
  ck_assert_int_ne(with_value("return {'bind', 4}", call_flags), LUA_OK);
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "mount flag name expected at index 2"));
}
END_TEST

START_TEST(flag_name_finds_value)
{
  ck_assert_str_eq(cfs_flag_name(flags, MS_RDONLY), "ro");
  ck_assert_ptr_null(cfs_flag_name(flags, MS_NOSUID));
}
END_TEST

static const char **argv_result;
static int argv_count;

static int
call_argv(lua_State *L)
{
  argv_result = cfs_args_argv(L, 1);
  for (argv_count = 0; argv_result[argv_count] != NULL; argv_count++)
    ;
  lua_pushstring(L, argv_result[0] ? argv_result[0] : "");
  for (int i = 1; i < argv_count; i++) {
    lua_pushliteral(L, "|");
    lua_pushstring(L, argv_result[i]);
    lua_concat(L, 3);
  }
  return 1;
}

START_TEST(argv_keeps_order_and_terminates)
{
  ck_assert_int_eq(with_value("return {'sh', '-c', 'echo hi'}", call_argv), LUA_OK);
  ck_assert_int_eq(argv_count, 3);
  ck_assert_str_eq(lua_tostring(L, -1), "sh|-c|echo hi");
}
END_TEST

START_TEST(argv_empty_list)
{
  ck_assert_int_eq(with_value("return {}", call_argv), LUA_OK);
  ck_assert_int_eq(argv_count, 0);
}
END_TEST

START_TEST(argv_rejects_number)
{
  ck_assert_int_ne(with_value("return {'echo', 5}", call_argv), LUA_OK);
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "string expected at index 2"));
}
END_TEST

static int
call_envp(lua_State *L)
{
  const char **envp = cfs_args_envp(L, 1);
  luaL_Buffer b;

  luaL_buffinit(L, &b);
  for (int i = 0; envp[i] != NULL; i++) {
    lua_pushstring(L, envp[i]);
    luaL_addvalue(&b);
    luaL_addchar(&b, ';');
  }
  luaL_pushresult(&b);
  return 1;
}

START_TEST(envp_sorted_pairs)
{
  ck_assert_int_eq(with_value("return {PATH = '/bin', HOME = '/root'}", call_envp), LUA_OK);
  ck_assert_str_eq(lua_tostring(L, -1), "HOME=/root;PATH=/bin;");
}
END_TEST

START_TEST(envp_rejects_name_with_equals)
{
  ck_assert_int_ne(with_value("return {['A=B'] = 'x'}", call_envp), LUA_OK);
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "invalid environment name 'A=B'"));
}
END_TEST

static int
call_options(lua_State *L)
{
  static const char *const allowed[] = {"prepare", NULL};

  cfs_args_options(L, 1, allowed);
  return 0;
}

START_TEST(options_accept_known_key)
{
  ck_assert_int_eq(with_value("return {prepare = print}", call_options), LUA_OK);
}
END_TEST

START_TEST(options_reject_unknown_key)
{
  ck_assert_int_ne(with_value("return {prepair = print}", call_options), LUA_OK);
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "unknown option 'prepair'"));
}
END_TEST

START_TEST(signal_names_and_numbers)
{
  ck_assert_int_eq(cfs_signal_number("TERM"), SIGTERM);
  ck_assert_int_eq(cfs_signal_number("SIGKILL"), SIGKILL);
  ck_assert_int_eq(cfs_signal_number("usr1"), SIGUSR1);
  ck_assert_int_eq(cfs_signal_number("NOPE"), 0);
  ck_assert_str_eq(cfs_signal_name(SIGWINCH), "WINCH");
  ck_assert_ptr_null(cfs_signal_name(SIGRTMIN + 1));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("args");
  TCase *tc = tcase_create("args");

  tcase_add_checked_fixture(tc, setup, unit_close);
  tcase_add_test(tc, flags_or_together);
  tcase_add_test(tc, flags_nil_is_zero);
  tcase_add_test(tc, flags_reject_unknown_name);
  tcase_add_test(tc, flags_reject_non_string);
  tcase_add_test(tc, flag_name_finds_value);
  tcase_add_test(tc, argv_keeps_order_and_terminates);
  tcase_add_test(tc, argv_empty_list);
  tcase_add_test(tc, argv_rejects_number);
  tcase_add_test(tc, envp_sorted_pairs);
  tcase_add_test(tc, envp_rejects_name_with_equals);
  tcase_add_test(tc, options_accept_known_key);
  tcase_add_test(tc, options_reject_unknown_key);
  tcase_add_test(tc, signal_names_and_numbers);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
