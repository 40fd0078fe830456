/*
 * Capability primitives over libcap: name lookups, the bounding and ambient
 * sets (one capability per call, as the kernel's prctl interface works) and
 * the effective, permitted and inheritable sets read and written together
 * with capget/capset. Which capabilities a container keeps is policy, in
 * lua/cfs/caps.lua.
 */
#include <errno.h>
#include <sys/capability.h>

#include "cfs.h"

#define CAP_SETS 3

/* The capabilities this build handles: the kernel's, up to the 64 a set mask holds. */
static cap_value_t
max_caps(void)
{
  cap_value_t max = cap_max_bits();

  return max > 64 ? 64 : max;
}

/* NULL-terminated so it also serves as the allowed keys of a sets table. */
static const char *const set_names[CAP_SETS + 1] = {"effective", "permitted", "inheritable", NULL};
static const cap_flag_t set_flags[CAP_SETS] = {CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE};

/*
 * [-0, +0, v] The capability at `arg`: a number up to cap_max_bits() - 1, or
 * a name libcap knows ("cap_chown"; libcap ignores case and needs the prefix).
 */
static cap_value_t
check_cap(lua_State *L, int arg)
{
  cap_value_t cap;

  if (lua_type(L, arg) == LUA_TNUMBER) {
    lua_Integer n = luaL_checkinteger(L, arg);

    luaL_argcheck(L, n >= 0 && n < max_caps(), arg, "capability number out of range");
    return (cap_value_t)n;
  }
  if (cap_from_name(luaL_checkstring(L, arg), &cap) < 0 || cap < 0 || cap >= max_caps())
    luaL_argerror(L, arg, lua_pushfstring(L, "unknown capability '%s'", lua_tostring(L, arg)));
  return cap;
}

/***
 * The number of a capability name, as libcap resolves it.
 * @function cap_from_name
 * @tparam string name such as "cap_chown" (case does not matter)
 * @treturn int|nil nil when libcap or the kernel does not know the name
 * @see cap_from_name(3)
 */
static int
l_cap_from_name(lua_State *L)
{
  const char *name = luaL_checkstring(L, 1);
  cap_value_t cap;

  cfs_args_max(L, 1);
  if (cap_from_name(name, &cap) < 0 || cap < 0 || cap >= max_caps())
    return 0;
  lua_pushinteger(L, cap);
  return 1;
}

/***
 * The lower-case name of a capability number ("cap_chown").
 * @function cap_to_name
 * @tparam int cap
 * @treturn string
 * @see cap_to_name(3)
 */
static int
l_cap_to_name(lua_State *L)
{
  cap_value_t cap = check_cap(L, 1);
  char *name;

  cfs_args_max(L, 1);
  name = cap_to_name(cap);
  if (name == NULL)
    return cfs_error_raise(L, "cap_to_name", NULL, errno);
  lua_pushstring(L, name);
  cap_free(name);
  return 1;
}

/***
 * The number of capabilities the running kernel supports.
 * @function cap_max_bits
 * @treturn int
 * @see cap_max_bits(3)
 */
static int
l_cap_max_bits(lua_State *L)
{
  cfs_args_max(L, 0);
  lua_pushinteger(L, cap_max_bits());
  return 1;
}

/* [-0, +1, m] The capabilities raised in one set of `caps`, as a list of numbers. */
static void
push_set(lua_State *L, cap_t caps, cap_flag_t flag)
{
  cap_value_t cap, max = max_caps();
  cap_flag_value_t value;
  int n = 0;

  lua_createtable(L, max, 0);
  for (cap = 0; cap < max; cap++)
    if (cap_get_flag(caps, cap, flag, &value) == 0 && value == CAP_SET) {
      lua_pushinteger(L, cap);
      lua_rawseti(L, -2, ++n);
    }
}

/***
 * The calling thread's effective, permitted and inheritable sets.
 * @function cap_get_proc
 * @treturn table {effective = {int,...}, permitted = {...}, inheritable = {...}}
 * @see cap_get_proc(3)
 */
static int
l_cap_get_proc(lua_State *L)
{
  cap_t caps;
  int i;

  cfs_args_max(L, 0);
  lua_createtable(L, 0, CAP_SETS);
  caps = cap_get_proc();
  if (caps == NULL)
    return cfs_error_raise(L, "cap_get_proc", NULL, errno);
  for (i = 0; i < CAP_SETS; i++) {
    push_set(L, caps, set_flags[i]);
    lua_setfield(L, -2, set_names[i]);
  }
  cap_free(caps);
  return 1;
}

/*
 * [-0, +0, v] Check the {effective = {...}, ...} table at `arg` and store
 * each set as a bit mask in masks[], before anything is allocated outside
 * Lua. A missing set is empty.
 */
