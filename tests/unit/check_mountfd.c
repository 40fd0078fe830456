/*
 * Unit tests for src/mountfd.c: openat2 resolution rules on a real
 * directory tree, and mount_setattr's argument and error handling.
 */
#include <check.h>
#include <fcntl.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

static lua_State *L;
static char dir[] = "/tmp/cfs-check-mountfd.XXXXXX";

static void
setup(void)
{
  ck_assert_ptr_nonnull(mkdtemp(dir));
  unit_open("core");
  lua_pushstring(L, dir);
  lua_setglobal(L, "dir");
}

static void
teardown(void)
{
  char cmd[128];

  unit_close();
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* Run a chunk that must succeed; its results stay on the stack. */
static void
run(const char *code)
{
  if (luaL_dostring(L, code) != LUA_OK)
    ck_abort_msg("Lua error: %s", luaL_tolstring(L, -1, NULL));
}

/* The errno name of the cfs.Error a chunk raises, checked through pcall. */
static const char *
error_code(const char *call)
{
  char code[512];

  snprintf(code, sizeof code,
           "local ok, e = pcall(function() %s end)\n"
           "assert(not ok, 'no error')\nreturn e.code",
           call);
  run(code);
  return lua_tostring(L, -1);
}

static void
make_link(const char *target, const char *name)
{
  char path[256];

  snprintf(path, sizeof path, "%s/%s", dir, name);
  ck_assert_int_eq(symlink(target, path), 0);
}

START_TEST(in_root_keeps_absolute_link_inside)
{
  struct stat want, got;

  make_link("/", "up");
  run("local r = core.open(dir, {'path', 'directory'})\n"
      "local f = core.openat2(r, 'up/..', {'path'}, {'in_root'})\n"
      "return f, f:fileno()");
  ck_assert_int_eq(stat(dir, &want), 0);
  ck_assert_int_eq(fstat((int)lua_tointeger(L, -1), &got), 0);
  ck_assert_uint_eq(got.st_ino, want.st_ino);
  ck_assert_uint_eq(got.st_dev, want.st_dev);
}
END_TEST

START_TEST(beneath_rejects_escape)
{
  make_link("/etc", "out");
  ck_assert_str_eq(error_code("local r = core.open(dir, {'path', 'directory'})\n"
                              "core.openat2(r, 'out/passwd', {'path'}, {'beneath'})"),
                   "EXDEV");
}
END_TEST

START_TEST(no_magiclinks_rejects_proc_root)
{
  ck_assert_str_eq(error_code("core.openat2(nil, '/proc/self/root/etc', {'path'}, "
                              "{'no_magiclinks'})"),
                   "ELOOP");
}
END_TEST

START_TEST(no_symlinks_rejects_link)
{
  make_link("/", "up");
  ck_assert_str_eq(error_code("core.openat2(nil, dir .. '/up', {'path'}, {'no_symlinks'})"),
                   "ELOOP");
}
END_TEST

START_TEST(create_uses_mode)
{
  char path[256];
  struct stat st;

  run("local r = core.open(dir, {'path', 'directory'})\n"
      "core.openat2(r, 'new', {'wronly', 'creat', 'excl'}, {'in_root'}, 384):close()");
  snprintf(path, sizeof path, "%s/new", dir);
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(error_names_path)
{
  run("local ok, e = pcall(core.openat2, nil, dir .. '/none', {'path'})\nreturn tostring(e)");
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "openat2('"));
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "/none'): No such file or directory"));
}
END_TEST

START_TEST(setattr_needs_mount_root)
{
  ck_assert_str_eq(error_code("core.mount_setattr(dir, {set = {'rdonly'}})"), "EINVAL");
}
END_TEST

START_TEST(setattr_rejects_unknown_option)
{
  ck_assert_int_ne(luaL_dostring(L, "core.mount_setattr(dir, {recurse = true})"), LUA_OK);
  ck_assert_ptr_nonnull(strstr(lua_tostring(L, -1), "unknown option 'recurse'"));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("mountfd");
  TCase *tc = tcase_create("mountfd");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, in_root_keeps_absolute_link_inside);
  tcase_add_test(tc, beneath_rejects_escape);
  tcase_add_test(tc, no_magiclinks_rejects_proc_root);
  tcase_add_test(tc, no_symlinks_rejects_link);
  tcase_add_test(tc, create_uses_mode);
  tcase_add_test(tc, error_names_path);
  tcase_add_test(tc, setattr_needs_mount_root);
  tcase_add_test(tc, setattr_rejects_unknown_option);
  suite_add_tcase(s, tc);
  return unit_run_suite(s);
}
