// Discounts in an outgoing text (`discount_too_high`); what is recognized is
// documented at the top of TextValidator+Money.swift.

extension TextValidator {
    static let discountWords: Set<String> = [
        "off", "discount", "discounts", "discounted", "descuento", "descuentos", "descuentazo", "dto", "dcto", "dscto",
        "descto", "desc", "save", "saving", "savings", "ahorra", "ahorras", "ahorre", "ahorro", "ahorrar", "ahorrate",
        "rebaja", "rebajas", "rebajado", "rebajada", "rebajados", "rebajadas", "rebajamos", "less", "menos",
        "cheaper", "barato", "barata", "baratos", "baratas", "reduced", "reducido", "reducida", "reduccion",
        "markdown", "promo", "promocion", "oferta", "sale", "liquidacion", "clearance", "cashback", "bonificacion",
    ]
    /// `el segundo al 50%`: the discount is on one item of two.
    static let secondItemWords: Set<String> = ["segundo", "segunda", "second", "2do", "2da", "2nd"]
    /// `todo al 50%`.
    static let everythingWords: Set<String> = ["todo", "toda", "todos", "todas", "everything", "all", "tienda"]

    /// N for M: `2x1`, `dos por uno`.
    static let timesSigns: Set<Character> = ["×", "✕", "✖", "⨯", "╳", "✗", "х"]
    /// `lleva 3 paga 2`: the first verb.
    static let takeVerbs: Set<String> = [
        "lleva", "llevate", "llevas", "lleve", "llevese", "llevan", "compra", "compras", "compre", "take", "get",
        "buy", "grab",
    ]
    static let payVerbs: Set<String> = ["paga", "pagas", "pague", "pagues", "pagan", "pay", "pays"]
    /// `compra uno y llévate otro gratis`: the first verb.
    static let buyVerbs: Set<String> = [
        "compra", "compras", "compre", "compres", "comprando", "buy", "purchase", "order", "pide", "pidas",
        "ordena", "adquiere", "adquiera", "lleva", "llevate", "get",
    ]
    static let getVerbs: Set<String> = [
        "llevate", "lleva", "llevas", "lleve", "llevese", "get", "gets", "take", "recibe", "recibes", "receive",
        "obten", "obtienes", "regalamos", "regalo", "regala", "damos",
    ]
    /// The first letters of the verbs an offer starts with (a cheap exit for other words).
    static let offerFirstLetters: [Bool] = {
        var letters = [Bool](repeating: false, count: 256)
        for verb in takeVerbs.union(buyVerbs).union(payVerbs) { letters[Int(verb.utf8.first!)] = true }
        return letters
    }()
    /// Verbs that make the item free by themselves.
    static let giftVerbs: Set<String> = ["regalamos", "regalo", "regala"]
    static let freeWords: Set<String> = ["gratis", "free", "gratuito", "gratuita", "gratuitos", "gratuitas", "regalo"]
    static let offerFillers: Set<String> = [
        "y", "and", "te", "solo", "only", "just", "solamente", "el", "la", "a", "mas",
    ]
    /// Sizes after `2x1`: not an offer.
    static let sizeWords: Set<String> = [
        "m", "cm", "mm", "mts", "metros", "metro", "in", "inches", "pulgadas", "ft", "pies", "km", "kg", "g",
        "meses", "months", "semanas", "weeks", "dias", "days", "horas", "hours", "anos", "years", "personas",
        "people", "persons",
    ]

    static let sizeCues: Set<String> = [
        "mide", "miden", "medidas", "medida", "tamano", "size", "sizes", "dimensiones", "dimensions", "measures",
        "horario", "schedule", "formato", "format", "resolucion", "resolution", "calibre", "cuadricula", "grid",
    ]

