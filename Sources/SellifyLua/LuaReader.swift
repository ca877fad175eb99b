internal import CLua

/// A read-only view of a value on the Lua stack, valid only inside the
/// closure that received it (the value is popped afterwards).
public struct LuaReader {
    let L: OpaquePointer
    let index: Int32

    /// The maximum table nesting `value()` converts; deeper tables are an error
    /// (a rule returning a self-referencing table must not hang the host).
    public static let maxDepth = 32

    /// The Lua type name: "nil", "boolean", "number", "string", "table", "function"…
    public var typeName: String { String(cString: lua_typename(L, lua_type(L, index))) }
    public var isTable: Bool { lua_type(L, index) == LUA_TTABLE }
    public var isNil: Bool { lua_type(L, index) <= LUA_TNIL }

    // Results are read after the protected call has returned, with no budget
    // armed: every read is raw (`lua_rawget`, `lua_rawgeti`, `lua_next`), so no
    // metamethod of a returned table (`__index`, `__pairs`, `__len`…) ever runs here.

    /// Pushes `table[key]` without metamethods; returns its type.
    private func rawField(_ key: UnsafePointer<CChar>, length: Int) -> Int32 {
        let table = lua_absindex(L, index)
        guard lua_checkstack(L, 2) != 0 else {
            lua_pushnil(L)  // never happens short of running out of memory; reads as absent
            return LUA_TNIL
        }
        _ = lua_pushlstring(L, key, length)
        return lua_rawget(L, table)
    }

    /// The field `key` of a table result converted to a plain value (nil when
    /// this is not a table or the field is absent).
    public func field(_ key: String) throws(LuaError) -> LuaValue {
        guard isTable else { return .nil }
        _ = key.withCString { rawField($0, length: key.utf8.count) }
        defer { sellify_lua_pop(L, 1) }
        return try Self.convert(L, lua_gettop(L), depth: 0)
    }

    /// The field `key` of a table result; a literal key is passed to Lua
    /// without allocating a C string.
    public func field(staticKey key: StaticString) throws(LuaError) -> LuaValue {
        guard isTable else { return .nil }
        let type = key.utf8Start.withMemoryRebound(to: CChar.self, capacity: key.utf8CodeUnitCount + 1) {
            rawField($0, length: key.utf8CodeUnitCount)
        }
        defer { sellify_lua_pop(L, 1) }
        if type == LUA_TNIL { return .nil }
        return try Self.convert(L, lua_gettop(L), depth: 0)
    }

    /// Whether a table result has a non-nil field `key` (no conversion).
    public func has(_ key: String) -> Bool {
        guard isTable else { return false }
        defer { sellify_lua_pop(L, 1) }
        return key.withCString { rawField($0, length: key.utf8.count) } != LUA_TNIL
    }

    /// The string keys of a table result, sorted; non-string keys are
    /// described as `[1]`, `[true]`… so an error can name them.
    public func keys() -> [String] {
        guard isTable, lua_checkstack(L, 3) != 0 else { return [] }
        var keys: [String] = []
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            if lua_type(L, -2) == LUA_TSTRING, let key = sellify_lua_tostring(L, -2) {
                keys.append(String(cString: key))
            } else {
                keys.append("[\(Self.describe(L, -2))]")
            }
            sellify_lua_pop(L, 1)
        }
        return keys.sorted()
    }

    /// Counts the keys of a table result without materializing them.
    public func keyCount() -> Int {
        guard isTable, lua_checkstack(L, 3) != 0 else { return 0 }
        var count = 0
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            count += 1
            sellify_lua_pop(L, 1)
        }
        return count
    }

    /// The whole value converted (functions and userdata become `.nil`).
    public func value() throws(LuaError) -> LuaValue {
        try Self.convert(L, index, depth: 0)
    }

    static func convert(_ L: OpaquePointer, _ index: Int32, depth: Int) throws(LuaError) -> LuaValue {
        // Each level pushes a key and a value (and a field read one more): make
        // room first, or a deep result would write past the end of the Lua stack.
        guard lua_checkstack(L, 4) != 0 else {
            throw LuaError(kind: .memoryLimit, message: "no room on the Lua stack to read the result")
        }
        switch lua_type(L, index) {
        case LUA_TBOOLEAN:
            return .bool(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if sellify_lua_isinteger(L, index) != 0 { return .integer(Int(sellify_lua_tointeger(L, index))) }
            return .number(sellify_lua_tonumber(L, index))
        case LUA_TSTRING:
            var length = 0
            guard let pointer = lua_tolstring(L, index, &length) else { return .nil }
            return .string(
                pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                })
        case LUA_TTABLE:
            guard depth < maxDepth else {
                throw LuaError(kind: .contract, message: "table nested deeper than \(maxDepth) levels")
            }
            let absolute = lua_absindex(L, index)
            let length = Int(lua_rawlen(L, absolute))
            var table = LuaTable()
            table.array.reserveCapacity(length)
            for i in 0..<length {
                lua_rawgeti(L, absolute, lua_Integer(i + 1))
                defer { sellify_lua_pop(L, 1) }
                table.array.append(try convert(L, -1, depth: depth + 1))
            }
            lua_pushnil(L)
            while lua_next(L, absolute) != 0 {
                defer { sellify_lua_pop(L, 1) }
                if lua_type(L, -2) == LUA_TNUMBER, sellify_lua_isinteger(L, -2) != 0 {
                    let key = sellify_lua_tointeger(L, -2)
                    if key >= 1 && key <= length { continue }
                }
                let key: String
                if lua_type(L, -2) == LUA_TSTRING, let s = sellify_lua_tostring(L, -2) {
                    key = String(cString: s)
                } else {
                    key = "[\(describe(L, -2))]"
                }
                do {
                    table.fields.append(.init(key: key, value: try convert(L, -1, depth: depth + 1)))
                } catch {
                    sellify_lua_pop(L, 1)  // the key, so the defer leaves the stack balanced
                    throw error
                }
            }
            // `pairs` order is not stable across states: sort for determinism.
            table.fields.sort { $0.key < $1.key }
            return .table(table)
        default:
            return .nil
        }
    }

    static func describe(_ L: OpaquePointer, _ index: Int32) -> String {
        switch lua_type(L, index) {
        case LUA_TNUMBER, LUA_TSTRING:
            lua_pushvalue(L, index)
            defer { sellify_lua_pop(L, 1) }
            return sellify_lua_tostring(L, -1).map { String(cString: $0) } ?? "?"
        case LUA_TBOOLEAN:
            return lua_toboolean(L, index) != 0 ? "true" : "false"
        default:
            return String(cString: lua_typename(L, lua_type(L, index)))
        }
    }
}
