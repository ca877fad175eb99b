import Dispatch
import Foundation
import SellifyCore
import SellifyPlugins
import SellifyStore
import SellifyTestSupport
import Synchronization
import Testing

/// The shipped deployment, compiled once per test (pool of 2 states).
func shippedDeployment(poolSize: Int = 2) throws -> Deployment {
    try Deployment.load(
        configPath: repositoryRoot.appendingPathComponent("config.yaml").path, plugins: .builtin, environment: [:],
        poolSize: poolSize)
}

enum EventGenerator {
    static let texts = [
        "Hola!", "hi there", "¿Cuánto cuesta el Plan Premium?", "How much is the Aurora Mug?", "precio del Basic Plan",
        "What does the Business Plan include?", "Lo quiero, quiero comprar el Paper Planner",
        "send me a photo of the Aurora Mug",
        "¿Me mandas un video del Paper Planner?", "quiero hablar con una persona", "no funciona mi pedido", "STOP",
        "muchas gracias", "qwerty", "How much is the Aurora Hoodie?", "cuanto cuesta?", "send me photos",
        "G4RANT1ZADO?", "¿tienen el LED Desk Lamp?", "I want to buy the Gel Pen Set", "ok", "buenas tardes",
    ]
    static let types: [MessageType] = [.text, .text, .text, .text, .text, .text, .text, .text, .sticker, .audio]

    /// `count` events over `conversations` conversations, in time order.
    static func events(count: Int, conversations: Int, seed: UInt64) -> [MessageEvent] {
        var rng = SeededGenerator(state: seed)
        var time = Timestamp(rfc3339: "2026-11-29T12:00:00Z")!.milliseconds
        return (0..<count).map { index in
            time += Int64.random(in: 500...120_000, using: &rng)
            let type = types.randomElement(using: &rng)!
            return MessageEvent(
                conversationID: "wa:\(Int.random(in: 0..<conversations, using: &rng))", messageID: "m\(index)",
                type: type,
                text: type == .text ? texts.randomElement(using: &rng)! : "", receivedAt: Timestamp(milliseconds: time))
        }
    }
}

