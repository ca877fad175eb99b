import Foundation
import SellifyTestSupport
import Testing

/// The gateway's behaviour on a provider's bad day, end to end through
/// `POST /api/v1/decisions` against the tests' fault server: `Retry-After`
/// honoured, the circuit breaker opening (the next decisions go straight to
/// the next provider) and closing after a good probe, and
/// `ai.fallback: escalate` handing the conversation to a person.
struct AIGatewayServerTests {
    static let question = "How much is the Basic Plan?"
    static let good = "The Basic Plan costs 19.00 USD per month."

    /// The generation record of `message`.
    static func generation(_ c: HTTPTestClient, _ message: String) throws -> [String: Any]? {
        let audit = try c.request("GET", "/api/v1/audit?kind=generation", key: TestKey.auditor)
        let records = audit.json?["records"] as? [[String: Any]] ?? []
        return records.first { $0["message_id"] as? String == message }?["summary"] as? [String: Any]
    }

    static func statuses(_ summary: [String: Any]?) -> [String] {
        (summary?["attempts"] as? [[String: Any]] ?? []).map { "\($0["provider"] ?? "")/\($0["status"] ?? "")" }
    }

    @Test func retriesHonourRetryAfter() throws {
        let model = try FaultServer([.status(429, retryAfter: 1), .answer(Self.good)])
        let deployment = try aiDeployment(
            providers: ["type: openai, base_url: \"\(model.baseURL)\", model: m, retries: 1, backoff: 10ms"],
            template: true)
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let answer = try server.client.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:ra", "ra-1", Self.question))
        #expect(answer.status == 200 && answer.json?["text"] as? String == Self.good, "\(answer.text)")
        #expect(Self.statuses(try Self.generation(server.client, "ra-1")) == ["openai/rate_limited", "openai/ok"])
        // The second request waited the second the provider asked for, not the 10 ms back-off.
        let seen = model.requests
        #expect(seen.count == 2)
        if seen.count == 2 { #expect(seen[1].at - seen[0].at >= .seconds(1)) }
    }

    /// Also the alerts: `ai_circuit_open` fires for the primary and resolves
    /// when it closes; `ai_errors` fires once failures pass the ratio (2 of
    /// the 5 requests that reached a provider).
    @Test func theBreakerOpensSkipsTheProviderAndClosesAfterAGoodProbe() throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let primary = try FaultServer([.status(500)])
        let backup = try FaultServer([.answer(Self.good)])
        let deployment = try aiDeployment(
            providers: [
                "type: openai, name: primary, base_url: \"\(primary.baseURL)\", model: p, retries: 0, "
                    + "circuit: { failures: 2, cool_down: 3s }",
                "type: openai, name: backup, base_url: \"\(backup.baseURL)\", model: b",
            ], template: true)
        try deployment.edit(
            [
                (
                    "    ai_errors: { threshold: 0.2, window: 5m, min_events: 20 }",
                    "    ai_errors: { threshold: 0.3, window: 5m, min_events: 4 }"
                ),
                (
                    "    - type: log                     # alerts go to the service log\n",
                    "    - { type: webhook, url: \"http://127.0.0.1:\(receiver.port)/hooks\", format: json }\n"
                ),
            ], file: "config.yaml")
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        func decide(_ n: Int) throws -> String? {
            let answer = try c.json(
                "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:cb\(n)", "cb-\(n)", Self.question))
            #expect(answer.status == 200, "\(answer.text)")
            return answer.json?["text"] as? String
        }
        func circuit() throws -> Double? {
            ApplicationLayerTests.Exposition(try c.request("GET", "/metrics").text)
                .values[#"sellify_ai_circuit_state{provider="primary"}"#]
        }
        #expect(try circuit() == 0)
        for n in 0..<2 {
            #expect(try decide(n) == Self.good)
            #expect(Self.statuses(try Self.generation(c, "cb-\(n)")) == ["primary/unavailable", "backup/ok"])
        }
        #expect(try circuit() == 1)
        func alerts(_ condition: String, _ status: String) -> [[String: Any]] {
            receiver.bodies.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .filter { $0["condition"] as? String == condition && $0["status"] as? String == status }
        }
        // Open: the next decision goes straight to the backup; the primary sees nothing.
        #expect(try decide(2) == Self.good)
        #expect(Self.statuses(try Self.generation(c, "cb-2")) == ["primary/circuit_open", "backup/ok"])
        #expect(primary.requests.count == 2)
        #expect(eventually { alerts("ai_circuit_open", "firing").first?["key"] as? String == "primary" })
        #expect(eventually { !alerts("ai_errors", "firing").isEmpty })
        // The primary recovers; after the cool-down one probe reaches it and closes the circuit.
        primary.replace([.answer("The Basic Plan costs 19.00 USD per month, from the primary.")])
        var n = 3
        #expect(
            try eventually(30) {
                n += 1
                _ = try decide(n)
                return primary.requests.count == 3
            })
        #expect(Self.statuses(try Self.generation(c, "cb-\(n)")) == ["primary/ok"])
        #expect(try circuit() == 0)
        #expect(try decide(n + 1)?.hasSuffix("from the primary.") == true)
        #expect(eventually { alerts("ai_circuit_open", "resolved").first?["key"] as? String == "primary" })
    }

    /// No text passes validation and `ai.fallback` is `escalate`: the
    /// answer is the handoff's acknowledgement, the conversation is a
    /// person's, and the generation's attempts are audited.
    @Test func fallbackEscalateHandsTheConversationOver() throws {
        let model = try FaultServer([.answer("The Basic Plan costs 25.00 USD.")])
        let deployment = try aiDeployment(
            providers: ["type: openai, base_url: \"\(model.baseURL)\", model: m"], template: true,
            extra: ["fallback: escalate", "max_reasks: 1"])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        let answer = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:esc", "esc-1", Self.question))
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.json?["action"] as? String == "Escalate" && answer.json?["rule"] as? String == "price_question")
        #expect((answer.json?["reason"] as? String)?.contains("ai.fallback is escalate") == true)
        let text = try #require(answer.json?["text"] as? String)
        #expect(!text.contains("25.00"))
        let summary = try Self.generation(c, "esc-1")
        #expect(Self.statuses(summary) == ["openai/ok", "openai/ok"])
        #expect(summary?["used"] as? Bool == false && summary?["fallback"] as? String == "validation")
        // The connector retries the message: the stored decision, and the model is not asked again.
        let asked = model.requests.count
        let retried = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:esc", "esc-1", Self.question))
        #expect(retried.text == answer.text && retried.header("Idempotent-Replayed") == "true")
        #expect(model.requests.count == asked)
        // A person has it now: the next message is not answered by the assistant.
        let next = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide,
            event("wa:esc", "esc-2", "hola", at: "2026-11-30T18:05:00Z"))
        #expect(next.json?["rule"] as? String == "human_active", "\(next.text)")
    }

    /// `sellify replay` gives each AI-worded decision its recorded wording
    /// and never asks a provider: the escalation that followed the model's
    /// failed texts is decided again without a model, and the provider sees
    /// no request.
    @Test func replayReusesTheRecordedWordingAndCallsNoProvider() throws {
        let model = try FaultServer([.answer(Self.good), .answer("The Basic Plan costs 25.00 USD.")])
        let deployment = try aiDeployment(
            providers: ["type: openai, base_url: \"\(model.baseURL)\", model: m"], template: true,
            extra: ["fallback: escalate", "max_reasks: 1"])
        let server = try ServerProcess(deployment)
        let c = server.client
        let worded = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:rp1", "rp-1", Self.question))
        let escalated = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:rp2", "rp-2", Self.question))
        server.stop()
        #expect(worded.json?["text"] as? String == Self.good)
        #expect(escalated.json?["action"] as? String == "Escalate")
        let asked = model.requests.count
        #expect(asked == 3)
        model.replace([.status(500)])

        let report = try run(try sellifyExecutable().path, ["replay", "--config", deployment.configPath])
        #expect(report.status == 0, "\(report.output)")
        let json = try #require(report.output.split(separator: "\n").first { $0.hasPrefix("{") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["decisions"] as? Int == 2 && object["recorded_wording_reused"] as? Int == 2)
        #expect(object["baseline_differs_from_log"] as? Int == 0 && object["changed"] as? Int == 0)
        #expect(model.requests.count == asked)
    }

    /// `POST /api/v1/generate` with a brief asks the generative providers:
    /// a text that passes is returned (`wording: ai`), one that keeps failing
    /// is replaced by the template (`fallback: validation`); each is audited
    /// with its caller.
    @Test func generateWithABriefAsksTheProviders() throws {
        let model = try FaultServer([.answer(Self.good)])
        let deployment = try aiDeployment(
            providers: ["type: openai, base_url: \"\(model.baseURL)\", model: m"], template: true,
            extra: ["max_reasks: 1"])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        let body =
            #"{"template":"price","product_id":"basic-plan","language":"en","brief":"answer the price question warmly","message":"How much is the Basic Plan?"}"#
        let worded = try c.json("POST", "/api/v1/generate", key: TestKey.decide, body)
        #expect(worded.status == 200, "\(worded.text)")
        #expect(worded.json?["text"] as? String == Self.good && worded.json?["wording"] as? String == "ai")
        #expect(worded.json?["provider"] as? String == "openai" && worded.json?["attempts"] as? Int == 1)
        let prompt = try #require(model.requests.last?.body)
        #expect(prompt.contains("answer the price question warmly") && prompt.contains("Basic Plan: 19.00 USD"))

        model.replace([.answer("The Basic Plan costs 25.00 USD.")])
        let fallen = try c.json("POST", "/api/v1/generate", key: TestKey.decide, body)
        #expect(fallen.status == 200, "\(fallen.text)")
        #expect(fallen.json?["wording"] as? String == "template" && fallen.json?["fallback"] as? String == "validation")
        #expect((fallen.json?["text"] as? String)?.contains("19.00") == true)
        #expect(fallen.json?["attempts"] as? Int == 3)

        let audit = try c.request("GET", "/api/v1/audit?kind=generation", key: TestKey.auditor)
        let summaries = (audit.json?["records"] as? [[String: Any]] ?? []).compactMap {
            $0["summary"] as? [String: Any]
        }
        let ai = summaries.filter { $0["prompt_digest"] != nil }
        #expect(ai.map { $0["used"] as? Bool } == [true, false])
        #expect(ai.allSatisfy { $0["by"] as? String != nil && $0["template"] as? String == "price" })
    }
}
