extension IntentClassifier {
    /// The most a message can order this way: more is unusual enough for a
    /// person to confirm (the purchase rules still answer, without a quantity).
    static let maxQuantity = 12

    /// How many of a product the normalized `text` states next to one of its
    /// mentions (`ranges`, UTF-8 offsets, in order): a number right before
    /// it (`3 tazas`, `dos libretas`, `three notebooks`, `12 mugs`). Digits
    /// and number words from 1 to `maxQuantity`, Spanish and English. (`taza
    /// x3` is not read: the normalizer takes `x3` for leetspeak.) Not a quantity:
    /// a lone `un`/`una`/`uno` (an article as often as a number: `busco una
    /// taza`), the tail of a larger number (`veinte y dos tazas`, `twenty two
    /// mugs`, `1.5 tazas`), or a number further away (`tengo 2 preguntas
    /// sobre la taza`).
    static func quantity(of ranges: [Range<Int>], in text: String) -> Int? {
        let bytes = Array(text.utf8)
        for range in ranges {
            if let n = quantityBefore(range.lowerBound, bytes) { return n }
        }
        return nil
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The word ending just before `end` after skipping spaces back from it
    /// (at least one), with where it starts; nil when none or when a
    /// non-space separates it.
    private static func word(endingBefore end: Int, _ bytes: [UInt8]) -> (word: String, start: Int)? {
        var i = end
        while i > 0 && bytes[i - 1] == 0x20 { i -= 1 }
        guard i < end, i > 0, isWordByte(bytes[i - 1]) else { return nil }
        var start = i
        while start > 0 && isWordByte(bytes[start - 1]) { start -= 1 }
        return (String(decoding: bytes[start..<i], as: UTF8.self), start)
    }

    /// The value of a digit string or a number word, 1…`maxQuantity`.
    private static func value(of word: String) -> Int? {
        if word.utf8.allSatisfy(isDigit) {
            guard word.utf8.count <= 2, let n = Int(word) else { return nil }
            return (1...maxQuantity).contains(n) ? n : nil
        }
        guard !["un", "una", "uno"].contains(word), let entry = NumberWords.table[word],
            entry.kind == .unit || entry.kind == .closed, (1...maxQuantity).contains(entry.value)
        else { return nil }
        return entry.value
    }

    private static func isNumber(_ word: String) -> Bool {
        word.utf8.allSatisfy(isDigit) || NumberWords.table[word] != nil
    }

    private static func quantityBefore(_ mention: Int, _ bytes: [UInt8]) -> Int? {
        guard let (word, start) = word(endingBefore: mention, bytes), let n = value(of: word) else { return nil }
        // `1.5`, `2,5`: a fraction, not a count.
        if start >= 2, bytes[start - 1] == 0x2E || bytes[start - 1] == 0x2C, isDigit(bytes[start - 2]) { return nil }
        // The tail of a larger number: `veinte dos`, `twenty two`, `veinte y dos`, `1 2`.
        if let previous = self.word(endingBefore: start, bytes) {
            if isNumber(previous.word) { return nil }
            if previous.word == "y" || previous.word == "and",
                let before = self.word(endingBefore: previous.start, bytes), isNumber(before.word)
            {
                return nil
            }
        }
        return n
    }

}
