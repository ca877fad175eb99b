import Foundation
import SellifyCore
import Testing

/// Against a running server: quotas are counted on the server's day, not on
/// the day a connector writes into `received_at` or `sent_at`.
struct ServerClockServerTests {
    /// The windows of the store's quota counters (read with the sqlite3 shell).
    func counterWindows(_ deployment: ServerDeployment) throws -> Set<String> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-readonly", deployment.storePath, "SELECT DISTINCT window FROM quota_counters;"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Set(text.split(separator: "\n").map(String.init))
    }

    func windows(at time: String, _ client: HTTPTestClient) throws -> Set<String> {
        let quota = try client.request("GET", "/api/v1/quota?at=\(time)", key: TestKey.readOnly)
        let windows = try #require(quota.json?["windows"] as? [String: String])
        return [windows["day"]!, windows["week"]!]
    }

    @Test func aUsedUpDailyLimitHoldsWhateverDayTheConnectorClaims() throws {
        let deployment = try ServerDeployment(edits: [("    messages_per_day: 200\n", "    messages_per_day: 5\n")])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        var decidedAt: [String] = []
        for i in 0..<5 {
            let answer = try c.json(
                "POST", "/api/v1/decisions", key: TestKey.decide,
                event("wa:use-\(i)", "use-\(i)", "¿cuánto cuesta el Plan Premium?"))
            #expect(answer.json?["action"] as? String == "RespondText")
            decidedAt.append(try #require(answer.json?["decided_at"] as? String))
        }
        for (i, claimed) in ["2026-11-30T18:00:00Z", "2000-01-01T00:00:00Z", "0001-01-01T00:00:00Z"].enumerated() {
            let answer = try c.json(
                "POST", "/api/v1/decisions", key: TestKey.decide,
                event("wa:claim-\(i)", "claim-\(i)", "¿cuánto cuesta el Plan Premium?", at: claimed))
            #expect(answer.status == 200)
            decidedAt.append(try #require(answer.json?["decided_at"] as? String))
            let day = try windows(at: decidedAt.last!, c)
            // Over the limit unless the server's own day changed during the test.
            if day == (try windows(at: decidedAt[0], c)) {
                #expect(answer.json?["action"] as? String == "Ignore", "\(answer.text)")
            }
        }
        let refused = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide,
            event("wa:far", "far-1", "hola", at: "9999-12-31T23:59:59Z"))
        #expect(refused.status == 400)
        let error = refused.json?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "invalid_field")
        #expect((error?["details"] as? [String: Any])?["field"] as? String == "received_at")
        #expect((error?["message"] as? String)?.contains("server.max_clock_skew allows 5m") == true, "\(refused.text)")

        var expected = Set<String>()
        for time in decidedAt { expected.formUnion(try windows(at: time, c)) }
        #expect(try counterWindows(deployment) == expected)
    }

    @Test func aBackdatedOutboundMessageCountsOnTheServersDay() throws {
        let deployment = try ServerDeployment()
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        let sent = try c.json(
            "POST", "/api/v1/messages", key: TestKey.decide,
            #"{"conversation_id":"out","message_id":"out-old","type":"text","sent_at":"2000-01-01T00:00:00Z","sent_by":"ana"}"#
        )
        #expect(sent.status == 200)
        #expect(sent.json?["sent_at"] as? String == "2000-01-01T00:00:00Z")
        let recordedAt = try #require(sent.json?["recorded_at"] as? String)
        let quota = try c.request("GET", "/api/v1/quota?at=\(recordedAt)", key: TestKey.readOnly)
        #expect((quota.json?["quotas"] as? [String: [String: Any]])?["messages_today"]?["used"] as? Int == 1)
        let old = try c.request("GET", "/api/v1/quota?at=2000-01-01T00:00:00Z", key: TestKey.readOnly)
        #expect((old.json?["quotas"] as? [String: [String: Any]])?["messages_today"]?["used"] as? Int == 0)
        #expect(try counterWindows(deployment) == (try windows(at: recordedAt, c)))

        let future = try c.json(
            "POST", "/api/v1/messages", key: TestKey.decide,
            #"{"conversation_id":"out","message_id":"out-future","type":"text","sent_at":"2999-01-01T00:00:00Z"}"#)
        #expect(future.status == 400)
        #expect(
            ((future.json?["error"] as? [String: Any])?["details"] as? [String: Any])?["field"] as? String == "sent_at")

        // A clock a minute fast is within the default skew: accepted, and the claim is kept.
        let soon = Timestamp(milliseconds: Timestamp.now().milliseconds + 60_000).description
        let ahead = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:soon", "soon-1", "hola", at: soon))
        #expect(ahead.status == 200)
        let audit = try c.request("GET", "/api/v1/audit?kind=decision", key: TestKey.readOnly)
        #expect(audit.text.contains(soon), "\(audit.text)")
    }
}
