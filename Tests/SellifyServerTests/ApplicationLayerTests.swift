import Foundation
import SellifyCore
import Testing

/// One application layer: `sellify decide` and `POST /api/v1/decisions`
/// are two front ends of the same use case, so for the same event at the
/// same decision time they answer the same bytes, write the same audit
/// records and move the same metrics.
struct ApplicationLayerTests {
    /// `name{labels}` → value, with each family's type.
    struct Exposition {
        var values: [String: Double] = [:]
        var types: [String: String] = [:]

        init(_ text: String) {
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# TYPE ") {
                    let parts = line.split(separator: " ")
                    types[String(parts[2])] = String(parts[3])
                } else if !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
                    let value = Double(line[line.index(after: space)...])
                {
                    values[String(line[..<space])] = value
                }
            }
        }

        func family(of series: String) -> String {
            let name = String(series.prefix { $0 != "{" })
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) && types[name] == nil {
                return String(name.dropLast(suffix.count))
            }
            return name
        }
    }

    /// The domain series a decision moves: everything but the HTTP layer's
    /// and the process's own series and timings (a histogram's buckets and
    /// sum depend on speed).
    static func comparable(_ series: String, _ exposition: Exposition) -> Bool {
        // The server's own families: HTTP, the process, the store's group commit, the license.
        if series.hasPrefix("sellify_http_") || series.hasPrefix("process_") || series.hasPrefix("sellify_store_")
            || series.hasPrefix("sellify_license_")
        {
            return false
        }
        let family = exposition.family(of: series)
        if exposition.types[family] == "histogram" { return series.hasPrefix(family + "_count") }
        return true
    }

    func auditRows(_ store: String, conversation: String) throws -> String {
        try sqlite(
            store,
            """
            SELECT kind, at_ms, conversation_id, message_id, summary, rules_version, input_digest
            FROM audit_log WHERE conversation_id = '\(conversation)' ORDER BY seq;
            """)
    }

    @Test func theCLIAndTheHTTPRouteRecordTheSameDecisionAndMoveTheSameMetrics() throws {
        let deployment = try ServerDeployment()
        let server = try ServerProcess(deployment)
        let before = Exposition(try server.client.request("GET", "/metrics").text)
        let asked = event("wa:same", "same-1", "¿cuánto cuesta el Plan Premium?")
        let answer = try server.client.json("POST", "/api/v1/decisions", key: TestKey.decide, asked)
        #expect(answer.status == 200)
        let after = Exposition(try server.client.request("GET", "/metrics").text)
        #expect(server.stop() == 0)
        let decidedAt = try #require(answer.json?["decided_at"] as? String)

        // The CLI, on its own store, at the decision time the server stamped.
        let cli = try ServerDeployment()
        let folder = cli.url.appendingPathComponent("metrics")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let decided = try run(
            try sellifyExecutable().path,
            [
                "decide", "--config", cli.configPath, "--at", decidedAt, "--metrics-textfile", folder.path,
            ], input: asked)
        #expect(decided.status == 0, "\(decided.output)")
        #expect(
            decided.output.split(separator: "\n").last.map(String.init) == answer.text.trimmingCharacters(in: .newlines)
        )

        #expect(
            try auditRows(cli.storePath, conversation: "wa:same")
                == (try auditRows(deployment.storePath, conversation: "wa:same")))
        #expect(try auditRows(cli.storePath, conversation: "wa:same").contains("decision"))

        let written = Exposition(
            try String(contentsOf: folder.appendingPathComponent("sellify-decide.prom"), encoding: .utf8))
        var compared = 0
        for (series, value) in after.values where Self.comparable(series, after) {
            let family = after.family(of: series)
            let moved = after.types[family] == "gauge" ? value : value - (before.values[series] ?? 0)
            let cliValue = written.values[series] ?? 0
            #expect(cliValue == moved, "\(series): HTTP moved it to \(moved), the CLI to \(cliValue)")
            compared += 1
        }
        for (series, value) in written.values where Self.comparable(series, written) && after.values[series] == nil {
            #expect(value == 0, "\(series) moved by the CLI only")
        }
        #expect(compared > 50)
        #expect(written.values[#"sellify_decisions_total{action="RespondText"}"#] == 1)
        #expect(written.values[#"sellify_rule_hits_total{rule="price_question"}"#] == 1)
    }
}
