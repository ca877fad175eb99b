/// What a conversation remembers between messages, so a follow-up ("send me a
/// photo", "I'll take it") resolves against what was said before. Bounded
/// and deterministic: it changes only through decisions, handbacks and agent
/// messages, each a recorded input.
public struct ConversationMemory: Sendable, Equatable, Codable {
    /// Products in focus, most recent first (catalog ids, at most `maxProducts`).
    public var products: [String] = []
    /// The conversation's language: the last one the customer's words showed.
    public var language: String?
    /// The intent of the last message decided.
    public var lastIntent: String?
    /// Consecutive decisions of the rule `fallback` (the message was not understood).
    public var fallbacks: Int = 0
    /// Set while a person handles the conversation (the assistant stays silent).
    public var handoff: Handoff?
    /// The last messages decided, oldest first (at most `maxRecent`): what a
    /// handoff packet tells the team, without the customer's words.
    public var recent: [Recent] = []
    /// The hour (since 1970) this customer was last counted in WhatsApp's
    /// portfolio limit (a business-initiated message).
    public var portfolioHour: Int64?

    public static let maxProducts = 3
    public static let maxRecent = 5

    public struct Recent: Sendable, Equatable, Codable {
        public var messageID: String
        public var at: Timestamp
        /// SHA-256 of the input event (the audit record's `input_digest`).
        public var digest: String
        public var intent: String
        enum CodingKeys: String, CodingKey { case messageID = "message_id", at, digest, intent }

        public init(messageID: String, at: Timestamp, digest: String, intent: String) {
            self.messageID = messageID
            self.at = at
            self.digest = digest
            self.intent = intent
        }
    }

    mutating func remember(_ message: Recent) {
        recent.removeAll { $0.messageID == message.messageID }
        recent.append(message)
        if recent.count > Self.maxRecent { recent.removeFirst(recent.count - Self.maxRecent) }
    }

    public init(
        products: [String] = [], language: String? = nil, lastIntent: String? = nil, fallbacks: Int = 0,
        handoff: Handoff? = nil
    ) {
        self.products = products
        self.language = language
        self.lastIntent = lastIntent
        self.fallbacks = fallbacks
        self.handoff = handoff
    }

    /// A person took the conversation over: when, why, and where the assistant
    /// resumes when it is handed back.
    public struct Handoff: Sendable, Equatable, Codable {
        /// The server's time the handoff started.
        public var since: Timestamp
        /// The rule that handed over (`human_request`, `complaint`, `order`…).
        public var rule: String
        public var reason: String
        /// The state the conversation returns to on handback.
        public var returnState: String
        /// The last message an agent sent in it (the idle timeout counts from
        /// the later of this and `since`).
        public var lastAgentAt: Timestamp?

        public init(since: Timestamp, rule: String, reason: String, returnState: String, lastAgentAt: Timestamp? = nil)
        {
            self.since = since
            self.rule = rule
            self.reason = reason
            self.returnState = returnState
            self.lastAgentAt = lastAgentAt
        }

        /// When the handoff ends by itself after `idle` without agent messages (nil: never).
        public func expiry(idle: ConfigDuration) -> Timestamp? {
            guard idle.milliseconds > 0 else { return nil }
            let from = max(since, lastAgentAt ?? since)
            return Timestamp(milliseconds: from.milliseconds + idle.milliseconds)
        }

        enum CodingKeys: String, CodingKey {
            case since, rule, reason, returnState = "return_state", lastAgentAt = "last_agent_at"
        }
    }

    enum CodingKeys: String, CodingKey {
        case products, language, lastIntent = "last_intent", fallbacks, handoff, recent
        case portfolioHour = "portfolio_hour"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        products = try c.decodeIfPresent([String].self, forKey: .products) ?? []
        language = try c.decodeIfPresent(String.self, forKey: .language)
        lastIntent = try c.decodeIfPresent(String.self, forKey: .lastIntent)
        fallbacks = try c.decodeIfPresent(Int.self, forKey: .fallbacks) ?? 0
        handoff = try c.decodeIfPresent(Handoff.self, forKey: .handoff)
        recent = try c.decodeIfPresent([Recent].self, forKey: .recent) ?? []
        portfolioHour = try c.decodeIfPresent(Int64.self, forKey: .portfolioHour)
    }

    /// Puts `ids` in focus, in order, ahead of what was in focus before.
    public mutating func focus(on ids: [String]) {
        guard !ids.isEmpty else { return }
        var next: [String] = []
        for id in ids + products where !next.contains(id) { next.append(id) }
        products = Array(next.prefix(Self.maxProducts))
    }
}

/// A customer message that arrived while the conversation was cooling down:
/// kept (sealed at rest) until the cooldown allows one answer to all of them.
public struct PendingMessage: Sendable, Equatable, Codable {
    public var messageID: String
    public var type: MessageType
    public var text: String
    /// The connector's claim, as posted.
    public var receivedAt: Timestamp
    /// The server's time it was first deferred.
    public var deferredAt: Timestamp

    public init(messageID: String, type: MessageType, text: String, receivedAt: Timestamp, deferredAt: Timestamp) {
        self.messageID = messageID
        self.type = type
        self.text = text
        self.receivedAt = receivedAt
        self.deferredAt = deferredAt
    }

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id", type, text, receivedAt = "received_at", deferredAt = "deferred_at"
    }

    /// Most messages one burst keeps; beyond it a message is answered on its own turn.
    public static let maxPerConversation = 10
}

extension ConversationMemory {
    /// The stored form: a JSON object with sorted keys and no nulls — what
    /// `JSONEncoder` with `.sortedKeys` writes for it (the same bytes unless a
    /// string needs escaping), without its cost: the encoder took a tenth of
    /// a durable decision's CPU. `init(from:)` reads it back.
    public var jsonString: String {
        var out = "{"
        // `"key":"value"`, after a comma unless it opens its object.
        func string(_ key: String, _ value: String, first: Bool = false) {
            out += first ? "\"" : ",\""
            out += key
            out += "\":"
            JSONFragment.writeString(value, to: &out)
        }
        out += "\"fallbacks\":" + String(fallbacks)
        if let handoff {
            out += ",\"handoff\":{"
            if let lastAgentAt = handoff.lastAgentAt { string("last_agent_at", lastAgentAt.description, first: true) }
            string("reason", handoff.reason, first: handoff.lastAgentAt == nil)
            string("return_state", handoff.returnState)
            string("rule", handoff.rule)
            string("since", handoff.since.description)
            out += "}"
        }
        if let language { string("language", language) }
        if let lastIntent { string("last_intent", lastIntent) }
        if let portfolioHour { out += ",\"portfolio_hour\":" + String(portfolioHour) }
        out += ",\"products\":["
        for (index, product) in products.enumerated() {
            if index > 0 { out += "," }
            JSONFragment.writeString(product, to: &out)
        }
        out += "],\"recent\":["
        for (index, message) in recent.enumerated() {
            out += index > 0 ? ",{" : "{"
            string("at", message.at.description, first: true)
            string("digest", message.digest)
            string("intent", message.intent)
            string("message_id", message.messageID)
            out += "}"
        }
        out += "]}"
        return out
    }
}
