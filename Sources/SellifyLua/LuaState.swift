internal import CLua
internal import CLuaSandbox

/// One sandboxed Lua state. Not thread-safe: use it from one thread at a time
/// (`LuaStatePool` hands out states exclusively).
///
/// Swift calls into Lua only through protected calls; every Lua error is
/// raised and caught in C frames and arrives here as a `LuaError`.
public final class LuaState: @unchecked Sendable {
    let L: OpaquePointer
    public let limits: LuaLimits
    private let hostReference: Int32
    private let logsReference: Int32
    private let metricsReference: Int32
    /// Loaded file id → chunk name, for errors about a file's globals.
    private var chunkNames: [String: String] = [:]
    /// Lua cuts chunk names in messages to 60 bytes; long names are loaded
    /// under a short alias and errors are rewritten to the full name.
    private var aliases: [String: String] = [:]

    private func luaChunkName(_ chunkName: String) -> String {
        guard chunkName.utf8.count > 50 else { return chunkName }
        let components = chunkName.split(separator: "/")
        var alias = "…/" + components.suffix(2).joined(separator: "/")
        while let existing = aliases[alias], existing != chunkName { alias = "…" + alias }
        aliases[alias] = chunkName
        return alias
    }

    private func fullName(_ error: LuaError) -> LuaError {
        guard !aliases.isEmpty else { return error }
        var error = error
        if let file = error.file, let full = aliases[file] { error.file = full }
        // The sandbox's "(called from <chunk>:<line>)" names the caller by its alias too.
        for (alias, full) in aliases where error.message.contains("(called from \(alias):") {
            error.message = error.message.replacing("(called from \(alias):", with: "(called from \(full):")
        }
        return error
    }

    /// A function defined by a loaded rule file, kept in the registry.
    public struct Function: Sendable, Hashable {
        let reference: Int32
        public let file: String
        public let name: String
    }

    /// What a rule call asked the host to do besides returning its result.
    public struct SideEffects: Sendable, Equatable {
        public struct LogLine: Sendable, Equatable {
            public var level: String
            public var message: String
            public init(level: String, message: String) {
                self.level = level
                self.message = message
            }
        }
        public struct MetricIncrement: Sendable, Equatable {
            public var name: String
            /// Sorted by label name.
            public var labels: [(String, String)]
            public init(name: String, labels: [(String, String)]) {
                self.name = name
                self.labels = labels
            }
            public static func == (a: Self, b: Self) -> Bool {
                a.name == b.name && a.labels.elementsEqual(b.labels) { $0 == $1 }
            }
        }
        public var logs: [LogLine] = []
        public var metrics: [MetricIncrement] = []
        public init() {}
        public var isEmpty: Bool { logs.isEmpty && metrics.isEmpty }
    }

    public init(limits: LuaLimits = LuaLimits()) throws(LuaError) {
        guard let L = sellify_sandbox_new(limits.memoryLimitBytes > 0 ? limits.memoryLimitBytes : 0) else {
            throw LuaError(kind: .memoryLimit, message: "cannot create a Lua state: out of memory")
        }
        self.L = L
        self.limits = limits
        sellify_sandbox_set_instruction_budget(L, Int64(limits.instructionBudget), Int32(limits.hookGranularity))
        sellify_sandbox_set_pattern_budget(L, limits.patternStepBudget)
        sellify_sandbox_set_deadline(L, Int64(limits.deadlineMilliseconds) * 1_000_000)

        // The prelude is trusted host code: run it with an unlimited budget.
        sellify_sandbox_set_instruction_budget(L, 0, 0)
        sellify_sandbox_set_deadline(L, 0)
        let prelude = Self.prelude
        let status = prelude.withCString { sellify_sandbox_load(L, $0, prelude.utf8.count, "=sellify-prelude") }
        guard status == LUA_OK else {
            let message = Self.popMessage(L)
            sellify_sandbox_close(L)
            throw LuaError(kind: .syntax, message: "sandbox prelude: \(message)")
        }
        sellify_lua_pushcfunction(L, sellify_contains_any)
        guard sellify_sandbox_pcall(L, 1, 3) == LUA_OK else {
            let message = Self.popMessage(L)
            sellify_sandbox_close(L)
            throw LuaError(kind: .runtime, message: "sandbox prelude: \(message)")
        }
        let registry = sellify_lua_registryindex()
        metricsReference = luaL_ref(L, registry)
        logsReference = luaL_ref(L, registry)
        hostReference = luaL_ref(L, registry)
        sellify_sandbox_set_instruction_budget(L, Int64(limits.instructionBudget), Int32(limits.hookGranularity))
        sellify_sandbox_set_deadline(L, Int64(limits.deadlineMilliseconds) * 1_000_000)
    }

