import Foundation
import SellifyLua
import SellifyTestSupport
import Testing

/// What a hostile rule could do to the host before the sandbox closed each hole:
/// read results through metamethods outside the budget, loop inside C library
/// functions or finalizers where the count hook never fires, or reach the real
/// library tables the host matches with.
private let testLimits = LuaLimits(
    instructionBudget: 200_000, memoryLimitBytes: 8 << 20, patternStepBudget: 200_000, deadlineMilliseconds: 2000)

struct CLevelWorkTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let body: String
        let kind: LuaError.Kind
        var testDescription: String { name }
    }

    /// Each of these ran in C for 12–30 s (or forever) under a 1M-instruction budget.
    static let cases: [Case] = [
        Case(
            name: "table.move over the whole integer range", body: "table.move({}, 1, math.maxinteger - 10, 2)",
            kind: .instructionBudget),
        Case(
            name: "table.move backwards", body: "local t = {1} table.move(t, 1, math.maxinteger - 10, 1, {})",
            kind: .instructionBudget),
        Case(
            name: "table.insert into a table whose __len is huge",
            body: "table.insert(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1, 'x')",
            kind: .instructionBudget),
        Case(
            name: "table.remove from a table whose __len is huge",
            body: "table.remove(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1)",
            kind: .instructionBudget),
        Case(
            name: "table.insert as a method of the view",
            body: "local ins = table.insert for i = 1, 1e9 do ins({}, 1) end",
            kind: .instructionBudget),
        Case(
            name: "a finalizer that loops", body: "setmetatable({}, {__gc = function() while true do end end})",
            kind: .runtime),
        Case(
            name: "a finalizer placeholder filled in later", body: "local mt = {__gc = true} setmetatable({}, mt)",
            kind: .runtime),
    ]

    @Test(arguments: cases)
    func isBoundedByTheBudget(_ hostile: Case) throws {
        let (state, run) = try load("function run()\n  \(hostile.body)\nend\n", limits: testLimits)
        let error = #expect(throws: LuaError.self) { try state.call(run) }
        #expect(error?.kind == hostile.kind, "got: \(error?.description ?? "nil")")
        if hostile.kind == .runtime {
            #expect(error?.message.contains("'__gc' are not allowed") == true, "got: \(error?.description ?? "nil")")
        }
        state.collectGarbage()
        try expectHealthy(state)
    }

    @Test func aFinalizerAddedAfterSetmetatableNeverRuns() throws {
        // Lua marks a table for finalization only if `__gc` is present at setmetatable time.
        let (state, run) = try load(
            """
            function run()
              local mt = {}
              setmetatable({}, mt)
              mt.__gc = function() while true do end end
              return 1
            end
            """)
        #expect(try state.call(run) == .integer(1))
        state.collectGarbage()  // would hang if the finalizer ran
        try expectHealthy(state)
    }

    @Test(arguments: [
        ("string.rep('', math.maxinteger)", ""), ("(''):rep(math.maxinteger)", ""),
        ("string.rep('', math.maxinteger, '')", ""),
        ("string.rep('ab', 3, ',')", "ab,ab,ab"), ("string.rep('x', 0)", ""), ("string.rep(7, 2)", "77"),
    ])
    func stringRepIsBoundedAndStillCorrect(_ expression: String, _ expected: String) throws {
        let (state, run) = try load("function run() return \(expression) end")
        #expect(try state.call(run) == .string(expected))
    }

    @Test func theLuaTableFunctionsBehaveLikeTheCOnes() throws {
        let (state, run) = try load(
            """
            function run()
              local t = {1, 2, 3}
              table.insert(t, 4)
              table.insert(t, 1, 0)
              local removed = table.remove(t, 2)
              local last = table.remove(t)
              local moved = table.move({1, 2, 3, 4, 5}, 2, 4, 1)
              local overlap = table.move({1, 2, 3, 4, 5}, 1, 3, 2)
              local empty = {}
              local none = table.remove(empty)
              local ok = pcall(table.insert, {1}, 5, 'x')
              return table.concat(t, ","), removed, last, table.concat(moved, ","), table.concat(overlap, ","), none, ok
            end
            """)
        let values = try state.call(run, []) { reader in try reader.value() }
        #expect(values == .string("0,2,3"))
        let (state2, run2) = try load(
            """
            function run()
              local moved = table.move({1, 2, 3, 4, 5}, 2, 4, 1)
              local overlap = table.move({1, 2, 3, 4, 5}, 1, 3, 2)
              local ok = pcall(table.insert, {1}, 5, 'x')
              local t = {1, 2, 3}
              return {table.concat(moved, ","), table.concat(overlap, ","), tostring(ok), tostring(table.remove(t, 1)), table.concat(t, ",")}
            end
            """)
        #expect(
            try state2.call(run2)
                == .array([.string("2,3,4,4,5"), .string("1,1,2,3,5"), .string("false"), .string("1"), .string("2,3")]))
    }
}

