public import Foundation
public import SellifyYAML

/// A decoded `config.yaml` together with where it came from, so relative
/// paths resolve against the config file's folder (a copied deployment
/// folder works from anywhere).
public struct LoadedConfiguration: Sendable {
    public var configuration: SellifyConfiguration
    /// The config file as given (used in messages).
    public var path: String
    /// The absolute folder of the config file.
    public var directory: String

    public init(configuration: SellifyConfiguration, path: String, directory: String) {
        self.configuration = configuration
        self.path = path
        self.directory = directory
    }

    /// A path from the config, absolute.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }

    /// How a configured path is shown in messages: as written when relative
    /// to the config file next to the working directory, else absolute.
    public func display(_ configured: String) -> String {
        if configured.hasPrefix("/") { return configured }
        let configDirectory = (path as NSString).deletingLastPathComponent
        return configDirectory.isEmpty || configDirectory == "." ? configured : "\(configDirectory)/\(configured)"
    }

    /// Reads and decodes `path`, then checks what spans several fields.
    /// Every problem of the file is reported at once.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        plugins: PluginCatalog
    ) throws(DiagnosticList) -> LoadedConfiguration {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL
        let configuration = try YAMLDecoder().decode(
            SellifyConfiguration.self, contentsOf: absolute.path, displayName: path, environment: environment)
        return try validated(
            configuration, path: path, directory: absolute.deletingLastPathComponent().path, plugins: plugins)
    }

    /// Decodes config text as if read from `path` (tests, stdin).
    public static func decode(
        _ text: String, path: String, directory: String, environment: [String: String], plugins: PluginCatalog
    ) throws(DiagnosticList) -> LoadedConfiguration {
        let configuration = try YAMLDecoder().decode(
            SellifyConfiguration.self, from: text, file: path, environment: environment)
        return try validated(configuration, path: path, directory: directory, plugins: plugins)
    }

    private static func validated(
        _ configuration: SellifyConfiguration, path: String, directory: String, plugins: PluginCatalog
    ) throws(DiagnosticList) -> LoadedConfiguration {
        let diagnostics = configuration.diagnose(file: path, plugins: plugins)
        if diagnostics.contains(where: { $0.severity == .error }) {
            throw DiagnosticList(diagnostics).sortedAndDeduplicated()
        }
        return LoadedConfiguration(configuration: configuration, path: path, directory: directory)
    }
}

extension SellifyConfiguration {
    /// The quota windows' time zone.
    public var quotaTimeZone: TimeZoneName { quotas.timezone ?? account.timezone }
    /// The account's quota calendar (time zone, first day of the week): the
    /// one place it is built from the configuration.
    public var quotaCalendar: QuotaCalendar {
        QuotaCalendar(timeZone: quotaTimeZone.timeZone, weekStart: quotas.weekStartsOn)
    }

    /// Checks that involve more than one field or a plugin's own schema.
    public func diagnose(file: String, plugins: PluginCatalog) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let at = SourceLocation(file: file, line: 0)

        // conversation: the state machine must be closed over its states.
        let conversation = self.conversation
        let states = Set(conversation.states)
        let statesWhere = conversation.location ?? at
        if states.count != conversation.states.count {
            diagnostics.append(Diagnostic("conversation.states: a state is listed twice", at: statesWhere))
        }
        if !states.contains(conversation.initialState) {
            diagnostics.append(
                Diagnostic(
                    "conversation.initial_state: '\(conversation.initialState)' is not one of conversation.states",
                    at: conversation.initialStateLocation ?? statesWhere))
        }
        for (from, targets) in conversation.transitions.sorted(by: { $0.key < $1.key }) {
            if !states.contains(from) {
                diagnostics.append(
                    Diagnostic(
                        "conversation.transitions: '\(from)' is not one of conversation.states",
                        at: conversation.transitionLocations[from] ?? statesWhere))
            }
            for target in targets where !states.contains(target) {
                diagnostics.append(
                    Diagnostic(
                        "conversation.transitions.\(from): '\(target)' is not one of conversation.states",
                        at: conversation.transitionLocations["\(from)/\(target)"] ?? statesWhere))
            }
        }

        // auth: names identify keys in logs and metrics.
        var keyNames: Set<String> = []
        for (index, key) in auth.apiKeys.enumerated() {
            let at = key.location ?? at
            if key.name.isEmpty {
                diagnostics.append(Diagnostic("auth.api_keys[\(index)].name: must not be empty", at: at))
            } else if !keyNames.insert(key.name).inserted {
                diagnostics.append(Diagnostic("auth.api_keys[\(index)].name: duplicate key name '\(key.name)'", at: at))
            }
            if key.scopes.isEmpty {
                diagnostics.append(
                    Diagnostic("auth.api_keys[\(index)].scopes: give at least one of decide, read, admin", at: at))
            }
        }

