/*
 * Unit tests for src/alloc.c: the lua_Alloc contract (free, allocate,
 * resize keeping the contents) across the small size classes and malloc,
 * block reuse, and a Lua state running on it.
 */
#include <check.h>
#include <lualib.h>
#include <stdint.h>
#include <string.h>

#include "cfs.h"

/* Fill size bytes at p with a pattern seeded by seed. */
static void
fill(unsigned char *p, size_t size, unsigned seed)
{
  size_t i;

  for (i = 0; i < size; i++)
    p[i] = (unsigned char)(seed + i * 7);
}

static int
has_pattern(const unsigned char *p, size_t size, unsigned seed)
{
  size_t i;

  for (i = 0; i < size; i++)
    if (p[i] != (unsigned char)(seed + i * 7))
      return 0;
  return 1;
}

START_TEST(alloc_free_returns_null)
{
  void *p = cfs_alloc(NULL, NULL, LUA_TTABLE, 40);

  ck_assert_ptr_nonnull(p);
  ck_assert_ptr_null(cfs_alloc(NULL, p, 40, 0));
  ck_assert_ptr_null(cfs_alloc(NULL, NULL, 0, 0));
}
END_TEST

START_TEST(alloc_blocks_are_aligned)
{
  size_t size;

  for (size = 1; size <= 600; size += 13) {
    void *p = cfs_alloc(NULL, NULL, 0, size);

    ck_assert_uint_eq((uintptr_t)p % 16, 0);
    cfs_alloc(NULL, p, size, 0);
  }
}
END_TEST

START_TEST(alloc_reuses_freed_block_of_class)
{
  void *a = cfs_alloc(NULL, NULL, 0, 33);
  void *b;

  cfs_alloc(NULL, a, 33, 0);
  b = cfs_alloc(NULL, NULL, 0, 48);
  ck_assert_ptr_eq(a, b);
  cfs_alloc(NULL, b, 48, 0);
}
END_TEST

START_TEST(alloc_live_blocks_do_not_overlap)
{
  unsigned char *blocks[200];
  size_t i;

  for (i = 0; i < 200; i++) {
    blocks[i] = cfs_alloc(NULL, NULL, 0, 1 + i % 300);
    fill(blocks[i], 1 + i % 300, (unsigned)i);
  }
  for (i = 0; i < 200; i++) {
    ck_assert(has_pattern(blocks[i], 1 + i % 300, (unsigned)i));
    cfs_alloc(NULL, blocks[i], 1 + i % 300, 0);
  }
}
END_TEST

START_TEST(alloc_resize_within_class_keeps_block)
{
  void *p = cfs_alloc(NULL, NULL, 0, 20);

  ck_assert_ptr_eq(cfs_alloc(NULL, p, 20, 30), p);
  cfs_alloc(NULL, p, 30, 0);
}
END_TEST

/* Every pair of sizes: small to small, small to large, large to small and large. */
START_TEST(alloc_resize_keeps_contents)
{
  static const size_t sizes[] = {8, 16, 17, 100, 256, 257, 1000, 70000};
  size_t n = sizeof sizes / sizeof sizes[0], i, j;

  for (i = 0; i < n; i++) {
    for (j = 0; j < n; j++) {
      size_t from = sizes[i], to = sizes[j];
      unsigned char *p = cfs_alloc(NULL, NULL, 0, from);

      fill(p, from, 3);
      p = cfs_alloc(NULL, p, from, to);
      ck_assert_ptr_nonnull(p);
      ck_assert_msg(has_pattern(p, from < to ? from : to, 3), "%zu to %zu", from, to);
      fill(p, to, 5);
      cfs_alloc(NULL, p, to, 0);
    }
  }
}
END_TEST

START_TEST(alloc_runs_lua_state)
{
  lua_State *L = luaL_newstate();
  const char *script = "local t = {}\n"
                       "for round = 1, 20 do\n"
                       "  for i = 1, 2000 do t[i] = { ('x'):rep(i % 300), i } end\n"
                       "  for i = 1, 2000, 2 do t[i] = nil end\n"
                       "  collectgarbage()\n"
                       "end\n"
                       "local sum = 0\n"
                       "for i = 2, 2000, 2 do sum = sum + t[i][2] + #t[i][1] end\n"
                       "return sum";

  ck_assert_ptr_nonnull(L);
  lua_setallocf(L, cfs_alloc, NULL);
  luaL_openlibs(L);
  ck_assert_int_eq(luaL_dostring(L, script), LUA_OK);
  /* Sum over even i of i + (i % 300). */
  ck_assert_int_eq(lua_tointeger(L, -1), 1001000 + 144200);
  lua_close(L);
}
END_TEST

static Suite *
alloc_suite(void)
{
  Suite *s = suite_create("alloc");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, alloc_free_returns_null);
  tcase_add_test(tc, alloc_blocks_are_aligned);
  tcase_add_test(tc, alloc_reuses_freed_block_of_class);
  tcase_add_test(tc, alloc_live_blocks_do_not_overlap);
  tcase_add_test(tc, alloc_resize_within_class_keeps_block);
  tcase_add_test(tc, alloc_resize_keeps_contents);
  tcase_add_test(tc, alloc_runs_lua_state);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *runner = srunner_create(alloc_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
