/*
 * The cfs.Process handle: a child started by cfs.clone, owned by Lua.
 */
#ifndef CFS_PROC_H
#define CFS_PROC_H

#include <sys/types.h>

#include "cfs.h"

#define CFS_PROCESS_TYPE "cfs.Process"

struct cfs_process {
  pid_t pid;  /* -1 until the clone succeeded */
  int pidfd;  /* -1 once closed */
  int reaped; /* 1 once waited for; how/code then hold the result */
  const char *how;
  int code;
};

struct cfs_process *cfs_process_new(lua_State *L);
void cfs_process_reap(struct cfs_process *p, int signo);

extern const struct cfs_flag cfs_ns_flags[];

#endif
