extension DecisionRequest {
    /// What the conversation remembers after this decision: a deferred
    /// message joins the burst waiting for the cooldown; a final decision
    /// answers the burst (it is cleared) and updates the products in focus,
    /// the language, the last intent, the run of fallbacks, the recent
    /// messages and — when it hands over — the handoff.
    mutating func settleMemory() {
        if verdict.deferredUntil != nil {
            if !conversation.pending.contains(where: { $0.messageID == event.messageID }) {
                conversation.pending.append(
                    PendingMessage(
                        messageID: event.messageID, type: event.type, text: event.text, receivedAt: event.receivedAt,
                        deferredAt: decidedAt))
            }
            return
        }
        // A message dropped past a full burst leaves the burst to its own answer.
        if verdict.dropsAlone { return }
        conversation.pending = []
        var memory = conversation.memory
        if conversation.state == "opted_out" { memory.handoff = nil }
        let named = (verdict.product.map { [$0.id] } ?? []) + (classification?.products.map(\.id) ?? [])
        memory.focus(on: named)
        if let language { memory.language = language }
        if let intent = classification?.intent { memory.lastIntent = intent.rawValue }
        memory.fallbacks = verdict.rule == "fallback" ? memory.fallbacks + 1 : 0
        memory.remember(
            ConversationMemory.Recent(
                messageID: event.messageID, at: decidedAt, digest: event.inputDigest,
                intent: classification?.intent.rawValue ?? IntentName.other.rawValue))
        if verdict.handsOver, memory.handoff == nil {
            let back = previousState == "escalated" || previousState == "opted_out" ? nil : previousState
            let handoff = ConversationMemory.Handoff(
                since: decidedAt, rule: verdict.rule, reason: verdict.reason,
                returnState: back ?? conversation.state.replacingEscalated)
            memory.handoff = handoff
            startedHandoff = handoff
        }
        conversation.memory = memory
    }
}

extension String {
    /// "escalated" is never a state to hand back to.
    fileprivate var replacingEscalated: String { self == "escalated" ? "browsing" : self }
}
