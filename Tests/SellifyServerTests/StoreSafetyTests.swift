import Foundation
import SellifyCore
import Synchronization
import Testing

/// One writer per store, secrets that are never overwritten, a verify that
/// opens every sealed text, and readiness that reflects writability.
struct StoreSafetyTests {
    @Test func twoServersStartedTogetherOnOneStoreLeaveOneWriterAndOneKey() throws {
        let deployment = try ServerDeployment()
        // Both start at once on a fresh folder (no store, no audit key yet).
        let outcomes = try concurrently(2) { _ in Result { try ServerProcess(deployment) } }
        let running = outcomes.compactMap { try? $0.get() }
        let refused = outcomes.compactMap { outcome -> String? in
            if case .failure(let error) = outcome { return "\(error)" }
            return nil
        }
        #expect(running.count == 1, "\(refused)")
        #expect(refused.count == 1)
        #expect(refused.first?.contains("the store is in use by another process (") == true, "\(refused)")
        #expect(refused.first?.contains("sellify.db.lock") == true)
        #expect(refused.first?.contains("status 2") == true)
        let server = try #require(running.first)
        for i in 0..<5 {
            _ = try server.client.json(
                "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:w\(i)", "w\(i)", "hola"))
        }
        #expect(server.stop() == 0)
        // Every sealed text opens with the one key on disk.
        let verify = try run(try sellifyExecutable().path, ["audit", "verify", "--config", deployment.configPath])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains(#""unreadable":0"#), "\(verify.output)")
        // With the first writer gone, the next one starts.
        let next = try ServerProcess(deployment)
        #expect(next.stop() == 0)
    }

    @Test("the store's group commit is on /metrics: every commit counted, shared transactions")
    func groupCommitCountersFollowTheWrites() throws {
        let server = try ServerProcess(try ServerDeployment())
        defer { server.stop() }
        let before = server.metric("sellify_store_commits_total") ?? 0
        // 8 clients × 5 decisions at once, then one validation (its audit record is a commit too).
        let statuses = try concurrently(8) { client in
            try (0..<5).map { index in
                try server.client.json(
                    "POST", "/api/v1/decisions", key: TestKey.decide,
                    event("wa:g\(client)", "g\(client).\(index)", "hola")
                ).status
            }
        }.flatMap { $0 }
        #expect(statuses.allSatisfy { $0 == 200 || $0 == 202 }, "\(statuses)")
        #expect(
            try server.client.json("POST", "/api/v1/validate", key: TestKey.decide, #"{"text":"hola"}"#).status == 200)
        let commits = try #require(server.metric("sellify_store_commits_total"))
        let transactions = try #require(server.metric("sellify_store_transactions_total"))
        // Each answered decision and the validation's audit record committed (a
        // commit that conflicted is planned again and counted again).
        #expect(commits - before >= 41)
        #expect(transactions >= 1 && transactions <= commits)
    }

    @Test func secretsCreatedConcurrentlyHaveExactlyOneWinner() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nested/audit.key").path
        let results = try concurrently(8) { index in
            try SecretFile.createExclusively(path, contents: Array("key-\(index)\n".utf8))
        }
        #expect(results.filter { $0 }.count == 1)
        let winner = try #require(results.firstIndex(of: true))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "key-\(winner)\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // Nothing else is left in the folder (the temporary files are gone).
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == [
                "audit.key"
            ])
        // And a later call never replaces it.
        #expect(try SecretFile.createExclusively(path, contents: Array("other\n".utf8)) == false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "key-\(winner)\n")
    }

    @Test func auditVerifyFailsWhenSealedTextsDoNotOpen() throws {
        let deployment = try ServerDeployment()
        let server = try ServerProcess(deployment)
        _ = try server.client.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:v", "v1", "hola"))
        #expect(server.stop() == 0)
        // Someone replaces the key file: the chain is whole, the texts are not readable.
        let keyFile = deployment.url.appendingPathComponent("data/audit.key").path
        let other = (0..<32).map { _ in UInt8.random(in: 0...255) }
        try (Data(other).base64EncodedString() + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        let verify = try run(try sellifyExecutable().path, ["audit", "verify", "--config", deployment.configPath])
        #expect(verify.status == 1, "\(verify.output)")
        #expect(verify.output.contains(#""intact":false"#), "\(verify.output)")
        #expect(verify.output.contains("sealed texts cannot be opened with the configured keys"), "\(verify.output)")
    }

    @Test func readinessReflectsWhetherTheStoreCanBeWritten() throws {
        let deployment = try ServerDeployment()
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        #expect(try server.client.request("GET", "/ready").status == 200)
        // Every decision write fails from now on, as on a full disk.
        _ = try sqlite(
            deployment.storePath,
            """
            CREATE TRIGGER fail_writes BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
            CREATE TABLE IF NOT EXISTS sellify_write_probe (at_ms INTEGER NOT NULL);
            CREATE TRIGGER fail_probe BEFORE INSERT ON sellify_write_probe BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
            """)
        let failed = try server.client.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:r", "r1", "hola"))
        #expect(failed.status == 503, "\(failed.text)")
        #expect(failed.errorCode == "store_unavailable")
        let ready = try server.client.request("GET", "/ready")
        #expect(ready.status == 503)
        let store = (ready.json?["checks"] as? [String: Any])?["store"] as? [String: Any]
        #expect((store?["message"] as? String)?.contains("the store cannot be written") == true, "\(ready.text)")
        // Once writes work again, the next probe says so.
        _ = try sqlite(deployment.storePath, "DROP TRIGGER fail_writes; DROP TRIGGER fail_probe;")
        #expect(try server.client.request("GET", "/ready").status == 200)
        #expect(
            try server.client.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:r", "r1", "hola")).status
                == 200)
    }

    @Test func customerTextNeedsTheSensitiveScopeAndItsUseIsAudited() throws {
        let server = try ServerProcess(try ServerDeployment())
        defer { server.stop() }
        let c = server.client
        _ = try c.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:s", "s1", "mi número es secreto"))
        for key in [TestKey.readOnly, TestKey.decide, TestKey.admin] {
            let refused = try c.request("GET", "/api/v1/audit?kind=decision&include=sensitive", key: key)
            #expect(refused.status == 403)
            #expect(refused.text.contains("lacks the 'sensitive' scope"))
            #expect(!refused.text.contains("secreto"))
        }
        // Without include, a read key sees that text exists, not the text.
        let plain = try c.request("GET", "/api/v1/audit?kind=decision", key: TestKey.readOnly)
        #expect(plain.status == 200 && !plain.text.contains("secreto"))
        let opened = try c.request("GET", "/api/v1/audit?kind=decision&include=sensitive", key: TestKey.auditor)
        #expect(opened.status == 200)
        #expect(opened.text.contains("mi número es secreto"))
        let trail = try c.request("GET", "/api/v1/audit?kind=sensitive_read", key: TestKey.readOnly)
        let records = trail.json?["records"] as? [[String: Any]] ?? []
        #expect(records.count == 1, "\(trail.text)")
        let summary = records.first?["summary"] as? [String: Any]
        #expect(summary?["key"] as? String == "auditor")
        #expect(summary?["opened"] as? Int == 1)
        #expect((summary?["query"] as? String)?.contains("include=sensitive") == true)
    }
}
