/*
 * Argument helpers shared by every primitive: flag lists by name, strict
 * option tables, arity checks, Lua list to argv/envp conversion (the one
 * place that crosses from 1-based Lua arrays to 0-based C arrays), signal
 * names and the EINTR-retrying read/write wrappers.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cfs.h"

/*
 * [-0, +0, v] OR together the flags named in the list at `arg`. A missing
 * or nil list is 0. An unknown name is an argument error, because a typo
 * such as "readonly" for "ro" must not silently mount read-write.
 */
unsigned long
cfs_args_flags(lua_State *L, int arg, const struct cfs_flag *flags, const char *kind)
{
  unsigned long value = 0;
  lua_Integer i, n;

  if (lua_isnoneornil(L, arg))
    return 0;
  luaL_checktype(L, arg, LUA_TTABLE);
  n = luaL_len(L, arg);
  for (i = 1; i <= n; i++) {
    const struct cfs_flag *f;
    const char *name;

    if (lua_geti(L, arg, i) != LUA_TSTRING) {
      lua_pop(L, 1);
      return (unsigned long)luaL_argerror(
          L, arg, lua_pushfstring(L, "%s name expected at index %d", kind, (int)i));
    }
    name = lua_tostring(L, -1);
    for (f = flags; f->name != NULL; f++)
      if (strcmp(f->name, name) == 0)
        break;
    if (f->name == NULL)
      return (unsigned long)luaL_argerror(L, arg,
                                          lua_pushfstring(L, "unknown %s '%s'", kind, name));
    value |= f->value;
    lua_pop(L, 1);
  }
  return value;
}

/*
 * [-0, +0, v] A string argument that the kernel will read as a C string: a
 * path or a name. An embedded NUL byte is an argument error, because the
 * kernel would silently act on the part before it ("/tmp/x\0/etc" is
 * "/tmp/x").
 */
const char *
cfs_args_string(lua_State *L, int arg, size_t *len)
{
  size_t n;
  const char *s = luaL_checklstring(L, arg, &n);

  if (strlen(s) != n)
    luaL_argerror(L, arg, "string contains a NUL byte");
  if (len != NULL)
    *len = n;
  return s;
}

/* [-0, +0, v] Like cfs_args_string, but nil or none gives NULL. */
const char *
cfs_args_optstring(lua_State *L, int arg)
{
  if (lua_isnoneornil(L, arg))
    return NULL;
  return cfs_args_string(L, arg, NULL);
}

/*
 * [-0, +0, v] A permission mode, 0 to 07777; `def` when absent. Only
 * numbers are accepted: Lua would read the string "755" as decimal 755.
 */
unsigned
cfs_args_mode(lua_State *L, int arg, unsigned def)
{
  lua_Integer mode;

  if (lua_isnoneornil(L, arg))
    return def;
  if (lua_type(L, arg) != LUA_TNUMBER)
    luaL_typeerror(L, arg, "number");
  mode = luaL_checkinteger(L, arg);
  luaL_argcheck(L, mode >= 0 && mode <= 07777, arg, "mode out of range");
  return (unsigned)mode;
}

/* Return the name of the first flag with exactly this value, or NULL. */
const char *
cfs_flag_name(const struct cfs_flag *flags, unsigned long value)
{
  for (; flags->name != NULL; flags++)
    if (flags->value == value)
      return flags->name;
  return NULL;
}

/*
 * [-0, +0, v] Reject arguments past `max`, so a misplaced value is not
 * ignored. Trailing nils are allowed, as a wrapper that forwards a fixed
 * number of arguments passes them.
 */
void
cfs_args_max(lua_State *L, int max)
{
  int i;

  for (i = lua_gettop(L); i > max; i--)
    if (!lua_isnil(L, i))
      luaL_argerror(L, i, "no value expected");
}

/* [-0, +0, v] Reject keys of the option table at `arg` that are not in `allowed`. */
void
cfs_args_options(lua_State *L, int arg, const char *const allowed[])
{
  if (lua_isnoneornil(L, arg))
    return;
  luaL_checktype(L, arg, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, arg) != 0) {
    const char *const *a;

    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_argerror(L, arg, "option names must be strings");
    for (a = allowed; *a != NULL; a++)
      if (strcmp(*a, lua_tostring(L, -1)) == 0)
        break;
    if (*a == NULL)
      luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'", lua_tostring(L, -1)));
  }
}

