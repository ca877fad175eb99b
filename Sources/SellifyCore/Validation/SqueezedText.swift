/// The normalized text with everything but letters and digits squeezed out,
/// so a forbidden phrase is found however its letters are kept apart:
/// spaced syllables (`gu ar an te ed`), separators (`g/u/a/r`, `guar·an·teed`,
/// `risk|free`, `gu…ar`), WhatsApp markdown inside a word (`*g*uaranteed`,
/// `guar**anteed**`, `~ris~k`), symbols used as letters (`guarant€€d`,
/// `r!sk`, `6uaranteed`), a spelled-out percent (`100 percent safe` is
/// `100% safe`).
///
/// A match counts only when it starts where a word starts and ends where a
/// word ends (in the normalized text, before squeezing), and does not cross a
/// sentence break — `.`, `,`, `;`, `:`, `!`, `?` or `…` followed by a space —
/// so `no. Risk` is not `no risk` and `casino risk` is not `no risk`.
/// Phrases are squeezed the same way (`no risk` → `norisk`, `100% safe` →
/// `100safe`); phrases shorter than `minimumLength` letters are matched only
/// as written, where squeezing would join too many real words.
struct SqueezedText {
    /// Letters and digits of the normalized text (UTF-8).
    var bytes: [UInt8] = []
    /// For each byte, the offset of the byte in the normalized text it came from.
    var origins: [Int32] = []
    /// For each byte: a word starts here / a word ends just after it.
    var startsWord: [Bool] = []
    var endsWord: [Bool] = []
    /// For each byte, the sentence it is in (a counter of sentence breaks).
    var sentence: [Int32] = []

    static let minimumLength = 4

    /// Squeezes `text` (a normalized text).
    init(_ text: String) {
        var text = text
        text.withUTF8 { build(from: $0) }
    }

    struct Token {
        var range: Range<Int>
        var isWord: Bool
    }

    private mutating func build(from source: UnsafeBufferPointer<UInt8>) {
        bytes.reserveCapacity(source.count)
        origins.reserveCapacity(source.count)
        // Tokens: runs of word characters (letters, digits, marks) and runs of anything else.
        var tokens: [Token] = []
        var i = 0
        while i < source.count {
            let word = Self.isWordCharacter(source, at: i)
            var j = i + Self.scalarLength(source[i])
            while j < source.count && Self.isWordCharacter(source, at: j) == word { j += Self.scalarLength(source[j]) }
            tokens.append(Token(range: i..<min(j, source.count), isWord: word))
            i = j
        }
        var sentenceNumber: Int32 = 0
        var joinNext = false
        var previousWordWasNumber = false
        var t = 0
        while t < tokens.count {
            let token = tokens[t]
            if !token.isWord {
                // Symbols standing for letters between two letter words (`guarant€€d`, `r!sk`): letters.
                // Between two single letters a symbol is a separator (`g|u|a|r`).
                if t > 0, t + 1 < tokens.count, let letters = Self.leetLetters(source, token.range),
                    Self.hasLetter(source, tokens[t - 1].range), Self.hasLetter(source, tokens[t + 1].range),
                    tokens[t - 1].range.count > 1 || tokens[t + 1].range.count > 1
                {
                    if !endsWord.isEmpty { endsWord[endsWord.count - 1] = false }
                    for letter in letters {
                        append(letter, origin: token.range.lowerBound, starts: false, ends: false, sentenceNumber)
                    }
                    joinNext = true
                } else if Self.isSentenceBreak(source, token.range) {
                    sentenceNumber += 1
                }
                t += 1
                continue
            }
            // A spelled-out percent after a number is a `%`, which squeezing drops.
            if previousWordWasNumber, let skip = Self.percentWords(source, tokens, at: t) {
                previousWordWasNumber = false
                t += skip
                continue
            }
            let isNumber = token.range.allSatisfy { source[$0] &- 0x30 < 10 }
            let mapDigits = !isNumber && Self.isMostlyLetters(source, token.range)
            var first = true
            var k = token.range.lowerBound
            while k < token.range.upperBound {
                let length = Self.scalarLength(source[k])
                let last = k + length >= token.range.upperBound
                if length == 1 {
                    var byte = source[k]
                    if mapDigits, let letter = Self.digitLetter(byte) { byte = letter }
                    append(byte, origin: k, starts: first && !joinNext, ends: last, sentenceNumber)
                } else {
                    for m in 0..<length where k + m < source.count {
                        append(
                            source[k + m], origin: k + m, starts: first && m == 0 && !joinNext,
                            ends: last && m == length - 1, sentenceNumber)
                    }
                }
                first = false
                k += length
            }
            joinNext = false
            previousWordWasNumber = isNumber
            t += 1
        }
    }

