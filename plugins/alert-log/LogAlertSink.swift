public import SellifyCore

/// `alert.log`: writes each alert (and its resolution) to the service log.
public enum LogAlertSink: SellifyPlugin {
    public static let id = PluginID(kind: "alert", name: "log")

    public struct Configuration: Decodable, Sendable, Equatable {
        public init() {}
        public init(from decoder: any Decoder) throws {
            // No options; the empty container still rejects unknown keys.
            _ = try decoder.container(keyedBy: NoKeys.self)
        }
        enum NoKeys: CodingKey {}
    }

    public static func validate(_ configuration: Configuration) -> [String] { [] }
}
