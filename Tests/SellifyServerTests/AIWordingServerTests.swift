import Foundation
import SellifyTestSupport
import Synchronization
import Testing

/// AI wording end to end: `sellify serve` with `ai.providers` pointing at a
/// real llama.cpp server (SmolLM2-135M), and a rule that asks for it. Every
/// answer is returned; a text that passes the validator is the answer, one
/// that fails is re-asked and then falls back to the rule's template; the
/// audit holds every attempt of every generation.
@Suite(.serialized)
struct AIWordingServerTests {
    static let messages = [
        "How much is the Basic Plan?",
        "Is there a 50% discount on the Basic Plan? And how much is the Platinum Plan Pro?",
        "How much does the Basic Plan cost per year, in euros?",
        "What is the price of two Basic Plans with the student discount?",
    ]

    @Test func aiWordedAnswersAreValidatedReaskedFallenBackAndAudited() throws {
        let model = try LocalModelServer.shared.get()
        let deployment = try aiDeployment(
            provider: "type: openai, base_url: \"\(model.baseURL)\", model: smollm2, timeout: 120s, max_tokens: 60",
            template: true)
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        var texts: [String: String] = [:]
        for (n, message) in Self.messages.enumerated() {
            let answer = try c.json(
                "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:ai\(n)", "ai-\(n)", message))
            #expect(answer.status == 200, "\(answer.text)")
            #expect(
                answer.json?["action"] as? String == "RespondText"
                    && answer.json?["rule"] as? String == "price_question")
            texts["ai-\(n)"] = answer.json?["text"] as? String
        }
        let audit = try c.request("GET", "/api/v1/audit?kind=generation&include=sensitive", key: TestKey.auditor)
        #expect(audit.status == 200, "\(audit.text)")
        let records = try #require(audit.json?["records"] as? [[String: Any]])
        #expect(records.count == Self.messages.count)
        var used = 0
        var fellBack = 0
        for record in records {
            let summary = try #require(record["summary"] as? [String: Any])
            let attempts = try #require(summary["attempts"] as? [[String: Any]])
            let sealed = try #require((record["sensitive"] as? [String: Any])?["texts"] as? [Any])
            let decided = try #require(texts[record["message_id"] as? String ?? ""])
            #expect(!attempts.isEmpty && sealed.count == attempts.count)
            #expect(summary["prompt_digest"] as? String != nil && summary["rule"] as? String == "price_question")
            #expect(attempts.allSatisfy { $0["provider"] as? String == "openai" && $0["status"] as? String == "ok" })
            if summary["used"] as? Bool == true {
                // The answer is the model's last text, which passed.
                used += 1
                #expect(summary["provider"] as? String == "openai")
                #expect(sealed.last as? String == decided)
                #expect((attempts.last?["violations"] as? [Any])?.isEmpty == true)
            } else {
                // Every text failed: asked 1 + ai.max_reasks (2) times, then the template answered.
                fellBack += 1
                #expect(summary["fallback"] as? String == "validation")
                #expect(attempts.count == 3)
                #expect(attempts.allSatisfy { ($0["violations"] as? [Any])?.isEmpty == false })
                #expect(decided.contains("19.00 USD") && !sealed.contains { $0 as? String == decided })
            }
        }
        // One quota unit per answer, however many texts the model was asked for.
        let quota = try c.request("GET", "/api/v1/quota", key: TestKey.readOnly)
        #expect(
            (quota.json?["quotas"] as? [String: [String: Any]])?["messages_today"]?["used"] as? Int
                == Self.messages.count)
        // SmolLM2-135M answers some of these with a checked text and invents
        // for others: both paths are taken by a real model.
        #expect(used >= 1 && fellBack >= 1, "used \(used), fell back \(fellBack)")
        // The gateway's metrics count the same requests, re-asks and fallbacks.
        let metrics = ApplicationLayerTests.Exposition(try c.request("GET", "/metrics").text)
        let requests = records.reduce(0) {
            $0 + ((($1["summary"] as? [String: Any])?["attempts"] as? [Any])?.count ?? 0)
        }
        #expect(metrics.values[#"sellify_ai_requests_total{provider="openai",status="ok"}"#] == Double(requests))
        #expect(metrics.values[#"sellify_ai_fallbacks_total{reason="validation"}"#] == Double(fellBack))
        #expect(metrics.values[#"sellify_ai_reasks_total{provider="openai"}"#] ?? 0 >= Double(2 * fellBack))
        #expect(metrics.values[#"sellify_ai_tokens_total{provider="openai",kind="completion"}"#] ?? 0 > 0)
        #expect(metrics.values[#"sellify_ai_circuit_state{provider="openai"}"#] == 0)
    }
}

/// A provider that does not answer delays only its own conversation: other
/// conversations' decisions are answered meanwhile, and the held one is
/// answered with the model's text once the provider answers.
struct AIProviderIsolationTests {
    @Test func aHungProviderDelaysOnlyItsOwnConversation() throws {
        let model = try FaultServer([.held("The Basic Plan costs 19.00 USD per month.")])
        let deployment = try aiDeployment(
            provider: "type: openai, base_url: \"\(model.baseURL)\", model: held, timeout: 300s", template: false)
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        let slow = Mutex<(status: Int, text: String?)?>(nil)
        let thread = Thread {
            let answer = try? c.json(
                "POST", "/api/v1/decisions", key: TestKey.decide,
                event("wa:slow", "slow-1", "How much is the Basic Plan?"))
            slow.withLock { $0 = (answer?.status ?? 0, answer?.json?["text"] as? String) }
        }
        thread.start()
        #expect(eventually { model.held == 1 })
        // Meanwhile: other conversations are decided, and nothing waits on the held one.
        for n in 0..<5 {
            let fast = try c.json(
                "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:fast\(n)", "fast-\(n)", "hola"))
            #expect(fast.status == 200 && fast.json?["rule"] as? String == "greeting")
        }
        #expect(slow.withLock { $0 } == nil)
        model.release()
        #expect(eventually { slow.withLock { $0 } != nil })
        let answered = try #require(slow.withLock { $0 })
        #expect(answered.status == 200 && answered.text == "The Basic Plan costs 19.00 USD per month.")
    }
}

/// The shipped deployment with generative providers (`providers`: each
/// entry's flow mapping body), `ai` keys of `extra` (`fallback: escalate`),
/// and the price question worded by them.
func aiDeployment(providers: [String], template: Bool, extra: [String] = []) throws -> ServerDeployment {
    var ai = "  options: {}\n  deadline: 300s\n"
    for line in extra { ai += "  \(line)\n" }
    ai += "  providers:\n"
    for provider in providers { ai += "    - { \(provider) }\n" }
    if template { ai += "    - type: template\n" }
    let deployment = try ServerDeployment(edits: [("  options: {}", ai)])
    try deployment.edit(
        [
            (
                "state = state, product = product and product.id }",
                """
                state = state, product = product and product.id,
                           wording = rule == "price_question" and "ai" or nil,
                           brief = rule == "price_question" and "answer the price question warmly" or nil }
                """
            )
        ], file: "rules/decision.lua")
    return deployment
}

func aiDeployment(provider: String, template: Bool) throws -> ServerDeployment {
    try aiDeployment(providers: [provider], template: template)
}
