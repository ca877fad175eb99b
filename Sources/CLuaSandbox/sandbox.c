#define _GNU_SOURCE  // memmem
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "CLuaSandbox.h"

typedef struct {
    size_t used;
    size_t limit;           // 0 = no cap
    int enforce;            // the cap applies only inside protected calls: Lua
                            // panics (abort) if an allocation fails outside one
    long long budget;       // instructions per call, 0 = unlimited
    long long remaining;
    int granularity;
    int tick;               // instructions between two hook calls in this call
    int exhausted;
    long pattern_budget;
    long long deadline_ns;  // wall time one call may take, 0 = none (a backstop)
    long long deadline_at;  // CLOCK_MONOTONIC nanoseconds when the call must stop
    sellify_failure failure;
    char *cover_source;     // the chunk whose lines are recorded (NULL: coverage off)
    unsigned char *cover_lines;
    int cover_max;
} sandbox;

static sandbox *sandbox_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (sandbox *)ud;
}

static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    sandbox *sb = (sandbox *)ud;
    size_t old = ptr ? osize : 0;  // for a new block, osize encodes the type
    if (nsize == 0) {
        free(ptr);
        sb->used -= old;
        return NULL;
    }
    if (sb->enforce && sb->limit > 0 && nsize > old && sb->used + (nsize - old) > sb->limit) {
        sb->failure = SELLIFY_FAILURE_MEMORY;
        return NULL;
    }
    void *block = realloc(ptr, nsize);
    if (block == NULL) return NULL;
    sb->used = sb->used - old + nsize;
    return block;
}

lua_State *sellify_sandbox_new(size_t memory_limit) {
    sandbox *sb = calloc(1, sizeof(sandbox));
    if (sb == NULL) return NULL;
    sb->limit = memory_limit;
    sb->granularity = 1000;
    lua_State *L = lua_newstate(sandbox_alloc, sb);
    if (L == NULL) { free(sb); return NULL; }
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},
        {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},
        {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
        {NULL, NULL},
    };
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    lua_getglobal(L, LUA_STRLIBNAME);
    sellify_pattern_install(L);
    lua_pop(L, 1);
    return L;
}

void sellify_sandbox_close(lua_State *L) {
    if (L == NULL) return;
    sandbox *sb = sandbox_of(L);
    lua_close(L);
    free(sb->cover_source);
    free(sb->cover_lines);
    free(sb);
}

int sellify_sandbox_set_coverage(lua_State *L, const char *source, int max_line) {
    sandbox *sb = sandbox_of(L);
    free(sb->cover_source);
    free(sb->cover_lines);
    sb->cover_source = NULL;
    sb->cover_lines = NULL;
    sb->cover_max = 0;
    if (source == NULL || max_line <= 0) return 1;
    sb->cover_source = strdup(source);
    sb->cover_lines = calloc((size_t)max_line + 1, 1);
    if (sb->cover_source == NULL || sb->cover_lines == NULL) {
        free(sb->cover_source);
        free(sb->cover_lines);
        sb->cover_source = NULL;
        sb->cover_lines = NULL;
        return 0;
    }
    sb->cover_max = max_line;
    return 1;
}

int sellify_sandbox_line_covered(lua_State *L, int line) {
    sandbox *sb = sandbox_of(L);
    if (sb->cover_lines == NULL || line <= 0 || line > sb->cover_max) return 0;
    return sb->cover_lines[line];
}

int sellify_sandbox_function_lines(lua_State *L, int reference, int *lines, int capacity) {
    lua_Debug ar;
    int count = 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, reference);
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    if (!lua_getinfo(L, ">L", &ar)) return 0;   // pops the function, pushes the active-lines table
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            if (lua_isinteger(L, -2) && count < capacity) lines[count++] = (int)lua_tointeger(L, -2);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return count;
}

static int hook_mask(sandbox *sb, int count) {
    return (count ? LUA_MASKCOUNT : 0) | (sb->cover_lines ? LUA_MASKLINE : 0);
}

void sellify_sandbox_set_instruction_budget(lua_State *L, long long budget, int granularity) {
    sandbox *sb = sandbox_of(L);
    sb->budget = budget > 0 ? budget : 0;
    sb->granularity = granularity > 0 ? granularity : 1000;
}

void sellify_sandbox_set_pattern_budget(lua_State *L, long budget) {
    sandbox_of(L)->pattern_budget = budget > 0 ? budget : 0;
}

long sellify_pattern_budget(lua_State *L) {
    return sandbox_of(L)->pattern_budget;
}

