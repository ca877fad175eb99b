/// A plain value that crosses the Swift ↔ Lua boundary. Tables are either an
/// array part, named fields, or both; field order is kept as given, so what
/// the host builds is deterministic.
public enum LuaValue: Sendable, Equatable, Hashable {
    case `nil`
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case table(LuaTable)

    public static func array(_ items: [LuaValue]) -> LuaValue { .table(LuaTable(array: items)) }
    public static func fields(_ fields: KeyValuePairs<String, LuaValue>) -> LuaValue {
        .table(LuaTable(fields: fields.map { LuaTable.Field(key: $0.key, value: $0.value) }))
    }

    public var isNil: Bool {
        if case .nil = self { return true }
        return false
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    public var tableValue: LuaTable? {
        if case .table(let t) = self { return t }
        return nil
    }
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }
    public var intValue: Int? {
        switch self {
        case .integer(let i): i
        case .number(let d) where d.rounded() == d && abs(d) < 9.0e15: Int(d)
        default: nil
        }
    }

    /// The Lua type name, for error messages.
    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .bool: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .table: "table"
        }
    }
}

public struct LuaTable: Sendable, Equatable, Hashable {
    public struct Field: Sendable, Equatable, Hashable {
        public var key: String
        public var value: LuaValue
        public init(key: String, value: LuaValue) {
            self.key = key
            self.value = value
        }
    }

    public var array: [LuaValue]
    public var fields: [Field]

    public init(array: [LuaValue] = [], fields: [Field] = []) {
        self.array = array
        self.fields = fields
    }

    public subscript(key: String) -> LuaValue {
        fields.first { $0.key == key }?.value ?? .nil
    }
}

extension LuaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(nilLiteral: ()) { self = .nil }
}
