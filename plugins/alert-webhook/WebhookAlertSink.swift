import Foundation
public import SellifyCore
public import SellifyPluginKit

/// `alert.webhook`: POSTs each alert (and its resolution) as JSON to a URL —
/// a plain JSON object, a Slack incoming-webhook message, or an Alertmanager
/// `/api/v2/alerts` body. Delivery retries with exponential backoff from a
/// bounded queue (full: the oldest is dropped and counted); a decision never
/// waits for it.
public enum WebhookAlertSink: AlertSinkPlugin {
    public static let id = PluginID(kind: "alert", name: "webhook")

    public enum Format: String, ConfigEnum, Equatable { case json, slack, alertmanager }

    public struct Configuration: Decodable, Sendable, Equatable {
        /// `http://` or `https://` URL; keep secrets out of config: `url: ${SLACK_WEBHOOK_URL}`.
        public var url: String
        public var format: Format
        /// Per attempt.
        public var timeout: ConfigDuration
        /// Attempts after the first, for network errors, 429 and 5xx.
        public var maxRetries: Int
        /// First wait before a retry; doubles each time (capped at 30 s).
        public var backoff: ConfigDuration
        /// Notifications waiting at most; beyond, the oldest is dropped.
        public var queueSize: Int
        /// Alerts below this severity are not sent to this sink.
        public var minSeverity: AlertSeverity

        public init(
            url: String, format: Format = .json, timeout: ConfigDuration = .seconds(5), maxRetries: Int = 3,
            backoff: ConfigDuration = ConfigDuration(milliseconds: 500), queueSize: Int = 1000,
            minSeverity: AlertSeverity = .info
        ) {
            self.url = url
            self.format = format
            self.timeout = timeout
            self.maxRetries = maxRetries
            self.backoff = backoff
            self.queueSize = queueSize
            self.minSeverity = minSeverity
        }

        enum CodingKeys: String, CodingKey {
            case url, format, timeout, maxRetries = "max_retries", backoff, queueSize = "queue_size", minSeverity =
                "min_severity"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(String.self, forKey: .url)
            format = try c.decode(.format, default: .json)
            timeout = try c.decode(.timeout, default: .seconds(5))
            maxRetries = try c.decode(NonNegativeInt.self, .maxRetries, default: 3)
            backoff = try c.decode(.backoff, default: ConfigDuration(milliseconds: 500))
            queueSize = try c.decode(PositiveInt.self, .queueSize, default: 1000)
            minSeverity = try c.decode(.minSeverity, default: .info)
        }
    }

    public static func validate(_ configuration: Configuration) -> [String] {
        var problems: [String] = []
        let url = configuration.url
        if !(url.hasPrefix("http://") || url.hasPrefix("https://")) || url.count < 10 {
            problems.append("url: expected an http:// or https:// URL, got \"\(url)\"")
        }
        if configuration.timeout.milliseconds < 100 { problems.append("timeout: must be at least 100ms") }
        if configuration.maxRetries > 20 { problems.append("max_retries: at most 20") }
        if configuration.queueSize > 1_000_000 { problems.append("queue_size: at most 1000000") }
        return problems
    }

    /// The request body for one notification, in the configured format.
    public static func body(_ notification: AlertNotification, format: Format) -> String {
        let alert = notification.alert
        switch format {
        case .json:
            var o = JSONObjectWriter()
            o["status"] = .string(notification.status.rawValue)
            o["condition"] = .string(alert.condition)
            o["key"] = .string(alert.key)
            o["severity"] = .string(alert.severity.rawValue)
            o["message"] = .string(alert.message)
            o["account"] = .string(notification.account)
            o["starts_at"] = .string(notification.startsAt.description)
            o["ends_at"] = notification.endsAt.map { .string($0.description) } ?? .null
            if let details = alert.details { o["details"] = .raw(details) }
            return o.string
        case .slack:
            let icon =
                notification.status == .resolved
                ? ":white_check_mark:" : (alert.severity == .critical ? ":rotating_light:" : ":warning:")
            var o = JSONObjectWriter()
            o["text"] = .string(
                "\(icon) [\(notification.status.rawValue.uppercased())] \(alert.severity.rawValue) \(alert.condition) "
                    + "(\(alert.key)) on \(notification.account): \(alert.message)")
            return o.string
        case .alertmanager:
            var labels = JSONObjectWriter()
            labels["alertname"] = .string("sellify_" + alert.condition)
            labels["key"] = .string(alert.key)
            labels["severity"] = .string(alert.severity.rawValue)
            labels["account"] = .string(notification.account)
            labels["service"] = .string("sellify")
            var annotations = JSONObjectWriter()
            annotations["summary"] = .string(alert.message)
            if let details = alert.details { annotations["details"] = .string(details) }
            var o = JSONObjectWriter()
            o["labels"] = .object(labels)
            o["annotations"] = .object(annotations)
            o["startsAt"] = .string(notification.startsAt.description)
            if let ends = notification.endsAt { o["endsAt"] = .string(ends.description) }
            return "[" + o.string + "]"
        }
    }
}

/// `min_severity`: info < warning < critical.
public enum AlertSeverity: String, ConfigEnum, Equatable, Comparable {
    case info, warning, critical
    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    public init(_ severity: AlertEvent.Severity) { self = Self(rawValue: severity.rawValue)! }
}

extension WebhookAlertSink {
    public static func makeSink(_ configuration: Configuration, context: AlertSinkContext) -> any AlertSink {
        Sink(delivery: WebhookDelivery(configuration: configuration))
    }

    /// Alerts at or above `min_severity`; network errors, 429 and 5xx are
    /// retried with exponential backoff (doubling, capped at 30 s) up to
    /// `max_retries` times, and not once shutdown began.
    struct Sink: AlertSink {
        let delivery: WebhookDelivery
        var queueSize: Int { delivery.configuration.queueSize }

        func accepts(_ notification: AlertNotification) -> Bool {
            AlertSeverity(notification.alert.severity) >= delivery.configuration.minSeverity
        }

        func deliver(_ notification: AlertNotification, stopping: @Sendable () -> Bool) -> AlertDelivery {
            let configuration = delivery.configuration
            var wait = Double(configuration.backoff.milliseconds) / 1000
            for attempt in 0...configuration.maxRetries {
                do {
                    try delivery.postBlocking(notification)
                    return .sent
                } catch {
                    if !error.retryable || attempt == configuration.maxRetries || stopping() {
                        return .failed(error.message, attempts: attempt + 1)
                    }
                    Thread.sleep(forTimeInterval: wait)
                    wait = min(wait * 2, 30)
                }
            }
            return .failed("no attempt made", attempts: 0)
        }
    }
}
