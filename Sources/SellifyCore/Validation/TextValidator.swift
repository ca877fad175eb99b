public import SellifyLua

/// Pipeline stage 8, anti-hallucination: checks an outgoing text against the
/// forbidden list, the catalog and the configuration. Built once per rules /
/// catalog / config version (the phrase automaton is compiled in `init`).
///
/// Checks and their codes (severity `block` unless said otherwise):
/// - `forbidden_word`: a `phrase` entry of `rules/forbidden_words.lua`, matched
///   on the NORMALIZED text at word boundaries (so `g4rant1zado`,
///   `G U A R A N T E E D`, `garantízado`, `ɢᴜᴀʀᴀɴᴛᴇᴇᴅ`, `gаrаntizado` with
///   Cyrillic а, `guar\u{3164}anteed` are caught), and again on the squeezed
///   text (`SqueezedText`: `gu ar an te ed`, `guar·an·teed`, `*g*uaranteed`,
///   `guarant€€d`, `r!sk free`, `100 percent safe`); severity from the entry.
/// - `forbidden_pattern`: a `pattern` entry, run with the sandbox's budgeted
///   `string.find` on the normalized text; severity from the entry.
/// - whatever `check(text, ctx)` returns (its own codes, severity `block`), on
///   the text as written; its 1-based inclusive byte `start`/`finish` become
///   Character offsets (a violation without `start` spans the whole text).
/// - `price_mismatch`, `price_without_currency` (warn): see `TextValidator+Money.swift`.
/// - `discount_too_high`: see `TextValidator+Money.swift`.
/// - `unknown_product`: see `ProductNameCheck`.
/// - `url_not_allowed`, `phone_not_allowed`: see `TextValidator+Links.swift`.
/// - `too_long`: more than `validation.max_length` Characters; the span is the excess.
/// - `bidi_override`: a right-to-left or left-to-right override (U+202E,
///   U+202D), which makes a text display as something other than what was
///   checked (`\u{202E}deetnaraug` shows as `guaranteed`).
///
/// Spans are Character offsets in the text as written; a match on the
/// normalized text is mapped back through `NormalizedText`.
public final class TextValidator: Sendable {
    let rules: RuleSet
    /// The only products (and prices) that exist.
    let catalog: Catalog
    let validation: ValidationConfiguration
    let forbiddenPhrases: PhraseMatcher<Int>
    /// The phrase entries squeezed (`SqueezedText`), for the separated forms.
    let squeezedPhrases: PhraseMatcher<Int>
    /// Indices into `rules.forbidden.entries` of the pattern entries.
    let patternEntries: [Int]
    let discountPhrases: PhraseMatcher<Double>
    let productNames: ProductNameCheck
    /// Lowercase, without a leading `*.` or `.` or trailing `.`.
    let allowedDomains: [String]
    let allowedTopLevelDomains: Set<String>
    /// Digits only.
    let phoneNumbers: [String]

    public init(rules: RuleSet, catalog: Catalog, validation: ValidationConfiguration, account: AccountConfiguration) {
        self.rules = rules
        self.catalog = catalog
        self.validation = validation
        let entries = rules.forbidden.entries
        let phrases = PhraseMatcher(
            entries.indices.compactMap { index in
                entries[index].phrase.map { ($0, index) }
            })
        forbiddenPhrases = phrases
        squeezedPhrases = PhraseMatcher(
            normalized: phrases.phrases.indices.compactMap { position in
                let squeezed = String(decoding: SqueezedText(phrases.phrases[position]).bytes, as: UTF8.self)
                return squeezed.unicodeScalars.count >= SqueezedText.minimumLength
                    ? (squeezed, phrases.values[position]) : nil
            })
        patternEntries = entries.indices.filter { entries[$0].pattern != nil }
        discountPhrases = PhraseMatcher(Self.discountPhraseList)
        productNames = ProductNameCheck(catalog: catalog, allowedNames: validation.allowedNames)
        allowedDomains = validation.allowedDomains.map { domain in
            var d = Substring(domain.lowercased())
            for prefix in ["https://", "http://", "*.", "."] where d.hasPrefix(prefix) { d = d.dropFirst(prefix.count) }
            while d.hasSuffix(".") || d.hasSuffix("/") { d = d.dropLast() }
            return String(d)
        }.filter { !$0.isEmpty }
        allowedTopLevelDomains = Set(allowedDomains.compactMap { $0.split(separator: ".").last.map(String.init) })
        phoneNumbers = account.phoneNumbers.map { String($0.filter(\.isASCIIDigit)) }.filter { !$0.isEmpty }
    }

