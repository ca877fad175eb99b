import Foundation
import SellifyServer
import Testing

/// Every route of openapi.yaml against the real server (`sellify serve` as a child
/// process on 127.0.0.1), success paths first, then every error code.
struct EndpointTests {
    @Test func everyEndpointAnswersItsSuccessPath() throws {
        let deployment = try ServerDeployment()
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client

        let health = try c.request("GET", "/health")
        #expect(health.status == 200)
        #expect(health.json?["status"] as? String == "ok")
        #expect(health.header("Content-Type") == "application/json; charset=utf-8")

        let ready = try c.request("GET", "/ready")
        #expect(ready.status == 200)
        #expect(ready.json?["status"] as? String == "ready")

        let metrics = try c.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(metrics.text.contains("# HELP sellify_decisions_total "))

        let openapi = try c.request("GET", "/openapi.yaml")
        #expect(openapi.status == 200)
        #expect(openapi.text.hasPrefix("openapi: 3.1.0\n"))

        // Decide, then the same message id again: the same bytes, nothing consumed twice.
        let body = event("wa:1", "m1", "¿cuánto cuesta el Plan Premium?")
        let decision = try c.json("POST", "/api/v1/decisions", key: TestKey.decide, body)
        #expect(decision.status == 200)
        #expect(decision.json?["action"] as? String == "RespondText")
        #expect(decision.header("Idempotent-Replayed") == nil)
        // Counted in the windows of the server's time, whatever the event's received_at says.
        let decidedAt = try #require(decision.json?["decided_at"] as? String)
        let replay = try c.json("POST", "/api/v1/decisions", key: TestKey.decide, body)
        #expect(replay.status == 200)
        #expect(replay.body == decision.body)
        #expect(replay.header("Idempotent-Replayed") == "true")
        let traced = try c.json(
            "POST", "/api/v1/decisions?trace=true", key: TestKey.decide, event("wa:9", "m9", "hola"))
        #expect((traced.json?["trace"] as? [Any])?.isEmpty == false)

        let valid = try c.json(
            "POST", "/api/v1/validate", key: TestKey.decide,
            #"{"text":"El Plan Premium cuesta 49.00 USD","product_ids":["premium-plan"]}"#)
        #expect(valid.status == 200)
        #expect(valid.json?["valid"] as? Bool == true)
        let invalid = try c.json(
            "POST", "/api/v1/validate", key: TestKey.decide, #"{"text":"Visita http://evil.example ya"}"#)
        #expect(invalid.status == 200)
        #expect(invalid.json?["valid"] as? Bool == false)

        let generated = try c.json(
            "POST", "/api/v1/generate", key: TestKey.decide,
            #"{"template":"price","product_id":"premium-plan","language":"es"}"#)
        #expect(generated.status == 200)
        #expect((generated.json?["text"] as? String)?.contains("49.00") == true)
        #expect(generated.json?["attempts"] as? Int == 1)

        let message = try c.json(
            "POST", "/api/v1/messages", key: TestKey.decide,
            #"{"conversation_id":"wa:1","message_id":"out-1","type":"image","sent_at":"2026-11-30T18:05:00Z","sent_by":"ana"}"#
        )
        #expect(message.status == 200)
        #expect(message.json?["counted"] as? Bool == true)
        #expect(message.json?["sent_at"] as? String == "2026-11-30T18:05:00Z")
        #expect(message.json?["recorded_at"] is String)

        let quota = try c.request("GET", "/api/v1/quota?at=\(decidedAt)", key: TestKey.readOnly)
        #expect(quota.status == 200)
        let quotas = quota.json?["quotas"] as? [String: [String: Any]]
        #expect(quotas?["messages_today"]?["used"] as? Int == 3)  // two decisions + the outbound image
        #expect(quotas?["images_today"]?["used"] as? Int == 1)
        #expect(
            quotas?["messages_today"]?["window"] as? String == (quota.json?["windows"] as? [String: String])?["day"])

        let reset = try c.json(
            "POST", "/api/v1/quota/reset", key: TestKey.admin, #"{"window":"daily","at":"\#(decidedAt)"}"#)
        #expect(reset.status == 200)
        #expect((reset.json?["previous"] as? [String: Int])?["messages_today"] == 3)
        let afterReset = try c.request("GET", "/api/v1/quota?at=\(decidedAt)", key: TestKey.readOnly)
        #expect((afterReset.json?["quotas"] as? [String: [String: Any]])?["messages_today"]?["used"] as? Int == 0)
        #expect((afterReset.json?["quotas"] as? [String: [String: Any]])?["messages_week"]?["used"] as? Int == 3)

        let conversation = try c.request("GET", "/api/v1/conversations/wa:1", key: TestKey.readOnly)
        #expect(conversation.status == 200)
        let encoded = try c.request("GET", "/api/v1/conversations/wa%3A1", key: TestKey.readOnly)
        #expect(encoded.body == conversation.body)
        #expect(conversation.json?["reply_count"] as? Int == 2)
        #expect(conversation.json?["inbound_count"] as? Int == 1)

        let audit = try c.request("GET", "/api/v1/audit?conversation=wa:1", key: TestKey.readOnly)
        #expect(audit.status == 200)
        let kinds = (audit.json?["records"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(kinds == ["decision", "outbound_message"])
        let resets = try c.request("GET", "/api/v1/audit?kind=quota_reset", key: TestKey.readOnly)
        let resetRecords = resets.json?["records"] as? [[String: Any]]
        #expect(resetRecords?.count == 1)
        #expect((resetRecords?.first?["summary"] as? [String: Any])?["by"] as? String == "operator")
        let page = try c.request("GET", "/api/v1/audit?limit=1", key: TestKey.readOnly)
        let next = try #require(page.json?["next_after"] as? Int)
        let page2 = try c.request("GET", "/api/v1/audit?limit=1&after=\(next)", key: TestKey.readOnly)
        #expect(((page2.json?["records"] as? [[String: Any]])?.first?["seq"] as? Int ?? 0) > next)

        let rules = try c.request("GET", "/api/v1/rules", key: TestKey.readOnly)
        #expect(rules.status == 200)
        #expect(rules.json?["version"] as? String == decision.json?["rules_version"] as? String)
        #expect(
            (rules.json?["files"] as? [[String: Any]])?.compactMap { $0["path"] as? String } == [
                "decision.lua", "intents.lua", "forbidden_words.lua", "templates.yaml", "channels.yaml", "faq.yaml",
                "ai_prompt.md", "lib/text.lua",
            ])
        #expect(rules.json?["hits"] as? [String: Int] == ["price_question": 1, "greeting": 1])

        let reload = try c.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(reload.status == 200)
        #expect(reload.json?["result"] as? String == "ok")
        #expect(reload.json?["changed"] as? Bool == false)

        #expect(server.stop() == 0)
    }

    struct ErrorCase: Sendable, CustomStringConvertible {
        var name: String
        var method = "POST"
        var path = "/api/v1/decisions"
        var key: String? = TestKey.decide
        var body: String? = nil
        var contentType: String? = "application/json"
        var headers: [(String, String)] = []
        var status: Int
        var code: String
        var description: String { name }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(name: "truncated JSON", body: #"{"conversation_id":"wa:1","#, status: 400, code: "malformed_json"),
        ErrorCase(name: "not an object", body: "[1,2]", status: 400, code: "malformed_json"),
        ErrorCase(
            name: "missing field", body: #"{"conversation_id":"wa:1","message_id":"x","text":"hola"}"#, status: 400,
            code: "invalid_field"),
        ErrorCase(
            name: "wrong type",
            body: #"{"conversation_id":1,"message_id":"x","text":"hola","received_at":"2026-11-30T18:00:00Z"}"#,
            status: 400, code: "invalid_field"),
        ErrorCase(
            name: "unknown field", path: "/api/v1/validate", body: #"{"text":"hola","txet":"x"}"#, status: 400,
            code: "invalid_field"),
        ErrorCase(
            name: "bad query parameter", method: "GET", path: "/api/v1/audit?limit=0", status: 400,
            code: "invalid_parameter"),
        ErrorCase(
            name: "bad quota time", method: "GET", path: "/api/v1/quota?at=yesterday", status: 400,
            code: "invalid_parameter"),
        ErrorCase(name: "no key", key: nil, body: "{}", status: 401, code: "unauthorized"),
        ErrorCase(name: "unknown key", key: TestKey.unknown, body: "{}", status: 401, code: "unauthorized"),
        ErrorCase(
            name: "malformed Authorization", key: nil, headers: [("Authorization", "Basic abc")], status: 401,
            code: "unauthorized"),
        ErrorCase(name: "read key cannot decide", key: TestKey.readOnly, body: "{}", status: 403, code: "forbidden"),
        ErrorCase(
            name: "decide key cannot reset quotas", path: "/api/v1/quota/reset", body: #"{"window":"daily"}"#,
            status: 403, code: "forbidden"),
        ErrorCase(name: "decide key cannot reload rules", path: "/api/v1/rules/reload", status: 403, code: "forbidden"),
        ErrorCase(name: "unknown route", method: "GET", path: "/api/v2/nothing", status: 404, code: "not_found"),
        ErrorCase(name: "wrong method", method: "DELETE", path: "/api/v1/decisions", status: 404, code: "not_found"),
        ErrorCase(
            name: "unknown conversation", method: "GET", path: "/api/v1/conversations/nobody", status: 404,
            code: "conversation_not_found"),
        ErrorCase(
            name: "quota exhausted", path: "/api/v1/messages",
            body:
                #"{"conversation_id":"v","message_id":"video-2","type":"video","sent_at":"2026-11-30T18:01:00Z","check_quota":true}"#,
            status: 409, code: "quota_exhausted"),
        ErrorCase(
            name: "message id reused by another conversation",
            body:
                #"{"conversation_id":"wa:other","message_id":"dup-1","text":"hola","received_at":"2026-11-30T18:00:00Z"}"#,
            status: 409, code: "idempotency_conflict"),
        ErrorCase(
            name: "unknown language", path: "/api/v1/generate",
            body: #"{"template":"price","product_id":"premium-plan","language":"fr"}"#, status: 400,
            code: "invalid_field"),
        ErrorCase(
            name: "body too large", body: #"{"text":""# + String(repeating: "a", count: 70_000) + #""}"#, status: 413,
            code: "body_too_large"),
        ErrorCase(
            name: "wrong content type", body: "conversation_id=wa:1", contentType: "application/x-www-form-urlencoded",
            status: 415, code: "unsupported_media_type"),
        ErrorCase(name: "no content type", body: "{}", contentType: nil, status: 415, code: "unsupported_media_type"),
        ErrorCase(
            name: "unknown template", path: "/api/v1/generate", body: #"{"template":"nope"}"#, status: 400,
            code: "invalid_field"),
        ErrorCase(
            name: "brief without a generative provider", path: "/api/v1/generate",
            body: #"{"template":"price","product_id":"premium-plan","brief":"answer warmly"}"#, status: 422,
            code: "no_generative_provider"),
        ErrorCase(
            name: "brief too long", path: "/api/v1/generate",
            body: #"{"template":"price","brief":""# + String(repeating: "b", count: 501) + #""}"#, status: 400,
            code: "invalid_field"),
        ErrorCase(
            name: "empty message", path: "/api/v1/generate", body: #"{"template":"price","brief":"x","message":""}"#,
            status: 400, code: "invalid_field"),
        ErrorCase(
            name: "bad reset window", path: "/api/v1/quota/reset", key: TestKey.admin, body: #"{"window":"monthly"}"#,
            status: 400, code: "invalid_field"),
    ]

    @Test func everyErrorHasItsStatusAndTheExactJSONShape() throws {
        let deployment = try ServerDeployment(edits: [("videos_per_week: 10", "videos_per_week: 1")])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        // The one video of the week, so the next one is refused.
        let first = try c.json(
            "POST", "/api/v1/messages", key: TestKey.decide,
            #"{"conversation_id":"v","message_id":"video-1","type":"video","sent_at":"2026-11-30T18:00:00Z"}"#)
        #expect(first.status == 200)
        #expect(
            try c.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:first", "dup-1", "hola")).status
                == 200)
        for test in Self.errorCases {
            let response = try c.request(
                test.method, test.path, key: test.key, headers: test.headers, body: test.body.map { Array($0.utf8) },
                contentType: test.contentType)
            #expect(response.status == test.status, "\(test.name): \(response.text)")
            #expect(response.errorCode == test.code, "\(test.name): \(response.text)")
            #expect(response.header("Content-Type") == "application/json; charset=utf-8", "\(test.name)")
        }
        // A message a person already sent is counted even over the limit (the channel saw it).
        let over = try c.json(
            "POST", "/api/v1/messages", key: TestKey.decide,
            #"{"conversation_id":"v","message_id":"video-3","type":"video","sent_at":"2026-11-30T18:02:00Z"}"#)
        #expect(over.status == 200)
        #expect(over.json?["over_limit"] as? [String] == ["videos_week"])
        // 422: a reload of broken rules names file and line, and the running rules stay.
        try deployment.write("rules/decision.lua", "function decide(ctx)\n  return {action = \n")
        let reload = try c.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(reload.status == 422)
        #expect(reload.errorCode == "rules_invalid")
        #expect(reload.text.contains("rules/decision.lua:"))
        let still = try c.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:2", "m2", "hola"))
        #expect(still.status == 200)
        let rules = try c.request("GET", "/api/v1/rules", key: TestKey.readOnly)
        #expect(rules.json?["stale_since"] is String)
        let ready = try c.request("GET", "/ready")
        #expect(ready.status == 200)
        #expect(ready.json?["status"] as? String == "degraded")
        #expect(server.stop() == 0)
    }

    @Test func overTheRateAKeyGets429WithRetryAfter() throws {
        let deployment = try ServerDeployment(edits: [
            ("requests_per_second: 50", "requests_per_second: 1"), ("burst: 100", "burst: 3"),
        ])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let statuses = try (0..<5).map { _ in try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly) }
        #expect(statuses.prefix(3).allSatisfy { $0.status == 200 })
        let limited = try #require(statuses.last)
        #expect(limited.status == 429)
        #expect(limited.errorCode == "rate_limited")
        #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
        // Buckets are per key: another key is not limited.
        #expect(try server.client.request("GET", "/api/v1/rules", key: TestKey.admin).status == 200)
    }

    @Test func saturatedServerAnswers503InsteadOfQueueing() throws {
        // One API request may be in flight. A decision whose body is half sent holds
        // that slot (it is taken when the head arrives) until the test sends the rest:
        // the server is saturated by construction, however fast the machine.
        let deployment = try ServerDeployment(edits: [
            ("max_concurrent_requests: 256", "max_concurrent_requests: 1")
        ])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let body = event("wa:held", "held", "hola")
        let held = try server.client.startPartialRequest(
            "POST", "/api/v1/decisions", key: TestKey.decide, body: body, sentBytes: body.utf8.count / 2)
        #expect(eventually { server.metric("sellify_http_requests_in_flight") == 1 })
        for i in 0..<5 {
            let refused = try server.client.json(
                "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:s\(i)", "s\(i)", "hola"))
            #expect(refused.status == 503)
            #expect(refused.errorCode == "overloaded")
            #expect(refused.header("Retry-After") == "1")
        }
        // Probes are not limited.
        #expect(try server.client.request("GET", "/health").status == 200)
        let answered = try held.finish()
        #expect(answered.status == 200)
        #expect(answered.json?["message_id"] as? String == "held")
        // The slot is free again.
        #expect(server.metric("sellify_http_requests_in_flight") == 0)
        #expect(
            try server.client.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:s", "s-after", "hola"))
                .status == 200)
    }

    @Test func requestIDIsEchoedOrGenerated() throws {
        let server = try ServerProcess(try ServerDeployment())
        defer { server.stop() }
        let given = try server.client.request("GET", "/health", headers: [("X-Request-ID", "req-42")])
        #expect(given.header("X-Request-ID") == "req-42")
        let generated = try server.client.request("GET", "/health", headers: [("X-Request-ID", "bad id with spaces")])
        let id = try #require(generated.header("X-Request-ID"))
        #expect(id.count == 24 && id.allSatisfy(\.isHexDigit))
    }
}

struct ReadinessTests {
    @Test func readyIs503NamingTheStoreWhenTheStoreCannotAnswer() throws {
        let deployment = try ServerDeployment()
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        #expect(try server.client.request("GET", "/ready").status == 200)
        // Someone damages the store under the running server.
        _ = try sqlite(deployment.storePath, "DROP TABLE grdb_migrations;")
        let ready = try server.client.request("GET", "/ready")
        #expect(ready.status == 503)
        #expect(ready.json?["status"] as? String == "not_ready")
        let store = (ready.json?["checks"] as? [String: Any])?["store"] as? [String: Any]
        #expect(store?["status"] as? String == "error")
        #expect((store?["message"] as? String)?.contains("grdb_migrations") == true)
        // Liveness is not readiness: the process is up.
        #expect(try server.client.request("GET", "/health").status == 200)
    }
}
