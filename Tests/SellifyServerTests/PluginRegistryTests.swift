import Foundation
import Logging
import SellifyCore
import SellifyMetrics
import SellifyPluginKit
import SellifyPlugins
@testable import SellifyServer
import SellifyStore
import SellifyYAML
import ServiceLifecycle
import Synchronization
import Testing

/// What the test plugins saw, by the `tag` their configuration names (tests run in parallel).
final class PluginLog: Sendable {
    static let shared = PluginLog()
    private let entries = Mutex<[String: [String]]>([:])
    func add(_ tag: String, _ entry: String) { entries.withLock { $0[tag, default: []].append(entry) } }
    func entries(_ tag: String) -> [String] { entries.withLock { $0[tag] ?? [] } }
}

/// The options every test plugin takes: a tag its log entries are filed under.
struct TaggedConfiguration: Decodable, Sendable {
    var tag: String
}

/// One test-only plugin of each kind, known to no host code.
enum TestExporterPlugin: ExporterPlugin {
    static let id = PluginID(kind: "exporter", name: "test")
    typealias Configuration = TaggedConfiguration
    static func validate(_ configuration: Configuration) -> [String] { configuration.tag.isEmpty ? ["tag: empty"] : [] }
    static func makeExporter(_ configuration: Configuration, context: ExporterContext) -> Exporter {
        Exporter(services: [Probe(tag: configuration.tag, metrics: context.metrics)])
    }
    struct Probe: Service {
        let tag: String
        let metrics: SellifyMetrics
        func run() async throws {
            PluginLog.shared.add(tag, "exporter started: \(metrics.exposition().contains("# TYPE sellify_decisions_total"))")
            try? await gracefulShutdown()
        }
    }
}

enum TestAlertSinkPlugin: AlertSinkPlugin {
    static let id = PluginID(kind: "alert", name: "test")
    typealias Configuration = TaggedConfiguration
    static func validate(_ configuration: Configuration) -> [String] { [] }
    static func makeSink(_ configuration: Configuration, context: AlertSinkContext) -> any AlertSink {
        Sink(tag: configuration.tag)
    }
    struct Sink: AlertSink {
        let tag: String
        var queueSize: Int { 10 }
        func accepts(_ notification: AlertNotification) -> Bool { true }
        func deliver(_ notification: AlertNotification, stopping: @Sendable () -> Bool) -> AlertDelivery {
            PluginLog.shared.add(tag, "alert \(notification.status.rawValue): \(notification.alert.condition)")
            return .sent
        }
    }
}

enum TestWordingPlugin: WordingProviderPlugin {
    static let id = PluginID(kind: "ai", name: "test")
    typealias Configuration = TaggedConfiguration
    static func validate(_ configuration: Configuration) -> [String] { [] }
    static func makeProvider(_ configuration: Configuration, context: WordingContext) -> any WordingProvider {
        Provider(tag: configuration.tag, templates: context.templates)
    }
    struct Provider: WordingProvider {
        let tag: String
        let templates: ResponseEngine
        var name: String { "test" }
        var defaultLanguage: String { templates.defaultLanguage }
        func word(_ request: WordingRequest) throws(WordingError) -> String {
            PluginLog.shared.add(tag, "worded \(request.template)")
            return try templates.word(request) + " (via the test provider)"
        }
    }
}

enum TestStorePlugin: StorePlugin {
    static let id = PluginID(kind: "store", name: "test")
    typealias Configuration = TaggedConfiguration
    static func validate(_ configuration: Configuration) -> [String] { [] }
    static func openStore(_ configuration: Configuration, context: StoreContext) throws(PluginError) -> any DecisionStore {
        PluginLog.shared.add(configuration.tag, "store opened (writer: \(context.writer))")
        do {
            return try SQLiteStore.inMemory()
        } catch {
            throw PluginError("\(error)")
        }
    }
}

struct PluginRegistryTests {
    static let registry = PluginCatalog(
        PluginCatalog.builtin.plugins + [
            TestExporterPlugin.self, TestAlertSinkPlugin.self, TestWordingPlugin.self, TestStorePlugin.self,
        ])

    func deployment(tag: String) throws -> ServerDeployment {
        try ServerDeployment(edits: [
            ("    - type: http                    # GET /metrics", "    - { type: test, tag: \(tag) }\n    - type: http                    # GET /metrics"),
            ("    - type: log                     # alerts go to the service log", "    - { type: test, tag: \(tag) }"),
            ("  provider: template ", "  provider: test "),
            ("  options: {}  ", "  options: { tag: \(tag) }  "),
            ("  type: sqlite  ", "  type: test\n  tag: \(tag)  "),
            ("    messages_per_day: 200\n", "    messages_per_day: 1\n"),
        ])
    }

    /// A plugin of each kind registered in a test registry, and nothing else:
    /// the check accepts the config, and the server builds and uses all four.
    @Test func aTestPluginOfEachKindIsAcceptedByCheckAndServe() async throws {
        let tag = "registry-\(UUID().uuidString.prefix(8))"
        let folder = try deployment(tag: tag)
        let report = Checker(plugins: Self.registry, environment: [:]).check(configPath: folder.configPath)
        #expect(report.isClean, "\(report.diagnostics.map(\.description))")
        // The shipped registry does not know them: check refuses, naming each.
        let shipped = Checker(plugins: .builtin, environment: [:]).check(configPath: folder.configPath)
        let refused = shipped.diagnostics.map(\.description).joined(separator: "\n")
        for expected in ["unknown exporter 'test'", "unknown alert 'test'", "unknown provider 'test'", "unknown store 'test'"] {
            #expect(refused.contains(expected), "\(refused)")
        }

        let deployment = try Deployment.load(configPath: folder.configPath, plugins: Self.registry, environment: [:], poolSize: 1)
        let opened = try deployment.openStore(writer: true, environment: [:], announce: { _ in })
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let metrics = SellifyMetrics()
        metrics.prepare(configuration: deployment.configuration, rulesVersion: deployment.rules.version)
        let server = try SellifyServer(
            deployment: deployment, configPath: folder.configPath, store: opened.store, metrics: metrics,
            keys: APIKeyRing(configuration: deployment.configuration.auth), options: .init(host: "127.0.0.1", port: 0),
            logger: logger, auditKeys: opened.auditKeys)
        let url = Mutex<String?>(nil)
        let failure = Mutex<String?>(nil)
        let running = Task {
            do {
                try await server.run { listening in url.withLock { $0 = listening } }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
        defer { running.cancel() }
        // The waiting and the blocking client run on a thread of their own: the
        // server in this process needs the concurrency pool's few threads.
        let started = try await onThread { eventually { url.withLock { $0 } != nil || failure.withLock { $0 } != nil } }
        #expect(started)
        #expect(failure.withLock { $0 } == nil)
        let port = try #require(url.withLock { $0 }.flatMap { URL(string: $0)?.port })
        let answer = try await onThread {
            try HTTPTestClient(port: port).json(
                "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:plugins", "p-1", "¿cuánto cuesta el Plan Premium?"))
        }
        #expect(answer.status == 200, "\(answer.text)")
        #expect((answer.json?["text"] as? String)?.hasSuffix("(via the test provider)") == true, "\(answer.text)")
        #expect(try await onThread { eventually { PluginLog.shared.entries(tag).contains("alert firing: quota_reached") } })
        let log = PluginLog.shared.entries(tag)
        #expect(log.contains("store opened (writer: true)"))
        #expect(log.contains("exporter started: true"))
        #expect(log.contains("worded price"), "\(log)")
    }
}

/// Runs blocking work (a synchronous client, a polling wait) on a thread of its own.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
