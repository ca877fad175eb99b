// bench/swift/main.swift — what `decide(ctx)` costs through the host: Swift builds a ctx
// `LuaValue`, `RuleSet.decide` pushes it into a pooled, sandboxed Lua state, calls
// `decide(ctx)` under the instruction-budget hook and memory cap, and decodes/validates the
// result into a `PolicyDecision`. Compared with the standalone floor,
// bench/lua/decide_standalone.lua (plain lua5.4, no host), which it runs right after.
//
// Run from the repository root (release build):
//     swift build -c release --product sellify-bench        # or: make bench
//     .build/release/sellify-bench [iterations] [runs] [--swift-only] [--only=1,2,...]
// (defaults: 1000000 iterations, median of 5 runs; --swift-only skips the lua5.4 run;
// --only runs just the figures named, e.g. --only=2 under callgrind). bench/run.sh does it
// all; bench/README.md explains the figures and records results.
//
// Timing: CPU time of the process, clock_gettime(CLOCK_PROCESS_CPUTIME_ID) — exactly what
// Lua's os.clock() (C clock()) reads on glibc, so the two tables are comparable. The
// benchmark is single-threaded; the wall time (ContinuousClock) of the median run is shown
// too, as a check that the machine did not steal time from the run.

import Foundation
import SellifyCore
import SellifyLua
import SellifyYAML

// MARK: - Arguments

var positional: [String] = []
var swiftOnly = false
var onlyArgument: Set<String>?  // --only=2,5: run just these figures (for profiling); implies --swift-only
for argument in CommandLine.arguments.dropFirst() {
    switch argument {
    case "--swift-only": swiftOnly = true
    case let a where a.hasPrefix("--only="):
        onlyArgument = Set(a.dropFirst("--only=".count).split(separator: ",").map(String.init))
        swiftOnly = true
    case "-h", "--help":
        print("usage: sellify-bench [iterations] [runs] [--swift-only] [--only=1,2,3a,3b,4,4',5,6]")
        print("       (run from the repository root)")
        exit(0)
    default: positional.append(argument)
    }
}
let only = onlyArgument
let iterations = positional.count > 0 ? Int(positional[0]) ?? 1_000_000 : 1_000_000
let runs = positional.count > 1 ? Int(positional[1]) ?? 5 : 5
guard iterations > 0, runs > 0 else {
    FileHandle.standardError.write(Data("iterations and runs must be positive\n".utf8))
    exit(2)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("sellify-bench: \(message)\n".utf8))
    exit(1)
}

// MARK: - Loading, like production (no plugin checks: not needed to decide)

guard FileManager.default.fileExists(atPath: "rules/decision.lua") else {
    fail("run me from the repository root (rules/decision.lua not found)")
}

let configuration: SellifyConfiguration
let catalog: Catalog
let sources: RuleSources
do {
    configuration = try YAMLDecoder().decode(SellifyConfiguration.self, contentsOf: "config.yaml")
    catalog = try YAMLDecoder().decode(Catalog.self, contentsOf: configuration.catalog.path)
    sources = try RuleSources.read(
        directory: configuration.rules.directory, displayDirectory: configuration.rules.directory)
} catch {
    fail("cannot load config.yaml / catalog / rules:\n\(error)")
}

func compile(instructionBudget: Int) -> RuleSet {
    var copy = configuration
    copy.rules.instructionBudget = instructionBudget  // 0 = unlimited: no count hook at all
    do {
        return try RuleSet.compile(sources, catalog: catalog, configuration: copy, poolSize: 1)
    } catch {
        fail("the rules do not compile:\n\(error)")
    }
}
let ruleSet = compile(instructionBudget: configuration.rules.instructionBudget)
let ruleSetNoHook = compile(instructionBudget: 0)

// MARK: - The ctx: field for field the one bench/lua/decide_standalone.lua builds

/// The inputs of the ctx. They are read at run time (not literals inlined into the
/// builder) so the optimizer cannot fold or hoist the construction out of the loop —
/// in production they come from the request and the store, too.
struct ContextInput {
    var conversationID = "wa:5215512345678"
    var messageID = "wamid.HBgLNTIxNTUxMjM0NTY3OBUCABIYFjNFQjA"
    var type = "text"
    var text = "Hola, ¿cuánto cuesta el Plan Premium?"
    var normalized = "hola, ¿cuanto cuesta el plan premium?"
    var receivedAt = "2026-11-29T20:15:00Z"
    var localDate = "2026-11-29"
    var localTime = "14:15"
    var weekday = 7
    var intent = "price_question"
    var language = "es"
    var product = (
        id: "premium-plan", name: "Premium Plan", price: 49.00, currency: "USD",
        inStock: true, images: 1, videos: 1
    )
    var state = "greeting"
    var optedOut = false
    var inboundCount = 2
    var replyCount = 1
    var secondsSinceLastReply = 95
    var windows = [(used: 46, limit: 200), (used: 310, limit: 1000), (used: 3, limit: 30), (used: 1, limit: 10)]
    var cooldownActive = false
    var secondsLeft = 0
    var repliesLastHour = 1
    var maxRepliesPerHour = 20
    var accountID = "demo"
    var accountName = "Aurora Studio"
}

