public import SellifyCore

/// `ai.template`: the built-in wording provider. It renders the decision's
/// template from `rules/templates.yaml` with catalog facts — no network, no
/// model, fully deterministic.
public enum TemplateProvider: SellifyPlugin {
    public static let id = PluginID(kind: "ai", name: "template")

    public struct Configuration: Decodable, Sendable, Equatable {
        public init() {}
        public init(from decoder: any Decoder) throws {
            _ = try decoder.container(keyedBy: NoKeys.self)
        }
        enum NoKeys: CodingKey {}
    }

    public static func validate(_ configuration: Configuration) -> [String] { [] }
}
