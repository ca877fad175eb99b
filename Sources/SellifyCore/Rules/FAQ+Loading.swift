import Foundation
public import SellifyYAML

extension FAQ {
    /// Decodes `rules/faq.yaml` strictly, reporting every problem with its
    /// file, line and field: unknown keys, an id that is not snake_case or is
    /// used twice, a language missing from (or unknown to) `languages` — the
    /// languages of `rules/intents.lua` —, a phrase that is not written
    /// normalized, an empty answer, a placeholder an answer cannot use. Like
    /// the other rules files it takes no `${VAR}`.
    public static func load(_ file: RuleSources.File, languages: [String]) throws(DiagnosticList) -> FAQ {
        let decoded = try YAMLDecoder().decode(
            DecodedFile.self, from: file.source, file: file.displayPath, environment: [:])
        let languages = Array(Set(languages)).sorted()
        let languageList = languages.joined(separator: ", ")
        var diagnostics: [Diagnostic] = []
        func error(_ message: String, at location: SourceLocation?, hint: String? = nil) {
            diagnostics.append(Diagnostic(message, at: location, hint: hint))
        }
        var firstLine: [String: Int] = [:]
        var entries: [Entry] = []
        for (index, item) in decoded.entries.enumerated() {
            let path = "entries[\(index)]"
            let id = item.id.text
            if !isSnakeCase(id) {
                error(
                    "\(path).id: '\(id)' is not a snake_case id", at: item.id.location,
                    hint: "lowercase letters, digits and '_', starting with a letter, e.g. 'shipping'")
            } else if let line = firstLine[id] {
                error("\(path).id: duplicate FAQ id '\(id)' (first defined at line \(line))", at: item.id.location)
            } else {
                firstLine[id] = item.id.location?.line ?? 0
            }

            // Both maps need exactly the rules' languages.
            let maps = [
                ("phrases", item.phrases.location, item.phrases.keyLocations),
                ("answer", item.answer.location, item.answer.keyLocations),
            ]
            for (field, mapLocation, keys) in maps {
                for language in languages where keys[language] == nil {
                    error(
                        "\(path).\(field): missing language '\(language)'", at: mapLocation,
                        hint:
                            "every FAQ entry has phrases and an answer in each language of rules/intents.lua: \(languageList)"
                    )
                }
                for (language, location) in keys.sorted(by: { $0.key < $1.key }) where !languages.contains(language) {
                    error(
                        "\(path).\(field).\(language): unknown language '\(language)'", at: location,
                        hint: "the languages of rules/intents.lua are \(languageList)")
                }
            }

            var phrases: [String: [String]] = [:]
            for (language, list) in item.phrases.values.sorted(by: { $0.key < $1.key }) {
                if list.isEmpty {
                    error("\(path).phrases.\(language): no phrases", at: item.phrases.keyLocations[language])
                }
                for (k, phrase) in list.enumerated() {
                    if let problem = normalizationProblem(phrase.text) {
                        error(
                            "\(path).phrases.\(language)[\(k)]: \(problem.message)", at: phrase.location,
                            hint: problem.hint)
                    }
                }
                phrases[language] = list.map(\.text)
            }

            var answers: [String: String] = [:]
            var answerLocations: [String: SourceLocation] = [:]
            for (language, answer) in item.answer.values.sorted(by: { $0.key < $1.key }) {
                if answer.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    error("\(path).answer.\(language): the answer is empty", at: answer.location)
                }
                for placeholder in Templates.placeholders(in: answer.text) where !placeholders.contains(placeholder) {
                    error(
                        "\(path).answer.\(language): unknown placeholder '{\(placeholder)}'", at: answer.location,
                        hint: "an FAQ answer may use "
                            + placeholders.sorted().map { "{\($0)}" }.joined(separator: ", ")
                            + " only: it must read right whether or not the message names a product")
                }
                answers[language] = answer.text
                answerLocations[language] = answer.location
            }
            var entry = Entry(id: id, phrases: phrases, answers: answers, location: item.location)
            entry.answerLocations = answerLocations
            entries.append(entry)
        }
        guard diagnostics.isEmpty else { throw DiagnosticList(diagnostics) }
        return FAQ(entries: entries)
    }

    static func isSnakeCase(_ id: String) -> Bool {
        guard let first = id.utf8.first, first >= 0x61 && first <= 0x7A else { return false }
        return id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    /// Why `phrase` is not written the way the matcher compares it
    /// (lowercase ASCII letters and digits, single spaces between words),
    /// with the form to write instead when there is one.
    static func normalizationProblem(_ phrase: String) -> (message: String, hint: String?)? {
        let words = phrase.split(separator: " ", omittingEmptySubsequences: false)
        let clean =
            !phrase.isEmpty && !words.contains(where: \.isEmpty)
            && phrase.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x20 }
        if clean { return nil }
        if phrase.trimmingCharacters(in: .whitespaces).isEmpty { return ("the phrase is empty", nil) }
        // What the normalizer makes of it, punctuation turned into spaces.
        let folded = TextNormalizer.normalize(phrase).text.map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber) ? c : " "
        }
        let suggestion = String(folded).split(separator: " ").joined(separator: " ")
        return (
            "phrase '\(phrase)' is not normalized",
            suggestion.isEmpty
                ? "write lowercase ASCII letters, digits and single spaces"
                : "write '\(suggestion)': lowercase ASCII letters, digits and single spaces, no accents or punctuation"
        )
    }
}

