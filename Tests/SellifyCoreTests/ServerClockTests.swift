import Foundation
import SellifyCore
import SellifyLua
import SellifyPlugins
import SellifyStore
import Testing

/// The anti-ban limits, cooldowns, conversation times and roll-overs follow
/// the server's clock (`decided_at`), never the connector's `received_at`.
struct ServerClockTests {
    static let now = ts("2026-12-01T18:00:00Z")

    func pipeline(
        _ edit: (inout SellifyConfiguration) -> Void = { _ in }, store: (any DecisionStore)? = nil,
        scheduler: QuotaScheduler = QuotaScheduler()
    ) throws -> DecisionPipeline {
        let deployment = try shippedDeployment()
        var configuration = deployment.configuration
        edit(&configuration)
        return DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: configuration,
            store: try store ?? SQLiteStore.inMemory(), scheduler: scheduler)
    }

    func event(
        _ conversation: String, _ id: String, claimed: String, text: String = "¿Cuánto cuesta el Plan Premium?"
    )
        -> MessageEvent
    {
        MessageEvent(conversationID: conversation, messageID: id, text: text, receivedAt: ts(claimed))
    }

    /// A used-up daily limit stays used up whatever day the connector claims.
    @Test(arguments: [
        "2026-11-30T18:00:00Z", "2000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "2026-12-02T18:00:00Z",
    ])
    func aClaimedDayNeverOpensANewDailyWindow(_ claimed: String) throws {
        let store = try SQLiteStore.inMemory()
        let pipeline = try pipeline({ $0.quotas.limits.messagesPerDay = 5 }, store: store)
        for i in 0..<5 {
            let answer = try pipeline.decide(
                event("wa:\(i)", "used-\(i)", claimed: "2026-12-01T18:00:00Z"), at: Self.now)
            #expect(answer.decision?.action == .respondText)
        }
        for i in 0..<4 {
            let later = Timestamp(milliseconds: Self.now.milliseconds + Int64(i) * 1000)
            let result = try pipeline.decide(
                event("wa:claim-\(i)", "claim-\(claimed)-\(i)", claimed: claimed), at: later)
            let decision = try #require(result.decision)
            #expect(decision.action == .ignore, "\(decision.rule): \(decision.reason)")
            #expect(decision.quota["messages_today"] == Decision.QuotaStatus(used: 5, limit: 5))
            #expect(decision.decidedAt == later)
        }
        let windows = pipeline.calendar.windows(at: Self.now)
        let claimedWindows = pipeline.calendar.windows(at: ts(claimed))
        let today = pipeline.quota.key(.messagesToday, windows)
        let usage = try store.usage(of: [today, pipeline.quota.key(.messagesToday, claimedWindows)])
        #expect(usage[today] == 5)
        if claimedWindows.day != windows.day {
            #expect(usage[pipeline.quota.key(.messagesToday, claimedWindows)] ?? 0 == 0)
        }
    }

    /// Messages of one conversation whose claimed times run backwards, posted
    /// within a fraction of a second: one answer, then the cooldown.
    @Test func backwardsClaimsInOneConversationAreCooledDown() throws {
        let pipeline = try pipeline {
            $0.conversation.cooldown.minInterval = .seconds(60)
            $0.conversation.cooldown.maxRepliesPerHour = 3
        }
        var answered = 0
        for (i, hour) in ["12", "11", "10", "09", "08"].enumerated() {
            let at = Timestamp(milliseconds: Self.now.milliseconds + Int64(i) * 100)
            let result = try pipeline.decide(
                event("wa:back", "back-\(i)", claimed: "2026-12-01T\(hour):00:00Z"), at: at)
            if result.decision?.action == .respondText { answered += 1 }
        }
        #expect(answered == 1)
        let conversation = try #require(try pipeline.store.conversation(id: "wa:back"))
        #expect(conversation.recentReplies == [Self.now])
        #expect(conversation.lastInboundAt == Timestamp(milliseconds: Self.now.milliseconds + 400))
    }

    /// Spaced beyond the minimum interval on the server's clock, with claims
    /// going backwards: the rolling hour still holds at its limit.
    @Test func theRollingHourCountsServerTimes() throws {
        let pipeline = try pipeline {
            $0.conversation.cooldown.minInterval = .seconds(60)
            $0.conversation.cooldown.maxRepliesPerHour = 3
        }
        var actions: [Action] = []
        for i in 0..<5 {
            let at = Timestamp(milliseconds: Self.now.milliseconds + Int64(i) * 61_000)
            let claimed = Timestamp(milliseconds: Self.now.milliseconds - Int64(i) * 3_600_000)
            let result = try pipeline.decide(event("wa:hour", "hour-\(i)", claimed: claimed.description), at: at)
            actions.append(try #require(result.decision).action)
        }
        #expect(actions == [.respondText, .respondText, .respondText, .ignore, .ignore])
    }

    /// A future-dated claim does not roll the scheduler forward; the server's
    /// day does.
    @Test func aFutureClaimDoesNotRollTheSchedulerForward() throws {
        let scheduler = QuotaScheduler()
        let pipeline = try pipeline(scheduler: scheduler)
        _ = try pipeline.decide(event("wa:s", "s-1", claimed: "2026-12-01T18:00:00Z"), at: Self.now)
        let future = try pipeline.decide(event("wa:t", "s-2", claimed: "2027-01-15T18:00:00Z"), at: Self.now)
        #expect(future.resets.isEmpty)
        #expect(scheduler.lastWindows == pipeline.calendar.windows(at: Self.now))
        let tomorrow = Timestamp(milliseconds: Self.now.milliseconds + 86_400_000)
        let next = try pipeline.decide(event("wa:u", "s-3", claimed: "2020-01-01T00:00:00Z"), at: tomorrow)
        #expect(next.resets == [.daily])
    }

    /// The audit record carries the server's time; the claim is in its summary.
    @Test func theAuditRecordIsStampedWithTheDecisionTime() throws {
        let pipeline = try pipeline()
        _ = try pipeline.decide(event("wa:a", "a-1", claimed: "2000-01-01T00:00:00Z"), at: Self.now)
        let record = try #require(try pipeline.store.recentAudit(limit: 1).first)
        #expect(record.at == Self.now)
        #expect(record.summary.contains(#""received_at":"2000-01-01T00:00:00Z""#))
    }

    /// The rules see both times, and the seconds since the last reply on the server's clock.
    @Test func rulesSeeTheClaimAndTheDecisionTime() throws {
        let pipeline = try pipeline()
        let state = StoredState(conversation: nil, usage: [:])
        let (request, _, _) = pipeline.evaluate(
            event("wa:r", "r-1", claimed: "2026-12-01T17:59:00Z"), at: Self.now, state: state)
        let fields = try #require(request.verdict.context?.tableValue?["event"].tableValue)
        #expect(fields["decided_at"] == .string("2026-12-01T18:00:00Z"))
        #expect(fields["received_at"] == .string("2026-12-01T17:59:00Z"))
        #expect(fields["age_seconds"] == .integer(60))
        #expect(fields["local_time"] == .string("12:00"))  // America/Mexico_City, from decided_at
    }

    /// The same event at the same decision time gives the same bytes, on any day it is run.
    @Test func aDecisionIsAFunctionOfItsDecisionTime() throws {
        let first = try pipeline().decide(event("wa:p", "p-1", claimed: "2026-12-01T17:00:00Z"), at: Self.now)
        let again = try pipeline().decide(event("wa:p", "p-1", claimed: "2026-12-01T17:00:00Z"), at: Self.now)
        #expect(first.bytes == again.bytes)
        let later = try pipeline().decide(
            event("wa:p", "p-1", claimed: "2026-12-01T17:00:00Z"),
            at: Timestamp(milliseconds: Self.now.milliseconds + 1))
        #expect(later.bytes != first.bytes)
    }

    @Test(
        arguments: [
            ("2026-12-01T18:05:00Z", nil),
            (
                "2026-12-01T18:05:01Z",
                "received_at: 2026-12-01T18:05:01Z is 5m ahead of the server's clock (2026-12-01T18:00:00Z); server.max_clock_skew allows 5m"
            ),
            (
                "9999-12-31T23:59:59Z",
                "received_at: 9999-12-31T23:59:59Z is 2912108d ahead of the server's clock (2026-12-01T18:00:00Z); server.max_clock_skew allows 5m"
            ),
            ("0001-01-01T00:00:00Z", nil),
        ] as [(String, String?)])
    func claimsFarAheadOfTheServerAreRefused(_ claimed: String, _ message: String?) {
        do {
            try ts(claimed).checkClaim(field: "received_at", now: Self.now, maxSkew: .seconds(300))
            #expect(message == nil)
        } catch {
            #expect(error.description == message)
        }
    }
}
