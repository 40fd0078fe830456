/*
 * Unit tests for src/proc.c: wait status decoding, checked against real
 * children in libcheck's forked mode rather than hand-built status words.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

/* Fork a child that runs `how` and return its raw wait status. */
static int
child_status(int how)
{
  int wstatus;
  pid_t pid = fork();

  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    if (how >= 0)
      _exit(how);
    /* libcheck's runner handles TERM by killing the whole test group: restore the default. */
    signal(-how, SIG_DFL);
    raise(-how);
    _exit(99);
  }
  ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
  return wstatus;
}

START_TEST(decode_exit_code)
{
  const char *how;
  int code;

  cfs_status_decode(child_status(7), &how, &code);
  ck_assert_str_eq(how, "exited");
  ck_assert_int_eq(code, 7);
}
END_TEST

START_TEST(decode_exit_zero)
{
  const char *how;
  int code = -1;

  cfs_status_decode(child_status(0), &how, &code);
  ck_assert_str_eq(how, "exited");
  ck_assert_int_eq(code, 0);
}
END_TEST

START_TEST(decode_kill_signal)
{
  const char *how;
  int code;

  cfs_status_decode(child_status(-SIGKILL), &how, &code);
  ck_assert_str_eq(how, "signaled");
  ck_assert_int_eq(code, SIGKILL);
}
END_TEST

START_TEST(decode_term_signal)
{
  const char *how;
  int code;

  cfs_status_decode(child_status(-SIGTERM), &how, &code);
  ck_assert_str_eq(how, "signaled");
  ck_assert_int_eq(code, SIGTERM);
}
END_TEST

START_TEST(reset_signals_restores_defaults)
{
  struct sigaction sa;
  sigset_t mask;

  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, NULL);

  cfs_proc_reset_signals();
  sigaction(SIGPIPE, NULL, &sa);
  ck_assert_ptr_eq(sa.sa_handler, SIG_DFL);
  sigprocmask(SIG_BLOCK, NULL, &mask);
  ck_assert_int_eq(sigismember(&mask, SIGTERM), 0);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("proc");
  TCase *tc = tcase_create("proc");

  tcase_add_test(tc, decode_exit_code);
  tcase_add_test(tc, decode_exit_zero);
  tcase_add_test(tc, decode_kill_signal);
  tcase_add_test(tc, decode_term_signal);
  tcase_add_test(tc, reset_signals_restores_defaults);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