// MARK: - Decoding

extension FAQ {
    struct DecodedFile: Decodable {
        var entries: [DecodedEntry]
        enum CodingKeys: String, CodingKey { case entries }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            entries = try c.decode([DecodedEntry].self, forKey: .entries)
        }
    }

    struct DecodedEntry: Decodable, YAMLRecoverable {
        var id: LocatedText
        var phrases: LanguageMap<[LocatedText]>
        var answer: LanguageMap<LocatedText>
        var location: SourceLocation?

        static var yamlPlaceholder: Self {
            Self(id: .yamlPlaceholder, phrases: .yamlPlaceholder, answer: .yamlPlaceholder, location: nil)
        }
        init(
            id: LocatedText, phrases: LanguageMap<[LocatedText]>, answer: LanguageMap<LocatedText>,
            location: SourceLocation?
        ) {
            self.id = id
            self.phrases = phrases
            self.answer = answer
            self.location = location
        }

        enum CodingKeys: String, CodingKey { case id, phrases, answer }
        init(from decoder: any Decoder) throws {
            location = decoder.yamlLocation
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(LocatedText.self, forKey: .id)
            phrases = try c.decode(LanguageMap<[LocatedText]>.self, forKey: .phrases)
            answer = try c.decode(LanguageMap<LocatedText>.self, forKey: .answer)
        }
    }

    /// A string with where it is written.
    struct LocatedText: Decodable, YAMLRecoverable {
        var text: String
        var location: SourceLocation?
        static var yamlPlaceholder: Self { Self(text: "", location: nil) }
        init(text: String, location: SourceLocation?) {
            self.text = text
            self.location = location
        }
        init(from decoder: any Decoder) throws {
            location = decoder.yamlLocation
            text = try decoder.singleValueContainer().decode(String.self)
        }
    }

    /// `{ es: …, en: … }` with where the mapping and each language key are written.
    struct LanguageMap<Value: Decodable>: Decodable, YAMLRecoverable {
        var values: [String: Value]
        var location: SourceLocation?
        var keyLocations: [String: SourceLocation]
        static var yamlPlaceholder: Self { Self(values: [:], location: nil, keyLocations: [:]) }
        init(values: [String: Value], location: SourceLocation?, keyLocations: [String: SourceLocation]) {
            self.values = values
            self.location = location
            self.keyLocations = keyLocations
        }
        init(from decoder: any Decoder) throws {
            location = decoder.yamlLocation
            values = try decoder.singleValueContainer().decode([String: Value].self)
            var keys: [String: SourceLocation] = [:]
            for (key, _) in decoder.yamlNode?.pairs ?? [] {
                if let name = key.scalar { keys[name] = key.location }
            }
            keyLocations = keys
        }
    }
}
