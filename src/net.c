/*
 * Network interface primitives through the interface ioctls: read a link's
 * flags and bring a link up. A new network namespace starts with only "lo",
 * and down, so a container that should reach 127.0.0.1 needs link_up("lo").
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfs.h"

static const struct cfs_flag link_flags[] = {
    {"up", IFF_UP},
    {"broadcast", IFF_BROADCAST},
    {"loopback", IFF_LOOPBACK},
    {"pointopoint", IFF_POINTOPOINT},
    {"running", IFF_RUNNING},
    {"noarp", IFF_NOARP},
    {"promisc", IFF_PROMISC},
    {"multicast", IFF_MULTICAST},
    {NULL, 0},
};

/* [-0, +0, v] Copy the interface name at `arg` into req, checking its length. */
static const char *
check_name(lua_State *L, int arg, struct ifreq *req)
{
  size_t len;
  const char *name = cfs_args_string(L, arg, &len);

  luaL_argcheck(L, len > 0 && len < IFNAMSIZ, arg, "interface name must have 1 to 15 bytes");
  memset(req, 0, sizeof *req);
  memcpy(req->ifr_name, name, len);
  return name;
}

/*
 * Run the interface ioctl `request` on req through a throwaway socket; any
 * socket in the caller's network namespace serves. Returns 0 or the errno.
 */
static int
link_ioctl(unsigned long request, struct ifreq *req)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

  if (fd < 0)
    return errno;
  if (ioctl(fd, request, req) < 0)
    err = errno;
  close(fd);
  return err;
}

/***
 * The flags of a network interface in the caller's network namespace.
 * @function link_flags
 * @tparam string name such as "lo"
 * @treturn {string,...} names among up, broadcast, loopback, pointopoint, running,
 *   noarp, promisc, multicast
 * @raise link_flags('name'): ENODEV when there is no such interface
 * @see netdevice(7) SIOCGIFFLAGS
 */
static int
l_link_flags(lua_State *L)
{
  struct ifreq req;
  const char *name = check_name(L, 1, &req);
  const struct cfs_flag *f;
  lua_Integer n = 0;
  int err;

  cfs_args_max(L, 1);
  err = link_ioctl(SIOCGIFFLAGS, &req);
  if (err != 0)
    return cfs_error_raise(L, "link_flags", name, err);
  lua_newtable(L);
  for (f = link_flags; f->name != NULL; f++) {
    if ((req.ifr_flags & (short)f->value) == 0)
      continue;
    lua_pushstring(L, f->name);
    lua_rawseti(L, -2, ++n);
  }
  return 1;
}

/***
 * Bring a network interface up (set IFF_UP, keeping its other flags).
 * @function link_up
 * @tparam string name such as "lo"
 * @raise link_up('name'): EPERM without CAP_NET_ADMIN in the namespace's owner
 * @see netdevice(7) SIOCSIFFLAGS
 */
static int
l_link_up(lua_State *L)
{
  struct ifreq req;
  const char *name = check_name(L, 1, &req);
  int err;

  cfs_args_max(L, 1);
  /* The set call replaces every flag, so read them first and add IFF_UP. */
  err = link_ioctl(SIOCGIFFLAGS, &req);
  if (err == 0) {
    req.ifr_flags |= IFF_UP;
    err = link_ioctl(SIOCSIFFLAGS, &req);
  }
  if (err != 0)
    return cfs_error_raise(L, "link_up", name, err);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"link_flags", l_link_flags},
    {"link_up", l_link_up},
    {NULL, NULL},
};

void
cfs_net_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
