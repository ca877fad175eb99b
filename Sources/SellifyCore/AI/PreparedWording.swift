import Crypto
public import SellifyLua

/// What a decision waits for from the generative providers: the prompt, and
/// what its text is checked against (the products in context, the rules'
/// context for `check()`), for one rule, template, product and language.
public struct WordingNeed: Sendable {
    public var rule: String
    public var template: String
    public var product: String?
    public var language: String
    public var prompt: ChatPrompt
    public var products: [Product]
    public var context: LuaValue?
}

/// The AI wording of a decision, prepared after a first decision deferred
/// for it (the model is asked outside the serial section, so a slow
/// provider delays only its own conversation): what the gateway gave for one rule,
/// template, product and language. The decision records it as an input —
/// the text, or that it fell back, with every attempt audited — and uses it
/// only when it decides the same way again; otherwise the template answers.
public struct PreparedWording: Sendable, Equatable {
    public var rule: String
    public var template: String
    public var product: String?
    public var language: String
    /// The text that passed validation, or nil: the fallback answers.
    public var text: String?
    public var provider: String?
    public var fallback: AIGeneration.Fallback?
    public var attempts: [GenerationAttempt]
    /// SHA-256 (hex) of the prompt's messages: which facts the model saw.
    public var promptDigest: String

    public init(
        rule: String, template: String, product: String?, language: String, generation: AIGeneration,
        prompt: ChatPrompt
    ) {
        self.rule = rule
        self.template = template
        self.product = product
        self.language = language
        text = generation.text
        provider = generation.provider
        fallback = generation.fallback
        attempts = generation.attempts
        var hasher = SHA256()
        for message in prompt.messages {
            hasher.update(data: Array("\(message.role.rawValue)\n\(message.content)\n".utf8))
        }
        promptDigest = hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Whether it was prepared for what `verdict` decided.
    func matches(_ verdict: DecisionRequest.Verdict, language: String) -> Bool {
        verdict.rule == rule && verdict.template == template && verdict.product?.id == product
            && self.language == language
    }

    /// The audit record of the generation (texts sealed with the customer's).
    func auditEntry(event: MessageEvent, at: Timestamp, used: Bool) -> AuditEntry {
        auditEntry(conversationID: event.conversationID, messageID: event.messageID, at: at, used: used)
    }

    /// The same for a generation outside a decision (`POST /api/v1/generate`, `by` the caller).
    func auditEntry(
        conversationID: String?, messageID: String?, at: Timestamp, used: Bool, by caller: String? = nil
    ) -> AuditEntry {
        var summary = JSONObjectWriter()
        if !rule.isEmpty { summary["rule"] = .string(rule) }
        if let caller { summary["by"] = .string(caller) }
        summary["template"] = .string(template)
        summary["language"] = .string(language)
        if let product { summary["product"] = .string(product) }
        summary["prompt_digest"] = .string(promptDigest)
        summary["used"] = .bool(used)
        if let provider { summary["provider"] = .string(provider) }
        if let fallback { summary["fallback"] = .string(fallback.rawValue) }
        var list: [JSONFragment] = []
        var texts: [JSONFragment] = []
        for attempt in attempts {
            var o = JSONObjectWriter()
            o["provider"] = .string(attempt.provider)
            o["model"] = .string(attempt.model)
            o["status"] = .string(attempt.status)
            o["latency_us"] = .int(Int(attempt.latencyMicros))
            if let tokens = attempt.promptTokens { o["prompt_tokens"] = .int(tokens) }
            if let tokens = attempt.completionTokens { o["completion_tokens"] = .int(tokens) }
            if let error = attempt.error { o["error"] = .string(error) }
            o["violations"] = .array(attempt.violations.map { JSONFragment.string($0.code) })
            list.append(.object(o))
            texts.append(attempt.text.map { .string($0) } ?? .null)
        }
        summary["attempts"] = .array(list)
        var sensitive = JSONObjectWriter()
        sensitive["texts"] = .array(texts)
        return AuditEntry(
            kind: "generation", at: at, conversationID: conversationID, messageID: messageID,
            summary: summary.string, sensitive: sensitive.string)
    }

    /// The wording a `generation` audit record describes (`summary`, and its
    /// opened sealed part: the texts), as it was prepared: what `sellify
    /// replay` gives the decision instead of asking a provider again. Nil
    /// when the record is not a generation of a decision.
    public init?(recordedSummary summary: String, sensitive: String?) {
        guard case .object(let fields)? = try? JSONValue.parse(Array(summary.utf8)),
            case .string(let rule)? = fields["rule"], case .string(let template)? = fields["template"],
            case .string(let language)? = fields["language"], case .string(let digest)? = fields["prompt_digest"],
            case .array(let list)? = fields["attempts"]
        else { return nil }
        var texts: [JSONValue] = []
        if let sensitive, case .object(let sealed)? = try? JSONValue.parse(Array(sensitive.utf8)),
            case .array(let values)? = sealed["texts"]
        {
            texts = values
        }
        func string(_ value: JSONValue?) -> String? {
            if case .string(let text)? = value { return text }
            return nil
        }
        func int(_ value: JSONValue?) -> Int? {
            if case .number(let number)? = value { return Int(number) }
            return nil
        }
        self.rule = rule
        self.template = template
        self.language = language
        product = string(fields["product"])
        provider = string(fields["provider"])
        fallback = string(fields["fallback"]).flatMap(AIGeneration.Fallback.init(rawValue:))
        promptDigest = digest
        attempts = list.enumerated().map { index, value in
            var o: [String: JSONValue] = [:]
            if case .object(let object) = value { o = object }
            var codes: [JSONValue] = []
            if case .array(let list)? = o["violations"] { codes = list }
            return GenerationAttempt(
                provider: string(o["provider"]) ?? "", model: string(o["model"]) ?? "",
                status: string(o["status"]) ?? "", latencyMicros: Int64(int(o["latency_us"]) ?? 0),
                promptTokens: int(o["prompt_tokens"]), completionTokens: int(o["completion_tokens"]),
                text: index < texts.count ? string(texts[index]) : nil,
                violations: codes.compactMap { string($0) }.map {
                    Violation(code: $0, message: $0, start: 0, end: 0)
                },
                error: string(o["error"]))
        }
        // The text that passed is the last attempt's (a generation ends on it).
        text = fallback == nil ? attempts.last?.text : nil
        if fallback == nil && text == nil { return nil }
    }
}