    /// Validates `text`. `products` are the catalog products of the
    /// conversation (the decision's product and those the customer named):
    /// the only prices the text may quote. `context` is passed to the rules'
    /// `check(text, ctx)` (nil when validating a text on its own).
    /// Throws only when the rules fail (a pattern over its step budget, an
    /// error in `check`).
    public func validate(_ text: String, products: [Product], context: LuaValue?) throws(LuaError) -> ValidationResult {
        var units = TextNormalizer.fold(text)
        var scan = ScanText(units)
        TextNormalizer.collapseWhitespace(&units)
        // The squeezed text is made before single letters are joined (it joins
        // them itself), so `It's a m!racle` keeps `a` and `m` apart.
        var apart = units
        TextNormalizer.joinSeparatedLetters(&units)
        TextNormalizer.undoLeetspeak(&units)
        let normalized = TextNormalizer.build(units, original: text)

        var violations: [Violation] = []

        // Forbidden phrases and patterns, on the normalized text.
        let entries = rules.forbidden.entries
        var found: [(entry: Int, range: Range<Int>)] = []
        for match in forbiddenPhrases.matches(in: normalized.text) {
            let entry = entries[match.value]
            let range = normalized.originalRange(utf8: match.range)
            found.append((match.value, range))
            violations.append(
                Violation(
                    code: "forbidden_word",
                    message: "forbidden claim '\(forbiddenPhrases.phrases[match.phraseIndex])' (\(entry.category))",
                    severity: entry.severity.rawValue, start: range.lowerBound, end: range.upperBound))
        }
        if !squeezedPhrases.isEmpty {
            TextNormalizer.undoLeetspeak(&apart)
            let unjoined = TextNormalizer.build(apart, original: text)
            let squeezed = SqueezedText(unjoined.text)
            let matches = squeezed.bytes.withUnsafeBufferPointer { bytes in
                squeezedPhrases.matches(in: bytes, accept: squeezed.accepts)
            }
            // Spaced syllables end a word at each syllable: keep the longest claim
            // (`ga ran ti za do` is `garantizado`, not also `garantiza`).
            let longest = matches.filter { match in
                !matches.contains { other in
                    other.range.count > match.range.count && other.range.lowerBound <= match.range.lowerBound
                        && other.range.upperBound >= match.range.upperBound
                }
            }
            for match in longest {
                let range = unjoined.originalRange(utf8: squeezed.normalizedRange(match.range))
                guard !found.contains(where: { $0.entry == match.value && $0.range.overlaps(range) }) else { continue }
                found.append((match.value, range))
                let entry = entries[match.value]
                violations.append(
                    Violation(
                        code: "forbidden_word",
                        message: "forbidden claim '\(entry.phrase ?? "")' (\(entry.category)), written apart",
                        severity: entry.severity.rawValue, start: range.lowerBound, end: range.upperBound))
            }
        }
        if !patternEntries.isEmpty {
            let bytes = Array(normalized.text.utf8)
            let found = try rules.matches(ofPatterns: patternEntries.map { entries[$0].pattern! }, in: normalized.text)
            for (position, index) in patternEntries.enumerated() {
                let entry = entries[index]
                for found in found[position] {
                    let utf8 = (found.lowerBound - 1)..<found.upperBound
                    let matched = String(
                        decoding: bytes[max(0, utf8.lowerBound)..<min(bytes.count, utf8.upperBound)], as: UTF8.self)
                    let range = normalized.originalRange(utf8: utf8)
                    violations.append(
                        Violation(
                            code: "forbidden_pattern",
                            message: "forbidden claim '\(matched)' (\(entry.category), pattern '\(entry.pattern!)')",
                            severity: entry.severity.rawValue, start: range.lowerBound, end: range.upperBound))
                }
            }
        }

        // The rules' own check, on the text as written.
        let custom = try rules.customCheck(text: text, context: context ?? .nil)
        if !custom.isEmpty {
            let characters = Self.characterOffsets(ofUTF8In: text)
            for violation in custom {
                var range = 0..<normalized.originalCount
                if let start = violation.start {
                    let lower = characters.character(atUTF8: start - 1)
                    let upper = violation.finish.map { characters.character(endingAtUTF8: $0) } ?? lower + 1
                    range = lower..<max(lower, upper)
                }
                violations.append(
                    Violation(
                        code: violation.code, message: violation.message, start: range.lowerBound, end: range.upperBound
                    ))
            }
        }

        // Links first: what is inside a link is neither a price nor a phone.
        let links = scanLinks(scan)
        violations += linkViolations(scan, links: links, original: text)
        for link in links {
            for k in link.span { scan.bytes[k] = ScanText.other }
        }
        violations += priceViolations(scan, amounts: scanAmounts(scan), products: products)
        violations += discountViolations(scan, normalized: normalized)
        violations += phoneViolations(scan, original: text)
        violations += productNames.violations(in: text)

        if let override = Self.bidiOverride(in: text) {
            violations.append(
                Violation(
                    code: "bidi_override",
                    message:
                        "text contains a bidirectional override (U+\(String(override.value, radix: 16, uppercase: true))): it would display differently from what was checked",
                    start: 0, end: normalized.originalCount))
        }
        if normalized.originalCount > validation.maxLength {
            violations.append(
                Violation(
                    code: "too_long",
                    message: "text is \(normalized.originalCount) characters long (maximum \(validation.maxLength))",
                    start: validation.maxLength, end: normalized.originalCount))
        }
        return ValidationResult(violations: violations)
    }

    /// The first right-to-left or left-to-right override in `text`.
    static func bidiOverride(in text: String) -> Unicode.Scalar? {
        guard text.utf8.contains(0xE2) else { return nil }
        return text.unicodeScalars.first { $0.value == 0x202E || $0.value == 0x202D }
    }

    /// UTF-8 offset → Character offset for a text as written.
    struct CharacterOffsets {
        /// UTF-8 offset of each Character, then the total.
        let starts: [Int]

        /// The Character containing byte `offset` (0-based).
        func character(atUTF8 offset: Int) -> Int {
            var lo = 0
            var hi = starts.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
            }
            return min(lo, max(0, starts.count - 1))
        }

        /// The end (exclusive) of the Character containing byte `offset - 1`.
        func character(endingAtUTF8 offset: Int) -> Int {
            guard offset > 0 else { return 0 }
            return min(character(atUTF8: offset - 1) + 1, starts.count - 1)
        }
    }

    static func characterOffsets(ofUTF8In text: String) -> CharacterOffsets {
        var starts: [Int] = []
        var offset = 0
        for character in text {
            starts.append(offset)
            offset += character.utf8.count
        }
        starts.append(offset)
        return CharacterOffsets(starts: starts)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
