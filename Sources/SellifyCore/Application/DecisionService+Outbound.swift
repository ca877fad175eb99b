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
    /// Who wrote it: the assistant (the connector sending an answer) or a
    /// person of the team — whose message hands the conversation to them
    /// (the assistant stays silent) or keeps it theirs.
    public var sender: Sender
    /// The platform's approved template it uses (WhatsApp), if any: the only
    /// kind of message allowed outside the customer-service window.
    public var template: String?
    /// The platform, when the caller says it; else the conversation id's prefix.
    public var channel: Channel?

    public enum Sender: String, Sendable, CaseIterable { case assistant, agent }

    public init(
        conversationID: String, messageID: String, kind: Kind, sentAt: Timestamp, sentBy: String? = nil,
        checkQuota: Bool = false, sender: Sender = .assistant, template: String? = nil, channel: Channel? = nil
    ) {
        self.conversationID = conversationID
        self.messageID = messageID
        self.kind = kind
        self.sentAt = sentAt
        self.sentBy = sentBy
        self.checkQuota = checkQuota
        self.sender = sender
        self.template = template
        self.channel = channel
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
        let channel = Channel(explicit: message.channel, conversationID: message.conversationID)
        let channels = pipeline.components.channels
        // A WhatsApp template may be business-initiated: the portfolio's
        // rolling count of users is read (and checked for races) with it.
        let portfolio =
            channel == .whatsapp && message.template != nil ? PortfolioCount(at: recordedAt) : nil
        enum Planned: Sendable {
            case recorded([UInt8], [QuotaEngine.Quota: Decision.QuotaStatus])
            case replayed([UInt8])
            case exhausted(QuotaEngine.Quota, Decision.QuotaStatus)
            case refused(ChannelRefusal)
            case optedOut
        }
        let outcome: DecisionSequencer.Sequenced<Planned>
        do {
            outcome = try pipeline.sequencer.commit(
                on: store, conversationID: message.conversationID,
                counters: quota.counters(windows) + (portfolio?.keys ?? []),
                what: "record outbound message '\(message.messageID)'"
            ) { state throws(StoreError) -> DecisionSequencer.Plan<Planned> in
                func decline(_ planned: Planned) throws(StoreError) -> DecisionSequencer.Plan<Planned> {
                    if let stored = try store.storedDecision(messageID: key) { return .decline(.replayed(stored)) }
                    return .decline(planned)
                }
                // Consent: the assistant sends nothing to a customer who opted out.
                if message.sender == .assistant, let found = state.conversation,
                    found.optedOut || found.state == "opted_out"
                {
                    return try decline(.optedOut)
                }
                // The platform's windows: free-form only within the
                // customer-service window (a person's reply on Instagram:
                // within the human-agent window); an approved template any time.
                let lastInbound = state.conversation?.lastInboundAt
                let freeForm = channels.freeFormAllowed(channel, lastInboundAt: lastInbound, at: recordedAt)
                if message.template == nil {
                    let verdict =
                        message.sender == .agent
                        ? channels.humanAgentReplyAllowed(channel, lastInboundAt: lastInbound, at: recordedAt)
                        : freeForm
                    if let refusal = verdict.refusal { return try decline(.refused(refusal)) }
                }
                var portfolioConsumption: [QuotaCounterKey: Int] = [:]
                var portfolioHour: Int64?
                if let portfolio, !freeForm.isAllowed {
                    let counted = state.conversation?.memory.portfolioHour
                    switch portfolio.admit(counted: counted, usage: state.usage, ceiling: channels.portfolioCeiling) {
                    case .refused(let users):
                        return try decline(.refused(channels.portfolioRefusal(users: users)))
                    case .admitted(let consumption):
                        portfolioConsumption = consumption
                        portfolioHour = portfolio.hour
                    }
                }
                if message.checkQuota, let exceeded = quota.exceeded(by: action, usage: state.usage, windows) {
                    return try decline(.exhausted(exceeded, quota.status(usage: state.usage, windows)[exceeded]!))
                }
                var conversation =
                    state.conversation
                    ?? ConversationRecord(
                        id: message.conversationID, state: snapshot.deployment.configuration.conversation.initialState)
                pipeline.conversations.recordReply(to: &conversation, at: recordedAt)
                if let portfolioHour { conversation.memory.portfolioHour = portfolioHour }
                if message.sender == .agent {
                    pipeline.conversations.agentWrote(in: &conversation, at: recordedAt, by: message.sentBy)
                }
                conversation.version = (state.conversation?.version ?? 0) + 1
                let consumption = quota.consumption(for: action, windows).merging(
                    portfolioConsumption, uniquingKeysWith: +)
                let status = quota.status(usage: state.usage, consumption: consumption, windows)
                let bytes = Self.receipt(message, recordedAt: recordedAt, status: status)
                var summary = JSONObjectWriter()
                summary["type"] = .string(message.kind.rawValue)
                summary["sent_at"] = .string(message.sentAt.description)
                if let sentBy = message.sentBy { summary["sent_by"] = .string(sentBy) }
                summary["sender"] = .string(message.sender.rawValue)
                if let template = message.template { summary["template"] = .string(template) }
                if portfolioHour != nil { summary["business_initiated"] = .bool(true) }
                var commit = DecisionCommit(
                    messageID: key, decidedAt: recordedAt, conversation: conversation,
                    expectedConversationVersion: state.conversation?.version, expectedUsage: state.usage,
                    consumption: consumption, decision: bytes,
                    audit: [
                        AuditEntry(
                            kind: "outbound_message", at: recordedAt, conversationID: message.conversationID,
                            messageID: message.messageID, summary: summary.string)
                    ])
                // Sent on the number: it counts toward the channel's messages per second.
                if channels.messagesPerSecond(for: channel) != nil { commit.sendsInSecond = recordedAt.second }
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
            case .refused(let refusal):
                var details = JSONObjectWriter()
                details["channel"] = .string(refusal.channel.rawValue)
                details["limit"] = .string(refusal.limit.name)
                details["value"] = .string(refusal.limit.value)
                details["source"] = .string(refusal.limit.source)
                details["as_of"] = .string(refusal.limit.asOf.description)
                let code =
                    refusal.reason == .portfolioLimitReached ? "portfolio_limit_reached" : "outside_service_window"
                throw ServiceError(.conflict, code, refusal.description, details: details)
            case .optedOut:
                throw ServiceError(
                    .conflict, "opted_out",
                    "conversation '\(message.conversationID)' opted out: the assistant sends it nothing until "
                        + "the customer opts back in")
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

/// WhatsApp's portfolio limit, counted exactly enough never to be exceeded:
/// unique users who got a business-initiated message in the rolling last 24
/// hours. Each user counts once, in the hour of their latest such message
/// (a counter per hour; a new message moves them to the current hour), and
/// the last 25 hours are summed — a user counts up to an hour longer than
/// the platform counts them, never shorter.
struct PortfolioCount: Sendable {
    static let hourMilliseconds: Int64 = 3_600_000
    /// Hours since 1970 of the message.
    let hour: Int64
    init(at time: Timestamp) { hour = time.milliseconds / Self.hourMilliseconds }

    static func key(_ hour: Int64) -> QuotaCounterKey {
        QuotaCounterKey(window: "whatsapp-portfolio:\(hour)", counter: .messages)
    }
    /// The hours that may still hold users of the rolling window.
    var keys: [QuotaCounterKey] { (hour - 24...hour).map(Self.key) }

    enum Admission {
        case admitted([QuotaCounterKey: Int])
        case refused(users: Int)
    }

    /// `counted`: the hour the user was last counted in (nil: never).
    func admit(counted: Int64?, usage: [QuotaCounterKey: Int], ceiling: Int?) -> Admission {
        let users = keys.reduce(0) { $0 + (usage[$1] ?? 0) }
        if let counted, counted >= hour - 24 {
            // Already counted: move to this hour (one user, counted once).
            return counted == hour ? .admitted([:]) : .admitted([Self.key(counted): -1, Self.key(hour): 1])
        }
        if let ceiling, users >= ceiling { return .refused(users: users) }
        return .admitted([Self.key(hour): 1])
    }
}

extension ChannelPolicyEngine {
    func portfolioRefusal(users: Int) -> ChannelRefusal {
        let limit = policy.reference("whatsapp.business_initiated_tiers", policy.whatsapp.businessInitiatedTiers)
        return ChannelRefusal(
            reason: .portfolioLimitReached, channel: .whatsapp, limit: limit,
            description:
                "WhatsApp's messaging limit is reached: \(users) unique users got business-initiated messages in the last 24h and the portfolio's tier (channels.whatsapp.portfolio_tier) allows \(portfolioCeiling ?? users); a user already counted may still be sent to (\(limit))"
        )
    }
}
