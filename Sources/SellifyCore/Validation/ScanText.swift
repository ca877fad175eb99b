/// The folded text (normalizer step 1: NFKC, lowercase, accents removed, no
/// whitespace collapsing, no leetspeak) as one byte per Character, for the
/// hand-written scanners of prices, percentages, links and phone numbers.
/// ASCII Characters are themselves; any other Character is `letter` (a
/// letter or digit of another script) or `other` (punctuation, symbols, emoji).
struct ScanText {
    static let letter: UInt8 = 0x80
    static let other: UInt8 = 0x81

    var bytes: [UInt8]
    let origins: [Int32]
    let originalCount: Int

    init(_ units: FoldedUnits) {
        bytes = units.values.map { v in
            if v < 0x80 { return UInt8(v) }
            if v < FoldedUnits.complexBase, let scalar = Unicode.Scalar(v) {
                if scalar.properties.isWhitespace { return 0x20 }
                if scalar.properties.isAlphabetic || scalar.properties.numericType != nil { return Self.letter }
            }
            return Self.other
        }
        origins = units.origins
        originalCount = units.originalCount
    }

    var count: Int { bytes.count }

    subscript(_ i: Int) -> UInt8 { i >= 0 && i < bytes.count ? bytes[i] : 0 }

    func originalRange(_ range: Range<Int>) -> Range<Int> {
        let lower = max(0, min(range.lowerBound, origins.count))
        let upper = max(lower, min(range.upperBound, origins.count))
        let start = lower < origins.count ? Int(origins[lower]) : originalCount
        guard upper > lower else { return start..<start }
        return start..<(Int(origins[upper - 1]) + 1)
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range].map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    // MARK: - Classes

    static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    static func isLetter(_ b: UInt8) -> Bool { b &- 0x61 < 26 || b == letter }
    static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// The letters (a-z) word ending just before `end`, and where it starts.
    func word(endingAt end: Int) -> (word: String, start: Int)? {
        guard end <= bytes.count else { return nil }
        var start = end
        while start > 0 && bytes[start - 1] &- 0x61 < 26 { start -= 1 }
        guard start < end, !Self.isAlnum(self[start - 1]) else { return nil }
        return (Self.ascii(bytes, start..<end), start)
    }

    /// The letters (a-z) word starting at `start`, and where it ends.
    func word(startingAt start: Int) -> (word: String, end: Int)? {
        guard start >= 0 else { return nil }
        var end = start
        while end < bytes.count && bytes[end] &- 0x61 < 26 { end += 1 }
        guard end > start, !Self.isAlnum(self[end]) else { return nil }
        return (Self.ascii(bytes, start..<end), end)
    }

    /// Up to `limit` words before `position` (nearest first), skipping spaces
    /// and `:`, stopping at other punctuation.
    func words(before position: Int, limit: Int) -> [String] {
        var result: [String] = []
        var end = position
        while result.count < limit {
            while end > 0 && (Self.isSpace(bytes[end - 1]) || bytes[end - 1] == UInt8(ascii: ":")) { end -= 1 }
            guard let (word, start) = word(endingAt: end) else { break }
            result.append(word)
            end = start
        }
        return result
    }

    /// Up to `limit` words after `position`, skipping spaces, stopping at punctuation.
    func words(after position: Int, limit: Int) -> [String] {
        var result: [String] = []
        var start = position
        while result.count < limit {
            while start < bytes.count && Self.isSpace(bytes[start]) { start += 1 }
            guard let (word, end) = word(startingAt: start) else { break }
            result.append(word)
            start = end
        }
        return result
    }
}

/// A number read from a `ScanText`.
struct ScannedNumber {
    /// Where the digits are.
    var range: Range<Int>
    /// The value in hundredths (49.9 → 4990).
    var hundredths: Int
    var fractionDigits: Int

