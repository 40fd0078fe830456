/*
 * File system primitives: mount, umount, pivot_root, chroot, chdir, and the
 * small file operations that building a root filesystem needs (mkdir,
 * symlink, mknod, stat, readdir, write_file, ...).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cfs.h"

static const struct cfs_flag mount_flags[] = {
    {"bind", MS_BIND},
    {"dirsync", MS_DIRSYNC},
    {"lazytime", MS_LAZYTIME},
    {"mandlock", MS_MANDLOCK},
    {"move", MS_MOVE},
    {"noatime", MS_NOATIME},
    {"nodev", MS_NODEV},
    {"nodiratime", MS_NODIRATIME},
    {"noexec", MS_NOEXEC},
    {"nosuid", MS_NOSUID},
    {"private", MS_PRIVATE},
    {"rec", MS_REC},
    {"relatime", MS_RELATIME},
    {"remount", MS_REMOUNT},
    {"ro", MS_RDONLY},
    {"rw", 0},
    {"shared", MS_SHARED},
    {"silent", MS_SILENT},
    {"slave", MS_SLAVE},
    {"strictatime", MS_STRICTATIME},
    {"sync", MS_SYNCHRONOUS},
    {"unbindable", MS_UNBINDABLE},
    {NULL, 0},
};

static const struct cfs_flag umount_flags[] = {
    {"detach", MNT_DETACH},
    {"expire", MNT_EXPIRE},
    {"force", MNT_FORCE},
    {"nofollow", UMOUNT_NOFOLLOW},
    {NULL, 0},
};

/***
 * @function mount
 * @tparam string|nil source
 * @tparam string target
 * @tparam string|nil fstype
 * @tparam[opt] {string,...} flags bind, rec, ro, remount, nosuid, nodev, noexec,
 *   private, slave, shared, unbindable, move, ...
 * @tparam[opt] string data file system options such as "mode=755"
 * @see mount(2)
 */
static int
l_mount(lua_State *L)
{
  const char *source = cfs_args_optstring(L, 1);
  const char *target = cfs_args_string(L, 2, NULL);
  const char *fstype = cfs_args_optstring(L, 3);
  unsigned long flags = cfs_args_flags(L, 4, mount_flags, "mount flag");
  const char *data = cfs_args_optstring(L, 5);

  cfs_args_max(L, 5);
  if (mount(source, target, fstype, flags, data) < 0)
    return cfs_error_raise(L, "mount", target, errno);
  return 0;
}

/***
 * @function umount
 * @tparam string target
 * @tparam[opt] {string,...} flags detach, force, nofollow, expire
 * @see umount2(2)
 */
static int
l_umount(lua_State *L)
{
  const char *target = cfs_args_string(L, 1, NULL);
  unsigned long flags = cfs_args_flags(L, 2, umount_flags, "umount flag");

  cfs_args_max(L, 2);
  if (umount2(target, (int)flags) < 0)
    return cfs_error_raise(L, "umount", target, errno);
  return 0;
}

/***
 * @function pivot_root
 * @tparam string new_root
 * @tparam string put_old
 * @see pivot_root(2)
 */
static int
l_pivot_root(lua_State *L)
{
  const char *new_root = cfs_args_string(L, 1, NULL);
  const char *put_old = cfs_args_string(L, 2, NULL);

  cfs_args_max(L, 2);
  if (syscall(SYS_pivot_root, new_root, put_old) < 0)
    return cfs_error_raise(L, "pivot_root", new_root, errno);
  return 0;
}

/* The primitives that take one path and make one call share this shape. */
#define PATH_CALL(fname, op, call)                                                                 \
  static int fname(lua_State *L)                                                                   \
  {                                                                                                \
    const char *path = cfs_args_string(L, 1, NULL);                                                \
                                                                                                   \
    cfs_args_max(L, 1);                                                                            \
    if (call(path) < 0)                                                                            \
      return cfs_error_raise(L, op, path, errno);                                                  \
    return 0;                                                                                      \
  }

/***
 * @function chroot
 * @tparam string dir
 * @see chroot(2)
 */
PATH_CALL(l_chroot, "chroot", chroot)

/***
 * @function chdir
 * @tparam string dir
 * @see chdir(2)
 */
PATH_CALL(l_chdir, "chdir", chdir)

/***
 * Change to the directory a descriptor refers to; with chroot(".") after
 * it, this enters a root opened earlier, such as /proc/PID/root of a
 * container opened before joining its mount namespace.
 * @function fchdir
 * @tparam cfs.Fd|int fd a directory, opened with "directory" or "path"
 * @see fchdir(2)
 */
static int
l_fchdir(lua_State *L)
{
  int fd = cfs_fd_check(L, 1);

  cfs_args_max(L, 1);
  if (fchdir(fd) < 0)
    return cfs_error_raise(L, "fchdir", NULL, errno);
  return 0;
}

/***
 * @function rmdir
 * @tparam string dir
 * @see rmdir(2)
 */
PATH_CALL(l_rmdir, "rmdir", rmdir)

/***
 * @function unlink
 * @tparam string path
 * @see unlink(2)
 */