    private mutating func append(_ byte: UInt8, origin: Int, starts: Bool, ends: Bool, _ sentence: Int32) {
        bytes.append(byte)
        origins.append(Int32(origin))
        startsWord.append(starts)
        endsWord.append(ends)
        self.sentence.append(sentence)
    }

    /// Whether `[start, end)` of `bytes` may be a match: a word starts at
    /// `start`, one ends at `end`, and no sentence break lies between.
    func accepts(_ start: Int, _ end: Int) -> Bool {
        start >= 0 && end <= bytes.count && end > start && startsWord[start] && endsWord[end - 1]
            && sentence[start] == sentence[end - 1]
    }

    /// The normalized-text byte range of squeezed bytes `range` (it may cut a
    /// Character that became a letter, `€`: `NormalizedText` widens it).
    func normalizedRange(_ range: Range<Int>) -> Range<Int> {
        Int(origins[range.lowerBound])..<(Int(origins[range.upperBound - 1]) + 1)
    }

    // MARK: - Classes

    @inline(__always)
    static func scalarLength(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    @inline(__always)
    static func isWordCharacter(_ source: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let byte = source[i]
        if byte < 0x80 { return WordBoundary.isASCIIWordByte(byte) }
        return WordBoundary.isWordScalar(WordBoundary.decode(source, at: i))
    }

    static func hasLetter(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        range.contains { source[$0] &- 0x61 < 26 }
    }

    /// More letters than digits, and at least two letters: a word, not a code.
    static func isMostlyLetters(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var letters = 0
        var digits = 0
        for k in range {
            let byte = source[k]
            if byte &- 0x61 < 26 { letters += 1 } else if byte &- 0x30 < 10 { digits += 1 }
        }
        return digits > 0 && letters >= 2 && letters > digits
    }

    /// 0 1 3 4 5 6 7 8 9 → the letter it stands for in a word.
    @inline(__always)
    static func digitLetter(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30: 0x6F  // o
        case 0x31: 0x69  // i
        case 0x33: 0x65  // e
        case 0x34: 0x61  // a
        case 0x35: 0x73  // s
        case 0x36, 0x39: 0x67  // g
        case 0x37: 0x74  // t
        case 0x38: 0x62  // b
        default: nil
        }
    }

    /// A run of symbols used as letters (`€ £ ! | ¡ ¢ @ $`), as those letters.
    static func leetLetters(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8]? {
        var letters: [UInt8] = []
        var k = range.lowerBound
        while k < range.upperBound {
            let length = scalarLength(source[k])
            let value = length == 1 ? UInt32(source[k]) : WordBoundary.decode(source, at: k)
            let letter: UInt8
            switch value {
            case 0x21, 0xA1: letter = 0x69  // ! ¡ → i
            case 0x7C: letter = 0x6C  // | → l
            case 0x40: letter = 0x61  // @ → a
            case 0x24: letter = 0x73  // $ → s
            case 0x20AC: letter = 0x65  // € → e
            case 0xA3: letter = 0x6C  // £ → l
            case 0xA2: letter = 0x63  // ¢ → c
            default: return nil
            }
            letters.append(letter)
            k += length
        }
        return letters.isEmpty || letters.count > 3 ? nil : letters
    }

    /// Sentence punctuation followed by a space.
    static func isSentenceBreak(_ source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var punctuation = false
        var k = range.lowerBound
        while k < range.upperBound {
            let byte = source[k]
            switch byte {
            case 0x2E, 0x2C, 0x3B, 0x3A, 0x21, 0x3F: punctuation = true  // . , ; : ! ?
            case 0x20: if punctuation { return true }
            case 0xE2:  // … U+2026
                if k + 2 < range.upperBound, source[k + 1] == 0x80, source[k + 2] == 0xA6 { punctuation = true }
            default: break
            }
            k += scalarLength(byte)
        }
        return false
    }

    /// How many tokens from `t` spell a percent (`percent`, `pct`, `porciento`,
    /// `por ciento`), or nil.
    static func percentWords(_ source: UnsafeBufferPointer<UInt8>, _ tokens: [Token], at t: Int) -> Int? {
        func word(_ index: Int) -> String? {
            guard index < tokens.count, tokens[index].isWord else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: source[tokens[index].range]), as: UTF8.self)
        }
        switch word(t) {
        case "percent", "pct", "porciento": return 1
        case "por", "per":
            guard t + 2 < tokens.count, !tokens[t + 1].isWord, word(t + 2) == "ciento" || word(t + 2) == "cent" else {
                return nil
            }
            return 3
        default: return nil
        }
    }
}
