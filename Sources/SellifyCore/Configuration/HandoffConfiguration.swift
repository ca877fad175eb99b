public import SellifyYAML

/// `conversation.handoff`: how a conversation passes to a person and back.
public struct HandoffConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// Without an agent message for this long, the assistant takes the
    /// conversation back by itself (0s: only `POST …/handback` does).
    public var idleTimeout = ConfigDuration(milliseconds: 2 * 3_600_000)
    /// Intents whose answer also hands the conversation to a person (an order:
    /// `purchase_intent`), after the answer is sent.
    public var afterIntents: [IntentName] = []
    /// Tell the customer a person will answer (the `handoff` template, or
    /// `handoff_closed` outside business hours), within the quotas.
    public var acknowledge = true

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey {
        case idleTimeout = "idle_timeout", afterIntents = "after_intents", acknowledge
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        idleTimeout = try c.decode(.idleTimeout, default: idleTimeout)
        afterIntents = try c.decode(.afterIntents, default: afterIntents)
        acknowledge = try c.decode(.acknowledge, default: acknowledge)
    }
}
