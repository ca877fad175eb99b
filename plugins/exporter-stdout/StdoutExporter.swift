public import SellifyCore
public import SellifyPluginKit

/// `exporter.stdout`: prints the exposition every `interval`, framed so a
/// reader can split snapshots; logs go to stderr.
public enum StdoutExporter: ExporterPlugin {
    public static let id = PluginID(kind: "exporter", name: "stdout")

    public struct Configuration: Decodable, Sendable, Equatable {
        public var interval: ConfigDuration
        public init(interval: ConfigDuration = .seconds(15)) { self.interval = interval }
        enum CodingKeys: String, CodingKey { case interval }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            interval = try c.decode(.interval, default: .seconds(15))
        }
    }

    public static func validate(_ configuration: Configuration) -> [String] {
        configuration.interval.milliseconds < 1000 ? ["interval: must be at least 1s"] : []
    }
}

extension StdoutExporter {
    public static func makeExporter(_ configuration: Configuration, context: ExporterContext) -> Exporter {
        Exporter(services: [
            PeriodicExporter(
                name: "stdout", interval: .milliseconds(configuration.interval.milliseconds), sink: StdoutSink(),
                metrics: context.metrics, logger: context.logger)
        ])
    }
}
