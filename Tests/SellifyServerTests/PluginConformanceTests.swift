import Crypto
import Foundation
import Logging
import SellifyCore
import SellifyMetrics
import SellifyPluginKit
import SellifyPlugins
import SellifyTestPlugins
import SellifyTestSupport
import SellifyYAML
import Testing

/// What every plugin of a kind must do, run for every plugin of that kind in
/// the shipped registry and the test registry: a plugin added the way
/// plugins/README.md says is held to it without a line of test code.
struct PluginConformanceTests {
    static let registry = PluginRegistryTests.registry

    /// Where the test plugins' log lines go (never the working directory).
    static let log = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-conformance-plugins.log")
        .path

    /// The smallest valid options of each plugin (most take none).
    static let minimalOptions: [String: String] = [
        "alert.file": "path: \(FileManager.default.temporaryDirectory.path)/sellify-conformance-alerts.log",
        "alert.webhook": "url: http://127.0.0.1:1/hook\nmax_retries: 0\ntimeout: 1s",
        "exporter.textfile": "directory: \(FileManager.default.temporaryDirectory.path)",
        "exporter.test": "tag: \(log)", "alert.test": "tag: \(log)", "ai.test": "tag: \(log)",
        "store.test": "tag: \(log)", "ai.openai": "base_url: http://127.0.0.1:1/v1\nmodel: smollm2",
        "ai.anthropic": "base_url: http://127.0.0.1:1/v1\nmodel: claude-test",
        "store.postgres": "tls: disable",
    ]

    /// A server store's `store.url`: a new database on the tests' PostgreSQL cluster.
    static let storeURLs: [String: @Sendable () throws -> String] = [
        "store.postgres": {
            let cluster = try PostgresCluster.shared.get()
            return cluster.url(database: try cluster.createDatabase("conformance"))
        }
    ]

    static func selection(_ id: PluginID, extra: String = "") throws -> PluginSelection {
        let text = "type: \(id.name)\n" + (minimalOptions[id.description].map { $0 + "\n" } ?? "") + extra
        return try YAMLDecoder().decode(PluginSelection.self, from: text, file: "\(id).yaml", environment: [:])
    }

    static func ids(_ kind: String) -> [PluginID] { registry.ids.filter { $0.kind == kind } }

    /// Every kind a plugin claims has behaviour the host can build: an id of
    /// kind `exporter` that is no `ExporterPlugin` would pass check and fail serve.
    @Test(arguments: registry.ids)
    func eachPluginImplementsItsKind(_ id: PluginID) throws {
        let plugin = try #require(Self.registry.plugin(kind: id.kind, name: id.name))
        switch id.kind {
        case "exporter": #expect(plugin is any ExporterPlugin.Type)
        case "alert": #expect(plugin is any AlertSinkPlugin.Type)
        case "ai": #expect(plugin is any WordingProviderPlugin.Type || plugin is any GenerativeProviderPlugin.Type)
        case "store": #expect(plugin is any StorePlugin.Type)
        default: Issue.record("\(id): unknown plugin kind '\(id.kind)' (exporter, alert, ai, store)")
        }
        #expect(id.name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(id)")
    }

    /// Options are decoded strictly: a misspelt option is an error naming it
    /// and the entry's path; the minimal options validate cleanly.
    @Test(arguments: registry.ids)
    func optionsAreStrictAndTheMinimalOnesAreClean(_ id: PluginID) throws {
        let path = "x[0]"
        let clean = Self.registry.diagnose(try Self.selection(id), kind: id.kind, path: path, file: "\(id).yaml")
        #expect(clean.isEmpty, "\(clean.map(\.description))")
        let typo = Self.registry.diagnose(
            try Self.selection(id, extra: "bogus_option: 1\n"), kind: id.kind, path: path, file: "\(id).yaml")
        #expect(typo.contains { $0.description.contains("bogus_option") }, "\(typo.map(\.description))")
    }

    /// Exporters build from their minimal options and expose the metrics.
    @Test(arguments: ids("exporter"))
    func exportersBuild(_ id: PluginID) throws {
        let loaded = try LoadedConfiguration.load(
            path: repositoryRoot.appendingPathComponent("config.yaml").path, environment: [:], plugins: Self.registry)
        let built = try Self.registry.makeExporters(
            [try Self.selection(id)], loaded: loaded, metrics: SellifyMetrics(), logger: Logger(label: "test"))
        #expect(built.count == 1)
        #expect(built[0].servesAPIListener || !built[0].services.isEmpty, "\(id) does nothing")
    }

    /// Sinks build, say what they accept without side effects, and deliver
    /// (or report a failure) without throwing — even to an address nobody listens on.
    @Test(arguments: ids("alert"))
    func alertSinksDeliverOrReport(_ id: PluginID) throws {
        let loaded = try LoadedConfiguration.load(
            path: repositoryRoot.appendingPathComponent("config.yaml").path, environment: [:], plugins: Self.registry)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let sinks = try Self.registry.makeAlertSinks([try Self.selection(id)], loaded: loaded, logger: logger)
        let sink = try #require(sinks.first?.sink)
        #expect(sink.queueSize > 0)
        let critical = notification(1)
        #expect(sink.accepts(critical))
        switch sink.deliver(critical, stopping: { false }) {
        case .sent: break
        case .failed(let reason, let attempts):
            #expect(!reason.isEmpty)
            #expect(attempts >= 1)
        }
    }

