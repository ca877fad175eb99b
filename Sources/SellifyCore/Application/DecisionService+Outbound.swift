/// A message a person (or the connector) sent outside a decision.
public struct OutboundMessage: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case text, image, video
        var action: Action {
            switch self {
            case .text: .respondText
            case .image: .respondImage
            case .video: .respondVideo
            }
        }
    }

    public var conversationID: String
    public var messageID: String
    public var kind: Kind
    /// The connector's claim of when it was sent (recorded, never counted on).
    public var sentAt: Timestamp
    public var sentBy: String?
    /// Ask first: refuse (409 `quota_exhausted`) what would exceed a quota,
    /// instead of counting a message the channel already saw.
    public var checkQuota: Bool

    public init(
        conversationID: String, messageID: String, kind: Kind, sentAt: Timestamp, sentBy: String? = nil,
        checkQuota: Bool = false
    ) {
        self.conversationID = conversationID
        self.messageID = messageID
        self.kind = kind
        self.sentAt = sentAt
        self.sentBy = sentBy
        self.checkQuota = checkQuota
    }
}

/// What recording an outbound message answers (also stored for replays).
public struct OutboundReceipt: Sendable {
    /// The answer's JSON, as stored for idempotent replays.
    public var bytes: [UInt8]
    public var replayed: Bool
    /// The quotas after counting it (empty for a replay).
    public var status: [QuotaEngine.Quota: Decision.QuotaStatus]
}

extension DecisionService {
    /// Counts `message` toward the quotas in the windows of `recordedAt` (the
    /// server's time), updates the conversation and audits it — in the same
    /// sequence as decisions, so a decision and an outbound message of one
    /// conversation never race. Idempotent by message id.
    public func recordOutbound(
        _ message: OutboundMessage, at recordedAt: Timestamp
    )
        throws(ServiceError) -> OutboundReceipt
    {
        let snapshot = self.snapshot
        for (name, id) in [("conversation_id", message.conversationID), ("message_id", message.messageID)]
        where id.utf8.count > MessageEvent.maxIDLength {
            throw .invalidField(name, "longer than \(MessageEvent.maxIDLength) bytes")
        }
        do {
            try message.sentAt.checkClaim(
                field: "sent_at", now: recordedAt, maxSkew: snapshot.deployment.configuration.server.maxClockSkew)
        } catch {
            throw .invalidField(error.field, error.message)
        }
        let pipeline = snapshot.pipeline
        let quota = snapshot.quota
        let windows = snapshot.calendar.windows(at: recordedAt)
        let key = "outbound:" + message.messageID
        let action = message.kind.action
        enum Planned: Sendable {
            case recorded([UInt8], [QuotaEngine.Quota: Decision.QuotaStatus])
            case replayed([UInt8])
            case exhausted(QuotaEngine.Quota, Decision.QuotaStatus)
        }
        let outcome: DecisionSequencer.Sequenced<Planned>
        do {
            outcome = try pipeline.sequencer.commit(
                on: store, conversationID: message.conversationID, counters: quota.counters(windows),
                what: "record outbound message '\(message.messageID)'"
            ) { state throws(StoreError) -> DecisionSequencer.Plan<Planned> in
                if message.checkQuota, let exceeded = quota.exceeded(by: action, usage: state.usage, windows) {
                    if let stored = try store.storedDecision(messageID: key) { return .decline(.replayed(stored)) }
                    return .decline(.exhausted(exceeded, quota.status(usage: state.usage, windows)[exceeded]!))
                }
                var conversation =
                    state.conversation
                    ?? ConversationRecord(
                        id: message.conversationID, state: snapshot.deployment.configuration.conversation.initialState)
                pipeline.conversations.recordReply(to: &conversation, at: recordedAt)
                conversation.version = (state.conversation?.version ?? 0) + 1
                let consumption = quota.consumption(for: action, windows)
                let status = quota.status(usage: state.usage, consumption: consumption, windows)
                let bytes = Self.receipt(message, recordedAt: recordedAt, status: status)
                var summary = JSONObjectWriter()
                summary["type"] = .string(message.kind.rawValue)
                summary["sent_at"] = .string(message.sentAt.description)
                if let sentBy = message.sentBy { summary["sent_by"] = .string(sentBy) }
                let commit = DecisionCommit(
                    messageID: key, decidedAt: recordedAt, conversation: conversation,
                    expectedConversationVersion: state.conversation?.version, expectedUsage: state.usage,
                    consumption: consumption, decision: bytes,
                    audit: [
                        AuditEntry(
                            kind: "outbound_message", at: recordedAt, conversationID: message.conversationID,
                            messageID: message.messageID, summary: summary.string)
                    ])
                return .commit(commit, .recorded(bytes, status))
            }
        } catch {
            notify(.storeFailed(error))
            throw .store(error)
        }
        switch outcome {
        case .committed(.recorded(let bytes, let status)):
            let receipt = OutboundReceipt(bytes: bytes, replayed: false, status: status)
            notify(.outboundRecorded(receipt))
            return receipt
        case .committed(let other), .declined(let other):
            switch other {
            case .replayed(let bytes), .recorded(let bytes, _):
                return OutboundReceipt(bytes: bytes, replayed: true, status: [:])
            case .exhausted(let name, let status):
                notify(.outboundRefused(name, status))
                var details = JSONObjectWriter()
                details["quota"] = .string(name.rawValue)
                details["used"] = .int(status.used)
                details["limit"] = .int(status.limit)
                throw ServiceError(
                    .conflict, "quota_exhausted",
                    "\(name.rawValue) is at its limit (\(status.used)/\(status.limit)); the message would exceed it",
                    details: details)
            }
        case .duplicate(let bytes):
            return OutboundReceipt(bytes: bytes, replayed: true, status: [:])
        }
    }

    static func receipt(
        _ message: OutboundMessage, recordedAt: Timestamp, status: [QuotaEngine.Quota: Decision.QuotaStatus]
    ) -> [UInt8] {
        var body = JSONObjectWriter()
        body["conversation_id"] = .string(message.conversationID)
        body["message_id"] = .string(message.messageID)
        body["type"] = .string(message.kind.rawValue)
        body["sent_at"] = .string(message.sentAt.description)
        body["recorded_at"] = .string(recordedAt.description)
        body["counted"] = .bool(true)
        let over = status.filter { $0.value.used > $0.value.limit }.keys.map(\.rawValue).sorted()
        body["over_limit"] = .array(over.map { .string($0) })
        var quota = JSONObjectWriter()
        for (name, value) in status { quota[name.rawValue] = .object(value.jsonObject) }
        body["quota"] = .object(quota)
        return Array(body.string.utf8)
    }
}

extension Decision.QuotaStatus {
    /// `{"used":…,"limit":…,"remaining":…}`.
    public var jsonObject: JSONObjectWriter {
        var o = JSONObjectWriter()
        o["used"] = .int(used)
        o["limit"] = .int(limit)
        o["remaining"] = .int(max(0, limit - used))
        return o
    }
}
