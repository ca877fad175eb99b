import Dispatch
import SellifyLua
import Synchronization
import Testing

/// Loads `source` as `rules/test.lua` in a fresh state and returns its `run` function.
func load(
    _ source: String,
    limits: LuaLimits = LuaLimits(instructionBudget: 200_000, memoryLimitBytes: 8 << 20, patternStepBudget: 200_000)
) throws -> (LuaState, LuaState.Function) {
    let state = try LuaState(limits: limits)
    try state.loadFile(id: "test", source: source, chunkName: "rules/test.lua")
    let run = try #require(try state.function(file: "test", name: "run"))
    return (state, run)
}

/// A state must keep working after any failure.
func expectHealthy(_ state: LuaState) throws {
    try state.loadFile(id: "probe", source: "function probe(x) return x * 2 end", chunkName: "rules/probe.lua")
    let probe = try #require(try state.function(file: "probe", name: "probe"))
    #expect(try state.call(probe, 21) == .integer(42))
}

struct HostileScriptTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let body: String
        let kind: LuaError.Kind
        let message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "infinite loop", body: "while true do end", kind: .instructionBudget,
            message: "instruction budget exceeded (200000 instructions)"),
        Case(
            name: "pcall swallowing the budget error",
            body: "while true do pcall(function() while true do end end) end",
            kind: .instructionBudget, message: "instruction budget exceeded (200000 instructions)"),
        Case(
            name: "table that grows forever",
            body: "local t = {} while true do t[#t + 1] = string.rep('x', 16384) .. #t end",
            kind: .memoryLimit, message: "memory limit exceeded (8388608 bytes per Lua state)"),
        Case(
            name: "string.rep of 1 GiB", body: "return string.rep('x', 1 << 30)", kind: .memoryLimit,
            message: "memory limit exceeded (8388608 bytes per Lua state)"),
        Case(name: "os.execute", body: "return os.execute('true')", kind: .runtime, message: "unknown global 'os'"),
        Case(name: "io.open", body: "return io.open('/etc/passwd')", kind: .runtime, message: "unknown global 'io'"),
        Case(
            name: "require os", body: "local os = require 'os' return os", kind: .runtime,
            message: "module 'os' not found (require loads only files in rules/lib/)"),
        Case(name: "dofile", body: "return dofile('/etc/passwd')", kind: .runtime, message: "unknown global 'dofile'"),
        Case(name: "debug library", body: "return debug.getinfo(1)", kind: .runtime, message: "unknown global 'debug'"),
        Case(
            name: "string.dump", body: "return string.dump(run)", kind: .runtime,
            message: "attempt to call a nil value (field 'dump')"),
        Case(
            name: "load of bytecode", body: "local f, err = load('\\27Lua\\84\\0') if f == nil then error(err) end",
            kind: .runtime, message: "attempt to load a binary chunk (mode is 't')"),
        Case(
            name: "math.random", body: "return math.random()", kind: .runtime,
            message: "attempt to call a nil value (field 'random')"),
        Case(
            name: "writing a global", body: "counter = 1", kind: .runtime,
            message:
                "assignment to global 'counter' (globals are read-only after rules/test.lua has loaded; use a local)"),
        Case(
            name: "overwriting a defined global", body: "run = nil", kind: .runtime,
            message: "assignment to global 'run' (globals are read-only after rules/test.lua has loaded; use a local)"),
        Case(
            name: "reading an unknown global", body: "return undefined_helper(1)", kind: .runtime,
            message: "unknown global 'undefined_helper'"),
        Case(
            name: "patching a library", body: "string.find = nil", kind: .runtime,
            message: "cannot assign to 'string.find' (library tables are read-only)"),
        Case(
            name: "patching the string metatable", body: "getmetatable('').__index = {}", kind: .runtime,
            message: "attempt to index a boolean value"),
        Case(
            name: "pathological pattern", body: "return string.find(string.rep('a', 5000), 'a-a-a-a-a-b')",
            kind: .patternBudget,
            message: "pattern matching step budget exceeded (200000 steps); simplify the pattern or shorten the subject"
        ),
        Case(
            name: "pathological pattern through a method call",
            body: "return (string.rep('a', 5000)):match('a-a-a-a-a-b')",
            kind: .patternBudget,
            message: "pattern matching step budget exceeded (200000 steps); simplify the pattern or shorten the subject"
        ),
    ]

    @Test(arguments: cases)
    func isStoppedWithAClearErrorAndTheStateKeepsWorking(_ hostile: Case) throws {
        let (state, run) = try load("function run()\n  \(hostile.body)\nend\n")
        let error = #expect(throws: LuaError.self) { try state.call(run) }
        #expect(error?.kind == hostile.kind)
        #expect(error?.message.hasPrefix(hostile.message) == true, "got: \(error?.description ?? "nil")")
        if hostile.kind != .memoryLimit {
            #expect(error?.file == "rules/test.lua")
            #expect(error?.line == 2)
        }
        try expectHealthy(state)
    }

    @Test func infiniteRecursionIsStopped() throws {
        let (state, run) = try load("local function f(n) return 1 + f(n + 1) end\nfunction run() return f(1) end\n")
        let error = #expect(throws: LuaError.self) { try state.call(run) }
        // Lua's own stack limit or the memory cap, whichever comes first; never a crash.
        #expect(
            error?.kind == .runtime || error?.kind == .memoryLimit || error?.kind == .instructionBudget,
            "got: \(error?.description ?? "nil")")
        try expectHealthy(state)
    }

    @Test func infiniteLoopAtLoadTimeIsStopped() throws {
        let state = try LuaState(limits: LuaLimits(instructionBudget: 100_000))
        let error = #expect(throws: LuaError.self) {
            try state.loadFile(id: "t", source: "local x = 0\nwhile true do x = x + 1 end", chunkName: "rules/t.lua")
        }
        #expect(error?.kind == .instructionBudget)
        #expect(error?.description == "rules/t.lua:2: error: instruction budget exceeded (100000 instructions)")
        try expectHealthy(state)
    }

    @Test func budgetStopsARunawayLoopQuickly() throws {
        // 1M instructions is ~ms of work; the hook must stop the loop, not time.
        let (state, run) = try load(
            "function run() while true do end end", limits: LuaLimits(instructionBudget: 1_000_000))
        #expect(throws: LuaError.self) { try state.call(run) }
    }
}

