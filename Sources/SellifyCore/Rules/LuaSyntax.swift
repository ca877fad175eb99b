/// A Lua 5.4 tokenizer and parser for the static checks of `sellify check`
/// (`RuleLint`). It follows the reference lexer (llex.c): `--` comments and
/// `--[==[ … ]==]` long comments are skipped, long strings keep their text
/// verbatim (minus a first newline), short strings decode every escape. So
/// code in a comment is never analyzed and a string holds what Lua would
/// hold. The tree keeps only what the checks read; the rules are compiled by
/// Lua itself, so a file this parser cannot read has already failed there.
struct LuaPosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// 1-based; `column` counts characters (UTF-8 sequences), like the config's diagnostics.
    var line: Int
    var column: Int
    static func < (a: Self, b: Self) -> Bool { (a.line, a.column) < (b.line, b.column) }
    var description: String { "\(line):\(column)" }
}

struct LuaToken: Sendable {
    enum Kind: Sendable, Equatable {
        case name, keyword, string, number, symbol, end
    }
    var kind: Kind
    /// The name, keyword or symbol as written; a string's decoded value.
    var text: String
    var position: LuaPosition
}

struct LuaSyntaxError: Error, Sendable, CustomStringConvertible {
    var message: String
    var position: LuaPosition
    var description: String { "\(position): \(message)" }
}

// MARK: - Tokenizer

