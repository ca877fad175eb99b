public import SellifyCore

/// `ai.template`: the built-in wording provider. It renders the decision's
/// template from `rules/templates.yaml` with catalog facts — no network, no
/// model, fully deterministic. The renderer itself is the host's
/// `ResponseEngine`, because every provider falls back to it and it must
/// exist even in a build without this plugin.
public enum TemplateProvider: WordingProviderPlugin {
    public static let id = PluginID(kind: "ai", name: "template")

    /// No options: `ai.options` must be empty (or absent).
    public typealias Configuration = NoOptions

    public static func validate(_ configuration: Configuration) -> [String] { [] }

    public static func makeProvider(_ configuration: Configuration, context: WordingContext) -> any WordingProvider {
        context.templates
    }
}
