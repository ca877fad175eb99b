import Foundation
import SellifyTestSupport
import Testing

/// The prototype note's metrics, queries and alerts (renamed to the sellify_ names)
/// against a real Prometheus scraping a real `sellify serve` — not a parse
/// of the text, an evaluation of the queries over scraped samples.
struct PrometheusEndToEndTests {
    /// Every metric the note names, as Sellify exposes it (histograms by `_count`).
    static let noteMetrics = [
        "sellify_decisions_total", "sellify_conversation_state", "sellify_quota_messages_today",
        "sellify_quota_messages_week", "sellify_quota_images_today", "sellify_quota_videos_week",
        "sellify_quota_resets_total", "sellify_quota_limit_reached_total",
        "sellify_ai_generation_duration_seconds_count",
        "sellify_ai_requests_total", "sellify_validation_results_total", "sellify_forbidden_words_detected_total",
        "sellify_http_requests_total", "sellify_http_request_duration_seconds_count", "sellify_audit_logs_total",
        "sellify_alerts_sent_total",
    ]

    /// The note's PromQL (queries, dashboard panels and alert expressions), renamed.
    static let noteQueries = [
        "rate(sellify_decisions_total[5m])",
        "(sellify_quota_messages_today / 200) * 100",
        #"rate(sellify_validation_results_total{result="invalid"}[5m])"#,
        "rate(sellify_ai_generation_duration_seconds_sum[5m]) / rate(sellify_ai_generation_duration_seconds_count[5m])",
        "increase(sellify_quota_resets_total[24h])",
        "sellify_decisions_total",
        #"sum(rate(sellify_validation_results_total{result="valid"}[5m])) / sum(rate(sellify_validation_results_total[5m])) * 100"#,
        "histogram_quantile(0.99, sum by (le, endpoint) (rate(sellify_http_request_duration_seconds_bucket[5m])))",
        "sellify_quota_messages_today > bool 180",
        #"sum(rate(sellify_validation_results_total{result="invalid"}[5m])) / sum(rate(sellify_validation_results_total[5m])) > bool 0.1"#,
        #"time() - sellify_quota_last_reset_timestamp_seconds{reset_type="daily"} > bool 90000"#,
    ]

    func freePort() throws -> Int {
        let receiver = try TestReceiver()
        let port = receiver.port
        receiver.stop()
        return port
    }

    func query(_ client: HTTPTestClient, _ expression: String) throws -> [[String: Any]]? {
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let response = try client.request("GET", "/api/v1/query?query=\(encoded)")
        guard response.status == 200, response.json?["status"] as? String == "success" else { return nil }
        return (response.json?["data"] as? [String: Any])?["result"] as? [[String: Any]]
    }

    @Test func theNotesMetricsQueriesAndAlertsWorkOnARealScrape() throws {
        let prometheus = "/usr/bin/prometheus"
        try #require(
            FileManager.default.isExecutableFile(atPath: prometheus),
            "prometheus missing: run scripts/install-deps.sh --test")
        let deployment = try ServerDeployment()
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        // Traffic that touches every family of the note.
        for (i, text) in ["hola", "¿cuánto cuesta el Plan Premium?", "send me a photo of the Aurora Mug", "STOP"]
            .enumerated()
        {
            _ = try c.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:e\(i)", "e\(i)", text))
        }
        _ = try c.json("POST", "/api/v1/validate", key: TestKey.decide, #"{"text":"Resultados garantizados al 100%"}"#)
        _ = try c.json(
            "POST", "/api/v1/generate", key: TestKey.decide, #"{"template":"price","product_id":"premium-plan"}"#)
        _ = try c.json("POST", "/api/v1/quota/reset", key: TestKey.admin, #"{"window":"daily"}"#)

        let folder = deployment.url.appendingPathComponent("prometheus")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rules = repositoryRoot.appendingPathComponent("deploy/prometheus/sellify-alerts.yml").path
        try """
        global: { scrape_interval: 1s, evaluation_interval: 1s }
        rule_files: ["\(rules)"]
        scrape_configs:
          - job_name: sellify
            static_configs: [{ targets: ["127.0.0.1:\(server.port)"] }]

        """.write(to: folder.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        // Prometheus needs a port of its own; a free one can be taken by another test
        // before Prometheus binds it, so a start that fails is retried on a new port.
        var process = Process()
        var port = 0
        for _ in 0..<5 {
            port = try freePort()
            process = Process()
            process.executableURL = URL(fileURLWithPath: prometheus)
            process.arguments = [
                "--config.file=\(folder.path)/prometheus.yml", "--storage.tsdb.path=\(folder.path)/data",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let client = HTTPTestClient(port: port, timeoutSeconds: 10)
            _ = eventually { !process.isRunning || (try? client.request("GET", "/-/ready"))?.status == 200 }
            if process.isRunning { break }
        }
        try #require(process.isRunning, "prometheus did not start")
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let p = HTTPTestClient(port: port, timeoutSeconds: 10)
        // Wait for several scrapes (rate() needs two samples in its range), with
        // more traffic after each new scrape, so rates have something to show.
        var scrapes = 0
        var trafficAt = -1
        _ = eventually {
            if let result = try? query(p, #"count_over_time(up{job="sellify"}[1m])"#),
                let value = (result.first?["value"] as? [Any])?.last as? String, let count = Double(value)
            {
                scrapes = Int(count)
            }
            if scrapes != trafficAt {
                _ = try? c.json(
                    "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:x", "x\(UUID().uuidString)", "hola"))
                trafficAt = scrapes
            }
            return scrapes >= 4
        }
        #expect(scrapes >= 4, "Prometheus did not scrape sellify")
        let up = try query(p, #"up{job="sellify"}"#)
        #expect((up?.first?["value"] as? [Any])?.last as? String == "1")

        for metric in Self.noteMetrics {
            let result = try query(p, metric)
            #expect(result?.isEmpty == false, "\(metric): no series scraped")
        }
        for expression in Self.noteQueries {
            let result = try query(p, expression)
            #expect(result != nil, "\(expression): the query failed")
            #expect(result?.isEmpty == false, "\(expression): no result")
        }
        // The shipped alert rules load and evaluate without errors on the real series.
        let rulesResponse = try p.request("GET", "/api/v1/rules")
        let groups = ((rulesResponse.json?["data"] as? [String: Any])?["groups"] as? [[String: Any]]) ?? []
        let loaded = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
        #expect(loaded.count >= 7)
        for rule in loaded {
            #expect(rule["health"] as? String != "err", "\(rule["name"] ?? "?"): \(rule["lastError"] ?? "")")
        }
    }
}
