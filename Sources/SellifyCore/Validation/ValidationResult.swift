/// One problem the validator found in a text.
public struct Violation: Sendable, Equatable, Codable {
    /// Stable, snake_case: `forbidden_word`, `forbidden_pattern`,
    /// `price_mismatch`, `price_without_currency`, `unknown_product`,
    /// `discount_too_high`, `url_not_allowed`, `phone_not_allowed`, `too_long`,
    /// or a code returned by the rules' `check(text, ctx)`.
    public var code: String
    /// A sentence for people (logs, audit, `sellify validate`).
    public var message: String
    /// `block` (the text must not be sent) or `warn` (sent, counted and logged).
    public var severity: String
    /// Character (grapheme) offsets in the text as written, end exclusive.
    public var start: Int
    public var end: Int

    public static let block = "block"
    public static let warn = "warn"

    public init(code: String, message: String, severity: String = Violation.block, start: Int, end: Int) {
        self.code = code
        self.message = message
        self.severity = severity
        self.start = start
        self.end = end
    }

    enum CodingKeys: String, CodingKey { case code, message, severity, start, end }
}

/// The validator's verdict: `valid` unless some violation has severity `block`.
public struct ValidationResult: Sendable, Equatable, Codable {
    public var valid: Bool
    /// Sorted by (start, end, code), then message.
    public var violations: [Violation]

    public init(valid: Bool, violations: [Violation]) {
        self.valid = valid
        self.violations = violations
    }

    /// Sorts `violations` and derives `valid` from them.
    public init(violations: [Violation]) {
        self.violations = violations.sorted {
            ($0.start, $0.end, $0.code, $0.message, $0.severity) < ($1.start, $1.end, $1.code, $1.message, $1.severity)
        }
        self.valid = !violations.contains { $0.severity == Violation.block }
    }

    enum CodingKeys: String, CodingKey { case valid, violations }
}

extension ValidationResult {
    /// `{"valid":…,"violations":[{"code","end","message","severity","start"}]}` with sorted keys.
    public var jsonObject: JSONObjectWriter {
        var o = JSONObjectWriter()
        o["valid"] = .bool(valid)
        o["violations"] = .array(
            violations.map { v in
                var item = JSONObjectWriter()
                item["code"] = .string(v.code)
                item["message"] = .string(v.message)
                item["severity"] = .string(v.severity)
                item["start"] = .int(v.start)
                item["end"] = .int(v.end)
                return .object(item)
            })
        return o
    }
}
