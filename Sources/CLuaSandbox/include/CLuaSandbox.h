#ifndef SELLIFY_CLUASANDBOX_H
#define SELLIFY_CLUASANDBOX_H
// The C half of the Lua sandbox. Everything that can raise a Lua error (a
// longjmp) — the instruction-budget hook, the host functions, the budgeted
// pattern matcher — is C, so a Lua error never unwinds through a Swift frame.
#include <stddef.h>
#include <lua.h>
#include "pattern.h"

/// Why the last protected call failed, beyond Lua's own status code.
typedef enum {
    SELLIFY_FAILURE_NONE = 0,
    SELLIFY_FAILURE_INSTRUCTIONS = 1,  // the instruction budget ran out
    SELLIFY_FAILURE_MEMORY = 2,        // the state's memory cap refused an allocation
    SELLIFY_FAILURE_DEADLINE = 3,      // the call ran past its wall-clock deadline
} sellify_failure;

/// Creates a state whose allocator refuses to grow past `memory_limit` bytes
/// while a protected call runs (0 = no cap), with the allowed standard
/// libraries opened (base, string, table, math, utf8) and the pattern
/// functions replaced by step-budgeted ones. NULL when out of memory.
lua_State *sellify_sandbox_new(size_t memory_limit);
void sellify_sandbox_close(lua_State *L);

/// Instructions one protected call may run (0 = unlimited) and how often the
/// count hook fires (the budget is checked every `granularity` instructions).
void sellify_sandbox_set_instruction_budget(lua_State *L, long long budget, int granularity);
/// Wall time one protected call may take (0 = none), checked with the budget:
/// a backstop for what instructions do not measure.
void sellify_sandbox_set_deadline(lua_State *L, long long nanoseconds);
/// Steps one pattern-matching call (find/match/gmatch/gsub) may take (0 = unlimited).
void sellify_sandbox_set_pattern_budget(lua_State *L, long budget);

/// lua_pcall with the budget armed and the memory cap enforced.
/// On failure, `sellify_sandbox_last_failure` says whether a budget caused it;
/// an error raised inside a helper also names the line of the outermost rule
/// frame: `rules/lib/x.lua:3: … (called from rules/decision.lua:40)`.
int sellify_sandbox_pcall(lua_State *L, int nargs, int nresults);
/// Loads a text chunk (never bytecode) under the memory cap.
int sellify_sandbox_load(lua_State *L, const char *source, size_t length, const char *chunkname);
sellify_failure sellify_sandbox_last_failure(lua_State *L);

/// Line coverage (for `sellify test --coverage`): records which lines of the
/// chunk whose source is `source` (e.g. "@rules/decision.lua") run during
/// protected calls. NULL turns it off. Returns 0 when out of memory.
int sellify_sandbox_set_coverage(lua_State *L, const char *source, int max_line);
int sellify_sandbox_line_covered(lua_State *L, int line);
/// The lines of the function in registry slot `reference` that hold code
/// (Lua's "active lines"); at most `capacity` written to `lines`.
int sellify_sandbox_function_lines(lua_State *L, int reference, int *lines, int capacity);

size_t sellify_sandbox_memory_used(lua_State *L);
size_t sellify_sandbox_memory_limit(lua_State *L);

/// `sellify.contains_any(text, list)`: plain substring search, true when any
/// string of `list` occurs in `text`.
int sellify_contains_any(lua_State *L);

#endif
