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
    public init(condition: String, key: String, severity: Severity, message: String) {
        self.condition = condition
        self.key = key
        self.severity = severity
        self.message = message
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
                alerts.append(AlertEvent(
                    condition: "quota_reached", key: quota.rawValue, severity: .critical,
                    message: "\(quota.rawValue) quota reached: \(new.used) of \(new.limit)"))
            } else if conditions.quotaWarning && Double(new.used) >= threshold && Double(old.used) < threshold {
                alerts.append(AlertEvent(
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