struct DeadlineTests {
    @Test func aCallThatOutlivesItsDeadlineIsStopped() throws {
        // A budget of 2e9 instructions would take seconds on any machine; the 50 ms
        // deadline stops it first (were the deadline broken, the budget would end it
        // with another kind of error, so this cannot pass by accident or hang).
        let limits = LuaLimits(instructionBudget: 2_000_000_000, memoryLimitBytes: 8 << 20, deadlineMilliseconds: 50)
        let (state, run) = try load(
            "function run()\n  while true do pcall(function() while true do end end) end\nend\n", limits: limits)
        let error = #expect(throws: LuaError.self) { try state.call(run) }
        #expect(error?.kind == .deadline, "got: \(error?.description ?? "nil")")
        #expect(error?.message == "call deadline exceeded (50 ms)")
        #expect(error?.file == "rules/test.lua")
        try expectHealthy(state)
    }
}

struct HostileResultTests {
    /// decide() results whose metamethods raise, loop or allocate: read raw, they are
    /// just empty tables to the host (the process aborted, hung or grew to 562 MB).
    @Test(arguments: [
        "setmetatable({}, {__index = function() error('boom') end})",
        "setmetatable({}, {__index = function() while true do end end})",
        "setmetatable({}, {__index = function() local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(1000) end end})",
        "setmetatable({}, {__pairs = function() error('boom') end, __len = function() while true do end end})",
        "setmetatable({action = 'Ignore'}, {__index = function() error('boom') end, __newindex = error})",
    ])
    func resultMetamethodsNeverRun(_ expression: String) throws {
        let (state, run) = try load("function run() return \(expression) end")
        let (action, reason, has, keys) = try state.call(run, []) { reader in
            (try reader.field("action"), try reader.field(staticKey: "reason"), reader.has("text"), reader.keys())
        }
        #expect(reason == .nil)
        #expect(has == false)
        #expect(action == .nil || action == .string("Ignore"))
        #expect(keys.count <= 1)
        #expect(state.memoryUsed < 4 << 20)
        try expectHealthy(state)
    }
}

struct ResultStackTests {
    /// After a stack overflow Lua shrinks the stack again; reading a deeply nested
    /// result then needs room it no longer has (this corrupted the heap).
    @Test func deepResultsAfterAStackOverflowAreReadSafely() throws {
        let (state, run) = try load(
            """
            local function f(n) return f(n + 1) + 1 end
            function run()
              pcall(f, 1)
              local t = {} t.self = t
              return t
            end
            """, limits: LuaLimits(instructionBudget: 10_000_000, memoryLimitBytes: 256 << 20, deadlineMilliseconds: 0))
        for _ in 0..<5 {
            let error = #expect(throws: LuaError.self) { try state.call(run) }
            #expect(error?.message == "table nested deeper than \(LuaReader.maxDepth) levels")
        }
        try expectHealthy(state)
    }
}

struct LibraryIsolationTests {
    /// Ways to reach the real library tables; each must fail or reach only a view.
    @Test(arguments: [
        "local _, S = pairs(string) S.find = function() end",
        "for k, v in pairs(string) do end local it, S = pairs(string) rawset(S, 'find', nil)",
        "local mt = getmetatable(_ENV) mt.__index.string.find = nil",
        "getmetatable(string).__index.find = nil",
        "local _, T = pairs(table) T.concat = nil",
        "string.find = function() end",
        "local s = getmetatable('') s.__index.find = nil",
    ])
    func rulesCannotChangeWhatTheHostMatchesWith(_ attack: String) throws {
        let state = try LuaState(limits: testLimits)
        // The attack at the top of a rule file: loading it may fail, and that is fine.
        _ = try? state.loadFile(
            id: "evil", source: attack + "\nfunction run() return 1 end\n", chunkName: "rules/evil.lua")
        if let run = try? state.function(file: "evil", name: "run") { _ = try? state.call(run) }
        let find = try state.hostFunction("find_all")
        let found = try state.call(find, .string("resultados garantizados"), .array([.string("garantiz%a+")]))
        #expect(found == .array([.array([.integer(12), .integer(23)])]))
        // And the method form still uses the real, budgeted find.
        let (probeState, probe) = try load("function run() return ('abc'):find('b') end")
        #expect(try probeState.call(probe) == .integer(2))
    }

    @Test func pairsOverALibraryViewStillListsItsFunctions() throws {
        let (state, run) = try load(
            """
            function run()
              local names = {}
              for name in pairs(math) do names[#names + 1] = name end
              table.sort(names)
              return #names > 10 and names[1]
            end
            """)
        #expect(try state.call(run) == .string("abs"))
    }

    @Test func theEnvironmentsMetatableIsHidden() throws {
        let (state, run) = try load("local mt = getmetatable(_ENV)\nfunction run() return mt end")
        #expect(try state.call(run) == .bool(false))
    }
}

