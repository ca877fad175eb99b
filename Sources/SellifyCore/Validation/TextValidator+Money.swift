// Prices and discounts in an outgoing text.
//
// PRICES. An amount is a number (1299, 1,299, 1,299.00, 49.9, 49,00) with a
// currency marker next to it (at most one space between):
//   before: `$`, `US$`, `USD$`, `MX$`, `MXN$`, `USD`, `MXN`
//   after:  `USD`, `MXN`, `$`, `dolares`/`dólares`, `dolar`, `dollars`, `dollar`,
//           `dls`, `dlls`, `pesos`, `peso`, `M.N.`
// `$` alone means USD or MXN; markers before and after must agree (`$1,299.00
// MXN` is MXN). Every amount must equal the catalog price of a product in the
// conversation, in a matching currency, else `price_mismatch` (block).
// A number WITHOUT a currency is read as a price when it has exactly two
// decimals (`49.00`) or follows a price word (`costs 49`, `precio: 49`,
// `cuesta solo 49`): if it equals a context product's price it is
// `price_without_currency` (warn: right number, missing currency), otherwise
// `price_mismatch` (block).
// Not prices: percentages, times (14:15), fractions and dates (24/7,
// 29/11/2026, 29.11.2026), numbers glued to letters (10am, 4k, mp4), numbers
// inside URLs, and — when no currency is written — ratings, versions and
// quantities with a unit (`rated 4.85`, `4.85 stars`, `1.25 kg`). Limits: an integer without a currency or price word is not
// checked ("49 dollars" is, "it is 49" is not); `€`, `£` and other currencies
// are not recognized; a number range written `19-99 USD` checks only 99.
//
// DISCOUNTS. A percentage (`20%`, `20 %`, `20 por ciento`, `20 percent`) is a
// promised discount when a discount word is within three words before or
// after it in the same clause (off, discount, descuento, dto, save, ahorra,
// rebaja, menos, less, promo, oferta…); `half price`, `mitad de precio` and
// `2x1` count as 50%, `3x2` as 33%. Above `validation.max_discount_percent`
// → `discount_too_high` (block). "100% safe" is not a discount (the forbidden
// patterns handle it).

extension TextValidator {
    static let currencyPrefixes: [String: Set<String>] = [
        "usd": ["USD"], "mxn": ["MXN"],
    ]
    static let dollarPrefixes: [String: Set<String>] = [
        "us": ["USD"], "usd": ["USD"], "mx": ["MXN"], "mxn": ["MXN"],
    ]
    static let currencySuffixes: [String: Set<String>] = [
        "usd": ["USD"], "mxn": ["MXN"], "dolares": ["USD"], "dolar": ["USD"], "dollars": ["USD"],
        "dollar": ["USD"], "dls": ["USD"], "dlls": ["USD"], "pesos": ["MXN"], "peso": ["MXN"],
    ]
    static let gluedSuffixes: Set<String> = Set(currencySuffixes.keys)
    static let gluedPrefixes: Set<String> = ["usd", "mxn"]
    static let priceWords: Set<String> = [
        "cost", "costs", "price", "priced", "precio", "cuesta", "cuestan", "vale", "valen", "pay", "paga", "pagas",
        "pagar", "total",
    ]
    static let fillerWords: Set<String> = [
        "is", "es", "de", "of", "only", "solo", "just", "at", "a", "por", "for", "from", "desde", "el", "the", "its",
        "su", "be", "sera", "now", "ahora", "tan",
    ]
    static let discountWords: Set<String> = [
        "off", "discount", "discounts", "discounted", "descuento", "descuentos", "dto", "desc", "save", "saving",
        "savings", "ahorra", "ahorras", "ahorre", "ahorro", "ahorrar", "rebaja", "rebajas", "rebajado", "rebajada",
        "less", "menos", "promo", "promocion", "oferta", "sale",
    ]

    struct Amount {
        var number: ScannedNumber
        /// Where the amount and its currency markers are.
        var span: Range<Int>
        /// nil: no currency written.
        var currencies: Set<String>?
        var cued: Bool
    }

