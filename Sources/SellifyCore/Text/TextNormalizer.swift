/// Pipeline stage 1: the form of a text every rule matches against, so a
/// phrase cannot be dodged by case, accents, width, spacing or leetspeak.
///
/// In order:
/// 1. **Fold** each Character: Unicode NFKC (`ＧＵＡＲＡＮＴＥＥＤ` → `guaranteed`,
///    `ﬁ` → `fi`), lowercase, accents removed (`á` → `a`, `ñ` → `n`, `ü` → `u`,
///    also `ß` → `ss`, `ø` → `o`, `ł` → `l`), zero-width, invisible and
///    filler characters (U+200B, U+200D outside emoji, U+00AD, bidi controls,
///    every default-ignorable code point, Hangul fillers, the braille blank)
///    removed; decimal digits of any script become ASCII digits (`٥` → `5`),
///    every dash and the minus sign `-`, ideographic full stops `.`. Emoji
///    are kept as they are.
/// 2. **Whitespace**: every run of whitespace becomes one space; the text is
///    trimmed; other control characters are removed.
/// 3. **Separated letters are joined**: a run of ≥ 3 single letters separated
///    by the same one character — `.` `-` `_` `*` or a space — is one word:
///    `g.u.a.r.a.n.t.e.e.d`, `G U A R A N T E E D`, `g-a-r-a-n-t-i-z-a-d-o`.
///    Leetspeak digits may be among the letters (`g.4.r.a.n`), but letters must
///    be the majority (≥ 2 and more than half), so `3 y 4` stays as it is.
/// 4. **Leetspeak inside words**: in a word (a run of letters, digits, `@` and
///    `$`) that contains a letter and whose other characters are all among
///    `0 1 3 4 5 7 8 @ $`, those are read as letters — 0→o 1→i 3→e 4→a 5→s 7→t
///    8→b @→a $→s (`g4rant1zado` → `garantizado`, `pr3c10` → `precio`,
///    `gu@ranteed` → `guaranteed`, `ca$h` → `cash`). Words without a letter
///    never change (`49.00`, `$49`, `1,299`, `14:15`, `20%`, `24/7`), nor words
///    with a 2, 6 or 9 (`covid19`, `2x1`: codes), nor words with a `$` directly
///    before a digit (`US$44`, `MX$440` stay prices). Look-alikes of ASCII
///    letters (Unicode's confusables: Cyrillic `а е о р с т`, Greek `ο α ι`,
///    small capitals `ɢ ᴜ ᴀ ʀ`, `ɑ`…) become the ASCII letter in a word that
///    also has ASCII letters or is made only of look-alikes
///    (`ɢᴜᴀʀᴀɴᴛᴇᴇᴅ` → `guaranteed`); words of another script stay.
///
/// Limits (documented on purpose): letters are not de-duplicated (`cool`
/// stays `cool`, so `guaaaranteed` is not caught); mixed tokens that really
/// contain a leet digit are rewritten too (`mp4` → `mpa`, `10am` → `ioam`,
/// `a5` → `as`) — harmless for phrase matching because phrases go through the
/// same function; three one-letter words in a row (`a y b`) are joined
/// (`ayb`). Prices, phone numbers and URLs are therefore checked by the
/// validator on the folded text (step 1 only), never on this one.
///
/// Cost: ASCII input skips the Unicode work; Latin, Greek, Cyrillic and
/// fullwidth characters are table look-ups (the table is built once per
/// process, ~6 ms, when the first `PhraseMatcher` is compiled); other
/// characters use Foundation. Release build, 100 characters: ~1.5–2 µs ASCII,
/// ~3–5 µs Spanish with accents.
public enum TextNormalizer {
    public static func normalize(_ s: String) -> NormalizedText {
        var units = Folding.fold(s)
        collapseWhitespace(&units)
        joinSeparatedLetters(&units)
        undoLeetspeak(&units)
        return build(units, original: s)
    }

    /// Step 1 only: what prices, percentages, URLs and phone numbers are read from.
    static func fold(_ s: String) -> FoldedUnits {
        Folding.fold(s)
    }