struct LuaTokenizer {
    static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]
    /// Longest first, so `...` wins over `..` and `.`.
    static let symbols: [[UInt8]] = [
        "...", "..", "==", "~=", "<=", ">=", "<<", ">>", "//", "::",
        "+", "-", "*", "/", "%", "^", "#", "&", "~", "|", "<", ">", "=", "(", ")", "{", "}", "[", "]",
        ";", ":", ",", ".",
    ].map { Array($0.utf8) }

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    /// Byte index where the current line starts, for columns.
    private var lineStart = 0

    init(_ source: String) {
        bytes = Array(source.utf8)
        // A first line starting with '#' (a shebang) is skipped, as luaL_loadfile does.
        if bytes.first == UInt8(ascii: "#") {
            while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
        }
    }

    static func tokens(_ source: String) throws(LuaSyntaxError) -> [LuaToken] {
        var tokenizer = LuaTokenizer(source)
        var tokens: [LuaToken] = []
        while true {
            let token = try tokenizer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var position: LuaPosition { position(at: index) }

    private func position(at byteIndex: Int) -> LuaPosition {
        var column = 1
        var i = lineStart
        while i < byteIndex {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return LuaPosition(line: line, column: column)
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private mutating func newline() {
        // "\r\n" and "\n\r" are one line break, as in llex.c.
        let first = bytes[index]
        index += 1
        if let second = peek(), second == 0x0A || second == 0x0D, second != first { index += 1 }
        line += 1
        lineStart = index
    }

    private static func isNewline(_ b: UInt8) -> Bool { b == 0x0A || b == 0x0D }
    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
    private static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    private static func isHex(_ b: UInt8) -> Bool {
        isDigit(b) || (0x41...0x46).contains(b) || (0x61...0x66).contains(b)
    }
    private static func isNameStart(_ b: UInt8) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == UInt8(ascii: "_")
    }
    private static func isNameByte(_ b: UInt8) -> Bool { isNameStart(b) || isDigit(b) }

    mutating func next() throws(LuaSyntaxError) -> LuaToken {
        while let b = peek() {
            if Self.isNewline(b) {
                newline()
            } else if Self.isSpace(b) {
                index += 1
            } else if b == UInt8(ascii: "-") && peek(1) == UInt8(ascii: "-") {
                try skipComment()
            } else {
                break
            }
        }
        let start = position
        guard let b = peek() else { return LuaToken(kind: .end, text: "<eof>", position: start) }
        if Self.isNameStart(b) {
            let from = index
            while let c = peek(), Self.isNameByte(c) { index += 1 }
            let name = String(decoding: bytes[from..<index], as: UTF8.self)
            return LuaToken(kind: Self.keywords.contains(name) ? .keyword : .name, text: name, position: start)
        }
        if Self.isDigit(b) || (b == UInt8(ascii: ".") && peek(1).map(Self.isDigit) == true) {
            return LuaToken(kind: .number, text: readNumber(), position: start)
        }
        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
            return LuaToken(kind: .string, text: try readShortString(quote: b, start: start), position: start)
        }
        if b == UInt8(ascii: "["), let level = longBracketLevel() {
            return LuaToken(kind: .string, text: try readLongString(level: level, start: start), position: start)
        }
        for symbol in Self.symbols where bytes.count - index >= symbol.count {
            if bytes[index..<index + symbol.count].elementsEqual(symbol) {
                index += symbol.count
                return LuaToken(kind: .symbol, text: String(decoding: symbol, as: UTF8.self), position: start)
            }
        }
        throw LuaSyntaxError(message: "unexpected symbol", position: start)
    }

    private mutating func skipComment() throws(LuaSyntaxError) {
        let start = position
        index += 2
        if peek() == UInt8(ascii: "["), let level = longBracketLevel() {
            _ = try readLongString(level: level, start: start)
            return
        }
        while let b = peek(), !Self.isNewline(b) { index += 1 }
    }

    /// At `[`: the level of a long bracket `[==[` (2 here), or nil when this
    /// `[` opens no long bracket (an index, or `[=` without the second `[`).
    private func longBracketLevel() -> Int? {
        var i = index + 1
        var level = 0
        while i < bytes.count && bytes[i] == UInt8(ascii: "=") {
            level += 1
            i += 1
        }
        return i < bytes.count && bytes[i] == UInt8(ascii: "[") ? level : nil
    }

    private mutating func readLongString(level: Int, start: LuaPosition) throws(LuaSyntaxError) -> String {
        index += level + 2
        // A line break right after the opening bracket is not part of the string.
        if let b = peek(), Self.isNewline(b) { newline() }
        var text: [UInt8] = []
        while let b = peek() {
            if b == UInt8(ascii: "]") {
                var i = index + 1
                var closing = 0
                while i < bytes.count && bytes[i] == UInt8(ascii: "=") {
                    closing += 1
                    i += 1
                }
                if closing == level && i < bytes.count && bytes[i] == UInt8(ascii: "]") {
                    index = i + 1
                    return String(decoding: text, as: UTF8.self)
                }
                text.append(b)
                index += 1
            } else if Self.isNewline(b) {
                newline()
                text.append(0x0A)
            } else {
                text.append(b)
                index += 1
            }
        }
        throw LuaSyntaxError(message: "unfinished long string or comment", position: start)
    }

    private mutating func readShortString(quote: UInt8, start: LuaPosition) throws(LuaSyntaxError) -> String {
        index += 1
        var text: [UInt8] = []
        while true {
            guard let b = peek(), !Self.isNewline(b) else {
                throw LuaSyntaxError(message: "unfinished string", position: start)
            }
            index += 1
            if b == quote { return String(decoding: text, as: UTF8.self) }
            guard b == UInt8(ascii: "\\") else {
                text.append(b)
                continue
            }
            guard let e = peek() else { throw LuaSyntaxError(message: "unfinished string", position: start) }
            switch e {
            case UInt8(ascii: "a"):
                text.append(0x07)
                index += 1
            case UInt8(ascii: "b"):
                text.append(0x08)
                index += 1
            case UInt8(ascii: "f"):
                text.append(0x0C)
                index += 1
            case UInt8(ascii: "n"):
                text.append(0x0A)
                index += 1
            case UInt8(ascii: "r"):
                text.append(0x0D)
                index += 1
            case UInt8(ascii: "t"):
                text.append(0x09)
                index += 1
            case UInt8(ascii: "v"):
                text.append(0x0B)
                index += 1
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"):
                text.append(e)
                index += 1
            case 0x0A, 0x0D:
                newline()
                text.append(0x0A)
            case UInt8(ascii: "z"):
                // Skips the following white space, line breaks included.
                index += 1
                while let c = peek(), Self.isSpace(c) {
                    if Self.isNewline(c) { newline() } else { index += 1 }
                }
            case UInt8(ascii: "x"):
                guard let h1 = peek(1), let h2 = peek(2), Self.isHex(h1), Self.isHex(h2) else {
                    throw LuaSyntaxError(message: "hexadecimal digit expected", position: position)
                }
                text.append(UInt8(Self.hexValue(h1) * 16 + Self.hexValue(h2)))
                index += 3
            case UInt8(ascii: "u"):
                guard peek(1) == UInt8(ascii: "{") else {
                    throw LuaSyntaxError(message: "missing '{' in \\u{xxxx}", position: position)
                }
                index += 2
                var value: UInt32 = 0
                var digits = 0
                while let c = peek(), Self.isHex(c) {
                    value = value &* 16 &+ UInt32(Self.hexValue(c))
                    digits += 1
                    index += 1
                }
                guard digits > 0, peek() == UInt8(ascii: "}"), value <= 0x7FFF_FFFF else {
                    throw LuaSyntaxError(message: "malformed \\u{xxxx} escape", position: position)
                }
                index += 1
                text += Self.utf8(value)
            default:
                guard Self.isDigit(e) else {
                    throw LuaSyntaxError(message: "invalid escape sequence", position: position)
                }
                var value = 0
                var count = 0
                while count < 3, let c = peek(), Self.isDigit(c) {
                    value = value * 10 + Int(c - 0x30)
                    count += 1
                    index += 1
                }
                guard value <= 255 else {
                    throw LuaSyntaxError(message: "decimal escape too large", position: position)
                }
                text.append(UInt8(value))
            }
        }
    }

    private static func hexValue(_ b: UInt8) -> Int {
        if isDigit(b) { return Int(b - 0x30) }
        return Int((b | 0x20) - UInt8(ascii: "a")) + 10
    }

    /// Lua's own UTF-8 encoder (luaO_utf8esc): up to 6 bytes for 31-bit values.
    private static func utf8(_ value: UInt32) -> [UInt8] {
        if value < 0x80 { return [UInt8(value)] }
        var x = value
        var out: [UInt8] = []
        var limit: UInt32 = 0x3F
        while x > limit {
            out.insert(UInt8(0x80 | (x & 0x3F)), at: 0)
            x >>= 6
            limit >>= 1
        }
        out.insert(UInt8((~limit << 1) & 0xFF | x), at: 0)
        return out
    }

    /// Numerals as llex.c reads them: digits, '.', exponent marks with signs.
    private mutating func readNumber() -> String {
        let from = index
        var exponent: (UInt8, UInt8) = (UInt8(ascii: "e"), UInt8(ascii: "E"))
        if peek() == UInt8(ascii: "0"), let x = peek(1), x == UInt8(ascii: "x") || x == UInt8(ascii: "X") {
            index += 2
            exponent = (UInt8(ascii: "p"), UInt8(ascii: "P"))
        }
        while let c = peek() {
            if c == exponent.0 || c == exponent.1 {
                index += 1
                if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            } else if Self.isHex(c) || c == UInt8(ascii: ".") {
                index += 1
            } else {
                break
            }
        }
        return String(decoding: bytes[from..<index], as: UTF8.self)
    }
}

// MARK: - Tree

/// A function literal (`function … end`, `local function`, a method).
final class LuaFunction: Sendable {
    let position: LuaPosition
    let parameters: [LuaName]
    let body: [LuaStatement]
    init(position: LuaPosition, parameters: [LuaName], body: [LuaStatement]) {
        self.position = position
        self.parameters = parameters
        self.body = body
    }
}

struct LuaName: Sendable {
    var name: String
    var position: LuaPosition
}

indirect enum LuaExpression: Sendable {
    /// nil, true, false, a number, `...`.
    case constant(LuaPosition)
    case string(String, LuaPosition)
    case name(LuaName)
    /// `a[b]`; `a.b` is `index(a, .string("b"))`.
    case index(LuaExpression, LuaExpression, LuaPosition)
    case call(LuaExpression, [LuaExpression], LuaPosition)
    case methodCall(LuaExpression, LuaName, [LuaExpression], LuaPosition)
    case function(LuaFunction)
    case table([LuaTableField], LuaPosition)
    case binary(String, LuaExpression, LuaExpression, LuaPosition)
    case unary(String, LuaExpression, LuaPosition)
    /// `(e)`: one value of `e`.
    case parenthesized(LuaExpression)
}

enum LuaTableField: Sendable {
    /// `{ e }`
    case positional(LuaExpression)
    /// `{ name = e }`
    case named(LuaName, LuaExpression)
    /// `{ [k] = e }`
    case keyed(LuaExpression, LuaExpression)
}

indirect enum LuaStatement: Sendable {
    case local([LuaName], [LuaExpression])
    case localFunction(LuaName, LuaFunction)
    /// `function a.b.c()`, `function a:m()` (`self` is then the first parameter).
    case function(LuaExpression, LuaFunction)
    case assignment([LuaExpression], [LuaExpression])
    case call(LuaExpression)
    case block([LuaStatement])
    case whileLoop(LuaExpression, [LuaStatement])
    /// The condition sees the body's locals.
    case repeatLoop([LuaStatement], LuaExpression)
    case ifChain([(LuaExpression, [LuaStatement])], [LuaStatement]?)
    case numericFor(LuaName, LuaExpression, LuaExpression, LuaExpression?, [LuaStatement])
    case genericFor([LuaName], [LuaExpression], [LuaStatement])
    case returnValues([LuaExpression])
    /// break, goto, labels, `;`.
    case other
}

// MARK: - Parser

/// Recursive descent over the grammar of the Lua 5.4 manual (§9), with its
/// operator priorities (lparser.c).
struct LuaParser {
    private let tokens: [LuaToken]
    private var index = 0

    static func parse(_ source: String) throws(LuaSyntaxError) -> [LuaStatement] {
        var parser = LuaParser(tokens: try LuaTokenizer.tokens(source))
        let block = try parser.block()
        guard parser.current.kind == .end else { throw parser.unexpected("'<eof>' expected") }
        return block
    }

    private init(tokens: [LuaToken]) {
        self.tokens = tokens
    }

    private var current: LuaToken { tokens[index] }

    private func check(_ text: String) -> Bool {
        (current.kind == .symbol || current.kind == .keyword) && current.text == text
    }

    private mutating func accept(_ text: String) -> Bool {
        guard check(text) else { return false }
        index += 1
        return true
    }

    private mutating func expect(_ text: String) throws(LuaSyntaxError) {
        guard accept(text) else { throw unexpected("'\(text)' expected") }
    }

    private func unexpected(_ message: String) -> LuaSyntaxError {
        LuaSyntaxError(message: "\(message) near '\(current.text)'", position: current.position)
    }

    private mutating func name() throws(LuaSyntaxError) -> LuaName {
        guard current.kind == .name else { throw unexpected("<name> expected") }
        defer { index += 1 }
        return LuaName(name: current.text, position: current.position)
    }

    private func blockEnds() -> Bool {
        current.kind == .end || (current.kind == .keyword && ["end", "else", "elseif", "until"].contains(current.text))
    }

    private mutating func block() throws(LuaSyntaxError) -> [LuaStatement] {
        var statements: [LuaStatement] = []
        while !blockEnds() {
            if check("return") {
                index += 1
                var values: [LuaExpression] = []
                if !blockEnds() && !check(";") { values = try expressionList() }
                _ = accept(";")
                statements.append(.returnValues(values))
                break
            }
            statements.append(try statement())
        }
        return statements
    }

    private mutating func statement() throws(LuaSyntaxError) -> LuaStatement {
        let token = current
        if token.kind == .symbol {
            if accept(";") { return .other }
            if accept("::") {
                _ = try name()
                try expect("::")
                return .other
            }
        }
        if token.kind == .keyword {
            switch token.text {
            case "break":
                index += 1
                return .other
            case "goto":
                index += 1
                _ = try name()
                return .other
            case "do":
                index += 1
                let body = try block()
                try expect("end")
                return .block(body)
            case "while":
                index += 1
                let condition = try expression()
                try expect("do")
                let body = try block()
                try expect("end")
                return .whileLoop(condition, body)
            case "repeat":
                index += 1
                let body = try block()
                try expect("until")
                return .repeatLoop(body, try expression())
            case "if":
                index += 1
                var branches: [(LuaExpression, [LuaStatement])] = []
                let condition = try expression()
                try expect("then")
                branches.append((condition, try block()))
                var otherwise: [LuaStatement]?
                while true {
                    if accept("elseif") {
                        let condition = try expression()
                        try expect("then")
                        branches.append((condition, try block()))
                    } else if accept("else") {
                        otherwise = try block()
                        try expect("end")
                        break
                    } else {
                        try expect("end")
                        break
                    }
                }
                return .ifChain(branches, otherwise)
            case "for":
                index += 1
                let first = try name()
                if accept("=") {
                    let start = try expression()
                    try expect(",")
                    let limit = try expression()
                    let step = accept(",") ? try expression() : nil
                    try expect("do")
                    let body = try block()
                    try expect("end")
                    return .numericFor(first, start, limit, step, body)
                }
                var names = [first]
                while accept(",") { names.append(try name()) }
                try expect("in")
                let values = try expressionList()
                try expect("do")
                let body = try block()
                try expect("end")
                return .genericFor(names, values, body)
            case "function":
                let position = token.position
                index += 1
                var target = LuaExpression.name(try name())
                while check(".") {
                    index += 1
                    let field = try name()
                    target = .index(target, .string(field.name, field.position), field.position)
                }
                var isMethod = false
                if accept(":") {
                    let method = try name()
                    target = .index(target, .string(method.name, method.position), method.position)
                    isMethod = true
                }
                return .function(target, try functionBody(at: position, method: isMethod))
            case "local":
                index += 1
                if check("function") {
                    let position = current.position
                    index += 1
                    let local = try name()
                    return .localFunction(local, try functionBody(at: position, method: false))
                }
                var names: [LuaName] = []
                repeat {
                    names.append(try name())
                    // Attributes: `<const>`, `<close>`.
                    if accept("<") {
                        _ = try name()
                        try expect(">")
                    }
                } while accept(",")
                let values = accept("=") ? try expressionList() : []
                return .local(names, values)
            default:
                break
            }
        }
        // An assignment or a call.
        let first = try suffixedExpression()
        if check("=") || check(",") {
            var targets = [first]
            while accept(",") { targets.append(try suffixedExpression()) }
            try expect("=")
            return .assignment(targets, try expressionList())
        }
        guard case .call = first else {
            if case .methodCall = first { return .call(first) }
            throw unexpected("syntax error")
        }
        return .call(first)
    }

    private mutating func functionBody(at position: LuaPosition, method: Bool) throws(LuaSyntaxError) -> LuaFunction {
        try expect("(")
        var parameters: [LuaName] = method ? [LuaName(name: "self", position: position)] : []
        if !check(")") {
            repeat {
                if accept("...") { break }
                parameters.append(try name())
            } while accept(",")
        }
        try expect(")")
        let body = try block()
        try expect("end")
        return LuaFunction(position: position, parameters: parameters, body: body)
    }

    private mutating func expressionList() throws(LuaSyntaxError) -> [LuaExpression] {
        var list = [try expression()]
        while accept(",") { list.append(try expression()) }
        return list
    }

    private mutating func primaryExpression() throws(LuaSyntaxError) -> LuaExpression {
        if current.kind == .name { return .name(try name()) }
        if accept("(") {
            let inner = try expression()
            try expect(")")
            return .parenthesized(inner)
        }
        throw unexpected("unexpected symbol")
    }

    private mutating func suffixedExpression() throws(LuaSyntaxError) -> LuaExpression {
        var expression = try primaryExpression()
        while true {
            let position = current.position
            if accept(".") {
                let field = try name()
                expression = .index(expression, .string(field.name, field.position), field.position)
            } else if accept("[") {
                let key = try self.expression()
                try expect("]")
                expression = .index(expression, key, position)
            } else if accept(":") {
                let method = try name()
                expression = .methodCall(expression, method, try callArguments(), position)
            } else if check("(") || check("{") || current.kind == .string {
                expression = .call(expression, try callArguments(), position)
            } else {
                return expression
            }
        }
    }

    private mutating func callArguments() throws(LuaSyntaxError) -> [LuaExpression] {
        if current.kind == .string {
            defer { index += 1 }
            return [.string(current.text, current.position)]
        }
        if check("{") { return [try table()] }
        try expect("(")
        if accept(")") { return [] }
        let arguments = try expressionList()
        try expect(")")
        return arguments
    }

    private mutating func table() throws(LuaSyntaxError) -> LuaExpression {
        let position = current.position
        try expect("{")
        var fields: [LuaTableField] = []
        while !check("}") {
            if check("[") {
                index += 1
                let key = try expression()
                try expect("]")
                try expect("=")
                fields.append(.keyed(key, try expression()))
            } else if current.kind == .name, index + 1 < tokens.count, tokens[index + 1].kind == .symbol,
                tokens[index + 1].text == "="
            {
                let key = try name()
                index += 1
                fields.append(.named(key, try expression()))
            } else {
                fields.append(.positional(try expression()))
            }
            if !accept(",") && !accept(";") { break }
        }
        try expect("}")
        return .table(fields, position)
    }

    private mutating func simpleExpression() throws(LuaSyntaxError) -> LuaExpression {
        let token = current
        switch token.kind {
        case .number:
            index += 1
            return .constant(token.position)
        case .string:
            index += 1
            return .string(token.text, token.position)
        case .keyword where ["nil", "true", "false"].contains(token.text):
            index += 1
            return .constant(token.position)
        case .keyword where token.text == "function":
            index += 1
            return .function(try functionBody(at: token.position, method: false))
        case .symbol where token.text == "...":
            index += 1
            return .constant(token.position)
        case .symbol where token.text == "{":
            return try table()
        default:
            return try suffixedExpression()
        }
    }

    /// Left and right priorities of the binary operators (lparser.c).
    private static let binaryPriority: [String: (left: Int, right: Int)] = [
        "or": (1, 1), "and": (2, 2),
        "<": (3, 3), ">": (3, 3), "<=": (3, 3), ">=": (3, 3), "~=": (3, 3), "==": (3, 3),
        "|": (4, 4), "~": (5, 5), "&": (6, 6), "<<": (7, 7), ">>": (7, 7),
        "..": (9, 8), "+": (10, 10), "-": (10, 10),
        "*": (11, 11), "/": (11, 11), "//": (11, 11), "%": (11, 11),
        "^": (14, 13),
    ]
    private static let unaryPriority = 12

    private mutating func expression(limit: Int = 0) throws(LuaSyntaxError) -> LuaExpression {
        var left: LuaExpression
        let token = current
        if (token.kind == .keyword && token.text == "not")
            || (token.kind == .symbol && ["-", "#", "~"].contains(token.text))
        {
            index += 1
            left = .unary(token.text, try expression(limit: Self.unaryPriority), token.position)
        } else {
            left = try simpleExpression()
        }
        while current.kind == .symbol || current.kind == .keyword,
            let priority = Self.binaryPriority[current.text], priority.left > limit
        {
            let op = current
            index += 1
            let right = try expression(limit: priority.right)
            left = .binary(op.text, left, right, op.position)
        }
        return left
    }
}
