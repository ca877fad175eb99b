import Foundation
import SellifyCore
import SellifyPlugins
import SellifyTestPlugins
import SellifyYAML
import Testing

/// `sellify-test-plugins`: `check` and `serve` as the `sellify` binary runs
/// them, with the test registry (built next to the tests).
func testPluginsExecutable() throws -> URL {
    let sellify = try sellifyExecutable()
    let url = sellify.deletingLastPathComponent().appendingPathComponent("sellify-test-plugins")
    try #require(FileManager.default.isExecutableFile(atPath: url.path), "run `swift build --build-tests`")
    return url
}

struct PluginRegistryTests {
    static let registry = PluginCatalog.withTestPlugins

    func deployment(log: String) throws -> ServerDeployment {
        try ServerDeployment(edits: [
            (
                "    - type: http                    # GET /metrics",
                "    - { type: test, tag: \(log) }\n    - type: http                    # GET /metrics"
            ),
            ("    - type: log                     # alerts go to the service log", "    - { type: test, tag: \(log) }"),
            ("  provider: template ", "  provider: test "),
            ("  options: {}  ", "  options: { tag: \(log) }  "),
            ("  type: sqlite  ", "  type: test\n  tag: \(log)  "),
            ("    messages_per_day: 200\n", "    messages_per_day: 1\n"),
        ])
    }

    /// A plugin of each kind registered in a test registry, and nothing else:
    /// `check` accepts the config, and `serve` builds and uses all four —
    /// the same library calls as the `sellify` binary, which refuses them.
    @Test func aTestPluginOfEachKindIsAcceptedByCheckAndServe() throws {
        let folder = try deployment(log: "PLUGIN_LOG")
        let log = folder.url.appendingPathComponent("plugins.log").path
        try folder.edit([("PLUGIN_LOG", log)])
        let checked = try run(try testPluginsExecutable().path, ["check", "--config", folder.configPath])
        #expect(checked.status == 0, "\(checked.output)")
        // The shipped registry does not know them: check refuses, naming each.
        let shipped = try run(try sellifyExecutable().path, ["check", "--config", folder.configPath])
        #expect(shipped.status != 0)
        for expected in [
            "unknown exporter 'test'", "unknown alert 'test'", "unknown provider 'test'", "unknown store 'test'",
        ] {
            #expect(shipped.output.contains(expected), "\(shipped.output)")
        }

        let server = try ServerProcess(folder, executable: try testPluginsExecutable())
        let answer = try server.client.json(
            "POST", "/api/v1/decisions", key: TestKey.decide,
            event("wa:plugins", "p-1", "¿cuánto cuesta el Plan Premium?"))
        #expect(answer.status == 200, "\(answer.text)")
        #expect((answer.json?["text"] as? String)?.hasSuffix("(via the test provider)") == true, "\(answer.text)")
        #expect(eventually { PluginLog.entries(log).contains("alert firing: quota_reached") })
        #expect(server.stop() == 0)
        let entries = PluginLog.entries(log)
        #expect(entries.contains("store opened (writer: true)"), "\(entries)")
        #expect(entries.contains("exporter started: true"), "\(entries)")
        #expect(entries.contains("worded price"), "\(entries)")
    }
}