    // MARK: - Character classes (on unit values)

    @inline(__always)
    static func isASCIILetter(_ v: UInt32) -> Bool { v &- 0x61 < 26 }
    @inline(__always)
    static func isDigit(_ v: UInt32) -> Bool { v &- 0x30 < 10 }

    static func isLetter(_ v: UInt32) -> Bool {
        if v < 0x80 { return isASCIILetter(v) }
        guard v < FoldedUnits.complexBase, let scalar = Unicode.Scalar(v) else { return false }
        return scalar.properties.isAlphabetic
    }

    static func isNumber(_ v: UInt32) -> Bool {
        if v < 0x80 { return isDigit(v) }
        guard v < FoldedUnits.complexBase, let scalar = Unicode.Scalar(v) else { return false }
        return scalar.properties.numericType != nil
    }

    /// 0 1 3 4 5 7 8 @ $ → the letter it stands for.
    @inline(__always)
    static func leetLetter(_ v: UInt32) -> UInt32? {
        switch v {
        case 0x30: 0x6F  // 0 → o
        case 0x31: 0x69  // 1 → i
        case 0x33: 0x65  // 3 → e
        case 0x34: 0x61  // 4 → a
        case 0x35: 0x73  // 5 → s
        case 0x37: 0x74  // 7 → t
        case 0x38: 0x62  // 8 → b
        case 0x40: 0x61  // @ → a
        case 0x24: 0x73  // $ → s
        default: nil
        }
    }

    // MARK: - Step 2

    static func collapseWhitespace(_ units: inout FoldedUnits) {
        var write = 0
        var pendingSpace: Int32? = nil
        let count = units.values.count
        units.values.withUnsafeMutableBufferPointer { values in
            units.origins.withUnsafeMutableBufferPointer { origins in
                for read in 0..<count {
                    let v = values[read]
                    if v == 0x20 || (v >= 0x09 && v <= 0x0D) {
                        if write > 0 && pendingSpace == nil { pendingSpace = origins[read] }
                        continue
                    }
                    if v < 0x20 || v == 0x7F { continue }
                    if let origin = pendingSpace {
                        values[write] = 0x20
                        origins[write] = origin
                        write += 1
                        pendingSpace = nil
                    }
                    values[write] = v
                    origins[write] = origins[read]
                    write += 1
                }
            }
        }
        units.values.removeLast(count - write)
        units.origins.removeLast(count - write)
    }

    // MARK: - Step 3

    @inline(__always)
    static func isSeparator(_ v: UInt32) -> Bool {
        v == 0x2E || v == 0x2D || v == 0x5F || v == 0x20 || v == 0x2A  // . - _ space *
    }

    static func joinSeparatedLetters(_ units: inout FoldedUnits) {
        let n = units.values.count
        guard n >= 5 else { return }
        let values = units.values
        // A word character for boundaries: letters, digits, @, $.
        func isWordUnit(_ i: Int) -> Bool {
            let v = values[i]
            return isLetter(v) || isNumber(v) || v == 0x40 || v == 0x24
        }
        func isLetterLike(_ i: Int) -> Bool {
            let v = values[i]
            return isLetter(v) || leetLetter(v) != nil
        }
        // Single letter at i: letter-like, not glued to another word character.
        func isSingle(_ i: Int) -> Bool {
            isLetterLike(i) && (i == 0 || !isWordUnit(i - 1)) && (i + 1 == n || !isWordUnit(i + 1))
        }

        var keep = [Bool](repeating: true, count: n)
        var changed = false
        var i = 0
        while i + 4 < n {
            guard isSingle(i), isSeparator(values[i + 1]) else {
                i += 1
                continue
            }
            let separator = values[i + 1]
            var j = i
            var count = 1
            var letters = isLetter(values[i]) ? 1 : 0
            while j + 2 < n, values[j + 1] == separator, isSingle(j + 2) {
                j += 2
                count += 1
                if isLetter(values[j]) { letters += 1 }
            }
            if count >= 3 && letters >= 2 && letters * 2 > count {
                var k = i + 1
                while k < j {
                    keep[k] = false
                    k += 2
                }
                changed = true
                i = j + 1
            } else {
                i += 1
            }
        }
        guard changed else { return }
        var write = 0
        for read in 0..<n where keep[read] {
            units.values[write] = units.values[read]
            units.origins[write] = units.origins[read]
            write += 1
        }
        units.values.removeLast(n - write)
        units.origins.removeLast(n - write)
    }

