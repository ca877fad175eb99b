import Foundation
import Logging
import Prometheus
import SellifyCore
import SellifyMetrics
import SellifyPluginKit
import SellifyYAML
import ServiceLifecycle
import Synchronization

/// Where alert notifications go: the sinks of `alerts.sinks`, each behind its
/// own bounded queue and worker, so raising an alert never waits for a sink.
final class AlertCenter: Sendable {
    let tracker: AlertTracker
    let sinks: [AlertSinkQueue]
    let validation: RatioWindow?
    let ai: RatioWindow?
    let conditions: AlertConditionsConfiguration
    let metrics: SellifyMetrics
    let logger: Logger

    init(
        configuration: SellifyConfiguration, loaded: LoadedConfiguration, plugins: PluginCatalog,
        metrics: SellifyMetrics,
        logger: Logger, clock: any WallClock = SystemClock()
    ) throws(ExporterError) {
        self.clock = clock
        let alerts = configuration.alerts
        tracker = AlertTracker(cooldownMilliseconds: alerts.cooldown.milliseconds, account: configuration.account.id)
        conditions = alerts.conditions
        validation = RatioWindow(alerts.conditions.validationFailures)
        ai = RatioWindow(alerts.conditions.aiErrors)
        self.metrics = metrics
        self.logger = logger
        do {
            sinks = try plugins.makeAlertSinks(alerts.sinks, loaded: loaded, logger: logger).map { name, sink in
                AlertSinkQueue(name: name, sink: sink, metrics: metrics, logger: logger)
            }
        } catch {
            throw ExporterError(error.message)
        }
        for sink in sinks {
            _ = metrics.counter(MetricCatalog.alertFailures, sink.name)
            _ = metrics.counter(MetricCatalog.alertsDropped, sink.name)
        }
    }

    /// The server's clock (cooldowns, ratio windows, resolutions).
    let clock: any WallClock
    let licenseWatch = LicenseWatch()

    /// Raises alerts (de-duplicated); never blocks.
    func raise(_ events: [AlertEvent], at time: Timestamp? = nil) {
        let now = time ?? clock.now()
        for event in events {
            if let notification = tracker.raise(event, at: now) { send(notification) }
        }
    }

    func resolve(condition: String, key: String? = nil, at time: Timestamp? = nil) {
        let now = time ?? clock.now()
        for notification in tracker.resolve(condition: condition, key: key, at: now) { send(notification) }
    }

    func send(_ notification: AlertNotification) {
        for sink in sinks { sink.enqueue(notification) }
    }

    /// Feeds the ratio conditions.
    func recordValidation(valid: Bool, at time: Timestamp? = nil) {
        let now = time ?? clock.now()
        validation?.record(failed: !valid, at: now)
    }
    func recordAI(ok: Bool, at time: Timestamp? = nil) { ai?.record(failed: !ok, at: time ?? clock.now()) }

    /// Periodic evaluation: ratio conditions fire or resolve, quiet event alerts resolve.
    func tick(at time: Timestamp? = nil) {
        let now = time ?? clock.now()
        for (name, window, condition) in [
            ("validation_failures", validation, conditions.validationFailures), ("ai_errors", ai, conditions.aiErrors),
        ] {
            guard let window, let over = window.isOver(at: now) else { continue }
            if over {
                let (failed, total) = window.counts(at: now)
                raise(
                    [
                        AlertEvent(
                            condition: name, key: name, severity: .warning,
                            message:
                                "\(failed) of \(total) in the last \(condition.window) failed (threshold \(condition.threshold))"
                        )
                    ], at: now)
            } else {
                resolve(condition: name, at: now)
            }
        }
        for notification in tracker.sweep(at: now) { send(notification) }
    }
}

/// One sink: a bounded queue (full → drop the oldest, counted) and a
/// delivery thread of its own that retries with exponential backoff. A
/// thread, not a task: alerts matter most when everything else is busy, so
/// delivery never waits for a Swift concurrency thread.
final class AlertSinkQueue: @unchecked Sendable {
    let name: String
    let capacity: Int
    let sink: any AlertSink
    let metrics: SellifyMetrics
    let logger: Logger
    private let condition = NSCondition()
    private var queue: [AlertNotification] = []
    private var stopping = false
    private var thread: Thread?

    init(name: String, sink: any AlertSink, metrics: SellifyMetrics, logger: Logger) {
        self.name = name
        capacity = sink.queueSize
        self.sink = sink
        self.metrics = metrics
        self.logger = logger
    }

    func enqueue(_ notification: AlertNotification) {
        guard sink.accepts(notification) else { return }
        condition.lock()
        queue.append(notification)
        let dropped = max(0, queue.count - capacity)
        if dropped > 0 { queue.removeFirst(dropped) }
        condition.signal()
        condition.unlock()
        if dropped > 0 {
            metrics.counter(MetricCatalog.alertsDropped, name).increment(by: Int64(dropped))
        }
    }

