import Logging
public import SellifyCore
public import SellifyPluginKit

/// `alert.log`: writes each alert (and its resolution) to the service log.
public enum LogAlertSink: AlertSinkPlugin {
    public static let id = PluginID(kind: "alert", name: "log")

    public typealias Configuration = NoOptions

    public static func validate(_ configuration: Configuration) -> [String] { [] }
}

extension LogAlertSink {
    public static func makeSink(_ configuration: Configuration, context: AlertSinkContext) -> any AlertSink {
        Sink(logger: context.logger)
    }

    /// Firing alerts are warnings in the log, resolutions notices.
    struct Sink: AlertSink {
        let logger: Logger
        var queueSize: Int { 10_000 }
        func accepts(_ notification: AlertNotification) -> Bool { true }
        func deliver(_ notification: AlertNotification, stopping: @Sendable () -> Bool) -> AlertDelivery {
            let alert = notification.alert
            logger.log(
                level: notification.status == .resolved ? .notice : .warning, "alert \(notification.status.rawValue)",
                metadata: [
                    "condition": "\(alert.condition)", "key": "\(alert.key)", "severity": "\(alert.severity.rawValue)",
                    "alert": "\(alert.message)",
                ])
            return .sent
        }
    }
}
