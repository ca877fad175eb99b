/// The quotas in the windows of one time.
public struct QuotaReport: Sendable {
    public var at: Timestamp
    public var timeZone: String
    public var warnRatio: Double
    public var windows: QuotaCalendar.Windows
    /// Each quota's status and the window it counts in, in quota order.
    public var quotas: [(quota: QuotaEngine.Quota, status: Decision.QuotaStatus, window: String)]
}

/// A manual reset, done.
public struct QuotaResetReceipt: Sendable {
    public var type: QuotaScheduler.ResetType
    /// The quotas zeroed, with their limits.
    public var quotas: [QuotaEngine.Quota: Decision.QuotaStatus]
    /// Each quota's usage before the reset.
    public var previous: [QuotaEngine.Quota: Int]
    /// The time whose windows were reset.
    public var windowTime: Timestamp
    /// When the reset was done (the server's time).
    public var at: Timestamp
    public var by: String
}

extension DecisionService {
    /// Usage and limits in the windows of `at` (default: now).
    public func quotaStatus(at: Timestamp? = nil) throws(ServiceError) -> QuotaReport {
        let snapshot = self.snapshot
        let at = at ?? clock.now()
        let quota = snapshot.quota
        let windows = snapshot.calendar.windows(at: at)
        let usage: [QuotaCounterKey: Int]
        do {
            usage = try store.usage(of: quota.counters(windows))
        } catch {
            notify(.storeFailed(error))
            throw .store(error)
        }
        let status = quota.status(usage: usage, windows)
        let configuration = snapshot.deployment.configuration
        return QuotaReport(
            at: at, timeZone: configuration.quotaTimeZone.identifier, warnRatio: configuration.quotas.warnRatio,
            windows: windows,
            quotas: QuotaEngine.Quota.allCases.compactMap { name in
                status[name].map { (name, $0, quota.key(name, windows).window) }
            })
    }

    /// Zeroes the counters `type` resets in the windows of `windowTime`
    /// (default: now), audited with the caller's name.
    public func resetQuota(
        _ type: QuotaScheduler.ResetType, windowTime: Timestamp? = nil, by caller: String
    )
        throws(ServiceError) -> QuotaResetReceipt
    {
        let snapshot = self.snapshot
        let now = clock.now()
        let windowTime = windowTime ?? now
        let quota = snapshot.quota
        let windows = snapshot.calendar.windows(at: windowTime)
        let (names, keys, audit) = quota.manualReset(type, windowTime: windowTime, now: now, by: caller)
        let previous: [QuotaCounterKey: Int]
        do {
            previous = try store.resetUsage(of: keys, audit: audit)
        } catch {
            notify(.storeFailed(error))
            throw .store(error)
        }
        var zeroed: [QuotaEngine.Quota: Decision.QuotaStatus] = [:]
        var before: [QuotaEngine.Quota: Int] = [:]
        for name in names {
            zeroed[name] = Decision.QuotaStatus(used: 0, limit: quota.limit(name))
            before[name] = previous[quota.key(name, windows)] ?? 0
        }
        let receipt = QuotaResetReceipt(
            type: type, quotas: zeroed, previous: before, windowTime: windowTime, at: now, by: caller)
        notify(.quotaReset(receipt))
        return receipt
    }
}
