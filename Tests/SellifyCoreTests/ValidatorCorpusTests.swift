import Foundation
import SellifyCore
import Testing

/// The validator against a corpus of evasions (each must be refused with its
/// code) and of legitimate texts (each must pass), in Spanish and English:
/// `Tests/Fixtures/validation/{evasions,legitimate}.tsv`. `bench/validator`
/// reports recall and false positives on the same files.
enum ValidationCorpus {
    struct Line: Sendable, CustomTestStringConvertible {
        var label: String
        var code: String?
        var text: String
        var products: [String]
        var testDescription: String { "[\(label)] \(text.debugDescription)" }
    }

    static func load(_ name: String) -> [Line] {
        let url = fixtures.appendingPathComponent("validation/\(name).tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let evasion = name == "evasions"
            guard fields.count >= (evasion ? 3 : 2) else { return nil }
            let textIndex = evasion ? 2 : 1
            let products =
                fields.count > textIndex + 1
                ? fields[textIndex + 1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
            return Line(label: fields[0], code: evasion ? fields[1] : nil, text: fields[textIndex], products: products)
        }
    }

    static let evasions = load("evasions")
    static let legitimate = load("legitimate")
}

struct ValidatorCorpusTests {
    let shipped: Shipped
    let validator: TextValidator

    init() throws {
        shipped = try ValidationTests.shipped.get()
        validator = shipped.validator
    }

    func validate(_ line: ValidationCorpus.Line) throws -> ValidationResult {
        try validator.validate(
            line.text, products: line.products.compactMap(shipped.catalog.product(id:)), context: nil)
    }

    @Test func theCorpusIsThere() {
        #expect(ValidationCorpus.evasions.count >= 60)
        #expect(ValidationCorpus.legitimate.count >= 30)
    }

    @Test(arguments: ValidationCorpus.evasions)
    func everyEvasionIsRefused(_ line: ValidationCorpus.Line) throws {
        let result = try validate(line)
        #expect(!result.valid)
        #expect(result.violations.contains { $0.code == line.code && $0.severity == "block" }, "\(result.violations)")
    }

    @Test(arguments: ValidationCorpus.legitimate)
    func everyLegitimateTextPasses(_ line: ValidationCorpus.Line) throws {
        let result = try validate(line)
        #expect(result.valid, "\(result.violations)")
    }

    /// Every blocking phrase of the shipped list, disguised by each way of
    /// writing it apart or in other letters, inside a sentence: refused.
    @Test func everyShippedClaimIsCaughtInEveryDisguise() throws {
        let phrases = shipped.rules.forbidden.entries.filter { $0.severity == .block }.compactMap(\.phrase)
        #expect(phrases.count >= 40)
        var missed: [String] = []
        for phrase in phrases {
            for (name, disguise) in Disguise.all {
                guard let disguised = disguise(phrase) else { continue }
                for sentence in ["Es \(disguised) de verdad.", "It is \(disguised), really", disguised] {
                    let result = try validator.validate(sentence, products: [], context: nil)
                    if !result.violations.contains(where: { $0.code == "forbidden_word" }) {
                        missed.append("\(name): \(sentence.debugDescription)")
                    }
                }
            }
        }
        #expect(missed.isEmpty, "\(missed.count) missed:\n\(missed.prefix(40).joined(separator: "\n"))")
    }
}

/// Ways a claim is written so a plain phrase search misses it.
enum Disguise {
    static let all: [(String, @Sendable (String) -> String?)] = [
        ("spaced syllables", { syllables($0, " ") }),
        ("slashes", { syllables($0, "/") }),
        ("middle dots", { syllables($0, "·") }),
        ("bullets", { syllables($0, "•") }),
        ("plus signs", { syllables($0, "+") }),
        ("ellipses", { syllables($0, "…") }),
        ("pipes between letters", { letters($0, "|") }),
        ("dots between letters", { letters($0, ".") }),
        ("markdown around the first letter", { markdownFirst($0) }),
        ("markdown around the end", { markdownEnd($0) }),
        ("hangul filler inside", { insert($0, "\u{3164}") }),
        ("braille blank inside", { insert($0, "\u{2800}") }),
        ("zero-width space inside", { insert($0, "\u{200B}") }),
        ("soft hyphen inside", { insert($0, "\u{00AD}") }),
        ("cyrillic look-alikes", { map($0, ["a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "i": "і", "x": "х"]) }),
        ("small capitals", { map($0, smallCapitals) }),
        ("fullwidth", { map($0, fullwidth) }),
        (
            "leet digits",
            { $0.contains(where: \.isNumber) ? nil : map($0, ["a": "4", "e": "3", "i": "1", "o": "0", "s": "5"]) }
        ),
        ("capitals", { $0.uppercased() }),
        ("en dash between words", { $0.contains(" ") ? $0.replacingOccurrences(of: " ", with: "–") : nil }),
    ]

    /// Letters in groups of two, joined by `separator` (`gu ar an te ed`).
    static func syllables(_ phrase: String, _ separator: String) -> String? {
        let letters = Array(phrase.replacingOccurrences(of: " ", with: ""))
        guard letters.count >= 4 else { return nil }
        return stride(from: 0, to: letters.count, by: 2).map { String(letters[$0..<min($0 + 2, letters.count)]) }
            .joined(separator: separator)
    }

    static func letters(_ phrase: String, _ separator: String) -> String? {
        phrase.contains(where: { !$0.isLetter && $0 != " " })
            ? nil
            : phrase.split(separator: " ").map { $0.map(String.init).joined(separator: separator) }.joined(
                separator: " ")
    }

    static func markdownFirst(_ phrase: String) -> String {
        "*\(phrase.prefix(1))*\(phrase.dropFirst())"
    }

    static func markdownEnd(_ phrase: String) -> String {
        let split = phrase.index(phrase.startIndex, offsetBy: phrase.count / 2)
        return "\(phrase[..<split])**\(phrase[split...])**"
    }

    static func insert(_ phrase: String, _ filler: String) -> String {
        let split = phrase.index(phrase.startIndex, offsetBy: min(2, phrase.count))
        return "\(phrase[..<split])\(filler)\(phrase[split...])"
    }

    static func map(_ phrase: String, _ table: [Character: String]) -> String {
        phrase.map { table[$0] ?? String($0) }.joined()
    }

    static let smallCapitals: [Character: String] = [
        "a": "ᴀ", "b": "ʙ", "c": "ᴄ", "d": "ᴅ", "e": "ᴇ", "f": "ꜰ", "g": "ɢ", "h": "ʜ", "i": "ɪ", "j": "ᴊ", "k": "ᴋ",
        "l": "ʟ", "m": "ᴍ", "n": "ɴ", "o": "ᴏ", "p": "ᴘ", "r": "ʀ", "s": "ꜱ", "t": "ᴛ", "u": "ᴜ", "v": "ᴠ", "w": "ᴡ",
        "y": "ʏ", "z": "ᴢ",
    ]

    static let fullwidth: [Character: String] = {
        var table: [Character: String] = [:]
        for scalar in UnicodeScalar("a").value...UnicodeScalar("z").value {
            table[Character(UnicodeScalar(scalar)!)] = String(Character(UnicodeScalar(scalar - 0x61 + 0xFF41)!))
        }
        return table
    }()
}