struct PipelineTests {
    /// Scripted conversations in Spanish and English; every decision compared
    /// whole with `Tests/Fixtures/decisions/<name>.jsonl`.
    @Test(arguments: ["conversation-es", "conversation-en"])
    func goldenDecisions(_ name: String) throws {
        let deployment = try shippedDeployment()
        let pipeline = DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration,
            store: try SQLiteStore.inMemory())
        let directory = fixtures.appendingPathComponent("decisions")
        let events = try String(contentsOf: directory.appendingPathComponent("\(name).events.jsonl"), encoding: .utf8)
        var output = ""
        for line in events.split(separator: "\n") where !line.isEmpty {
            let event = try MessageEvent.parse(json: Array(line.utf8), maxTextLength: 4000)
            output += String(decoding: try pipeline.decideAsReceived(event).bytes, as: UTF8.self) + "\n"
        }
        let golden = directory.appendingPathComponent("\(name).decisions.jsonl")
        if recordingGoldens { try output.write(to: golden, atomically: true, encoding: .utf8) }
        #expect(output == (try String(contentsOf: golden, encoding: .utf8)))
    }

    @Test func repostingAMessageReturnsTheStoredDecisionAndConsumesNothing() throws {
        let deployment = try shippedDeployment()
        let store = try SQLiteStore.inMemory()
        let pipeline = DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration, store: store)
        let event = MessageEvent(
            conversationID: "wa:1", messageID: "wamid.1", text: "How much is the Premium Plan?",
            receivedAt: Timestamp(rfc3339: "2026-11-30T18:00:00Z")!)
        let first = try pipeline.decideAsReceived(event)
        let again = try pipeline.decideAsReceived(event)
        let laterRetry = try pipeline.decideAsReceived(
            MessageEvent(
                conversationID: "wa:1", messageID: "wamid.1", text: "How much is the Premium Plan?",
                receivedAt: Timestamp(rfc3339: "2026-11-30T19:00:00Z")!))
        #expect(!first.replayed)
        #expect(again.replayed && laterRetry.replayed)
        #expect(again.bytes == first.bytes)
        #expect(laterRetry.bytes == first.bytes)
        let usage = try store.usage(of: pipeline.quota.counters(pipeline.calendar.windows(at: event.receivedAt)))
        #expect(usage.values.reduce(0, +) == 2)  // one message: day + week counters
    }

    @Test func aFailingRuleGivesTheFallbackDecisionNotACrash() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        try directory.write("rules/decision.lua", "function decide(ctx)\n  while true do end\nend\n")
        let deployment = try Deployment.load(
            configPath: directory.url.appendingPathComponent("config.yaml").path, plugins: .builtin, environment: [:],
            poolSize: 1)
        let store = try SQLiteStore.inMemory()
        let pipeline = DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration, store: store)
        let result = try pipeline.decideAsReceived(
            MessageEvent(
                conversationID: "wa:1", messageID: "m1", text: "hola",
                receivedAt: Timestamp(rfc3339: "2026-11-30T18:00:00Z")!))
        let decision = try #require(result.decision)
        #expect(decision.action == .escalate)
        #expect(decision.rule == "fallback")
        #expect(decision.fallback == true)
        #expect(decision.reason.hasPrefix("stage 'decision' failed: "))
        #expect(
            decision.reason.hasSuffix("rules/decision.lua:2: error: instruction budget exceeded (1000000 instructions)")
        )
        // The fallback escalates, so the team is told (the handoff notice).
        #expect(result.alerts.map(\.condition) == ["rule_error", "handoff"])
        #expect(try store.recentAudit(limit: 1).first?.summary.contains(#""fallback":true"#) == true)
        #expect(try store.conversation(id: "wa:1")?.inboundCount == 1)
    }

    /// 10,000 generated events decided twice on fresh stores: byte-identical
    /// streams. Then the same events with the conversations interleaved in
    /// another order: every conversation gets the same decisions (quota
    /// counters, shared by all conversations, are left out of the comparison).
    @Test func decisionsAreAPureFunctionOfTheirInputs() throws {
        let deployment = try shippedDeployment()
        var configuration = deployment.configuration
        configuration.quotas.limits.messagesPerDay = 1_000_000
        configuration.quotas.limits.messagesPerWeek = 1_000_000
        configuration.quotas.limits.imagesPerDay = 1_000_000
        configuration.quotas.limits.videosPerWeek = 1_000_000
        let events = EventGenerator.events(count: 10_000, conversations: 300, seed: 42)

        func decideAll(_ events: [MessageEvent]) throws -> [(String, [UInt8], Decision)] {
            let pipeline = DecisionPipeline(
                rules: deployment.rules, catalog: deployment.catalog, configuration: configuration,
                store: try SQLiteStore.inMemory())
            return try events.map { event in
                let result = try pipeline.decideAsReceived(event)
                return (event.conversationID, result.bytes, try #require(result.decision))
            }
        }
        let first = try decideAll(events)
        let second = try decideAll(events)
        #expect(first.map(\.1) == second.map(\.1))
        #expect(Set(first.map { $0.2.rule }).count >= 10)  // the generator reaches many rules

        // Same per-conversation order, different interleaving.
        var rng = SeededGenerator(state: 7)
        var queues = Dictionary(grouping: events, by: \.conversationID).mapValues { ArraySlice($0) }
        var keys = queues.keys.sorted()
        var shuffled: [MessageEvent] = []
        while !keys.isEmpty {
            let index = Int.random(in: 0..<keys.count, using: &rng)
            let key = keys[index]
            shuffled.append(queues[key]!.removeFirst())
            if queues[key]!.isEmpty { keys.remove(at: index) }
        }
        #expect(shuffled.map(\.messageID) != events.map(\.messageID))
        let third = try decideAll(shuffled)
        func perConversation(_ run: [(String, [UInt8], Decision)]) -> [String: [String]] {
            var result: [String: [String]] = [:]
            for (conversation, _, decision) in run {
                var d = decision
                d.quota = [:]
                result[conversation, default: []].append(String(decoding: d.jsonBytes(), as: UTF8.self))
            }
            return result
        }
        #expect(perConversation(third) == perConversation(first))
    }

    /// Many concurrent deciders on one SQLite file never consume more than
    /// the limit, and the counter equals the responses given.
    @Test func concurrentDecisionsNeverExceedTheQuota() throws {
        let deployment = try shippedDeployment()
        var configuration = deployment.configuration
        configuration.quotas.limits.messagesPerDay = 50
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(configuration: .init(path: directory.url.appendingPathComponent("s.db").path))
        let pipeline = DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: configuration, store: store)
        let at = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        let responses = Mutex(0)
        let errors = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<20 {
                let event = MessageEvent(
                    conversationID: "wa:\(worker)-\(i)", messageID: "m\(worker)-\(i)",
                    text: "How much is the Premium Plan?",
                    receivedAt: at)
                do {
                    let result = try pipeline.decideAsReceived(event)
                    if result.decision?.action == .respondText { responses.withLock { $0 += 1 } }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(errors.withLock { $0 } == [])
        #expect(responses.withLock { $0 } == 50)
        let windows = pipeline.calendar.windows(at: at)
        let usage = try store.usage(of: [QuotaCounterKey(window: windows.day, counter: .messages)])
        #expect(usage.values.first == 50)
    }
}
