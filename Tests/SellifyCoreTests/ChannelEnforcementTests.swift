import Foundation
import SellifyCore
import SellifyPlugins
import SellifyStore
import Testing

/// The platforms' limits enforced by the host under the operator's quotas:
/// the stricter wins.
struct ChannelEnforcementTests {
    /// The shipped deployment with `edits` applied to config.yaml.
    static func service(_ edits: [(String, String)]) throws -> (DecisionService, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let path = directory.url.appendingPathComponent("config.yaml")
        var config = try String(contentsOf: path, encoding: .utf8)
        for (old, new) in edits {
            #expect(config.contains(old), "config.yaml has no '\(old)'")
            config = config.replacingOccurrences(of: old, with: new)
        }
        try config.write(to: path, atomically: true, encoding: .utf8)
        let deployment = try Deployment.load(
            configPath: path.path, plugins: .builtin, environment: [:], poolSize: 1)
        let start = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        return (
            try DecisionService.open(deployment, store: try SQLiteStore.inMemory(), clock: FixedClock(start)), directory
        )
    }

    static func template(_ conversation: String, _ id: String, at time: Timestamp) -> OutboundMessage {
        OutboundMessage(
            conversationID: conversation, messageID: id, kind: .text, sentAt: time, template: "promo_diciembre")
    }