/// 10 top-level fields (media_request = nil), 12 tables — the standalone's build_ctx().
@inline(never)
func buildContext(_ i: ContextInput) -> LuaValue {
    func window(_ w: (used: Int, limit: Int)) -> LuaValue {
        .fields(["used": .integer(w.used), "limit": .integer(w.limit), "remaining": .integer(w.limit - w.used)])
    }
    let p = i.product
    return .fields([
        "event": .fields([
            "conversation_id": .string(i.conversationID), "message_id": .string(i.messageID),
            "type": .string(i.type), "text": .string(i.text), "normalized": .string(i.normalized),
            "received_at": .string(i.receivedAt), "local_date": .string(i.localDate),
            "local_time": .string(i.localTime), "weekday": .integer(i.weekday),
        ]),
        "intent": .string(i.intent),
        "language": .string(i.language),
        "media_request": .nil,
        "products": .array([
            .fields([
                "id": .string(p.id), "name": .string(p.name), "price": .number(p.price),
                "currency": .string(p.currency), "in_stock": .bool(p.inStock),
                "images": .integer(p.images), "videos": .integer(p.videos),
            ])
        ]),
        "conversation": .fields([
            "state": .string(i.state), "opted_out": .bool(i.optedOut), "inbound_count": .integer(i.inboundCount),
            "reply_count": .integer(i.replyCount), "seconds_since_last_reply": .integer(i.secondsSinceLastReply),
        ]),
        "quota": .fields([
            "messages_today": window(i.windows[0]),
            "messages_week": window(i.windows[1]),
            "images_today": window(i.windows[2]),
            "videos_week": window(i.windows[3]),
        ]),
        "cooldown": .fields([
            "active": .bool(i.cooldownActive), "seconds_left": .integer(i.secondsLeft),
            "replies_last_hour": .integer(i.repliesLastHour), "max_replies_per_hour": .integer(i.maxRepliesPerHour),
        ]),
        "account": .fields(["id": .string(i.accountID), "name": .string(i.accountName)]),
    ])
}

/// Read through a global so the compiler cannot treat the inputs as constants.
nonisolated(unsafe) var input = ContextInput()
nonisolated(unsafe) var sink = 0

@inline(never)
func consume(_ decision: PolicyDecision, _ effects: LuaState.SideEffects) {
    sink &+= decision.rule.utf8.count &+ effects.logs.count
}

// Sanity check: the benchmark measures the branch the standalone measures.
for (name, rules) in [("budget hook", ruleSet), ("no hook", ruleSetNoHook)] {
    do {
        let (decision, effects) = try rules.decide(buildContext(input))
        guard decision.action == .respondText, decision.rule == "price_question", decision.template == "price",
            decision.product == "premium-plan", decision.state == "interested", effects.isEmpty
        else { fail("unexpected decision (\(name)): \(decision) \(effects)") }
    } catch {
        fail("decide failed (\(name)): \(error)")
    }
}

// MARK: - The empty protected call: the fixed cost of crossing into Lua

func emptyState(instructionBudget: Int) -> (LuaState, LuaState.Function) {
    do {
        var limits = ruleSet.limits
        limits.instructionBudget = instructionBudget
        let state = try LuaState(limits: limits)
        try state.loadFile(id: "empty", source: "function f() end", chunkName: "=(empty)")
        guard let f = try state.function(file: "empty", name: "f") else { fail("no f in the empty state") }
        return (state, f)
    } catch {
        fail("cannot build the empty state: \(error)")
    }
}
let (emptyHooked, emptyHookedF) = emptyState(instructionBudget: ruleSet.limits.instructionBudget)
let (emptyBare, emptyBareF) = emptyState(instructionBudget: 0)

// MARK: - Measurement

@inline(__always)
func cpuNanoseconds() -> Int {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}

struct Figure {
    var label: String
    var median: Double  // CPU ns/call
    var min: Double
    var max: Double
    var wall: Double  // wall ns/call of the median run
}

