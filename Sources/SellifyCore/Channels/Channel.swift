/// The messaging platform a conversation runs on. Each platform's own limits
/// (`rules/channels.yaml`) apply to its conversations; `other` has none.
public enum Channel: String, Sendable, Hashable, CaseIterable, Codable {
    case whatsapp, instagram, telegram, other

    /// Conversation id prefixes that name a platform, e.g. `wa:5215512345678`.
    public static let conversationPrefixes: [(prefix: String, channel: Channel)] = [
        ("wa:", .whatsapp), ("ig:", .instagram), ("tg:", .telegram),
    ]

    /// The channel a conversation id names by its prefix (`wa:`, `ig:`, `tg:`,
    /// compared exactly); any other id is `other`.
    public init(conversationID: String) {
        self = Self.conversationPrefixes.first { conversationID.hasPrefix($0.prefix) }?.channel ?? .other
    }

    /// A connector's explicit channel wins over the id's prefix: an id is the
    /// connector's choice and need not follow the `wa:` convention.
    public init(explicit: Channel?, conversationID: String) {
        self = explicit ?? Channel(conversationID: conversationID)
    }

    /// `WhatsApp`, `Instagram`, `Telegram` or `other`, for messages.
    public var displayName: String {
        switch self {
        case .whatsapp: "WhatsApp"
        case .instagram: "Instagram"
        case .telegram: "Telegram"
        case .other: "other"
        }
    }
}
