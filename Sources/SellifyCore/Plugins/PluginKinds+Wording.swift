public import SellifyYAML

/// What a wording provider is built from: the snapshot's rules and catalog,
/// and the rules' own templates — the deterministic wording every provider
/// falls back to.
public struct WordingContext: Sendable {
    public var rules: RuleSet
    public var catalog: Catalog
    public var configuration: SellifyConfiguration
    /// The rules' templates, filled from the catalog.
    public var templates: ResponseEngine
}

/// The `ai` plugin kind: `ai.provider` names one; `ai.options` is its
/// configuration, decoded strictly by it.
public protocol WordingProviderPlugin: SellifyPlugin {
    static func makeProvider(
        _ configuration: Configuration, context: WordingContext
    ) throws(PluginError) -> any WordingProvider
}

/// A plugin that cannot be built from a configuration that validated
/// (a file that is missing, an address that cannot be bound…).
public struct PluginError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Deployment {
    /// The wording provider `ai.provider` names, built from `ai.options`.
    public func makeWordingProvider() throws(DiagnosticList) -> any WordingProvider {
        let ai = configuration.ai
        let context = WordingContext(
            rules: rules, catalog: catalog, configuration: configuration,
            templates: ResponseEngine(
                templates: rules.templates, account: configuration.account,
                defaultLanguage: rules.intents.defaultLanguage))
        guard let plugin = plugins.plugin(kind: "ai", name: ai.provider) else {
            throw DiagnosticList([Diagnostic("ai.provider: unknown provider '\(ai.provider)'")])
        }
        guard let provider = plugin as? any WordingProviderPlugin.Type else {
            throw DiagnosticList([Diagnostic("ai.provider: the plugin '\(plugin.id)' words no answers")])
        }
        return try Self.make(provider, ai.selection, context: context, file: loaded.path)
    }

    private static func make<P: WordingProviderPlugin>(
        _ plugin: P.Type, _ selection: PluginSelection, context: WordingContext, file: String
    ) throws(DiagnosticList) -> any WordingProvider {
        let configuration = try PluginCatalog.configuration(of: plugin, selection, file: file, path: "ai.options")
        do {
            return try P.makeProvider(configuration, context: context)
        } catch {
            throw DiagnosticList([
                Diagnostic("ai.provider '\(selection.type)': \(error.message)", at: selection.location)
            ])
        }
    }
}