PATH_CALL(l_unlink, "unlink", unlink)

/***
 * @function mkdir
 * @tparam string path
 * @tparam[opt=0755] int mode (the umask applies)
 * @raise mkdir('path'): EEXIST when it exists
 * @see mkdir(2)
 */
static int
l_mkdir(lua_State *L)
{
  const char *path = cfs_args_string(L, 1, NULL);
  mode_t mode = (mode_t)cfs_args_mode(L, 2, 0755);

  cfs_args_max(L, 2);
  if (mkdir(path, mode) < 0)
    return cfs_error_raise(L, "mkdir", path, errno);
  return 0;
}

/***
 * @function chmod
 * @tparam string path
 * @tparam int mode
 * @see chmod(2)
 */
static int
l_chmod(lua_State *L)
{
  const char *path = cfs_args_string(L, 1, NULL);
  mode_t mode;

  luaL_checkany(L, 2);
  mode = (mode_t)cfs_args_mode(L, 2, 0);
  cfs_args_max(L, 2);
  if (chmod(path, mode) < 0)
    return cfs_error_raise(L, "chmod", path, errno);
  return 0;
}

/***
 * Change the owner of path itself (a symlink is not followed).
 * @function lchown
 * @tparam string path
 * @tparam int uid -1 keeps it
 * @tparam int gid -1 keeps it
 * @see lchown(2)
 */
static int
l_lchown(lua_State *L)
{
  const char *path = cfs_args_string(L, 1, NULL);
  lua_Integer uid = luaL_checkinteger(L, 2);
  lua_Integer gid = luaL_checkinteger(L, 3);

  cfs_args_max(L, 3);
  if (lchown(path, (uid_t)uid, (gid_t)gid) < 0)
    return cfs_error_raise(L, "lchown", path, errno);
  return 0;
}

/***
 * @function symlink
 * @tparam string target what the link points to
 * @tparam string path where the link is made
 * @see symlink(2)
 */
static int
l_symlink(lua_State *L)
{
  const char *target = cfs_args_string(L, 1, NULL);
  const char *path = cfs_args_string(L, 2, NULL);

  cfs_args_max(L, 2);
  if (symlink(target, path) < 0)
    return cfs_error_raise(L, "symlink", path, errno);
  return 0;
}

/***
 * @function readlink
 * @tparam string path
 * @treturn string
 * @see readlink(2)
 */
static int
l_readlink(lua_State *L)
{
  const char *path = cfs_args_string(L, 1, NULL);
  char buf[PATH_MAX];
  ssize_t n;

  cfs_args_max(L, 1);
  n = readlink(path, buf, sizeof buf);
  if (n < 0)
    return cfs_error_raise(L, "readlink", path, errno);
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

/***
 * @function rename
 * @tparam string from
 * @tparam string to
 * @see rename(2)
 */
static int
l_rename(lua_State *L)
{
  const char *from = cfs_args_string(L, 1, NULL);
  const char *to = cfs_args_string(L, 2, NULL);

  cfs_args_max(L, 2);
  if (rename(from, to) < 0)
    return cfs_error_raise(L, "rename", to, errno);
  return 0;
}

/***
 * Canonical absolute path with every symlink resolved.
 * @function realpath
 * @tparam string path
 * @treturn string
 * @see realpath(3)
 */
static int
l_realpath(lua_State *L)
{
  const char *path = cfs_args_string(L, 1, NULL);
  char buf[PATH_MAX];

  cfs_args_max(L, 1);
  if (realpath(path, buf) == NULL)
    return cfs_error_raise(L, "realpath", path, errno);
  lua_pushstring(L, buf);
  return 1;
}

static const struct cfs_flag node_types[] = {
    {"char", S_IFCHR}, {"block", S_IFBLK}, {"fifo", S_IFIFO}, {"socket", S_IFSOCK}, {NULL, 0},
};

/***
 * @function mknod
 * @tparam string path
 * @tparam string type "char", "block", "fifo" or "socket"
 * @tparam int mode permission bits
 * @tparam[opt=0] int major
 * @tparam[opt=0] int minor
 * @see mknod(2)
 */
static int
l_mknod(lua_State *L)
{
  static const char *const names[] = {"char", "block", "fifo", "socket", NULL};
  const char *path = cfs_args_string(L, 1, NULL);
  int type = luaL_checkoption(L, 2, NULL, names);
  mode_t mode;
  lua_Integer major = luaL_optinteger(L, 4, 0);
  lua_Integer minor = luaL_optinteger(L, 5, 0);

  luaL_checkany(L, 3);
  mode = (mode_t)cfs_args_mode(L, 3, 0);
  cfs_args_max(L, 5);
  if (mknod(path, mode | (mode_t)node_types[type].value,
            makedev((unsigned)major, (unsigned)minor)) < 0)
    return cfs_error_raise(L, "mknod", path, errno);
  return 0;
}

static const char *
type_name(mode_t mode)
{
  switch (mode & S_IFMT) {
  case S_IFREG:
    return "file";
  case S_IFDIR:
    return "directory";
  case S_IFLNK:
    return "link";
  case S_IFCHR:
    return "char";
  case S_IFBLK:
    return "block";
  case S_IFIFO:
    return "fifo";
  default:
    return "socket";
  }
}

/* [-0, +1, m] */
static void
push_stat(lua_State *L, const struct stat *st)
{
  lua_createtable(L, 0, 10);
  lua_pushstring(L, type_name(st->st_mode));
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, st->st_mode & 07777);
  lua_setfield(L, -2, "mode");
  lua_pushinteger(L, (lua_Integer)st->st_uid);
  lua_setfield(L, -2, "uid");
  lua_pushinteger(L, (lua_Integer)st->st_gid);
  lua_setfield(L, -2, "gid");
  lua_pushinteger(L, (lua_Integer)st->st_size);
  lua_setfield(L, -2, "size");
  lua_pushinteger(L, (lua_Integer)st->st_ino);
  lua_setfield(L, -2, "ino");
  lua_pushinteger(L, (lua_Integer)st->st_dev);
  lua_setfield(L, -2, "dev");
  lua_pushinteger(L, (lua_Integer)st->st_nlink);
  lua_setfield(L, -2, "nlink");
  lua_pushinteger(L, (lua_Integer)st->st_mtim.tv_sec);
  lua_setfield(L, -2, "mtime");
  lua_pushinteger(L, (lua_Integer)st->st_mtim.tv_nsec);
  lua_setfield(L, -2, "mtime_nsec");
}

