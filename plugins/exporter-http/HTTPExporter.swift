public import SellifyCore

/// `exporter.http`: serves the Prometheus exposition at `/metrics` on the API
/// listener, or on a listener of its own when `listen` is set.
public enum HTTPExporter: SellifyPlugin {
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
