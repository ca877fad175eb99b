#ifndef SELLIFY_PATTERN_H
#define SELLIFY_PATTERN_H

#include <lua.h>

// Replaces string.find, string.match, string.gmatch and string.gsub in the table at the top of the stack
// (the `string` library table) with step-budgeted versions. The budget per call is read with
// sellify_pattern_budget(L) at each call.
void sellify_pattern_install(lua_State *L);

// The per-call step budget; the sandbox (written by the lead in another file) defines this function.
// It returns <= 0 for "unlimited".
long sellify_pattern_budget(lua_State *L);

#endif /* SELLIFY_PATTERN_H */
