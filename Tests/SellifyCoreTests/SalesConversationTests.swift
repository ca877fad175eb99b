import Foundation
import SellifyCore
import SellifyStore
import SellifyTestSupport
import Testing

/// Scripted sales conversations against the shipped deployment, in Spanish
/// and English: customer messages, agents' messages, handbacks and outbound
/// messages, each at its own server time. Every step's outcome (action, rule,
/// text, language, state, deferral, merged burst, handoff, or the refusal) is
/// compared whole with `Tests/Fixtures/conversations/<name>.golden.jsonl`;
/// the turns that matter most are also checked one by one below.
struct SalesConversationTests {
    /// One step's outcome, as the golden file has it.
    struct Step {
        var line: String
        var json: [String: Any]
    }

    static func run(_ name: String) throws -> [Step] {
        let deployment = try shippedDeployment()
        let store = try SQLiteStore.inMemory()
        let start = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
        let service = try DecisionService.open(deployment, store: store, clock: FixedClock(start))
        let script = try String(
            contentsOf: fixtures.appendingPathComponent("conversations/\(name).script.jsonl"), encoding: .utf8)
        var steps: [Step] = []
        for (index, line) in script.split(separator: "\n").enumerated() where !line.isEmpty {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let atText = try #require(object["at"] as? String)
            let at = try #require(Timestamp(rfc3339: atText))
            var out: [String: Any] = ["step": index + 1, "at": at.description]
            do {
                if var event = object["in"] as? [String: Any] {
                    event["received_at"] = event["received_at"] ?? at.description
                    let bytes = try JSONSerialization.data(withJSONObject: event)
                    let parsed = try MessageEvent.parse(json: Array(bytes), maxTextLength: 4000)
                    let result = try service.decide(parsed, at: at)
                    let decision = try #require(
                        try JSONSerialization.jsonObject(with: Data(result.bytes)) as? [String: Any])
                    out["in"] = parsed.messageID
                    for key in [
                        "action", "rule", "text", "language", "product", "deferred_until", "merged_message_ids",
                        "handoff", "media",
                    ] {
                        if let value = decision[key] { out[key] = value }
                    }
                    out["state"] = (decision["conversation"] as? [String: Any])?["state"]
                    if result.replayed { out["replayed"] = true }
                    let notices = result.alerts.filter { $0.condition == "handoff" }
                    if let notice = notices.first?.details {
                        out["handoff_packet"] = try JSONSerialization.jsonObject(with: Data(notice.utf8))
                    }
                } else if let agent = object["agent"] as? [String: Any] {
                    let message = OutboundMessage(
                        conversationID: try #require(agent["conversation_id"] as? String),
                        messageID: try #require(agent["message_id"] as? String), kind: .text, sentAt: at,
                        sentBy: agent["sent_by"] as? String, sender: .agent)
                    _ = try service.recordOutbound(message, at: at)
                    out["agent"] = message.messageID
                    out["recorded"] = true
                } else if let outbound = object["out"] as? [String: Any] {
                    let message = OutboundMessage(
                        conversationID: try #require(outbound["conversation_id"] as? String),
                        messageID: try #require(outbound["message_id"] as? String), kind: .text, sentAt: at,
                        sentBy: outbound["sent_by"] as? String,
                        sender: OutboundMessage.Sender(rawValue: outbound["sender"] as? String ?? "assistant")!,
                        template: outbound["template"] as? String)
                    out["out"] = message.messageID
                    let receipt = try service.recordOutbound(message, at: at)
                    out["recorded"] = !receipt.replayed
                } else if let id = object["handback"] as? String {
                    let receipt = try service.handBack(id, by: "test", at: at)
                    out["handback"] = id
                    out["state"] = receipt.conversation.state
                }
            } catch let error as ServiceError {
                out["error"] = error.code
                // Where the repository is checked out is not part of the outcome.
                out["message"] = error.message.replacingOccurrences(of: repositoryRoot.path + "/", with: "")
            }
            let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys, .withoutEscapingSlashes])
            steps.append(Step(line: String(decoding: data, as: UTF8.self), json: out))
        }
        let golden = fixtures.appendingPathComponent("conversations/\(name).golden.jsonl")
        let output = steps.map(\.line).joined(separator: "\n") + "\n"
        if recordingGoldens { try output.write(to: golden, atomically: true, encoding: .utf8) }
        #expect(output == (try String(contentsOf: golden, encoding: .utf8)))
        return steps
    }

    static func turn(_ steps: [Step], _ number: Int) -> [String: Any] { steps[number - 1].json }

    @Test func spanishSale() throws {
        let steps = try Self.run("sales-es")
        func turn(_ n: Int) -> [String: Any] { Self.turn(steps, n) }
        func text(_ n: Int) -> String { turn(n)["text"] as? String ?? "" }
        // Memory: the price, then follow-ups that name no product.
        #expect(turn(2)["rule"] as? String == "price_question")
        #expect(text(2).contains("Taza Aurora") && text(2).contains("259.00 MXN"))
        // A burst of three messages within a second, inside the cooldown: all deferred…
        for n in 3...5 {
            #expect(turn(n)["rule"] as? String == "cooldown_deferred", "turn \(n)")
            #expect(turn(n)["deferred_until"] as? String == "2026-11-30T18:00:33Z", "turn \(n)")
        }
        // …then one merged answer after the cooldown (the photo of the mug in focus),
        // and the other two settle as merged: none is lost, none answered twice.
        #expect(turn(6)["action"] as? String == "RespondImage")
        #expect(turn(6)["product"] as? String == "aurora-mug")
        #expect(turn(6)["merged_message_ids"] as? [String] == ["es-4", "es-5"])
        #expect(turn(7)["rule"] as? String == "burst_merged" && turn(7)["replayed"] as? Bool == true)
        #expect(turn(8)["rule"] as? String == "burst_merged" && turn(8)["replayed"] as? Bool == true)
        // "Lo quiero" buys the product in focus, in Spanish.
        #expect(turn(9)["rule"] as? String == "purchase_intent" && turn(9)["product"] as? String == "aurora-mug")
        #expect(text(9).contains("Taza Aurora"))
        // Handoff: acknowledged, the packet goes to the team, the assistant stays silent.
        #expect(turn(10)["action"] as? String == "Escalate" && turn(10)["handoff"] as? Bool == true)
        #expect(text(10).contains("Una persona de Demo Store"))
        let packet = try #require(turn(10)["handoff_packet"] as? [String: Any])
        #expect(packet["rule"] as? String == "human_request")
        #expect(packet["language"] as? String == "es")
        #expect((packet["products"] as? [[String: Any]])?.first?["id"] as? String == "aurora-mug")
        #expect((packet["recent_messages"] as? [Any])?.count == 5)
        #expect(packet["quota"] != nil)
        #expect(turn(12)["action"] as? String == "Ignore" && turn(12)["rule"] as? String == "human_active")
        // Handback: the assistant answers again, from where the sale was.
        #expect(turn(13)["state"] as? String == "closing")
        #expect(turn(14)["rule"] as? String == "price_question" && text(14).contains("Libreta Punteada"))
        // Opt-out confirmed once, then silence; opt-in answers again.
        #expect(turn(15)["rule"] as? String == "opt_out" && turn(15)["state"] as? String == "opted_out")
        #expect(turn(16)["action"] as? String == "Ignore")
        #expect(turn(17)["rule"] as? String == "opt_in" && turn(17)["state"] as? String == "new")
        #expect(turn(18)["rule"] as? String == "price_question" && text(18).contains("Plan Premium"))
        // WhatsApp's service window: 23 h after the last message accepted, 25 h refused,
        // an approved template still goes out.
        #expect(turn(19)["recorded"] as? Bool == true)
        #expect(turn(20)["error"] as? String == "outside_service_window")
        #expect(turn(21)["recorded"] as? Bool == true)
        // Outside business hours the acknowledgement says when a person answers;
        // the idle timeout gives the conversation back.
        #expect(text(22).contains("mañana a las 09:00"))
        #expect(turn(23)["rule"] as? String == "human_active")
        #expect(turn(24)["rule"] as? String == "price_question" && text(24).contains("Agenda de Papel"))
        // Two messages not understood, then a person takes over.
        #expect(turn(25)["rule"] as? String == "fallback" && turn(26)["rule"] as? String == "fallback")
        #expect(turn(27)["rule"] as? String == "repeated_fallback" && turn(27)["action"] as? String == "Escalate")
        // Variants: "¿y en azul?" after the mug's price is the blue mug; its photo
        // is its own; the green one is out of stock.
        #expect(turn(29)["product"] as? String == "aurora-mug-blue" && text(29).contains("Taza Aurora Azul"))
        #expect(text(29).contains("259.00 MXN"))
        #expect(
            (turn(30)["media"] as? [String: Any])?["url"] as? String
                == "https://cdn.sellify.example/img/aurora-mug-blue.jpg")
        #expect(turn(31)["rule"] as? String == "out_of_stock" && text(31).contains("Taza Aurora Verde"))
        // Several products in one question, the operator's FAQ, a quantity of a variant.
        #expect(turn(32)["rule"] as? String == "price_multiple")
        #expect(text(32).contains("Libreta Punteada: 219.00 MXN") && text(32).contains("Taza Aurora: 259.00 MXN"))
        #expect(turn(33)["rule"] as? String == "faq_about_product" && text(33).contains("todo México"))
        #expect(turn(34)["rule"] as? String == "purchase_quantity" && text(34).contains("3 × Taza Aurora Azul"))
        for step in steps where step.json["language"] != nil {
            #expect(step.json["language"] as? String == "es", "\(step.line)")
        }
    }

    @Test func englishSale() throws {
        let steps = try Self.run("sales-en")
        func turn(_ n: Int) -> [String: Any] { Self.turn(steps, n) }
        func text(_ n: Int) -> String { turn(n)["text"] as? String ?? "" }
        #expect(turn(1)["rule"] as? String == "price_question" && text(1).contains("Premium Plan"))
        #expect(turn(2)["action"] as? String == "RespondVideo" && turn(2)["product"] as? String == "premium-plan")
        #expect(turn(3)["rule"] as? String == "purchase_intent" && turn(3)["product"] as? String == "premium-plan")
        #expect(turn(4)["handoff"] as? Bool == true && text(4).contains("A person from Demo Store"))
        #expect(turn(6)["rule"] as? String == "human_active")
        // Two hours after the agent's last message the assistant is back.
        #expect(turn(7)["rule"] as? String == "price_question" && text(7).contains("Aurora Mug"))
        #expect(turn(8)["rule"] as? String == "opt_out" && text(8).contains("START"))
        #expect(turn(9)["action"] as? String == "Ignore")
        #expect(turn(10)["rule"] as? String == "opt_in")
        #expect(turn(11)["product"] as? String == "dot-notebook" && text(11).contains("Dot Grid Notebook"))
        // Instagram: the assistant only within 24 h, a person within 7 days.
        #expect(turn(12)["error"] as? String == "outside_service_window")
        #expect(turn(13)["recorded"] as? Bool == true)
        #expect(turn(14)["error"] as? String == "outside_service_window")
        // An English product name alone reads as English; the photo follow-up uses it.
        #expect(turn(15)["language"] as? String == "en" && text(15).contains("Aurora Mug"))
        #expect(turn(16)["action"] as? String == "RespondImage" && turn(16)["product"] as? String == "aurora-mug")
        #expect(turn(17)["rule"] as? String == "acknowledgement")
        // Saturday afternoon: the next person is in on Monday.
        #expect(text(18).contains("Monday at 09:00"))
        // Variants, the FAQ, several products, a quantity — in English.
        #expect(turn(20)["product"] as? String == "aurora-mug-blue" && text(20).contains("Blue Aurora Mug"))
        #expect(
            (turn(21)["media"] as? [String: Any])?["url"] as? String
                == "https://cdn.sellify.example/img/aurora-mug-blue.jpg")
        #expect(turn(22)["rule"] as? String == "faq_about_product" && text(22).contains("outside Mexico"))
        #expect(turn(23)["rule"] as? String == "price_multiple" && text(23).contains("Canvas Tote Bag: 299.00 MXN"))
        #expect(turn(24)["rule"] as? String == "purchase_quantity" && text(24).contains("2 × Blue Aurora Mug"))
        for step in steps where step.json["language"] != nil {
            #expect(step.json["language"] as? String == "en", "\(step.line)")
        }
    }
}
