/*
 * A static helper for the hardening tests, run inside containers:
 *
 *   hardening alloc MB        touch MB MiB of memory, 1 MiB at a time; prints
 *                             "allocated=MB" only if it got there
 *   hardening fork N          start up to N children that wait; prints
 *                             "forked=K error=ENAME" (or error=none), ends them
 *   hardening bomb SECONDS    fork bomb: every process forks without end, for
 *                             SECONDS; then each reaps its children and exits,
 *                             and the first prints "bomb ended"
 *   hardening try CALL...     make each call with harmless arguments and print
 *                             "CALL=ok" or "CALL=ENAME"; calls: unshare_user,
 *                             unshare_uts, keyctl, personality_bsd,
 *                             personality_linux, clone_newns, mount_tmpfs, ptrace,
 *                             tiocsti (on stdin, which need not be a terminal)
 */
#include <errno.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)

/* KEYCTL_GET_KEYRING_ID and KEY_SPEC_SESSION_KEYRING from linux/keyctl.h. */
#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_SESSION_KEYRING -3

static const char *
errno_name(int err)
{
  const char *name = strerrorname_np(err);

  return name != NULL ? name : "EUNKNOWN";
}

static int
alloc(long mib)
{
  long i;

  for (i = 0; i < mib; i++) {
    char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
      printf("error=%s\n", errno_name(errno));
      return 1;
    }
    memset(p, 1, MIB);
  }
  printf("allocated=%ld\n", mib);
  return 0;
}

static int
fork_many(long n)
{
  pid_t *pids = calloc((size_t)n, sizeof *pids);
  long count = 0, i;
  int err = 0;

  if (pids == NULL)
    return 1;
  for (count = 0; count < n; count++) {
    pid_t pid = fork();

    if (pid < 0) {
      err = errno;
      break;
    }
    if (pid == 0) {
      pause();
      _exit(0);
    }
    pids[count] = pid;
  }
  printf("forked=%ld error=%s\n", count, err != 0 ? errno_name(err) : "none");
  fflush(stdout);
  for (i = 0; i < count; i++)
    kill(pids[i], SIGKILL);
  for (i = 0; i < count; i++)
    waitpid(pids[i], NULL, 0);
  free(pids);
  return 0;
}

static double
now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
bomb(long seconds)
{
  double end = now() + (double)seconds;
  pid_t first = getpid();

  /* Parent and child both go on forking; a failed fork waits 1 ms and retries. */
  while (now() < end)
    if (fork() < 0)
      usleep(1000);
  while (wait(NULL) > 0)
    ;
  if (getpid() != first)
    _exit(0);
  printf("bomb ended\n");
  return 0;
}

/* Run one call in a child, so a call that changes the process changes nothing else. */
static int
attempt(const char *call)
{
  long r;

  if (strcmp(call, "unshare_user") == 0)
    r = unshare(CLONE_NEWUSER);
  else if (strcmp(call, "unshare_uts") == 0)
    r = unshare(CLONE_NEWUTS);
  else if (strcmp(call, "keyctl") == 0)
    r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  else if (strcmp(call, "personality_bsd") == 0)
    r = syscall(SYS_personality, 0x0006); /* PER_BSD */
  else if (strcmp(call, "personality_linux") == 0)
    r = syscall(SYS_personality, 0x0000);
  else if (strcmp(call, "clone_newns") == 0) {
    r = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    if (r == 0)
      _exit(0);
    if (r > 0)
      waitpid((pid_t)r, NULL, 0);
  } else if (strcmp(call, "mount_tmpfs") == 0)
    r = mount("none", "/tmp", "tmpfs", 0, NULL);
  else if (strcmp(call, "ptrace") == 0)
    r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
  else if (strcmp(call, "tiocsti") == 0)
    r = ioctl(0, TIOCSTI, "");
  else {
    printf("%s=unknown\n", call);
    return 1;
  }
  printf("%s=%s\n", call, r < 0 ? errno_name(errno) : "ok");
  return 0;
}

static int
try_all(int argc, char **argv)
{
  int i, status, failed = 0;

  for (i = 0; i < argc; i++) {
    pid_t pid;

    fflush(stdout);
    pid = fork();
    if (pid < 0)
      return 1;
    if (pid == 0) {
      status = attempt(argv[i]);
      fflush(stdout);
      _exit(status);
    }
    waitpid(pid, &status, 0);
    failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }
  return failed;
}

int
main(int argc, char **argv)
{
  if (argc >= 3 && strcmp(argv[1], "alloc") == 0)
    return alloc(atol(argv[2]));
  if (argc >= 3 && strcmp(argv[1], "fork") == 0)
    return fork_many(atol(argv[2]));
  if (argc >= 3 && strcmp(argv[1], "bomb") == 0)
    return bomb(atol(argv[2]));
  if (argc >= 3 && strcmp(argv[1], "try") == 0)
    return try_all(argc - 2, argv + 2);
  fprintf(stderr, "usage: hardening alloc MB | fork N | bomb SECONDS | try CALL...\n");
  return 2;
}
