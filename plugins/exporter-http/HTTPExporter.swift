import Hummingbird
import Logging
public import SellifyCore
import SellifyMetrics
public import SellifyPluginKit

/// `exporter.http`: serves the Prometheus exposition at `/metrics` on the API
/// listener, or on a listener of its own when `listen` is set.
public enum HTTPExporter: ExporterPlugin {
    public static let id = PluginID(kind: "exporter", name: "http")

    public struct Configuration: Decodable, Sendable, Equatable {
        /// `host:port` of a separate metrics listener (port 0: any free port, logged at start); unset = the API listener.
        public var listen: String?
        public init(listen: String? = nil) { self.listen = listen }
        enum CodingKeys: String, CodingKey { case listen }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            listen = try c.decodeIfPresent(String.self, forKey: .listen)
        }
    }

    public static func validate(_ configuration: Configuration) -> [String] {
        guard let listen = configuration.listen else { return [] }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port), colon != listen.startIndex
        else {
            return ["listen: expected host:port such as 127.0.0.1:9464, got \"\(listen)\""]
        }
        return []
    }
}

extension HTTPExporter {
    /// The exposition format Prometheus scrapes (text 0.0.4).
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func makeExporter(_ configuration: Configuration, context: ExporterContext) -> Exporter {
        guard let listen = configuration.listen, let colon = listen.lastIndex(of: ":"),
            let port = Int(listen[listen.index(after: colon)...])
        else {
            return Exporter(servesAPIListener: true)
        }
        let host = String(listen[..<colon])
        let metrics = context.metrics
        let logger = context.logger
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: contentType],
                body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        let listener = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "sellify-metrics"),
            onServerRunning: { channel in
                logger.notice(
                    "metrics listener", metadata: ["url": "http://\(host):\(channel.localAddress?.port ?? 0)/metrics"])
            },
            logger: logger)
        return Exporter(services: [listener])
    }
}
