/*
 * Declarations shared by the C files of the cfs binary: the host (main.c,
 * host.c), the error constructor, the argument helpers and the per-concept
 * primitive files that luaopen_cfs_core gathers into one module.
 */
#ifndef CFS_H
#define CFS_H

#include <stddef.h>

#include <lua.h>
#include <lauxlib.h>

#define CFS_VERSION "0.1.0"

/* A named bit for flag lists such as {"bind", "rec"}; lists end with a NULL name. */
struct cfs_flag {
  const char *name;
  unsigned long value;
};

/* One Lua module compiled into the binary by src/embed.lua. */
struct cfs_embedded {
  const char *name;
  const char *chunkname;
  const unsigned char *data;
  size_t size;
};

extern const struct cfs_embedded cfs_embedded[];
extern const size_t cfs_embedded_count;
/* A hash of the embedded modules, made by src/embed.lua. */
extern const char cfs_build_id[];

/* error.c */
#define CFS_ERROR_TYPE "cfs.Error"
void cfs_error_push(lua_State *L, const char *op, const char *arg, int err);
void cfs_error_push_msg(lua_State *L, const char *op, const char *arg, int err, const char *msg);
int cfs_error_raise(lua_State *L, const char *op, const char *arg, int err);
int cfs_error_raise_msg(lua_State *L, const char *op, const char *arg, int err, const char *msg);
void cfs_error_register(lua_State *L);
extern const luaL_Reg cfs_error_funcs[];

/* args.c */
unsigned long cfs_args_flags(lua_State *L, int arg, const struct cfs_flag *flags, const char *kind);
const char *cfs_args_string(lua_State *L, int arg, size_t *len);
const char *cfs_args_optstring(lua_State *L, int arg);
unsigned cfs_args_mode(lua_State *L, int arg, unsigned def);
const char *cfs_flag_name(const struct cfs_flag *flags, unsigned long value);
void cfs_args_max(lua_State *L, int max);
void cfs_args_options(lua_State *L, int arg, const char *const allowed[]);
const char **cfs_args_argv(lua_State *L, int arg);
const char **cfs_args_envp(lua_State *L, int arg);
int cfs_args_signal(lua_State *L, int arg, int def);
int cfs_signal_number(const char *name);
const char *cfs_signal_name(int signo);

/* Retrying wrappers: EINTR is never an error the caller should see. */
long cfs_read_retry(int fd, void *buf, size_t len);
long cfs_write_retry(int fd, const void *buf, size_t len);

/* fd.c */
int cfs_fd_check(lua_State *L, int arg);
int *cfs_fd_new(lua_State *L);
const struct cfs_flag *cfs_fd_open_flags(void);

/* proc.c */
extern int cfs_vfork_marker_fd;
void cfs_vfork_mark(char step);
void cfs_status_decode(int wstatus, const char **how, int *code);
void cfs_proc_reset_signals(void);

/* Per-concept registration: each adds its functions to the table on top. */
void cfs_ns_register(lua_State *L);
void cfs_fs_register(lua_State *L);
void cfs_proc_register(lua_State *L);
void cfs_fd_register(lua_State *L);
void cfs_archive_register(lua_State *L);
void cfs_mountfd_register(lua_State *L);
void cfs_net_register(lua_State *L);
void cfs_cred_register(lua_State *L);
void cfs_caps_register(lua_State *L);
void cfs_exe_register(lua_State *L);
void cfs_prctl_register(lua_State *L);
void cfs_rlimit_register(lua_State *L);
void cfs_seccomp_register(lua_State *L);

/* exe.c: the arguments main() got, to start it again from a sealed copy of the binary. */
extern char **cfs_main_argv;
void cfs_tty_register(lua_State *L);
void cfs_pidfd_register(lua_State *L);
void cfs_fdpass_register(lua_State *L);

int luaopen_cfs_core(lua_State *L);

/* alloc.c: the lua_Alloc of the host's state. */
void *cfs_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* host.c: the error path shared by the host and cloned children. */
int cfs_host_msghandler(lua_State *L);
int cfs_host_report(lua_State *L, int idx);
void cfs_host_searchers(lua_State *L);
extern int cfs_debug;

#endif
