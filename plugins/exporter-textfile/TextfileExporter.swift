public import SellifyCore
import SellifyMetrics
public import SellifyPluginKit

/// `exporter.textfile`: writes `<directory>/<name>.prom` every `interval` for
/// node_exporter's textfile collector (write to a temp file, fsync, rename).
public enum TextfileExporter: ExporterPlugin {
    public static let id = PluginID(kind: "exporter", name: "textfile")

    public struct Configuration: Decodable, Sendable, Equatable {
        /// node_exporter's `--collector.textfile.directory`.
        public var directory: String
        public var interval: ConfigDuration
        /// File name without `.prom`.
        public var name: String
        public init(directory: String, interval: ConfigDuration = .seconds(15), name: String = "sellify") {
            self.directory = directory
            self.interval = interval
            self.name = name
        }
        enum CodingKeys: String, CodingKey { case directory, interval, name }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            directory = try c.decode(String.self, forKey: .directory)
            interval = try c.decode(.interval, default: .seconds(15))
            name = try c.decode(.name, default: "sellify")
        }
    }

    public static func validate(_ configuration: Configuration) -> [String] {
        var problems: [String] = []
        if configuration.directory.isEmpty { problems.append("directory: must not be empty") }
        if configuration.interval.milliseconds < 1000 { problems.append("interval: must be at least 1s") }
        let allowed = configuration.name.utf8.allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F
                || $0 == 0x2D
        }
        if configuration.name.isEmpty || !allowed {
            problems.append(
                "name: expected letters, digits, '_' or '-' (the file is <name>.prom), got \"\(configuration.name)\"")
        }
        return problems
    }
}

extension TextfileExporter {
    /// Fails when the directory is missing or not writable (checked at start, not at the first write).
    public static func makeExporter(
        _ configuration: Configuration, context: ExporterContext
    ) throws(PluginError) -> Exporter {
        let sink: TextfileSink
        do {
            sink = try TextfileSink(
                configuration: configuration, resolvedDirectory: context.resolve(configuration.directory))
        } catch {
            throw PluginError(error.message)
        }
        return Exporter(services: [
            PeriodicExporter(
                name: "textfile:\(sink.path)", interval: .milliseconds(configuration.interval.milliseconds), sink: sink,
                metrics: context.metrics, logger: context.logger)
        ])
    }
}
