/// Per-conversation pacing: a minimum interval between replies and a maximum
/// number of replies per rolling hour, judged on the server's clock (the
/// decision's `decided_at`). A reply recorded later than `time` (two requests
/// of one conversation stamped in one order and sequenced in the other)
/// counts as just sent: pacing never opens because a clock is behind.
public struct RateLimitEngine: Sendable {
    public let configuration: CooldownConfiguration

    public init(configuration: CooldownConfiguration) {
        self.configuration = configuration
    }

    public struct Status: Sendable, Equatable {
        public var active: Bool
        public var secondsLeft: Int
        public var repliesLastHour: Int
        public var maxRepliesPerHour: Int
        /// Why it is active: `min_interval` or `max_replies_per_hour`.
        public var reason: String?
        /// When it ends (exact; `secondsLeft` is this rounded up), while active.
        public var endsAt: Timestamp?
    }

    /// `minInterval` overrides the configured one (a platform's stricter interval).
    public func status(
        of conversation: ConversationRecord?, at time: Timestamp, minInterval: ConfigDuration? = nil
    ) -> Status {
        let minInterval = minInterval ?? configuration.minInterval
        let now = time.milliseconds
        let replies: [Timestamp] = conversation?.recentReplies ?? []
        let recent = replies.filter { now - $0.milliseconds < 3_600_000 }
        var status = Status(
            active: false, secondsLeft: 0, repliesLastHour: recent.count,
            maxRepliesPerHour: configuration.maxRepliesPerHour, reason: nil)
        if let last = conversation?.lastOutboundAt?.milliseconds {
            let left = minInterval.milliseconds - max(0, now - last)
            if left > 0 {
                status.active = true
                status.secondsLeft = Int((left + 999) / 1000)
                status.reason = "min_interval"
                status.endsAt = Timestamp(milliseconds: now + left)
            }
        }
        if recent.count >= configuration.maxRepliesPerHour, let oldest = recent.first {
            status.active = true
            let elapsed = max(0, now - oldest.milliseconds)
            status.secondsLeft = max(status.secondsLeft, Int((3_600_000 - elapsed + 999) / 1000))
            status.reason = status.reason ?? "max_replies_per_hour"
            let ends = Timestamp(milliseconds: now + 3_600_000 - elapsed)
            status.endsAt = max(status.endsAt ?? ends, ends)
        }
        return status
    }
}
