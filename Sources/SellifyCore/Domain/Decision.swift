/// The answer for one message event. Encoded as JSON with sorted keys, so the
/// same decision is the same bytes on any machine.
public struct Decision: Sendable, Equatable, Codable {
    public struct ConversationChange: Sendable, Equatable, Codable {
        public var state: String
        public var previousState: String
        enum CodingKeys: String, CodingKey { case state, previousState = "previous_state" }
        public init(state: String, previousState: String) {
            self.state = state
            self.previousState = previousState
        }
    }

    public struct QuotaStatus: Sendable, Equatable, Codable {
        public var used: Int
        public var limit: Int
        public init(used: Int, limit: Int) {
            self.used = used
            self.limit = limit
        }
    }

    public struct Media: Sendable, Equatable, Codable {
        public var kind: MediaKind
        public var url: String
        public init(kind: MediaKind, url: String) {
            self.kind = kind
            self.url = url
        }
    }

    public struct TraceEntry: Sendable, Equatable, Codable {
        public var stage: String
        public var outcome: String
        public var micros: Int
        public init(stage: String, outcome: String, micros: Int) {
            self.stage = stage
            self.outcome = outcome
            self.micros = micros
        }
    }

    /// Derived from the message id: the same event always has the same id.
    public var decisionID: String
    public var conversationID: String
    public var messageID: String
    /// The server's time of the decision (see `DecisionPipeline`).
    public var decidedAt: Timestamp
    public var action: Action
    public var rule: String
    public var reason: String
    public var text: String?
    public var media: Media?
    public var product: String?
    public var language: String?
    public var intent: String?
    public var conversation: ConversationChange
    /// `messages_today`, `messages_week`, `images_today`, `videos_week`, after this decision.
    public var quota: [String: QuotaStatus]
    public var rulesVersion: String
    /// Set when a stage failed and the configured fallback decided.
    public var fallback: Bool?
    /// Deferred by the cooldown: not final; post the message again at this
    /// time (it is then answered together with the messages after it).
    public var deferredUntil: Timestamp?
    /// The earlier messages of a burst this decision answers too (their own
    /// ids now answer `Ignore`, rule `burst_merged`).
    public var merged: [String]?
    /// This decision handed the conversation to a person.
    public var handoff: Bool?
    public var trace: [TraceEntry]?

    enum CodingKeys: String, CodingKey {
        case decisionID = "decision_id", conversationID = "conversation_id", messageID = "message_id"
        case decidedAt = "decided_at"
        case action, rule, reason, text, media, product, language, intent, conversation, quota
        case rulesVersion = "rules_version", fallback, trace
        case deferredUntil = "deferred_until", merged = "merged_message_ids", handoff
    }

    public init(
        decisionID: String, conversationID: String, messageID: String, decidedAt: Timestamp, action: Action,
        rule: String, reason: String,
        text: String? = nil, media: Media? = nil, product: String? = nil, language: String? = nil,
        intent: String? = nil,
        conversation: ConversationChange, quota: [String: QuotaStatus], rulesVersion: String, fallback: Bool? = nil,
        trace: [TraceEntry]? = nil
    ) {
        self.decisionID = decisionID
        self.conversationID = conversationID
        self.messageID = messageID
        self.decidedAt = decidedAt
        self.action = action
        self.rule = rule
        self.reason = reason
        self.text = text
        self.media = media
        self.product = product
        self.language = language
        self.intent = intent
        self.conversation = conversation
        self.quota = quota
        self.rulesVersion = rulesVersion
        self.fallback = fallback
        self.trace = trace
    }
}
