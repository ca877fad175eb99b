// sellify-bench-pipeline — whole decisions per second, in process, one thread:
//   (b) the pipeline with the store's work excluded (state kept in a dictionary),
//   (a) durable decisions on the SQLite store (WAL, synchronous as configured),
// and where the time goes per stage (the stage hook's timings), and
//   (m) what the metrics cost: (b) without any stage hook against (b) with the
//       production metrics (StageMetricsHook + SellifyMetrics.record after each
//       decision), alternated in one process on the same events; then the same
//       through decide() on an in-memory SQLite store, with the real
//       `record(result, quota:)`.
//
//   swift build -c release --scratch-path .build-release --product sellify-bench-pipeline
//   .build-release/release/sellify-bench-pipeline [events] [--threads N] [--rounds N]
//       [--metrics-only] [--skip-metrics] [--skip-durable] [--durable-only] [--cache N]
//       [--conversations N] [--store PATH]
//
// (a) opens the store as the server does (exclusive, the hot state cached in
// memory: at most N conversations, default 50,000); `--cache 0` turns the
// cache off, so every decision reads its state in a read transaction.
// `--conversations N` spreads the events over N conversations (default 4096);
// `--store PATH` decides on an existing store file (bench/scaling.sh fills one
// with a million conversations) instead of a fresh one, with `threads` only.
// Peak RSS is printed at the end; allocations per decision when the process
// runs with bench/alloc/count.so preloaded (bench/scaling.sh builds it).
//
// Run from the repository root (it loads config.yaml, catalog.yaml, rules/).
// Quota limits are raised so that every generated message is decided on its
// merits (otherwise most would be a cheap "quota exhausted").
import Foundation
import Prometheus  // Counter/Gauge methods used by recordEvaluated (MemberImportVisibility)
import SellifyCore
import SellifyLua  // SideEffects.metrics
import SellifyMetrics
import SellifyPlugins
import SellifyStore
import Synchronization

var events = 20_000
var threads = 4
var rounds = 5
var runBreakdown = true
var runMetrics = true
var runDurable = true
var cachedConversations = SQLiteStore.Configuration.defaultCachedConversations
var conversationCount = 4096
var storePath: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--threads", let value = arguments.popFirst().flatMap(Int.init) {
        threads = value
    } else if argument == "--rounds", let value = arguments.popFirst().flatMap(Int.init) {
        rounds = max(1, value)
    } else if argument == "--metrics-only" {
        runBreakdown = false
        runDurable = false
    } else if argument == "--skip-metrics" {
        runMetrics = false
    } else if argument == "--skip-durable" {
        runDurable = false
    } else if argument == "--cache", let value = arguments.popFirst().flatMap(Int.init) {
        cachedConversations = value
    } else if argument == "--conversations", let value = arguments.popFirst().flatMap(Int.init), value > 0 {
        conversationCount = value
    } else if argument == "--store", let value = arguments.popFirst() {
        storePath = value
    } else if argument == "--durable-only" {
        runBreakdown = false
        runMetrics = false
    } else if let value = Int(argument) {
        events = value
    } else {
        print(
            "usage: sellify-bench-pipeline [events] [--threads N] [--rounds N] [--metrics-only] [--skip-metrics] [--skip-durable] [--durable-only] [--cache N] [--conversations N] [--store PATH]"
        )
        exit(2)
    }
}

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
/// malloc-family calls so far, when bench/alloc/count.so is preloaded (else nil).
func allocationCount() -> Int? {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sellify_alloc_count") else { return nil }
    let count = unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)
    return Int(count())
}
/// Peak and current resident set size (VmHWM, VmRSS) in MiB.
func residentMiB() -> (peak: Double, now: Double) {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    func field(_ name: String) -> Double {
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
        }
        return 0
    }
    return (field("VmHWM"), field("VmRSS"))
}
func wallSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Accumulates stage timings (the metrics hook will do the same into histograms).
final class StageTotals: StageHook {
    let totals = Mutex<[StageName: (count: Int, nanoseconds: UInt64)]>([:])
    func stageFinished(_ stage: StageName, outcome: String, nanoseconds: UInt64) {
        totals.withLock {
            $0[stage, default: (0, 0)].count += 1
            $0[stage]!.nanoseconds += nanoseconds
        }
    }
    func stageFailed(_ stage: StageName, error: any Error, nanoseconds: UInt64) {
        stageFinished(stage, outcome: "error", nanoseconds: nanoseconds)
    }
    func reset() { totals.withLock { $0 = [:] } }
    func report(decisions: Int) {
        let snapshot = totals.withLock { $0 }
        var total = 0.0
        for stage in StageName.all {
            guard let entry = snapshot[stage] else { continue }
            let micros = Double(entry.nanoseconds) / 1000 / Double(decisions)
            total += micros
            print(
                "    \(stage.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(String(format: "%7.2f", micros)) µs/decision"
            )
        }
        print(
            "    \("stages".padding(toLength: 12, withPad: " ", startingAt: 0)) \(String(format: "%7.2f", total)) µs/decision"
        )
    }
}