static void
check_sets(lua_State *L, int arg, unsigned long long masks[CAP_SETS])
{
  int i;

  cfs_args_options(L, arg, set_names);
  luaL_checktype(L, arg, LUA_TTABLE);
  for (i = 0; i < CAP_SETS; i++) {
    lua_Integer k, n;

    masks[i] = 0;
    if (lua_getfield(L, arg, set_names[i]) == LUA_TNIL) {
      lua_pop(L, 1);
      continue;
    }
    luaL_argcheck(L, lua_istable(L, -1), arg,
                  lua_pushfstring(L, "set '%s' must be a list", set_names[i]));
    n = luaL_len(L, -1);
    for (k = 1; k <= n; k++) {
      lua_geti(L, -1, k);
      masks[i] |= 1ULL << check_cap(L, lua_gettop(L));
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
}

/***
 * Replace the calling thread's effective, permitted and inheritable sets.
 * The bounding and ambient sets are separate calls.
 * @function cap_set_proc
 * @tparam table sets {effective = {cap,...}, permitted = {...}, inheritable = {...}};
 *   a cap is a number or a name, a missing set is empty
 * @raise cap_set_proc: EPERM when a capability is not in the permitted set
 * @see cap_set_proc(3)
 */
static int
l_cap_set_proc(lua_State *L)
{
  unsigned long long masks[CAP_SETS];
  cap_value_t cap, max = max_caps();
  cap_t caps;
  int i, err;

  check_sets(L, 1, masks);
  cfs_args_max(L, 1);
  caps = cap_init();
  if (caps == NULL)
    return cfs_error_raise(L, "cap_set_proc", NULL, errno);
  for (i = 0; i < CAP_SETS; i++)
    for (cap = 0; cap < max; cap++)
      if (masks[i] & (1ULL << cap))
        cap_set_flag(caps, set_flags[i], 1, &cap, CAP_SET);

  err = cap_set_proc(caps) < 0 ? errno : 0;
  cap_free(caps);
  if (err != 0)
    return cfs_error_raise(L, "cap_set_proc", NULL, err);
  return 0;
}

/***
 * True when the capability is in the bounding set.
 * @function cap_get_bound
 * @tparam int|string cap
 * @treturn boolean
 * @see cap_get_bound(3)
 */
static int
l_cap_get_bound(lua_State *L)
{
  cap_value_t cap = check_cap(L, 1);
  int r;

  cfs_args_max(L, 1);
  r = cap_get_bound(cap);
  if (r < 0)
    return cfs_error_raise(L, "cap_get_bound", lua_tostring(L, 1), errno);
  lua_pushboolean(L, r);
  return 1;
}

/***
 * Remove a capability from the bounding set, for good; needs CAP_SETPCAP.
 * @function cap_drop_bound
 * @tparam int|string cap
 * @see cap_drop_bound(3)
 */
static int
l_cap_drop_bound(lua_State *L)
{
  cap_value_t cap = check_cap(L, 1);

  cfs_args_max(L, 1);
  if (cap_drop_bound(cap) < 0)
    return cfs_error_raise(L, "cap_drop_bound", lua_tostring(L, 1), errno);
  return 0;
}

/***
 * True when the capability is in the ambient set.
 * @function cap_get_ambient
 * @tparam int|string cap
 * @treturn boolean
 * @see cap_get_ambient(3)
 */
static int
l_cap_get_ambient(lua_State *L)
{
  cap_value_t cap = check_cap(L, 1);
  int r;

  cfs_args_max(L, 1);
  r = cap_get_ambient(cap);
  if (r < 0)
    return cfs_error_raise(L, "cap_get_ambient", lua_tostring(L, 1), errno);
  lua_pushboolean(L, r);
  return 1;
}

/***
 * Raise or lower one capability in the ambient set. Raising needs it in
 * both the permitted and the inheritable sets.
 * @function cap_set_ambient
 * @tparam int|string cap
 * @tparam boolean raise
 * @see cap_set_ambient(3)
 */
static int
l_cap_set_ambient(lua_State *L)
{
  cap_value_t cap = check_cap(L, 1);

  luaL_checktype(L, 2, LUA_TBOOLEAN);
  cfs_args_max(L, 2);
  if (cap_set_ambient(cap, lua_toboolean(L, 2) ? CAP_SET : CAP_CLEAR) < 0)
    return cfs_error_raise(L, "cap_set_ambient", lua_tostring(L, 1), errno);
  return 0;
}

/***
 * Empty the ambient set.
 * @function cap_reset_ambient
 * @see cap_reset_ambient(3)
 */
static int
l_cap_reset_ambient(lua_State *L)
{
  cfs_args_max(L, 0);
  if (cap_reset_ambient() < 0)
    return cfs_error_raise(L, "cap_reset_ambient", NULL, errno);
  return 0;
}

static const luaL_Reg funcs[] = {
    {"cap_drop_bound", l_cap_drop_bound},
    {"cap_from_name", l_cap_from_name},
    {"cap_get_ambient", l_cap_get_ambient},
    {"cap_get_bound", l_cap_get_bound},
    {"cap_get_proc", l_cap_get_proc},
    {"cap_max_bits", l_cap_max_bits},
    {"cap_reset_ambient", l_cap_reset_ambient},
    {"cap_set_ambient", l_cap_set_ambient},
    {"cap_set_proc", l_cap_set_proc},
    {"cap_to_name", l_cap_to_name},
    {NULL, NULL},
};

void
cfs_caps_register(lua_State *L)
{
  luaL_setfuncs(L, funcs, 0);
}
