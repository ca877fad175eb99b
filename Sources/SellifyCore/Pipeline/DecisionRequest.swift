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

    public var normalized: NormalizedText?
    public var classification: Classification?
    /// The conversation as this decision leaves it.
    public var conversation: ConversationRecord
    public var previousState: String
    public var quota: [QuotaEngine.Quota: Decision.QuotaStatus] = [:]
    public var cooldown: RateLimitEngine.Status?
    /// The ctx given to `decide(ctx)`, reused by the validator's `check(text, ctx)`.
    public var context: LuaValue?
    /// What `decide(ctx)` proposed, before the host enforced limits.
    public var policy: PolicyDecision?

    public var action: Action = .ignore
    public var rule = ""
    public var reason = ""
    public var template: String?
    public var product: Product?
    public var text: String?
    public var media: Decision.Media?
    public var validation: ValidationResult?
    /// Set when a failing stage made the fallback decide.
    public var fallback = false
    /// Quota the final action consumes (Respond* only).
    public var consumption: [QuotaCounterKey: Int] = [:]
    public var audit: [AuditEntry] = []
    public var alerts: [AlertEvent] = []
    /// What the rules logged or counted during this decision.
    public var ruleEffects = LuaState.SideEffects()

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
    }

    /// Products the decision talks about: its own product first, then those
    /// the customer named.
    public var contextProducts: [Product] {
        var products: [Product] = product.map { [$0] } ?? []
        for named in classification?.products ?? [] where !products.contains(where: { $0.id == named.id }) {
            products.append(named)
        }
        return products
    }
}
