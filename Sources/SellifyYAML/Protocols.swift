/// A scalar type with its own validation, e.g. a positive integer, a duration "15s" or an
/// IANA time zone. `YAMLDecoder` calls `init?(yamlScalar:)` on the scalar text (after
/// `${VAR}` substitution) and reports `expected <expectation>, got "<text>"` when it returns nil.
public protocol YAMLScalarValue: Decodable {
    /// What a valid value looks like, with an article: "a positive integer".
    static var expectation: String { get }
    init?(yamlScalar: String)
}

extension YAMLScalarValue {
    /// Decodes from a string so the type also works with other decoders (e.g. `JSONDecoder`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(yamlScalar: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected \(Self.expectation), got \(quoted(text))")
        }
        self = value
    }
}

/// A type whose decoding can be continued with a stand-in value after an error, so that the
/// enclosing type keeps decoding and more errors of the same file are found. The placeholder
/// is never returned to the caller of `YAMLDecoder.decode`: that call throws when any error
/// was reported.
public protocol YAMLRecoverable {
    static var yamlPlaceholder: Self { get }
}

extension Array: YAMLRecoverable {
    public static var yamlPlaceholder: Self { [] }
}

extension Dictionary: YAMLRecoverable {
    public static var yamlPlaceholder: Self { [:] }
}

extension Optional: YAMLRecoverable {
    public static var yamlPlaceholder: Self { nil }
}

/// A keyed type that reads only some keys of its mapping on purpose: `YAMLDecoder` does not
/// report the other keys as unknown.
public protocol YAMLAllowsUnknownKeys {}

extension Decoder {
    /// The location of the node being decoded; `nil` for decoders other than `YAMLDecoder`.
    public var yamlLocation: SourceLocation? {
        (self as? YAMLNodeDecoder)?.node.location
    }

    /// The node being decoded; `nil` for decoders other than `YAMLDecoder`. Use it to decide
    /// between shapes (scalar or mapping) before asking for a container: with `YAMLDecoder`,
    /// a failed `try?` probe has already been reported as an error.
    public var yamlNode: YAMLNode? {
        (self as? YAMLNodeDecoder)?.node
    }
}
