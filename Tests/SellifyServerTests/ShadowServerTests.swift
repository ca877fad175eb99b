import Foundation
import SellifyTestSupport
import Testing

/// Shadow rules in a running server: the watcher loads a candidate put in
/// `rules/shadow/`, every decision compares it, `GET /api/v1/rules`, the
/// metrics and the audit show the comparisons, a broken candidate is refused
/// like broken rules, and removing the folder removes the shadow.
struct ShadowServerTests {
    /// The shipped policy with one branch changed: greetings get another template.
    static func greetingChanged() throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("rules/decision.lua"), encoding: .utf8) + """

            local enforced_decide = decide
            function decide(ctx)
              local decision = enforced_decide(ctx)
              if decision.rule == "greeting" then decision.template = "fallback_help" end
              return decision
            end

            """
    }

    func shadow(_ server: ServerProcess) throws -> [String: Any] {
        let rules = try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly).json
        return rules?["shadow"] as? [String: Any] ?? [:]
    }

    func decide(_ server: ServerProcess, _ id: String, _ text: String) throws -> [String: Any] {
        let answer = try server.client.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:\(id)", id, text))
        #expect(answer.status == 200, "\(answer.text)")
        return answer.json ?? [:]
    }

    @Test func aCandidateIsWatchedComparedCountedRefusedWhenBrokenAndRemovedWithItsFolder() throws {
        let deployment = try ServerDeployment(edits: [("poll_interval: 2s", "poll_interval: 200ms")])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        #expect(try shadow(server) as? [String: Bool] == ["present": false])
        #expect(server.metric(#"sellify_shadow_decisions_total{result="agree"}"#) == 0)
        let version =
            try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly).json?["version"]
            as? String

        // A candidate appears in a folder made after the start: the watcher loads it.
        let folder = deployment.url.appendingPathComponent("rules/shadow")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.greetingChanged().write(
            to: folder.appendingPathComponent("decision.lua"), atomically: true, encoding: .utf8)
        #expect(try eventually { try shadow(server)["present"] as? Bool == true })
        let loaded = try shadow(server)
        #expect((loaded["file"] as? String)?.hasSuffix("rules/shadow/decision.lua") == true)
        #expect((loaded["version"] as? String)?.hasPrefix("sha256:") == true && loaded["version"] as? String != version)
        #expect(loaded["compared"] as? Int == 0 && loaded["agreement_ratio"] is NSNull)

        // The decisions are the enforced rules'; greetings disagree.
        #expect(try decide(server, "s1", "hola")["rule"] as? String == "greeting")
        #expect(try decide(server, "s2", "How much is the Aurora Mug?")["rule"] as? String == "price_question")
        #expect(try decide(server, "s3", "hi there")["rule"] as? String == "greeting")
        #expect(try decide(server, "s4", "qwerty")["rule"] as? String == "fallback")
        let counted = try shadow(server)
        #expect(counted["compared"] as? Int == 4)
        #expect(counted["agreements"] as? Int == 2)
        #expect(counted["disagreements"] as? Int == 2)
        #expect(counted["errors"] as? Int == 0)
        #expect(counted["agreement_ratio"] as? Double == 0.5)
        let top = counted["top_disagreeing_rules"] as? [[String: Any]] ?? []
        #expect(
            top.count == 1 && top.first?["rule"] as? String == "greeting" && top.first?["disagreements"] as? Int == 2)
        #expect(server.metric(#"sellify_shadow_decisions_total{result="agree"}"#) == 2)
        #expect(server.metric(#"sellify_shadow_decisions_total{result="disagree"}"#) == 2)
        #expect(server.metric(#"sellify_shadow_disagreements_total{rule="greeting"}"#) == 2)
        let audit = try server.client.request("GET", "/api/v1/audit?kind=shadow", key: TestKey.readOnly).json
        let records = audit?["records"] as? [[String: Any]] ?? []
        #expect(records.map { $0["conversation_id"] as? String } == ["wa:s1", "wa:s3"])
        #expect(records.allSatisfy { ($0["summary"] as? [String: Any])?["result"] as? String == "disagree" })

        // A broken candidate is refused naming its file and line; the running rules and candidate stay.
        try "function decide(ctx)\n  return {\nend\n".write(
            to: folder.appendingPathComponent("decision.lua"), atomically: true, encoding: .utf8)
        let refused = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(refused.status == 422)
        #expect(refused.text.contains("rules/shadow/decision.lua:3: error:"), "\(refused.text)")
        let kept = try shadow(server)
        #expect(kept["version"] as? String == loaded["version"] as? String)
        let status = try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly).json
        #expect(status?["version"] as? String == version)
        #expect(status?["last_error"] is [String: Any])
        #expect(try decide(server, "s5", "buenas tardes")["rule"] as? String == "greeting")
        #expect(try shadow(server)["compared"] as? Int == 5)

        // No folder, no shadow.
        try FileManager.default.removeItem(at: folder)
        #expect(try eventually { try shadow(server)["present"] as? Bool == false })
        #expect(try decide(server, "s6", "hola")["rule"] as? String == "greeting")
        #expect(server.metric(#"sellify_shadow_decisions_total{result="disagree"}"#) == 3)
    }
}
