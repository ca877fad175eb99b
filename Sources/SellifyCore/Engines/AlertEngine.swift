import Synchronization

/// Something an operator should know about, raised by a decision or the
/// host. Delivery (log, webhook), de-duplication and resolution belong to the
/// alert sinks; the pipeline only raises.
public struct AlertEvent: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Codable, CaseIterable { case info, warning, critical }
    /// The condition, e.g. `quota_warning`, `quota_reached`, `rule_error`.
    public var condition: String
    /// What the condition is about, for de-duplication (`messages_today`).
    public var key: String
    public var severity: Severity
    public var message: String
    /// A JSON object with the condition's particulars (a handoff's packet),
    /// sent by the sinks that carry structure (the webhook's json format).
    public var details: String?
    public init(condition: String, key: String, severity: Severity, message: String, details: String? = nil) {
        self.condition = condition
        self.key = key
        self.severity = severity
        self.message = message
        self.details = details
    }
}

/// Evaluates the per-decision alert conditions of `alerts.conditions`.
public struct AlertEngine: Sendable {
    public let conditions: AlertConditionsConfiguration
    public let warnRatio: Double

    public init(conditions: AlertConditionsConfiguration, warnRatio: Double) {
        self.conditions = conditions
        self.warnRatio = warnRatio
    }

    /// Alerts for quotas that this decision's consumption pushed across the
    /// warning ratio or to the limit (raised once, when crossed).
    public func quotaAlerts(
        before: [QuotaEngine.Quota: Decision.QuotaStatus], after: [QuotaEngine.Quota: Decision.QuotaStatus]
    ) -> [AlertEvent] {
        var alerts: [AlertEvent] = []
        for quota in QuotaEngine.Quota.allCases {
            guard let old = before[quota], let new = after[quota], new.used > old.used, new.limit > 0 else { continue }
            let threshold = Double(new.limit) * warnRatio
            if conditions.quotaReached && new.used >= new.limit && old.used < old.limit {
                alerts.append(
                    AlertEvent(
                        condition: "quota_reached", key: quota.rawValue, severity: .critical,
                        message: "\(quota.rawValue) quota reached: \(new.used) of \(new.limit)"))
            } else if conditions.quotaWarning && Double(new.used) >= threshold && Double(old.used) < threshold {
                alerts.append(
                    AlertEvent(
                        condition: "quota_warning", key: quota.rawValue, severity: .warning,
                        message: "\(quota.rawValue) quota at \(new.used) of \(new.limit) (warn ratio \(warnRatio))"))
            }
        }
        return alerts
    }

    /// The alert for a failing stage (Lua error, budget overrun, store error).
    public func stageFailure(_ failure: StageFailure) -> AlertEvent? {
        let isRules = failure.stage == .decision || failure.stage == .validation
        if isRules && !conditions.ruleErrors { return nil }
        return AlertEvent(
            condition: isRules ? "rule_error" : "stage_error", key: failure.stage.rawValue, severity: .critical,
            message: failure.description)
    }
}

/// What a sink delivers: an alert that started firing, or one that resolved.
public struct AlertNotification: Sendable, Equatable {
    public enum Status: String, Sendable { case firing, resolved }
    public var status: Status
    public var alert: AlertEvent
    public var startsAt: Timestamp
    public var endsAt: Timestamp?
    public var account: String
    public init(status: Status, alert: AlertEvent, startsAt: Timestamp, endsAt: Timestamp? = nil, account: String) {
        self.status = status
        self.alert = alert
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.account = account
    }
}

/// De-duplication and resolution of alerts (the host feeds it the clock).
/// The same alert (condition + key) is sent at most once per cooldown while
/// it stays active; a resolved notification is sent when its condition
/// clears — explicitly (a quota window rolls over, a reload succeeds) or, for
/// event-like conditions (rule, stage and store errors), after one quiet
/// cooldown without a new occurrence.
public final class AlertTracker: Sendable {
    struct Active: Sendable {
        var event: AlertEvent
        var startsAt: Timestamp
        var lastSent: Timestamp
        var lastSeen: Timestamp
    }

    public let cooldownMilliseconds: Int64
    public let account: String
    /// Conditions that resolve by themselves after a quiet cooldown.
    public static let selfResolving: Set<String> = ["rule_error", "stage_error", "store_error"]
    /// Notices, not conditions: each is sent once, never de-duplicated or resolved.
    public static let notices: Set<String> = ["handoff"]
    private let active = Mutex<[String: Active]>([:])

