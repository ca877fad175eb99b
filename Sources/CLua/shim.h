#ifndef SELLIFY_CLUA_SHIM_H
#define SELLIFY_CLUA_SHIM_H
// Lua 5.4's public API through pkg-config `lua5.4`. Many of Lua's "functions"
// are function-like macros that Swift cannot import; these static inline
// wrappers give them a callable shape. Keep them one-liners.
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

static inline int sellify_lua_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}
static inline const char *sellify_lua_tostring(lua_State *L, int idx) { return lua_tostring(L, idx); }
static inline void sellify_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void sellify_lua_newtable(lua_State *L) { lua_newtable(L); }
static inline lua_Number sellify_lua_tonumber(lua_State *L, int idx) { return lua_tonumber(L, idx); }
static inline lua_Integer sellify_lua_tointeger(lua_State *L, int idx) { return lua_tointeger(L, idx); }
static inline int sellify_lua_isnil(lua_State *L, int idx) { return lua_isnil(L, idx); }
static inline int sellify_lua_istable(lua_State *L, int idx) { return lua_istable(L, idx); }
static inline int sellify_lua_isfunction(lua_State *L, int idx) { return lua_isfunction(L, idx); }
static inline void sellify_lua_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
static inline int sellify_lua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int sellify_lua_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline void sellify_lua_insert(lua_State *L, int idx) { lua_insert(L, idx); }
static inline void sellify_lua_remove(lua_State *L, int idx) { lua_remove(L, idx); }
static inline void sellify_lua_replace(lua_State *L, int idx) { lua_replace(L, idx); }
static inline void sellify_lua_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
static inline const char *sellify_lua_pushstring(lua_State *L, const char *s) { return lua_pushstring(L, s); }
static inline int sellify_lua_gc_count_kb(lua_State *L) { return lua_gc(L, LUA_GCCOUNT, 0); }
static inline int sellify_lua_gc_collect(lua_State *L) { return lua_gc(L, LUA_GCCOLLECT, 0); }
static inline int sellify_lua_isinteger(lua_State *L, int idx) { return lua_isinteger(L, idx); }

#endif
