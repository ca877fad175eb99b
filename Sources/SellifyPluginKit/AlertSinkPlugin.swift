public import Logging
public import SellifyCore

/// What an alert sink is built with.
public struct AlertSinkContext: Sendable {
    public var logger: Logger
    public var account: String
    /// `alerts.sinks[i]`: how errors name the entry.
    public var path: String
    /// Resolves a path of the config against the config file's folder.
    public var resolve: @Sendable (String) -> String

    public init(
        logger: Logger, account: String, path: String = "alerts.sinks",
        resolve: @escaping @Sendable (String) -> String = { $0 }
    ) {
        self.logger = logger
        self.account = account
        self.path = path
        self.resolve = resolve
    }
}

/// One delivery's end: sent, or given up (with why, and after how many attempts).
public enum AlertDelivery: Sendable, Equatable {
    case sent
    case failed(String, attempts: Int)
}

/// Where alert notifications go. The host gives each sink its own bounded
/// queue and delivery thread, and counts what it sent, dropped and failed;
/// the sink owns what it accepts and how it delivers (retries included).
public protocol AlertSink: Sendable {
    /// Notifications waiting at most; beyond, the oldest is dropped.
    var queueSize: Int { get }
    /// Whether this sink wants `notification` (e.g. a severity floor).
    func accepts(_ notification: AlertNotification) -> Bool
    /// Delivers one notification, blocking (on the sink's own thread).
    /// `stopping` turns true at shutdown: a sink stops retrying then.
    func deliver(_ notification: AlertNotification, stopping: @Sendable () -> Bool) -> AlertDelivery
}

/// The `alert` plugin kind.
public protocol AlertSinkPlugin: SellifyPlugin {
    static func makeSink(_ configuration: Configuration, context: AlertSinkContext) throws(PluginError) -> any AlertSink
}
