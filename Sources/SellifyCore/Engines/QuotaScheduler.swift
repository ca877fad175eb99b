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
