import Foundation
import Prometheus
import Synchronization

/// The standard `process_*` metrics, read from /proc on Linux at each
/// exposition.
enum ProcessMetrics {
    private static let lastCPU = Mutex(0.0)
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private static let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

    static func prepare(_ metrics: SellifyMetrics) {
        if let start = startTime() { metrics.gauge(MetricCatalog.processStart).set(to: start) }
        refresh(metrics)
    }

    static func refresh(_ metrics: SellifyMetrics) {
        if let stat = selfStat() {
            // Fields after the command name: state is [0]; utime [11], stime [12], vsize [20], rss [21].
            let cpu = ((Double(stat[11]) ?? 0) + (Double(stat[12]) ?? 0)) / ticksPerSecond
            let delta = lastCPU.withLock { last -> Double in
                let delta = max(0, cpu - last)
                last = max(last, cpu)
                return delta
            }
            if delta > 0 { metrics.counter(MetricCatalog.processCPU).increment(by: delta) }
            metrics.gauge(MetricCatalog.processVirtual).set(to: Double(stat[20]) ?? 0)
            metrics.gauge(MetricCatalog.processResident).set(to: (Double(stat[21]) ?? 0) * pageSize)
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            metrics.gauge(MetricCatalog.processOpenFDs).set(to: Double(fds.count))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            metrics.gauge(MetricCatalog.processMaxFDs).set(to: Double(limit.rlim_cur))
        }
    }

    /// /proc/self/stat split after the `(command)` field.
    private static func selfStat() -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 21 ? fields : nil
    }

    private static func startTime() -> Double? {
        guard let stat = selfStat(), let startTicks = Double(stat[19]),
            let uptimeText = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
            let uptime = Double(uptimeText.split(separator: " ").first ?? "")
        else { return nil }
        let now = Date().timeIntervalSince1970
        return (now - uptime + startTicks / ticksPerSecond).rounded()
    }
}
