import Foundation
import SellifyCore
import SellifyLua
import SellifyMetrics
import SellifyPlugins
import SellifyStore
import SellifyTestSupport
import SellifyYAML
import Testing

/// `promtool check metrics` on `text`: its exit status and report.
func promtoolCheckMetrics(_ text: String) throws -> (Int32, String) {
    let promtool = URL(fileURLWithPath: "/usr/bin/promtool")
    try #require(
        FileManager.default.isExecutableFile(atPath: promtool.path),
        "promtool is missing: run scripts/install-deps.sh --test")
    let process = Process()
    process.executableURL = promtool
    process.arguments = ["check", "metrics"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, report)
}

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
            let result = try pipeline.decideAsReceived(
                MessageEvent(
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
        let (status, report) = try promtoolCheckMetrics(text)
        #expect(report == "")
        #expect(status == 0)
    }

    @Test func expositionCarriesTheDecisionsAndStages() throws {
        let (_, text) = try exercised()
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"sellify_decisions_total{action="RespondText"} 4"#))
        #expect(lines.contains(#"sellify_decisions_total{action="RespondImage"} 1"#))
        #expect(lines.contains(#"sellify_decisions_total{action="Ignore"} 0"#))
        #expect(lines.contains(#"sellify_decisions_total{action="Escalate"} 0"#))
        #expect(lines.contains(#"sellify_stage_outcomes_total{stage="intent",outcome="price_question"} 1"#))
        #expect(lines.contains(#"sellify_quota_limit{quota_type="messages_today"} 200.0"#))
        #expect(lines.contains("sellify_quota_messages_today 5.0"))
        #expect(lines.contains(#"sellify_conversation_state{state="opted_out"} 1.0"#))
        #expect(lines.contains(#"sellify_validation_results_total{result="valid"} 4"#))
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
            try FileManager.default.createDirectory(
                at: golden.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(actual == expected, "re-record on purpose with SELLIFY_RECORD=1")
    }

    /// Every family of the catalogue is declared (HELP and TYPE) from the
    /// start, those with no series yet too, and the text still passes promtool.
    @Test(arguments: [false, true])
    func everyCatalogFamilyIsDeclaredFromTheStart(_ prepared: Bool) throws {
        let metrics = SellifyMetrics(custom: [
            CustomMetricConfiguration(
                name: "sellify_rule_vip_total", help: "VIP customers seen.", labels: ["tier"], maxSeries: 2)
        ])
        if prepared { metrics.prepare(configuration: SellifyConfiguration(), rulesVersion: "sha256:x") }
        let text = metrics.exposition()
        let lines = text.split(separator: "\n").map(String.init)
        for definition in MetricCatalog.all {
            let type = definition.kind.typeName
            #expect(lines.contains("# HELP \(definition.name) \(definition.help)"), "\(definition.name)")
            #expect(lines.contains("# TYPE \(definition.name) \(type)"), "\(definition.name)")
        }
        #expect(lines.contains("# TYPE sellify_rule_vip_total counter"))
        let names = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(names == names.sorted())
        #expect(Set(names).count == names.count)
        let (status, report) = try promtoolCheckMetrics(text)
        #expect(report == "")
        #expect(status == 0)
    }

    /// The families whose label values are known at start have their series at
    /// zero after `prepare`, so `rate()` and dashboards see them before first use.
    @Test func boundedSeriesExistAtZeroAfterPrepare() {
        let metrics = SellifyMetrics()
        metrics.prepare(configuration: SellifyConfiguration(), rulesVersion: "sha256:x")
        let lines = Set(metrics.exposition().split(separator: "\n").map(String.init))
        #expect(lines.contains(#"sellify_ai_requests_total{provider="template",status="ok"} 0"#))
        #expect(lines.contains(#"sellify_ai_requests_total{provider="template",status="error"} 0"#))
        #expect(lines.contains(#"sellify_ai_generation_duration_seconds_count{provider="template"} 0"#))
        #expect(lines.contains(#"sellify_quota_resets_total{reset_type="daily"} 0"#))
        // No reset seen yet: a time of 0 would be a lie, so the family has no series.
        #expect(!lines.contains { $0.hasPrefix("sellify_quota_last_reset_timestamp_seconds{") })
    }

    /// With generative providers configured, each has every series of the
    /// gateway at zero before its first call (and the fallbacks by reason).
    @Test func generativeProvidersHaveTheirSeriesBeforeTheFirstCall() throws {
        var configuration = SellifyConfiguration()
        configuration.ai.providers = [
            try YAMLDecoder().decode(
                AIProviderEntry.self, from: "{ type: openai, base_url: http://127.0.0.1:1/v1, model: m }",
                file: "config.yaml")
        ]
        let metrics = SellifyMetrics()
        metrics.prepare(configuration: configuration, rulesVersion: "sha256:x")
        let lines = Set(metrics.exposition().split(separator: "\n").map(String.init))
        for status in AIGeneration.statuses {
            #expect(lines.contains(#"sellify_ai_requests_total{provider="openai",status="\#(status)"} 0"#), "\(status)")
        }
        #expect(lines.contains(#"sellify_ai_generation_duration_seconds_count{provider="openai"} 0"#))
        #expect(lines.contains(#"sellify_ai_reasks_total{provider="openai"} 0"#))
        #expect(lines.contains(#"sellify_ai_tokens_total{provider="openai",kind="completion"} 0"#))
        #expect(lines.contains(#"sellify_ai_circuit_state{provider="openai"} 0.0"#))
        for reason in ["validation", "providers_failed", "deadline"] {
            #expect(lines.contains(#"sellify_ai_fallbacks_total{reason="\#(reason)"} 0"#), "\(reason)")
        }
    }

    /// `sellify_rules_info` has one series, the running version's: switching
    /// versions removes the old series (it does not stay behind at 0).
    @Test func onlyTheRunningRulesVersionIsShown() {
        let metrics = SellifyMetrics()
        metrics.prepare(configuration: SellifyConfiguration(), rulesVersion: "sha256:one")
        func series() -> [String] {
            metrics.exposition().split(separator: "\n").map(String.init).filter { $0.hasPrefix("sellify_rules_info{") }
        }
        #expect(series() == [#"sellify_rules_info{version="sha256:one"} 1.0"#])
        metrics.setRulesVersion("sha256:two")
        #expect(series() == [#"sellify_rules_info{version="sha256:two"} 1.0"#])
        metrics.setRulesVersion("sha256:two")
        metrics.setRulesVersion("sha256:three")
        #expect(series() == [#"sellify_rules_info{version="sha256:three"} 1.0"#])
        metrics.setRulesVersion("sha256:one")  // back to an earlier version: a new series, still one
        #expect(series() == [#"sellify_rules_info{version="sha256:one"} 1.0"#])
    }

    @Test func stateGaugesAreRightBeforeTheFirstEvent() throws {
        let deployment = try shippedDeployment(poolSize: 1)
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("s.db").path
        do {
            let store = try SQLiteStore(configuration: .init(path: path))
            let pipeline = DecisionPipeline(
                rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration,
                store: store)
            _ = try pipeline.decideAsReceived(
                MessageEvent(
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
            CustomMetricConfiguration(
                name: "sellify_rule_vip_total", help: "VIP customers seen.", labels: ["tier"], maxSeries: 2)
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
        #expect(
            error?.description
                == "config.yaml:3:7: error: metrics.custom[0].name: 'sellify_decisions_total' must start with sellify_rule_ and end in _total (rule counters have their own namespace and are counters)"
        )
    }
}

/// deploy/prometheus: the scrape config and alert rules are valid, and the
/// alert rules' unit tests pass (`promtool test rules`).
struct PrometheusDeployTests {
    func promtool(_ arguments: [String]) throws -> (Int32, String) {
        let path = "/usr/bin/promtool"
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "promtool is missing: run scripts/install-deps.sh --test")
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
        let rules = try String(
            contentsOf: repositoryRoot.appendingPathComponent("deploy/prometheus/sellify-alerts.yml"), encoding: .utf8)
        let declared = Set(MetricCatalog.all.map(\.name))
        let used = Set(
            rules.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
                .filter { $0.hasPrefix("sellify_") }
                .map(String.init))
        #expect(!used.isEmpty)
        #expect(used.subtracting(declared) == [])
    }
}

/// The quota alert of `deploy/prometheus/sellify-alerts.yml` and Sellify's own
/// `quota_warning` alert fire at one ratio: the shipped `quotas.warn_ratio`.
struct QuotaAlertRatioTests {
    struct AlertFile: Decodable, YAMLAllowsUnknownKeys {
        struct Group: Decodable, YAMLAllowsUnknownKeys {
            var rules: [Rule]
        }
        struct Rule: Decodable, YAMLAllowsUnknownKeys {
            var alert: String?
            var expr: String
        }
        var groups: [Group]
    }

    @Test func prometheusQuotaAlertFiresAtTheConfiguredWarnRatio() throws {
        let configured = try Shipped().loaded.configuration.quotas.warnRatio
        let file = try YAMLDecoder().decode(
            AlertFile.self,
            contentsOf: repositoryRoot.appendingPathComponent("deploy/prometheus/sellify-alerts.yml").path,
            displayName: "sellify-alerts.yml", environment: [:])
        let rule = try #require(file.groups.flatMap(\.rules).first { $0.alert == "SellifyQuotaNearLimit" })
        let comparison = try #require(rule.expr.range(of: ">="), "\(rule.expr)")
        let threshold = try #require(
            Double(rule.expr[comparison.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)),
            "\(rule.expr)")
        #expect(
            threshold == configured, "SellifyQuotaNearLimit fires at \(threshold), quotas.warn_ratio is \(configured)")
    }
}

