/// Answers what a platform allows, from `ChannelPolicy` and the operator's
/// `channels` config: pure functions of their arguments (no clock, no store),
/// so the same question gets the same answer in a decision, a replay and a test.
public struct ChannelPolicyEngine: Sendable {
    public let policy: ChannelPolicy
    /// The account's WhatsApp tier (`channels.whatsapp.portfolio_tier`).
    public let portfolioTier: PortfolioTier

    public init(policy: ChannelPolicy, portfolioTier: PortfolioTier) {
        self.policy = policy
        self.portfolioTier = portfolioTier
    }

    public init(policy: ChannelPolicy, configuration: ChannelsConfiguration) {
        self.init(policy: policy, portfolioTier: configuration.whatsapp.portfolioTier)
    }

    // MARK: Windows

    /// How long after the customer's last message an automated, free-form
    /// message may be sent; nil when the platform sets no window.
    public func serviceWindow(for channel: Channel) -> ConfigDuration? {
        serviceWindowLimit(for: channel)?.limit.value
    }

    /// How long after the customer's last message a person may still answer
    /// (Instagram's HUMAN_AGENT tag); nil when the platform has no such window.
    public func humanAgentWindow(for channel: Channel) -> ConfigDuration? {
        channel == .instagram ? policy.instagram.humanAgentWindow.value : nil
    }

    /// Whether an automated, free-form message may go out at `now`. The window
    /// is open while less than its length has passed since `lastInboundAt`: at
    /// exactly its length (24 h) it has closed. A customer who never wrote has opened none.
    public func freeFormAllowed(_ channel: Channel, lastInboundAt: Timestamp?, at now: Timestamp) -> ChannelVerdict {
        guard let (name, limit) = serviceWindowLimit(for: channel) else { return .allowed }
        return windowVerdict(channel, name: name, limit: limit, lastInboundAt: lastInboundAt, at: now, human: false)
    }

    /// Whether a reply written by a person may go out at `now`: Instagram's
    /// human-agent window; elsewhere the service window alone.
    public func humanAgentReplyAllowed(
        _ channel: Channel, lastInboundAt: Timestamp?, at now: Timestamp
    )
        -> ChannelVerdict
    {
        guard channel == .instagram else { return freeFormAllowed(channel, lastInboundAt: lastInboundAt, at: now) }
        return windowVerdict(
            channel, name: "instagram.human_agent_window", limit: policy.instagram.humanAgentWindow,
            lastInboundAt: lastInboundAt, at: now, human: true)
    }

    // MARK: Pace

    /// The least time between two messages in one chat the platform allows;
    /// nil when it sets none.
    public func minimumInterval(for channel: Channel) -> ConfigDuration? {
        channel == .telegram ? policy.telegram.perChatInterval.value : nil
    }

    /// The least time between two replies in one conversation: the operator's
    /// `conversation.cooldown.min_interval` or the platform's interval,
    /// whichever is longer (the stricter wins).
    public func effectiveMinimumInterval(for channel: Channel, operatorMinimum: ConfigDuration) -> ConfigDuration {
        guard let platform = minimumInterval(for: channel), platform.milliseconds > operatorMinimum.milliseconds
        else { return operatorMinimum }
        return platform
    }

    /// Messages per second per business phone number; nil when the platform sets none.
    public func messagesPerSecond(for channel: Channel) -> Int? {
        channel == .whatsapp ? policy.whatsapp.messagesPerSecond.value : nil
    }

    // MARK: WhatsApp portfolio messaging limit

    /// The most unique users `tier` may send business-initiated messages to in
    /// a rolling 24 hours; nil when unlimited. A tier the file does not list
    /// (the loader refuses one) gets the nearest listed tier below it.
    public func portfolioCeiling(_ tier: PortfolioTier) -> Int? {
        let tiers = policy.whatsapp.businessInitiatedTiers.value
        let effective = tiers.contains(tier) ? tier : (tiers.last { $0 < tier } ?? tiers.first ?? tier)
        return effective.ceiling
    }

    /// The ceiling of the account's configured tier.
    public var portfolioCeiling: Int? { portfolioCeiling(portfolioTier) }