    // MARK: - Step 4

    static func undoLeetspeak(_ units: inout FoldedUnits) {
        let n = units.values.count
        var i = 0
        while i < n {
            // A word: letters, digits, @, $.
            let v = units.values[i]
            guard isLetter(v) || isNumber(v) || v == 0x40 || v == 0x24 else {
                i += 1
                continue
            }
            var end = i
            var hasLetter = false
            var hasASCIILetter = false
            var hasSymbolRun = false
            var lookAlikes = 0
            var otherLetters = 0
            while end < n {
                let w = units.values[end]
                if isASCIILetter(w) {
                    hasLetter = true
                    hasASCIILetter = true
                } else if isLetter(w) {
                    hasLetter = true
                    if Confusables.ascii(w) != nil { lookAlikes += 1 } else { otherLetters += 1 }
                } else if isNumber(w) || w == 0x40 || w == 0x24 {
                    hasSymbolRun = true
                } else {
                    break
                }
                end += 1
            }
            // Look-alikes become ASCII in a word that mixes them with ASCII
            // letters (`gаrаntizado` with Cyrillic а) or that is made of
            // nothing else (`ɢᴜᴀʀᴀɴᴛᴇᴇᴅ`); a word of another script stays.
            if lookAlikes > 0 && (hasASCIILetter || otherLetters == 0) {
                for k in i..<end {
                    if let ascii = Confusables.ascii(units.values[k]) { units.values[k] = ascii }
                }
                hasASCIILetter = true
            }
            if hasLetter && hasSymbolRun { mapLeetRuns(&units, i..<end) }
            i = end
        }
    }

    /// Reads the digits, `@` and `$` of `word` as letters, unless one of
    /// them is not a leet character (a 2, 6, 9: `covid19`, `2x1` are codes) or
    /// a `$` stands directly before a digit (`us$44` is a price).
    static func mapLeetRuns(_ units: inout FoldedUnits, _ word: Range<Int>) {
        for k in word {
            let v = units.values[k]
            guard !isLetter(v) else { continue }
            if leetLetter(v) == nil { return }
            if v == 0x24, k + 1 < word.upperBound, isNumber(units.values[k + 1]) { return }
        }
        for k in word where !isLetter(units.values[k]) {
            units.values[k] = leetLetter(units.values[k])!
        }
    }

    // MARK: - Output

    static func build(_ units: FoldedUnits, original: String) -> NormalizedText {
        let values = units.values
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count + 8)
        var starts: [Int32]? = nil
        if values.contains(where: { $0 >= 0x80 }) {
            var list: [Int32] = []
            list.reserveCapacity(values.count + 1)
            for v in values {
                list.append(Int32(bytes.count))
                appendUTF8(v, units.extras, to: &bytes)
            }
            list.append(Int32(bytes.count))
            starts = list
        } else {
            for v in values { bytes.append(UInt8(truncatingIfNeeded: v)) }
        }
        return NormalizedText(
            original: original, text: String(decoding: bytes, as: UTF8.self), origins: units.origins,
            utf8Starts: starts, originalCount: units.originalCount)
    }

    @inline(__always)
    static func appendUTF8(_ v: UInt32, _ extras: [String], to bytes: inout [UInt8]) {
        switch v {
        case ..<0x80:
            bytes.append(UInt8(v))
        case ..<0x800:
            bytes.append(UInt8(0xC0 | (v >> 6)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        case ..<0x10000:
            bytes.append(UInt8(0xE0 | (v >> 12)))
            bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        case ..<FoldedUnits.complexBase:
            bytes.append(UInt8(0xF0 | (v >> 18)))
            bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (v & 0x3F)))
        default:
            bytes.append(contentsOf: extras[Int(v - FoldedUnits.complexBase)].utf8)
        }
    }
}
