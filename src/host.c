/*
 * The host's error path and module search. The message handler and the
 * report are shared with cloned children, so an error prints the same one
 * "cfs: ..." line whichever process raised it. Modules are searched in
 * $CFS_PATH, then the per-user folder, then the copies compiled into the
 * binary, then Lua's usual package.path, so a user can shadow any module.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfs.h"

int cfs_debug = 0;

/* [-0, +1, m] "file:line: " of the innermost Lua function on the stack, or "". */
static void
push_where(lua_State *L)
{
  lua_Debug ar;
  int level;

  for (level = 1; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.currentline > 0) {
      lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
      return;
    }
  }
  lua_pushliteral(L, "");
}

/*
 * Message handler for every protected call. A cfs.Error table is returned
 * as it is, so its fields (status, hint) reach the report; in debug mode it
 * gains a traceback field. Argument errors raised from C carry no position,
 * so the recipe line that made the call is put in front.
 */
int
cfs_host_msghandler(lua_State *L)
{
  const char *msg = lua_tostring(L, 1);

  if (msg != NULL) {
    if (strncmp(msg, "bad argument", 12) == 0) {
      push_where(L);
      lua_pushvalue(L, 1);
      lua_concat(L, 2);
      msg = lua_tostring(L, -1);
    }
    if (cfs_debug)
      luaL_traceback(L, L, msg, 1);
    return 1;
  }
  if (lua_type(L, 1) == LUA_TTABLE) {
    if (cfs_debug) {
      luaL_traceback(L, L, NULL, 1);
      lua_setfield(L, 1, "traceback");
    }
    lua_settop(L, 1);
    return 1;
  }
  if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
    return 1;
  lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  return 1;
}

/*
 * [-0, +1, m] The text of an error value. A table without __tostring
 * gives its `msg` field. Outside debug mode, line breaks become spaces so
 * the report stays one line.
 */
static const char *
message(lua_State *L, int idx)
{
  if (lua_type(L, idx) == LUA_TTABLE && !luaL_getmetafield(L, idx, "__tostring")) {
    if (lua_getfield(L, idx, "msg") != LUA_TSTRING) {
      lua_pop(L, 1);
      lua_pushliteral(L, "error object is a table without a message");
    }
  } else {
    if (lua_type(L, idx) == LUA_TTABLE)
      lua_pop(L, 1); /* the __tostring field fetched above */
    luaL_tolstring(L, idx, NULL);
  }
  if (!cfs_debug && strchr(lua_tostring(L, -1), '\n') != NULL)
    luaL_gsub(L, lua_tostring(L, -1), "\n", " ");
  return lua_tostring(L, -1);
}

/*
 * [-0, +0, m] Print the error at `idx` as one "cfs: ..." line (plus the
 * traceback in debug mode) and return the exit status it requests: the
 * error's integer `status` field, else 125.
 */
int
cfs_host_report(lua_State *L, int idx)
{
  const char *msg, *traceback = NULL;
  int status = 125;

  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TTABLE) {
    /* A reported error never gives status 0, whatever the field says. */
    if (lua_getfield(L, idx, "status") == LUA_TNUMBER && lua_isinteger(L, -1) &&
        lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= 255)
      status = (int)lua_tointeger(L, -1);
    if (lua_getfield(L, idx, "traceback") == LUA_TSTRING)
      traceback = lua_tostring(L, -1);
  }
  msg = message(L, idx);
  fprintf(stderr, "cfs: %s\n", msg);
  if (traceback != NULL)
    fprintf(stderr, "%s\n", traceback);
  fflush(stderr);
  return status;
}

static int
compare_name(const void *key, const void *elem)
{
  return strcmp(key, ((const struct cfs_embedded *)elem)->name);
}

