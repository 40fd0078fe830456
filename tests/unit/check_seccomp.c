/*
 * Unit tests for src/seccomp.c: argument checks, and filters loaded for
 * real in libcheck's forked processes, then probed with raw syscalls.
 */
#include <check.h>
#include <errno.h>
#include <lualib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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

/* The errno of a raw syscall, or 0 when it succeeded. */
static int
syscall_errno(long nr, long a, long b)
{
  errno = 0;
  return syscall(nr, a, b) < 0 ? errno : 0;
}

START_TEST(resolve_name_known_and_unknown)
{
  ck_assert_int_eq(run("return cfs.seccomp_syscall_resolve_name('getppid')"), LUA_OK);
  ck_assert_int_eq(lua_tointeger(L, -1), SYS_getppid);
  ck_assert_int_eq(run("return cfs.seccomp_syscall_resolve_name('no_such_call')"), LUA_OK);
  ck_assert(lua_isnil(L, -1));
}
END_TEST

START_TEST(arch_native_named)
{
  ck_assert_int_eq(run("return cfs.seccomp_arch_native()"), LUA_OK);
  ck_assert(lua_isstring(L, -1));
}
END_TEST

START_TEST(init_rejects_unknown_action)
{
  ck_assert_int_ne(run("cfs.seccomp_init('deny')"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "unknown action 'deny'"));
}
END_TEST

START_TEST(rule_rejects_unknown_syscall)
{
  ck_assert_int_ne(run("cfs.seccomp_init('allow'):rule_add({errno = 1}, 'mkdri')"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "unknown syscall 'mkdri'"));
}
END_TEST

START_TEST(rule_with_default_action_fails)
{
  ck_assert_int_ne(run("cfs.seccomp_init('allow'):rule_add('allow', 'mkdir')"), LUA_OK);
  ck_assert_str_eq(unit_result(), "seccomp_rule_add('mkdir'): Permission denied");
}
END_TEST

START_TEST(condition_checks)
{
  static const char *const cases[][2] = {
      {"{{index = 6, op = 'eq', value = 1}}", "argument index must be 0 to 5"},
      {"{{index = 0, op = 'like', value = 1}}", "unknown operator 'like'"},
      {"{{index = 0, op = 'masked_eq', value = 1}}", "integer field 'mask' expected"},
      {"{{index = 0, op = 'eq', value = 1, mask = 1}}", "only for op 'masked_eq'"},
      {"{{index = 0, op = 'eq', valu = 1}}", "unknown option 'valu'"},
      {"{1}", "condition 1 is not a table"},
  };
  size_t i;

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char code[256];

    snprintf(code, sizeof code, "cfs.seccomp_init('allow'):rule_add({errno = 1}, 'kill', %s)",
             cases[i][0]);
    ck_assert_int_ne(run(code), LUA_OK);
    ck_assert_msg(strstr(unit_result(), cases[i][1]) != NULL, "%s: got '%s'", cases[i][0],
                  unit_result());
  }
}
END_TEST

START_TEST(released_filter_rejected)
{
  ck_assert_int_ne(run("local f = cfs.seccomp_init('allow') f:release() f:load()"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(unit_result(), "filter is released"));
}
END_TEST

START_TEST(loaded_rule_returns_errno)
{
  ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
  ck_assert_int_eq(run("local f = cfs.seccomp_init('allow')\n"
                       "f:arch_add('x86')\n"
                       "f:rule_add({errno = cfs.errno.ENOSYS}, 'getppid')\n"
                       "f:load()"),
                   LUA_OK);
  ck_assert_int_eq(syscall_errno(SYS_getppid, 0, 0), ENOSYS);
  ck_assert_int_eq(syscall_errno(SYS_getpid, 0, 0), 0);
}
END_TEST

START_TEST(loaded_condition_matches_argument)
{
  ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
  ck_assert_int_eq(run("local f = cfs.seccomp_init('allow')\n"
                       "f:rule_add({errno = 1}, 'kill', {{index = 1, op = 'eq', value = 10}})\n"
                       "f:rule_add({errno = 2}, 'kill',\n"
                       "  {{index = 1, op = 'masked_eq', mask = 0xf0, value = 0x20}})\n"
                       "f:load()"),
                   LUA_OK);
  ck_assert_int_eq(syscall_errno(SYS_kill, getpid(), 0), 0);
  ck_assert_int_eq(syscall_errno(SYS_kill, getpid(), 10), EPERM);
  ck_assert_int_eq(syscall_errno(SYS_kill, getpid(), 0x21), ENOENT);
}
END_TEST

START_TEST(load_without_nnp_needs_capability)
{
  /* Drop CAP_SYS_ADMIN: without it and without no_new_privs the kernel refuses a filter. */
  ck_assert_int_eq(run("local c = cfs.cap_get_proc()\n"
                       "local keep = {}\n"
                       "for _, cap in ipairs(c.effective) do\n"
                       "  if cap ~= 21 then keep[#keep + 1] = cap end\n"
                       "end\n"
                       "cfs.cap_set_proc{effective = keep, permitted = keep}"),
                   LUA_OK);
  ck_assert_int_ne(run("cfs.seccomp_init('allow'):load()"), LUA_OK);
  ck_assert_str_eq(unit_result(), "seccomp_load: Permission denied");
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("seccomp");
  TCase *tc = tcase_create("seccomp");

  tcase_add_checked_fixture(tc, setup, unit_close);
  tcase_add_test(tc, resolve_name_known_and_unknown);
  tcase_add_test(tc, arch_native_named);
  tcase_add_test(tc, init_rejects_unknown_action);
  tcase_add_test(tc, rule_rejects_unknown_syscall);
  tcase_add_test(tc, rule_with_default_action_fails);
  tcase_add_test(tc, condition_checks);
  tcase_add_test(tc, released_filter_rejected);
  tcase_add_test(tc, loaded_rule_returns_errno);
  tcase_add_test(tc, loaded_condition_matches_argument);
  tcase_add_test(tc, load_without_nnp_needs_capability);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