    /// The rolling 24 hours of business-initiated messages, as of `now`, under
    /// the account's tier. `sends` are the WhatsApp business-initiated messages
    /// the caller knows of (conversation id and when each went out).
    public func portfolioWindow(
        sends: some Sequence<(conversationID: String, at: Timestamp)>, at now: Timestamp
    ) -> PortfolioWindow {
        PortfolioWindow(ceiling: portfolioCeiling, sends: sends, at: now)
    }

    /// Whether a business-initiated message to `conversationID` may go out at
    /// `now`: always for a user already counted in the last 24 hours, for a new
    /// one only while fewer than the tier's ceiling are. Only WhatsApp counts.
    public func businessInitiatedAllowed(
        _ channel: Channel, to conversationID: String, sends: some Sequence<(conversationID: String, at: Timestamp)>,
        at now: Timestamp
    ) -> ChannelVerdict {
        guard channel == .whatsapp else { return .allowed }
        let window = portfolioWindow(sends: sends, at: now)
        guard !window.allows(conversationID), let ceiling = window.ceiling else { return .allowed }
        let limit = policy.reference("whatsapp.business_initiated_tiers", policy.whatsapp.businessInitiatedTiers)
        return .refused(
            ChannelRefusal(
                reason: .portfolioLimitReached, channel: channel, limit: limit,
                description:
                    "WhatsApp's messaging limit is reached: \(window.uniqueUsers) unique users got business-initiated messages in the last 24h and the portfolio's tier (channels.whatsapp.portfolio_tier) allows \(ceiling); a user already counted may still be sent to (\(limit))"
            ))
    }

    // MARK: -

    private func serviceWindowLimit(for channel: Channel) -> (name: String, limit: ChannelPolicy.Limit<ConfigDuration>)?
    {
        switch channel {
        case .whatsapp: ("whatsapp.service_window", policy.whatsapp.serviceWindow)
        case .instagram: ("instagram.service_window", policy.instagram.serviceWindow)
        case .telegram, .other: nil
        }
    }

    private func windowVerdict(
        _ channel: Channel, name: String, limit: ChannelPolicy.Limit<ConfigDuration>, lastInboundAt: Timestamp?,
        at now: Timestamp, human: Bool
    ) -> ChannelVerdict {
        let who = human ? "a person's reply" : "free-form messages"
        let instead =
            switch (channel, human) {
            case (.whatsapp, _): "; only an approved template may be sent"
            case (.instagram, false): "; only a person may answer, with the HUMAN_AGENT tag"
            default: ""
            }
        let reference = policy.reference(name, limit)
        guard let lastInboundAt else {
            return .refused(
                ChannelRefusal(
                    reason: .noInboundMessage, channel: channel, limit: reference,
                    description:
                        "\(channel.displayName) allows \(who) only within \(reference.value) of the customer's last message, and this customer has not written\(instead) (\(reference))"
                ))
        }
        // Less than the window has passed: the window is open.
        if now.milliseconds - lastInboundAt.milliseconds < limit.value.milliseconds { return .allowed }
        return .refused(
            ChannelRefusal(
                reason: human ? .humanAgentWindowClosed : .serviceWindowClosed, channel: channel, limit: reference,
                description:
                    "\(channel.displayName) allows \(who) only within \(reference.value) of the customer's last message, which was at \(lastInboundAt)\(instead) (\(reference))"
            ))
    }
}

/// What a platform says about one message.
public enum ChannelVerdict: Sendable, Equatable {
    case allowed
    case refused(ChannelRefusal)

    public var isAllowed: Bool { self == .allowed }
    public var refusal: ChannelRefusal? {
        if case .refused(let refusal) = self { return refusal }
        return nil
    }
}

/// Why a platform refuses a message, with the limit that refuses it (for the
/// error a connector or an operator reads).
public struct ChannelRefusal: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable, Codable {
        /// The customer has never written: no window is open.
        case noInboundMessage = "no_inbound_message"
        case serviceWindowClosed = "service_window_closed"
        case humanAgentWindowClosed = "human_agent_window_closed"
        case portfolioLimitReached = "portfolio_limit_reached"
    }
    public var reason: Reason
    public var channel: Channel
    public var limit: ChannelLimitReference
    /// A sentence naming the limit, its value, source and as-of date.
    public var description: String
}