    static let discountPhraseList: [(phrase: String, value: Double)] = {
        var list: [(phrase: String, value: Double)] = []
        let half = [
            "half price", "half-price", "half off", "half-off", "half the price", "pay half", "pay only half",
            "pay just half", "save half", "1/2 price", "½ price", "1/2 off", "½ off", "mitad de precio",
            "mitad del precio", "medio precio", "paga la mitad", "pagas la mitad", "pague la mitad", "pagar la mitad",
            "paga solo la mitad", "pagas solo la mitad", "paga solamente la mitad", "pagaras la mitad",
            "pagarias la mitad", "ahorra la mitad", "ahorras la mitad", "1/2 precio", "½ precio", "bogo", "bogof",
            "b1g1", "gratis el segundo", "gratis la segunda", "el segundo gratis", "la segunda gratis",
            "segundo gratis", "segunda gratis", "segunda unidad gratis", "2da unidad gratis", "2do gratis",
            "2da gratis", "el segundo es gratis", "la segunda es gratis", "el segundo de regalo",
            "la segunda de regalo", "second one free", "second free", "second one is free", "second item free",
            "2nd one free", "2nd free", "second one for free", "otro gratis", "otra gratis", "otro de regalo",
            "otra de regalo", "another one free", "another free", "another for free",
        ]
        list += half.map { ($0, 50.0) }
        let third = ["a third off", "one third off", "1/3 off", "⅓ off", "un tercio de descuento", "un tercio menos"]
        list += third.map { ($0, 100.0 / 3) }
        list += ["a quarter off", "one quarter off", "1/4 off", "¼ off", "un cuarto de descuento"].map { ($0, 25.0) }
        return list
    }()

    struct DiscountFinding {
        /// Character offsets in the original text.
        var range: Range<Int>
        var value: Double
        /// nil: a percentage; else what was written.
        var phrase: String?
    }

    func discountViolations(_ text: ScanText, normalized: NormalizedText) -> [Violation] {
        var violations = symbolPriceViolations(text, original: normalized.original)
        let maximum = validation.maxDiscountPercent
        let limit = Self.formatPercent(maximum)
        var findings: [DiscountFinding] = []
        findings += percentDiscounts(text)
        findings += multiBuyDiscounts(text, original: normalized.original)
        findings += offerDiscounts(text, original: normalized.original)
        for match in discountPhrases.matches(in: normalized.text) {
            findings.append(
                DiscountFinding(
                    range: normalized.originalRange(utf8: match.range), value: match.value,
                    phrase: discountPhrases.phrases[match.phraseIndex]))
        }
        // One violation per place: the first finding wins (`compra uno y
        // llévate otro gratis` also contains `otro gratis`).
        var kept: [DiscountFinding] = []
        for finding in findings where finding.value > maximum {
            guard !kept.contains(where: { $0.range.overlaps(finding.range) }) else { continue }
            kept.append(finding)
        }
        for finding in kept {
            let message =
                if let phrase = finding.phrase {
                    "'\(phrase)' is a \(Self.formatPercent(finding.value))% discount, above the maximum of \(limit)%"
                } else {
                    "discount of \(Self.formatPercent(finding.value))% is above the maximum of \(limit)%"
                }
            violations.append(
                Violation(
                    code: "discount_too_high", message: message, start: finding.range.lowerBound,
                    end: finding.range.upperBound))
        }
        return violations
    }

    /// Percentages promised as a discount: `50% off`, `-50%`, `cincuenta por
    /// ciento de descuento`, `todo al 50%`.
    func percentDiscounts(_ text: ScanText) -> [DiscountFinding] {
        var findings: [DiscountFinding] = []
        var i = 0
        while i < text.count {
            var found: (start: Int, end: Int, value: Double)? = nil
            if ScanText.isDigit(text[i]) {
                guard MoneyNumber.starts(text, at: i, prefixes: []),
                    let number = ScannedNumber.read(
                        text, at: i, allowedSuffixes: ["percent", "porciento", "pct", "por", "per"])
                else {
                    while ScanText.isDigit(text[i]) { i += 1 }
                    continue
                }
                if let end = isPercentage(text, after: number.range.upperBound) {
                    found = (i, end, Double(number.hundredths) / 100)
                } else if text[i - 1] == UInt8(ascii: "%") {
                    found = (i - 1, number.range.upperBound, Double(number.hundredths) / 100)  // `%50` (Turkish style)
                }
                i = max(number.range.upperBound, i + 1)
            } else if NumberWords.starts(text, at: i) {
                if let reading = NumberWords.read(text, at: i),
                    let end = isPercentage(text, after: reading.range.upperBound)
                {
                    found = (i, end, Double(reading.value))
                    i = end
                } else {
                    while ScanText.isLetter(text[i]) { i += 1 }
                }
            } else {
                i += 1
            }
            guard let found else { continue }
            var start = found.start
            let end = found.end
            var value = found.value
            let before = discountContext(text, before: start)
            let after = discountContext(text, after: end)
            var isDiscount = false
            for (k, word) in before.enumerated() where Self.discountWords.contains(word) {
                // `al menos 50%`, `por lo menos`: at least.
                if word == "menos", k + 1 < before.count, before[k + 1] == "al" || before[k + 1] == "lo" { continue }
                isDiscount = true
            }
            if after.contains(where: Self.discountWords.contains) { isDiscount = true }
            // `-50%`, `−50 %`, `hasta -50%` (not a range `10-50%`).
            var p = start
            if ScanText.isSpace(text[p - 1]) && text[p - 2] == UInt8(ascii: "-") { p -= 1 }
            if text[p - 1] == UInt8(ascii: "-"), !ScanText.isAlnum(text[p - 2]) {
                isDiscount = true
                start = p - 1
            }
            if before.first == "al",
                before.dropFirst().contains(where: {
                    Self.everythingWords.contains($0) || Self.secondItemWords.contains($0)
                })
            {
                isDiscount = true
            }
            guard isDiscount else { continue }
            if before.contains(where: Self.secondItemWords.contains) { value /= 2 }
            findings.append(DiscountFinding(range: text.originalRange(start..<end), value: value, phrase: nil))
        }
        return findings
    }