        // store
        if store.path.isEmpty {
            diagnostics.append(
                Diagnostic(
                    "store.path: must not be empty (its folder holds the store's keys)", at: store.location ?? at))
        }
        diagnostics += plugins.diagnose(store.selection, kind: "store", path: "store", file: file)

        // audit keys: exactly one source each, unique ids.
        var keyIDs: Set<String> = []
        for (index, key) in audit.keys.enumerated() {
            let location = key.location ?? at
            if key.id.isEmpty || !keyIDs.insert(key.id).inserted {
                diagnostics.append(Diagnostic("audit.keys[\(index)].id: must be non-empty and unique", at: location))
            }
            if (key.file == nil) == (key.env == nil) {
                diagnostics.append(
                    Diagnostic("audit.keys[\(index)]: give exactly one of 'file' or 'env'", at: location))
            }
        }

        // metrics: rule-defined counters must be valid Prometheus names.
        for (index, metric) in metrics.custom.enumerated() {
            let at = metric.location ?? at
            if !metric.name.isPrometheusName {
                diagnostics.append(
                    Diagnostic(
                        "metrics.custom[\(index)].name: '\(metric.name)' is not a valid metric name (lowercase letters, digits, '_')",
                        at: at))
            }
            if metric.name.isPrometheusName
                && (!metric.name.hasPrefix("sellify_rule_") || !metric.name.hasSuffix("_total"))
            {
                diagnostics.append(
                    Diagnostic(
                        "metrics.custom[\(index)].name: '\(metric.name)' must start with sellify_rule_ and end in _total "
                            + "(rule counters have their own namespace and are counters)", at: at))
            }
            for label in metric.labels where !label.isPrometheusName || label.hasPrefix("__") {
                diagnostics.append(
                    Diagnostic("metrics.custom[\(index)].labels: '\(label)' is not a valid label name", at: at))
            }
        }

        // plugins
        for (index, exporter) in metrics.exporters.enumerated() {
            diagnostics += plugins.diagnose(exporter, kind: "exporter", path: "metrics.exporters[\(index)]", file: file)
        }
        if metrics.exporters.isEmpty {
            diagnostics.append(
                Diagnostic(
                    "metrics.exporters: choose at least one exporter", at: at,
                    hint: "known: " + plugins.names(kind: "exporter").joined(separator: ", ")))
        }
        for (index, sink) in alerts.sinks.enumerated() {
            diagnostics += plugins.diagnose(sink, kind: "alert", path: "alerts.sinks[\(index)]", file: file)
        }
        if plugins.plugin(kind: "ai", name: ai.provider) == nil {
            diagnostics.append(
                Diagnostic(
                    "ai.provider: unknown provider '\(ai.provider)'", at: ai.location ?? at,
                    hint: "known: " + plugins.names(kind: "ai").map { "'\($0)'" }.joined(separator: ", ")))
        } else if plugins.plugin(kind: "ai", name: ai.provider) is any GenerativeProviderPlugin.Type {
            diagnostics.append(
                Diagnostic(
                    "ai.provider: '\(ai.provider)' is a generative provider; list it under ai.providers "
                        + "(ai.provider names who words the templates: 'template')", at: ai.location ?? at))
        } else {
            diagnostics += plugins.diagnose(ai.selection, kind: "ai", path: "ai.options", file: file)
        }
        var named: [String: Int] = [:]
        for (index, entry) in ai.providers.enumerated() {
            let path = "ai.providers[\(index)]"
            let type = entry.selection.type
            if let name = entry.name, !name.isPrometheusName || name.count > 40 {
                diagnostics.append(
                    Diagnostic(
                        "\(path).name: '\(name)' is not a name (a–z, 0–9, _; 40 at most)",
                        at: entry.selection.location))
            } else if let first = named[entry.label] {
                diagnostics.append(
                    Diagnostic(
                        "\(path).name: ai.providers[\(first)] is already named '\(entry.label)'",
                        at: entry.selection.location, hint: "give entries of one type each a name: name: openai_local"))
            } else {
                named[entry.label] = index
            }
            if type == "template" {
                if index != ai.providers.count - 1 {
                    diagnostics.append(
                        Diagnostic(
                            "\(path): 'template' is the last resort and comes last", at: entry.selection.location))
                }
                continue
            }
            if let plugin = plugins.plugin(kind: "ai", name: type), !(plugin is any GenerativeProviderPlugin.Type) {
                diagnostics.append(
                    Diagnostic(
                        "\(path).type: '\(type)' is not a generative provider", at: entry.selection.location,
                        hint: "generative: " + plugins.generativeNames.map { "'\($0)'" }.joined(separator: ", ")))
                continue
            }
            diagnostics += plugins.diagnose(entry.selection, kind: "ai", path: path, file: file)
        }
        return diagnostics
    }
}

extension String {
    var isPrometheusName: Bool {
        guard let first = utf8.first, first == UInt8(ascii: "_") || (first >= 0x61 && first <= 0x7A) else {
            return false
        }
        return utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }
}
