import Synchronization

/// Notices quota window roll-overs. Quota counters are keyed by window name,
/// so nothing needs resetting: a new local day simply reads a new counter.
/// The scheduler reports the change (for metrics and the audit log) the
/// first time it sees a newer window.
public final class QuotaScheduler: Sendable {
    public enum ResetType: String, Sendable, CaseIterable { case daily, weekly }

    private let last: Mutex<QuotaCalendar.Windows?>

    public init(last: QuotaCalendar.Windows? = nil) {
        self.last = Mutex(last)
    }

    /// The roll-overs between the last windows seen and `windows`. Older
    /// windows (a late event) are not roll-overs. Window names sort in time
    /// order (`day:2026-11-29` < `day:2026-11-30`).
    public func observe(_ windows: QuotaCalendar.Windows) -> [ResetType] {
        last.withLock { last in
            guard let previous = last else {
                last = windows
                return []
            }
            var resets: [ResetType] = []
            var next = previous
            if windows.day > previous.day {
                resets.append(.daily)
                next.day = windows.day
            }
            if windows.week > previous.week {
                resets.append(.weekly)
                next.week = windows.week
            }
            last = next
            return resets
        }
    }

    public var lastWindows: QuotaCalendar.Windows? { last.withLock { $0 } }
}

/// One roll-over the scheduler observed: a new local day or week began.
public struct Rollover: Sendable, Equatable {
    public var type: QuotaScheduler.ResetType
    /// The window that began (`day:2026-11-30`).
    public var window: String
    /// When it was observed (a tick's clock reading, or a decision's event time).
    public var observedAt: Timestamp
    public init(type: QuotaScheduler.ResetType, window: String, observedAt: Timestamp) {
        self.type = type
        self.window = window
        self.observedAt = observedAt
    }
}

/// Keeps the scheduler's last windows in the store, so a roll-over is
/// reported exactly once across restarts: the new windows (and an audit
/// record per roll-over) are saved before a roll-over is reported, and a
/// clock that jumps backwards reports nothing (older windows are not
/// roll-overs). The host calls `tick(now:)` at start and every few seconds;
/// decisions report the roll-overs their event times reveal through `persist`.
public final class RolloverTracker: Sendable {
    public let scheduler: QuotaScheduler
    public let calendar: QuotaCalendar
    let store: any DecisionStore

    /// Loads the last saved windows into a new scheduler.
    public init(calendar: QuotaCalendar, store: any DecisionStore) throws(StoreError) {
        self.calendar = calendar
        self.store = store
        scheduler = QuotaScheduler(last: try store.schedulerWindows())
    }

    /// Observes the windows at `now`; returns the roll-overs, already saved.
    public func tick(now: Timestamp) throws(StoreError) -> [Rollover] {
        let windows = calendar.windows(at: now)
        let resets = scheduler.observe(windows)
        let rollovers = resets.map { type in
            Rollover(type: type, window: type == .daily ? windows.day : windows.week, observedAt: now)
        }
        try persist(rollovers)
        return rollovers
    }

    /// Saves the scheduler's windows with one audit record per roll-over
    /// (also for roll-overs a decision observed). The first tick ever only
    /// records where the scheduler starts.
    public func persist(_ rollovers: [Rollover]) throws(StoreError) {
        guard let windows = scheduler.lastWindows else { return }
        let audit = rollovers.map { rollover in
            var summary = JSONObjectWriter()
            summary["reset_type"] = .string(rollover.type.rawValue)
            summary["trigger"] = .string("rollover")
            summary["window"] = .string(rollover.window)
            return AuditEntry(
                kind: "quota_rollover", at: rollover.observedAt, conversationID: nil, messageID: nil,
                summary: summary.string)
        }
        try store.saveSchedulerWindows(windows, audit: audit)
    }
}
