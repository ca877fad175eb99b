import Foundation
import SellifyCore
import SellifyPlugins
import SellifyTestSupport
import SellifyYAML

typealias SourceLocation = SellifyYAML.SourceLocation

let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures")

/// Golden files are compared whole; set SELLIFY_RECORD=1 to re-record them on purpose.
let recordingGoldens = ProcessInfo.processInfo.environment["SELLIFY_RECORD"] == "1"

/// A scratch folder removed when the value is released.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ relative: String, _ contents: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: file, atomically: true, encoding: .utf8)
    }

    /// Copies the shipped config, catalog and rules into this folder.
    func copyShippedDeployment() throws {
        for item in ["config.yaml", "catalog.yaml", "rules"] {
            try FileManager.default.copyItem(
                at: repositoryRoot.appendingPathComponent(item), to: url.appendingPathComponent(item))
        }
    }
}

/// The shipped config, catalog and compiled rules.
struct Shipped {
    let loaded: LoadedConfiguration
    let catalog: Catalog
    let rules: RuleSet

    init(poolSize: Int = 1) throws {
        loaded = try LoadedConfiguration.load(
            path: repositoryRoot.appendingPathComponent("config.yaml").path, environment: [:], plugins: .builtin)
        catalog = try YAMLDecoder().decode(
            Catalog.self, contentsOf: loaded.resolve(loaded.configuration.catalog.path), environment: [:])
        let sources = try RuleSources.read(directory: loaded.resolve("rules"), displayDirectory: "rules")
        rules = try RuleSet.compile(sources, catalog: catalog, configuration: loaded.configuration, poolSize: poolSize)
    }

    /// The validator with the shipped rules, catalog and config.
    var validator: TextValidator {
        TextValidator(
            rules: rules, catalog: catalog, validation: loaded.configuration.validation,
            account: loaded.configuration.account)
    }
}

extension DecisionPipeline {
    /// Decides a scripted event as if the server had stamped it at its own
    /// `received_at` (the connector's clock and the server's agree).
    func decideAsReceived(_ event: MessageEvent, trace: Bool = false) throws(StoreError) -> Result {
        try decide(event, at: event.receivedAt, trace: trace)
    }
}
