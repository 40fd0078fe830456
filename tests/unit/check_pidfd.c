/*
 * Unit tests for src/pidfd.c: pidfd_open, pidfd_send_signal and setns
 * through a pidfd, run through Lua against real child processes. The
 * namespace test needs root, as the integration suites do.
 */
#include <check.h>
#include <lualib.h>
#include <sched.h>
#include <signal.h>
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

/* Set the global `pid` for the next chunk. */
static void
set_pid(pid_t pid)
{
  lua_pushinteger(L, pid);
  lua_setglobal(L, "pid");
}

/* A child that waits until it is killed; with `hostname`, in a new UTS namespace of its own. */
static pid_t
start_child(const char *hostname)
{
  int ready[2];
  char byte;
  pid_t pid;

  ck_assert_int_eq(pipe(ready), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    if (hostname != NULL &&
        (unshare(CLONE_NEWUTS) < 0 || sethostname(hostname, strlen(hostname)) < 0))
      _exit(1);
    if (write(ready[1], "x", 1) != 1)
      _exit(1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  ck_assert_int_eq(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  return pid;
}

static void
stop_child(pid_t pid)
{
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

START_TEST(pidfd_send_signal_reaches_child)
{
  int wstatus;
  pid_t pid = start_child(NULL);

  set_pid(pid);
  ck_assert_int_eq(run("return cfs.pidfd_send_signal(cfs.pidfd_open(pid), 'USR1')"), LUA_OK);
  ck_assert(lua_toboolean(L, -1));
  ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
  ck_assert(WIFSIGNALED(wstatus));
  ck_assert_int_eq(WTERMSIG(wstatus), SIGUSR1);
}
END_TEST

START_TEST(pidfd_send_signal_after_reap_is_false)
{
  pid_t pid = start_child(NULL);

  set_pid(pid);
  ck_assert_int_eq(run("fd = cfs.pidfd_open(pid)"), LUA_OK);
  stop_child(pid);
  ck_assert_int_eq(run("return cfs.pidfd_send_signal(fd, 0)"), LUA_OK);
  ck_assert(!lua_toboolean(L, -1));
}
END_TEST

START_TEST(pidfd_open_missing_process_raises)
{
  pid_t pid = start_child(NULL);

  stop_child(pid);
  set_pid(pid);
  ck_assert_int_ne(run("cfs.pidfd_open(pid)"), LUA_OK);
  ck_assert_str_eq(unit_error_field("code"), "ESRCH");
}
END_TEST

START_TEST(pidfd_open_rejects_zero)
{
  ck_assert_int_ne(run("cfs.pidfd_open(0)"), LUA_OK);
  ck_assert_ptr_ne(strstr(lua_tostring(L, -1), "PID out of range"), NULL);
}
END_TEST

START_TEST(pidfd_setns_joins_uts)
{
  char name[64];
  pid_t pid = start_child("cfs-pidfd-test");

  set_pid(pid);
  ck_assert_int_eq(run("cfs.pidfd_setns(cfs.pidfd_open(pid), {'uts'})"), LUA_OK);
  stop_child(pid);
  ck_assert_int_eq(gethostname(name, sizeof name), 0);
  ck_assert_str_eq(name, "cfs-pidfd-test");
}
END_TEST

START_TEST(pidfd_setns_rejects_empty_list)
{
  ck_assert_int_ne(run("cfs.pidfd_setns(cfs.pidfd_open(cfs.getpid()), {})"), LUA_OK);
  ck_assert_ptr_ne(strstr(lua_tostring(L, -1), "at least one namespace expected"), NULL);
}
END_TEST

START_TEST(pidfd_setns_rejects_unknown_namespace)
{
  ck_assert_int_ne(run("cfs.pidfd_setns(cfs.pidfd_open(cfs.getpid()), {'uts', 'nope'})"), LUA_OK);
  ck_assert_ptr_ne(strstr(lua_tostring(L, -1), "unknown namespace 'nope'"), NULL);
}
END_TEST

START_TEST(pidfd_setns_on_plain_fd_is_einval)
{
  ck_assert_int_ne(run("local r = cfs.pipe() cfs.pidfd_setns(r, {'uts'})"), LUA_OK);
  ck_assert_str_eq(unit_error_field("code"), "EINVAL");
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("pidfd");
  TCase *tc = tcase_create("pidfd");

  tcase_add_checked_fixture(tc, setup, unit_close);
  tcase_add_test(tc, pidfd_send_signal_reaches_child);
  tcase_add_test(tc, pidfd_send_signal_after_reap_is_false);
  tcase_add_test(tc, pidfd_open_missing_process_raises);
  tcase_add_test(tc, pidfd_open_rejects_zero);
  tcase_add_test(tc, pidfd_setns_joins_uts);
  tcase_add_test(tc, pidfd_setns_rejects_empty_list);
  tcase_add_test(tc, pidfd_setns_rejects_unknown_namespace);
  tcase_add_test(tc, pidfd_setns_on_plain_fd_is_einval);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