    public init(cooldownMilliseconds: Int64, account: String) {
        self.cooldownMilliseconds = cooldownMilliseconds
        self.account = account
    }

    static func id(_ condition: String, _ key: String) -> String { condition + "\u{1F}" + key }

    /// A firing notification, or nil while the same alert is inside its cooldown.
    public func raise(_ event: AlertEvent, at now: Timestamp) -> AlertNotification? {
        if Self.notices.contains(event.condition) {
            return AlertNotification(status: .firing, alert: event, startsAt: now, account: account)
        }
        return active.withLock { active in
            let id = Self.id(event.condition, event.key)
            if var current = active[id] {
                current.lastSeen = now
                current.event = event
                if now.milliseconds - current.lastSent.milliseconds < cooldownMilliseconds {
                    active[id] = current
                    return nil
                }
                current.lastSent = now
                active[id] = current
                return AlertNotification(status: .firing, alert: event, startsAt: current.startsAt, account: account)
            }
            active[id] = Active(event: event, startsAt: now, lastSent: now, lastSeen: now)
            return AlertNotification(status: .firing, alert: event, startsAt: now, account: account)
        }
    }

    /// Resolves every active alert of `condition` (with `key`, when given).
    public func resolve(condition: String, key: String? = nil, at now: Timestamp) -> [AlertNotification] {
        active.withLock { active in
            var resolved: [AlertNotification] = []
            for (id, current) in active
            where current.event.condition == condition && (key == nil || current.event.key == key) {
                active[id] = nil
                resolved.append(
                    AlertNotification(
                        status: .resolved, alert: current.event, startsAt: current.startsAt, endsAt: now,
                        account: account))
            }
            return resolved.sorted { $0.alert.key < $1.alert.key }
        }
    }

    /// Resolves self-resolving alerts not seen for a cooldown.
    public func sweep(at now: Timestamp) -> [AlertNotification] {
        active.withLock { active in
            var resolved: [AlertNotification] = []
            for (id, current) in active
            where Self.selfResolving.contains(current.event.condition)
                && now.milliseconds - current.lastSeen.milliseconds >= cooldownMilliseconds
            {
                active[id] = nil
                resolved.append(
                    AlertNotification(
                        status: .resolved, alert: current.event, startsAt: current.startsAt, endsAt: now,
                        account: account))
            }
            return resolved.sorted { $0.alert.condition + $0.alert.key < $1.alert.condition + $1.alert.key }
        }
    }

    public var activeAlerts: [AlertEvent] {
        active.withLock { $0.values.map(\.event) }.sorted { $0.condition + $0.key < $1.condition + $1.key }
    }
}

/// A failure ratio over a sliding window (per-second buckets), for the
/// `validation_failures` and `ai_errors` conditions.
public final class RatioWindow: Sendable {
    public let configuration: RatioConditionConfiguration
    private let buckets = Mutex<[Int64: (total: Int, failed: Int)]>([:])

    public init(_ configuration: RatioConditionConfiguration) { self.configuration = configuration }

    public func record(failed: Bool, at now: Timestamp) {
        let second = now.milliseconds / 1000
        buckets.withLock { buckets in
            buckets[second, default: (0, 0)].total += 1
            if failed { buckets[second, default: (0, 0)].failed += 1 }
        }
    }

    /// (failed, total) inside the window ending at `now`; older buckets are dropped.
    public func counts(at now: Timestamp) -> (failed: Int, total: Int) {
        let oldest = (now.milliseconds - configuration.window.milliseconds) / 1000
        return buckets.withLock { buckets in
            buckets = buckets.filter { $0.key > oldest }
            return buckets.values.reduce((0, 0)) { ($0.0 + $1.failed, $0.1 + $1.total) }
        }
    }

    /// True when the ratio is over the threshold with enough events; false
    /// when it is not; nil when there are too few events to say.
    public func isOver(at now: Timestamp) -> Bool? {
        let (failed, total) = counts(at: now)
        guard total >= configuration.minEvents else { return total == 0 ? false : nil }
        return Double(failed) / Double(total) >= configuration.threshold
    }
}
