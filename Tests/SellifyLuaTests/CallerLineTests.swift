import SellifyLua
import Testing

/// An error inside a helper also names the line of the rule that called it.
struct CallerLineTests {
    static let library = """
        local M = {}
        function M.rank(order, name)
          return order[name] > 0
        end
        function M.deep(order, name) return M.rank(order, name) end
        function M.check(n)
          if type(n) ~= "number" then error("expected a number, got " .. type(n), 2) end
          return n
        end
        return M
        """

    static let decision = """
        local lib = require "lib"
        local ORDER = { a = 1 }
        local function advance(target)
          return ORDER[target] > 0
        end
        function decide(ctx)
          if ctx.case == "local" then local r = advance("b") return r end
          if ctx.case == "library" then local r = lib.rank(ORDER, "b") return r end
          if ctx.case == "nested" then local r = lib.deep(ORDER, "b") return r end
          if ctx.case == "level2" then local r = lib.check("x") return r end
          if ctx.case == "own" then return ctx.missing.field end
          if ctx.case == "level0" then error("no position", 0) end
          if ctx.case == "table" then error({ code = 1 }) end
          if ctx.case == "c" then local r = advance_with_rep() return r end
          if ctx.case == "tail" then return advance("b") end
          return true
        end
        function advance_with_rep() local s = string.format("%d", "x") return s end
        """

    static let tail = "(called by a tail call, `return f(…)`, whose line Lua does not keep)"

    @Test(arguments: [
        // A local helper: the error's line, then the rule's.
        ("local", "rules/decision.lua:4: error: attempt to compare number with nil (called from rules/decision.lua:7)"),
        // A library function.
        (
            "library",
            "rules/lib/lib.lua:3: error: attempt to compare number with nil (called from rules/decision.lua:8)"
        ),
        // Helpers calling helpers: the outermost rule line.
        ("nested", "rules/lib/lib.lua:3: error: attempt to compare number with nil (called from rules/decision.lua:9)"),
        // error(…, 2) already points at the caller: it is the rule's own line.
        ("level2", "rules/decision.lua:10: error: expected a number, got string"),
        // Raised by decide itself: nothing to add.
        ("own", "rules/decision.lua:11: error: attempt to index a nil value (field 'missing')"),
        // No position given: none added.
        ("level0", "error: no position"),
        // A library C function failing inside a global helper.
        (
            "c",
            "rules/decision.lua:18: error: bad argument #2 to 'format' (number expected, got string) (called from rules/decision.lua:14)"
        ),
        // `return f(…)` replaces decide's frame: Lua keeps no caller line, and the message says so.
        ("tail", "rules/decision.lua:4: error: attempt to compare number with nil \(CallerLineTests.tail)"),
    ])
    func errorsInHelpersNameTheCallingRuleLine(_ which: String, _ expected: String) throws {
        let state = try LuaState()
        try state.addLibrary(name: "lib", source: Self.library, chunkName: "rules/lib/lib.lua")
        try state.loadFile(id: "decision", source: Self.decision, chunkName: "rules/decision.lua")
        let decide = try #require(try state.function(file: "decision", name: "decide"))
        let error = #expect(throws: LuaError.self) { try state.call(decide, .fields(["case": .string(which)])) }
        #expect(error?.description == expected)
        // The state keeps working, and a later error is not decorated with an earlier caller.
        #expect(try state.call(decide, .fields(["case": "none"])) == .bool(true))
    }

    @Test func aNonStringErrorPassesThrough() throws {
        let state = try LuaState()
        try state.addLibrary(name: "lib", source: Self.library, chunkName: "rules/lib/lib.lua")
        try state.loadFile(id: "decision", source: Self.decision, chunkName: "rules/decision.lua")
        let decide = try #require(try state.function(file: "decision", name: "decide"))
        let error = #expect(throws: LuaError.self) { try state.call(decide, .fields(["case": "table"])) }
        #expect(error?.message == "(error object is a table value)")
    }

    /// The budget error raised inside a helper names the rule line too.
    @Test func aBudgetOverrunInAHelperNamesTheCaller() throws {
        let state = try LuaState(limits: LuaLimits(instructionBudget: 100_000))
        try state.loadFile(
            id: "d",
            source:
                "local function spin()\n  while true do end\nend\nfunction decide(ctx)\n  local r = spin()\n  return r\nend\n",
            chunkName: "rules/decision.lua")
        let decide = try #require(try state.function(file: "d", name: "decide"))
        let error = #expect(throws: LuaError.self) { try state.call(decide, .fields([:])) }
        #expect(error?.kind == .instructionBudget)
        #expect(
            error?.description
                == "rules/decision.lua:2: error: instruction budget exceeded (100000 instructions) (called from rules/decision.lua:5)"
        )
    }

    /// A stack overflow leaves ~10^5 frames: finding the rule's line among them stays cheap
    /// (walking them one by one from the top took minutes).
    @Test func aStackOverflowInAHelperNamesTheCallerQuickly() throws {
        let state = try LuaState(limits: LuaLimits(instructionBudget: 0, memoryLimitBytes: 0, deadlineMilliseconds: 0))
        try state.loadFile(
            id: "d",
            source:
                "local function f(n)\n  return f(n) + 1\nend\nfunction decide(ctx)\n  local r = f(1)\n  return r\nend\n",
            chunkName: "rules/decision.lua")
        let decide = try #require(try state.function(file: "d", name: "decide"))
        let started = ContinuousClock.now
        let error = #expect(throws: LuaError.self) { try state.call(decide, .fields([:])) }
        #expect(ContinuousClock.now - started < .seconds(30))  // "stuck", not a timing
        #expect(error?.description == "rules/decision.lua:2: error: stack overflow (called from rules/decision.lua:5)")
    }

    /// Long chunk names are loaded under an alias; the caller is named in full as well.
    @Test func theCallerOfALongChunkNameIsNamedInFull() throws {
        let state = try LuaState()
        let name = "/srv/sellify/deployments/production-eu-west/customer-42/rules/decision.lua"
        try state.loadFile(
            id: "d", source: "local function f(x) return x.y end\nfunction decide(ctx)\n  return (f(nil))\nend",
            chunkName: name)
        let decide = try #require(try state.function(file: "d", name: "decide"))
        let error = #expect(throws: LuaError.self) { try state.call(decide, .fields([:])) }
        #expect(
            error?.description == "\(name):1: error: attempt to index a nil value (local 'x') (called from \(name):3)")
    }
}
