/// Anti-ban quotas: messages per day and week, images per day, videos per
/// week, in windows of the account's local time. Reads usage for the ctx,
/// decides what a response would consume, and whether it fits.
public struct QuotaEngine: Sendable {
    public let limits: QuotaLimits
    public let calendar: QuotaCalendar
    public let warnRatio: Double

    public init(limits: QuotaLimits, calendar: QuotaCalendar, warnRatio: Double) {
        self.limits = limits
        self.calendar = calendar
        self.warnRatio = warnRatio
    }

    /// The four quotas, by the names the API and ctx use.
    public enum Quota: String, Sendable, CaseIterable {
        case messagesToday = "messages_today"
        case messagesWeek = "messages_week"
        case imagesToday = "images_today"
        case videosWeek = "videos_week"
    }

    public func key(_ quota: Quota, _ windows: QuotaCalendar.Windows) -> QuotaCounterKey {
        switch quota {
        case .messagesToday: QuotaCounterKey(window: windows.day, counter: .messages)
        case .messagesWeek: QuotaCounterKey(window: windows.week, counter: .messages)
        case .imagesToday: QuotaCounterKey(window: windows.day, counter: .images)
        case .videosWeek: QuotaCounterKey(window: windows.week, counter: .videos)
        }
    }

    public func limit(_ quota: Quota) -> Int {
        switch quota {
        case .messagesToday: limits.messagesPerDay
        case .messagesWeek: limits.messagesPerWeek
        case .imagesToday: limits.imagesPerDay
        case .videosWeek: limits.videosPerWeek
        }
    }

    /// The counters a decision in these windows reads.
    public func counters(_ windows: QuotaCalendar.Windows) -> [QuotaCounterKey] {
        Quota.allCases.map { key($0, windows) }
    }

    /// What sending `action` consumes: every response is a message; an image
    /// or video also counts against its own quota.
    public func consumption(for action: Action, _ windows: QuotaCalendar.Windows) -> [QuotaCounterKey: Int] {
        guard action.isResponse else { return [:] }
        var amounts = [key(.messagesToday, windows): 1, key(.messagesWeek, windows): 1]
        if action == .respondImage { amounts[key(.imagesToday, windows)] = 1 }
        if action == .respondVideo { amounts[key(.videosWeek, windows)] = 1 }
        return amounts
    }

    /// The first quota that `action` would push over its limit, if any.
    public func exceeded(by action: Action, usage: [QuotaCounterKey: Int], _ windows: QuotaCalendar.Windows) -> Quota? {
        let amounts = consumption(for: action, windows)
        return Quota.allCases.first { quota in
            let k = key(quota, windows)
            guard let amount = amounts[k] else { return false }
            return (usage[k] ?? 0) + amount > limit(quota)
        }
    }

    /// Used and limit of each quota after adding `consumption`.
    public func status(
        usage: [QuotaCounterKey: Int], consumption: [QuotaCounterKey: Int] = [:], _ windows: QuotaCalendar.Windows
    )
        -> [Quota: Decision.QuotaStatus]
    {
        var result: [Quota: Decision.QuotaStatus] = [:]
        for quota in Quota.allCases {
            let k = key(quota, windows)
            result[quota] = Decision.QuotaStatus(used: (usage[k] ?? 0) + (consumption[k] ?? 0), limit: limit(quota))
        }
        return result
    }
}

extension QuotaEngine {
    /// The quotas a reset (or roll-over) of `type` starts again.
    public static func quotas(resetBy type: QuotaScheduler.ResetType) -> [Quota] {
        type == .daily ? [.messagesToday, .imagesToday] : [.messagesWeek, .videosWeek]
    }

    /// What a manual reset writes: the counters to zero in the windows at
    /// `windowTime`, and its audit record (at the real time `now`).
    public func manualReset(
        _ type: QuotaScheduler.ResetType, windowTime: Timestamp, now: Timestamp, by: String
    ) -> (quotas: [Quota], keys: [QuotaCounterKey], audit: AuditEntry) {
        let windows = calendar.windows(at: windowTime)
        let quotas = Self.quotas(resetBy: type)
        let keys = quotas.map { key($0, windows) }
        var summary = JSONObjectWriter()
        summary["reset_type"] = .string(type.rawValue)
        summary["trigger"] = .string("manual")
        summary["by"] = .string(by)
        summary["window_time"] = .string(windowTime.description)
        summary["windows"] = .array(Array(Set(keys.map(\.window))).sorted().map { .string($0) })
        return (
            quotas, keys,
            AuditEntry(kind: "quota_reset", at: now, conversationID: nil, messageID: nil, summary: summary.string)
        )
    }
}