/* package.searchers entry for the modules compiled into the binary. */
static int
search_embedded(lua_State *L)
{
  const char *name = luaL_checkstring(L, 1);
  const struct cfs_embedded *m;

  m = bsearch(name, cfs_embedded, cfs_embedded_count, sizeof *m, compare_name);
  if (m == NULL) {
    lua_pushfstring(L, "no embedded module '%s'", name);
    return 1;
  }
  if (luaL_loadbufferx(L, (const char *)m->data, m->size, m->chunkname, "bt") != LUA_OK)
    return luaL_error(L, "error loading embedded module '%s': %s", name, lua_tostring(L, -1));
  lua_pushstring(L, m->chunkname + 1);
  return 2;
}

/* package.searchers entry for the user's folders; the search path is upvalue 1. */
static int
search_user(lua_State *L)
{
  const char *name = luaL_checkstring(L, 1);
  const char *file;

  lua_getglobal(L, "package");
  lua_getfield(L, -1, "searchpath");
  lua_pushvalue(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_call(L, 2, 2);
  file = lua_tostring(L, -2);
  if (file == NULL)
    return 1; /* the reason, from searchpath */
  if (luaL_loadfilex(L, file, "t") != LUA_OK)
    return luaL_error(L, "error loading module '%s' from '%s': %s", name, file,
                      lua_tostring(L, -1));
  lua_pushstring(L, file);
  return 2;
}

/* [-0, +0, m] Add the templates for one CFS_PATH entry: a "?" template or a folder. */
static void
add_entry(luaL_Buffer *b, const char *entry, size_t len)
{
  if (len == 0)
    return;
  if (luaL_bufflen(b) > 0)
    luaL_addchar(b, ';');
  if (memchr(entry, '?', len) != NULL) {
    luaL_addlstring(b, entry, len);
    return;
  }
  luaL_addlstring(b, entry, len);
  luaL_addstring(b, "/?.lua;");
  luaL_addlstring(b, entry, len);
  luaL_addstring(b, "/?/init.lua");
}

/* [-0, +1, m] The search path from $CFS_PATH and the per-user folder, if it exists. */
static void
push_user_path(lua_State *L)
{
  const char *env = getenv("CFS_PATH"), *data = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME"), *dir;
  luaL_Buffer b;

  luaL_buffinit(L, &b);
  while (env != NULL && *env != '\0') {
    const char *end = strchrnul(env, ';');

    add_entry(&b, env, (size_t)(end - env));
    env = *end != '\0' ? end + 1 : end;
  }

  if (data != NULL && *data == '/')
    lua_pushfstring(L, "%s/cfs/lua", data);
  else if (home != NULL && *home == '/')
    lua_pushfstring(L, "%s/.local/share/cfs/lua", home);
  else
    lua_pushliteral(L, "");
  dir = lua_tostring(L, -1);
  /* Checked once here, so a user without the folder pays no failed opens per module. */
  if (*dir != '\0' && access(dir, F_OK) == 0) {
    lua_pushfstring(L, "%s%s/?.lua;%s/?/init.lua", luaL_bufflen(&b) > 0 ? ";" : "", dir, dir);
    lua_remove(L, -2);
    luaL_addvalue(&b);
  } else {
    lua_pop(L, 1);
  }
  luaL_pushresult(&b);
}

/*
 * [-0, +0, m] Put the user searcher and then the embedded one right after
 * package.preload; package.cfs_path shows the user search path.
 */
void
cfs_host_searchers(lua_State *L)
{
  int package, searchers, insert;

  lua_getglobal(L, "package");
  package = lua_gettop(L);
  lua_getfield(L, package, "searchers");
  searchers = lua_gettop(L);
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "insert");
  insert = lua_gettop(L);

  lua_pushvalue(L, insert);
  lua_pushvalue(L, searchers);
  lua_pushinteger(L, 2);
  lua_pushcfunction(L, search_embedded);
  lua_call(L, 3, 0);

  push_user_path(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, package, "cfs_path");
  lua_pushcclosure(L, search_user, 1);
  lua_pushvalue(L, insert);
  lua_pushvalue(L, searchers);
  lua_pushinteger(L, 2);
  lua_pushvalue(L, -4);
  lua_call(L, 3, 0);
  lua_settop(L, package - 1);
}
