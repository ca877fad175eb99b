public import SellifyYAML

/// A plugin's identity: `<kind>.<name>`, e.g. `exporter.textfile`. The name is
/// what `config.yaml` writes as `type:`.
public struct PluginID: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var kind: String
    public var name: String
    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }
    public var description: String { "\(kind).\(name)" }
    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}

/// What every plugin declares: an id, its own strictly decoded
/// configuration, and a pure validation (no I/O — building the plugin is
/// where files, sockets and the like are touched).
public protocol SellifyPlugin: Sendable {
    associatedtype Configuration: Decodable & Sendable
    static var id: PluginID { get }
    /// Problems with a decoded configuration, as `field: message` strings.
    static func validate(_ configuration: Configuration) -> [String]
}

/// The one explicit list of plugins a binary ships. Swift has no load-time
/// registration, so the executable names them all in one place.
public struct PluginCatalog: Sendable {
    /// Ids in the same order as `plugins` (sorted by id).
    public let ids: [PluginID]
    public let plugins: [any SellifyPlugin.Type]

    public init(_ plugins: [any SellifyPlugin.Type]) {
        var entries: [(id: PluginID, plugin: any SellifyPlugin.Type)] = []
        for plugin in plugins {
            let id = plugin.id
            precondition(!entries.contains { $0.id == id }, "plugin id \(id) is registered twice")
            entries.append((id, plugin))
        }
        entries.sort { $0.id < $1.id }
        self.ids = entries.map { $0.id }
        self.plugins = entries.map { $0.plugin }
    }

    public func plugin(kind: String, name: String) -> (any SellifyPlugin.Type)? {
        guard let index = ids.firstIndex(of: PluginID(kind: kind, name: name)) else { return nil }
        return plugins[index]
    }

    public func names(kind: String) -> [String] {
        ids.filter { $0.kind == kind }.map { $0.name }
    }

    /// Checks one `{type: …}` entry: a known plugin of `kind`, whose
    /// configuration decodes and validates. `path` is the entry's key path.
    public func diagnose(_ selection: PluginSelection, kind: String, path: String, file: String) -> [Diagnostic] {
        guard let plugin = plugin(kind: kind, name: selection.type) else {
            let known = names(kind: kind).map { "'\($0)'" }.joined(separator: ", ")
            return [
                Diagnostic(
                    "\(path).type: unknown \(kind) '\(selection.type)'", at: selection.location,
                    hint: known.isEmpty ? nil : "known: \(known)")
            ]
        }
        return Self.diagnose(plugin, selection, path: path, file: file)
    }

    private static func diagnose<P: SellifyPlugin>(
        _ plugin: P.Type, _ selection: PluginSelection, path: String, file: String
    ) -> [Diagnostic] {
        do {
            let configuration = try configuration(of: plugin, selection, file: file, path: path)
            return P.validate(configuration).map { Diagnostic("\(path).\($0)", at: selection.location) }
        } catch {
            return error.diagnostics
        }
    }

    /// Decodes the configuration of a selection already checked by `diagnose`.
    public static func configuration<P: SellifyPlugin>(
        of plugin: P.Type, _ selection: PluginSelection, file: String, path: String
    ) throws(DiagnosticList) -> P.Configuration {
        // An entry with no options still decodes (from an empty mapping), so
        // a plugin's required options are reported as missing.
        let options =
            selection.options
            ?? YAMLNode(kind: .mapping([]), location: selection.location ?? SourceLocation(file: file, line: 0))
        return try YAMLDecoder().decode(P.Configuration.self, from: options, file: file, codingPathPrefix: path)
    }
}

/// The configuration of a plugin that takes no options: an empty mapping
/// (or none); any key is an error naming it.
public struct NoOptions: Decodable, Sendable, Equatable {
    public init() {}
    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: NoKeys.self)
    }
    enum NoKeys: CodingKey {}
}
