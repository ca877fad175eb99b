public import Logging
public import SellifyCore
public import SellifyMetrics
import SellifyYAML

/// Building plugin instances from the one list: the host never names a
/// plugin; it asks the catalog for the kind it needs, so whatever `sellify
/// check` accepts, `sellify serve` builds.
extension PluginCatalog {
    /// The exporters of `metrics.exporters`, built.
    public func makeExporters(
        _ selections: [PluginSelection], loaded: LoadedConfiguration, metrics: SellifyMetrics, logger: Logger
    ) throws(PluginError) -> [Exporter] {
        var built: [Exporter] = []
        for (index, selection) in selections.enumerated() {
            let path = "metrics.exporters[\(index)]"
            guard let plugin = plugin(kind: "exporter", name: selection.type) as? any ExporterPlugin.Type else {
                throw PluginError("\(path).type: unknown exporter '\(selection.type)'")
            }
            let context = ExporterContext(metrics: metrics, logger: logger, path: path, resolve: { loaded.resolve($0) })
            built.append(try Self.exporter(plugin, selection, file: loaded.path, path: path, context: context))
        }
        return built
    }

    /// The sinks of `alerts.sinks`, built.
    public func makeAlertSinks(
        _ selections: [PluginSelection], loaded: LoadedConfiguration, logger: Logger
    ) throws(PluginError) -> [(name: String, sink: any AlertSink)] {
        var built: [(String, any AlertSink)] = []
        for (index, selection) in selections.enumerated() {
            let path = "alerts.sinks[\(index)]"
            guard let plugin = plugin(kind: "alert", name: selection.type) as? any AlertSinkPlugin.Type else {
                throw PluginError("\(path).type: unknown alert sink '\(selection.type)'")
            }
            let context = AlertSinkContext(
                logger: logger, account: loaded.configuration.account.id, path: path, resolve: { loaded.resolve($0) })
            built.append(
                (selection.type, try Self.sink(plugin, selection, file: loaded.path, path: path, context: context)))
        }
        return built
    }

    /// The store `store.type` names, opened.
    public func openStore(
        _ configuration: StoreConfiguration, loaded: LoadedConfiguration, auditKeys: AuditKeyring, writer: Bool,
        path override: String? = nil
    ) throws(PluginError) -> any DecisionStore {
        guard let plugin = plugin(kind: "store", name: configuration.type) as? any StorePlugin.Type else {
            let known = names(kind: "store").map { "'\($0)'" }.joined(separator: ", ")
            throw PluginError("store.type: unknown store '\(configuration.type)' (known: \(known))")
        }
        let context = StoreContext(
            configuration: configuration, resolvedPath: override ?? loaded.resolve(configuration.path),
            auditKeys: auditKeys, writer: writer, resolve: { loaded.resolve($0) })
        return try Self.store(plugin, configuration.selection, file: loaded.path, context: context)
    }

    static func exporter<P: ExporterPlugin>(
        _ plugin: P.Type, _ selection: PluginSelection, file: String, path: String, context: ExporterContext
    ) throws(PluginError) -> Exporter {
        try make(plugin, selection, file: file, path: path) { configuration throws(PluginError) in
            try P.makeExporter(configuration, context: context)
        }
    }

    static func sink<P: AlertSinkPlugin>(
        _ plugin: P.Type, _ selection: PluginSelection, file: String, path: String, context: AlertSinkContext
    ) throws(PluginError) -> any AlertSink {
        try make(plugin, selection, file: file, path: path) { configuration throws(PluginError) in
            try P.makeSink(configuration, context: context)
        }
    }

    static func store<P: StorePlugin>(
        _ plugin: P.Type, _ selection: PluginSelection, file: String, context: StoreContext
    ) throws(PluginError) -> any DecisionStore {
        try make(plugin, selection, file: file, path: "store") { configuration throws(PluginError) in
            try P.openStore(configuration, context: context)
        }
    }

    /// Decodes a selection's configuration for `plugin` and builds with it.
    static func make<P: SellifyPlugin, T>(
        _ plugin: P.Type, _ selection: PluginSelection, file: String, path: String,
        _ build: (P.Configuration) throws(PluginError) -> T
    ) throws(PluginError) -> T {
        let configuration: P.Configuration
        do {
            configuration = try PluginCatalog.configuration(of: plugin, selection, file: file, path: path)
        } catch {
            throw PluginError(error.diagnostics.map(\.description).joined(separator: "; "))
        }
        do {
            return try build(configuration)
        } catch {
            throw PluginError("\(path): \(error.message)")
        }
    }
}
