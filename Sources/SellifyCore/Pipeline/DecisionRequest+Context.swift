public import SellifyLua

extension DecisionRequest {
    /// The `ctx` table `decide(ctx)` receives (docs/rules.md lists the fields).
    public func luaContext(account: AccountConfiguration) -> LuaValue {
        func window(_ quota: QuotaEngine.Quota) -> LuaValue {
            let status = self.quota[quota] ?? Decision.QuotaStatus(used: 0, limit: 0)
            return .fields([
                "used": .integer(status.used), "limit": .integer(status.limit),
                "remaining": .integer(max(0, status.limit - status.used)),
            ])
        }
        let stored = self.stored.conversation
        let sinceReply: LuaValue =
            stored?.lastOutboundAt.map {
                .integer(Int(max(0, decidedAt.milliseconds - $0.milliseconds) / 1000))
            } ?? .nil
        let cooldown = self.cooldown
        let language = self.language ?? classification?.language
        func table(_ product: Product) -> LuaValue {
            .fields([
                "id": .string(product.id), "name": .string(product.name(in: language ?? "")),
                "price": .number(product.price.doubleValue), "currency": .string(product.currency.code),
                "in_stock": .bool(product.inStock), "images": .integer(product.images.count),
                "videos": .integer(product.videos.count),
                "variant_of": product.variantOf.map(LuaValue.string) ?? .nil,
            ])
        }
        let memory = conversation.memory
        // A burst answered together reads as text when any of it is text.
        let type: MessageType = merged.contains(where: { $0.type == .text }) ? .text : event.type
        return .fields([
            "event": .fields([
                "conversation_id": .string(event.conversationID),
                "message_id": .string(event.messageID),
                "type": .string(type.rawValue),
                "text": .string(messageText),
                "merged": .integer(merged.count),
                "normalized": .string(normalized?.text ?? ""),
                "received_at": .string(event.receivedAt.description),
                "decided_at": .string(decidedAt.description),
                "age_seconds": .integer(Int((decidedAt.milliseconds - event.receivedAt.milliseconds) / 1000)),
                "local_date": .string(local.date),
                "local_time": .string(local.time),
                "weekday": .integer(local.weekday),
            ]),
            "intent": .string(classification?.intent.rawValue ?? IntentName.other.rawValue),
            "language": language.map { .string($0) } ?? .nil,
            "media_request": classification?.mediaRequest.map { .string($0.rawValue) } ?? .nil,
            "products": .array((classification?.products ?? []).map(table)),
            "faq": classification?.faq.map { .string($0) } ?? .nil,
            "quantity": classification?.quantity.map { .integer($0) } ?? .nil,
            "conversation": .fields([
                "state": .string(conversation.state),
                "opted_out": .bool(conversation.optedOut),
                "inbound_count": .integer(conversation.inboundCount),
                "reply_count": .integer(conversation.replyCount),
                "seconds_since_last_reply": sinceReply,
                // What follow-ups resolve against: the products talked about
                // before this message (most recent first), the language,
                // the last intent, the run of messages not understood.
                "product": focus.first.map(table) ?? .nil,
                "products": .array(focus.map(table)),
                "language": memory.language.map { .string($0) } ?? .nil,
                "last_intent": memory.lastIntent.map { .string($0) } ?? .nil,
                "fallbacks": .integer(memory.fallbacks),
                "human_active": .bool(memory.handoff != nil),
            ]),
            "quota": .fields([
                "messages_today": window(.messagesToday), "messages_week": window(.messagesWeek),
                "images_today": window(.imagesToday), "videos_week": window(.videosWeek),
            ]),
            "cooldown": .fields([
                "active": .bool(cooldown?.active ?? false),
                "seconds_left": .integer(cooldown?.secondsLeft ?? 0),
                "replies_last_hour": .integer(cooldown?.repliesLastHour ?? 0),
                "max_replies_per_hour": .integer(cooldown?.maxRepliesPerHour ?? 0),
            ]),
            "account": .fields(["id": .string(account.id), "name": .string(account.name)]),
            "channel": .string(channel.rawValue),
            // Whether a person is in now (business_hours), and when next.
            "business": .fields([
                "open": .bool(business.open),
                "closes_at": business.closesAt.map { .string($0.description) } ?? .nil,
                "next_open": business.nextOpen.map { .string($0.description) } ?? .nil,
                "next_open_local": business.nextOpenLocal.map { next in
                    .fields([
                        "date": .string(next.date), "time": .string(next.time), "weekday": .integer(next.weekday),
                    ])
                } ?? .nil,
            ]),
        ])
    }

    /// The audit record of this decision: what was decided and why, never
    /// the customer's text.
    func auditEntry(rulesVersion: String) -> AuditEntry {
        var summary = JSONObjectWriter()
        summary["action"] = .string(action.rawValue)
        summary["rule"] = .string(rule)
        summary["rules_version"] = .string(rulesVersion)
        summary["state"] = .string(conversation.state)
        summary["previous_state"] = .string(previousState)
        // The connector's claim; the record's own time is the server's.
        summary["received_at"] = .string(event.receivedAt.description)
        if fallback { summary["fallback"] = .bool(true) }
        if let until = verdict.deferredUntil { summary["deferred_until"] = .string(until.description) }
        if !merged.isEmpty && verdict.deferredUntil == nil {
            summary["merged_message_ids"] = .array(merged.map { .string($0.messageID) })
        }
        if verdict.handsOver { summary["handoff"] = .bool(true) }
        if resumedFromHandoff != nil { summary["handback"] = .string("idle_timeout") }
        if let validation { summary["valid"] = .bool(validation.valid) }
        // The customer's words are sealed by the store; the summary never has them.
        var sensitive = JSONObjectWriter()
        sensitive["text"] = .string(event.text)
        sensitive["type"] = .string(event.type.rawValue)
        return AuditEntry(
            kind: "decision", at: decidedAt, conversationID: event.conversationID, messageID: event.messageID,
            summary: summary.string, rulesVersion: rulesVersion, inputDigest: event.inputDigest,
            sensitive: sensitive.string)
    }
}
