import Foundation
import SellifyCore
import SellifyMetrics
import SellifyPlugins
import SellifyStore
import Testing

/// The application layer with a controlled clock: what it records and what
/// its observers see.
struct DecisionServiceTests {
    final class Recorder: ServiceObserver, @unchecked Sendable {
        private let lock = NSLock()
        private var events: [ServiceEvent] = []
        func observe(_ event: ServiceEvent) {
            lock.lock()
            events.append(event)
            lock.unlock()
        }
        var rollovers: [(Rollover, RolloverSource)] {
            lock.lock()
            defer { lock.unlock() }
            return events.flatMap { event -> [(Rollover, RolloverSource)] in
                guard case .rolledOver(let found, let source, _) = event else { return [] }
                return found.map { ($0, source) }
            }
        }
    }

    func service(metrics: SellifyMetrics, recorder: Recorder, store: any DecisionStore) throws -> DecisionService {
        let deployment = try shippedDeployment(poolSize: 1)
        metrics.prepare(configuration: deployment.configuration, rulesVersion: deployment.rules.version)
        return try DecisionService.open(
            deployment, store: store, clock: FixedClock(Timestamp(rfc3339: "2026-11-29T23:00:00Z")!),
            hooks: [StageMetricsHook(metrics: metrics)], observers: [MetricsObserver(metrics: metrics), recorder])
    }

    func resets(_ metrics: SellifyMetrics, _ type: String) -> String? {
        metrics.exposition().split(separator: "\n")
            .first { $0.hasPrefix(#"sellify_quota_resets_total{reset_type="\#(type)"}"#) }
            .map { String($0.split(separator: " ").last!) }
    }

    /// Sunday 2026-11-29 in Mexico City, then Monday: a new day and a new week
    /// (weeks start on Monday). Whether a decision or the clock's tick sees the
    /// new windows first, each roll-over is counted once.
    @Test(arguments: [true, false])
    func aWindowCrossingCountsQuotaResetsExactlyOnce(decisionFirst: Bool) throws {
        let metrics = SellifyMetrics()
        let recorder = Recorder()
        let service = try service(metrics: metrics, recorder: recorder, store: try SQLiteStore.inMemory())
        let sunday = Timestamp(rfc3339: "2026-11-29T23:00:00Z")!  // 17:00 local
        let monday = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!  // 12:00 local
        service.tick(now: sunday)
        _ = try service.decide(
            MessageEvent(conversationID: "wa:1", messageID: "m1", text: "hola", receivedAt: sunday), at: sunday)
        #expect(recorder.rollovers.isEmpty)
        if decisionFirst {
            _ = try service.decide(
                MessageEvent(conversationID: "wa:2", messageID: "m2", text: "hola", receivedAt: monday), at: monday)
            service.tick(now: monday)
        } else {
            service.tick(now: monday)
            _ = try service.decide(
                MessageEvent(conversationID: "wa:2", messageID: "m2", text: "hola", receivedAt: monday), at: monday)
        }
        _ = try service.decide(
            MessageEvent(conversationID: "wa:3", messageID: "m3", text: "hola", receivedAt: monday), at: monday)
        service.tick(now: monday)
        #expect(recorder.rollovers.map(\.0.type).sorted { $0.rawValue < $1.rawValue } == [.daily, .weekly])
        #expect(recorder.rollovers.allSatisfy { $0.1 == (decisionFirst ? .decision : .clock) })
        #expect(resets(metrics, "daily") == "1")
        #expect(resets(metrics, "weekly") == "1")
        let audited = try service.store.auditRecords(AuditQuery(kind: "quota_rollover"))
        #expect(audited.count == 2)
    }

    /// Outbound messages go through the decision sequencer: a burst of
    /// decisions and outbound messages on one conversation, concurrently,
    /// leaves exactly their sum in the counters and the conversation's
    /// version counts every write.
    @Test func outboundMessagesAndDecisionsOfOneConversationNeverRace() throws {
        let metrics = SellifyMetrics()
        let store = try SQLiteStore.inMemory()
        let service = try service(metrics: metrics, recorder: Recorder(), store: store)
        let at = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        let writes = 40
        DispatchQueue.concurrentPerform(iterations: writes) { i in
            if i % 2 == 0 {
                _ = try? service.recordOutbound(
                    OutboundMessage(conversationID: "burst", messageID: "out-\(i)", kind: .text, sentAt: at), at: at)
            } else {
                _ = try? service.decide(
                    MessageEvent(conversationID: "burst", messageID: "in-\(i)", text: "hola", receivedAt: at), at: at
                )
            }
        }
        let conversation = try service.conversation(id: "burst")
        // Every write applied once, each on the state the one before left.
        #expect(conversation.version == writes)
        let audited = try store.auditRecords(AuditQuery(conversationID: "burst", limit: 1000))
        #expect(audited.filter { $0.entry.kind == "decision" }.count == writes / 2)
        #expect(audited.filter { $0.entry.kind == "outbound_message" }.count == writes / 2)
        let report = try service.quotaStatus(at: at)
        let messages = try #require(report.quotas.first { $0.quota == .messagesToday }?.status.used)
        // Every outbound message counts; inbound ones count when answered.
        #expect(messages == conversation.replyCount)
        #expect(conversation.replyCount >= writes / 2)
        let again = try service.recordOutbound(
            OutboundMessage(conversationID: "burst", messageID: "out-0", kind: .text, sentAt: at), at: at)
        #expect(again.replayed)
    }
}
