public import SellifyCore

/// `exporter.stdout`: prints the exposition every `interval`, framed so a
/// reader can split snapshots; logs go to stderr.
public enum StdoutExporter: SellifyPlugin {
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
