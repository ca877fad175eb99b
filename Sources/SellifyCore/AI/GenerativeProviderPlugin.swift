import Foundation
public import SellifyYAML

/// What a generative provider is built from: where the configuration file
/// is (to find a key file written relative to it) and the process
/// environment (to read a key from a variable). A key is read once, when
/// the provider is built, and never logged, audited or put in an error.
public struct GenerativeContext: Sendable {
    /// The folder of config.yaml: relative paths are read from it.
    public var directory: String
    public var environment: [String: String]
    public init(directory: String, environment: [String: String]) {
        self.directory = directory
        self.environment = environment
    }
}

/// A generative provider plugin of the `ai` kind (`plugins/ai-openai`,
/// `plugins/ai-anthropic`): an entry of `ai.providers` names it by `type`;
/// the entry's own keys are its configuration, decoded strictly, except the
/// host's (`timeout`, `retries`, `backoff`, `max_backoff`,
/// `max_concurrency`, `circuit`), which apply to every provider alike.
public protocol GenerativeProviderPlugin: SellifyPlugin {
    static func makeProvider(
        _ configuration: Configuration, context: GenerativeContext
    ) throws(PluginError) -> any GenerativeProvider
}

extension PluginCatalog {
    /// The names of the generative providers of the `ai` kind.
    public var generativeNames: [String] {
        names(kind: "ai").filter { plugin(kind: "ai", name: $0) is any GenerativeProviderPlugin.Type }
    }
}

/// A credential read from an environment variable or a file, never from the
/// configuration's text. `api_key_env: OPENAI_API_KEY` or
/// `api_key_file: /run/secrets/openai` (its first line).
public enum Credential {
    public static func read(
        env: String?, file: String?, context: GenerativeContext, what: String
    )
        throws(PluginError) -> String?
    {
        if let env {
            guard let value = context.environment[env], !value.isEmpty else {
                throw PluginError("\(what)_env: the environment variable \(env) is not set")
            }
            return value
        }
        if let file {
            let path = file.hasPrefix("/") ? file : context.directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PluginError("\(what)_file: cannot read \(path)")
            }
            let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
            let key = String(line).trimmingWhitespace
            guard !key.isEmpty else { throw PluginError("\(what)_file: \(path) is empty") }
            return key
        }
        return nil
    }
}

extension Deployment {
    /// The gateway of `ai.providers` (nil when it lists no generative
    /// provider: every answer is a template), each provider built from its
    /// entry with the host's policy for it.
    public func makeAIGateway(
        environment: [String: String], clock: any GatewayClock = SystemGatewayClock(),
        observer: (any AIGatewayObserver)? = nil
    ) throws(DiagnosticList) -> AIGateway? {
        let ai = configuration.ai
        let entries = ai.generative
        guard !entries.isEmpty else { return nil }
        let directory = (loaded.path as NSString).deletingLastPathComponent
        let context = GenerativeContext(directory: directory.isEmpty ? "." : directory, environment: environment)
        var members: [AIGateway.Member] = []
        for (index, entry) in ai.providers.enumerated() where entry.selection.type != "template" {
            let path = "ai.providers[\(index)]"
            guard
                let plugin = plugins.plugin(kind: "ai", name: entry.selection.type)
                    as? any GenerativeProviderPlugin.Type
            else {
                throw DiagnosticList([
                    Diagnostic("\(path).type: unknown generative provider '\(entry.selection.type)'")
                ])
            }
            let provider = try Self.make(plugin, entry.selection, context: context, file: loaded.path, path: path)
            members.append(
                AIGateway.Member(provider, name: entry.label, policy: entry.policy(defaultTimeout: ai.timeout)))
        }
        return AIGateway(members: members, maxReasks: ai.maxReasks, clock: clock, observer: observer)
    }

    private static func make<P: GenerativeProviderPlugin>(
        _ plugin: P.Type, _ selection: PluginSelection, context: GenerativeContext, file: String, path: String
    ) throws(DiagnosticList) -> any GenerativeProvider {
        let configuration = try PluginCatalog.configuration(of: plugin, selection, file: file, path: path)
        let problems = P.validate(configuration)
        guard problems.isEmpty else {
            throw DiagnosticList(problems.map { Diagnostic("\(path).\($0)", at: selection.location) })
        }
        do {
            return try P.makeProvider(configuration, context: context)
        } catch {
            throw DiagnosticList([Diagnostic("\(path).\(error.message)", at: selection.location)])
        }
    }
}