    /// Reads the number starting at `i` (a digit that does not continue
    /// another number or word): `1299`, `1,299`, `1,299.00`, `49.9`, `49,00`.
    /// Nil for what is not a plain amount: a dotted sequence (`1.2.3`, a date
    /// `29.11.2026`), three decimals, a time (`14:15`), a fraction or date with
    /// `/`, or digits glued to letters (`10am`, `4k`, `mp4`) unless the letters
    /// are `allowedSuffixes` (a glued currency, `49usd`).
    static func read(_ text: ScanText, at i: Int, allowedSuffixes: Set<String>) -> ScannedNumber? {
        var j = i
        while ScanText.isDigit(text[j]) { j += 1 }
        let integerDigits = j - i
        guard integerDigits <= 15 else { return nil }
        var integer = 0
        for k in i..<j { integer = integer * 10 + Int(text[k] - 0x30) }
        // Thousands groups.
        var grouped = false
        if integerDigits <= 3 {
            while text[j] == UInt8(ascii: ","), (1...3).allSatisfy({ ScanText.isDigit(text[j + $0]) }),
                !ScanText.isDigit(text[j + 4]), integer < 1_000_000_000_000
            {
                integer = integer * 1000 + (1...3).reduce(0) { $0 * 10 + Int(text[j + $1] - 0x30) }
                j += 4
                grouped = true
            }
        }
        var fraction = 0
        var fractionDigits = 0
        if text[j] == UInt8(ascii: "."), ScanText.isDigit(text[j + 1]) {
            var k = j + 1
            while ScanText.isDigit(text[k]) { k += 1 }
            fractionDigits = k - j - 1
            guard fractionDigits <= 2 else { return nil }
            if text[k] == UInt8(ascii: "."), ScanText.isDigit(text[k + 1]) { return nil }  // 29.11.2026
            for m in (j + 1)..<k { fraction = fraction * 10 + Int(text[m] - 0x30) }
            j = k
        } else if !grouped, text[j] == UInt8(ascii: ","), ScanText.isDigit(text[j + 1]), ScanText.isDigit(text[j + 2]),
            !ScanText.isDigit(text[j + 3])
        {
            // Decimal comma: 49,00.
            fraction = Int(text[j + 1] - 0x30) * 10 + Int(text[j + 2] - 0x30)
            fractionDigits = 2
            j += 3
        }
        // Times, fractions and dates.
        if text[j] == UInt8(ascii: ":") && ScanText.isDigit(text[j + 1]) { return nil }
        if text[i - 1] == UInt8(ascii: ":") && ScanText.isDigit(text[i - 2]) { return nil }
        if text[j] == UInt8(ascii: "/") && ScanText.isDigit(text[j + 1]) { return nil }
        if text[i - 1] == UInt8(ascii: "/") && ScanText.isDigit(text[i - 2]) { return nil }
        if ScanText.isLetter(text[j]) {
            guard let (word, _) = text.word(startingAt: j), allowedSuffixes.contains(word) else { return nil }
        }
        let hundredths = integer * 100 + (fractionDigits == 1 ? fraction * 10 : fraction)
        return ScannedNumber(range: i..<j, hundredths: hundredths, fractionDigits: fractionDigits)
    }

    /// Whether a number may start at `i`: a digit not continuing a number or a
    /// word (letters directly before are allowed only when they are in `prefixes`,
    /// e.g. `usd49`).
    static func starts(_ text: ScanText, at i: Int, prefixes: Set<String>) -> Bool {
        guard ScanText.isDigit(text[i]) else { return false }
        let previous = text[i - 1]
        if ScanText.isDigit(previous) { return false }
        if (previous == UInt8(ascii: ".") || previous == UInt8(ascii: ",")) && ScanText.isDigit(text[i - 2]) {
            return false
        }
        if ScanText.isLetter(previous) {
            guard let (word, _) = text.word(endingAt: i), prefixes.contains(word) else { return false }
        }
        return true
    }

    /// `49.00`, `49.90`, `49`.
    static func format(_ hundredths: Int) -> String {
        Money(minorUnits: hundredths).description
    }
}
