/// A number as amounts of money are written, read from a `ScanText`, in the
/// US and the European forms: `1299`, `1,299`, `1,299.00`, `49.9`, `49,00`,
/// `29.000` (= 29000), `1.299,00`, `1'299`, `1 299` (space groups only where
/// the caller allows them: next to a currency), `29,-` / `29.-` (no cents).
///
/// A dot or comma followed by exactly three digits after one to three digits
/// is a thousands separator (`29.000`, `29,000`): nobody writes prices with
/// three decimals. Nil for what is not an amount: a dotted sequence (`1.2.3`,
/// a date `29.11.2026`), four or more decimals, a time (`14:15`), a fraction
/// or date with `/`, or digits glued to letters that are not in
/// `gluedSuffixes` (`10am`, `mp4`, `29th`).
struct MoneyNumber {
    /// The digits and separators (without the `,-`).
    var range: Range<Int>
    var hundredths: Int
    var fractionDigits: Int
    /// `29,-` (`true`, comma) or `29.-`: the dash says "no cents".
    var dash: UInt8?
    /// After the dash, or `range.upperBound`.
    var end: Int
    /// Letters glued after the digits (`29k`, `29usd`), starting at `end`.
    var glued: (word: String, end: Int)?

    /// Whether a number may start at `i`: a digit not continuing a number or a
    /// word; letters directly before are allowed only when they are
    /// `prefixes` (`usd49`).
    static func starts(_ text: ScanText, at i: Int, prefixes: Set<String>) -> Bool {
        guard ScanText.isDigit(text[i]) else { return false }
        let previous = text[i - 1]
        if ScanText.isDigit(previous) { return false }
        if previous == UInt8(ascii: ".") || previous == UInt8(ascii: ",") || previous == UInt8(ascii: "'") {
            if ScanText.isDigit(text[i - 2]) { return false }
        }
        if ScanText.isLetter(previous) {
            guard let (word, _) = text.word(endingAt: i), prefixes.contains(word) else { return false }
        }
        return true
    }

    static func read(_ text: ScanText, at i: Int, spaceGroups: Bool, gluedSuffixes: Set<String>) -> MoneyNumber? {
        var j = i
        while ScanText.isDigit(text[j]) { j += 1 }
        let leadDigits = j - i
        guard leadDigits > 0, leadDigits <= 13 else { return nil }
        var integer = 0
        for k in i..<j { integer = integer * 10 + Int(text[k] &- 0x30) }

        // Thousands groups, one separator throughout.
        var separator: UInt8? = nil
        if leadDigits <= 3 {
            let candidates: [UInt8] =
                spaceGroups
                ? [UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: "'"), 0x20]
                : [UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: "'")]
            for candidate in candidates where isGroup(text, at: j, separator: candidate) {
                separator = candidate
                while isGroup(text, at: j, separator: candidate), integer < 1_000_000_000_000 {
                    integer = integer * 1000 + (1...3).reduce(0) { $0 * 10 + Int(text[j + $1] &- 0x30) }
                    j += 4
                }
                break
            }
        }

        // Decimals: the separator that is not the thousands one.
        var fraction = 0
        var fractionDigits = 0
        let decimalSeparators: [UInt8] =
            switch separator {
            case UInt8(ascii: ","): [UInt8(ascii: ".")]
            case UInt8(ascii: "."): [UInt8(ascii: ",")]
            default: [UInt8(ascii: "."), UInt8(ascii: ",")]
            }
        if decimalSeparators.contains(text[j]), ScanText.isDigit(text[j + 1]) {
            var k = j + 1
            while ScanText.isDigit(text[k]) { k += 1 }
            fractionDigits = k - j - 1
            guard fractionDigits <= 2 else { return nil }
            for m in (j + 1)..<k { fraction = fraction * 10 + Int(text[m] &- 0x30) }
            j = k
        }
        // 29.11.2026, 1.2.3, 1,2,3.
        if (text[j] == UInt8(ascii: ".") || text[j] == UInt8(ascii: ",")) && ScanText.isDigit(text[j + 1]) {
            return nil
        }
        // Times, fractions and dates.
        if text[j] == UInt8(ascii: ":") && ScanText.isDigit(text[j + 1]) { return nil }
        if text[i - 1] == UInt8(ascii: ":") && ScanText.isDigit(text[i - 2]) { return nil }
        if text[j] == UInt8(ascii: "/") && ScanText.isDigit(text[j + 1]) { return nil }
        if text[i - 1] == UInt8(ascii: "/") && ScanText.isDigit(text[i - 2]) { return nil }

        let range = i..<j
        var end = j
        var dash: UInt8? = nil
        if fractionDigits == 0, text[j] == UInt8(ascii: ",") || text[j] == UInt8(ascii: "."),
            text[j + 1] == UInt8(ascii: "-")
        {
            var k = j + 1
            while text[k] == UInt8(ascii: "-") && k < j + 3 { k += 1 }
            if !ScanText.isAlnum(text[k]) {
                dash = text[j]
                end = k
            }
        }
        var glued: (word: String, end: Int)? = nil
        if ScanText.isLetter(text[end]) {
            guard let (word, wordEnd) = text.word(startingAt: end), gluedSuffixes.contains(word) else { return nil }
            glued = (word, wordEnd)
        }
        let hundredths = integer * 100 + (fractionDigits == 1 ? fraction * 10 : fraction)
        return MoneyNumber(
            range: range, hundredths: hundredths, fractionDigits: fractionDigits, dash: dash, end: end, glued: glued)
    }

    /// A separator then exactly three digits at `j`.
    private static func isGroup(_ text: ScanText, at j: Int, separator: UInt8) -> Bool {
        text[j] == separator && ScanText.isDigit(text[j + 1]) && ScanText.isDigit(text[j + 2])
            && ScanText.isDigit(text[j + 3]) && !ScanText.isDigit(text[j + 4])
    }
}

extension ScanText {
    /// The ASCII bytes `range` of `bytes` as a String, built in place (no
    /// intermediate array): the word readers call it for every word of every text.
    static func ascii(_ bytes: [UInt8], _ range: Range<Int>, droppingDots: Bool = false) -> String {
        String(unsafeUninitializedCapacity: range.count) { buffer in
            var count = 0
            for k in range where !(droppingDots && bytes[k] == UInt8(ascii: ".")) {
                buffer[count] = bytes[k]
                count += 1
            }
            return count
        }
    }
}
