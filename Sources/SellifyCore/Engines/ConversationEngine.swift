/// The conversation state machine. States and allowed transitions come from
/// config; the policy proposes the next state and this engine enforces it.
public struct ConversationEngine: Sendable {
    public let configuration: ConversationConfiguration
    private let allowed: [String: Set<String>]

    public init(configuration: ConversationConfiguration) {
        self.configuration = configuration
        self.allowed = configuration.transitions.mapValues(Set.init)
    }

    /// The conversation as this inbound message finds it: created in the
    /// initial state if new, with the inbound counted.
    public func receive(_ stored: ConversationRecord?, conversationID: String, at time: Timestamp) -> ConversationRecord
    {
        var record = stored ?? ConversationRecord(id: conversationID, state: configuration.initialState)
        record.inboundCount += 1
        record.lastInboundAt = max(record.lastInboundAt ?? time, time)
        return record
    }

    /// Whether `from → to` is allowed (staying is always allowed).
    public func allows(from: String, to: String) -> Bool {
        from == to || allowed[from]?.contains(to) == true
    }

    /// Applies a proposed state; returns false when config forbids the move
    /// (the state then stays).
    @discardableResult
    public func propose(_ state: String?, to record: inout ConversationRecord) -> Bool {
        guard let state else { return true }
        guard allows(from: record.state, to: state) else { return false }
        record.state = state
        if state == "opted_out" { record.optedOut = true }
        return true
    }

    /// Counts a reply sent at `time`; keeps the reply times of the last hour,
    /// oldest first. Times never move backwards: a reply stamped a moment
    /// before the last one recorded is kept at its own time but the last
    /// reply stays the latest.
    public func recordReply(to record: inout ConversationRecord, at time: Timestamp) {
        record.replyCount += 1
        record.lastOutboundAt = max(record.lastOutboundAt ?? time, time)
        let latest = record.lastOutboundAt!.milliseconds
        var recent = record.recentReplies.filter { latest - $0.milliseconds < 3_600_000 }
        recent.insert(time, at: recent.firstIndex(where: { $0 > time }) ?? recent.endIndex)
        record.recentReplies = recent
    }
}