/*
 * [-0, +1, v] Convert the list of strings at `arg` into a NULL-terminated
 * array owned by a userdata left on the stack. The pointers stay valid while
 * the list at `arg` stays on the stack and unchanged, because strings are
 * taken only when they already are strings (no number conversion in place).
 */
const char **
cfs_args_argv(lua_State *L, int arg)
{
  lua_Integer i, n;
  const char **argv;

  luaL_checktype(L, arg, LUA_TTABLE);
  n = luaL_len(L, arg);
  if (n < 0 || n > 65536)
    luaL_argerror(L, arg, "list too long");
  argv = lua_newuserdatauv(L, sizeof *argv * (size_t)(n + 1), 0);
  for (i = 1; i <= n; i++) {
    if (lua_geti(L, arg, i) != LUA_TSTRING)
      luaL_argerror(L, arg, lua_pushfstring(L, "string expected at index %d", (int)i));
    argv[i - 1] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  argv[n] = NULL;
  return argv;
}

/*
 * [-0, +2, v] Convert the map {KEY = "value"} at `arg` into a sorted
 * NULL-terminated "KEY=value" array. The array userdata is on top and the
 * table anchoring the new strings just below it.
 */
const char **
cfs_args_envp(lua_State *L, int arg)
{
  const char **envp;
  lua_Integer n = 0, i;

  luaL_checktype(L, arg, LUA_TTABLE);
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, arg) != 0) {
    const char *key;

    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
      luaL_argerror(L, arg, "environment must map strings to strings");
    key = lua_tostring(L, -2);
    if (*key == '\0' || strchr(key, '=') != NULL)
      luaL_argerror(L, arg, lua_pushfstring(L, "invalid environment name '%s'", key));
    lua_pushfstring(L, "%s=%s", key, lua_tostring(L, -1));
    lua_rawseti(L, -4, ++n);
    lua_pop(L, 1);
  }

  /* Sort so the child sees a stable order, whatever the table's hash order is. */
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "sort");
  lua_remove(L, -2);
  lua_pushvalue(L, -2);
  lua_call(L, 1, 0);

  envp = lua_newuserdatauv(L, sizeof *envp * (size_t)(n + 1), 0);
  for (i = 1; i <= n; i++) {
    lua_geti(L, -2, i);
    envp[i - 1] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  envp[n] = NULL;
  return envp;
}

static const struct {
  const char *name;
  int signo;
} signals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},       {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"FPE", SIGFPE},   {"HUP", SIGHUP},       {"ILL", SIGILL},
    {"INT", SIGINT},   {"IO", SIGIO},     {"KILL", SIGKILL},     {"PIPE", SIGPIPE},
    {"PROF", SIGPROF}, {"PWR", SIGPWR},   {"QUIT", SIGQUIT},     {"SEGV", SIGSEGV},
    {"STOP", SIGSTOP}, {"SYS", SIGSYS},   {"TERM", SIGTERM},     {"TRAP", SIGTRAP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

/* Return the number for "TERM", "SIGTERM" or "term", or 0 when unknown. */
int
cfs_signal_number(const char *name)
{
  size_t i;

  if (strncasecmp(name, "SIG", 3) == 0)
    name += 3;
  for (i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (strcasecmp(signals[i].name, name) == 0)
      return signals[i].signo;
  return 0;
}

/* Return the short name ("TERM") of a signal, or NULL for real-time and unknown ones. */
const char *
cfs_signal_name(int signo)
{
  size_t i;

  for (i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (signals[i].signo == signo)
      return signals[i].name;
  return NULL;
}

/* [-0, +0, v] A signal given as a name or a number at `arg`; `def` when absent. */
int
cfs_args_signal(lua_State *L, int arg, int def)
{
  int signo;

  if (lua_isnoneornil(L, arg))
    return def;
  if (lua_type(L, arg) == LUA_TNUMBER) {
    lua_Integer n = luaL_checkinteger(L, arg);

    if (n < 0 || n >= NSIG)
      luaL_argerror(L, arg, "signal number out of range");
    return (int)n;
  }
  signo = cfs_signal_number(luaL_checkstring(L, arg));
  if (signo == 0)
    luaL_argerror(L, arg, lua_pushfstring(L, "unknown signal '%s'", lua_tostring(L, arg)));
  return signo;
}

long
cfs_read_retry(int fd, void *buf, size_t len)
{
  ssize_t n;

  do
    n = read(fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n;
}

long
cfs_write_retry(int fd, const void *buf, size_t len)
{
  ssize_t n;

  do
    n = write(fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n;
}