    var pending: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Starts the delivery thread.
    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard thread == nil else { return }
        stopping = false
        let thread = Thread { [self] in self.loop() }
        thread.name = "sellify-alerts-\(name)"
        self.thread = thread
        thread.start()
    }

    /// Stops after the notification being delivered (what is queued stays queued).
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping {
                thread = nil
                condition.unlock()
                return
            }
            let notification = queue.removeFirst()
            condition.unlock()
            deliver(notification)
        }
    }

    func deliver(_ notification: AlertNotification) {
        switch sink.deliver(notification, stopping: { [self] in isStopping }) {
        case .sent:
            metrics.counter(MetricCatalog.alertsSent, notification.alert.severity.rawValue).increment()
        case .failed(let reason, let attempts):
            metrics.counter(MetricCatalog.alertFailures, name).increment()
            logger.error(
                "alert delivery failed",
                metadata: [
                    "sink": "\(name)", "error": "\(reason)", "attempts": "\(attempts)",
                    "condition": "\(notification.alert.condition)",
                ])
        }
    }
}

/// The sinks' delivery threads and the periodic evaluation, as one service.
/// `deployment`: the running one, whose license each tick looks at.
struct AlertService: Service {
    let center: AlertCenter
    let deployment: @Sendable () -> Deployment

    func run() async throws {
        for sink in center.sinks { sink.start() }
        defer { for sink in center.sinks { sink.stop() } }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = center.clock.now()
            center.tick(at: now)
            center.watchLicense(of: deployment(), at: now)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(5)) }
            } catch {
                return
            }
        }
    }
}

extension AlertCenter {
    /// The license's alerts (`license_expiry`) and gauges at `now`: its
    /// status moves from valid to grace to expired without a reload.
    func watchLicense(of deployment: Deployment, at now: Timestamp) {
        metrics.showLicense(of: deployment, at: now)
        let change = licenseWatch.look(
            at: deployment.license, grace: deployment.configuration.license.gracePeriod.milliseconds, now: now)
        if change.resolveAll { resolve(condition: LicenseWatch.condition, at: now) }
        if let alert = change.raise, conditions.licenseExpiry {
            logger.warning("\(alert.message)", metadata: ["license": "\(alert.key)"])
            raise([alert], at: now)
        }
    }

    /// `license_limit` for `name` while `inUse` exceeds the limit in force; resolved when it no longer does.
    func checkLicenseLimit(_ name: String, inUse: Int, deployment: Deployment, at now: Timestamp) {
        guard conditions.licenseLimits else { return }
        if let alert = LicenseLimits.alert(
            name, inUse: inUse, limits: deployment.licenseLimits, licensed: deployment.license != nil)
        {
            raise([alert], at: now)
        } else {
            resolve(condition: LicenseLimits.condition, key: name, at: now)
        }
    }
}

/// The alerts subscribe to the application's events: a decision's alerts
/// are raised, roll-overs and resets resolve the quota alerts, the ratio
/// windows are fed, store and reload failures raise their conditions.
extension AlertCenter: ServiceObserver {
    func observe(_ event: ServiceEvent) {
        switch event {
        case .decided(let result):
            raise(result.alerts)
            if let validation = result.validation { recordValidation(valid: validation.valid) }
        case .rolledOver(let rollovers, _, _):
            for rollover in rollovers { resolveQuotas(QuotaEngine.quotas(resetBy: rollover.type)) }
        case .quotaReset(let receipt):
            resolveQuotas(Array(receipt.quotas.keys))
        case .validated(let result, .generation):
            recordValidation(valid: result.valid)
        case .worded(let attempt):
            recordAI(ok: attempt.ok)
        case .storeFailed(let error):
            if conditions.storeErrors {
                raise([AlertEvent(condition: "store_error", key: "store", severity: .critical, message: error.message)])
            }
        case .rulesReloaded:
            resolve(condition: "reload_failure")
        case .rulesReloadFailed(let diagnostics):
            if conditions.reloadFailures {
                raise([
                    AlertEvent(
                        condition: "reload_failure", key: "rules", severity: .critical,
                        message: "rules reload failed: \(diagnostics.first?.description ?? "unknown error")")
                ])
            }
        case .validated(_, .request), .outboundRecorded, .outboundRefused, .audited:
            break
        }
    }

    private func resolveQuotas(_ quotas: [QuotaEngine.Quota]) {
        for quota in quotas {
            resolve(condition: "quota_warning", key: quota.rawValue)
            resolve(condition: "quota_reached", key: quota.rawValue)
        }
    }
}

/// The AI gateway's alerts: each request a provider answered or failed
/// feeds `ai_errors` (a skipped one — circuit open, cap reached — is no
/// request); a circuit that opens raises `ai_circuit_open` for its provider,
/// resolved when a good probe closes it.
extension AlertCenter: AIGatewayObserver {
    func requested(provider: String, status: String, duration: Duration, completion: Completion?) {
        guard status != "circuit_open" && status != "busy" else { return }
        recordAI(ok: status == "ok")
    }

    func circuitChanged(provider: String, to state: CircuitBreaker.State) {
        switch state {
        case .open where conditions.aiCircuitOpen:
            raise([
                AlertEvent(
                    condition: "ai_circuit_open", key: provider, severity: .warning,
                    message:
                        "AI provider '\(provider)' failed too often: its circuit is open and the next provider answers"
                        + " until a probe after the cool-down succeeds")
            ])
        case .closed:
            resolve(condition: "ai_circuit_open", key: provider)
        case .open, .halfOpen:
            break
        }
    }

    func reasked(provider: String) {}
    func fellBack(reason: String) {}
}
