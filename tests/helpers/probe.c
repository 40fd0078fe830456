/*
 * A static helper that runs inside test containers and prints what it sees
 * as "name=value" lines, one per fact asked for on the command line (all of
 * them when none is given), so integration tests can compare it with the
 * host's view.
 *
 *   probe hostname pid fds cwd uid
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
print_fds(void)
{
  DIR *dir = opendir("/proc/self/fd");
  struct dirent *e;
  int fds[256], n = 0, i, self;

  if (dir == NULL) {
    printf("fds=error\n");
    return;
  }
  self = dirfd(dir);
  while ((e = readdir(dir)) != NULL && n < 256) {
    int fd;

    if (e->d_name[0] == '.')
      continue;
    fd = atoi(e->d_name);
    if (fd != self)
      fds[n++] = fd;
  }
  closedir(dir);
  printf("fds=");
  for (i = 0; i < n; i++) {
    int j, min = i;

    for (j = i + 1; j < n; j++)
      if (fds[j] < fds[min])
        min = j;
    j = fds[i];
    fds[i] = fds[min];
    fds[min] = j;
    printf(i > 0 ? ",%d" : "%d", fds[i]);
  }
  printf("\n");
}

static void
print_fact(const char *name)
{
  char buf[4096];

  if (strcmp(name, "hostname") == 0 && gethostname(buf, sizeof buf) == 0)
    printf("hostname=%s\n", buf);
  else if (strcmp(name, "pid") == 0)
    printf("pid=%d\n", (int)getpid());
  else if (strcmp(name, "ppid") == 0)
    printf("ppid=%d\n", (int)getppid());
  else if (strcmp(name, "uid") == 0)
    printf("uid=%d\n", (int)getuid());
  else if (strcmp(name, "gid") == 0)
    printf("gid=%d\n", (int)getgid());
  else if (strcmp(name, "cwd") == 0 && getcwd(buf, sizeof buf) != NULL)
    printf("cwd=%s\n", buf);
  else if (strcmp(name, "fds") == 0)
    print_fds();
  else
    printf("%s=unknown\n", name);
}

int
main(int argc, char **argv)
{
  static const char *const all[] = {"hostname", "pid", "ppid", "uid", "gid", "cwd", "fds"};
  size_t i;
  int a;

  if (argc == 1)
    for (i = 0; i < sizeof all / sizeof all[0]; i++)
      print_fact(all[i]);
  for (a = 1; a < argc; a++)
    print_fact(argv[a]);
  return 0;
}
