extension DecisionRequest {
    /// The notice the team gets when this decision hands the conversation to
    /// a person: why, which rule, the products and language, the quotas and
    /// the last few messages (ids and digests, never the customer's words;
    /// `GET /api/v1/audit?include=sensitive` has those for who may read them).
    func handoffNotice(_ decision: Decision) -> AlertEvent? {
        guard let handoff = startedHandoff else { return nil }
        var packet = JSONObjectWriter()
        packet["conversation_id"] = .string(event.conversationID)
        packet["message_id"] = .string(event.messageID)
        packet["decision_id"] = .string(decision.decisionID)
        packet["since"] = .string(handoff.since.description)
        packet["rule"] = .string(handoff.rule)
        packet["reason"] = .string(handoff.reason)
        packet["intent"] = .string(classification?.intent.rawValue ?? IntentName.other.rawValue)
        packet["language"] = decision.language.map { .string($0) } ?? .null
        packet["state"] = .string(decision.conversation.state)
        packet["previous_state"] = .string(decision.conversation.previousState)
        packet["return_state"] = .string(handoff.returnState)
        // An answer that also hands over (handoff.after_intents): an order to confirm.
        packet["answered"] = .bool(verdict.action.isResponse)
        packet["acknowledged"] = .bool(verdict.action == .escalate && answer.text != nil)
        packet["products"] = .array(
            contextProducts.map { product in
                var p = JSONObjectWriter()
                p["id"] = .string(product.id)
                p["name"] = .string(product.name(in: decision.language ?? ""))
                p["price"] = .raw(product.price.description)
                p["currency"] = .string(product.currency.code)
                p["in_stock"] = .bool(product.inStock)
                return .object(p)
            })
        var quota = JSONObjectWriter()
        for (name, status) in decision.quota {
            var q = JSONObjectWriter()
            q["used"] = .int(status.used)
            q["limit"] = .int(status.limit)
            quota[name] = .object(q)
        }
        packet["quota"] = .object(quota)
        packet["recent_messages"] = .array(
            conversation.memory.recent.map { message in
                var m = JSONObjectWriter()
                m["message_id"] = .string(message.messageID)
                m["at"] = .string(message.at.description)
                m["digest"] = .string(message.digest)
                m["intent"] = .string(message.intent)
                return .object(m)
            })
        return AlertEvent(
            condition: "handoff", key: event.conversationID + "/" + event.messageID, severity: .warning,
            message:
                "conversation \(event.conversationID) handed to a person: \(handoff.reason) (rule \(handoff.rule))",
            details: packet.string)
    }
}
