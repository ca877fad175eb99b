/// An error from the Lua sandbox. `description` reads like a compiler's:
/// `rules/decision.lua:42: error: attempt to index a nil value (field 'product')`.
public struct LuaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The chunk does not compile.
        case syntax
        /// A Lua runtime error (including `error()` raised by the rules).
        case runtime
        /// The call ran more instructions than `LuaLimits.instructionBudget`.
        case instructionBudget = "instruction_budget"
        /// The call ran past `LuaLimits.deadlineMilliseconds`.
        case deadline
        /// The state would have grown past `LuaLimits.memoryLimitBytes`.
        case memoryLimit = "memory_limit"
        /// A pattern-matching call took more steps than `LuaLimits.patternStepBudget`.
        case patternBudget = "pattern_budget"
        /// The rules broke the host's contract (a missing function, a bad return value).
        case contract
    }

    public var kind: Kind
    /// Lua's message without the `file:line:` prefix.
    public var message: String
    /// The rule file the error points into (the chunk name, e.g. `rules/decision.lua`).
    public var file: String?
    public var line: Int?

    public init(kind: Kind, message: String, file: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
    }

    /// Splits Lua's `file:line: message` convention.
    init(kind: Kind, luaMessage: String) {
        if let (file, line, rest) = Self.splitLocation(luaMessage) {
            self.init(kind: kind, message: rest, file: file, line: line)
        } else {
            self.init(kind: kind, message: luaMessage)
        }
    }

    public var description: String {
        switch (file, line) {
        case (let file?, let line?): "\(file):\(line): error: \(message)"
        case (let file?, nil): "\(file): error: \(message)"
        default: "error: \(message)"
        }
    }

    static func splitLocation(_ text: String) -> (String, Int, String)? {
        // `<chunk>:<digits>: <message>`; the chunk name itself never holds ": ".
        var index = text.startIndex
        while let colon = text[index...].firstIndex(of: ":") {
            let afterColon = text.index(after: colon)
            let digits = text[afterColon...].prefix(while: \.isASCIIDigit)
            let afterDigits = digits.endIndex
            if !digits.isEmpty, text[afterDigits...].hasPrefix(": "), let line = Int(digits) {
                let file = String(text[..<colon])
                guard !file.isEmpty else { return nil }
                return (file, line, String(text[text.index(afterDigits, offsetBy: 2)...]))
            }
            index = afterColon
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
