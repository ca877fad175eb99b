/// Checks the syntax of a Lua pattern without running it. Lua only reports a
/// malformed pattern when matching reaches the bad part, so a pattern in
/// `forbidden_words.lua` could fail for the first time on a customer's text;
/// this finds it at load. Messages are Lua's own.
public enum LuaPatternSyntax {
    public static func problem(in pattern: String) -> String? {
        let p = Array(pattern.utf8)
        let escape = UInt8(ascii: "%")
        var i = 0
        var openCaptures = 0
        var captures = 0
        if p.first == UInt8(ascii: "^") { i = 1 }
        while i < p.count {
            switch p[i] {
            case UInt8(ascii: "("):
                openCaptures += 1
                captures += 1
                if captures > 32 { return "too many captures" }
                i += 1
            case UInt8(ascii: ")"):
                if openCaptures == 0 { return "invalid pattern capture" }
                openCaptures -= 1
                i += 1
            case escape:
                guard i + 1 < p.count else { return "malformed pattern (ends with '%')" }
                let next = p[i + 1]
                if next == UInt8(ascii: "b") {
                    guard i + 3 < p.count else { return "malformed pattern (missing arguments to '%b')" }
                    i += 4
                } else if next == UInt8(ascii: "f") {
                    i += 2
                    guard i < p.count, p[i] == UInt8(ascii: "[") else { return "missing '[' after '%f' in pattern" }
                    guard let end = setEnd(p, from: i) else { return "malformed pattern (missing ']')" }
                    i = end
                } else if next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") {
                    let index = Int(next - UInt8(ascii: "0"))
                    // A back-reference must name a capture that is already closed.
                    if index == 0 || index > captures {
                        return "invalid capture index %\(index)"
                    }
                    i += 2
                } else {
                    i += 2
                }
                i = skipQuantifier(p, i)
            case UInt8(ascii: "["):
                guard let end = setEnd(p, from: i) else { return "malformed pattern (missing ']')" }
                i = skipQuantifier(p, end)
            default:
                i = skipQuantifier(p, i + 1)
            }
        }
        if openCaptures > 0 { return "unfinished capture" }
        return nil
    }

    /// The index after the `]` closing the set that opens at `start`.
    private static func setEnd(_ p: [UInt8], from start: Int) -> Int? {
        var i = start + 1
        if i < p.count, p[i] == UInt8(ascii: "^") { i += 1 }
        // The first character of a set may be a literal ']'.
        var first = true
        while i < p.count {
            if p[i] == UInt8(ascii: "]") && !first { return i + 1 }
            if p[i] == UInt8(ascii: "%") {
                guard i + 1 < p.count else { return nil }
                i += 2
            } else {
                i += 1
            }
            first = false
        }
        return nil
    }

    private static func skipQuantifier(_ p: [UInt8], _ i: Int) -> Int {
        guard i < p.count else { return i }
        switch p[i] {
        case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "?"): return i + 1
        default: return i
        }
    }
}
