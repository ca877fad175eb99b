import Foundation
import SellifyTestSupport
import SellifyCore
import SellifyMetrics
import SellifyStore
import SellifyLua
import SellifyPlugins
import SellifyYAML
import Testing

struct MetricsTests {
    /// Decides a few messages with the metrics hook and recorder plugged in.
    func exercised() throws -> (SellifyMetrics, String) {
        let deployment = try shippedDeployment(poolSize: 1)
        let metrics = SellifyMetrics()
        metrics.prepare(configuration: deployment.configuration, rulesVersion: deployment.rules.version)
        let store = try SQLiteStore.inMemory()
        let pipeline = DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration, store: store,
            hooks: [StageMetricsHook(metrics: metrics)])
        let texts = ["Hola!", "How much is the Premium Plan?", "send me a photo of the Aurora Mug", "STOP", "asdf"]
        for (i, text) in texts.enumerated() {
            let result = try pipeline.decideAsReceived(MessageEvent(
                conversationID: "wa:\(i)", messageID: "m\(i)", text: text,
                receivedAt: Timestamp(milliseconds: 1_764_525_600_000 + Int64(i) * 60_000)))
            metrics.record(result)
        }
        try metrics.loadState(from: store, quota: pipeline.quota, at: Timestamp(milliseconds: 1_764_525_600_000))
        return (metrics, metrics.exposition())
    }

    /// `promtool check metrics` prints nothing for a clean exposition: every
    /// family has HELP, counters end in _total, names and units are right.
    @Test func expositionPassesPromtool() throws {
        let (_, text) = try exercised()
        let promtool = URL(fileURLWithPath: "/usr/bin/promtool")
        try #require(FileManager.default.isExecutableFile(atPath: promtool.path),
                     "promtool is missing: run scripts/install-deps.sh --test")
        let process = Process()
        process.executableURL = promtool
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(report == "")
        #expect(process.terminationStatus == 0)
    }

    @Test func expositionCarriesTheDecisionsAndStages() throws {
        let (_, text) = try exercised()
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"sellify_decisions_total{action="RespondText"} 3"#))
        #expect(lines.contains(#"sellify_decisions_total{action="RespondImage"} 1"#))
        #expect(lines.contains(#"sellify_decisions_total{action="Ignore"} 1"#))
        #expect(lines.contains(#"sellify_decisions_total{action="Escalate"} 0"#))
        #expect(lines.contains(#"sellify_stage_outcomes_total{stage="intent",outcome="price_question"} 1"#))
        #expect(lines.contains(#"sellify_quota_limit{quota_type="messages_today"} 200.0"#))
        #expect(lines.contains("sellify_quota_messages_today 4.0"))
        #expect(lines.contains(#"sellify_conversation_state{state="opted_out"} 1.0"#))
        #expect(lines.contains(#"sellify_validation_results_total{result="valid"} 3"#))
        for stage in StageName.all {
            #expect(text.contains(#"sellify_stage_duration_seconds_count{stage="\#(stage.rawValue)"}"#), "\(stage)")
        }
        // Every family has HELP and TYPE, and families come out sorted.
        let helps = text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] }
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(helps == types)
        #expect(helps == helps.sorted())
        #expect(helps.count >= 24)
    }

    /// The exposition for the fixed five events, compared whole with a golden
    /// file. Only what depends on time is left out: durations (bucket and sum
    /// lines; `_count` stays), `process_*`, and the build version. Series are
    /// sorted within each family (the registry emits them in hash order).
    @Test func expositionMatchesTheGolden() throws {
        let (_, text) = try exercised()
        var families: [[String]] = []
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("# HELP ") { families.append([line]) } else { families[families.count - 1].append(line) }
        }
        var normalized: [String] = []
        for family in families {
            let name = family[0].split(separator: " ")[2]
            if name.hasPrefix("process_") { continue }
            let isDuration = name.hasSuffix("_duration_seconds")
            let samples = family.dropFirst(2).filter { line in
                !(isDuration && (line.contains("_bucket{") || line.contains("_sum{") || line.contains("_sum ")))
                    && !line.hasPrefix("sellify_build_info{")
            }
            normalized += family.prefix(2) + samples.sorted()
        }
        let actual = normalized.joined(separator: "\n") + "\n"
        let golden = fixtures.appendingPathComponent("metrics/exposition.prom")
        if recordingGoldens {
            try FileManager.default.createDirectory(at: golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(actual == expected, "re-record on purpose with SELLIFY_RECORD=1")
    }

    @Test func stateGaugesAreRightBeforeTheFirstEvent() throws {
        let deployment = try shippedDeployment(poolSize: 1)
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("s.db").path
        do {
            let store = try SQLiteStore(configuration: .init(path: path))
            let pipeline = DecisionPipeline(
                rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration, store: store)
            _ = try pipeline.decideAsReceived(MessageEvent(
                conversationID: "wa:1", messageID: "m1", text: "How much is the Premium Plan?",
                receivedAt: Timestamp(rfc3339: "2026-11-30T18:00:00Z")!))
        }
        // A new process: gauges come from the store, not from events.
        let store = try SQLiteStore(configuration: .init(path: path))
        let metrics = SellifyMetrics()
        metrics.prepare(configuration: deployment.configuration, rulesVersion: deployment.rules.version)
        let pipeline = DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration, store: store)
        try metrics.loadState(from: store, quota: pipeline.quota, at: Timestamp(rfc3339: "2026-11-30T19:00:00Z")!)
        let lines = Set(metrics.exposition().split(separator: "\n").map(String.init))
        #expect(lines.contains("sellify_quota_messages_today 1.0"))
        #expect(lines.contains(#"sellify_conversation_state{state="interested"} 1.0"#))
    }
}

