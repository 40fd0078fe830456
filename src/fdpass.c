/*
 * Duplicating descriptors and passing them between processes: dup, a Unix
 * socket pair, and sending or receiving one descriptor over it
 * (SCM_RIGHTS). A container passes the master of the terminal it opened in
 * its own devpts back to cfs this way.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfs.h"

/***
 * A close-on-exec copy of a descriptor, as a handle; `cfs.dup(0)` gives a
 * cfs.Fd for standard input.
 * @function dup
 * @tparam cfs.Fd|int fd
 * @treturn cfs.Fd
 * @see fcntl(2) F_DUPFD_CLOEXEC
 */
static int
l_dup(lua_State *L)
{
  int fd = cfs_fd_check(L, 1), *copy;

  cfs_args_max(L, 1);
  copy = cfs_fd_new(L);
  *copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (*copy < 0)
    return cfs_error_raise(L, "dup", NULL, errno);
  return 1;
}

/***
 * A connected pair of Unix sockets that keep message boundaries.
 * @function socketpair
 * @treturn cfs.Fd
 * @treturn cfs.Fd
 * @see socketpair(2), unix(7)
 */
static int
l_socketpair(lua_State *L)
{
  int *a, *b, fds[2];

  cfs_args_max(L, 0);
  a = cfs_fd_new(L);
  b = cfs_fd_new(L);
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return cfs_error_raise(L, "socketpair", NULL, errno);
  *a = fds[0];
  *b = fds[1];
  return 2;
}

/* The control buffer for one descriptor, aligned as cmsg(3) requires. */
union fd_control {
  char buf[CMSG_SPACE(sizeof(int))];
  struct cmsghdr align;
};

/***
 * Send a copy of a descriptor over a Unix socket.
 * @function send_fd
 * @tparam cfs.Fd|int socket
 * @tparam cfs.Fd|int fd
 * @see unix(7) SCM_RIGHTS, sendmsg(2)
 */
static int
l_send_fd(lua_State *L)
{
  int sock = cfs_fd_check(L, 1), fd = cfs_fd_check(L, 2);
  union fd_control control;
  struct msghdr msg;
  struct cmsghdr *cmsg;
  struct iovec iov;
  char byte = 'F';
  ssize_t n;

  cfs_args_max(L, 2);
  memset(&msg, 0, sizeof msg);
  memset(&control, 0, sizeof control);
  /* Linux drops a control message that comes with no data: send one byte. */
  iov.iov_base = &byte;
  iov.iov_len = 1;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);

  do
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return cfs_error_raise(L, "send_fd", NULL, errno);
  return 0;
}

/***
 * Receive one descriptor sent with send_fd, waiting for it.
 * @function recv_fd
 * @tparam cfs.Fd|int socket
 * @treturn cfs.Fd|nil the descriptor (close-on-exec), or nil when the other
 *   end closed the socket without sending one
 * @raise recv_fd: EBADMSG when a message came without a descriptor
 * @see unix(7) SCM_RIGHTS, recvmsg(2)
 */
static int
l_recv_fd(lua_State *L)
{
  int sock = cfs_fd_check(L, 1), *fd;
  union fd_control control;
  struct msghdr msg;
  struct cmsghdr *cmsg;
  struct iovec iov;
  char byte;
  ssize_t n;

  cfs_args_max(L, 1);
  fd = cfs_fd_new(L);
  memset(&msg, 0, sizeof msg);
  iov.iov_base = &byte;
  iov.iov_len = 1;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;

  do
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return cfs_error_raise(L, "recv_fd", NULL, errno);
  if (n == 0) {
    lua_pushnil(L);
    return 1;
  }

  cmsg = CMSG_FIRSTHDR(&msg);
  if (cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
      cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
    return cfs_error_raise_msg(L, "recv_fd", NULL, EBADMSG, "message carried no descriptor");
  memcpy(fd, CMSG_DATA(cmsg), sizeof *fd);
  return 1;
}

static const luaL_Reg funcs[] = {
    {"dup", l_dup}, {"recv_fd", l_recv_fd}, {"send_fd", l_send_fd}, {"socketpair", l_socketpair},
    {NULL, NULL},
};

void
cfs_fdpass_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