    /// Up to three words before `position` in the same clause, nearest first;
    /// other numbers and percentages between do not count (`descuentos del
    /// 10% al 50%`).
    func discountContext(_ text: ScanText, before position: Int) -> [String] {
        var words: [String] = []
        var end = position
        while words.count < 3 {
            while end > 0 {
                let b = text[end - 1]
                let numeric =
                    ScanText.isDigit(b) || b == UInt8(ascii: "%")
                    || ((b == UInt8(ascii: ".") || b == UInt8(ascii: ",")) && ScanText.isDigit(text[end - 2]))
                guard Self.isGap(b) || b == UInt8(ascii: ":") || numeric else { break }
                end -= 1
            }
            guard let (word, start) = text.word(endingAt: end) else { break }
            words.append(word)
            end = start
        }
        return words
    }

    func discountContext(_ text: ScanText, after position: Int) -> [String] {
        var words: [String] = []
        var start = position
        while words.count < 3 {
            while start < text.count {
                let b = text[start]
                let numeric =
                    ScanText.isDigit(b) || b == UInt8(ascii: "%")
                    || ((b == UInt8(ascii: ".") || b == UInt8(ascii: ",")) && ScanText.isDigit(text[start + 1]))
                guard Self.isGap(b) || numeric else { break }
                start += 1
            }
            guard let (word, end) = text.word(startingAt: start) else { break }
            words.append(word)
            start = end
        }
        return words
    }

    /// A small count in digits or words at `p` (`2`, `dos`, `two`, `uno`),
    /// and where it ends.
    func smallCount(_ text: ScanText, at p: Int, allowOther: Bool = false) -> (value: Int, end: Int)? {
        if ScanText.isDigit(text[p]) {
            guard !ScanText.isDigit(text[p - 1]) else { return nil }
            var k = p
            while ScanText.isDigit(text[k]) { k += 1 }
            guard k - p <= 2 else { return nil }
            if (text[k] == UInt8(ascii: ".") || text[k] == UInt8(ascii: ",")) && ScanText.isDigit(text[k + 1]) {
                return nil
            }
            var value = 0
            for m in p..<k { value = value * 10 + Int(text[m] &- 0x30) }
            return (value, k)
        }
        guard ScanText.isLetter(text[p]), !ScanText.isAlnum(text[p - 1]) else { return nil }
        if let reading = NumberWords.read(text, at: p), reading.value <= 20 {
            return (reading.value, reading.range.upperBound)
        }
        if let (word, end) = text.word(startingAt: p) {
            if ["a", "an"].contains(word) { return (1, end) }
            if allowOther, ["otro", "otra", "another", "uno", "una", "one"].contains(word) { return (1, end) }
            if allowOther, ["el", "la", "a", "the"].contains(word),
                let (next, nextEnd) = text.word(startingAt: skipSpaces(text, from: end)),
                Self.secondItemWords.contains(next)
            {
                return (1, nextEnd)  // `el segundo`, `a second`
            }
        }
        return nil
    }

