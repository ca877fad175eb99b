import SellifyLua
import SellifyYAML

/// The intents the classifier knows, in no particular order.
public enum IntentName: String, ConfigEnum, Codable, Comparable {
    case greeting
    case priceQuestion = "price_question"
    case productQuestion = "product_question"
    case purchaseIntent = "purchase_intent"
    case complaint
    case humanRequest = "human_request"
    case optOut = "opt_out"
    case optIn = "opt_in"
    case other
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

public enum MediaKind: String, Sendable, CaseIterable, Codable { case image, video }

/// What `rules/intents.lua` declares: phrase lists the host matches natively
/// on the normalized text.
public struct IntentRules: Sendable, Equatable {
    public struct Intent: Sendable, Equatable {
        public var name: IntentName
        public var phrases: [String]
    }
    /// Priority order: the first intent with a matching phrase wins.
    public var intents: [Intent]
    public var media: [MediaKind: [String]]
    public var defaultLanguage: String
    /// Language → marker words, sorted by language code.
    public var languages: [(code: String, words: [String])]

    public static func == (a: Self, b: Self) -> Bool {
        a.intents == b.intents && a.media == b.media && a.defaultLanguage == b.defaultLanguage
            && a.languages.elementsEqual(b.languages) { $0.code == $1.code && $0.words == $1.words }
    }
}

/// What `rules/forbidden_words.lua` declares.
public struct ForbiddenRules: Sendable, Equatable {
    public enum Severity: String, Sendable, CaseIterable, Codable { case block, warn }
    public struct Entry: Sendable, Equatable {
        /// A plain phrase (normalized form), or nil when `pattern` is set.
        public var phrase: String?
        /// A Lua pattern, matched with the budgeted `string.find`.
        public var pattern: String?
        public var category: String
        public var severity: Severity
    }
    public var entries: [Entry]
    /// Whether the file defines `check(text, ctx)`.
    public var hasCustomCheck: Bool
}

/// `rules/templates.yaml`: name → language → text with `{placeholders}`.
public struct Templates: Sendable, Equatable {
    public static let placeholders: Set<String> = [
        "product.name", "product.price", "product.currency", "product.fact", "account.name", "business.next_open",
        // Every product the message names with its price; how many of the product it states.
        "products.prices", "quantity",
    ]
    public var texts: [String: [String: String]]

    public var names: [String] { texts.keys.sorted() }
}

/// Reads plain Lua values into the rule data types, naming the file, line and
/// field of anything malformed.
struct RuleDataReader {
    let file: RuleSources.File
    var diagnostics: [Diagnostic] = []

    mutating func error(_ message: String, near literal: String? = nil, hint: String? = nil) {
        let line = literal.flatMap { file.line(ofLiteral: $0) } ?? 0
        diagnostics.append(Diagnostic(message, at: SourceLocation(file: file.displayPath, line: line), hint: hint))
    }

    mutating func strings(_ value: LuaValue, _ path: String) -> [String] {
        guard case .table(let table) = value, table.fields.isEmpty else {
            error("\(path): expected a list of strings, got \(describe(value))")
            return []
        }
        var result: [String] = []
        for (index, item) in table.array.enumerated() {
            guard case .string(let s) = item, !s.isEmpty else {
                error("\(path)[\(index + 1)]: expected a non-empty string, got \(describe(item))")
                continue
            }
            result.append(s)
        }
        return result
    }

    func describe(_ value: LuaValue) -> String {
        switch value {
        case .nil: "nil"
        case .string(let s): "the string \"\(s)\""
        case .table(let t) where t.fields.isEmpty: "a list"
        case .table: "a table"
        default: "a \(value.typeName)"
        }
    }

