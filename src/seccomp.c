/*
 * Seccomp filters over libseccomp: the cfs.Seccomp handle owns one
 * scmp_filter_ctx, which collects rules (syscall, action, argument
 * conditions) and is loaded into the kernel as a BPF program by libseccomp.
 * Which syscalls a container may use is policy, in lua/cfs/seccomp.lua.
 *
 * libseccomp returns negated errno values instead of setting errno; they are
 * turned back into errno for the error constructor.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cfs.h"

#define SECCOMP_TYPE "cfs.Seccomp"

/* The maximum number of argument conditions in one rule, because a syscall has six arguments. */
#define MAX_CONDITIONS 6

struct filter {
  scmp_filter_ctx ctx; /* NULL once released */
};

static const struct cfs_flag simple_actions[] = {
    {"allow", SCMP_ACT_ALLOW},
    {"kill_process", SCMP_ACT_KILL_PROCESS},
    {"kill_thread", SCMP_ACT_KILL_THREAD},
    {"log", SCMP_ACT_LOG},
    {"trap", SCMP_ACT_TRAP},
    {NULL, 0},
};

static const struct cfs_flag operators[] = {
    {"ne", SCMP_CMP_NE},
    {"lt", SCMP_CMP_LT},
    {"le", SCMP_CMP_LE},
    {"eq", SCMP_CMP_EQ},
    {"ge", SCMP_CMP_GE},
    {"gt", SCMP_CMP_GT},
    {"masked_eq", SCMP_CMP_MASKED_EQ},
    {NULL, 0},
};

/* Architectures by libseccomp token, for naming the native one. */
static const struct cfs_flag arches[] = {
    {"x86", SCMP_ARCH_X86},           {"x86_64", SCMP_ARCH_X86_64},
    {"x32", SCMP_ARCH_X32},           {"arm", SCMP_ARCH_ARM},
    {"aarch64", SCMP_ARCH_AARCH64},   {"mips", SCMP_ARCH_MIPS},
    {"mips64", SCMP_ARCH_MIPS64},     {"mipsel", SCMP_ARCH_MIPSEL},
    {"mipsel64", SCMP_ARCH_MIPSEL64}, {"ppc", SCMP_ARCH_PPC},
    {"ppc64", SCMP_ARCH_PPC64},       {"ppc64le", SCMP_ARCH_PPC64LE},
    {"s390", SCMP_ARCH_S390},         {"s390x", SCMP_ARCH_S390X},
    {"riscv64", SCMP_ARCH_RISCV64},   {NULL, 0},
};

/* [-0, +0, v] An errno value for SCMP_ACT_ERRNO, which keeps 16 bits. */
static uint32_t
check_errno_field(lua_State *L, int arg)
{
  lua_Integer n;

  if (lua_getfield(L, arg, "errno") != LUA_TNUMBER || !lua_isinteger(L, -1))
    luaL_argerror(L, arg, "action table needs an integer field 'errno'");
  n = lua_tointeger(L, -1);
  luaL_argcheck(L, n >= 0 && n <= 0xffff, arg, "errno out of range");
  lua_pop(L, 1);
  return (uint32_t)n;
}

/*
 * [-0, +0, v] The action at `arg`: one of the names in simple_actions, or
 * {errno = N} for SCMP_ACT_ERRNO(N).
 */
static uint32_t
check_action(lua_State *L, int arg)
{
  static const char *const allowed[] = {"errno", NULL};
  const struct cfs_flag *a;
  const char *name;

  if (lua_istable(L, arg)) {
    cfs_args_options(L, arg, allowed);
    return SCMP_ACT_ERRNO(check_errno_field(L, arg));
  }
  name = luaL_checkstring(L, arg);
  for (a = simple_actions; a->name != NULL; a++)
    if (strcmp(a->name, name) == 0)
      return (uint32_t)a->value;
  return (uint32_t)luaL_argerror(L, arg, lua_pushfstring(L, "unknown action '%s'", name));
}

static struct filter *
check_filter(lua_State *L)
{
  struct filter *f = luaL_checkudata(L, 1, SECCOMP_TYPE);

  if (f->ctx == NULL)
    luaL_argerror(L, 1, "filter is released");
  return f;
}

/***
 * A new, empty filter for the native architecture. It does not set
 * no_new_privs when loaded: that stays a separate prctl.
 * @function seccomp_init
 * @tparam string|table action for syscalls no rule matches: allow, kill_process,
 *   kill_thread, log, trap, or {errno = N}
 * @treturn cfs.Seccomp
 * @see seccomp_init(3)
 */