/// Counts pipeline evaluations (normalizer runs).
final class EvaluationCounter: StageHook {
    let count = Atomic<Int>(0)
    func stageFinished(_ stage: StageName, outcome: String, nanoseconds: UInt64) {
        if stage == .normalizer { count.add(1, ordering: .relaxed) }
    }
    func stageFailed(_ stage: StageName, error: any Error, nanoseconds: UInt64) {
        if stage == .normalizer { count.add(1, ordering: .relaxed) }
    }
}

let texts = [
    "Hola!", "hi there", "¿Cuánto cuesta el Plan Premium?", "How much is the Aurora Mug?", "precio del Basic Plan",
    "What does the Business Plan include?", "Lo quiero, quiero comprar el Paper Planner",
    "send me a photo of the Aurora Mug",
    "¿Me mandas un video del Paper Planner?", "quiero hablar con una persona", "no funciona mi pedido",
    "muchas gracias",
    "qwerty", "How much is the Aurora Hoodie?", "cuanto cuesta?", "I want to buy the Gel Pen Set", "buenas tardes",
]
@MainActor func makeEvents(_ count: Int, prefix: String) -> [MessageEvent] {
    var time = Timestamp(rfc3339: "2026-11-30T12:00:00Z")!.milliseconds
    return (0..<count).map { i in
        time += 37
        // 10 s between messages of one conversation: no cooldown.
        return MessageEvent(
            conversationID: "wa:\(i % conversationCount)", messageID: "\(prefix)\(i)",
            text: texts[(i * 7 + i / conversationCount) % texts.count],
            receivedAt: Timestamp(milliseconds: time + Int64(i / conversationCount) * 10_000))
    }
}

let deployment: Deployment
do {
    deployment = try Deployment.load(configPath: "config.yaml", plugins: .builtin, poolSize: max(1, threads))
} catch {
    print(error)
    exit(2)
}
var configuration = deployment.configuration
configuration.quotas.limits.messagesPerDay = 100_000_000
configuration.quotas.limits.messagesPerWeek = 100_000_000
configuration.quotas.limits.imagesPerDay = 100_000_000
configuration.quotas.limits.videosPerWeek = 100_000_000
let hook = StageTotals()
print(
    "sellify-bench-pipeline: \(events) events over \(conversationCount) conversations, shipped rules \(deployment.rules.version.prefix(19))…"
)

