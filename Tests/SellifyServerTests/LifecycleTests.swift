import Foundation
import SellifyServer
import Testing

/// Idempotency under concurrency, graceful shutdown, reloads, exporters and
/// the first-start key — each against a real `sellify serve` process.
struct LifecycleTests {
    @Test func sameMessageFromTwentyClientsIsOneDecisionAndOneQuotaUnit() throws {
        let deployment = try ServerDeployment()
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let port = server.port
        let body = event("wa:idem", "idem-1", "¿cuánto cuesta el Plan Premium?")
        let responses = try concurrently(20) { _ in
            try HTTPTestClient(port: port).json("POST", "/api/v1/decisions", key: TestKey.decide, body)
        }
        #expect(responses.allSatisfy { $0.status == 200 })
        #expect(Set(responses.map(\.body)).count == 1)
        #expect(responses.filter { $0.header("Idempotent-Replayed") == nil }.count == 1)
        let decidedAt = try #require(responses.first?.json?["decided_at"] as? String)
        let quota = try server.client.request("GET", "/api/v1/quota?at=\(decidedAt)", key: TestKey.readOnly)
        #expect((quota.json?["quotas"] as? [String: [String: Any]])?["messages_today"]?["used"] as? Int == 1)
        let audit = try server.client.request("GET", "/api/v1/audit?kind=decision", key: TestKey.readOnly)
        #expect((audit.json?["records"] as? [Any])?.count == 1)
    }

    @Test func sigtermLetsTheRequestInFlightFinishThenExitsZero() throws {
        let deployment = try ServerDeployment()
        let server = try ServerProcess(deployment)
        // A decision in flight: its body is half sent, so it stays in flight until the test sends the rest.
        let body = event("wa:held", "held-1", "¿cuánto cuesta el Plan Premium?")
        let held = try server.client.startPartialRequest(
            "POST", "/api/v1/decisions", key: TestKey.decide, body: body, sentBytes: body.utf8.count / 2)
        #expect(eventually { server.metric("sellify_http_requests_in_flight") == 1 })
        kill(server.pid, SIGTERM)
        // Shutdown has begun once the listener is closed: new connections are refused.
        #expect(eventually { (try? HTTPTestConnection(port: server.port, timeoutSeconds: 5)) == nil })
        let response = try held.finish()
        #expect(response.status == 200, "\(response.text)")
        #expect(response.json?["message_id"] as? String == "held-1")
        #expect(server.stop() == 0)
        #expect(server.stderr.contains("store closed"))
        // The store is consistent and holds the decision that was answered.
        let check = try sqlite(
            deployment.storePath,
            "PRAGMA integrity_check; SELECT COUNT(*) FROM decisions WHERE message_id = 'held-1'; SELECT COUNT(*) FROM audit_log WHERE message_id = 'held-1';"
        )
        #expect(check == "ok\n1\n1\n")
    }

