/// A minimal JSON writer whose objects always list keys in byte order, so
/// the same value is the same bytes everywhere (Foundation's JSONEncoder on
/// Linux needs `.sortedKeys` and is far slower than a decision).
public enum JSONFragment: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case raw(String)
    case array([JSONFragment])
    case object(JSONObjectWriter)

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .string(let s): Self.writeString(s, to: &out)
        case .raw(let r): out += r
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let object): object.write(to: &out)
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        // Fast path: nothing to escape (no control characters, quotes,
        // backslashes, or U+2028/2029, whose UTF-8 starts with 0xE2).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// An object under construction; written with keys sorted.
public struct JSONObjectWriter: Sendable, Equatable {
    private var fields: [(String, JSONFragment)] = []
    public init() {}

    public subscript(key: String) -> JSONFragment? {
        get { fields.first { $0.0 == key }?.1 }
        set {
            fields.removeAll { $0.0 == key }
            if let newValue { fields.append((key, newValue)) }
        }
    }

    func write(to out: inout String) {
        out += "{"
        // Byte order of the UTF-8 keys (what `.sortedKeys` gives for ASCII keys).
        for (i, (key, value)) in fields.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }).enumerated() {
            if i > 0 { out += "," }
            JSONFragment.writeString(key, to: &out)
            out += ":"
            value.write(to: &out)
        }
        out += "}"
    }

    public var string: String {
        var out = ""
        write(to: &out)
        return out
    }

    public static func == (a: Self, b: Self) -> Bool { a.string == b.string }
}

extension Decision {
    /// The decision as sorted-key JSON bytes. `trace` only when asked.
    public func jsonBytes(includeTrace: Bool = false) -> [UInt8] {
        Array(jsonObject(includeTrace: includeTrace).string.utf8)
    }

    public func jsonObject(includeTrace: Bool) -> JSONObjectWriter {
        var o = JSONObjectWriter()
        o["decision_id"] = .string(decisionID)
        o["conversation_id"] = .string(conversationID)
        o["message_id"] = .string(messageID)
        o["decided_at"] = .string(decidedAt.description)
        o["action"] = .string(action.rawValue)
        o["rule"] = .string(rule)
        o["reason"] = .string(reason)
        if let text { o["text"] = .string(text) }
        if let media {
            var m = JSONObjectWriter()
            m["kind"] = .string(media.kind.rawValue)
            m["url"] = .string(media.url)
            o["media"] = .object(m)
        }
        if let product { o["product"] = .string(product) }
        if let language { o["language"] = .string(language) }
        if let intent { o["intent"] = .string(intent) }
        var c = JSONObjectWriter()
        c["state"] = .string(conversation.state)
        c["previous_state"] = .string(conversation.previousState)
        o["conversation"] = .object(c)
        var q = JSONObjectWriter()
        for (name, status) in quota {
            var s = JSONObjectWriter()
            s["used"] = .int(status.used)
            s["limit"] = .int(status.limit)
            q[name] = .object(s)
        }
        o["quota"] = .object(q)
        o["rules_version"] = .string(rulesVersion)
        if fallback == true { o["fallback"] = .bool(true) }
        if let deferredUntil { o["deferred_until"] = .string(deferredUntil.description) }
        if let merged { o["merged_message_ids"] = .array(merged.map { .string($0) }) }
        if handoff == true { o["handoff"] = .bool(true) }
        if includeTrace, let trace {
            o["trace"] = .array(
                trace.map { entry in
                    var t = JSONObjectWriter()
                    t["stage"] = .string(entry.stage)
                    t["outcome"] = .string(entry.outcome)
                    t["micros"] = .int(entry.micros)
                    return .object(t)
                })
        }
        return o
    }
}
