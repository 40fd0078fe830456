/*
 * Descriptor-based mount primitives. openat2 resolves a path with the
 * kernel's RESOLVE_* rules, so a mount target inside a container's root can
 * be found without a symlink in that root sending the lookup to the host.
 * mount_setattr changes the flags of the mount a descriptor refers to,
 * optionally for a whole subtree, without the remount rules of mount(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cfs.h"

/* The kernel may fail an in-root lookup with EAGAIN when a rename raced a ".." step. */
#define OPENAT2_RETRIES 32

static const struct cfs_flag resolve_flags[] = {
    {"beneath", RESOLVE_BENEATH},
    {"cached", RESOLVE_CACHED},
    {"in_root", RESOLVE_IN_ROOT},
    {"no_magiclinks", RESOLVE_NO_MAGICLINKS},
    {"no_symlinks", RESOLVE_NO_SYMLINKS},
    {"no_xdev", RESOLVE_NO_XDEV},
    {NULL, 0},
};

/* [-0, +0, v] The directory descriptor at `arg`: a cfs.Fd, an integer, or nil for AT_FDCWD. */
static int
check_dirfd(lua_State *L, int arg)
{
  if (lua_isnoneornil(L, arg))
    return AT_FDCWD;
  return cfs_fd_check(L, arg);
}

/***
 * Open path relative to dir with resolution rules, as open does otherwise.
 * With "in_root", absolute symlinks and ".." stop at dir, so the result is
 * always inside it.
 * @function openat2
 * @tparam cfs.Fd|int|nil dir the directory path starts from; nil for the working directory
 * @tparam string path
 * @tparam[opt={"rdonly"}] {string,...} flags as for cfs.open ("path" for an O_PATH handle)
 * @tparam[opt] {string,...} resolve in_root, beneath, no_magiclinks, no_symlinks,
 *   no_xdev, cached
 * @tparam[opt=0644] int mode for a created file
 * @treturn cfs.Fd
 * @raise openat2('path'): ELOOP, EXDEV, ENOENT, ...
 * @see openat2(2)
 */
static int
l_openat2(lua_State *L)
{
  int dirfd = check_dirfd(L, 1);
  const char *path = cfs_args_string(L, 2, NULL);
  unsigned long flags = cfs_args_flags(L, 3, cfs_fd_open_flags(), "open flag");
  unsigned long resolve = cfs_args_flags(L, 4, resolve_flags, "resolve flag");
  unsigned mode = cfs_args_mode(L, 5, 0644);
  struct open_how how;
  int *fd, tries = 0;

  cfs_args_max(L, 5);
  memset(&how, 0, sizeof how);
  how.flags = flags | O_CLOEXEC;
  how.resolve = resolve;
  /* The kernel rejects a mode unless the call can create a file. */
  how.mode = (flags & O_CREAT) != 0 ? (unsigned long long)mode : 0;
  fd = cfs_fd_new(L);

  do
    *fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  while (*fd < 0 && (errno == EINTR || (errno == EAGAIN && ++tries < OPENAT2_RETRIES)));
  if (*fd < 0)
    return cfs_error_raise(L, "openat2", path, errno);
  return 1;
}

static const struct cfs_flag mount_attrs[] = {
    {"nodev", MOUNT_ATTR_NODEV},
    {"nodiratime", MOUNT_ATTR_NODIRATIME},
    {"noexec", MOUNT_ATTR_NOEXEC},
    {"nosuid", MOUNT_ATTR_NOSUID},
    {"nosymfollow", MOUNT_ATTR_NOSYMFOLLOW},
    {"rdonly", MOUNT_ATTR_RDONLY},
    {NULL, 0},
};

static const struct cfs_flag propagations[] = {
    {"private", MS_PRIVATE},
    {"shared", MS_SHARED},
    {"slave", MS_SLAVE},
    {"unbindable", MS_UNBINDABLE},
    {NULL, 0},
};

/* [-0, +0, v] The value of the propagation name in field "propagation" of opts, or 0. */
static unsigned long
check_propagation(lua_State *L, int opts)
{
  const struct cfs_flag *p;
  const char *name;

  if (lua_getfield(L, opts, "propagation") == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  name = luaL_checkstring(L, -1);
  for (p = propagations; p->name != NULL; p++)
    if (strcmp(p->name, name) == 0)
      break;
  if (p->name == NULL)
    luaL_argerror(L, opts, lua_pushfstring(L, "unknown propagation '%s'", name));
  lua_pop(L, 1);
  return p->value;
}

/* [-0, +0, v] The attribute list in field `key` of opts, as MOUNT_ATTR_* bits. */
static unsigned long
check_attrs(lua_State *L, int opts, const char *key)
{
  unsigned long value;

  lua_getfield(L, opts, key);
  value = cfs_args_flags(L, lua_gettop(L), mount_attrs, "mount attribute");
  lua_pop(L, 1);
  return value;
}

/***
 * Change the flags of a mount, or of every mount under it.
 * @function mount_setattr
 * @tparam string|cfs.Fd|int target a path, or a descriptor of the mount's root
 * @tparam table opts set, clear: lists of rdonly, nosuid, nodev, noexec, nodiratime,
 *   nosymfollow; propagation: "private", "slave", "shared" or "unbindable";
 *   recursive = true for the whole subtree; nofollow = true to not follow a final symlink
 * @see mount_setattr(2)
 */
static int
l_mount_setattr(lua_State *L)
{
  static const char *const allowed[] = {"clear",     "nofollow", "propagation",
                                        "recursive", "set",      NULL};
  const char *path = "", *arg = NULL;
  struct mount_attr attr;
  unsigned int at = 0;
  int dirfd;

  if (lua_type(L, 1) == LUA_TSTRING) {
    dirfd = AT_FDCWD;
    path = arg = cfs_args_string(L, 1, NULL);
  } else {
    dirfd = cfs_fd_check(L, 1);
    at |= AT_EMPTY_PATH;
  }
  luaL_checktype(L, 2, LUA_TTABLE);
  cfs_args_options(L, 2, allowed);
  cfs_args_max(L, 2);
  memset(&attr, 0, sizeof attr);
  attr.attr_set = check_attrs(L, 2, "set");
  attr.attr_clr = check_attrs(L, 2, "clear");
  attr.propagation = check_propagation(L, 2);
  lua_getfield(L, 2, "recursive");
  at |= lua_toboolean(L, -1) ? AT_RECURSIVE : 0;
  lua_getfield(L, 2, "nofollow");
  at |= lua_toboolean(L, -1) ? AT_SYMLINK_NOFOLLOW : 0;

  if (syscall(SYS_mount_setattr, dirfd, path, at, &attr, sizeof attr) < 0)
    return cfs_error_raise(L, "mount_setattr", arg, errno);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"mount_setattr", l_mount_setattr},
    {"openat2", l_openat2},
    {NULL, NULL},
};

void
cfs_mountfd_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
