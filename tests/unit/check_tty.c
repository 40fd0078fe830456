/*
 * Unit tests for src/tty.c: pseudo-terminal pairs, terminal modes, window
 * sizes and the session calls, run through Lua on real terminals from the
 * host's /dev/ptmx.
 */
#include <check.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

static void
setup(void)
{
  unit_open("cfs");
}

/* Run a chunk, keeping all its results. */
static int
run(const char *code)
{
  return unit_run(code, LUA_MULTRET);
}

START_TEST(openpty_pair_carries_bytes)
{
  ck_assert_int_eq(run("local m, t = cfs.openpty()\n"
                       "m:write('abc\\n')\n"
                       "return t:read(10)"),
                   LUA_OK);
  ck_assert_str_eq(lua_tostring(L, -1), "abc\n");
}
END_TEST

START_TEST(openpty_returns_number)
{
  ck_assert_int_eq(run("local _, _, n = cfs.openpty() return n"), LUA_OK);
  ck_assert(lua_isinteger(L, -1));
  ck_assert_int_ge(lua_tointeger(L, -1), 0);
}
END_TEST

START_TEST(openpty_both_sides_are_terminals)
{
  ck_assert_int_eq(run("local m, t = cfs.openpty() return cfs.isatty(m), cfs.isatty(t)"), LUA_OK);
  ck_assert(lua_toboolean(L, 1));
  ck_assert(lua_toboolean(L, 2));
}
END_TEST

START_TEST(openpty_missing_ptmx_raises)
{
  ck_assert_int_ne(run("cfs.openpty('/nonexistent/ptmx')"), LUA_OK);
  ck_assert_str_eq(unit_error_field("code"), "ENOENT");
  lua_pop(L, 1);
  ck_assert_str_eq(unit_error_field("op"), "openpty");
}
END_TEST

START_TEST(isatty_false_for_pipe)
{
  ck_assert_int_eq(run("local r = cfs.pipe() return cfs.isatty(r)"), LUA_OK);
  ck_assert(!lua_toboolean(L, -1));
}
END_TEST

START_TEST(winsize_round_trip)
{
  ck_assert_int_eq(run("local m, t = cfs.openpty()\n"
                       "cfs.tcsetwinsize(m, 33, 111)\n"
                       "return cfs.tcgetwinsize(t)"),
                   LUA_OK);
  ck_assert_int_eq(lua_tointeger(L, 1), 33);
  ck_assert_int_eq(lua_tointeger(L, 2), 111);
}
END_TEST

START_TEST(winsize_rejects_out_of_range)
{
  ck_assert_int_ne(run("local m = cfs.openpty() cfs.tcsetwinsize(m, 70000, 80)"), LUA_OK);
  ck_assert_ptr_ne(strstr(lua_tostring(L, -1), "bad argument #2"), NULL);
}
END_TEST

START_TEST(termios_makeraw_and_restore)
{
  ck_assert_int_eq(run("local m, t = cfs.openpty()\n"
                       "local saved = cfs.tcgetattr(t)\n"
                       "cfs.tcsetattr(t, saved:makeraw())\n"
                       "local raw = tostring(cfs.tcgetattr(t))\n"
                       "cfs.tcsetattr(t, saved, 'drain')\n"
                       "return tostring(saved), raw, tostring(cfs.tcgetattr(t))"),
                   LUA_OK);
  ck_assert_str_eq(lua_tostring(L, 1), "cfs.Termios(canonical)");
  ck_assert_str_eq(lua_tostring(L, 2), "cfs.Termios(raw)");
  ck_assert_str_eq(lua_tostring(L, 3), "cfs.Termios(canonical)");
}
END_TEST

START_TEST(tcgetattr_on_pipe_is_enotty)
{
  ck_assert_int_ne(run("local r = cfs.pipe() cfs.tcgetattr(r)"), LUA_OK);
  ck_assert_str_eq(unit_error_field("code"), "ENOTTY");
}
END_TEST

START_TEST(tcsetattr_rejects_unknown_when)
{
  ck_assert_int_ne(run("local m, t = cfs.openpty() cfs.tcsetattr(t, cfs.tcgetattr(t), 'later')"),
                   LUA_OK);
  ck_assert_ptr_ne(strstr(lua_tostring(L, -1), "invalid option 'later'"), NULL);
}
END_TEST

/*
 * In a child, because the test process itself leads a process group: start
 * a session, take the terminal as controlling terminal, and check that
 * /dev/tty now opens. Exits 0 on success.
 */
START_TEST(setsid_then_tiocsctty)
{
  int wstatus;
  pid_t pid = fork();

  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int ok = run("local m, t = cfs.openpty()\n"
                 "cfs.setsid()\n"
                 "cfs.tiocsctty(t)\n"
                 "cfs.open('/dev/tty', {'rdwr'})") == LUA_OK;
    _exit(ok ? 0 : 1);
  }
  ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
  ck_assert(WIFEXITED(wstatus));
  ck_assert_int_eq(WEXITSTATUS(wstatus), 0);
}
END_TEST

START_TEST(tiocsctty_without_session_fails)
{
  /* The test process is not a session leader, so the kernel rejects the call. */
  ck_assert_int_ne(run("local m, t = cfs.openpty() cfs.tiocsctty(t)"), LUA_OK);
  ck_assert_str_eq(unit_error_field("code"), "EPERM");
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("tty");
  TCase *tc = tcase_create("tty");

  tcase_add_checked_fixture(tc, setup, unit_close);
  tcase_add_test(tc, openpty_pair_carries_bytes);
  tcase_add_test(tc, openpty_returns_number);
  tcase_add_test(tc, openpty_both_sides_are_terminals);
  tcase_add_test(tc, openpty_missing_ptmx_raises);
  tcase_add_test(tc, isatty_false_for_pipe);
  tcase_add_test(tc, winsize_round_trip);
  tcase_add_test(tc, winsize_rejects_out_of_range);
  tcase_add_test(tc, termios_makeraw_and_restore);
  tcase_add_test(tc, tcgetattr_on_pipe_is_enotty);
  tcase_add_test(tc, tcsetattr_rejects_unknown_when);
  tcase_add_test(tc, setsid_then_tiocsctty);
  tcase_add_test(tc, tiocsctty_without_session_fails);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