    @Test func aRequestOverTheTimeoutGets503AndItsDecisionStillCommits() throws {
        let deployment = try ServerDeployment(edits: [
            ("request_timeout: 10s", "request_timeout: 500ms")
        ])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        // Another process holds the store's write lock: the decision's commit waits
        // for it (up to the store's 5 s busy timeout) — past the request timeout, by
        // construction — and finishes once the lock is released.
        let lock = try SQLiteWriteLock(deployment.storePath)
        let body = event("wa:locked", "locked-1", "hola")
        let first = try server.client.json("POST", "/api/v1/decisions", key: TestKey.decide, body)
        lock.release()
        #expect(first.status == 503)
        #expect(first.errorCode == "timeout")
        #expect(first.header("Retry-After") == "1")
        // The decision finished in the background…
        #expect(
            try eventually {
                try sqlite(deployment.storePath, "SELECT COUNT(*) FROM decisions WHERE message_id = 'locked-1';")
                    == "1\n"
            })
        // …and the retry returns it without deciding again.
        let retry = try server.client.json("POST", "/api/v1/decisions", key: TestKey.decide, body)
        #expect(retry.status == 200)
        #expect(retry.header("Idempotent-Replayed") == "true")
    }

    @Test func jsonLogsCarryTheRequestID() throws {
        let deployment = try ServerDeployment(edits: [
            ("level: info ", "level: debug "), ("format: text ", "format: json "),
        ])
        let server = try ServerProcess(deployment)
        _ = try server.client.request(
            "GET", "/api/v1/rules", key: TestKey.readOnly, headers: [("X-Request-ID", "trace-me-7")])
        #expect(server.stop() == 0)
        // Every line is one JSON object, the start banner included.
        let lines = server.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("{") }, "\(server.stderr)")
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] is String && object?["message"] is String && object?["time"] is String, "\(line)")
        }
        let request = lines.first { $0.contains(#""request_id":"trace-me-7""#) }
        #expect(request?.contains(#""endpoint":"/api/v1/rules""#) == true)
        #expect(request?.contains(#""status":"200""#) == true)
    }

    @Test func sighupReloadsChangedRules() throws {
        let deployment = try ServerDeployment()
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let before =
            try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly).json?["version"] as? String
        try deployment.edit(
            [("-- 1. Safety and consent", "-- 1. Safety and consent (edited)")], file: "rules/decision.lua")
        kill(server.pid, SIGHUP)
        var after: String?
        _ = try eventually {
            after = try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly).json?["version"] as? String
            return after != before
        }
        #expect(after != nil && after != before)
        let decision = try server.client.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:h", "h1", "hola"))
        #expect(decision.json?["rules_version"] as? String == after)
        #expect(eventually { server.stderr.contains("rules reloaded") })
    }

    @Test func firstStartGeneratesAKeyKeepsOnlyItsHashAndReusesIt() throws {
        let deployment = try ServerDeployment(configuredKeys: false)
        let first = try ServerProcess(deployment)
        let key = try #require(first.stderr.firstMatch(of: /sk_[0-9a-f]{64}/).map { String($0.output) })
        #expect(try first.client.request("GET", "/api/v1/quota", key: key).status == 200)
        #expect(try first.client.request("POST", "/api/v1/rules/reload", key: key).status == 200)  // every scope
        #expect(first.stop() == 0)
        let hashFile = deployment.url.appendingPathComponent("data/api-key.sha256").path
        let attributes = try FileManager.default.attributesOfItem(atPath: hashFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let stored = try String(contentsOfFile: hashFile, encoding: .utf8)
        #expect(stored == APIKeyGenerator.sha256Hex(of: key) + "\n")
        #expect(!stored.contains(key))
        // The next start prints no key and accepts the old one.
        let second = try ServerProcess(deployment)
        defer { second.stop() }
        #expect(second.stderr.firstMatch(of: /sk_[0-9a-f]{64}/) == nil)
        #expect(try second.client.request("GET", "/api/v1/quota", key: key).status == 200)
    }

    @Test func textfileExporterWritesPeriodicallyAndOnceMoreAtShutdown() throws {
        let deployment = try ServerDeployment(edits: [
            (
                """
                    - type: http                    # GET /metrics on the API listener (or `listen: host:port`)

                """,
                """
                    - type: http
                    - type: textfile
                      directory: prom
                      interval: 1s
                    - type: stdout
                      interval: 1s

                """
            )
        ])
        try FileManager.default.createDirectory(
            at: deployment.url.appendingPathComponent("prom"), withIntermediateDirectories: true)
        let server = try ServerProcess(deployment)
        let file = deployment.url.appendingPathComponent("prom/sellify.prom").path
        #expect(FileManager.default.fileExists(atPath: file))
        _ = try server.client.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:t", "t1", "hola"))
        #expect(server.stop() == 0)
        // The final write has the last request in it.
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains(#"sellify_http_requests_total{endpoint="/api/v1/decisions",status="200"} 1"#))
        #expect(try promtoolCheck(text) == "")
        // stdout carries framed snapshots only (logs are on stderr), the last one after shutdown.
        #expect(server.stdout.hasPrefix("# sellify metrics snapshot 1\n"))
        #expect(server.stdout.hasSuffix("# EOF\n"))
        #expect(!server.stdout.contains("serving on"))
    }

    @Test func textfileExporterWithAMissingDirectoryFailsAtStart() throws {
        let deployment = try ServerDeployment(edits: [
            (
                """
                    - type: http                    # GET /metrics on the API listener (or `listen: host:port`)

                """,
                """
                    - type: textfile
                      directory: missing-dir

                """
            )
        ])
        #expect(throws: HTTPTestError.self) { try ServerProcess(deployment) }
    }

    @Test func metricsOnTheirOwnListenerAndPromtoolCleanAfterTraffic() throws {
        let deployment = try ServerDeployment(edits: [
            (
                "    - type: http                    # GET /metrics on the API listener (or `listen: host:port`)\n",
                "    - type: http\n      listen: 127.0.0.1:0\n"
            )
        ])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        _ = try server.client.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:m", "m1", "hola"))
        _ = try server.client.request("GET", "/nowhere")
        // Not on the API listener…
        #expect(try server.client.request("GET", "/metrics").status == 404)
        // …but on its own, whose URL is logged.
        var port: Int?
        _ = eventually {
            port = server.stderr.firstMatch(of: /metrics listener url=http:\/\/127\.0\.0\.1:(\d+)/).flatMap {
                Int($0.output.1)
            }
            return port != nil
        }
        let metrics = try HTTPTestClient(port: try #require(port)).request("GET", "/metrics")
        #expect(metrics.status == 200)
        // /nowhere and /metrics
        #expect(metrics.text.contains(#"sellify_http_requests_total{endpoint="unmatched",status="404"} 2"#))
        #expect(metrics.text.contains(#"sellify_http_request_duration_seconds_count{endpoint="/api/v1/decisions"} 1"#))
        #expect(try promtoolCheck(metrics.text) == "")
    }
}

extension Thread {
    /// Runs `body` on a new thread; `value()` waits for its result.
    static func detachNewThreadWithResult<T: Sendable>(_ body: @escaping @Sendable () throws -> T) -> ThreadResult<T> {
        let result = ThreadResult<T>()
        Thread { result.set(Result { try body() }) }.start()
        return result
    }
}

final class ThreadResult<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?
    func set(_ value: Result<T, any Error>) {
        result = value
        done.signal()
    }
    func value() throws -> T {
        done.wait()
        return try result!.get()
    }
}

func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    let inPipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = inPipe
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try inPipe.fileHandleForWriting.close()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func sqlite(_ path: String, _ sql: String) throws -> String {
    let result = try run("/usr/bin/sqlite3", [path, sql])
    return result.output
}

/// `promtool check metrics` on `text`: its output (empty when clean). Fails
/// (not skips) when promtool is missing: `make test` installs it.
func promtoolCheck(_ text: String) throws -> String {
    let promtool = "/usr/bin/promtool"
    try #require(
        FileManager.default.isExecutableFile(atPath: promtool), "promtool missing: run scripts/install-deps.sh --test")
    let result = try run(promtool, ["check", "metrics"], input: text)
    return result.status == 0 ? result.output : "exit \(result.status): \(result.output)"
}