    mutating func intents(_ intents: LuaValue, media: LuaValue, languages: LuaValue) -> IntentRules {
        var rules = IntentRules(intents: [], media: [:], defaultLanguage: "en", languages: [])
        let names = IntentName.allCases.filter { $0 != .other }.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        if case .table(let table) = intents, table.fields.isEmpty {
            var seen: Set<IntentName> = []
            for (index, entry) in table.array.enumerated() {
                let path = "intents[\(index + 1)]"
                guard case .table(let fields) = entry else {
                    error("\(path): expected a table { name = …, phrases = { … } }, got \(describe(entry))")
                    continue
                }
                for field in fields.fields where field.key != "name" && field.key != "phrases" {
                    error("\(path): unknown field '\(field.key)' (expected 'name' and 'phrases')")
                }
                guard case .string(let raw) = fields["name"] else {
                    error("\(path).name: expected an intent name (\(names))")
                    continue
                }
                guard let name = IntentName(rawValue: raw), name != .other else {
                    error("\(path).name: unknown intent '\(raw)'", near: raw, hint: "expected one of \(names)")
                    continue
                }
                if !seen.insert(name).inserted {
                    error("\(path).name: intent '\(raw)' is listed twice", near: raw)
                }
                let phrases = strings(fields["phrases"], "\(path).phrases")
                rules.intents.append(.init(name: name, phrases: phrases))
            }
        } else {
            error("'intents' must be a list of { name = …, phrases = { … } }, got \(describe(intents))")
        }

        switch media {
        case .nil: break
        case .table(let table) where table.array.isEmpty:
            for field in table.fields {
                guard let kind = MediaKind(rawValue: field.key) else {
                    error("media.\(field.key): unknown media kind (expected 'image' or 'video')", near: field.key)
                    continue
                }
                rules.media[kind] = strings(field.value, "media.\(field.key)")
            }
        default:
            error("'media' must be a table { image = { … }, video = { … } }, got \(describe(media))")
        }

        switch languages {
        case .nil: break
        case .table(let table) where table.array.isEmpty:
            for field in table.fields {
                if field.key == "default" {
                    if case .string(let code) = field.value {
                        rules.defaultLanguage = code
                    } else {
                        error(
                            "languages.default: expected a language code such as \"es\", got \(describe(field.value))")
                    }
                } else {
                    rules.languages.append((field.key, strings(field.value, "languages.\(field.key)")))
                }
            }
            rules.languages.sort { $0.code < $1.code }
        default:
            error(
                "'languages' must be a table { default = \"es\", es = { … }, en = { … } }, got \(describe(languages))")
        }
        return rules
    }

    mutating func forbidden(_ value: LuaValue, hasCheck: Bool) -> ForbiddenRules {
        var rules = ForbiddenRules(entries: [], hasCustomCheck: hasCheck)
        guard case .table(let table) = value, table.fields.isEmpty else {
            error(
                "'forbidden' must be a list of { phrase = … | pattern = …, category = …, severity = … }, got \(describe(value))"
            )
            return rules
        }
        let severities = ForbiddenRules.Severity.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        for (index, entry) in table.array.enumerated() {
            let path = "forbidden[\(index + 1)]"
            guard case .table(let fields) = entry else {
                error("\(path): expected a table, got \(describe(entry))")
                continue
            }
            for field in fields.fields where !["phrase", "pattern", "category", "severity"].contains(field.key) {
                error(
                    "\(path): unknown field '\(field.key)' (expected 'phrase' or 'pattern', 'category', 'severity')",
                    near: field.key)
            }
            let phrase = fields["phrase"].stringValue
            let pattern = fields["pattern"].stringValue
            if (phrase == nil) == (pattern == nil) {
                error("\(path): give exactly one of 'phrase' or 'pattern'", near: phrase ?? pattern)
                continue
            }
            if let phrase, phrase.isEmpty { error("\(path).phrase: must not be empty") }
            if let pattern, let problem = LuaPatternSyntax.problem(in: pattern) {
                error("\(path).pattern: \(problem)", near: pattern)
            }
            guard case .string(let category) = fields["category"], !category.isEmpty else {
                error("\(path).category: expected a category name such as \"false_claims\"", near: phrase ?? pattern)
                continue
            }
            var severity = ForbiddenRules.Severity.block
            switch fields["severity"] {
            case .nil: break
            case .string(let raw):
                if let s = ForbiddenRules.Severity(rawValue: raw) {
                    severity = s
                } else {
                    error("\(path).severity: unknown severity '\(raw)' (expected one of \(severities))", near: raw)
                }
            case let other:
                error("\(path).severity: expected one of \(severities), got \(describe(other))")
            }
            rules.entries.append(.init(phrase: phrase, pattern: pattern, category: category, severity: severity))
        }
        return rules
    }
}