static int
l_seccomp_init(lua_State *L)
{
  uint32_t action = check_action(L, 1);
  struct filter *f;
  int rc;

  cfs_args_max(L, 1);
  f = lua_newuserdatauv(L, sizeof *f, 0);
  f->ctx = NULL;
  luaL_setmetatable(L, SECCOMP_TYPE);
  f->ctx = seccomp_init(action);
  if (f->ctx == NULL)
    return cfs_error_raise(L, "seccomp_init", NULL, ENOMEM);
  rc = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0)
    return cfs_error_raise(L, "seccomp_attr_set", "nnp", -rc);
  /* Without it, every kernel error from seccomp_load reads ECANCELED. */
  rc = seccomp_attr_set(f->ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
  if (rc < 0)
    return cfs_error_raise(L, "seccomp_attr_set", "sysrawrc", -rc);
  return 1;
}

/***
 * The version of libseccomp cfs is built with, such as "2.5.4".
 * @function seccomp_version
 * @treturn string
 * @see seccomp_version(3)
 */
static int
l_seccomp_version(lua_State *L)
{
  const struct scmp_version *v = seccomp_version();

  cfs_args_max(L, 0);
  lua_pushfstring(L, "%d.%d.%d", (int)v->major, (int)v->minor, (int)v->micro);
  return 1;
}

/***
 * The number of a syscall on the native architecture.
 * @function seccomp_syscall_resolve_name
 * @tparam string name such as "mkdir"
 * @treturn int|nil nil when libseccomp does not know the name
 * @see seccomp_syscall_resolve_name(3)
 */
static int
l_seccomp_syscall_resolve_name(lua_State *L)
{
  const char *name = luaL_checkstring(L, 1);
  int nr;

  cfs_args_max(L, 1);
  nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR)
    return 0;
  lua_pushinteger(L, nr);
  return 1;
}

/***
 * The name of the native architecture, such as "x86_64".
 * @function seccomp_arch_native
 * @treturn string|nil nil for an architecture this build does not name
 * @see seccomp_arch_native(3)
 */
static int
l_seccomp_arch_native(lua_State *L)
{
  cfs_args_max(L, 0);
  lua_pushstring(L, cfs_flag_name(arches, seccomp_arch_native()));
  return 1;
}

/***
 * Make the filter also apply to syscalls made with another architecture's
 * calling convention, such as x86 (int 0x80) from an x86_64 process.
 * @function Seccomp:arch_add
 * @tparam string arch such as "x86" or "x32"
 * @see seccomp_arch_add(3)
 */
static int
filter_arch_add(lua_State *L)
{
  struct filter *f = check_filter(L);
  const char *name = luaL_checkstring(L, 2);
  uint32_t token;
  int rc;

  cfs_args_max(L, 2);
  token = seccomp_arch_resolve_name(name);
  if (token == 0)
    return luaL_argerror(L, 2, lua_pushfstring(L, "unknown architecture '%s'", name));
  rc = seccomp_arch_add(f->ctx, token);
  if (rc < 0 && rc != -EEXIST)
    return cfs_error_raise(L, "seccomp_arch_add", name, -rc);
  return 0;
}

/* [-0, +0, v] The integer field `key` of the condition table on top; `i` counts from 1. */
static lua_Integer
condition_integer(lua_State *L, int arg, lua_Integer i, const char *key)
{
  lua_Integer n;

  if (lua_getfield(L, -1, key) != LUA_TNUMBER || !lua_isinteger(L, -1))
    luaL_argerror(L, arg,
                  lua_pushfstring(L, "condition %d: integer field '%s' expected", (int)i, key));
  n = lua_tointeger(L, -1);
  lua_pop(L, 1);
  return n;
}

/* [-0, +0, v] The comparison named by field "op" of the condition table on top. */
static enum scmp_compare
condition_operator(lua_State *L, int arg, lua_Integer i)
{
  const struct cfs_flag *op;
  const char *name;

  if (lua_getfield(L, -1, "op") != LUA_TSTRING)
    luaL_argerror(L, arg, lua_pushfstring(L, "condition %d: string field 'op' expected", (int)i));
  name = lua_tostring(L, -1);
  for (op = operators; op->name != NULL; op++)
    if (strcmp(op->name, name) == 0)
      break;
  if (op->name == NULL)
    luaL_argerror(L, arg, lua_pushfstring(L, "condition %d: unknown operator '%s'", (int)i, name));
  lua_pop(L, 1);
  return (enum scmp_compare)op->value;
}