/// docs/metrics.md: its tables are well formed, and the metrics table has one
/// row per catalogue metric with the catalogue's type and labels.
struct MetricsDocumentationTests {
    /// The cells of a table row, split on the pipes that are not escaped (`\|`)
    /// and not inside a code span.
    static func cells(_ row: String) -> [String] {
        var cells: [String] = []
        var cell = ""
        var inCode = false
        var escaped = false
        for character in row.trimmingCharacters(in: .whitespaces) {
            if escaped {
                cell.append(character)
                escaped = false
            } else if character == "\\" {
                cell.append(character)
                escaped = true
            } else if character == "`" {
                inCode.toggle()
                cell.append(character)
            } else if character == "|" && !inCode {
                cells.append(cell.trimmingCharacters(in: .whitespaces))
                cell = ""
            } else {
                cell.append(character)
            }
        }
        cells.append(cell.trimmingCharacters(in: .whitespaces))
        // A row starts and ends with a pipe: drop the empty edges.
        return Array(cells.dropFirst().dropLast())
    }

    /// Every block of consecutive lines starting with `|`.
    static func tables() throws -> [[String]] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        var tables: [[String]] = []
        var current: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("|") {
                current.append(line)
            } else if !current.isEmpty {
                tables.append(current)
                current = []
            }
        }
        if !current.isEmpty { tables.append(current) }
        return tables
    }

    @Test func everyTableHasAHeaderAndRowsOfItsWidth() throws {
        let tables = try Self.tables()
        #expect(!tables.isEmpty)
        for table in tables {
            let width = Self.cells(table[0]).count
            #expect(width >= 2, "\(table[0])")
            let delimiter = table.count > 1 ? Self.cells(table[1]) : []
            #expect(
                delimiter.count == width
                    && delimiter.allSatisfy { $0.range(of: "^:?-+:?$", options: .regularExpression) != nil },
                "a table must start with a header and a delimiter row: \(table[0])")
            for row in table.dropFirst(2) {
                #expect(Self.cells(row).count == width, "\(width) columns expected: \(row)")
            }
        }
    }

    @Test func theMetricsTableListsEveryCatalogMetricWithItsTypeAndLabels() throws {
        let table = try #require(
            try Self.tables().first { Self.cells($0[0]).first == "metric" }, "no table with a 'metric' column")
        let header = Self.cells(table[0])
        #expect(header == ["metric", "type", "labels", "what"])
        var rows: [String: [String]] = [:]
        for row in table.dropFirst(2) {
            let cells = Self.cells(row)
            #expect(rows[cells[0]] == nil, "listed twice: \(cells[0])")
            rows[cells[0]] = cells
        }
        for definition in MetricCatalog.all {
            guard let cells = rows["`\(definition.name)`"] else {
                Issue.record("docs/metrics.md does not list \(definition.name)")
                continue
            }
            let type = definition.kind.typeName
            #expect(cells[1].hasPrefix(type), "\(definition.name): type \(cells[1]), the catalogue says \(type)")
            #expect(
                cells[2] == definition.labels.map { "`\($0)`" }.joined(separator: ", "),
                "\(definition.name): labels \(cells[2]), the catalogue says \(definition.labels)")
            #expect(!cells[3].isEmpty, "\(definition.name): no description")
        }
        let documented = Set(rows.keys)
        let declared = Set(MetricCatalog.all.map { "`\($0.name)`" })
        #expect(documented.subtracting(declared) == [], "documented but not in the catalogue")
    }
}

struct GrafanaDashboardTests {
    /// The dashboard is valid JSON, and every metric its queries use is declared.
    @Test func dashboardQueriesUseDeclaredMetrics() throws {
        let url = repositoryRoot.appendingPathComponent("deploy/grafana/sellify-dashboard.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let panels = try #require(object["panels"] as? [[String: Any]])
        #expect(panels.count >= 10)
        let expressions = panels.flatMap {
            ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        }
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
