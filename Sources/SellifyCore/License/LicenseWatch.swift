import Synchronization

/// How close a license is to the end, as the alerts see it: quiet, 30, 7
/// or 1 day before `expires`, in the grace period, or past it.
public enum LicenseStage: Int, Sendable, Comparable, CaseIterable {
    case quiet, thirtyDays, sevenDays, oneDay, grace, expired

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// `30_days`, `7_days`, `1_day`, `grace`, `expired` (`quiet`: no alert).
    public var name: String {
        switch self {
        case .quiet: "quiet"
        case .thirtyDays: "30_days"
        case .sevenDays: "7_days"
        case .oneDay: "1_day"
        case .grace: "grace"
        case .expired: "expired"
        }
    }

    public init(_ status: LicenseStatus) {
        switch status {
        case .valid(let left):
            let days = { (n: Int64) in left <= n * 86_400_000 }
            self = days(1) ? .oneDay : days(7) ? .sevenDays : days(30) ? .thirtyDays : .quiet
        case .grace: self = .grace
        case .expired: self = .expired
        }
    }
}

/// The license alerts: `license_expiry` once per stage as the license nears
/// its end (30, 7 and 1 day before, entering the grace period, past it),
/// keyed `<license id> <stage>` — each stage raised once, never repeated;
/// all resolved when a reload brings another license, or the same one
/// further from its end, or none. The host calls `look` on its clock's
/// ticks (a reload is seen at the next one).
public final class LicenseWatch: Sendable {
    public static let condition = "license_expiry"

    /// What to do after a look: resolve every `license_expiry` alert, then raise one.
    public struct Change: Sendable, Equatable {
        public var resolveAll = false
        public var raise: AlertEvent?
        public init(resolveAll: Bool = false, raise: AlertEvent? = nil) {
            self.resolveAll = resolveAll
            self.raise = raise
        }
    }

    private let seen = Mutex<(id: String, stage: LicenseStage)?>(nil)

    public init() {}

    /// The change due for `license` (nil: the community edition) at `now`.
    public func look(at license: VerifiedLicense?, grace: Int64, now: Timestamp) -> Change {
        seen.withLock { seen in
            var change = Change()
            guard let license else {
                change.resolveAll = seen.map { $0.stage != .quiet } ?? false
                seen = nil
                return change
            }
            let id = license.license.id
            let stage = LicenseStage(LicenseStatus.at(now, license: license.license, grace: grace))
            let previous = seen.flatMap { $0.id == id ? $0.stage : nil } ?? .quiet
            if let old = seen, old.stage != .quiet, old.id != id || stage < old.stage { change.resolveAll = true }
            if stage != .quiet && (stage > previous || change.resolveAll) {
                change.raise = Self.alert(license.license, stage: stage, grace: grace, now: now)
            }
            seen = (id, stage)
            return change
        }
    }

    /// The alert for `license` at `stage` (not `quiet`).
    public static func alert(_ license: License, stage: LicenseStage, grace: Int64, now: Timestamp) -> AlertEvent {
        let who = "license \(license.id) (\(license.licensee))"
        let graceEnd = Timestamp(milliseconds: license.expires.milliseconds + grace)
        func days(_ milliseconds: Int64) -> String {
            let days = max(1, (milliseconds + 86_399_999) / 86_400_000)
            return days == 1 ? "1 day" : "\(days) days"
        }
        let message: String
        let severity: AlertEvent.Severity
        switch stage {
        case .quiet, .thirtyDays, .sevenDays, .oneDay:
            severity = stage == .oneDay ? .critical : .warning
            message =
                "\(who) expires at \(license.expires), in \(days(license.expires.milliseconds - now.milliseconds)):"
                + " renew it and reload (license.file)"
        case .grace:
            severity = .critical
            message =
                "\(who) expired at \(license.expires); decisions go on through the grace period, which ends at"
                + " \(graceEnd) (in \(days(graceEnd.milliseconds - now.milliseconds)))"
        case .expired:
            severity = .critical
            message =
                "\(who) expired at \(license.expires) and its grace period ended at \(graceEnd);"
                + " decisions go on: renew the license"
        }
        var details = JSONObjectWriter()
        details["license_id"] = .string(license.id)
        details["licensee"] = .string(license.licensee)
        details["expires"] = .string(license.expires.description)
        details["grace_ends"] = .string(graceEnd.description)
        details["stage"] = .string(stage.name)
        return AlertEvent(
            condition: condition, key: "\(license.id) \(stage.name)", severity: severity, message: message,
            details: details.string)
    }
}

/// The license's limits against what is in use (`instances`: the live
/// instances sharing the store): `license_limit` while one is exceeded,
/// resolved when it no longer is. Never refuses a decision.
public enum LicenseLimits {
    public static let condition = "license_limit"

    /// The alert for `name` when `inUse` exceeds what `limits` allow; nil when it does not.
    public static func alert(
        _ name: String, inUse: Int, limits: [String: Int], licensed: Bool
    ) -> AlertEvent? {
        guard let allowed = limits[name], inUse > allowed else { return nil }
        let source = licensed ? "the license allows" : "the community edition allows"
        return AlertEvent(
            condition: condition, key: name, severity: .warning,
            message: "\(inUse) \(name) in use; \(source) \(allowed) (decisions go on)")
    }
}
