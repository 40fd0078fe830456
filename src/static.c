/*
 * Linked only into a static cfs (the default, see the Makefile): the dynamic
 * loader calls that Lua's package library makes, reached through the
 * linker's --wrap so glibc's own dlopen stays out of the binary. glibc
 * warns that a static dlopen needs the build machine's shared libraries at
 * run time; cfs loads no C modules instead. Lua modules are unaffected.
 */
#include <stddef.h>

/* The prototypes are here, not in a header: only the linker calls these. */
void *__wrap_dlopen(const char *file, int mode);
void *__wrap_dlsym(void *handle, const char *name);
char *__wrap_dlerror(void);
int __wrap_dlclose(void *handle);

static char message[] = "cfs is linked statically and cannot load C modules";

void *
__wrap_dlopen(const char *file, int mode)
{
  (void)file;
  (void)mode;
  return NULL;
}

void *
__wrap_dlsym(void *handle, const char *name)
{
  (void)handle;
  (void)name;
  return NULL;
}

char *
__wrap_dlerror(void)
{
  return message;
}

int
__wrap_dlclose(void *handle)
{
  (void)handle;
  return 0;
}
