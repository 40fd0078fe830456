/*
 * Time each kernel step of the benchmark's job, and the steps a fuller
 * container adds (/dev, /sys, masked paths, capabilities, seccomp, v1
 * cgroups), each in a fresh child with the job's namespaces. It prints the
 * median over RUNS children in microseconds, so a runtime's start-up time
 * can be split into what the kernel costs and what the runtime adds.
 *
 * The mounts, masked paths and read-only paths are those of the config that
 * `runc spec` (runc 1.1.5) writes. The capability step drops the bounding set
 * and sets the process's capabilities, as runtimes do. The seccomp filters
 * stand for a short deny list and for an allow list about as long as
 * docker's default profile.
 *
 * usage: cc -O2 -o steps tests/bench/steps.c -lseccomp -lcap
 *        ./steps ROOT [RUNS]   (as root; ROOT: a copy of a busybox tree)
 * Leaves nothing behind: the mounts die with each child's namespace, and
 * the cgroups (cfs-steps-PID in each v1 hierarchy) are removed after each.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 10000
#define MAX_HIERARCHIES 32

enum step {
  CLONE,
  PRIVATE,
  HOSTNAME,
  BIND,
  OVERLAY,
  PIVOT,
  UMOUNT,
  PROC,
  EXEC,
  DEV,
  SYS,
  MASKS,
  CAPS,
  SECCOMP_DENY,
  SECCOMP_ALLOW,
  CGROUP_ADD,
  CGROUP_REMOVE,
  STEPS
};

static const char *const step_names[STEPS] = {
    "clone (uts, pid, mnt, ipc, net)",
    "mount / rprivate",
    "sethostname",
    "bind mount of the root (--rootfs DIR)",
    "tmpfs, 3 mkdir, overlay (cached root)",
    "chdir, pivot_root",
    "umount2 of the old root, chdir",
    "mount proc",
    "exec /bin/true, exit, reap",
    "/dev: tmpfs, 6 nodes, 4 links, pts, shm, mqueue",
    "/sys: sysfs read-only",
    "masks: 10 paths hidden, 5 made read-only",
    "caps: bounding set, capset, no_new_privs",
    "seccomp: 50-rule deny list (libseccomp)",
    "seccomp: 300-rule allow list (libseccomp)",
    "cgroups v1: mkdir, cgroup.procs, all hierarchies",
    "cgroups v1: rmdir, all hierarchies",
};

static double times[STEPS][MAX_RUNS];
static char root[4096], stage[4096], path[8192];
static char hierarchies[MAX_HIERARCHIES][256];
static int hierarchy_count;

static double
now_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
check(int ok, const char *what)
{
  if (!ok) {
    perror(what);
    _exit(1);
  }
}

/* A path under the container's root, in a static buffer. */
static const char *
in_root(const char *sub)
{
  snprintf(path, sizeof path, "%s%s", root, sub);
  return path;
}

static void
setup_dev(void)
{
  static const struct {
    const char *name;
    int major, minor;
  } nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
               {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  static const char *const links[][2] = {{"/proc/self/fd", "fd"},
                                         {"/proc/self/fd/0", "stdin"},
                                         {"/proc/self/fd/1", "stdout"},
                                         {"/proc/self/fd/2", "stderr"}};
  char name[8192];
  size_t i;

  check(mount("tmpfs", in_root("/dev"), "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755") == 0,
        "mount /dev");
  for (i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
    snprintf(name, sizeof name, "%s/dev/%s", root, nodes[i].name);
    check(mknod(name, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) == 0, "mknod");
  }
  for (i = 0; i < sizeof links / sizeof links[0]; i++) {
    snprintf(name, sizeof name, "%s/dev/%s", root, links[i][1]);
    check(symlink(links[i][0], name) == 0, "symlink");
  }
  check(mkdir(in_root("/dev/pts"), 0755) == 0, "mkdir /dev/pts");
  check(mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666") == 0,
        "mount devpts");
  check(mkdir(in_root("/dev/shm"), 01777) == 0, "mkdir /dev/shm");
  check(mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777") == 0,
        "mount shm");
  check(mkdir(in_root("/dev/mqueue"), 0755) == 0, "mkdir /dev/mqueue");
  check(mount("mqueue", path, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0,
        "mount mqueue");
}

/* Paths that do not exist on this kernel are skipped, as runtimes do. */
static void
setup_masks(void)
{
  static const char *const hidden[] = {
      "/proc/acpi",          "/proc/asound",     "/proc/kcore",       "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/sys/firmware",       "/proc/scsi"};
  static const char *const read_only[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                          "/proc/sysrq-trigger"};
  char null[8192];
  struct stat st;
  size_t i;

  snprintf(null, sizeof null, "%s/dev/null", root);
  for (i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
    if (stat(in_root(hidden[i]), &st) < 0)
      continue;
    if (S_ISDIR(st.st_mode))
      mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL);
    else
      mount(null, path, NULL, MS_BIND, NULL);
  }
  for (i = 0; i < sizeof read_only / sizeof read_only[0]; i++) {
    if (mount(in_root(read_only[i]), path, NULL, MS_BIND | MS_REC, NULL) == 0)
      mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL);
  }
}

