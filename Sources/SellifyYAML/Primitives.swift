enum PrimitiveParse<T> {
    case value(T)
    case invalid(hint: String?)
    case outOfRange
}

/// The scalar types that every `Decoder` container must decode directly.
protocol YAMLPrimitive: Decodable {
    static var yamlExpectation: String { get }
    static var yamlNeutral: Self { get }
    static func yamlParse(_ text: String) -> PrimitiveParse<Self>
}

extension String: YAMLPrimitive {
    static var yamlExpectation: String { "a string" }
    static var yamlNeutral: String { "" }
    static func yamlParse(_ text: String) -> PrimitiveParse<String> { .value(text) }
}

extension Bool: YAMLPrimitive {
    static var yamlExpectation: String { "a boolean" }
    static var yamlNeutral: Bool { false }
    static func yamlParse(_ text: String) -> PrimitiveParse<Bool> {
        switch text {
        case "true": return .value(true)
        case "false": return .value(false)
        default: return .invalid(hint: "write true or false")
        }
    }
}

extension YAMLPrimitive where Self: FixedWidthInteger {
    static var yamlExpectation: String { Self.isSigned ? "an integer" : "a non-negative integer" }
    static var yamlNeutral: Self { 0 }
    static func yamlParse(_ text: String) -> PrimitiveParse<Self> {
        let utf8 = text.utf8
        var rest = utf8[...]
        let negative = rest.first == UInt8(ascii: "-")
        if negative { rest = rest.dropFirst() }
        guard !rest.isEmpty, rest.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .invalid(hint: nil)
        }
        if let value = Self(text, radix: 10) { return .value(value) }
        if negative && !Self.isSigned { return .invalid(hint: nil) }
        return .outOfRange
    }
}

extension Int: YAMLPrimitive {}
extension Int8: YAMLPrimitive {}
extension Int16: YAMLPrimitive {}
extension Int32: YAMLPrimitive {}
extension Int64: YAMLPrimitive {}
extension UInt: YAMLPrimitive {}
extension UInt8: YAMLPrimitive {}
extension UInt16: YAMLPrimitive {}
extension UInt32: YAMLPrimitive {}
extension UInt64: YAMLPrimitive {}

/// `-?(digits(.digits*)?|.digits)([eE][+-]?digits)?` — no `+`, `.inf`, `.nan`, hex.
func isDecimalNumber(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    var i = 0
    func digits() -> Int {
        let start = i
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
        return i - start
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
    var mantissa = digits()
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
        i += 1
        mantissa += digits()
    }
    guard mantissa > 0 else { return false }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
        i += 1
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard digits() > 0 else { return false }
    }
    return i == bytes.count
}

extension Double: YAMLPrimitive {
    static var yamlExpectation: String { "a number" }
    static var yamlNeutral: Double { 0 }
    static func yamlParse(_ text: String) -> PrimitiveParse<Double> {
        guard isDecimalNumber(text), let value = Double(text) else { return .invalid(hint: nil) }
        return value.isFinite ? .value(value) : .outOfRange
    }
}

extension Float: YAMLPrimitive {
    static var yamlExpectation: String { "a number" }
    static var yamlNeutral: Float { 0 }
    static func yamlParse(_ text: String) -> PrimitiveParse<Float> {
        guard isDecimalNumber(text), let value = Float(text) else { return .invalid(hint: nil) }
        return value.isFinite ? .value(value) : .outOfRange
    }
}

/// `"text"` with quotes and control characters escaped, long values shortened — for messages.
func quoted(_ text: String) -> String {
    var out = "\""
    var count = 0
    for scalar in text.unicodeScalars {
        count += 1
        if count > 80 {
            out += "…"
            break
        }
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