    /// The operator allows 100,000 messages a day, WhatsApp's tier 250 unique
    /// users in 24 h: the 251st new user is refused, a user already counted
    /// is not, and 24 hours later the window has room again.
    @Test func thePortfolioCeilingHoldsWhenTheOperatorsQuotaIsHigher() throws {
        let (service, directory) = try Self.service([
            ("messages_per_day: 200", "messages_per_day: 100000"),
            ("messages_per_week: 1000", "messages_per_week: 1000000"),
        ])
        _ = directory
        let start = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        for user in 0..<250 {
            let at = Timestamp(milliseconds: start.milliseconds + Int64(user) * 1000)
            _ = try service.recordOutbound(Self.template("wa:52155\(user)", "t\(user)", at: at), at: at)
        }
        let later = Timestamp(milliseconds: start.milliseconds + 600_000)
        #expect(throws: ServiceError.self) {
            _ = try service.recordOutbound(Self.template("wa:new-user", "t-new", at: later), at: later)
        }
        do {
            _ = try service.recordOutbound(Self.template("wa:new-user", "t-new", at: later), at: later)
        } catch {
            #expect(error.code == "portfolio_limit_reached")
            #expect(error.message.contains("250"))
        }
        // A user counted already may be sent to again.
        let again = try service.recordOutbound(Self.template("wa:521557", "t7-again", at: later), at: later)
        #expect(!again.replayed)
        // Not WhatsApp: no portfolio limit.
        _ = try service.recordOutbound(Self.template("tg:someone", "tg-1", at: later), at: later)
        // 25 hours after the first sends the window has room again.
        let nextDay = Timestamp(milliseconds: start.milliseconds + 25 * 3_600_000)
        _ = try service.recordOutbound(Self.template("wa:new-user", "t-new-2", at: nextDay), at: nextDay)
        #expect(try service.conversation(id: "wa:new-user").memory.portfolioHour != nil)
    }

    /// Telegram allows one message a second per chat: with the operator's
    /// cooldown at 0 s, an answer half a second after the last is deferred
    /// to the end of Telegram's second; on WhatsApp it is answered.
    @Test(arguments: [("tg:carla", true), ("wa:carla", false)])
    func telegramsPerChatIntervalDefersWhenStricterThanTheOperators(_ conversation: String, deferred: Bool) throws {
        let (service, directory) = try Self.service([("min_interval: 3s", "min_interval: 0s")])
        _ = directory
        let first = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        let second = Timestamp(rfc3339: "2026-11-30T18:00:00.500Z")!
        let one = try service.decide(
            MessageEvent(conversationID: conversation, messageID: "m1", text: "hola", receivedAt: first), at: first)
        #expect(one.decision?.action == .respondText)
        let two = try service.decide(
            MessageEvent(
                conversationID: conversation, messageID: "m2", text: "¿cuánto cuesta la taza?", receivedAt: second),
            at: second)
        let decision = try #require(two.decision)
        if deferred {
            #expect(decision.rule == "cooldown_deferred")
            #expect(decision.deferredUntil == Timestamp(rfc3339: "2026-11-30T18:00:01Z"))
        } else {
            #expect(decision.rule == "price_question")
        }
    }

    /// The host never answers an opted-out conversation, whatever the rules
    /// say: a policy that answers everything is turned into Ignore.
    @Test func anOptedOutConversationIsNeverAnsweredWhateverTheRulesSay() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let rules = directory.url.appendingPathComponent("rules/decision.lua")
        var source = try String(contentsOf: rules, encoding: .utf8)
        source = source.replacingOccurrences(
            of: "function decide(ctx)\n",
            with: """
                function decide(ctx)
                  if (ctx.event or {}).text ~= "STOP" then
                    return { action = "RespondText", rule = "always_answer", reason = "x", template = "greeting" }
                  end

                """)
        try source.write(to: rules, atomically: true, encoding: .utf8)
        let deployment = try Deployment.load(
            configPath: directory.url.appendingPathComponent("config.yaml").path, plugins: .builtin, environment: [:],
            poolSize: 1)
        let at = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        let service = try DecisionService.open(deployment, store: try SQLiteStore.inMemory(), clock: FixedClock(at))
        let stop = try service.decide(
            MessageEvent(conversationID: "wa:o", messageID: "o1", text: "STOP", receivedAt: at), at: at)
        #expect(stop.decision?.conversation.state == "opted_out")
        for (index, text) in ["hola", "¿cuánto cuesta?", "START"].enumerated() {
            let time = Timestamp(milliseconds: at.milliseconds + Int64(index + 1) * 60_000)
            let decision = try #require(
                try service.decide(
                    MessageEvent(conversationID: "wa:o", messageID: "o\(index + 2)", text: text, receivedAt: time),
                    at: time
                ).decision)
            // START is an opt-in intent, but this policy proposes no way out of opted_out.
            #expect(decision.action == .ignore, "\(text)")
            #expect(decision.rule == "opted_out_enforced", "\(text)")
        }
    }

    /// WhatsApp's 80 messages a second per number, across conversations:
    /// in one second 80 answers (decisions and messages recorded as sent)
    /// go out, the 81st waits for the next second; other channels are not
    /// counted; the next second has room again.
    @Test func whatsAppsMessagesPerSecondHoldAcrossConversations() throws {
        let (service, directory) = try Self.service([
            ("messages_per_day: 200", "messages_per_day: 100000"),
            ("messages_per_week: 1000", "messages_per_week: 1000000"),
        ])
        _ = directory
        let second = Timestamp(rfc3339: "2026-11-30T18:00:07Z")!
        func ask(_ conversation: String, _ id: String, at time: Timestamp) throws -> Decision {
            try #require(
                try service.decide(
                    MessageEvent(
                        conversationID: conversation, messageID: id, text: "¿cuánto cuesta la taza?", receivedAt: time),
                    at: time
                ).decision)
        }
        // 70 decisions and 10 agents' messages within the second, in order.
        for n in 0..<70 {
            let at = Timestamp(milliseconds: second.milliseconds + Int64(n) * 10)
            #expect(try ask("wa:52155\(n)", "q\(n)", at: at).action == .respondText, "decision \(n)")
        }
        for n in 0..<10 {
            let at = Timestamp(milliseconds: second.milliseconds + 800 + Int64(n))
            _ = try service.recordOutbound(
                OutboundMessage(
                    conversationID: "wa:52155\(n)", messageID: "agent-\(n)", kind: .text, sentAt: at, sender: .agent),
                at: at)
        }
        let late = Timestamp(milliseconds: second.milliseconds + 900)
        let deferred = try ask("wa:5215599", "q99", at: late)
        #expect(deferred.action == .ignore && deferred.rule == "throughput_deferred")
        #expect(deferred.deferredUntil == Timestamp(rfc3339: "2026-11-30T18:00:08Z"))
        #expect(deferred.reason.contains("80 of 80 messages a second sent on whatsapp"))
        // Not WhatsApp: not counted.
        #expect(try ask("ig:someone", "ig1", at: late).action == .respondText)
        // The connector posts the deferred message again when told: answered.
        let next = Timestamp(rfc3339: "2026-11-30T18:00:08Z")!
        let answered = try ask("wa:5215599", "q99", at: next)
        #expect(answered.action == .respondText && answered.rule == "price_question")
    }

    /// Past a full burst (10 messages waiting for the cooldown) one more
    /// message is dropped alone: the burst stays pending and is answered
    /// whole when the cooldown allows.
    @Test func aFullBurstDropsOnlyTheMessageOverIt() throws {
        let (service, directory) = try Self.service([])
        _ = directory
        let start = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        func post(_ id: String, _ text: String, at offset: Int64) throws -> Decision {
            let at = Timestamp(milliseconds: start.milliseconds + offset)
            return try #require(
                try service.decide(
                    MessageEvent(conversationID: "wa:burst", messageID: id, text: text, receivedAt: at), at: at
                ).decision)
        }
        #expect(try post("b0", "hola", at: 0).action == .respondText)
        for n in 1...PendingMessage.maxPerConversation {
            #expect(try post("b\(n)", "¿cuánto cuesta la taza?", at: Int64(n) * 100).rule == "cooldown_deferred")
        }
        let over = try post("b-over", "¿y la libreta?", at: 1_500)
        #expect(over.rule == "cooldown_enforced" && over.merged == nil)
        let answered = try post("b1", "¿cuánto cuesta la taza?", at: 4_000)
        #expect(answered.action == .respondText)
        #expect(answered.merged == (2...PendingMessage.maxPerConversation).map { "b\($0)" })
    }

    /// Consent holds for messages recorded through the outbound route too:
    /// the assistant sends nothing to a conversation that opted out; a
    /// person may still write.
    @Test func theAssistantSendsNothingToAnOptedOutConversation() throws {
        let (service, directory) = try Self.service([])
        _ = directory
        let at = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        let stop = try service.decide(
            MessageEvent(conversationID: "wa:gone", messageID: "s1", text: "STOP", receivedAt: at), at: at)
        #expect(stop.decision?.conversation.state == "opted_out")
        let later = Timestamp(rfc3339: "2026-11-30T18:05:00Z")!
        do {
            _ = try service.recordOutbound(Self.template("wa:gone", "promo-1", at: later), at: later)
            Issue.record("a template to an opted-out conversation was recorded")
        } catch {
            #expect(error.code == "opted_out" && error.message.contains("wa:gone"))
        }
        let agent = try service.recordOutbound(
            OutboundMessage(
                conversationID: "wa:gone", messageID: "agent-1", kind: .text, sentAt: later, sender: .agent),
            at: later)
        #expect(!agent.replayed)
    }
}
