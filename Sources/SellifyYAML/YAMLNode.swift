/// How a scalar was written in the source.
public enum ScalarStyle: Sendable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// One node of a parsed YAML document, with its 1-based source position.
public struct YAMLNode: Sendable {
    public enum Kind: Sendable {
        case scalar(String, style: ScalarStyle)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    public var kind: Kind
    public var location: SourceLocation
    /// The resolved tag (`!!str` is `tag:yaml.org,2002:str`), `nil` when untagged.
    public var tag: String?

    public init(kind: Kind, location: SourceLocation, tag: String? = nil) {
        self.kind = kind
        self.location = location
        self.tag = tag
    }

    static let strTag = "tag:yaml.org,2002:str"

    /// The text of a scalar node (after `${VAR}` substitution), `nil` for collections.
    public var scalar: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    /// YAML 1.2 core null: a plain, untagged `~`, `null`, `Null`, `NULL` or empty scalar.
    public var isNull: Bool {
        guard case .scalar(let text, .plain) = kind, tag == nil else { return false }
        switch text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// The items of a sequence node, `nil` otherwise.
    public var items: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// The pairs of a mapping node, `nil` otherwise.
    public var pairs: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// The value for a scalar key of a mapping node.
    public subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = kind else { return nil }
        return pairs.first(where: { $0.key.scalar == key })?.value
    }

    /// The item at `index` of a sequence node.
    public subscript(index: Int) -> YAMLNode? {
        guard case .sequence(let items) = kind, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// "a mapping", "a sequence", "a scalar" or "null" — for messages.
    public var kindDescription: String {
        switch kind {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .scalar: return isNull ? "null" : "a scalar"
        }
    }
}

extension YAMLNode: Decodable {
    /// With `YAMLDecoder`, a `YAMLNode` property receives the raw subtree (after `${VAR}`
    /// substitution, aliases and merge keys resolved) without any unknown-key checking.
    public init(from decoder: any Decoder) throws {
        guard let node = decoder.yamlNode else {
            throw DecodingError.typeMismatch(
                YAMLNode.self,
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: "YAMLNode can only be decoded by YAMLDecoder"))
        }
        self = node
    }
}
