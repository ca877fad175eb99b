public import SellifyLua

/// The working record of one decision as it moves through the stages. Built
/// from the event and the state read from the store; stages fill it in.
public struct DecisionRequest: Sendable {
    public let event: MessageEvent
    /// The server's time of this decision, stamped once as the event arrived:
    /// every window, cooldown and conversation time is judged on it (the
    /// event's `received_at` is the connector's claim, given to rules only).
    public let decidedAt: Timestamp
    /// `decidedAt` in the account's time zone.
    public let local: QuotaCalendar.LocalTime
    public let windows: QuotaCalendar.Windows
    /// Conversation as read (nil: first message) and counter usage as read.
    public let stored: StoredState
    /// What the decision reads: the text of the messages deferred before this
    /// one (a burst), then this message's, one per line.
    public let messageText: String
    /// The earlier messages of a burst this decision answers together with
    /// this one (oldest first; empty for a message on its own).
    public let merged: [PendingMessage]
    /// The platform the conversation is on.
    public let channel: Channel
    /// Whether a person is in at the decision's time (`business_hours`).
    public var business = BusinessHours.Status(open: true)

    // Each stage's result, in stage order; a stage reads only those before it
    // (through `require`, which names a stage run out of order).

    /// 1. The normalizer's folded text.
    public var normalized: NormalizedText?
    /// 2. The intent stage's reading: intent, media request, language, products named.
    public var classification: Classification?
    /// 3. The conversation as this decision leaves it (starts as the message finds it).
    public var conversation: ConversationRecord
    public var previousState: String
    /// The reply's language: the one the message shows, else the
    /// conversation's, else the rules' default (the conversation stage).
    public var language: String?
    /// Products the conversation was about before this message, most recent first.
    public var focus: [Product] = []
    /// The handoff this message found ended by the idle timeout.
    public var resumedFromHandoff: ConversationMemory.Handoff?
    /// The handoff this decision started (set when the memory is settled).
    public var startedHandoff: ConversationMemory.Handoff?
    /// 4–5. The limits the decision is made within.
    public var limits = Limits()
    /// 6. What was decided, after the host's enforcement (the rules' own
    /// proposal is `verdict.policy`); the fallback's verdict when a stage failed.
    public var verdict = Verdict()
    /// 7. The answer's wording or media.
    public var answer = Answer()
    /// 8. The validator's verdict on the answer's text.
    public var validation: ValidationResult?
    /// Quota the final action consumes (Respond* only).
    public var consumption: [QuotaCounterKey: Int] = [:]
    /// The decision sends a message (a reply or a handoff acknowledgement).
    public var sends = false
    /// The AI wording prepared for this message before it was sequenced, if any.
    public var prepared: PreparedWording?
    /// 9. The audit records this decision writes.
    public var audit: [AuditEntry] = []
    /// 10. The alerts it raises.
    public var alerts: [AlertEvent] = []
    /// What the rules logged or counted during this decision.
    public var ruleEffects = LuaState.SideEffects()
    /// The shadow candidate's decision compared with the enforced one (nil: no shadow).
    public var shadow: ShadowComparison?

    /// The quota and cooldown the decision saw (the quota and rate-limit stages).
    public struct Limits: Sendable {
        public var quota: [QuotaEngine.Quota: Decision.QuotaStatus] = [:]
        public var cooldown: RateLimitEngine.Status?
        /// The channel's messages-per-second limit, when it has one, and the
        /// messages already sent in the decision's second.
        public var throughput: (limit: Int, sent: Int)?
    }

    /// The decision itself: what to do, which rule said so and why.
    public struct Verdict: Sendable {
        public var action: Action = .ignore
        public var rule = ""
        public var reason = ""
        public var template: String?
        public var product: Product?
        /// What `decide(ctx)` proposed, before the host enforced limits.
        public var policy: PolicyDecision?
        /// The ctx `decide(ctx)` was given, reused by the validator's `check(text, ctx)`.
        public var context: LuaValue?
        /// The configured fallback decided (a stage failed).
        public var fallback = false
        /// Escalate: tell the customer a person will answer (the `handoff`
        /// template), within the quotas.
        public var acknowledge = false
        /// The conversation passes to a person after this decision (an
        /// escalation, or an answer to an intent of `handoff.after_intents`).
        public var handsOver = false
        /// Deferred by the cooldown until this time: not final, the connector
        /// posts the message again then (it is answered with the burst).
        public var deferredUntil: Timestamp?
        /// Dropped past a full burst (`<limit>_enforced`): the burst waiting
        /// before it stays pending, unanswered by this Ignore.
        public var dropsAlone = false

        public init() {}
    }

    /// What the answer says or shows.
    public struct Answer: Sendable {
        public var text: String?
        public var media: Decision.Media?
    }

    /// The decision stage's verdict, nil until it has run.
    public var decided: Verdict? { verdict.policy == nil ? nil : verdict }

    /// A stage's input, or a `StageOrderError` naming the stage that should
    /// have produced it.
    public func require<T>(_ value: T?, from producer: StageName, in consumer: StageName) throws(StageOrderError) -> T {
        guard let value else { throw StageOrderError(consumer: consumer, producer: producer) }
        return value
    }

    // The pre-typed names, kept for the engines and benchmarks that read them.
    public var quota: [QuotaEngine.Quota: Decision.QuotaStatus] {
        get { limits.quota }
        set { limits.quota = newValue }
    }
    public var cooldown: RateLimitEngine.Status? {
        get { limits.cooldown }
        set { limits.cooldown = newValue }
    }
    public var action: Action { verdict.action }
    public var rule: String { verdict.rule }
    public var reason: String { verdict.reason }
    public var product: Product? { verdict.product }
    public var text: String? { answer.text }
    public var media: Decision.Media? { answer.media }
    public var fallback: Bool { verdict.fallback }

    public init(
        event: MessageEvent, decidedAt: Timestamp, calendar: QuotaCalendar, stored: StoredState,
        conversation: ConversationRecord
    ) {
        self.event = event
        self.decidedAt = decidedAt
        self.local = calendar.local(decidedAt)
        self.windows = calendar.windows(for: local)
        self.stored = stored
        self.conversation = conversation
        self.previousState = stored.conversation?.state ?? conversation.state
        self.channel = event.resolvedChannel
        let merged = (stored.conversation?.pending ?? []).filter { $0.messageID != event.messageID }
        self.merged = merged
        let texts = merged.filter { $0.type == .text }.map(\.text)
        self.messageText = texts.isEmpty ? event.text : (texts + [event.text]).joined(separator: "\n")
    }

    /// Products the decision talks about: its own product first, then those
    /// the customer named, then those in the conversation's focus.
    public var contextProducts: [Product] {
        var products: [Product] = verdict.product.map { [$0] } ?? []
        for named in (classification?.products ?? []) + focus where !products.contains(where: { $0.id == named.id }) {
            products.append(named)
        }
        return products
    }
}

/// A stage ran before the stage whose result it reads: a programmer error,
/// answered like any stage failure (the fallback decides).
public struct StageOrderError: Error, Sendable, CustomStringConvertible {
    public var consumer: StageName
    public var producer: StageName
    public var description: String { "stage '\(consumer)' needs the result of '\(producer)', which has not run" }
}