    deinit {
        sellify_sandbox_close(L)
    }

    /// Bytes the state holds now.
    public var memoryUsed: Int { sellify_sandbox_memory_used(L) }

    // MARK: - Coverage

    /// Records which lines of the loaded file `chunkName` run from now on.
    public func enableCoverage(chunkName: String, lines: Int) {
        let source = "@" + luaChunkName(chunkName)
        _ = sellify_sandbox_set_coverage(L, source, Int32(lines))
    }

    /// Stops recording lines (and the line hook that records them).
    public func disableCoverage() {
        _ = sellify_sandbox_set_coverage(L, nil, 0)
    }

    public func coveredLines(upTo lines: Int) -> Set<Int> {
        Set((1...max(1, lines)).filter { sellify_sandbox_line_covered(L, Int32($0)) != 0 })
    }

    /// The lines of `function` that hold code, sorted.
    public func activeLines(of function: Function) -> [Int] {
        var buffer = [Int32](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBufferPointer {
            sellify_sandbox_function_lines(L, function.reference, $0.baseAddress, Int32($0.count))
        }
        return buffer.prefix(Int(count)).map(Int.init).sorted()
    }

    // MARK: - Loading

    /// Makes `rules/lib/<name>.lua` available to `require(name)`.
    /// The source is compiled now (a syntax error is thrown even if no rule
    /// ever requires the module).
    public func addLibrary(name: String, source: String, chunkName: String) throws(LuaError) {
        try callHost("add_library", [.string(name), .string(source), .string(luaChunkName(chunkName))], results: 1)
        defer { sellify_lua_pop(L, 1) }
        if let syntaxError = string(at: -1) {
            throw fullName(LuaError(kind: .syntax, luaMessage: syntaxError))
        }
    }

    /// A function of the trusted host table built by the prelude (e.g.
    /// `find_all`), which captured the library functions before any rule ran.
    public func hostFunction(_ name: String) throws(LuaError) -> Function {
        let registry = sellify_lua_registryindex()
        lua_rawgeti(L, registry, lua_Integer(hostReference))
        lua_getfield(L, -1, name)
        sellify_lua_remove(L, -2)
        guard lua_type(L, -1) == LUA_TFUNCTION else {
            sellify_lua_pop(L, 1)
            throw LuaError(kind: .contract, message: "host function '\(name)' missing from the sandbox prelude")
        }
        return Function(reference: luaL_ref(L, registry), file: "host", name: name)
    }

    /// Compiles and runs a rule file in its own environment, then freezes its
    /// globals. `chunkName` is what errors show, e.g. `rules/decision.lua`.
    public func loadFile(id: String, source: String, chunkName: String) throws(LuaError) {
        chunkNames[id] = chunkName
        try callHost("load_file", [.string(id), .string(source), .string(luaChunkName(chunkName))], results: 1)
        defer { sellify_lua_pop(L, 1) }
        if let syntaxError = string(at: -1) {
            throw fullName(LuaError(kind: .syntax, luaMessage: syntaxError))
        }
    }

    /// Hands the catalog (products by id) to `sellify.catalog.find`.
    public func setCatalog(_ products: LuaValue) throws(LuaError) {
        try callHost("set_catalog", [products])
    }

    /// The globals every rule file can read, as the sandbox built them: each
    /// name maps to `true`, or to the table of its fields (`string`, `sellify`,
    /// …), e.g. `{ sellify = { catalog = { find = true }, … }, type = true, … }`.
    /// Linters are configured from it, so they see exactly what the rules see.
    public func sandboxGlobals() throws(LuaError) -> LuaValue {
        try callHost("globals", [], results: 1)
        defer { sellify_lua_pop(L, 1) }
        return try LuaReader(L: L, index: lua_gettop(L)).value()
    }

    /// A global the file defined, converted to a plain value (functions → nil).
    public func global(file: String, name: String) throws(LuaError) -> LuaValue {
        try callHost("get", [.string(file), .string(name)], results: 1)
        defer { sellify_lua_pop(L, 1) }
        return try LuaReader(L: L, index: lua_gettop(L)).value()
    }

    /// The Lua type of a global the file defined ("nil" when it did not).
    public func globalType(file: String, name: String) throws(LuaError) -> String {
        try callHost("get", [.string(file), .string(name)], results: 1)
        defer { sellify_lua_pop(L, 1) }
        return String(cString: lua_typename(L, lua_type(L, -1)))
    }

    /// A function the file defined, or nil when it defines none by that name.
    /// A global of another type is a contract error.
    public func function(file: String, name: String) throws(LuaError) -> Function? {
        try callHost("get", [.string(file), .string(name)], results: 1)
        let type = lua_type(L, -1)
        if type == LUA_TNIL {
            sellify_lua_pop(L, 1)
            return nil
        }
        guard type == LUA_TFUNCTION else {
            let typeName = String(cString: lua_typename(L, type))
            sellify_lua_pop(L, 1)
            throw LuaError(
                kind: .contract, message: "'\(name)' must be a function, got a \(typeName)",
                file: chunkNames[file] ?? file)
        }
        return Function(reference: luaL_ref(L, sellify_lua_registryindex()), file: file, name: name)
    }

    // MARK: - Calling

    /// Calls `function(arguments…)` under the budgets; `read` sees the first
    /// result while it is still on the Lua stack.
    public func call<Result>(
        _ function: Function,
        _ arguments: [LuaValue],
        read: (LuaReader) throws -> Result
    ) throws -> Result {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        lua_rawgeti(L, sellify_lua_registryindex(), lua_Integer(function.reference))
        for argument in arguments { push(argument) }
        try protectedCall(arguments: Int32(arguments.count), results: 1)
        return try read(LuaReader(L: L, index: lua_gettop(L)))
    }

    /// Calls `function(argument)` and converts its first result.
    public func call(_ function: Function, _ arguments: LuaValue...) throws -> LuaValue {
        try call(function, arguments) { try $0.value() }
    }

    /// Takes the log lines and metric increments the last calls produced.
    public func drainSideEffects() -> SideEffects {
        var effects = SideEffects()
        let registry = sellify_lua_registryindex()
        lua_rawgeti(L, registry, lua_Integer(logsReference))
        let logCount = lua_rawlen(L, -1)
        lua_rawgeti(L, registry, lua_Integer(metricsReference))
        let metricCount = lua_rawlen(L, -1)
        defer { sellify_lua_pop(L, 2) }
        if logCount == 0 && metricCount == 0 { return effects }
        var index: lua_Integer = 1
        while index < lua_Integer(logCount) {
            lua_rawgeti(L, -2, index)
            lua_rawgeti(L, -3, index + 1)
            effects.logs.append(.init(level: string(at: -2) ?? "info", message: string(at: -1) ?? ""))
            sellify_lua_pop(L, 2)
            index += 2
        }
        for i in stride(from: lua_Integer(1), through: lua_Integer(metricCount), by: 1) {
            lua_rawgeti(L, -1, i)
            lua_rawgeti(L, -1, 1)
            let name = string(at: -1) ?? ""
            sellify_lua_pop(L, 1)
            lua_rawgeti(L, -1, 2)
            var labels: [(String, String)] = []
            lua_pushnil(L)
            while lua_next(L, -2) != 0 {
                if let key = string(at: -2), let value = string(at: -1) { labels.append((key, value)) }
                sellify_lua_pop(L, 1)
            }
            sellify_lua_pop(L, 2)
            labels.sort { $0.0 < $1.0 }
            effects.metrics.append(.init(name: name, labels: labels))
        }
        // Empty the buffers (host.clear runs unbudgeted trusted code).
        lua_rawgeti(L, registry, lua_Integer(hostReference))
        lua_getfield(L, -1, "clear")
        _ = lua_pcallk(L, 0, 0, 0, 0, nil)
        sellify_lua_pop(L, 1)
        return effects
    }

    /// Runs a full garbage collection (outside any call).
    public func collectGarbage() {
        _ = sellify_lua_gc_collect(L)
    }

    // MARK: - Internals

    private func callHost(_ name: String, _ arguments: [LuaValue], results: Int32 = 0) throws(LuaError) {
        let top = lua_gettop(L)
        lua_rawgeti(L, sellify_lua_registryindex(), lua_Integer(hostReference))
        lua_getfield(L, -1, name)
        sellify_lua_remove(L, -2)
        for argument in arguments { push(argument) }
        do {
            try protectedCall(arguments: Int32(arguments.count), results: results)
        } catch {
            lua_settop(L, top)
            throw error
        }
    }

    private func protectedCall(arguments: Int32, results: Int32) throws(LuaError) {
        let status = sellify_sandbox_pcall(L, arguments, results)
        guard status != LUA_OK else { return }
        do {
            try raise(status: status)
        } catch {
            throw fullName(error)
        }
    }

    private func raise(status: Int32) throws(LuaError) {
        let failure = sellify_sandbox_last_failure(L)
        let message = Self.popMessage(L)
        switch failure {
        case SELLIFY_FAILURE_INSTRUCTIONS:
            throw LuaError(kind: .instructionBudget, luaMessage: message)
        case SELLIFY_FAILURE_DEADLINE:
            throw LuaError(kind: .deadline, luaMessage: message)
        case SELLIFY_FAILURE_MEMORY:
            // The memory error carries no position; a full collection gives
            // the memory back before the next call.
            _ = sellify_lua_gc_collect(L)
            throw LuaError(
                kind: .memoryLimit,
                message: "memory limit exceeded (\(limits.memoryLimitBytes) bytes per Lua state)"
            )
        default:
            if message.contains("pattern matching step budget exceeded") {
                throw LuaError(kind: .patternBudget, luaMessage: message)
            }
            throw LuaError(kind: status == LUA_ERRSYNTAX ? .syntax : .runtime, luaMessage: message)
        }
    }

    static func popMessage(_ L: OpaquePointer) -> String {
        defer { sellify_lua_pop(L, 1) }
        if let s = sellify_lua_tostring(L, -1) { return String(cString: s) }
        return "(error object is a \(String(cString: lua_typename(L, lua_type(L, -1)))) value)"
    }

    func string(at index: Int32) -> String? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let pointer = lua_tolstring(L, index, &length) else { return nil }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    func push(_ value: LuaValue) {
        // A nested table holds its table, a key and a value on the stack per level:
        // grow the stack first (pushing past its end would corrupt the heap).
        if lua_checkstack(L, 3) == 0 { preconditionFailure("cannot grow the Lua stack (out of memory)") }
        switch value {
        case .nil: lua_pushnil(L)
        case .bool(let b): lua_pushboolean(L, b ? 1 : 0)
        case .integer(let i): lua_pushinteger(L, lua_Integer(i))
        case .number(let d): lua_pushnumber(L, d)
        case .string(let s): pushString(s)
        case .table(let table):
            lua_createtable(L, Int32(table.array.count), Int32(table.fields.count))
            for (offset, item) in table.array.enumerated() {
                push(item)
                lua_rawseti(L, -2, lua_Integer(offset + 1))
            }
            for field in table.fields {
                pushString(field.key)
                push(field.value)
                lua_rawset(L, -3)
            }
        }
    }

    private func pushString(_ s: String) {
        var s = s
        s.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }
}

extension LuaState {
    /// The Lua release linked in, e.g. "Lua 5.4.4".
    public static let version = "Lua \(LUA_VERSION_MAJOR).\(LUA_VERSION_MINOR).\(LUA_VERSION_RELEASE)"
}