// (b) No store work: the state lives in a dictionary; evaluate() is the pipeline.
if runBreakdown {
    let pipeline = DecisionPipeline(
        rules: deployment.rules, catalog: deployment.catalog, configuration: configuration,
        store: try SQLiteStore.inMemory(), hooks: [hook])
    let batch = makeEvents(events, prefix: "b")
    var conversations: [String: ConversationRecord] = [:]
    var usage: [QuotaCounterKey: Int] = [:]
    func run(_ list: ArraySlice<MessageEvent>) -> [String: Int] {
        var actions: [String: Int] = [:]
        for event in list {
            let (request, decision, _) = pipeline.evaluate(
                event, at: event.receivedAt,
                state: StoredState(
                    conversation: conversations[event.conversationID], usage: usage))
            conversations[event.conversationID] = request.conversation
            for (key, amount) in request.consumption { usage[key, default: 0] += amount }
            actions[decision.action.rawValue, default: 0] += 1
        }
        return actions
    }
    _ = run(batch.prefix(2000))  // warm-up
    hook.reset()
    conversations = [:]
    usage = [:]
    let allocations0 = allocationCount()
    let cpu0 = cpuSeconds()
    let wall0 = wallSeconds()
    let actions = run(batch[...])
    let cpu = cpuSeconds() - cpu0
    let wall = wallSeconds() - wall0
    if let allocations0, let allocations1 = allocationCount() {
        print(
            String(format: "(b) allocations: %.0f per evaluation", Double(allocations1 - allocations0) / Double(events))
        )
    }
    print(
        String(
            format: "(b) store excluded, 1 thread:   %8.0f decisions/s  (%.2f µs CPU each; wall %.2f s)",
            Double(events) / cpu, cpu / Double(events) * 1e6, wall))
    print("    actions: " + actions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    print("    where the time goes (stage hook, per decision):")
    hook.report(decisions: events)
}

// (m) Metrics on vs off.
if runMetrics {
    measureMetricsOverhead()
}

// (a) Durable: the SQLite store as configured (WAL, synchronous full), one thread, then N threads.
for threadCount in runDurable ? (storePath == nil ? [1, threads] : [threads]) : [] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store: SQLiteStore
    do {
        store = try SQLiteStore(
            configuration: .init(
                path: storePath ?? folder.appendingPathComponent("bench.db").path,
                synchronous: configuration.store.synchronous,
                exclusive: true, cachedConversations: cachedConversations))
    } catch {
        print(error)
        exit(2)
    }
    // Counts evaluations: a commit that finds the state changed since its read (.conflict) re-reads
    // and re-evaluates, so normalizer runs / decisions = evaluations per durable decision.
    let evaluations = EvaluationCounter()
    let pipeline = DecisionPipeline(
        rules: deployment.rules, catalog: deployment.catalog, configuration: configuration, store: store,
        hooks: [evaluations])
    let batch = makeEvents(events, prefix: "a\(threadCount)-")
    let failures = Mutex(0)
    let allocations0 = allocationCount()
    let wall0 = wallSeconds()
    let cpu0 = cpuSeconds()
    // Real threads (concurrentPerform would run at most one per core): as
    // many deciders at once as the server has requests in flight.
    let done = DispatchGroup()
    for worker in 0..<threadCount {
        done.enter()
        Thread {
            // Each worker takes whole conversations, so per-conversation order holds.
            for event in batch where Int(event.conversationID.dropFirst(3))! % threadCount == worker {
                do { _ = try pipeline.decide(event, at: event.receivedAt) } catch { failures.withLock { $0 += 1 } }
            }
            done.leave()
        }.start()
    }
    done.wait()
    let wall = wallSeconds() - wall0
    let cpu = cpuSeconds() - cpu0
    print(
        String(
            format:
                "(a) SQLite (WAL, synchronous %@, cache %d), %d thread%@: %6.0f durable decisions/s  (wall %.2f s, CPU %.2f s, failures %d, %.2f evaluations/decision)",
            configuration.store.synchronous.rawValue, cachedConversations, threadCount, threadCount == 1 ? "" : "s",
            Double(events) / wall, wall, cpu, failures.withLock { $0 },
            Double(evaluations.count.load(ordering: .relaxed)) / Double(events)))
    if let allocations0, let allocations1 = allocationCount() {
        print(
            String(
                format: "    allocations: %.0f per durable decision",
                Double(allocations1 - allocations0) / Double(events)))
    }
    if let statistics = store.commitStatistics {
        print(
            String(
                format: "    group commit: %d transactions, %.2f commits each", statistics.transactions,
                Double(statistics.commits) / Double(max(1, statistics.transactions))))
    }
}

// MARK: - (m) metrics on vs off