/// Property: rule bodies built at random from a grammar of dangerous operations
/// never crash the process, never run far past their deadline, and never leave
/// the state unusable — the next call on the same state answers.
struct SandboxFuzzTests {
    static let fragments = [
        "while true do end", "for i = 1, 1e9 do end", "local t = {} for i = 1, 1e8 do t[i] = i end",
        "local s = 'x' while true do s = s .. s end", "local s = string.rep('x', 1 << 30)",
        "table.move({}, 1, math.maxinteger - 10, 2)",
        "table.insert(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1, 1)",
        "table.remove(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1)",
        "setmetatable({}, {__gc = function() while true do end end})",
        "local mt = {} setmetatable({}, mt) mt.__gc = function() while true do end end",
        "local function f() return f() + 1 end f()", "string.find(string.rep('a', 5000), 'a-a-a-a-a-b')",
        "load('while true do end')()", "error(setmetatable({}, {__tostring = function() while true do end end}))",
        "string.gsub(string.rep('a', 100000), '.', function(c) return c .. c end)",
        "table.concat(setmetatable({}, {__index = function() return 'x' end}), ',', 1, 1e8)",
        "table.sort({3, 2, 1, 5, 4}, function(a, b) while true do end end)",
        "local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end}) local x = t[1]",
        "xpcall(function() while true do end end, function() while true do end end)",
        "local _, S = pairs(string) S.rep = nil", "local x = string.rep('', math.maxinteger)",
        "local x = ('x'):rep(1e6):upper():lower():reverse()",
        "for i = 1, 100 do pcall(function() while true do end end) end",
        "local x = utf8.char(table.unpack({}, 1, 1e7))", "local n = select('#', table.unpack({}, 1, 1e6))",
        "local x = string.format('%99999999d', 1)",
        "local x = tostring(setmetatable({}, {__tostring = function() while true do end end}))",
        "local t = {} for i = 1, 1e6 do table.insert(t, 1, i) end", "local t = {} t[t] = t",
        "string.rep('x', 1e6):gsub('x', '%0%0')",
        "local x = #setmetatable({}, {__len = function() while true do end end})",
        "os.exit()", "io.write('x')", "require('os')", "debug.sethook()", "collectgarbage()",
        "getmetatable('').__index.find = nil", "string.find = nil",
        "local x <close> = setmetatable({}, {__close = function() while true do end end})",
    ]
    static let results = [
        "return setmetatable({}, {__index = function() error('x') end})",
        "return setmetatable({}, {__index = function() while true do end end})",
        "return setmetatable({action = 'Ignore'}, {__pairs = function() while true do end end})",
        "local t = {} t.self = t return t", "return {action = setmetatable({}, {__index = error})}", "return 1",
        "return nil",
        "return string.rep('x', 1e6)", "local t = {} for i = 1, 5000 do t[i] = {i} end return t",
    ]

    @Test func randomHostileBodiesAreAlwaysContained() throws {
        let limits = LuaLimits(
            instructionBudget: 200_000, memoryLimitBytes: 8 << 20, patternStepBudget: 200_000, deadlineMilliseconds: 200
        )
        var rng = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64.max, using: &rng)
        var generator = SeededGenerator(state: seed)  // the seed is printed with any failure
        var state = try LuaState(limits: limits)
        try state.loadFile(id: "probe", source: "function probe(x) return x * 2 end", chunkName: "rules/probe.lua")
        var probe = try #require(try state.function(file: "probe", name: "probe"))
        for iteration in 0..<1000 {
            if iteration % 50 == 0 && iteration > 0 {
                state = try LuaState(limits: limits)
                try state.loadFile(
                    id: "probe", source: "function probe(x) return x * 2 end", chunkName: "rules/probe.lua")
                probe = try #require(try state.function(file: "probe", name: "probe"))
            }
            var body = (0..<Int(generator.next() % 3 + 1)).map { _ in
                Self.fragments[Int(generator.next() % UInt64(Self.fragments.count))]
            }
            if generator.next() % 2 == 0 { body = ["pcall(function() " + body.joined(separator: " ") + " end)"] }
            let source =
                "function run()\n  " + body.joined(separator: "\n  ") + "\n  "
                + Self.results[Int(generator.next() % UInt64(Self.results.count))] + "\nend\n"
            let id = "fuzz\(iteration)"
            let started = ContinuousClock.now
            do {
                try state.loadFile(id: id, source: source, chunkName: "rules/fuzz.lua")
                if let run = try state.function(file: id, name: "run") {
                    _ = try? state.call(run, []) { reader in
                        (try? reader.value(), try? reader.field("action"), reader.has("text"), reader.keys())
                    }
                }
            } catch {
                // A syntax or load-time error is a fine outcome for a random body.
            }
            let elapsed = ContinuousClock.now - started
            // The deadline is 200 ms; the budget is checked every 1,000 instructions,
            // each of which may do a bounded amount of C work. 30 s means "stuck".
            #expect(elapsed < .seconds(30), "seed \(seed), iteration \(iteration): \(elapsed)\n\(source)")
            state.collectGarbage()
            #expect(
                try state.call(probe, .integer(21)) == .integer(42), "seed \(seed), iteration \(iteration)\n\(source)")
        }
    }
}