struct CustomMetricsTests {
    func increment(_ name: String, _ labels: [(String, String)]) -> LuaState.SideEffects.MetricIncrement {
        .init(name: name, labels: labels)
    }

    /// Rules may only count declared counters, with the declared labels, and
    /// a bounded number of series; the rest is dropped and counted.
    @Test func ruleCountersAreDeclaredAndBounded() {
        let metrics = SellifyMetrics(custom: [
            CustomMetricConfiguration(name: "sellify_rule_vip_total", help: "VIP customers seen.", labels: ["tier"], maxSeries: 2),
        ])
        metrics.prepare(configuration: SellifyConfiguration(), rulesVersion: "sha256:x")
        metrics.recordCustom([
            increment("sellify_rule_vip_total", [("tier", "gold")]),
            increment("sellify_rule_vip_total", [("tier", "gold")]),
            increment("sellify_rule_vip_total", [("tier", "silver")]),
            increment("sellify_rule_vip_total", [("tier", "bronze")]),  // a third series: over the limit
            increment("sellify_rule_vip_total", [("tier", "gold"), ("extra", "x")]),
            increment("sellify_rule_unknown_total", []),
        ])
        let lines = Set(metrics.exposition().split(separator: "\n").map(String.init))
        #expect(lines.contains("# HELP sellify_rule_vip_total VIP customers seen."))
        #expect(lines.contains(#"sellify_rule_vip_total{tier="gold"} 2"#))
        #expect(lines.contains(#"sellify_rule_vip_total{tier="silver"} 1"#))
        #expect(!lines.contains { $0.contains("bronze") })
        #expect(lines.contains(#"sellify_custom_metric_drops_total{reason="series_limit"} 1"#))
        #expect(lines.contains(#"sellify_custom_metric_drops_total{reason="labels"} 1"#))
        #expect(lines.contains(#"sellify_custom_metric_drops_total{reason="undeclared"} 1"#))
    }

    @Test func customCounterNamesLiveInTheirOwnNamespace() throws {
        let error = #expect(throws: DiagnosticList.self) {
            try LoadedConfiguration.decode(
                "metrics:\n  custom:\n    - { name: sellify_decisions_total, help: x }\n", path: "config.yaml",
                directory: "/srv", environment: [:], plugins: .builtin)
        }
        #expect(error?.description == "config.yaml:3:7: error: metrics.custom[0].name: 'sellify_decisions_total' must start with sellify_rule_ and end in _total (rule counters have their own namespace and are counters)")
    }
}

/// deploy/prometheus: the scrape config and alert rules are valid, and the
/// alert rules' unit tests pass (`promtool test rules`).
struct PrometheusDeployTests {
    func promtool(_ arguments: [String]) throws -> (Int32, String) {
        let path = "/usr/bin/promtool"
        try #require(FileManager.default.isExecutableFile(atPath: path), "promtool is missing: run scripts/install-deps.sh --test")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot.appendingPathComponent("deploy/prometheus")
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test(arguments: [
        ["check", "config", "prometheus.yml"],
        ["check", "rules", "sellify-alerts.yml"],
        ["test", "rules", "sellify-alerts.test.yml"],
    ])
    func promtoolAccepts(_ arguments: [String]) throws {
        let (status, output) = try promtool(arguments)
        #expect(status == 0, "\(output)")
    }

    /// Every metric the alert rules use is one the catalogue declares.
    @Test func alertRulesUseDeclaredMetrics() throws {
        let rules = try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/prometheus/sellify-alerts.yml"), encoding: .utf8)
        let declared = Set(MetricCatalog.all.map(\.name))
        let used = Set(rules.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
            .filter { $0.hasPrefix("sellify_") }
            .map(String.init))
        #expect(!used.isEmpty)
        #expect(used.subtracting(declared) == [])
    }
}

struct GrafanaDashboardTests {
    /// The dashboard is valid JSON, and every metric its queries use is declared.
    @Test func dashboardQueriesUseDeclaredMetrics() throws {
        let url = repositoryRoot.appendingPathComponent("deploy/grafana/sellify-dashboard.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let panels = try #require(object["panels"] as? [[String: Any]])
        #expect(panels.count >= 10)
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        let declared = Set(MetricCatalog.all.map(\.name))
        var used: Set<String> = []
        for expression in expressions {
            for word in expression.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
            where word.hasPrefix("sellify_") {
                var name = String(word)
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && !declared.contains(name) {
                    name = String(name.dropLast(suffix.count))
                }
                used.insert(name)
            }
        }
        #expect(used.count >= 12)
        #expect(used.subtracting(declared) == [])
    }
}