    func scanAmounts(_ text: ScanText) -> [Amount] {
        var amounts: [Amount] = []
        var i = 0
        while i < text.count {
            guard ScannedNumber.starts(text, at: i, prefixes: Self.gluedPrefixes),
                  let number = ScannedNumber.read(text, at: i, allowedSuffixes: Self.gluedSuffixes)
            else {
                i += 1
                continue
            }
            i = max(number.range.upperBound, i + 1)
            if isPercentage(text, after: number.range.upperBound) != nil { continue }
            if text[number.range.lowerBound - 1] == UInt8(ascii: "+") { continue }  // +52…: a phone

            var spanStart = number.range.lowerBound
            var spanEnd = number.range.upperBound
            var before: Set<String>? = nil
            var after: Set<String>? = nil

            // Before: "$", "US$", "USD", with at most one space.
            var p = number.range.lowerBound
            if ScanText.isSpace(text[p - 1]) { p -= 1 }
            if text[p - 1] == UInt8(ascii: "$") {
                before = ["USD", "MXN"]
                spanStart = p - 1
                if let (word, start) = text.word(endingAt: p - 1), let codes = Self.dollarPrefixes[word] {
                    before = codes
                    spanStart = start
                }
            } else if let (word, start) = text.word(endingAt: p), let codes = Self.currencyPrefixes[word] {
                before = codes
                spanStart = start
            }

            // After: "USD", "pesos", "M.N.", "$", with at most one space.
            var q = number.range.upperBound
            if ScanText.isSpace(text[q]) { q += 1 }
            if text[q] == UInt8(ascii: "$") && !ScanText.isDigit(text[q + 1]) {
                after = ["USD", "MXN"]
                spanEnd = q + 1
            } else if text[q] == UInt8(ascii: "m"), text[q + 1] == UInt8(ascii: "."), text[q + 2] == UInt8(ascii: "n"),
                      !ScanText.isAlnum(text[q + 3]) {
                after = ["MXN"]
                spanEnd = text[q + 3] == UInt8(ascii: ".") ? q + 4 : q + 3
            } else if let (word, end) = text.word(startingAt: q), let codes = Self.currencySuffixes[word] {
                after = codes
                spanEnd = end
            }

            let currencies: Set<String>? =
                switch (before, after) {
                case let (b?, a?): b.intersection(a)
                case let (b?, nil): b
                case let (nil, a?): a
                case (nil, nil): nil
                }
            let cued = currencies == nil && isPriceCue(text, before: spanStart)
            guard currencies != nil || number.fractionDigits == 2 || cued else { continue }
            if currencies == nil && isMeasurement(text, number) { continue }
            amounts.append(Amount(number: number, span: spanStart..<spanEnd, currencies: currencies, cued: cued))
        }
        return amounts
    }

    /// A bare number that is a rating, a version or a quantity with a unit
    /// (`rated 4.85`, `4.85 stars`, `1.25 kg`), not a price.
    func isMeasurement(_ text: ScanText, _ number: ScannedNumber) -> Bool {
        if let next = text.words(after: number.range.upperBound, limit: 1).first, Self.unitWords.contains(next) { return true }
        return text.words(before: number.range.lowerBound, limit: 2).contains(where: Self.measurementCues.contains)
    }

    static let unitWords: Set<String> = [
        "stars", "star", "estrellas", "estrella", "kg", "g", "gr", "mg", "lb", "lbs", "oz", "cm", "mm", "m", "km", "in",
        "inches", "pulgadas", "ml", "l", "lt", "gb", "mb", "tb", "h", "hrs", "hours", "horas", "min", "minutes",
        "minutos", "days", "dias", "weeks", "semanas", "months", "meses", "years", "anos", "x",
    ]
    static let measurementCues: Set<String> = [
        "rated", "rating", "calificacion", "calificado", "calificada", "version", "v", "weighs", "pesa", "mide",
        "measures",
    ]

    func isPriceCue(_ text: ScanText, before position: Int) -> Bool {
        for word in text.words(before: position, limit: 4) {
            if Self.priceWords.contains(word) { return true }
            if !Self.fillerWords.contains(word) { return false }
        }
        return false
    }

