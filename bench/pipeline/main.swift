// sellify-bench-pipeline — whole decisions per second, in process, one thread:
//   (b) the pipeline with the store's work excluded (state kept in a dictionary),
//   (a) durable decisions on the SQLite store (WAL, synchronous as configured),
// and where the time goes per stage (the stage hook's timings).
//
//   swift build -c release --product sellify-bench-pipeline
//   .build/release/sellify-bench-pipeline [events] [--threads N]
//
// Run from the repository root (it loads config.yaml, catalog.yaml, rules/).
// Quota limits are raised so that every generated message is decided on its
// merits (otherwise most would be a cheap "quota exhausted").
import Foundation
import SellifyCore
import SellifyPlugins
import SellifyStore
import Synchronization

var events = 20_000
var threads = 4
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--threads", let value = arguments.popFirst().flatMap(Int.init) { threads = value }
    else if let value = Int(argument) { events = value }
}

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
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
        totals.withLock { $0[stage, default: (0, 0)].count += 1; $0[stage]!.nanoseconds += nanoseconds }
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
            print("    \(stage.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(String(format: "%7.2f", micros)) µs/decision")
        }
        print("    \("stages".padding(toLength: 12, withPad: " ", startingAt: 0)) \(String(format: "%7.2f", total)) µs/decision")
    }
}

let texts = [
    "Hola!", "hi there", "¿Cuánto cuesta el Plan Premium?", "How much is the Aurora Mug?", "precio del Basic Plan",
    "What does the Business Plan include?", "Lo quiero, quiero comprar el Paper Planner", "send me a photo of the Aurora Mug",
    "¿Me mandas un video del Paper Planner?", "quiero hablar con una persona", "no funciona mi pedido", "muchas gracias",
    "qwerty", "How much is the Aurora Hoodie?", "cuanto cuesta?", "I want to buy the Gel Pen Set", "buenas tardes",
]
func makeEvents(_ count: Int, prefix: String) -> [MessageEvent] {
    var time = Timestamp(rfc3339: "2026-11-30T12:00:00Z")!.milliseconds
    return (0..<count).map { i in
        time += 37
        // 10 s between messages of one conversation: no cooldown.
        return MessageEvent(
            conversationID: "wa:\(i % 4096)", messageID: "\(prefix)\(i)", text: texts[(i * 7 + i / 4096) % texts.count],
            receivedAt: Timestamp(milliseconds: time + Int64(i / 4096) * 10_000))
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
print("sellify-bench-pipeline: \(events) events over 4096 conversations, shipped rules \(deployment.rules.version.prefix(19))…")

// (b) No store work: the state lives in a dictionary; evaluate() is the pipeline.
do {
    let pipeline = DecisionPipeline(
        rules: deployment.rules, catalog: deployment.catalog, configuration: configuration,
        store: try SQLiteStore.inMemory(), hooks: [hook])
    let batch = makeEvents(events, prefix: "b")
    var conversations: [String: ConversationRecord] = [:]
    var usage: [QuotaCounterKey: Int] = [:]
    func run(_ list: ArraySlice<MessageEvent>) -> [String: Int] {
        var actions: [String: Int] = [:]
        for event in list {
            let (request, decision, _) = pipeline.evaluate(event, state: StoredState(
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
    let cpu0 = cpuSeconds(), wall0 = wallSeconds()
    let actions = run(batch[...])
    let cpu = cpuSeconds() - cpu0, wall = wallSeconds() - wall0
    print(String(format: "(b) store excluded, 1 thread:   %8.0f decisions/s  (%.2f µs CPU each; wall %.2f s)",
                 Double(events) / cpu, cpu / Double(events) * 1e6, wall))
    print("    actions: " + actions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    print("    where the time goes (stage hook, per decision):")
    hook.report(decisions: events)
}

// (a) Durable: the SQLite store as configured (WAL, synchronous full), one thread, then N threads.
for threadCount in [1, threads] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store: SQLiteStore
    do {
        store = try SQLiteStore(configuration: .init(
            path: folder.appendingPathComponent("bench.db").path, synchronous: configuration.store.synchronous))
    } catch {
        print(error)
        exit(2)
    }
    let pipeline = DecisionPipeline(
        rules: deployment.rules, catalog: deployment.catalog, configuration: configuration, store: store)
    let batch = makeEvents(events, prefix: "a\(threadCount)-")
    let failures = Mutex(0)
    let wall0 = wallSeconds(), cpu0 = cpuSeconds()
    DispatchQueue.concurrentPerform(iterations: threadCount) { worker in
        // Each worker takes whole conversations, so per-conversation order holds.
        for event in batch where Int(event.conversationID.dropFirst(3))! % threadCount == worker {
            do { _ = try pipeline.decide(event) } catch { failures.withLock { $0 += 1 } }
        }
    }
    let wall = wallSeconds() - wall0, cpu = cpuSeconds() - cpu0
    print(String(format: "(a) SQLite (WAL, synchronous %@), %d thread%@: %6.0f durable decisions/s  (wall %.2f s, CPU %.2f s, failures %d)",
                 configuration.store.synchronous.rawValue, threadCount, threadCount == 1 ? "" : "s",
                 Double(events) / wall, wall, cpu, failures.withLock { $0 }))
}
