/*
 * Unit tests for src/fdpass.c: dup, socketpair and passing a descriptor
 * over a Unix socket, run through Lua.
 */
#include <check.h>
#include <fcntl.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

START_TEST(dup_is_cloexec_copy)
{
  int fd;

  ck_assert_int_eq(run("local r, w = cfs.pipe() keep = {r, w}\n"
                       "local copy = cfs.dup(w) keep[3] = copy\n"
                       "copy:write('via copy')\n"
                       "return copy:fileno(), r:read(100)"),
                   LUA_OK);
  fd = (int)lua_tointeger(L, 1);
  ck_assert_str_eq(lua_tostring(L, 2), "via copy");
  ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}
END_TEST

START_TEST(dup_of_closed_number_raises)
{
  ck_assert_int_ne(run("cfs.dup(987654)"), LUA_OK);
  ck_assert_str_eq(unit_error_field("code"), "EBADF");
}
END_TEST

START_TEST(send_and_receive_descriptor)
{
  ck_assert_int_eq(run("local a, b = cfs.socketpair()\n"
                       "local r, w = cfs.pipe()\n"
                       "cfs.send_fd(a, w)\n"
                       "w:close()\n"
                       "local got = cfs.recv_fd(b)\n"
                       "got:write('passed')\n"
                       "got:close()\n"
                       "return r:read(100), r:read(100)"),
                   LUA_OK);
  ck_assert_str_eq(lua_tostring(L, 1), "passed");
  /* End of file: the passed copy was the last write end. */
  ck_assert_str_eq(lua_tostring(L, 2), "");
}
END_TEST

START_TEST(received_descriptor_is_cloexec)
{
  ck_assert_int_eq(run("local a, b = cfs.socketpair() keep = {a, b}\n"
                       "cfs.send_fd(a, 0)\n"
                       "local got = cfs.recv_fd(b) keep[3] = got\n"
                       "return got:fileno()"),
                   LUA_OK);
  ck_assert_int_eq(fcntl((int)lua_tointeger(L, -1), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}
END_TEST

START_TEST(recv_fd_after_close_is_nil)
{
  ck_assert_int_eq(run("local a, b = cfs.socketpair() a:close() return cfs.recv_fd(b)"), LUA_OK);
  ck_assert_int_eq(lua_gettop(L), 1);
  ck_assert(lua_isnil(L, 1));
}
END_TEST

START_TEST(recv_fd_without_descriptor_raises)
{
  ck_assert_int_ne(run("local a, b = cfs.socketpair() a:write('x') cfs.recv_fd(b)"), LUA_OK);
  ck_assert_str_eq(unit_error_field("code"), "EBADMSG");
}
END_TEST

START_TEST(send_fd_on_pipe_raises)
{
  ck_assert_int_ne(run("local r, w = cfs.pipe() cfs.send_fd(w, r)"), LUA_OK);
  ck_assert_str_eq(unit_error_field("code"), "ENOTSOCK");
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("fdpass");
  TCase *tc = tcase_create("fdpass");

  tcase_add_checked_fixture(tc, setup, unit_close);
  tcase_add_test(tc, dup_is_cloexec_copy);
  tcase_add_test(tc, dup_of_closed_number_raises);
  tcase_add_test(tc, send_and_receive_descriptor);
  tcase_add_test(tc, received_descriptor_is_cloexec);
  tcase_add_test(tc, recv_fd_after_close_is_nil);
  tcase_add_test(tc, recv_fd_without_descriptor_raises);
  tcase_add_test(tc, send_fd_on_pipe_raises);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