struct LuaLoadingTests {
    @Test func anUnusedBrokenLibraryIsAnErrorAtLoad() throws {
        let state = try LuaState()
        let error = #expect(throws: LuaError.self) {
            try state.addLibrary(name: "broken", source: "local M = {\nreturn M\n", chunkName: "rules/lib/broken.lua")
        }
        #expect(error?.kind == .syntax)
        #expect(error?.file == "rules/lib/broken.lua")
        #expect(error?.line == 2)
    }

    @Test func syntaxErrorNamesFileAndLine() throws {
        let state = try LuaState()
        let error = #expect(throws: LuaError.self) {
            try state.loadFile(
                id: "d", source: "function decide(ctx)\n  return {\n    action = \n  }\nend\n",
                chunkName: "rules/decision.lua")
        }
        #expect(error?.kind == .syntax)
        #expect(error?.description == "rules/decision.lua:4: error: unexpected symbol near '}'")
    }

    @Test func runtimeErrorNamesFileAndLine() throws {
        let (state, run) = try load("function run(ctx)\n  local p = ctx.product\n  return p.name\nend\n")
        let error = #expect(throws: LuaError.self) { try state.call(run, .fields([:])) }
        #expect(error?.description == "rules/test.lua:3: error: attempt to index a nil value (local 'p')")
    }

    @Test func longFileNamesAreNotCutInErrors() throws {
        let state = try LuaState()
        let name = "/srv/sellify/deployments/production-eu-west/customer-42/rules/decision.lua"
        try state.loadFile(id: "d", source: "function decide(ctx)\n  return ctx.a.b\nend", chunkName: name)
        let decide = try #require(try state.function(file: "d", name: "decide"))
        let error = #expect(throws: LuaError.self) { try state.call(decide, .fields([:])) }
        #expect(error?.description == "\(name):2: error: attempt to index a nil value (field 'a')")
    }

    @Test func requireLoadsOnlyGivenLibraries() throws {
        let state = try LuaState()
        try state.addLibrary(
            name: "text", source: "local M = {}\nfunction M.shout(s) return s:upper() end\nreturn M\n",
            chunkName: "rules/lib/text.lua")
        try state.loadFile(
            id: "t", source: "local text = require 'text'\nfunction run(s) return text.shout(s) end",
            chunkName: "rules/t.lua")
        let run = try #require(try state.function(file: "t", name: "run"))
        #expect(try state.call(run, "hola") == "HOLA")
    }

    @Test func globalsOfOneFileAreInvisibleToAnother() throws {
        let state = try LuaState()
        try state.loadFile(id: "a", source: "secret = 42", chunkName: "rules/a.lua")
        try state.loadFile(id: "b", source: "function run() return secret end", chunkName: "rules/b.lua")
        let run = try #require(try state.function(file: "b", name: "run"))
        let error = #expect(throws: LuaError.self) { try state.call(run) }
        #expect(error?.message == "unknown global 'secret'")
    }

    @Test func aNonFunctionIsAContractError() throws {
        let state = try LuaState()
        try state.loadFile(id: "d", source: "decide = 3", chunkName: "rules/decision.lua")
        let error = #expect(throws: LuaError.self) { try state.function(file: "d", name: "decide") }
        #expect(error?.description == "rules/decision.lua: error: 'decide' must be a function, got a number")
        #expect(try state.function(file: "d", name: "missing") == nil)
    }
}