static void
setup_caps(void)
{
  static cap_value_t keep[] = {CAP_CHOWN,      CAP_DAC_OVERRIDE, CAP_FOWNER,
                               CAP_FSETID,     CAP_KILL,         CAP_SETGID,
                               CAP_SETUID,     CAP_SETPCAP,      CAP_NET_BIND_SERVICE,
                               CAP_SYS_CHROOT, CAP_SETFCAP,      CAP_SYS_ADMIN};
  int n = sizeof keep / sizeof keep[0], cap;
  cap_t caps = cap_init();

  /* CAP_SYS_ADMIN stays, so the seccomp steps below need no no_new_privs first. */
  for (cap = 0; cap <= CAP_LAST_CAP; cap++)
    if (cap != CAP_SYS_ADMIN && cap != CAP_SETPCAP)
      prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  cap_set_flag(caps, CAP_EFFECTIVE, n, keep, CAP_SET);
  cap_set_flag(caps, CAP_PERMITTED, n, keep, CAP_SET);
  check(cap_set_proc(caps) == 0, "cap_set_proc");
  cap_free(caps);
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  check(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs");
}

/* The deny list leaves alone the calls the rest of this child makes. */
static void
setup_seccomp(int allow_list)
{
  scmp_filter_ctx ctx;
  int nr, rules = 0;

  if (allow_list) {
    ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    for (nr = 0; nr < 300; nr++)
      seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
  } else {
    ctx = seccomp_init(SCMP_ACT_ALLOW);
    for (nr = 230; rules < 50; nr++) {
      if (nr == SYS_exit_group || nr == SYS_openat || nr == SYS_newfstatat ||
          nr == SYS_set_robust_list)
        continue;
      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
      rules++;
    }
  }
  check(seccomp_load(ctx) == 0, "seccomp_load");
  seccomp_release(ctx);
}

/* The child: each step timed in order, the results written to fd. */
static int
child_main(void *arg)
{
  int fd = *(int *)arg;
  double t[STEPS] = {0}, start;
  char options[3 * 4096 + 64];

  start = now_us();
  check(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "mount /");
  t[PRIVATE] = now_us() - start;
  start = now_us();
  check(sethostname("bench", 5) == 0, "sethostname");
  t[HOSTNAME] = now_us() - start;
  start = now_us();
  check(mount(root, root, NULL, MS_BIND | MS_REC, NULL) == 0, "bind");
  t[BIND] = now_us() - start;

  start = now_us();
  check(mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") == 0, "tmpfs");
  snprintf(path, sizeof path, "%s/upper", stage);
  check(mkdir(path, 0755) == 0, "mkdir upper");
  snprintf(path, sizeof path, "%s/work", stage);
  check(mkdir(path, 0755) == 0, "mkdir work");
  snprintf(path, sizeof path, "%s/root", stage);
  check(mkdir(path, 0755) == 0, "mkdir root");
  snprintf(options, sizeof options, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", root, stage,
           stage);
  check(mount("overlay", path, "overlay", 0, options) == 0, "overlay");
  t[OVERLAY] = now_us() - start;

  start = now_us();
  check(mount("proc", in_root("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0,
        "proc");
  t[PROC] = now_us() - start;
  start = now_us();
  setup_dev();
  t[DEV] = now_us() - start;
  start = now_us();
  check(mount("sysfs", in_root("/sys"), "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
              NULL) == 0,
        "sysfs");
  t[SYS] = now_us() - start;
  start = now_us();
  setup_masks();
  t[MASKS] = now_us() - start;

  start = now_us();
  check(chdir(root) == 0 && syscall(SYS_pivot_root, ".", ".") == 0, "pivot_root");
  t[PIVOT] = now_us() - start;
  start = now_us();
  check(umount2(".", MNT_DETACH) == 0 && chdir("/") == 0, "umount2");
  t[UMOUNT] = now_us() - start;

  start = now_us();
  setup_caps();
  t[CAPS] = now_us() - start;
  start = now_us();
  setup_seccomp(0);
  t[SECCOMP_DENY] = now_us() - start;
  start = now_us();
  setup_seccomp(1);
  t[SECCOMP_ALLOW] = now_us() - start;

  t[EXEC] = now_us();
  check(write(fd, t, sizeof t) == sizeof t, "write");
  execl("/bin/true", "true", (char *)NULL);
  _exit(127);
}

/*
 * Every cgroup v1 hierarchy mounted under /sys/fs/cgroup: not cgroup2, and
 * not the tmpfs that tests/bench/run.sh puts over a hybrid host's cgroup2.
 */
static void
find_hierarchies(void)
{
  DIR *dir = opendir("/sys/fs/cgroup");
  struct dirent *entry;
  struct statfs fs;
  char name[512];

  check(dir != NULL, "/sys/fs/cgroup");
  while ((entry = readdir(dir)) != NULL && hierarchy_count < MAX_HIERARCHIES) {
    if (entry->d_name[0] == '.' || entry->d_type != DT_DIR)
      continue;
    if (snprintf(name, sizeof name, "/sys/fs/cgroup/%s", entry->d_name) >= 256)
      continue;
    if (statfs(name, &fs) == 0 && fs.f_type == CGROUP_SUPER_MAGIC)
      strcpy(hierarchies[hierarchy_count++], name);
  }
  closedir(dir);
}

/* Copy a file's first line from the hierarchy's root into the group, as cpuset needs. */
static void
copy_from_root(const char *hierarchy, const char *group, const char *file)
{
  char name[8192], value[4096];
  ssize_t n;
  int fd;

  snprintf(name, sizeof name, "%s/%s", hierarchy, file);
  fd = open(name, O_RDONLY | O_CLOEXEC);
  n = fd >= 0 ? read(fd, value, sizeof value) : -1;
  if (fd >= 0)
    close(fd);
  snprintf(name, sizeof name, "%s/%s", group, file);
  fd = open(name, O_WRONLY | O_CLOEXEC);
  if (fd >= 0 && n > 0 && write(fd, value, (size_t)n) < 0)
    perror(name);
  if (fd >= 0)
    close(fd);
}

/* A group named cfs-steps-PID in each hierarchy, with the child in it. */
static double
cgroups_add(pid_t pid)
{
  double start = now_us();
  char group[8192], procs[8300], value[32];
  int i, fd;

  for (i = 0; i < hierarchy_count; i++) {
    snprintf(group, sizeof group, "%s/cfs-steps-%d", hierarchies[i], (int)getpid());
    if (mkdir(group, 0755) < 0)
      continue;
    if (strstr(hierarchies[i], "cpuset") != NULL) {
      copy_from_root(hierarchies[i], group, "cpuset.cpus");
      copy_from_root(hierarchies[i], group, "cpuset.mems");
    }
    snprintf(procs, sizeof procs, "%s/cgroup.procs", group);
    fd = open(procs, O_WRONLY | O_CLOEXEC);
    snprintf(value, sizeof value, "%d", (int)pid);
    if (fd >= 0 && write(fd, value, strlen(value)) < 0)
      perror(procs);
    if (fd >= 0)
      close(fd);
  }
  return now_us() - start;
}

static double
cgroups_remove(void)
{
  double start = now_us();
  char name[8192];
  int i;

  for (i = 0; i < hierarchy_count; i++) {
    if (snprintf(name, sizeof name, "%s/cfs-steps-%d", hierarchies[i], (int)getpid()) < 0)
      continue;
    if (rmdir(name) < 0 && errno != ENOENT)
      perror(name);
  }
  return now_us() - start;
}

static int
compare(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
  static char stack[1 << 20];
  int runs = argc > 2 ? atoi(argv[2]) : 200, i, k, pipefd[2], status;
  double start, t[STEPS];
  pid_t pid;

  if (argc < 2 || runs < 1 || runs > MAX_RUNS || realpath(argv[1], root) == NULL) {
    fprintf(stderr, "usage: steps ROOT [RUNS]\n");
    return 2;
  }
  snprintf(stage, sizeof stage, "/tmp/cfs-steps.%d", (int)getpid());
  check(mkdir(stage, 0700) == 0, stage);
  find_hierarchies();

  for (i = 0; i < runs; i++) {
    check(pipe2(pipefd, O_CLOEXEC) == 0, "pipe");
    start = now_us();
    pid = clone(child_main, stack + sizeof stack,
                CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD,
                &pipefd[1]);
    check(pid > 0, "clone");
    times[CLONE][i] = now_us() - start;
    close(pipefd[1]);
    times[CGROUP_ADD][i] = cgroups_add(pid);
    if (read(pipefd[0], t, sizeof t) != sizeof t)
      memset(t, 0, sizeof t);
    close(pipefd[0]);
    check(waitpid(pid, &status, 0) == pid, "waitpid");
    times[EXEC][i] = now_us() - t[EXEC];
    times[CGROUP_REMOVE][i] = cgroups_remove();
    for (k = PRIVATE; k < STEPS; k++)
      if (k != EXEC && k != CGROUP_ADD && k != CGROUP_REMOVE)
        times[k][i] = t[k];
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "steps: child failed\n");
      break;
    }
  }
  rmdir(stage);

  for (k = 0; k < STEPS; k++) {
    qsort(times[k], (size_t)i, sizeof(double), compare);
    printf("%-50s %8.1f\n", step_names[k], i > 0 ? times[k][i / 2] : 0.0);
  }
  printf("(median microseconds over %d runs; %d cgroup v1 hierarchies)\n", i, hierarchy_count);
  return i == runs ? 0 : 1;
}
