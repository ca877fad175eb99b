import Foundation
import SellifyCore
import SellifyPlugins
import SellifyTestSupport
import SellifyYAML
import Testing

struct ConfigurationGoldenTests {
    static let directory = fixtures.appendingPathComponent("config-errors")
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }()

    @Test func thereAreAtLeastTenBadConfigs() {
        #expect(Self.cases.count >= 10)
    }

    /// Each bad config is decoded as `config.yaml`; every diagnostic, in order,
    /// must match `<case>.txt` exactly (file, line, column, key path, hint).
    @Test(arguments: cases)
    func badConfigReportsExactDiagnostics(_ name: String) throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent("\(name).yaml"), encoding: .utf8)
        let environment = ["SELLIFY_TEST_SET": "1"]
        let error = #expect(throws: DiagnosticList.self) {
            try LoadedConfiguration.decode(
                text, path: "config.yaml", directory: "/srv/sellify", environment: environment, plugins: .builtin)
        }
        let actual = (error?.description ?? "") + "\n"
        let golden = Self.directory.appendingPathComponent("\(name).txt")
        if recordingGoldens {
            try actual.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(actual == expected)
    }
}

struct ConfigurationTests {
    @Test func shippedConfigDecodesWithItsDocumentedValues() throws {
        let loaded = try LoadedConfiguration.load(
            path: repositoryRoot.appendingPathComponent("config.yaml").path, environment: [:], plugins: .builtin)
        let c = loaded.configuration
        #expect(c.server.host == "127.0.0.1")
        #expect(c.server.port == 8080)
        #expect(c.server.bodyLimit.bytes == 65536)
        #expect(c.quotas.limits == QuotaLimits())
        #expect(c.quotas.limits.messagesPerDay == 200)
        #expect(c.quotaTimeZone.identifier == "America/Mexico_City")
        #expect(c.rules.reload.debounce.milliseconds == 300)
        #expect(c.metrics.exporters.map(\.type) == ["http"])
        #expect(c.store.path == "data/sellify.db")
        #expect(loaded.resolve(c.store.path) == repositoryRoot.appendingPathComponent("data/sellify.db").path)
    }

    @Test func anEmptyMappingTakesEveryDefault() throws {
        let loaded = try LoadedConfiguration.decode(
            "{}", path: "config.yaml", directory: "/srv", environment: [:], plugins: .builtin)
        let c = loaded.configuration
        #expect(c.account.timezone.identifier == "America/Mexico_City")
        #expect(c.conversation.states == ConversationConfiguration.defaultStates)
        #expect(c.rules.instructionBudget == 1_000_000)
        #expect(c.rules.fallback.action == .escalate)
        #expect(c.alerts.sinks.map(\.type) == ["log"])
    }

    @Test func environmentVariablesAreSubstituted() throws {
        let text = """
            server:
              port: ${PORT:-9090}
              host: ${HOST}
            store:
              path: ${DATA:-var}/sellify.db
            """
        let c = try LoadedConfiguration.decode(
            text, path: "config.yaml", directory: "/srv", environment: ["HOST": "0.0.0.0"], plugins: .builtin
        ).configuration
        #expect(c.server.port == 9090)
        #expect(c.server.host == "0.0.0.0")
        #expect(c.store.path == "var/sellify.db")
    }

    @Test func relativePathsResolveAgainstTheConfigFolder() throws {
        let loaded = try LoadedConfiguration.decode(
            "rules: { directory: policy }\ncatalog: { path: /etc/sellify/catalog.yaml }", path: "deploy/config.yaml",
            directory: "/srv/deploy", environment: [:], plugins: .builtin)
        #expect(loaded.resolve(loaded.configuration.rules.directory) == "/srv/deploy/policy")
        #expect(loaded.resolve(loaded.configuration.catalog.path) == "/etc/sellify/catalog.yaml")
        #expect(loaded.display("policy") == "deploy/policy")
    }

    @Test func exporterPluginsDecodeTheirOwnOptions() throws {
        let text = """
            metrics:
              exporters:
                - type: http
                  listen: 127.0.0.1:9464
                - type: textfile
                  directory: /var/lib/node_exporter
                  interval: 30s
                - type: stdout
            """
        let loaded = try LoadedConfiguration.decode(
            text, path: "config.yaml", directory: "/srv", environment: [:], plugins: .builtin)
        let exporters = loaded.configuration.metrics.exporters
        #expect(exporters.map(\.type) == ["http", "textfile", "stdout"])
    }

    struct Scalar: Sendable {
        let text: String
        let valid: Bool
    }

    @Test(arguments: [
        ("500ms", 500), ("15s", 15_000), ("2m", 120_000), ("1h", 3_600_000), ("1d", 86_400_000),
    ])
    func durations(_ text: String, _ milliseconds: Int64) {
        #expect(ConfigDuration(yamlScalar: text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["15", "s", "-1s", "1.5s", "15 s", "1w", ""])
    func invalidDurations(_ text: String) {
        #expect(ConfigDuration(yamlScalar: text) == nil)
    }

    @Test(arguments: [
        ("65536", 65536), ("64KiB", 65536), ("32MiB", 33_554_432), ("1GB", 1_000_000_000), ("10 KiB", 10240),
    ])
    func sizes(_ text: String, _ bytes: Int) {
        #expect(ByteSize(yamlScalar: text)?.bytes == bytes)
    }

    @Test(arguments: [("49", 4900), ("49.9", 4990), ("49.00", 4900), ("0.05", 5), ("1299.99", 129_999)])
    func money(_ text: String, _ cents: Int) {
        #expect(Money(yamlScalar: text)?.minorUnits == cents)
        #expect(Money(yamlScalar: text).map { "\($0)" } == String(format: "%.2f", Double(cents) / 100))
    }

    @Test(arguments: ["-1", "49.999", "4,9", "abc", "+5", "1e3", ".5"])
    func invalidMoney(_ text: String) {
        #expect(Money(yamlScalar: text) == nil)
    }
}