/// `SellifyMetrics.record` for one decision made by `evaluate()` (the same
/// code path `record(result, quota:)` takes for a committed decision).
func recordEvaluated(
    _ metrics: SellifyMetrics, request: DecisionRequest, decision: Decision, resets: [QuotaScheduler.ResetType],
    newConversation: Bool
) {
    metrics.record(
        decision: decision, newConversation: newConversation, validation: request.validation,
        effects: request.ruleEffects)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

@MainActor func measureMetricsOverhead() {
    // Production wiring (Sources/sellify/ServeCommand.swift, Sources/SellifyServer/Engine.swift):
    // one SellifyMetrics, prepared, the StageMetricsHook on the pipeline, record() after each decision.
    let metrics = SellifyMetrics(custom: configuration.metrics.custom)
    metrics.prepare(configuration: configuration, rulesVersion: deployment.rules.version)
    let store: SQLiteStore
    do { store = try SQLiteStore.inMemory() } catch {
        print(error)
        exit(2)
    }
    let plain = DecisionPipeline(
        rules: deployment.rules, catalog: deployment.catalog, configuration: configuration, store: store, hooks: [])
    let metered = DecisionPipeline(
        rules: deployment.rules, catalog: deployment.catalog, configuration: configuration, store: store,
        hooks: [StageMetricsHook(metrics: metrics)])
    let batch = makeEvents(events, prefix: "m")

    /// One store-excluded run over `list`; returns (CPU seconds, actions).
    func evaluateRun(
        _ pipeline: DecisionPipeline, record: Bool, _ list: ArraySlice<MessageEvent>
    ) -> (Double, [String: Int]) {
        var conversations: [String: ConversationRecord] = [:]
        var usage: [QuotaCounterKey: Int] = [:]
        var actions: [String: Int] = [:]
        let cpu0 = cpuSeconds()
        for event in list {
            let stored = conversations[event.conversationID]
            let (request, decision, _) = pipeline.evaluate(
                event, at: event.receivedAt, state: StoredState(conversation: stored, usage: usage))
            conversations[event.conversationID] = request.conversation
            for (key, amount) in request.consumption { usage[key, default: 0] += amount }
            if record {
                // decide() observes the windows after a commit; the resets feed record().
                let resets = pipeline.scheduler.observe(request.windows)
                recordEvaluated(
                    metrics, request: request, decision: decision, resets: resets, newConversation: stored == nil)
            }
            actions[decision.action.rawValue, default: 0] += 1
        }
        return (cpuSeconds() - cpu0, actions)
    }

    /// One durable run on a fresh SQLite file (WAL, synchronous normal: no fsync per commit, so
    /// the disk does not drown the difference); returns CPU seconds. Not `SQLiteStore.inMemory()`:
    /// that is a GRDB DatabaseQueue, whose reads toggle `PRAGMA query_only`, which expires every
    /// prepared statement, so each cached statement is re-prepared on every use (~30% of the CPU
    /// of a decision, measured with perf) — a cost the server's DatabasePool does not pay.
    func decideRun(record: Bool, _ list: ArraySlice<MessageEvent>) -> Double {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sellify-bench-m-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store: SQLiteStore
        do {
            store = try SQLiteStore(
                configuration: .init(path: folder.appendingPathComponent("bench.db").path, synchronous: .normal))
        } catch {
            print(error)
            exit(2)
        }
        let pipeline = DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: configuration, store: store,
            hooks: record ? [StageMetricsHook(metrics: metrics)] : [])
        let cpu0 = cpuSeconds()
        for event in list {
            do {
                let result = try pipeline.decide(event, at: event.receivedAt)
                if record { metrics.record(result) }
            } catch {
                print("decide failed: \(error)")
                exit(2)
            }
        }
        return cpuSeconds() - cpu0
    }

    func report(_ title: String, off: [Double], on: [Double]) {
        let ratios = zip(off, on).map { $0.1 / $0.0 }  // CPU on / CPU off = rate off / rate on
        let rateOff = off.map { Double(events) / $0 }
        let rateOn = on.map { Double(events) / $0 }
        print(title)
        for i in off.indices {
            print(
                String(
                    format: "    round %d:  off %7.0f /s  on %7.0f /s  (on costs %+5.1f%%)", i + 1, rateOff[i],
                    rateOn[i],
                    (ratios[i] - 1) * 100))
        }
        let m = median(ratios)
        print(
            String(
                format:
                    "    median:   off %7.0f /s  on %7.0f /s  (%.1f vs %.1f µs CPU each); metrics on is %.1f%% slower (CPU ×%.3f, min %.3f, max %.3f)  target ≤ 10%%: %@",
                median(rateOff), median(rateOn), median(off) / Double(events) * 1e6, median(on) / Double(events) * 1e6,
                (1 - 1 / m) * 100, m, ratios.min()!, ratios.max()!, m <= 1 / 0.9 ? "MET" : "MISSED"))
    }

    // (m0) The metrics calls alone, outside the pipeline, and what they would cost with the
    // series resolved once (the registry's make* does a name/label/help validation, a lock and
    // two dictionary lookups on every call; a resolved Counter is one atomic add).
    do {
        let hook = StageMetricsHook(metrics: metrics)
        let stages = StageName.all  // the ten stages the runner times
        let n = 200_000
        var cpu0 = cpuSeconds()
        for i in 0..<n { hook.stageFinished(stages[i % stages.count], outcome: "ok", nanoseconds: 1_234) }
        let hookCall = (cpuSeconds() - cpu0) / Double(n)
        let histograms = stages.map { metrics.histogram(MetricCatalog.stageDuration, $0.rawValue) }
        let outcomes = stages.map { metrics.counter(MetricCatalog.stageOutcomes, $0.rawValue, "ok") }
        cpu0 = cpuSeconds()
        for i in 0..<n {
            histograms[i % stages.count].record(1.234e-6)
            outcomes[i % stages.count].increment()
        }
        let resolvedCall = (cpuSeconds() - cpu0) / Double(n)
        let sample = batch[2]
        let (request, decision, _) = plain.evaluate(
            sample, at: sample.receivedAt, state: StoredState(conversation: nil, usage: [:]))
        let m = n / 10
        cpu0 = cpuSeconds()
        for _ in 0..<m {
            recordEvaluated(metrics, request: request, decision: decision, resets: [], newConversation: false)
        }
        let recordCall = (cpuSeconds() - cpu0) / Double(m)
        print(
            String(
                format:
                    "(m0) metrics calls alone (CPU time): StageMetricsHook.stageFinished %.2f µs/call (×%d stages = %.1f µs/decision); "
                    + "record() %.2f µs/decision (%@ %@); with the series resolved once: histogram.record + counter.increment %.3f µs/stage",
                hookCall * 1e6, stages.count, hookCall * 1e6 * Double(stages.count), recordCall * 1e6,
                decision.action.rawValue, decision.rule, resolvedCall * 1e6))
    }

    print(
        "(m) metrics off (no stage hook) vs on (StageMetricsHook + record() after each decision), \(rounds) rounds, order alternating:"
    )
    // Warm-up both, and check both decide the same.
    let (_, actionsOff) = evaluateRun(plain, record: false, batch[...])
    let (_, actionsOn) = evaluateRun(metered, record: true, batch[...])
    if actionsOff != actionsOn {
        print("    !! metrics on and off decided differently: \(actionsOff) vs \(actionsOn)")
        exit(1)
    }
    print(
        "    actions (both): "
            + actionsOff.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    var off: [Double] = []
    var on: [Double] = []
    for round in 0..<rounds {
        if round % 2 == 0 {
            off.append(evaluateRun(plain, record: false, batch[...]).0)
            on.append(evaluateRun(metered, record: true, batch[...]).0)
        } else {
            on.append(evaluateRun(metered, record: true, batch[...]).0)
            off.append(evaluateRun(plain, record: false, batch[...]).0)
        }
    }
    report("(m1) store excluded (evaluate), 1 thread, decisions/s (CPU time):", off: off, on: on)

    let durableRounds = max(1, (rounds + 1) / 2)
    off = []
    on = []
    _ = decideRun(record: false, batch.prefix(2000))
    _ = decideRun(record: true, batch.prefix(2000))
    for round in 0..<durableRounds {
        if round % 2 == 0 {
            off.append(decideRun(record: false, batch[...]))
            on.append(decideRun(record: true, batch[...]))
        } else {
            on.append(decideRun(record: true, batch[...]))
            off.append(decideRun(record: false, batch[...]))
        }
    }
    report(
        "(m2) decide() on a SQLite file (WAL, synchronous normal), real record(result, quota:), 1 thread, decisions/s (CPU time):",
        off: off, on: on)
    let exposition = metrics.exposition()
    let decided = exposition.split(separator: "\n").filter { $0.hasPrefix("sellify_decisions_total{") }
    print("    metrics after all runs: " + decided.joined(separator: " "))
}

let resident = residentMiB()
print(String(format: "resident: peak %.0f MiB, at the end %.0f MiB", resident.peak, resident.now))