    /// N for M: `2x1`, `2 × 1`, `2 por 1`, `two-for-one`, `3x2`, `2 por el
    /// precio de 1`: (N − M) / N.
    func multiBuyDiscounts(_ text: ScanText, original: String) -> [DiscountFinding] {
        var findings: [DiscountFinding] = []
        var symbols: SymbolReader? = nil
        var i = 0
        while i < text.count {
            let starts =
                ScanText.isDigit(text[i])
                ? MoneyNumber.starts(text, at: i, prefixes: []) : NumberWords.starts(text, at: i)
            guard starts, let (n, nEnd) = smallCount(text, at: i), (2...6).contains(n) else {
                i += 1
                while ScanText.isAlnum(text[i]) && ScanText.isAlnum(text[i - 1]) { i += 1 }
                continue
            }
            defer { i = max(nEnd, i + 1) }
            // Not a size chain `1x2x1`, not `mide 4x2`.
            if text[i - 1] == UInt8(ascii: "x") || text[i - 1] == UInt8(ascii: "*"), ScanText.isDigit(text[i - 2]) {
                continue
            }
            if text.words(before: i, limit: 2).contains(where: Self.sizeCues.contains) { continue }
            var p = nEnd
            var separated = false
            if text[p] == UInt8(ascii: "x") && ScanText.isDigit(text[p + 1]) && ScanText.isDigit(text[p - 1]) {
                p += 1  // `2x1`
                separated = true
            } else {
                var q = skipBlanks(text, from: p)
                if text[q] == UInt8(ascii: "-") { q = skipBlanks(text, from: q + 1) }
                if text[q] == UInt8(ascii: "*") {
                    q += 1
                    separated = true
                } else if text[q] == ScanText.other {
                    if symbols == nil { symbols = SymbolReader(text, original: original) }
                    if let c = symbols?.character(at: q), Self.timesSigns.contains(c) {
                        q += 1
                        separated = true
                    }
                } else if let (word, wordEnd) = text.word(startingAt: q), ["x", "por", "for"].contains(word) {
                    q = wordEnd
                    separated = true
                    // `2 por el precio de 1`, `two for the price of one`.
                    let rest = text.words(after: q, limit: 4)
                    if rest.count >= 3, rest[0] == "el" || rest[0] == "the", rest[1] == "precio" || rest[1] == "price",
                        rest[2] == "de" || rest[2] == "of"
                    {
                        var r = q
                        for _ in 0..<3 {
                            r = skipSpaces(text, from: r)
                            r = text.word(startingAt: r)?.end ?? r
                        }
                        q = r
                    }
                }
                guard separated else { continue }
                q = skipBlanks(text, from: q)
                if text[q] == UInt8(ascii: "-") { q = skipBlanks(text, from: q + 1) }
                p = q
            }
            guard separated, let (m, mEnd) = smallCount(text, at: p), m >= 1, m < n else { continue }
            // Sizes: `2x1 m`, `4x2x1`, `3 x 2.5`.
            if text[mEnd] == UInt8(ascii: "x") || text[mEnd] == UInt8(ascii: "*"), ScanText.isDigit(text[mEnd + 1]) {
                continue
            }
            if text[mEnd] == UInt8(ascii: "%") { continue }
            if text[mEnd] == ScanText.other,
                let c = (symbols ?? SymbolReader(text, original: original)).character(at: mEnd),
                Self.timesSigns.contains(c)
            {
                continue
            }
            if let next = text.words(after: mEnd, limit: 1).first, Self.sizeWords.contains(next) { continue }
            let range = text.originalRange(i..<mEnd)
            findings.append(
                DiscountFinding(
                    range: range, value: Double(n - m) * 100 / Double(n), phrase: Self.originalSlice(original, range)))
        }
        return findings
    }