    /// The end of a percent sign or word after a number ending at `end`.
    func isPercentage(_ text: ScanText, after end: Int) -> Int? {
        var q = end
        if ScanText.isSpace(text[q]) { q += 1 }
        if text[q] == UInt8(ascii: "%") { return q + 1 }
        guard let (word, wordEnd) = text.word(startingAt: q) else { return nil }
        switch word {
        case "percent", "porciento", "pct": return wordEnd
        case "por", "per":
            var r = wordEnd
            if ScanText.isSpace(text[r]) { r += 1 }
            if let (next, nextEnd) = text.word(startingAt: r), next == "ciento" || next == "cent" { return nextEnd }
            return nil
        default: return nil
        }
    }

    func priceViolations(_ text: ScanText, amounts: [Amount], products: [Product]) -> [Violation] {
        var violations: [Violation] = []
        let known = products.map { "\($0.name): \($0.price) \($0.currency.code)" }.joined(separator: ", ")
        let context = known.isEmpty ? "no product is in this conversation" : known
        for amount in amounts {
            let matches = products.contains { product in
                product.price.minorUnits == amount.number.hundredths
                    && (amount.currencies?.contains(product.currency.code) ?? true)
            }
            let value = ScannedNumber.format(amount.number.hundredths)
            let range = text.originalRange(amount.span)
            if let currencies = amount.currencies {
                guard !matches else { continue }
                let written = currencies.count == 1 ? "\(value) \(currencies.first!)" : (currencies.isEmpty ? "\(value) (conflicting currencies)" : "$\(value)")
                violations.append(Violation(
                    code: "price_mismatch",
                    message: "price \(written) is not the catalog price of a product in this conversation (\(context))",
                    start: range.lowerBound, end: range.upperBound))
            } else if matches {
                violations.append(Violation(
                    code: "price_without_currency", message: "price \(value) is written without a currency (\(context))",
                    severity: Violation.warn, start: range.lowerBound, end: range.upperBound))
            } else {
                violations.append(Violation(
                    code: "price_mismatch",
                    message: "price \(value) is not the catalog price of a product in this conversation (\(context))",
                    start: range.lowerBound, end: range.upperBound))
            }
        }
        return violations
    }

    func discountViolations(_ text: ScanText, normalized: NormalizedText) -> [Violation] {
        var violations: [Violation] = []
        let maximum = validation.maxDiscountPercent
        let limit = Self.formatPercent(maximum)
        var i = 0
        while i < text.count {
            guard ScannedNumber.starts(text, at: i, prefixes: []),
                  let number = ScannedNumber.read(text, at: i, allowedSuffixes: ["percent", "porciento", "pct", "por", "per"])
            else {
                i += 1
                continue
            }
            i = max(number.range.upperBound, i + 1)
            guard let end = isPercentage(text, after: number.range.upperBound) else { continue }
            let nearby = text.words(before: number.range.lowerBound, limit: 3) + text.words(after: end, limit: 3)
            guard nearby.contains(where: Self.discountWords.contains) else { continue }
            let percent = Double(number.hundredths) / 100
            guard percent > maximum else { continue }
            var start = number.range.lowerBound
            if text[start - 1] == UInt8(ascii: "-") { start -= 1 }
            let range = text.originalRange(start..<end)
            violations.append(Violation(
                code: "discount_too_high",
                message: "discount of \(Self.formatPercent(percent))% is above the maximum of \(limit)%",
                start: range.lowerBound, end: range.upperBound))
        }
        for match in discountPhrases.matches(in: normalized.text) where match.value > maximum {
            let range = normalized.originalRange(utf8: match.range)
            violations.append(Violation(
                code: "discount_too_high",
                message: "'\(discountPhrases.phrases[match.phraseIndex])' is a \(Self.formatPercent(match.value))% discount, above the maximum of \(limit)%",
                start: range.lowerBound, end: range.upperBound))
        }
        return violations
    }

    static let discountPhraseList: [(phrase: String, value: Double)] = [
        ("half price", 50), ("half off", 50), ("mitad de precio", 50), ("2x1", 50), ("2 x 1", 50), ("3x2", 100.0 / 3),
        ("3 x 2", 100.0 / 3),
    ]

    static func formatPercent(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}
