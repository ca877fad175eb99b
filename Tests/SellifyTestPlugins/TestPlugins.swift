import Foundation
import Logging
public import SellifyCore
import SellifyMetrics
public import SellifyPluginKit
import SellifyPlugins
import SellifyStore
import ServiceLifecycle

/// One test-only plugin of each kind, known to no host code, and the
/// registry that adds them to the shipped list.
extension PluginCatalog {
    public static let withTestPlugins = PluginCatalog(
        PluginCatalog.builtin.plugins + [
            TestExporterPlugin.self, TestAlertSinkPlugin.self, TestWordingPlugin.self, TestStorePlugin.self,
            FileAlertSink.self,
        ])
}

/// What the test plugins saw, one line each, appended to the file their
/// `tag` option names (the plugins may run in another process).
public enum PluginLog {
    static let lock = NSLock()
    public static func add(_ tag: String, _ entry: String) {
        lock.lock()
        defer { lock.unlock() }
        guard
            let handle = FileHandle(forWritingAtPath: tag)
                ?? {
                    _ = FileManager.default.createFile(atPath: tag, contents: nil)
                    return FileHandle(forWritingAtPath: tag)
                }()
        else { return }
        handle.seekToEndOfFile()
        handle.write(Data((entry + "\n").utf8))
        try? handle.close()
    }

    public static func entries(_ tag: String) -> [String] {
        ((try? String(contentsOfFile: tag, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

/// The options every test plugin takes: the file its log lines go to.
public struct TaggedConfiguration: Decodable, Sendable {
    public var tag: String
}

/// One test-only plugin of each kind, known to no host code.
public enum TestExporterPlugin: ExporterPlugin {
    public static let id = PluginID(kind: "exporter", name: "test")
    public typealias Configuration = TaggedConfiguration
    public static func validate(_ configuration: Configuration) -> [String] {
        configuration.tag.isEmpty ? ["tag: empty"] : []
    }
    public static func makeExporter(_ configuration: Configuration, context: ExporterContext) -> Exporter {
        Exporter(services: [Probe(tag: configuration.tag, metrics: context.metrics)])
    }
    struct Probe: Service {
        let tag: String
        let metrics: SellifyMetrics
        func run() async throws {
            PluginLog.add(tag, "exporter started: \(metrics.exposition().contains("# TYPE sellify_decisions_total"))")
            try? await gracefulShutdown()
        }
    }
}

public enum TestAlertSinkPlugin: AlertSinkPlugin {
    public static let id = PluginID(kind: "alert", name: "test")
    public typealias Configuration = TaggedConfiguration
    public static func validate(_ configuration: Configuration) -> [String] { [] }
    public static func makeSink(_ configuration: Configuration, context: AlertSinkContext) -> any AlertSink {
        Sink(tag: configuration.tag)
    }
    struct Sink: AlertSink {
        let tag: String
        var queueSize: Int { 10 }
        func accepts(_ notification: AlertNotification) -> Bool { true }
        func deliver(_ notification: AlertNotification, stopping: @Sendable () -> Bool) -> AlertDelivery {
            PluginLog.add(tag, "alert \(notification.status.rawValue): \(notification.alert.condition)")
            return .sent
        }
    }
}

public enum TestWordingPlugin: WordingProviderPlugin {
    public static let id = PluginID(kind: "ai", name: "test")
    public typealias Configuration = TaggedConfiguration
    public static func validate(_ configuration: Configuration) -> [String] { [] }
    public static func makeProvider(_ configuration: Configuration, context: WordingContext) -> any WordingProvider {
        Provider(tag: configuration.tag, templates: context.templates)
    }
    struct Provider: WordingProvider {
        let tag: String
        let templates: ResponseEngine
        var name: String { "test" }
        var defaultLanguage: String { templates.defaultLanguage }
        func word(_ request: WordingRequest) throws(WordingError) -> String {
            PluginLog.add(tag, "worded \(request.template)")
            return try templates.word(request) + " (via the test provider)"
        }
    }
}

public enum TestStorePlugin: StorePlugin {
    public static let id = PluginID(kind: "store", name: "test")
    public typealias Configuration = TaggedConfiguration
    public static func validate(_ configuration: Configuration) -> [String] { [] }
    public static func openStore(
        _ configuration: Configuration, context: StoreContext
    ) throws(PluginError) -> any DecisionStore {
        PluginLog.add(configuration.tag, "store opened (writer: \(context.writer))")
        do {
            return try SQLiteStore.inMemory()
        } catch {
            throw PluginError("\(error)")
        }
    }
}