void sellify_sandbox_set_deadline(lua_State *L, long long nanoseconds) {
    sandbox_of(L)->deadline_ns = nanoseconds > 0 ? nanoseconds : 0;
}

static long long monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void budget_hook(lua_State *L, lua_Debug *ar) {
    sandbox *sb = sandbox_of(L);
    if (ar->event == LUA_HOOKLINE) {
        if (sb->cover_lines != NULL && ar->currentline > 0 && ar->currentline <= sb->cover_max
            && lua_getinfo(L, "S", ar) && strcmp(ar->source, sb->cover_source) == 0) {
            sb->cover_lines[ar->currentline] = 1;
        }
        return;
    }
    if (sb->budget <= 0 && sb->deadline_ns <= 0) return;
    if (!sb->exhausted) {
        sb->remaining -= sb->tick;
        if (sb->budget > 0 && sb->remaining <= 0) {
            sb->failure = SELLIFY_FAILURE_INSTRUCTIONS;
        } else if (sb->deadline_ns > 0 && monotonic_ns() >= sb->deadline_at) {
            // The backstop: whatever slowed this call (host load, C-level work
            // between instructions), it does not outlive its deadline.
            sb->failure = SELLIFY_FAILURE_DEADLINE;
        } else {
            return;
        }
        sb->exhausted = 1;
        // Fire on every instruction from now on: a script-level pcall that
        // swallows the error cannot keep running.
        lua_sethook(L, budget_hook, hook_mask(sb, 1), 1);
    }
    lua_getinfo(L, "Sl", ar);
    if (sb->failure == SELLIFY_FAILURE_DEADLINE) {
        long long ms = sb->deadline_ns / 1000000;
        if (ar->currentline > 0) {
            lua_pushfstring(L, "%s:%d: call deadline exceeded (%I ms)", ar->short_src, ar->currentline, (LUAI_UACINT)ms);
        } else {
            lua_pushfstring(L, "call deadline exceeded (%I ms)", (LUAI_UACINT)ms);
        }
    } else if (ar->currentline > 0) {
        lua_pushfstring(L, "%s:%d: instruction budget exceeded (%I instructions)",
                        ar->short_src, ar->currentline, (LUAI_UACINT)sb->budget);
    } else {
        lua_pushfstring(L, "instruction budget exceeded (%I instructions)", (LUAI_UACINT)sb->budget);
    }
    lua_error(L);
}

// The message handler of every protected call. Lua's message names the line
// that raised the error; when that is inside a helper (a function of
// rules/lib, a local function), the rule that failed is written elsewhere.
// This adds the line of the outermost rule frame on the stack (`decide`,
// `check`, a file's top-level code) — where the rule itself is:
//   rules/decision.lua:96: attempt to compare number with nil (called from rules/decision.lua:297)
// A tail call (`return helper(…)`) replaces its caller's frame, so then no
// caller line exists anywhere; the message says so instead.
// Lua runs it where the error happened, before unwinding. It is C, so the
// count hook cannot fire in it, and it raises nothing of its own.
// Rule files are loaded as "@<path>"; the prelude is "=sellify-prelude".
static int is_rule_frame(lua_State *L, lua_Debug *ar) {
    return lua_getinfo(L, "Slt", ar) && ar->source[0] == '@' && ar->currentline > 0;
}

static int names_frame(const char *message, const lua_Debug *ar) {
    size_t length = strlen(ar->short_src);
    return strncmp(message, ar->short_src, length) == 0 && message[length] == ':';
}

