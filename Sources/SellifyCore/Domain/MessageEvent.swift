/// The kinds of message a connector posts.
public enum MessageType: String, Sendable, Codable, CaseIterable {
    case text, image, audio, video, sticker, location, contact, reaction
}

/// One incoming customer message: the input of a decision.
public struct MessageEvent: Sendable, Equatable, Codable {
    public var conversationID: String
    /// The connector's id for the message; the idempotency key.
    public var messageID: String
    public var type: MessageType
    public var text: String
    public var receivedAt: Timestamp
    /// The platform, when the connector says it; else the conversation id's
    /// prefix (`wa:`, `ig:`, `tg:`) tells it (see `Channel`).
    public var channel: Channel?

    public init(
        conversationID: String, messageID: String, type: MessageType = .text, text: String, receivedAt: Timestamp,
        channel: Channel? = nil
    ) {
        self.conversationID = conversationID
        self.messageID = messageID
        self.type = type
        self.text = text
        self.receivedAt = receivedAt
        self.channel = channel
    }

    /// The platform the conversation is on.
    public var resolvedChannel: Channel { Channel(explicit: channel, conversationID: conversationID) }

    enum CodingKeys: String, CodingKey {
        case conversationID = "conversation_id", messageID = "message_id", type, text, receivedAt = "received_at"
        case channel
    }
}

/// Why an event was refused before any decision: a field and what is wrong with it.
public struct EventError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

extension MessageEvent {
    /// Longest id accepted for conversation and message ids.
    public static let maxIDLength = 256

    /// Decodes and checks an event from JSON, naming the field of any problem.
    public static func parse(
        json: some Sequence<UInt8>, maxTextLength: Int, maxDepth: Int = JSONValue.defaultMaxDepth
    ) throws(EventError) -> MessageEvent {
        let value: JSONValue
        do {
            value = try JSONValue.parse(Array(json), maxDepth: maxDepth)
        } catch {
            throw EventError(field: "", message: "invalid JSON: \(error.message)")
        }
        guard case .object(let fields) = value else {
            throw EventError(field: "", message: "expected a JSON object (a message event)")
        }
        let known: Set<String> = ["conversation_id", "message_id", "type", "text", "received_at", "channel"]
        for key in fields.keys.sorted() where !known.contains(key) {
            throw EventError(field: key, message: "unknown field")
        }
        func string(_ key: String, required: Bool) throws(EventError) -> String? {
            switch fields[key] {
            case .string(let s)?: return s
            case nil, .null?:
                if required { throw EventError(field: key, message: "missing") }
                return nil
            case let other?:
                throw EventError(field: key, message: "expected a string, got \(other.kindDescription)")
            }
        }
        let conversationID = try string("conversation_id", required: true)!
        let messageID = try string("message_id", required: true)!
        for (name, id) in [("conversation_id", conversationID), ("message_id", messageID)] {
            if id.isEmpty { throw EventError(field: name, message: "must not be empty") }
            if id.utf8.count > maxIDLength {
                throw EventError(field: name, message: "longer than \(maxIDLength) bytes")
            }
        }
        let typeName = try string("type", required: false) ?? "text"
        guard let type = MessageType(rawValue: typeName) else {
            let known = MessageType.allCases.map(\.rawValue).joined(separator: ", ")
            throw EventError(field: "type", message: "unknown message type '\(typeName)' (expected one of \(known))")
        }
        let text = try string("text", required: type == .text) ?? ""
        if type == .text && text.allSatisfy(\.isWhitespace) {
            throw EventError(field: "text", message: "must not be empty for a text message")
        }
        if text.count > maxTextLength {
            throw EventError(field: "text", message: "longer than \(maxTextLength) characters")
        }
        let rawTime = try string("received_at", required: true)!
        guard let receivedAt = Timestamp(rfc3339: rawTime) else {
            throw EventError(
                field: "received_at",
                message: "expected an RFC 3339 timestamp such as 2026-11-29T20:15:00Z, got \"\(rawTime)\"")
        }
        var channel: Channel?
        if let name = try string("channel", required: false) {
            guard let value = Channel(rawValue: name) else {
                let known = Channel.allCases.map(\.rawValue).joined(separator: ", ")
                throw EventError(field: "channel", message: "unknown channel '\(name)' (expected one of \(known))")
            }
            channel = value
        }
        return MessageEvent(
            conversationID: conversationID, messageID: messageID, type: type, text: text, receivedAt: receivedAt,
            channel: channel)
    }
}

extension Timestamp {
    /// Refuses a connector's claimed time (`received_at`, `sent_at`) that is
    /// further than `maxSkew` ahead of `now`, the server's clock. A claim in
    /// the past is accepted as it is: it is recorded, never used to judge a
    /// window or a cooldown.
    public func checkClaim(field: String, now: Timestamp, maxSkew: ConfigDuration) throws(EventError) {
        let ahead = milliseconds - now.milliseconds
        guard ahead > maxSkew.milliseconds else { return }
        throw EventError(
            field: field,
            message: "\(self) is \(Self.roughly(ahead)) ahead of the server's clock (\(now)); "
                + "server.max_clock_skew allows \(maxSkew)")
    }

    /// `5d`, `3h`, `12m`, `40s`, `250ms`: the largest whole unit (rounded down).
    static func roughly(_ milliseconds: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds >= size {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }
}
