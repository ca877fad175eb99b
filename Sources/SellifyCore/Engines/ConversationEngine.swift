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
    /// initial state if new, with the inbound counted — once: a deferred
    /// message posted again (`messageID` pending) was counted when it came.
    /// A handoff idle for `conversation.handoff.idle_timeout` ends here (the
    /// assistant resumes in the state the handoff started from).
    public func receive(
        _ stored: ConversationRecord?, conversationID: String, messageID: String? = nil, at time: Timestamp
    ) -> ConversationRecord {
        var record = stored ?? ConversationRecord(id: conversationID, state: configuration.initialState)
        if messageID == nil || !record.pending.contains(where: { $0.messageID == messageID }) {
            record.inboundCount += 1
        }
        record.lastInboundAt = max(record.lastInboundAt ?? time, time)
        if let handoff = record.memory.handoff, let expiry = handoff.expiry(idle: configuration.handoff.idleTimeout),
            time >= expiry
        {
            handBack(&record)
        }
        return record
    }

    /// Ends a handoff: the assistant answers again, from the state the
    /// handoff started in. Returns false when no person had the conversation.
    @discardableResult
    public func handBack(_ record: inout ConversationRecord) -> Bool {
        guard let handoff = record.memory.handoff else { return false }
        record.memory.handoff = nil
        record.memory.fallbacks = 0
        if record.state == "escalated" || !configuration.states.contains(record.state) {
            record.state =
                configuration.states.contains(handoff.returnState) ? handoff.returnState : configuration.initialState
        }
        return true
    }

    /// A person of the team wrote in the conversation: it is theirs (the
    /// assistant stays silent) until handed back or idle.
    public func agentWrote(in record: inout ConversationRecord, at time: Timestamp, by person: String?) {
        if var handoff = record.memory.handoff {
            handoff.lastAgentAt = max(handoff.lastAgentAt ?? time, time)
            record.memory.handoff = handoff
            return
        }
        let back = record.state == "escalated" ? configuration.initialState : record.state
        record.memory.handoff = ConversationMemory.Handoff(
            since: time, rule: "agent_message",
            reason: "\(person.map { "'\($0)'" } ?? "a person") wrote in the conversation", returnState: back,
            lastAgentAt: time)
    }

    /// Whether a person handles the conversation now.
    public func humanActive(_ record: ConversationRecord) -> Bool { record.memory.handoff != nil }

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
        // The flag follows the state: opting back in (a move out of
        // opted_out) clears it.
        record.optedOut = state == "opted_out"
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
