import Foundation
import Logging
import Prometheus
import SellifyAlertLog
import SellifyAlertWebhook
import SellifyCore
import SellifyMetrics
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

    init(configuration: SellifyConfiguration, loaded: LoadedConfiguration, metrics: SellifyMetrics, logger: Logger)
        throws(ExporterError)
    {
        let alerts = configuration.alerts
        tracker = AlertTracker(cooldownMilliseconds: alerts.cooldown.milliseconds, account: configuration.account.id)
        conditions = alerts.conditions
        validation = RatioWindow(alerts.conditions.validationFailures)
        ai = RatioWindow(alerts.conditions.aiErrors)
        self.metrics = metrics
        self.logger = logger
        var sinks: [AlertSinkQueue] = []
        for (index, selection) in alerts.sinks.enumerated() {
            let path = "alerts.sinks[\(index)]"
            switch selection.type {
            case LogAlertSink.id.name:
                sinks.append(AlertSinkQueue(name: "log", capacity: 10_000, deliver: .log(logger), metrics: metrics, logger: logger))
            case WebhookAlertSink.id.name:
                do {
                    let configuration = try PluginCatalog.configuration(
                        of: WebhookAlertSink.self, selection, file: loaded.path, path: path)
                    sinks.append(AlertSinkQueue(
                        name: "webhook", capacity: configuration.queueSize,
                        deliver: .webhook(WebhookDelivery(configuration: configuration)), metrics: metrics, logger: logger))
                } catch {
                    throw ExporterError("\(path): \(error)")
                }
            default:
                throw ExporterError("\(path).type: unknown alert sink '\(selection.type)'")
            }
        }
        self.sinks = sinks
        for sink in sinks {
            _ = metrics.counter(MetricCatalog.alertFailures, sink.name)
            _ = metrics.counter(MetricCatalog.alertsDropped, sink.name)
        }
    }

    static func now() -> Timestamp { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }

    /// Raises alerts (de-duplicated); never blocks.
    func raise(_ events: [AlertEvent], at now: Timestamp = AlertCenter.now()) {
        for event in events {
            if let notification = tracker.raise(event, at: now) { send(notification) }
        }
    }

    func resolve(condition: String, key: String? = nil, at now: Timestamp = AlertCenter.now()) {
        for notification in tracker.resolve(condition: condition, key: key, at: now) { send(notification) }
    }

    func send(_ notification: AlertNotification) {
        for sink in sinks { sink.enqueue(notification) }
    }

    /// Feeds the ratio conditions.
    func recordValidation(valid: Bool, at now: Timestamp = AlertCenter.now()) { validation?.record(failed: !valid, at: now) }
    func recordAI(ok: Bool, at now: Timestamp = AlertCenter.now()) { ai?.record(failed: !ok, at: now) }

    /// Periodic evaluation: ratio conditions fire or resolve, quiet event alerts resolve.
    func tick(at now: Timestamp = AlertCenter.now()) {
        for (name, window, condition) in [("validation_failures", validation, conditions.validationFailures), ("ai_errors", ai, conditions.aiErrors)] {
            guard let window, let over = window.isOver(at: now) else { continue }
            if over {
                let (failed, total) = window.counts(at: now)
                raise([AlertEvent(
                    condition: name, key: name, severity: .warning,
                    message: "\(failed) of \(total) in the last \(condition.window) failed (threshold \(condition.threshold))")], at: now)
            } else {
                resolve(condition: name, at: now)
            }
        }
        for notification in tracker.sweep(at: now) { send(notification) }
    }
}

/// One sink: a bounded queue (full → drop the oldest, counted) and a worker
/// that delivers with retries and exponential backoff.
final class AlertSinkQueue: Sendable {
    enum Delivery: Sendable {
        case log(Logger)
        case webhook(WebhookDelivery)
    }

    let name: String
    let capacity: Int
    let delivery: Delivery
    let metrics: SellifyMetrics
    let logger: Logger
    private let queue = Mutex<[AlertNotification]>([])
    private let wakeUp: AsyncStream<Void>.Continuation
    private let wakeUps: AsyncStream<Void>

    init(name: String, capacity: Int, deliver: Delivery, metrics: SellifyMetrics, logger: Logger) {
        self.name = name
        self.capacity = capacity
        delivery = deliver
        self.metrics = metrics
        self.logger = logger
        (wakeUps, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func enqueue(_ notification: AlertNotification) {
        if case .webhook(let webhook) = delivery,
           AlertSeverity(notification.alert.severity) < webhook.configuration.minSeverity
        {
            return
        }
        let dropped = queue.withLock { queue -> Int in
            queue.append(notification)
            let excess = max(0, queue.count - capacity)
            if excess > 0 { queue.removeFirst(excess) }
            return excess
        }
        if dropped > 0 {
            metrics.counter(MetricCatalog.alertsDropped, name).increment(by: Int64(dropped))
        }
        wakeUp.yield()
    }

    var pending: Int { queue.withLock { $0.count } }

    private func next() -> AlertNotification? {
        queue.withLock { queue in queue.isEmpty ? nil : queue.removeFirst() }
    }

    /// Delivers until cancelled (the service's run loop).
    func run() async {
        for await _ in wakeUps {
            while let notification = next() {
                if Task.isCancelled { return }
                await deliver(notification)
            }
        }
    }

    func deliver(_ notification: AlertNotification) async {
        switch delivery {
        case .log(let logger):
            let alert = notification.alert
            logger.log(level: notification.status == .resolved ? .notice : .warning, "alert \(notification.status.rawValue)", metadata: [
                "condition": "\(alert.condition)", "key": "\(alert.key)", "severity": "\(alert.severity.rawValue)",
                "alert": "\(alert.message)",
            ])
            metrics.counter(MetricCatalog.alertsSent, alert.severity.rawValue).increment()
        case .webhook(let webhook):
            var wait = Double(webhook.configuration.backoff.milliseconds) / 1000
            for attempt in 0...webhook.configuration.maxRetries {
                do {
                    try await webhook.post(notification)
                    metrics.counter(MetricCatalog.alertsSent, notification.alert.severity.rawValue).increment()
                    return
                } catch {
                    if !error.retryable || attempt == webhook.configuration.maxRetries || Task.isCancelled {
                        metrics.counter(MetricCatalog.alertFailures, name).increment()
                        logger.error("alert delivery failed", metadata: [
                            "sink": "\(name)", "error": "\(error)", "attempts": "\(attempt + 1)",
                            "condition": "\(notification.alert.condition)",
                        ])
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
                    wait = min(wait * 2, 30)
                }
            }
        }
    }
}

/// The alert workers and the periodic evaluation, as one service.
struct AlertService: Service {
    let center: AlertCenter

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for sink in center.sinks { group.addTask { await sink.run() } }
            group.addTask {
                while !Task.isCancelled {
                    center.tick()
                    try? await Task.sleep(for: .seconds(5))
                }
            }
            // Stop on graceful shutdown (after the HTTP listeners), then cancel the workers.
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}
