/// What handing a conversation back answers: the conversation after it.
public struct HandbackReceipt: Sendable {
    public var conversation: ConversationRecord
    /// The handoff that ended.
    public var handoff: ConversationMemory.Handoff
}

extension DecisionService {
    /// Ends the handoff of `conversationID` at `time` (the server's): the
    /// assistant answers again, from the state the handoff started in. In
    /// the conversation's sequence, like decisions; audited (`handback`).
    /// Refused with 404 for an unknown conversation and 409
    /// `not_handed_over` when no person has it.
    public func handBack(
        _ conversationID: String, by person: String?, at time: Timestamp
    ) throws(ServiceError)
        -> HandbackReceipt
    {
        if conversationID.utf8.count > MessageEvent.maxIDLength {
            throw .invalidField("id", "longer than \(MessageEvent.maxIDLength) bytes")
        }
        let snapshot = self.snapshot
        let pipeline = snapshot.pipeline
        enum Planned: Sendable {
            case handedBack(HandbackReceipt)
            case unknown
            case notHandedOver(ConversationRecord)
        }
        let outcome: DecisionSequencer.Sequenced<Planned>
        do {
            outcome = try pipeline.sequencer.commit(
                on: store, conversationID: conversationID, counters: [],
                what: "hand back conversation '\(conversationID)'"
            ) { state throws(StoreError) -> DecisionSequencer.Plan<Planned> in
                guard let stored = state.conversation else { return .decline(.unknown) }
                guard let handoff = stored.memory.handoff else { return .decline(.notHandedOver(stored)) }
                var conversation = stored
                pipeline.conversations.handBack(&conversation)
                conversation.version = stored.version + 1
                var summary = JSONObjectWriter()
                summary["by"] = person.map { .string($0) } ?? .null
                summary["handoff_since"] = .string(handoff.since.description)
                summary["handoff_rule"] = .string(handoff.rule)
                summary["previous_state"] = .string(stored.state)
                summary["state"] = .string(conversation.state)
                let commit = DecisionCommit(
                    messageID: "handback:\(conversationID):\(conversation.version)", decidedAt: time,
                    conversation: conversation, expectedConversationVersion: stored.version, expectedUsage: [:],
                    consumption: [:], decision: nil,
                    audit: [
                        AuditEntry(
                            kind: "handback", at: time, conversationID: conversationID, messageID: nil,
                            summary: summary.string, rulesVersion: snapshot.rulesVersion)
                    ])
                return .commit(commit, .handedBack(HandbackReceipt(conversation: conversation, handoff: handoff)))
            }
        } catch {
            notify(.storeFailed(error))
            throw .store(error)
        }
        switch outcome {
        case .committed(.handedBack(let receipt)), .declined(.handedBack(let receipt)):
            notify(.audited(count: 1))
            return receipt
        case .declined(.unknown), .committed(.unknown), .duplicate:
            throw ServiceError(.notFound, "conversation_not_found", "no conversation with id '\(conversationID)'")
        case .declined(.notHandedOver(let record)), .committed(.notHandedOver(let record)):
            var details = JSONObjectWriter()
            details["state"] = .string(record.state)
            throw ServiceError(
                .conflict, "not_handed_over",
                "conversation '\(conversationID)' is not handled by a person (state '\(record.state)'); nothing to hand back",
                details: details)
        }
    }
}
