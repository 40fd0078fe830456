/*
 * Tar extraction through libarchive, with its guards against entries that
 * would land outside the target: absolute names, ".." components and
 * writing through a symlink are all rejected. The caller still chroots into
 * the target first (lua/cfs/rootfs.lua), so even a libarchive bug could not
 * reach the host's files.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cfs.h"

#define EXTRACT_FLAGS                                                                              \
  (ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |                             \
   ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |         \
   ARCHIVE_EXTRACT_TIME)

/* Failure details, copied out before the archives are freed and Lua raises. */
struct failure {
  int err;
  char entry[512];
  char msg[512];
};

static void
fail(struct failure *f, struct archive *a, struct archive_entry *entry)
{
  const char *msg = archive_error_string(a);

  f->err = archive_errno(a) > 0 ? archive_errno(a) : EINVAL;
  snprintf(f->msg, sizeof f->msg, "%s", msg != NULL ? msg : "invalid archive");
  snprintf(f->entry, sizeof f->entry, "%s",
           entry != NULL && archive_entry_pathname(entry) != NULL ? archive_entry_pathname(entry)
                                                                  : "");
}

static int
copy_data(struct archive *in, struct archive *out, struct failure *f, struct archive_entry *entry)
{
  const void *buf;
  size_t size;
  la_int64_t offset;
  int r;

  while ((r = archive_read_data_block(in, &buf, &size, &offset)) == ARCHIVE_OK) {
    if (archive_write_data_block(out, buf, size, offset) < ARCHIVE_WARN) {
      fail(f, out, entry);
      return -1;
    }
  }
  if (r != ARCHIVE_EOF) {
    fail(f, in, entry);
    return -1;
  }
  return 0;
}

/* Extract every entry into the working directory; returns the entry count or -1. */
static long
extract_all(struct archive *in, struct archive *out, struct failure *f)
{
  struct archive_entry *entry = NULL;
  long count = 0;
  int r;

  for (;;) {
    r = archive_read_next_header(in, &entry);
    if (r == ARCHIVE_EOF)
      break;
    if (r < ARCHIVE_WARN) {
      fail(f, in, NULL);
      return -1;
    }
    /* ARCHIVE_WARN covers owners that cannot be restored without privilege: go on. */
    if (archive_write_header(out, entry) < ARCHIVE_WARN) {
      fail(f, out, entry);
      return -1;
    }
    if (archive_entry_size(entry) > 0 && copy_data(in, out, f, entry) < 0)
      return -1;
    if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
      fail(f, out, entry);
      return -1;
    }
    count++;
  }
  if (count == 0) {
    f->err = EINVAL;
    snprintf(f->msg, sizeof f->msg, "archive has no entries");
    f->entry[0] = '\0';
    return -1;
  }
  if (archive_write_close(out) < ARCHIVE_WARN) {
    fail(f, out, NULL);
    return -1;
  }
  return count;
}

/***
 * Extract a tar archive (plain, gzip, xz, bzip2 or zstd) into the current
 * working directory. Names that are absolute, contain "..", or pass through
 * a symlink are rejected, and the extraction stops at the first of them.
 * @function extract
 * @tparam cfs.Fd|int fd the archive, open for reading
 * @treturn int number of entries written
 * @raise extract('entry'): what libarchive reported
 */
static int
l_extract(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);
  struct archive *in, *out;
  struct failure f;
  long count;

  cfs_args_max(L, 1);
  memset(&f, 0, sizeof f);
  in = archive_read_new();
  out = archive_write_disk_new();
  if (in == NULL || out == NULL) {
    archive_read_free(in);
    archive_write_free(out);
    return cfs_error_raise(L, "extract", NULL, ENOMEM);
  }

  archive_read_support_filter_all(in);
  archive_read_support_format_tar(in);
  archive_write_disk_set_options(out, EXTRACT_FLAGS);
  if (archive_read_open_fd(in, fd, 65536) != ARCHIVE_OK) {
    fail(&f, in, NULL);
    count = -1;
  } else {
    count = extract_all(in, out, &f);
  }
  archive_read_free(in);
  archive_write_free(out);

  if (count < 0)
    return cfs_error_raise_msg(L, "extract", f.entry[0] != '\0' ? f.entry : NULL, f.err, f.msg);
  lua_pushinteger(L, count);
  return 1;
}

static const luaL_Reg funcs[] = {
    {"extract", l_extract},
    {NULL, NULL},
};

void
cfs_archive_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
