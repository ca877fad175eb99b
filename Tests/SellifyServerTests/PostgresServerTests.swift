import Foundation
import SellifyCore
import SellifyStore
import SellifyTestSupport
import Synchronization
import Testing

/// Several `sellify serve` on one PostgreSQL: one truth for quotas,
/// conversations, idempotency and the audit chain; faults of the database
/// answered with 503s, never a 500 or an answer without its record.
@Suite(.serialized)
struct PostgresServerTests {
    /// A deployment on `database` of `cluster`, with a shared audit key file.
    static func deployment(
        _ cluster: PostgresCluster, database: String, keyFile: String, edits: [(String, String)] = []
    ) throws -> ServerDeployment {
        try ServerDeployment(
            edits: [
                (
                    "  type: sqlite                      # the store plugin",
                    "  type: postgres\n  url: \(cluster.url(database: database))\n  tls: disable\n  #"
                ),
                ("  keys: []\n", "  keys:\n    - { id: shared, file: \(keyFile) }\n"),
            ] + edits)
    }

    /// A base64 audit key in a new file (mode 0600), shared by the instances.
    static func sharedKeyFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-key-\(UUID().uuidString)")
            .path
        let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
        _ = FileManager.default.createFile(
            atPath: path, contents: Data((Data(key).base64EncodedString() + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
        return path
    }

    static func answers(_ responses: [HTTPTestResponse]) -> Int {
        responses.filter { ($0.json?["action"] as? String)?.hasPrefix("Respond") == true }.count
    }

    @Test func twoInstancesShareOneDailyLimitAndOneDecisionPerMessage() throws {
        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase("two")
        let keyFile = try Self.sharedKeyFile()
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let limit = [("    messages_per_day: 200\n", "    messages_per_day: 50\n")]
        let a = try ServerProcess(try Self.deployment(cluster, database: database, keyFile: keyFile, edits: limit))
        defer { a.stop() }
        let b = try ServerProcess(try Self.deployment(cluster, database: database, keyFile: keyFile, edits: limit))
        defer { b.stop() }
        let servers = [a, b]

        // 2 × 8 clients, 6 messages each (96 > 50), each on its own conversation.
        let responses = try concurrently(16) { client in
            let server = servers[client % 2]
            return try (0..<6).map { index in
                try server.client.json(
                    "POST", "/api/v1/decisions", key: TestKey.decide,
                    event("wa:two-\(client)-\(index)", "two-\(client).\(index)", "¿cuánto cuesta el Plan Premium?"))
            }
        }.flatMap { $0 }
        #expect(responses.allSatisfy { $0.status == 200 }, "\(responses.map(\.status))")
        #expect(Self.answers(responses) == 50)
        let used = try cluster.psql(
            "SELECT sum(used) FROM quota_counters WHERE counter = 'messages' AND quota_window LIKE 'day:%'",
            database: database)
        #expect(used.trimmingCharacters(in: .whitespacesAndNewlines) == "50")
        let answered = try cluster.psql(
            #"SELECT count(*) FROM audit_log WHERE kind = 'decision' AND summary LIKE '%"action":"Respond%'"#,
            database: database)
        #expect(answered.trimmingCharacters(in: .whitespacesAndNewlines) == "50")

        // The same message id at both instances at once: one decision, the same bytes.
        let same = event("wa:same", "same-1", "hola")
        let both = try concurrently(2) { index in
            try servers[index].client.json("POST", "/api/v1/decisions", key: TestKey.decide, same)
        }
        #expect(both[0].status == 200 && both[1].status == 200)
        #expect(both[0].text == both[1].text)
        let records = try cluster.psql(
            "SELECT count(*) FROM audit_log WHERE kind = 'decision' AND message_id = 'same-1'", database: database)
        #expect(records.trimmingCharacters(in: .whitespacesAndNewlines) == "1")

        // One chain, written by both, verifies (and every sealed text opens with the shared key).
        let verify = try run(
            try sellifyExecutable().path, ["audit", "verify", "--config", a.deployment.configPath])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains(#""unreadable":0"#), "\(verify.output)")
        // show and export read the same chain.
        let show = try run(
            try sellifyExecutable().path,
            ["audit", "show", "--config", b.deployment.configPath, "--kind", "decision", "--limit", "3"])
        #expect(show.status == 0, "\(show.output)")
        #expect(show.output.contains(#""kind":"decision""#), "\(show.output)")
        let export = try run(
            try sellifyExecutable().path,
            ["audit", "export", "--config", b.deployment.configPath, "--kind", "decision"])
        #expect(export.status == 0)
        #expect(export.output.split(separator: "\n").filter { $0.contains(#""kind":"decision""#) }.count == 97)
    }

    @Test func anInstanceWithOtherRulesShowsUp() throws {
        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase("rules")
        let keyFile = try Self.sharedKeyFile()
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let a = try ServerProcess(try Self.deployment(cluster, database: database, keyFile: keyFile))
        defer { a.stop() }
        let other = try Self.deployment(cluster, database: database, keyFile: keyFile)
        let rules = other.url.appendingPathComponent("rules/decision.lua")
        let handle = try FileHandle(forWritingTo: rules)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n-- a different rules version\n".utf8))
        try handle.close()
        let b = try ServerProcess(other)
        defer { b.stop() }
        // B reports at start and sees A, which runs other rules.
        #expect(eventually { b.metric("sellify_store_instances_disagreeing") == 1 })
        #expect(b.metric("sellify_store_instances") == 2)
        #expect(eventually { b.stderr.contains("instances sharing the store decide with other rules") }, "\(b.stderr)")
    }

    @Test func killingOneInstanceMidLoadLosesNothingItAnswered() throws {
        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase("kill")
        let keyFile = try Self.sharedKeyFile()
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let limit = [("    messages_per_day: 200\n", "    messages_per_day: 60\n")]
        let deploymentA = try Self.deployment(cluster, database: database, keyFile: keyFile, edits: limit)
        let a = try ServerProcess(deploymentA)
        let b = try ServerProcess(try Self.deployment(cluster, database: database, keyFile: keyFile, edits: limit))
        defer { b.stop() }

        let answeredByA = Atomic<Int>(0)
        let killed = Atomic<Bool>(false)
        // 4 clients on each; A is killed once it has answered 10.
        let results = try concurrently(8) { client -> [(message: String, response: HTTPTestResponse?)] in
            let server = client % 2 == 0 ? a : b
            var results: [(String, HTTPTestResponse?)] = []
            for index in 0..<15 {
                let message = "kill-\(client).\(index)"
                let response = try? server.client.json(
                    "POST", "/api/v1/decisions", key: TestKey.decide,
                    event("wa:kill-\(client)-\(index)", message, "¿cuánto cuesta el Plan Premium?"))
                results.append((message, response))
                if server === a, response?.status == 200, answeredByA.add(1, ordering: .relaxed).newValue == 10,
                    !killed.exchange(true, ordering: .relaxed)
                {
                    kill(a.pid, SIGKILL)
                }
            }
            return results
        }.flatMap { $0 }
        let wasKilled = killed.load(ordering: .relaxed)
        #expect(wasKilled)
        a.stop()
        // B answered all of its clients' messages.
        let fromB = results.enumerated().filter { ($0.offset / 15) % 2 == 1 }.map(\.element)
        #expect(fromB.allSatisfy { $0.response?.status == 200 }, "\(fromB.map { $0.response?.status ?? -1 })")

        // A again, on the same database: every answer anyone got is stored, byte for byte.
        let again = try ServerProcess(deploymentA)
        defer { again.stop() }
        let answered = results.compactMap { item -> (String, String)? in
            guard let response = item.response, response.status == 200 else { return nil }
            return (item.message, response.text)
        }
        for (message, text) in answered {
            let replay = try again.client.json(
                "POST", "/api/v1/decisions", key: TestKey.decide,
                event(
                    "wa:\(message.replacingOccurrences(of: ".", with: "-"))", message, "¿cuánto cuesta el Plan Premium?"
                ))
            #expect(replay.text == text, "\(message)")
        }
        // No limit passed, and the counter is exactly the answers stored.
        let used = Int(
            try cluster.psql(
                "SELECT coalesce(sum(used), 0) FROM quota_counters WHERE counter = 'messages' AND quota_window LIKE 'day:%'",
                database: database
            ).trimmingCharacters(in: .whitespacesAndNewlines))
        let stored = Int(
            try cluster.psql(
                #"SELECT count(*) FROM audit_log WHERE kind = 'decision' AND summary LIKE '%"action":"Respond%'"#,
                database: database
            ).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(used != nil && used == stored)
        #expect((used ?? 61) <= 60)
        let respondedTo = answered.filter { $0.1.contains(#""action":"Respond"#) }.count
        #expect(respondedTo <= used ?? 0)
    }

    @Test func postgresStoppedUnderLoadGivesOnly503sThenRecovers() throws {
        // A cluster of its own: this test stops it.
        let cluster = try PostgresCluster()
        defer { cluster.destroy() }
        let database = try cluster.createDatabase("down")
        let keyFile = try Self.sharedKeyFile()
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        // No rate limit in the way: the load loop runs as fast as the refusals come.
        let deployment = try Self.deployment(
            cluster, database: database, keyFile: keyFile,
            edits: [("  requests_per_second: 50\n  burst: 100\n", "  requests_per_second: 100000\n  burst: 100000\n")])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        #expect(try server.client.request("GET", "/ready").status == 200)

        let phase = Atomic<Int>(0)  // 0 up, 1 down, 2 back
        let statuses = Mutex<[Int: [Int]]>([:])
        let answered = Mutex<[(String, String)]>([])
        let load = Thread {
            var index = 0
            while phase.load(ordering: .relaxed) < 3 {
                index += 1
                let message = "down-\(index)"
                let at = phase.load(ordering: .relaxed)
                guard
                    let response = try? server.client.json(
                        "POST", "/api/v1/decisions", key: TestKey.decide,
                        event("wa:\(message)", message, "¿cuánto cuesta el Plan Premium?"))
                else { continue }
                statuses.withLock { $0[at, default: []].append(response.status) }
                if response.status == 200 { answered.withLock { $0.append((message, response.text)) } }
            }
        }
        load.start()
        #expect(eventually { (statuses.withLock { $0[0]?.count } ?? 0) >= 5 })
        try cluster.stop()
        phase.store(1, ordering: .relaxed)
        // Down for 5 s (the scenario), and at least a few refusals seen meanwhile.
        let downSince = Date()
        #expect(
            eventually { (statuses.withLock { $0[1]?.count } ?? 0) >= 5 && Date().timeIntervalSince(downSince) >= 5 })
        let ready = try server.client.request("GET", "/ready")
        #expect(ready.status == 503)
        #expect(ready.text.contains("PostgreSQL at 127.0.0.1:\(cluster.port)"), "\(ready.text)")
        try cluster.start()
        phase.store(2, ordering: .relaxed)
        #expect(eventually { (try? server.client.request("GET", "/ready").status) == 200 })
        #expect(eventually { (statuses.withLock { $0[2]?.filter { $0 == 200 }.count } ?? 0) >= 5 })
        phase.store(3, ordering: .relaxed)
        while !load.isFinished { Thread.sleep(forTimeInterval: 0.01) }

        let seen = statuses.withLock { $0 }
        // While it was down: refusals only (a request in flight when it went may still have committed).
        let whileDown = seen[1] ?? []
        #expect(whileDown.allSatisfy { $0 == 503 || $0 == 200 }, "\(whileDown)")
        #expect(whileDown.filter { $0 == 503 }.count >= 5)
        #expect(!seen.values.joined().contains { $0 >= 500 && $0 != 503 }, "\(seen)")
        // Every answer given has its durable record.
        for (message, text) in answered.withLock({ $0 }) {
            let replay = try server.client.json(
                "POST", "/api/v1/decisions", key: TestKey.decide,
                event("wa:\(message)", message, "¿cuánto cuesta el Plan Premium?"))
            #expect(replay.text == text, "\(message)")
        }
        let verify = try run(try sellifyExecutable().path, ["audit", "verify", "--config", deployment.configPath])
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test func storeMigrateAppliesAndListsTheMigrations() throws {
        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase("cli")
        let keyFile = try Self.sharedKeyFile()
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let deployment = try Self.deployment(cluster, database: database, keyFile: keyFile)
        let sellify = try sellifyExecutable().path
        let migrate = try run(sellify, ["store", "migrate", "--config", deployment.configPath])
        #expect(migrate.status == 0, "\(migrate.output)")
        #expect(migrate.output.contains(#"{"applied":["v1","v2-instances"],"store":"postgres"}"#), "\(migrate.output)")
        let applied = try cluster.psql("SELECT count(*) FROM sellify_migrations", database: database)
        #expect(applied.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        // The embedded store answers the same command with its own migrations.
        let embedded = try ServerDeployment()
        let sqlite = try run(sellify, ["store", "migrate", "--config", embedded.configPath])
        #expect(sqlite.status == 0, "\(sqlite.output)")
        #expect(sqlite.output.contains(#""store":"sqlite""#) && sqlite.output.contains("v4-conversation-memory"))
    }

    @Test func anUnreachableDatabaseAtStartIsAClearErrorAndExit2() throws {
        let port = try LocalModelServer.freePort()
        let keyFile = try Self.sharedKeyFile()
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let deployment = try ServerDeployment(edits: [
            (
                "  type: sqlite                      # the store plugin",
                "  type: postgres\n  url: postgres://sellify@127.0.0.1:\(port)/nowhere\n  tls: disable\n  #"
            )
        ])
        let result = try run(try sellifyExecutable().path, ["serve", "--config", deployment.configPath, "--port", "0"])
        #expect(result.status == 2, "\(result.output)")
        #expect(result.output.contains("cannot connect to PostgreSQL at 127.0.0.1:\(port)"), "\(result.output)")
        #expect(result.output.lowercased().contains("connection refused"), "\(result.output)")
    }

    @Test func storeCopyMovesTenThousandDecisionsAndTheChainVerifiesTheSame() throws {
        let deployment = try ServerDeployment()
        // 10,000 decisions in the embedded store, as the pipeline writes them:
        // sealed customer text, memory, pending messages, three windows.
        let keys = try AuditKeyring.load(
            AuditConfiguration(), resolve: { $0 }, environment: [:],
            defaultKeyFile: deployment.url.appendingPathComponent("data/audit.key").path
        ).keyring
        let source = try SQLiteStore(
            configuration: .init(path: deployment.storePath, synchronous: .normal, auditKeys: keys))
        // 2026-11-25T06:00:00Z (midnight in Mexico City, the account's zone), one a minute.
        let start = Timestamp(milliseconds: 1_795_586_400_000)
        for index in 0..<10_000 {
            let id = "wa:copy-\(index % 700)"
            let at = Timestamp(milliseconds: start.milliseconds + Int64(index) * 60_000)
            let day = QuotaCounterKey(window: "day:2026-11-\(25 + index / 1440)", counter: .messages)
            let read = try source.state(conversationID: id, counters: [day])
            var conversation = read.conversation ?? ConversationRecord(id: id, state: "new")
            conversation.version += 1
            conversation.state = index % 3 == 0 ? "browsing" : "interested"
            conversation.inboundCount += 1
            conversation.memory.language = index % 2 == 0 ? "es" : "en"
            conversation.pending =
                index % 5 == 0
                ? [
                    PendingMessage(
                        messageID: "p\(index)", type: .text, text: "y el precio?", receivedAt: at, deferredAt: at)
                ]
                : []
            let commit = DecisionCommit(
                messageID: "copy-\(index)", decidedAt: at, conversation: conversation,
                expectedConversationVersion: read.conversation?.version, expectedUsage: read.usage,
                consumption: [day: 1], decision: Array(#"{"action":"RespondText","n":\#(index)}"#.utf8),
                audit: [
                    AuditEntry(
                        kind: "decision", at: at, conversationID: id, messageID: "copy-\(index)",
                        summary: #"{"action":"RespondText"}"#, sensitive: #"{"text":"mensaje \#(index)"}"#)
                ])
            #expect(try source.commit(commit) == .committed)
        }
        try source.saveSchedulerWindows(.init(day: "day:2026-12-01", week: "week:2026-11-30"), audit: [])
        try source.close()

        let sellify = try sellifyExecutable().path
        let verifyBefore = try run(sellify, ["audit", "verify", "--config", deployment.configPath])
        #expect(verifyBefore.status == 0, "\(verifyBefore.output)")
        let quotaBefore = try run(
            sellify, ["quota", "show", "--config", deployment.configPath, "--at", "2026-11-30T18:00:00Z"])

        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase("copy")
        let url = cluster.url(database: database)
        let copy = try run(
            sellify, ["store", "copy", "--config", deployment.configPath, "--to", url, "--tls", "disable"])
        #expect(copy.status == 0, "\(copy.output)")
        #expect(copy.output.contains(#""identical":true"#), "\(copy.output)")
        #expect(copy.output.contains(#""decisions":10000"#), "\(copy.output)")

        // The same config on the copy: the same chain head, the same quota state.
        try deployment.edit([
            (
                "  type: sqlite                      # the store plugin",
                "  type: postgres\n  url: \(url)\n  tls: disable\n  #"
            )
        ])
        let verifyAfter = try run(sellify, ["audit", "verify", "--config", deployment.configPath])
        #expect(verifyAfter.status == 0, "\(verifyAfter.output)")
        // The same chain: records, head, sealed texts (all but the time it took).
        func chain(_ output: String) -> String {
            output.replacingOccurrences(of: #","seconds":[0-9.]+"#, with: "", options: .regularExpression)
        }
        #expect(chain(verifyAfter.output) == chain(verifyBefore.output))
        #expect(verifyAfter.output.contains(#""records":10000"#), "\(verifyAfter.output)")
        let quotaAfter = try run(
            sellify, ["quota", "show", "--config", deployment.configPath, "--at", "2026-11-30T18:00:00Z"])
        #expect(quotaAfter.status == 0)
        #expect(quotaAfter.output == quotaBefore.output)
        #expect(quotaBefore.output.contains(#""used":1440"#), "\(quotaBefore.output)")
        // A decided message on the copy is its stored bytes.
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let replay = try server.client.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:copy-7", "copy-7", "hola"))
        #expect(replay.text.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"action":"RespondText","n":7}"#)

        // A second copy into the same database is refused: it is not empty.
        let again = try run(
            sellify, ["store", "copy", "--config", deployment.configPath, "--to", url, "--tls", "disable"])
        #expect(again.status == 2, "\(again.output)")
        #expect(again.output.contains("is not empty ("), "\(again.output)")
        #expect(again.output.contains("10000 decisions"), "\(again.output)")
    }
}
