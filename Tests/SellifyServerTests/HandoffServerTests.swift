import Foundation
import Testing

/// The handoff lifecycle and the burst contract over HTTP, against a real
/// server process: the acknowledgement and the webhook's handoff packet, the
/// silence while a person writes, the handback route, and 202 for a deferral.
struct HandoffServerTests {
    @Test func anEscalationAcknowledgesNotifiesTheTeamAndWaitsForTheHandback() throws {
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let deployment = try ServerDeployment(edits: [
            (
                "    - type: log                     # alerts go to the service log\n",
                """
                    - type: log
                    - type: webhook
                      url: http://127.0.0.1:\(receiver.port)/hooks/team
                      format: json

                """
            )
        ])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        _ = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:h1", "h-1", "¿Cuánto cuesta la taza?"))
        let escalated = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:h1", "h-2", "quiero hablar con un asesor"))
        #expect(escalated.status == 200)
        #expect(escalated.json?["action"] as? String == "Escalate")
        #expect(escalated.json?["handoff"] as? Bool == true)
        // Inside or outside business hours, the customer hears that a person will answer.
        // (This server runs on the real clock: "Una persona…" inside, "…; una persona…" outside.)
        #expect((escalated.json?["text"] as? String)?.lowercased().contains("una persona de demo store") == true)

        // The team's webhook gets the handoff packet.
        #expect(eventually { receiver.bodies.contains { $0.contains(#""condition":"handoff""#) } })
        let body = try #require(receiver.bodies.first { $0.contains(#""condition":"handoff""#) })
        let notice = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let packet = try #require(notice["details"] as? [String: Any])
        #expect(packet["conversation_id"] as? String == "wa:h1")
        #expect(packet["rule"] as? String == "human_request")
        #expect(packet["language"] as? String == "es")
        #expect((packet["products"] as? [[String: Any]])?.first?["id"] as? String == "aurora-mug")
        #expect((packet["recent_messages"] as? [[String: Any]])?.map { $0["message_id"] as? String } == ["h-1", "h-2"])
        #expect((packet["quota"] as? [String: Any])?["messages_today"] != nil)
        #expect(!body.contains("asesor"), "the customer's words never leave in the packet")

        // An agent writes; the assistant stays silent.
        let agent = try c.json(
            "POST", "/api/v1/messages", key: TestKey.decide,
            #"{"conversation_id":"wa:h1","message_id":"ana-1","sent_at":"2026-11-30T18:00:00Z","sender":"agent","sent_by":"ana"}"#
        )
        #expect(agent.status == 200)
        let silent = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide,
            event("wa:h1", "h-3", "Gracias Ana, ¿y cuánto cuesta la taza?"))
        #expect(silent.json?["action"] as? String == "Ignore")
        #expect(silent.json?["rule"] as? String == "human_active")
        let conversation = try c.request("GET", "/api/v1/conversations/wa:h1", key: TestKey.readOnly)
        #expect((conversation.json?["handoff"] as? [String: Any])?["rule"] as? String == "human_request")

        // Handed back: the assistant answers again.
        let back = try c.json("POST", "/api/v1/conversations/wa:h1/handback", key: TestKey.decide, #"{"by":"ana"}"#)
        #expect(back.status == 200)
        #expect(back.json?["state"] as? String == "interested")
        #expect(back.json?["handoff"] is NSNull)
        let again = try c.json(
            "POST", "/api/v1/conversations/wa:h1/handback", key: TestKey.decide, #"{"by":"ana"}"#)
        #expect(again.status == 409)
        #expect((again.json?["error"] as? [String: Any])?["code"] as? String == "not_handed_over")
        let unknown = try c.json("POST", "/api/v1/conversations/wa:nobody/handback", key: TestKey.decide, "{}")
        #expect(unknown.status == 404)
        let audit = try c.request("GET", "/api/v1/audit?kind=handback", key: TestKey.readOnly)
        #expect(audit.text.contains(#""by":"ana""#))
    }

    @Test func anAnswerInsideTheCooldownIsDeferredWith202AndRetryAfter() throws {
        let deployment = try ServerDeployment(edits: [("min_interval: 3s", "min_interval: 1h")])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        #expect(
            try c.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:d1", "d-1", "hola")).status == 200)
        let deferred = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:d1", "d-2", "¿cuánto cuesta la taza?"))
        #expect(deferred.status == 202)
        #expect(deferred.json?["rule"] as? String == "cooldown_deferred")
        #expect(deferred.json?["deferred_until"] is String)
        let retry = try #require(deferred.header("Retry-After").flatMap { Int($0) })
        #expect((3000...3600).contains(retry))
        // Posted again inside the cooldown: deferred again (not a stored Ignore).
        let repost = try c.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:d1", "d-2", "¿cuánto cuesta la taza?"))
        #expect(repost.status == 202)
        #expect(repost.header("Idempotent-Replayed") == nil)
        let conversation = try c.request("GET", "/api/v1/conversations/wa:d1", key: TestKey.readOnly)
        #expect(conversation.json?["pending_messages"] as? Int == 1)
        #expect(conversation.json?["inbound_count"] as? Int == 2)
    }
}