/*
 * [-0, +0, v] Fill conds[] from the list of {index, op, value, mask} tables
 * at `arg` and return how many there are. masked_eq compares
 * (argument & mask) with value; libseccomp takes the mask first.
 */
static unsigned
check_conditions(lua_State *L, int arg, struct scmp_arg_cmp conds[MAX_CONDITIONS])
{
  static const char *const allowed[] = {"index", "op", "value", "mask", NULL};
  lua_Integer i, n;

  if (lua_isnoneornil(L, arg))
    return 0;
  luaL_checktype(L, arg, LUA_TTABLE);
  n = luaL_len(L, arg);
  luaL_argcheck(L, n <= MAX_CONDITIONS, arg, "at most 6 conditions expected");
  for (i = 1; i <= n; i++) {
    struct scmp_arg_cmp *c = &conds[i - 1];
    lua_Integer index;

    if (lua_geti(L, arg, i) != LUA_TTABLE)
      luaL_argerror(L, arg, lua_pushfstring(L, "condition %d is not a table", (int)i));
    cfs_args_options(L, lua_gettop(L), allowed);
    index = condition_integer(L, arg, i, "index");
    luaL_argcheck(L, index >= 0 && index < 6, arg, "argument index must be 0 to 5");
    c->arg = (unsigned)index;
    c->op = condition_operator(L, arg, i);
    c->datum_b = 0;
    if (c->op == SCMP_CMP_MASKED_EQ) {
      c->datum_a = (scmp_datum_t)condition_integer(L, arg, i, "mask");
      c->datum_b = (scmp_datum_t)condition_integer(L, arg, i, "value");
    } else {
      if (lua_getfield(L, -1, "mask") != LUA_TNIL)
        luaL_argerror(L, arg, "field 'mask' is only for op 'masked_eq'");
      lua_pop(L, 1);
      c->datum_a = (scmp_datum_t)condition_integer(L, arg, i, "value");
    }
    lua_pop(L, 1);
  }
  return (unsigned)n;
}

/***
 * Add a rule: when syscall is called (and every condition holds), take action.
 * @function Seccomp:rule_add
 * @tparam string|table action as for seccomp_init
 * @tparam string|int syscall a name or a native syscall number
 * @tparam[opt] {table,...} conditions up to six {index = 0..5, op = "eq", value = N};
 *   op is ne, lt, le, eq, ge, gt or masked_eq (which also takes mask)
 * @raise seccomp_rule_add('name'): EACCES when action is the filter's default action
 * @see seccomp_rule_add(3)
 */
static int
filter_rule_add(lua_State *L)
{
  struct filter *f = check_filter(L);
  uint32_t action = check_action(L, 2);
  struct scmp_arg_cmp conds[MAX_CONDITIONS];
  unsigned ncond;
  int nr, rc;

  if (lua_type(L, 3) == LUA_TNUMBER) {
    nr = (int)luaL_checkinteger(L, 3);
  } else {
    nr = seccomp_syscall_resolve_name(luaL_checkstring(L, 3));
    if (nr == __NR_SCMP_ERROR)
      return luaL_argerror(L, 3, lua_pushfstring(L, "unknown syscall '%s'", lua_tostring(L, 3)));
  }
  ncond = check_conditions(L, 4, conds);
  cfs_args_max(L, 4);

  rc = seccomp_rule_add_array(f->ctx, action, nr, ncond, conds);
  if (rc < 0)
    return cfs_error_raise(L, "seccomp_rule_add", luaL_tolstring(L, 3, NULL), -rc);
  return 0;
}

/***
 * Load the filter into the kernel for the calling thread. Without
 * no_new_privs this needs CAP_SYS_ADMIN. The filter stays for the life of
 * the process and its children; it cannot be removed.
 * @function Seccomp:load
 * @see seccomp_load(3)
 */
static int
filter_load(lua_State *L)
{
  struct filter *f = check_filter(L);
  int rc;

  cfs_args_max(L, 1);
  rc = seccomp_load(f->ctx);
  if (rc < 0)
    return cfs_error_raise(L, "seccomp_load", NULL, -rc);
  return 0;
}

/***
 * The filter as the BPF program the kernel loads, for cfs.seccomp_load_bpf.
 * Generating it is most of libseccomp's cost, so a program can be kept
 * and loaded many times.
 * @function Seccomp:export_bpf
 * @treturn string the program: struct sock_filter entries, 8 bytes each
 * @see seccomp_export_bpf(3)
 */