/// `body(n)` runs n calls. Warm-up of n/10, then `runs` runs; median of the CPU times.
func measure(_ label: String, _ body: (Int) throws -> Void) -> Figure {
    if let only, !only.contains(String(label.dropFirst().prefix { $0 != ")" })) {
        return Figure(label: label, median: .nan, min: .nan, max: .nan, wall: .nan)
    }
    do {
        try body(max(1, iterations / 10))
        var samples: [(cpu: Double, wall: Double)] = []
        for _ in 0..<runs {
            let clock = ContinuousClock()
            let wallStart = clock.now
            let cpuStart = cpuNanoseconds()
            try body(iterations)
            let cpu = Double(cpuNanoseconds() - cpuStart) / Double(iterations)
            let elapsed = clock.now - wallStart
            let wall =
                (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9)
                / Double(iterations)
            samples.append((cpu, wall))
        }
        samples.sort { $0.cpu < $1.cpu }
        let median = samples[(runs - 1) / 2]
        let figure = Figure(
            label: label, median: median.cpu, min: samples.first!.cpu, max: samples.last!.cpu,
            wall: median.wall)
        print(
            pad(figure.label, 38)
                + String(
                    format: "%8.1f ns/call   (min %.1f, max %.1f; wall %.1f)",
                    figure.median, figure.min, figure.max, figure.wall))
        return figure
    } catch {
        fail("\(label): \(error)")
    }
}

let prebuilt = buildContext(input)
let budget = ruleSet.limits.instructionBudget

print(
    "sellify-bench: \(LuaState.version), \(iterations) iterations, median of \(runs) runs "
        + "(CPU time, CLOCK_PROCESS_CPUTIME_ID)")
print(
    "rules \(ruleSet.version.prefix(19))…, pool of 1 state, instruction budget \(budget), "
        + "memory cap \(ruleSet.limits.memoryLimitBytes >> 20) MiB")

let f1 = measure("(1) build ctx + decide") { n in
    for _ in 0..<n {
        let r = try ruleSet.decide(buildContext(input))
        consume(r.0, r.1)
    }
}
let f2 = measure("(2) decide, prebuilt ctx") { n in
    for _ in 0..<n {
        let r = try ruleSet.decide(prebuilt)
        consume(r.0, r.1)
    }
}
let f3 = measure("(3a) build ctx + decide, no hook") { n in
    for _ in 0..<n {
        let r = try ruleSetNoHook.decide(buildContext(input))
        consume(r.0, r.1)
    }
}
let f4 = measure("(3b) decide, prebuilt ctx, no hook") { n in
    for _ in 0..<n {
        let r = try ruleSetNoHook.decide(prebuilt)
        consume(r.0, r.1)
    }
}
let f5 = measure("(4) empty call f()") { n in
    for _ in 0..<n { if case .nil = try emptyHooked.call(emptyHookedF) {} else { sink &+= 1 } }
}
let f6 = measure("(4') empty call f(), no hook") { n in
    for _ in 0..<n { if case .nil = try emptyBare.call(emptyBareF) {} else { sink &+= 1 } }
}
// Breakdown of (1)/(2): the parts that are not the policy itself.
let f7 = measure("(5) build ctx only (Swift)") { n in
    for _ in 0..<n {
        if case .table(let t) = buildContext(input) { sink &+= t.fields.count }
    }
}
let f8 = measure("(6) empty call f(prebuilt ctx): push") { n in
    for _ in 0..<n { if case .nil = try emptyHooked.call(emptyHookedF, prebuilt) {} else { sink &+= 1 } }
}
if sink == 42 { print("") }  // keep `sink` observable

// MARK: - The standalone floor, back to back

struct Standalone {
    var a: Double
    var b: Double
}

func runStandalone() -> Standalone? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["lua5.4", "bench/lua/decide_standalone.lua", String(iterations), String(runs)]
    let pipe = Pipe()
    process.standardOutput = pipe
    do {
        try process.run()
    } catch {
        print("(lua5.4 not runnable: \(error))")
        return nil
    }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    print("")
    print("$ lua5.4 bench/lua/decide_standalone.lua \(iterations) \(runs)")
    print(output, terminator: "")
    guard process.terminationStatus == 0 else { return nil }
    func figure(_ prefix: String) -> Double? {
        for line in output.split(separator: "\n") where line.hasPrefix(prefix) {
            let rest = line.dropFirst(prefix.count).drop { $0 == " " }
            return Double(rest.prefix { !$0.isWhitespace })
        }
        return nil
    }
    guard let a = figure("(a) build ctx + decide"), let b = figure("(b) decide, prebuilt ctx") else { return nil }
    return Standalone(a: a, b: b)
}

if !swiftOnly, let standalone = runStandalone() {
    print("")
    print("Swift / standalone (target ≤ 1.5×):")
    func ratio(_ label: String, _ swift: Double, _ lua: Double) {
        let r = swift / lua
        print(
            "  " + pad(label, 38) + String(format: "%7.1f / %7.1f ns = %.2f×  ", swift, lua, r)
                + (r <= 1.5 ? "ok" : "ABOVE TARGET"))
    }
    ratio("(1) build ctx + decide  / (a)", f1.median, standalone.a)
    ratio("(2) decide, prebuilt    / (b)", f2.median, standalone.b)
    ratio("(3a) build + decide, no hook / (a)", f3.median, standalone.a)
    ratio("(3b) prebuilt, no hook  / (b)", f4.median, standalone.b)
}