    /// `lleva 3 paga 2` ((N − M) / N) and `compra uno y llévate otro gratis`,
    /// `buy one get one free` (M / (N + M)).
    func offerDiscounts(_ text: ScanText, original: String) -> [DiscountFinding] {
        var findings: [DiscountFinding] = []
        var i = 0
        while i < text.count {
            guard Self.offerFirstLetters[Int(text[i])], !ScanText.isAlnum(text[i - 1]),
                let (verb, verbEnd) = text.word(startingAt: i)
            else {
                i += 1
                continue
            }
            defer { i = max(verbEnd, i + 1) }
            guard Self.takeVerbs.contains(verb) || Self.buyVerbs.contains(verb) || Self.payVerbs.contains(verb) else {
                continue
            }
            var countStart = skipSpaces(text, from: verbEnd)
            if Self.payVerbs.contains(verb), let (word, wordEnd) = text.word(startingAt: countStart),
                ["por", "for", "solo", "only", "just"].contains(word)
            {
                countStart = skipSpaces(text, from: wordEnd)
            }
            guard let (n, nEnd) = smallCount(text, at: countStart), n >= 1, n <= 20 else { continue }
            // Up to four words (a noun, `y`, `te`, `solo`) before the second verb.
            var p = nEnd
            var second: (word: String, end: Int)? = nil
            for _ in 0..<5 {
                var q = skipSpaces(text, from: p)
                if text[q] == UInt8(ascii: ",") || text[q] == UInt8(ascii: "+") || text[q] == UInt8(ascii: "&")
                    || text[q] == UInt8(ascii: "-")
                {
                    q = skipSpaces(text, from: q + 1)
                }
                guard let (word, wordEnd) = text.word(startingAt: q) else { break }
                if Self.payVerbs.contains(word) || Self.getVerbs.contains(word) {
                    second = (word, wordEnd)
                    break
                }
                p = wordEnd
            }
            guard let (secondVerb, secondEnd) = second else { continue }
            var q = skipSpaces(text, from: secondEnd)
            if Self.payVerbs.contains(verb) {
                // `paga 1 lleva 2`, `pay for 2, take 3`.
                guard Self.takeVerbs.contains(secondVerb), let (taken, takenEnd) = smallCount(text, at: q), taken > n
                else { continue }
                let range = text.originalRange(i..<takenEnd)
                findings.append(
                    DiscountFinding(
                        range: range, value: Double(taken - n) * 100 / Double(taken),
                        phrase: Self.originalSlice(original, range)))
                continue
            }
            if Self.payVerbs.contains(secondVerb) {
                // `paga 2`, `pay for 2`, `paga solo 2`.
                for _ in 0..<2 {
                    if let (word, wordEnd) = text.word(startingAt: q),
                        ["por", "for", "solo", "only", "just", "solamente"].contains(word)
                    {
                        q = skipSpaces(text, from: wordEnd)
                    }
                }
                guard Self.takeVerbs.contains(verb), let (m, mEnd) = smallCount(text, at: q), m >= 1, m < n else {
                    continue
                }
                if let next = text.words(after: mEnd, limit: 1).first, Self.sizeWords.contains(next) { continue }
                let range = text.originalRange(i..<mEnd)
                findings.append(
                    DiscountFinding(
                        range: range, value: Double(n - m) * 100 / Double(n),
                        phrase: Self.originalSlice(original, range)))
                continue
            }
            guard Self.buyVerbs.contains(verb), let (m, mEnd) = smallCount(text, at: q, allowOther: true), m >= 1 else {
                continue
            }
            // `gratis`, `free`, `de regalo`, after up to two words (`otra taza gratis`).
            var end: Int? = Self.giftVerbs.contains(secondVerb) ? mEnd : nil
            if end == nil {
                var r = mEnd
                for _ in 0..<3 {
                    guard let (word, wordEnd) = text.word(startingAt: skipSpaces(text, from: r)) else { break }
                    if Self.freeWords.contains(word) {
                        end = wordEnd
                        break
                    }
                    r = wordEnd
                }
            }
            // `buy one get one` is free without saying it, unless a price, a
            // percentage or `half` follows (`buy one get one 50% off`).
            if end == nil, verb == "buy", secondVerb == "get" {
                let s = skipSpaces(text, from: mEnd)
                let next = text.word(startingAt: s)?.word
                if !ScanText.isDigit(text[s]), !["at", "for", "half", "por", "de"].contains(next ?? "") { end = mEnd }
            }
            guard let end else { continue }
            let range = text.originalRange(i..<end)
            findings.append(
                DiscountFinding(
                    range: range, value: Double(m) * 100 / Double(n + m), phrase: Self.originalSlice(original, range)))
        }
        return findings
    }

    /// Spaces only (a `*` may be the sign of `2 * 1`).
    func skipBlanks(_ text: ScanText, from p: Int) -> Int {
        var q = p
        while ScanText.isSpace(text[q]) && q < p + 2 { q += 1 }
        return q
    }

    /// The Characters `range` of `s`.
    static func originalSlice(_ s: String, _ range: Range<Int>) -> String {
        let start = s.index(s.startIndex, offsetBy: range.lowerBound, limitedBy: s.endIndex) ?? s.endIndex
        let end = s.index(start, offsetBy: range.count, limitedBy: s.endIndex) ?? s.endIndex
        return String(s[start..<end])
    }

    static func formatPercent(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}
