public import SellifyYAML

/// One `{type: <plugin>, …options}` entry of a plugin list (`metrics.exporters`,
/// `alerts.sinks`). The host reads only `type`; the chosen plugin decodes the
/// rest with its own `Configuration`, strictly.
public struct PluginSelection: Sendable, Decodable, YAMLRecoverable, YAMLAllowsUnknownKeys {
    public var type: String
    /// The entry's mapping without `type`: the plugin's options.
    public var options: YAMLNode?
    public var location: SourceLocation?

    public init(type: String, options: YAMLNode? = nil) {
        self.type = type
        self.options = options
    }

    public static var yamlPlaceholder: Self { Self(type: "") }

    enum CodingKeys: String, CodingKey { case type }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        location = decoder.yamlLocation
        if let node = decoder.yamlNode, let pairs = node.pairs {
            let rest = pairs.filter { $0.key.scalar != "type" }
            options = YAMLNode(kind: .mapping(rest), location: node.location, tag: node.tag)
        }
    }
}