static int sandbox_message_handler(lua_State *L) {
    if (lua_type(L, 1) != LUA_TSTRING) return 1;   // error({…}) passes through as it is
    const char *message = lua_tostring(L, 1);
    lua_Debug ar;
    // lua_getstack(L, n) walks n frames, and a stack overflow leaves ~10^5 of
    // them: find the depth by doubling and halving, then look only near
    // both ends — the outermost rule frame is at the bottom, the frame the
    // message names at the top.
    int high = 1;
    while (high < (1 << 30) && lua_getstack(L, high, &ar)) high *= 2;
    int low = high / 2;
    while (high - low > 1) {
        int mid = low + (high - low) / 2;
        if (lua_getstack(L, mid, &ar)) low = mid; else high = mid;
    }
    char source[LUA_IDSIZE];
    int line = 0, tail = 0, located = 0;
    for (int level = low; level >= 1 && level > low - 64; level--) {
        if (lua_getstack(L, level, &ar) && is_rule_frame(L, &ar)) {
            memcpy(source, ar.short_src, LUA_IDSIZE);
            line = ar.currentline;
            tail = ar.istailcall;
            located = names_frame(message, &ar);
            break;
        }
    }
    for (int level = 1; level <= low && level <= 64 && !located; level++) {
        if (lua_getstack(L, level, &ar) && is_rule_frame(L, &ar)) located = names_frame(message, &ar);
    }
    // Nothing to add: no rule frame, a message without a rule's position
    // (`error("…", 0)`), or the outermost frame raised it itself.
    if (line == 0 || !located) return 1;
    char prefix[LUA_IDSIZE + 24];
    int n = snprintf(prefix, sizeof prefix, "%s:%d:", source, line);
    int own = n > 0 && (size_t)n < sizeof prefix && strncmp(message, prefix, (size_t)n) == 0;
    if (own && !tail) return 1;
    // A few bytes past the memory cap, briefly: refusing them would replace
    // the rule's error with "error in error handling".
    sandbox *sb = sandbox_of(L);
    int enforce = sb->enforce;
    sb->enforce = 0;
    static const char tail_note[] = "called by a tail call, `return f(…)`, whose line Lua does not keep";
    if (!tail) {
        lua_pushfstring(L, "%s (called from %s:%d)", message, source, line);
    } else if (own) {
        lua_pushfstring(L, "%s (%s)", message, tail_note);
    } else {
        lua_pushfstring(L, "%s (called from %s:%d, itself %s)", message, source, line, tail_note);
    }
    sb->enforce = enforce;
    return 1;
}

int sellify_sandbox_pcall(lua_State *L, int nargs, int nresults) {
    sandbox *sb = sandbox_of(L);
    // The handler goes below the function and its arguments (a light C
    // function: pushing it allocates nothing).
    int handler = 0;
    if (lua_checkstack(L, 1)) {
        handler = lua_gettop(L) - nargs;
        lua_pushcfunction(L, sandbox_message_handler);
        lua_insert(L, handler);
    }
    sb->failure = SELLIFY_FAILURE_NONE;
    sb->exhausted = 0;
    int armed = sb->budget > 0 || sb->deadline_ns > 0;
    if (armed) {
        sb->remaining = sb->budget;
        sb->tick = sb->budget > 0 && sb->budget < sb->granularity ? (int)sb->budget : sb->granularity;
        if (sb->deadline_ns > 0) sb->deadline_at = monotonic_ns() + sb->deadline_ns;
        lua_sethook(L, budget_hook, hook_mask(sb, 1), sb->tick);
    } else if (sb->cover_lines != NULL) {
        lua_sethook(L, budget_hook, hook_mask(sb, 0), 0);
    }
    sb->enforce = 1;
    int status = lua_pcall(L, nargs, nresults, handler);
    sb->enforce = 0;
    if (handler) lua_remove(L, handler);   // results (or the error) sit above it
    if (armed || sb->cover_lines != NULL) lua_sethook(L, NULL, 0, 0);
    if (status == LUA_OK) sb->failure = SELLIFY_FAILURE_NONE;
    else if (status == LUA_ERRMEM) sb->failure = SELLIFY_FAILURE_MEMORY;
    return status;
}

int sellify_sandbox_load(lua_State *L, const char *source, size_t length, const char *chunkname) {
    sandbox *sb = sandbox_of(L);
    sb->failure = SELLIFY_FAILURE_NONE;
    sb->enforce = 1;
    int status = luaL_loadbufferx(L, source, length, chunkname, "t");
    sb->enforce = 0;
    if (status == LUA_ERRMEM) sb->failure = SELLIFY_FAILURE_MEMORY;
    return status;
}

sellify_failure sellify_sandbox_last_failure(lua_State *L) { return sandbox_of(L)->failure; }
size_t sellify_sandbox_memory_used(lua_State *L) { return sandbox_of(L)->used; }
size_t sellify_sandbox_memory_limit(lua_State *L) { return sandbox_of(L)->limit; }

int sellify_contains_any(lua_State *L) {
    size_t text_length = 0;
    const char *text = luaL_checklstring(L, 1, &text_length);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 2);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        size_t needle_length = 0;
        const char *needle = lua_tolstring(L, -1, &needle_length);
        if (needle == NULL) {
            return luaL_error(L, "bad argument #2 to 'contains_any' (item %I is not a string)", (LUAI_UACINT)i);
        }
        int found = needle_length == 0 || memmem(text, text_length, needle, needle_length) != NULL;
        lua_pop(L, 1);
        if (found) { lua_pushboolean(L, 1); return 1; }
    }
    lua_pushboolean(L, 0);
    return 1;
}
