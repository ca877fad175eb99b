public import SellifyYAML

/// One `rules/tests/*.yaml` file: cases that pin down what the rules decide
/// (an event, optional starting state, the expected action/rule/state) or
/// what the validator says about a text.
public struct RuleTestFile: Sendable, Decodable {
    public struct Given: Sendable, Decodable, YAMLRecoverable {
        /// Conversation state before the message (default: the initial state).
        public var state: String?
        public var optedOut: Bool?
        /// Quota usage in the windows of `at` (default: the message time).
        public var quota: [String: Int]
        public var at: Timestamp?
        /// When the last reply was sent (for cooldown cases).
        public var lastReply: Timestamp?
        /// Replies sent in the hour before the message.
        public var repliesLastHour: Int?
        /// What the conversation remembers: products talked about before
        /// (catalog ids, most recent first), its language, the last intent,
        /// fallbacks in a row, and whether a person has it (`human_active`).
        public var products: [String]
        public var language: String?
        public var lastIntent: String?
        public var fallbacks: Int?
        public var humanActive: Bool?
        public var location: SourceLocation?

        public static var yamlPlaceholder: Self { Self() }
        init() {
            quota = [:]
            products = []
        }
        enum CodingKeys: String, CodingKey {
            case state, optedOut = "opted_out", quota, at, lastReply = "last_reply", repliesLastHour =
                "replies_last_hour"
            case products, language, lastIntent = "last_intent", fallbacks, humanActive = "human_active"
        }
        public init(from decoder: any Decoder) throws {
            location = decoder.yamlLocation
            let c = try decoder.container(keyedBy: CodingKeys.self)
            state = try c.decodeIfPresent(String.self, forKey: .state)
            optedOut = try c.decodeIfPresent(Bool.self, forKey: .optedOut)
            quota = try c.decode(.quota, default: [:])
            at = try c.decodeIfPresent(Timestamp.self, forKey: .at)
            lastReply = try c.decodeIfPresent(Timestamp.self, forKey: .lastReply)
            repliesLastHour = try c.decodeIfPresent(NonNegativeInt.self, forKey: .repliesLastHour)?.value
            products = try c.decode(.products, default: [])
            language = try c.decodeIfPresent(LanguageCode.self, forKey: .language)?.code
            lastIntent = try c.decodeIfPresent(IntentName.self, forKey: .lastIntent)?.rawValue
            fallbacks = try c.decodeIfPresent(NonNegativeInt.self, forKey: .fallbacks)?.value
            humanActive = try c.decodeIfPresent(Bool.self, forKey: .humanActive)
        }
    }

    public struct Expect: Sendable, Decodable, YAMLRecoverable {
        public var action: Action?
        public var rule: String?
        public var state: String?
        public var intent: String?
        public var language: String?
        public var product: String?
        public var textContains: [String]
        public var valid: Bool?
        public var codes: [String]?

        public static var yamlPlaceholder: Self { Self() }
        init() { textContains = [] }
        enum CodingKeys: String, CodingKey {
            case action, rule, state, intent, language, product, textContains = "text_contains", valid, codes
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            action = try c.decodeIfPresent(Action.self, forKey: .action)
            rule = try c.decodeIfPresent(String.self, forKey: .rule)
            state = try c.decodeIfPresent(String.self, forKey: .state)
            intent = try c.decodeIfPresent(String.self, forKey: .intent)
            language = try c.decodeIfPresent(String.self, forKey: .language)
            product = try c.decodeIfPresent(String.self, forKey: .product)
            textContains = try c.decode(.textContains, default: [])
            valid = try c.decodeIfPresent(Bool.self, forKey: .valid)
            codes = try c.decodeIfPresent([String].self, forKey: .codes)
        }
    }

    public struct Case: Sendable, Decodable, YAMLRecoverable {
        public var name: String
        /// A decision case: the customer's message…
        public var message: String?
        public var type: MessageType?
        /// The decision's time, the server's clock (`at:`); windows and cooldowns follow it.
        public var at: Timestamp?
        /// The connector's claimed time (`received_at:`), given to the rules.
        public var receivedAt: Timestamp?
        public var conversationID: String?
        public var given: Given?
        /// …or a validation case: the text to validate, with products in context.
        public var validate: String?
        public var products: [String]
        public var expect: Expect
        public var location: SourceLocation?

        public static var yamlPlaceholder: Self { Self(name: "", products: [], expect: .yamlPlaceholder) }
        init(name: String, products: [String], expect: Expect) {
            self.name = name
            self.products = products
            self.expect = expect
        }
        enum CodingKeys: String, CodingKey {
            case name, message, type, at, receivedAt = "received_at", conversationID = "conversation_id", given,
                validate
            case products, expect
        }
        public init(from decoder: any Decoder) throws {
            location = decoder.yamlLocation
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            message = try c.decodeIfPresent(String.self, forKey: .message)
            type = try c.decodeIfPresent(MessageTypeName.self, forKey: .type)?.type
            at = try c.decodeIfPresent(Timestamp.self, forKey: .at)
            receivedAt = try c.decodeIfPresent(Timestamp.self, forKey: .receivedAt)
            conversationID = try c.decodeIfPresent(String.self, forKey: .conversationID)
            given = try c.decodeIfPresent(Given.self, forKey: .given)
            validate = try c.decodeIfPresent(String.self, forKey: .validate)
            products = try c.decode(.products, default: [])
            expect = try c.decode(Expect.self, forKey: .expect)
        }
    }

    public var cases: [Case]
    enum CodingKeys: String, CodingKey { case cases }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cases = try c.decode([Case].self, forKey: .cases)
    }
}

/// A message type as written in a test file.
struct MessageTypeName: YAMLScalarValue {
    var type: MessageType
    static let expectation = "a message type (" + MessageType.allCases.map(\.rawValue).joined(separator: ", ") + ")"
    init?(yamlScalar text: String) {
        guard let type = MessageType(rawValue: text) else { return nil }
        self.type = type
    }
}

extension Timestamp: YAMLScalarValue {
    public static let expectation = "an RFC 3339 timestamp such as 2026-11-29T20:15:00Z"
    public init?(yamlScalar text: String) { self.init(rfc3339: text) }
}