static int
filter_export_bpf(lua_State *L)
{
  struct filter *f = check_filter(L);
  luaL_Buffer b;
  char chunk[4096];
  ssize_t n;
  int fd, rc, err;

  cfs_args_max(L, 1);
  luaL_buffinit(L, &b);
  fd = memfd_create("cfs-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return cfs_error_raise(L, "memfd_create", "cfs-seccomp", errno);

  rc = seccomp_export_bpf(f->ctx, fd);
  if (rc < 0 || lseek(fd, 0, SEEK_SET) < 0) {
    err = rc < 0 ? -rc : errno;
    close(fd);
    return cfs_error_raise(L, "seccomp_export_bpf", NULL, err);
  }
  /* luaL_addlstring may raise only on memory errors; the descriptor then leaks. */
  while ((n = cfs_read_retry(fd, chunk, sizeof chunk)) > 0)
    luaL_addlstring(&b, chunk, (size_t)n);
  err = n < 0 ? errno : 0;
  close(fd);
  if (err != 0)
    return cfs_error_raise(L, "seccomp_export_bpf", NULL, err);
  luaL_pushresult(&b);
  return 1;
}

/***
 * Load a BPF program made by Seccomp:export_bpf into the kernel for the
 * calling thread, as Seccomp:load does without generating it again.
 * Without no_new_privs this needs CAP_SYS_ADMIN.
 * @function seccomp_load_bpf
 * @tparam string program
 * @see seccomp(2)
 */
static int
l_seccomp_load_bpf(lua_State *L)
{
  size_t len;
  const char *program = luaL_checklstring(L, 1, &len);
  struct sock_fprog prog;

  cfs_args_max(L, 1);
  luaL_argcheck(L,
                len > 0 && len % sizeof(struct sock_filter) == 0 &&
                    len / sizeof(struct sock_filter) <= BPF_MAXINSNS,
                1, "not a BPF program");
  prog.len = (unsigned short)(len / sizeof(struct sock_filter));
  prog.filter = (struct sock_filter *)(uintptr_t)program;
  /* The filter may deny the write of every later step marker. */
  cfs_vfork_mark('f');
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
    return cfs_error_raise(L, "seccomp", NULL, errno);
  return 0;
}

/***
 * Write the filter as readable pseudo code, for debugging.
 * @function Seccomp:export_pfc
 * @tparam cfs.Fd|int fd
 * @see seccomp_export_pfc(3)
 */
static int
filter_export_pfc(lua_State *L)
{
  struct filter *f = check_filter(L);
  int fd = cfs_fd_check(L, 2), rc;

  cfs_args_max(L, 2);
  rc = seccomp_export_pfc(f->ctx, fd);
  if (rc < 0)
    return cfs_error_raise(L, "seccomp_export_pfc", NULL, -rc);
  return 0;
}

/* Free the context; idempotent, and a loaded filter stays in the kernel. */
static int
filter_release(lua_State *L)
{
  struct filter *f = luaL_checkudata(L, 1, SECCOMP_TYPE);

  if (f->ctx != NULL) {
    seccomp_release(f->ctx);
    f->ctx = NULL;
  }
  return 0;
}

static int
filter_tostring(lua_State *L)
{
  struct filter *f = luaL_checkudata(L, 1, SECCOMP_TYPE);

  lua_pushstring(L, f->ctx != NULL ? "cfs.Seccomp" : "cfs.Seccomp(released)");
  return 1;
}

static const luaL_Reg filter_methods[] = {
    {"arch_add", filter_arch_add},
    {"export_bpf", filter_export_bpf},
    {"export_pfc", filter_export_pfc},
    {"load", filter_load},
    {"release", filter_release},
    {"rule_add", filter_rule_add},
    {NULL, NULL},
};

static const luaL_Reg funcs[] = {
    {"seccomp_arch_native", l_seccomp_arch_native},
    {"seccomp_init", l_seccomp_init},
    {"seccomp_load_bpf", l_seccomp_load_bpf},
    {"seccomp_syscall_resolve_name", l_seccomp_syscall_resolve_name},
    {"seccomp_version", l_seccomp_version},
    {NULL, NULL},
};

void
cfs_seccomp_register(lua_State *L)
{
  if (luaL_newmetatable(L, SECCOMP_TYPE)) {
    luaL_newlib(L, filter_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, filter_release);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, filter_release);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, filter_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