/***
 * File status; lstat does not follow a final symlink. stat also takes an
 * open descriptor (an O_PATH one included) and then calls fstat, which
 * saves the path walk of /proc/self/fd/N.
 * @function stat
 * @tparam string|cfs.Fd path
 * @treturn table type ("file", "directory", "link", ...), mode, uid, gid, size, ino,
 *   dev, nlink, mtime, mtime_nsec
 * @see stat(2)
 */
static int
l_stat(lua_State *L)
{
  struct stat st;

  cfs_args_max(L, 1);
  if (lua_type(L, 1) == LUA_TUSERDATA) {
    if (fstat(cfs_fd_check(L, 1), &st) < 0)
      return cfs_error_raise(L, "fstat", NULL, errno);
  } else {
    const char *path = cfs_args_string(L, 1, NULL);

    if (stat(path, &st) < 0)
      return cfs_error_raise(L, "stat", path, errno);
  }
  push_stat(L, &st);
  return 1;
}

static int
l_lstat(lua_State *L)
{
  const char *path = cfs_args_string(L, 1, NULL);
  struct stat st;

  cfs_args_max(L, 1);
  if (lstat(path, &st) < 0)
    return cfs_error_raise(L, "lstat", path, errno);
  push_stat(L, &st);
  return 1;
}

/***
 * Names in a directory, without "." and "..", in no set order.
 * @function readdir
 * @tparam string dir
 * @treturn {string,...}
 * @see readdir(3)
 */
static int
l_readdir(lua_State *L)
{
  const char *path = cfs_args_string(L, 1, NULL);
  struct dirent *e;
  lua_Integer n = 0;
  DIR *dir;
  int err;

  cfs_args_max(L, 1);
  lua_newtable(L);
  dir = opendir(path);
  if (dir == NULL)
    return cfs_error_raise(L, "readdir", path, errno);

  /* lua_pushstring may raise on memory errors and leak the DIR; an accepted risk, as in lfs. */
  errno = 0;
  while ((e = readdir(dir)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    lua_pushstring(L, e->d_name);
    lua_rawseti(L, -2, ++n);
  }
  err = errno;
  closedir(dir);
  if (err != 0)
    return cfs_error_raise(L, "readdir", path, err);
  return 1;
}

/***
 * Write data to an existing file in one write(2) call, as uid_map, gid_map,
 * setgroups and cgroup files require.
 * @function write_file
 * @tparam string path
 * @tparam string data
 * @raise write('path') naming the errno of open or write; a short write is EIO
 */
static int
l_write_file(lua_State *L)
{
  const char *path = cfs_args_string(L, 1, NULL);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  ssize_t n;
  int fd, err;

  cfs_args_max(L, 2);
  fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return cfs_error_raise(L, "write", path, errno);

  n = cfs_write_retry(fd, data, len);
  err = n < 0 ? errno : (size_t)n != len ? EIO : 0;
  close(fd);
  if (err != 0)
    return cfs_error_raise(L, "write", path, err);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"chdir", l_chdir},
    {"chmod", l_chmod},
    {"chroot", l_chroot},
    {"fchdir", l_fchdir},
    {"lchown", l_lchown},
    {"lstat", l_lstat},
    {"mkdir", l_mkdir},
    {"mknod", l_mknod},
    {"mount", l_mount},
    {"pivot_root", l_pivot_root},
    {"readdir", l_readdir},
    {"readlink", l_readlink},
    {"realpath", l_realpath},
    {"rename", l_rename},
    {"rmdir", l_rmdir},
    {"stat", l_stat},
    {"symlink", l_symlink},
    {"umount", l_umount},
    {"unlink", l_unlink},
    {"write_file", l_write_file},
    {NULL, NULL},
};

void
cfs_fs_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