struct LuaBoundaryTests {
    @Test func valuesRoundTrip() throws {
        let (state, run) = try load("function run(x) return x end")
        let value: LuaValue = .fields([
            "a": 1, "b": 2.5, "c": "texto ñ", "d": true,
            "e": .array(["x", "y"]), "f": .fields(["g": .fields(["h": 1])]),
        ])
        #expect(try state.call(run, value) == value)
    }

    @Test func readerReadsFieldsAndKeys() throws {
        let (state, run) = try load(
            "function run() return { action = 'Escalate', rule = 'r', [1] = 'x', extra = {} } end")
        let (action, keys) = try state.call(run, []) { result in (try result.field("action"), result.keys()) }
        #expect(action == "Escalate")
        #expect(keys == ["[1]", "action", "extra", "rule"])
    }

    @Test func selfReferencingTableIsAnErrorNotAHang() throws {
        let (state, run) = try load("function run() local t = {} t.t = t return t end")
        let error = #expect(throws: LuaError.self) { try state.call(run) }
        #expect(error?.kind == .contract)
    }

    @Test func hostAPI() throws {
        let state = try LuaState()
        try state.setCatalog(.fields(["premium": .fields(["name": "Premium Plan", "price": 49.0])]))
        try state.loadFile(
            id: "t",
            source: """
                function run(text)
                  sellify.log.info("checking", text, 3)
                  sellify.metrics.inc("custom_hits", { rule = "x", lang = "es" })
                  local p = sellify.catalog.find("premium")
                  p.price = 0  -- a copy: the catalog itself cannot be changed
                  return { sellify.contains_any(text, { "garantizado", "gratis" }),
                           sellify.contains_any(text, { "nada" }),
                           sellify.catalog.find("premium").price,
                           sellify.catalog.find("nope") == nil }
                end
                """, chunkName: "rules/t.lua")
        let run = try #require(try state.function(file: "t", name: "run"))
        #expect(try state.call(run, "envio gratis hoy") == .array([true, false, 49.0, true]))
        let effects = state.drainSideEffects()
        #expect(effects.logs == [.init(level: "info", message: "checking envio gratis hoy 3")])
        #expect(effects.metrics.count == 1)
        #expect(effects.metrics.first?.name == "custom_hits")
        #expect(effects.metrics.first?.labels.map(\.0) == ["lang", "rule"])
        #expect(state.drainSideEffects().isEmpty)
    }
}

struct LuaStatePoolTests {
    static let rules = """
        function run(n)
          local acc = 0
          for i = 1, n do acc = (acc * 31 + i) % 1000003 end
          return { n = n, acc = acc, label = string.format("n=%d", n) }
        end
        """

    @Test func concurrentCallsMatchSerialCalls() throws {
        let pool = try LuaStatePool<LuaState>(size: 2) { _ in
            let state = try LuaState()
            try state.loadFile(id: "t", source: Self.rules, chunkName: "rules/t.lua")
            return state
        }
        let inputs = Array(1...400)
        let serial = try inputs.map { n in
            try pool.withState { state in
                try state.call(try #require(try state.function(file: "t", name: "run")), .integer(n))
            }
        }
        let results = Mutex<[Int: LuaValue]>([:])
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for n in inputs where n % 8 == worker {
                do {
                    let value = try pool.withState { state in
                        try state.call(try #require(try state.function(file: "t", name: "run")), .integer(n))
                    }
                    results.withLock { $0[n] = value }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        let concurrent = results.withLock { dict in inputs.map { dict[$0] ?? .nil } }
        #expect(concurrent == serial)
    }
}
