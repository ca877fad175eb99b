public import Logging
public import SellifyCore
public import SellifyMetrics
public import ServiceLifecycle

/// What an exporter is built with: the metrics to expose, the log, and how
/// paths of the config are resolved (relative to the config file).
public struct ExporterContext: Sendable {
    public var metrics: SellifyMetrics
    public var logger: Logger
    /// `metrics.exporters[i]`: how errors name the entry.
    public var path: String
    public var resolve: @Sendable (String) -> String

    public init(metrics: SellifyMetrics, logger: Logger, path: String, resolve: @escaping @Sendable (String) -> String)
    {
        self.metrics = metrics
        self.logger = logger
        self.path = path
        self.resolve = resolve
    }
}

/// A built exporter: its long-running work, run in `sellify serve`'s
/// service group (stopped on graceful shutdown after the HTTP listeners,
/// before the store closes), and whether the API listener serves `/metrics`.
public struct Exporter: Sendable {
    public var services: [any Service]
    public var servesAPIListener: Bool

    public init(services: [any Service] = [], servesAPIListener: Bool = false) {
        self.services = services
        self.servesAPIListener = servesAPIListener
    }
}

/// The `exporter` plugin kind: where metrics go.
public protocol ExporterPlugin: SellifyPlugin {
    /// Builds the exporter from a configuration that validated; fails (naming
    /// what is wrong) when it cannot start, e.g. a directory that is not writable.
    static func makeExporter(_ configuration: Configuration, context: ExporterContext) throws(PluginError) -> Exporter
}

/// A push exporter as a service: writes at start, every `interval`, and
/// once more on graceful shutdown, so a stopping server's last numbers are kept.
public struct PeriodicExporter: Service {
    let name: String
    let interval: Duration
    let sink: any ExpositionSink
    let metrics: SellifyMetrics
    let logger: Logger

    public init(name: String, interval: Duration, sink: any ExpositionSink, metrics: SellifyMetrics, logger: Logger) {
        self.name = name
        self.interval = interval
        self.sink = sink
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        write()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            write()
        }
        write()
        logger.debug("exporter stopped after its final write", metadata: ["exporter": "\(name)"])
    }

    func write() {
        do {
            try sink.write(metrics.exposition())
        } catch {
            logger.error("metrics exporter failed", metadata: ["exporter": "\(name)", "error": "\(error)"])
        }
    }
}