    /// Providers word every template of the shipped rules for a product, in
    /// each of its languages, and the text passes the validator.
    @Test(arguments: ids("ai").filter { registry.plugin(kind: "ai", name: $0.name) is any WordingProviderPlugin.Type })
    func providersWordEveryTemplateValidly(_ id: PluginID) throws {
        var deployment = try Deployment.load(
            configPath: repositoryRoot.appendingPathComponent("config.yaml").path, plugins: Self.registry,
            environment: [:],
            poolSize: 1)
        deployment.loaded.configuration.ai.provider = id.name
        deployment.loaded.configuration.ai.options = try Self.selection(id).options
        let provider = try deployment.makeWordingProvider()
        #expect(provider.name == id.name)
        let validator = TextValidator(
            rules: deployment.rules, catalog: deployment.catalog, validation: deployment.configuration.validation,
            account: deployment.configuration.account)
        let product = try #require(deployment.catalog.products.first)
        // Two products named and a quantity, for {products.prices} and {quantity}.
        let named = [product, try #require(deployment.catalog.products.last)]
        for (template, variants) in deployment.rules.templates.texts.sorted(by: { $0.key < $1.key }) {
            for language in variants.keys.sorted() {
                let text = try provider.word(
                    WordingRequest(
                        template: template, language: language, product: product, products: named, quantity: 2))
                let result = try validator.validate(text, products: named, context: nil)
                #expect(result.valid, "\(id) \(template).\(language): \(text) → \(result.violations.map(\.code))")
            }
        }
    }

    /// Stores open, commit a decision once (the same message id again is a
    /// duplicate with the same bytes), and keep a verifiable audit chain.
    @Test(arguments: ids("store"))
    func storesCommitOnceAndKeepTheChain(_ id: PluginID) throws {
        var configuration = StoreConfiguration()
        configuration.type = id.name
        configuration.options = try Self.selection(id).options
        configuration.url = try Self.storeURLs[id.description]?()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let loaded = try LoadedConfiguration.load(
            path: repositoryRoot.appendingPathComponent("config.yaml").path, environment: [:], plugins: Self.registry)
        let store = try Self.registry.openStore(
            configuration, loaded: loaded,
            auditKeys: AuditKeyring(keys: [.init(id: "k1", key: SymmetricKey(size: .bits256))]), writer: true,
            path: folder.appendingPathComponent("store.db").path)
        let at = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        let key = QuotaCounterKey(window: "day:2026-11-30", counter: .messages)
        let commit = DecisionCommit(
            messageID: "m1", decidedAt: at, conversation: ConversationRecord(id: "wa:1", state: "new", version: 1),
            expectedConversationVersion: nil, expectedUsage: [key: 0], consumption: [key: 1],
            decision: Array("{}".utf8),
            audit: [AuditEntry(kind: "decision", at: at, conversationID: "wa:1", messageID: "m1", summary: "{}")])
        #expect(try store.commit(commit) == .committed)
        #expect(try store.commit(commit) == .duplicate(Array("{}".utf8)))
        #expect(try store.usage(of: [key]) == [key: 1])
        #expect(try store.conversation(id: "wa:1")?.version == 1)
        #expect(try store.verifyAudit(batchSize: 100).isIntact)
        try store.ping()
    }

    /// plugins/README.md's sample plugin is the code the test registry runs.
    @Test func theReadmeSampleIsTheTestedFileAlertSink() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("plugins/README.md"), encoding: .utf8)
        let sample = try #require(readme.firstMatch(of: /```swift\n([\s\S]*?)```/)).output.1
        let file = try String(
            contentsOf: repositoryRoot.appendingPathComponent("Tests/SellifyTestPlugins/FileAlertSink.swift"),
            encoding: .utf8)
        let code = file.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)[2]
        #expect(String(sample) == String(code))
    }

    /// Generative providers build from their minimal options, under their own
    /// name; a key named by an environment variable that is not set is an
    /// error naming the option and the variable (and no value).
    @Test(
        arguments: ids("ai").filter { registry.plugin(kind: "ai", name: $0.name) is any GenerativeProviderPlugin.Type })
    func generativeProvidersBuildAndNameAMissingKey(_ id: PluginID) throws {
        var deployment = try Deployment.load(
            configPath: repositoryRoot.appendingPathComponent("config.yaml").path, plugins: Self.registry,
            environment: [:], poolSize: 1)
        deployment.loaded.configuration.ai.providers = [
            try YAMLDecoder().decode(
                AIProviderEntry.self, from: "type: \(id.name)\n" + (Self.minimalOptions[id.description] ?? ""),
                file: "\(id).yaml", environment: [:])
        ]
        let gateway = try #require(try deployment.makeAIGateway(environment: [:]))
        #expect(gateway.members.map(\.provider.name) == [id.name])
        deployment.loaded.configuration.ai.providers = [
            try YAMLDecoder().decode(
                AIProviderEntry.self,
                from: "type: \(id.name)\n" + (Self.minimalOptions[id.description] ?? "")
                    + "\napi_key_env: SELLIFY_TEST_UNSET_KEY",
                file: "\(id).yaml", environment: [:])
        ]
        #expect {
            _ = try deployment.makeAIGateway(environment: ["OTHER": "sk-secret-value"])
        } throws: { error in
            let text = "\(error)"
            return text.contains("ai.providers[0].api_key_env") && text.contains("SELLIFY_TEST_UNSET_KEY")
                && !text.contains("sk-secret-value")
        }
    }
}