struct KeysCommandTests {
    @Test func keysNewPrintsAKeyAndTheConfigLineWithItsHash() throws {
        let result = try run(try sellifyExecutable().path, ["keys", "new", "--name", "crm", "--scopes", "read,admin"])
        #expect(result.status == 0)
        let key = try #require(result.output.firstMatch(of: /key: (sk_[0-9a-f]{64})/).map { String($0.output.1) })
        #expect(
            result.output.contains(
                #"- { name: crm, sha256: "\#(APIKeyGenerator.sha256Hex(of: key))", scopes: [read, admin] }"#))
        let again = try run(try sellifyExecutable().path, ["keys", "new"])
        #expect(!again.output.contains(key))
    }

    @Test(arguments: ["write", "", "decide,,bogus"])
    func keysNewRejectsUnknownScopes(_ scopes: String) throws {
        let result = try run(try sellifyExecutable().path, ["keys", "new", "--scopes", scopes])
        #expect(result.status == 2)
        #expect(result.output.contains("error: --scopes"))
    }
}

struct AuditAndQuotaCommandTests {
    func sellify(
        _ arguments: [String], in deployment: ServerDeployment, input: String? = nil
    ) throws -> (status: Int32, output: String) {
        try run(try sellifyExecutable().path, arguments + ["--config", deployment.configPath], input: input)
    }

    @Test func quotaResetIsAuditedAndAuditVerifyNamesATamperedRecord() throws {
        let deployment = try ServerDeployment()
        // Three conversations (one would be cooling down after its first answer), decided at a fixed time.
        let events = (0..<3).map {
            event("wa:q\($0)", "q\($0)", "¿cuánto cuesta el Plan Premium?", at: "2026-11-30T18:0\($0):00Z")
        }
        let decided = try sellify(
            ["decide", "--jsonl", "--at", "2026-11-30T18:03:00Z"], in: deployment,
            input: events.joined(separator: "\n") + "\n")
        #expect(decided.status == 0)
        let reset = try sellify(
            ["quota", "reset", "daily", "--at", "2026-11-30T18:05:00Z", "--by", "ops"], in: deployment)
        #expect(reset.status == 0)
        #expect(reset.output.contains(#""previous":{"images_today":0,"messages_today":3}"#), "\(reset.output)")
        let shown = try sellify(["quota", "show", "--at", "2026-11-30T18:05:00Z"], in: deployment)
        #expect(shown.output.contains(#""messages_today":{"limit":200,"remaining":200,"used":0"#))
        let resets = try sellify(["audit", "show", "--kind", "quota_reset"], in: deployment)
        #expect(resets.output.contains(#""by":"ops""#))
        let exported = try sellify(["audit", "export", "--format", "jsonl", "--decrypt"], in: deployment)
        #expect(exported.output.split(separator: "\n").count == 4)
        #expect(exported.output.contains(#""sensitive":{"text":"¿cuánto cuesta el Plan Premium?","type":"text"}"#))

        let intact = try sellify(["audit", "verify"], in: deployment)
        #expect(intact.status == 0)
        #expect(intact.output.contains(#""intact":true,"records":4"#))
        _ = try sqlite(deployment.storePath, #"UPDATE audit_log SET summary = '{"action":"Ignore"}' WHERE seq = 2"#)
        let broken = try sellify(["audit", "verify"], in: deployment)
        #expect(broken.status == 1)
        #expect(broken.output.contains("audit: chain broken at record 2: the record's content does not match its hash"))
    }

    @Test func aConfiguredAuditKeyThatCannotBeReadStopsTheStart() throws {
        let deployment = try ServerDeployment(edits: [
            ("  keys: []\n", "  keys:\n    - { id: k1, env: SELLIFY_TEST_MISSING_KEY }\n")
        ])
        let result = try sellify(["decide", "--text", "hola"], in: deployment)
        #expect(result.status == 2)
        #expect(
            result.output.contains("audit.keys[0] (id k1): environment variable SELLIFY_TEST_MISSING_KEY is not set"))
        #expect(!FileManager.default.fileExists(atPath: deployment.storePath))
    }
}
