/*
 * Unit tests for src/cred.c: setresuid and setresgid, run through Lua in
 * child processes so the test runner keeps its own IDs. Needs root.
 */
#include <check.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfs.h"

static lua_State *L;

static void
setup(void)
{
  L = luaL_newstate();
  luaL_openlibs(L);
  luaL_requiref(L, "cfs", luaopen_cfs_core, 1);
  lua_pop(L, 1);
}

static void
teardown(void)
{
  lua_close(L);
}

/* Run a Lua chunk with the primitives in the global `cfs` and return the pcall status. */
static int
run(const char *code)
{
  lua_settop(L, 0);
  ck_assert_int_eq(luaL_loadstring(L, code), LUA_OK);
  return lua_pcall(L, 0, LUA_MULTRET, 0);
}

/* Run `code` in a child; it must return true. Returns the child's exit status. */
static int
run_in_child(const char *code)
{
  int wstatus;
  pid_t pid = fork();

  ck_assert_int_ge(pid, 0);
  if (pid == 0)
    _exit(run(code) == LUA_OK && lua_toboolean(L, -1) ? 0 : 1);
  ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
  ck_assert(WIFEXITED(wstatus));
  return WEXITSTATUS(wstatus);
}

START_TEST(setresuid_changes_all_three)
{
  ck_assert_int_eq(run_in_child("cfs.setresgid(1000, 1000, 1000)\n"
                                "cfs.setresuid(1000, 1000, 1000)\n"
                                "return cfs.getuid() == 1000 and cfs.geteuid() == 1000\n"
                                "  and cfs.getgid() == 1000 and cfs.getegid() == 1000"),
                   0);
}
END_TEST

START_TEST(setresuid_back_to_root_is_eperm)
{
  ck_assert_int_eq(run_in_child("cfs.setresuid(1000, 1000, 1000)\n"
                                "local ok, err = pcall(cfs.setresuid, 0, 0, 0)\n"
                                "return not ok and err.code == 'EPERM' and err.arg == '0'"),
                   0);
}
END_TEST

START_TEST(setresuid_minus_one_keeps_ids)
{
  ck_assert_int_eq(run_in_child("local uid = cfs.getuid()\n"
                                "cfs.setresuid() cfs.setresgid(-1, -1, -1)\n"
                                "return cfs.getuid() == uid"),
                   0);
}
END_TEST

START_TEST(setresuid_rejects_out_of_range)
{
  ck_assert_int_ne(run("cfs.setresuid(-2)"), LUA_OK);
  ck_assert_ptr_ne(strstr(lua_tostring(L, -1), "ID out of range"), NULL);
}
END_TEST

START_TEST(setresgid_rejects_extra_argument)
{
  ck_assert_int_ne(run("cfs.setresgid(1, 1, 1, 1)"), LUA_OK);
  ck_assert_ptr_ne(strstr(lua_tostring(L, -1), "no value expected"), NULL);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("cred");
  TCase *tc = tcase_create("cred");
  SRunner *sr;
  int failed;

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, setresuid_changes_all_three);
  tcase_add_test(tc, setresuid_back_to_root_is_eperm);
  tcase_add_test(tc, setresuid_minus_one_keeps_ids);
  tcase_add_test(tc, setresuid_rejects_out_of_range);
  tcase_add_test(tc, setresgid_rejects_extra_argument);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
