/*
 * The benchmark's floor: the fewest calls that start the same container as
 * every contender (new uts, pid, mnt, ipc and net namespaces, a private /,
 * a hostname, a root switch, /proc, exec) and wait for it. It measures
 * what the kernel costs, so the gap between a runtime and this is the
 * runtime's own work. Failures exit with 125 and no message.
 *
 * usage: floor pivot|chroot ROOT HOSTNAME CMD [ARG...]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int use_pivot;
static char *root, *hostname, **command;

static void
check(int ok)
{
  if (!ok)
    _exit(125);
}

static int
child(void *unused)
{
  (void)unused;
  check(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
  check(sethostname(hostname, strlen(hostname)) == 0);
  if (use_pivot) {
    /* pivot_root needs the new root to be a mount point. */
    check(mount(root, root, NULL, MS_BIND | MS_REC, NULL) == 0);
    check(chdir(root) == 0);
    check(syscall(SYS_pivot_root, ".", ".") == 0);
    check(umount2(".", MNT_DETACH) == 0);
  } else {
    check(chroot(root) == 0);
  }
  check(chdir("/") == 0);
  check(mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0);
  execv(command[0], command);
  _exit(127);
}

int
main(int argc, char **argv)
{
  static char stack[64 * 1024];
  int flags = CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET;
  int status;
  pid_t pid;

  if (argc < 5)
    return 125;
  use_pivot = strcmp(argv[1], "pivot") == 0;
  root = argv[2];
  hostname = argv[3];
  command = argv + 4;

  pid = clone(child, stack + sizeof stack, flags | SIGCHLD, NULL);
  check(pid > 0);
  check(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
