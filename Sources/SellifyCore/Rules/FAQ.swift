public import SellifyYAML

/// `rules/faq.yaml`: the operator's answers to common questions (shipping,
/// payment methods, hours, returns…), as data. The intent stage reports the
/// first entry, in file order, with a phrase in the message (`ctx.faq`); the
/// rules answer it with the template `faq.<id>`, which is the entry's answer.
///
/// Answers are templates like those of `templates.yaml` (rendered and
/// validated the same way), but about the store rather than one product, so
/// the only placeholder they take is `{account.name}`: an FAQ answer must read
/// right whether or not the message named a product.
public struct FAQ: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// snake_case, unique in the file; `ctx.faq` holds it.
        public var id: String
        /// Language → phrases, normalized (lowercase ASCII, single spaces),
        /// matched at word boundaries like those of `rules/intents.lua`.
        public var phrases: [String: [String]]
        /// Language → the answer's text, with placeholders.
        public var answers: [String: String]
        /// Where the entry is written.
        public var location: SourceLocation?
        /// Where each answer is written, for errors found after loading (validation).
        var answerLocations: [String: SourceLocation] = [:]

        public init(
            id: String, phrases: [String: [String]], answers: [String: String], location: SourceLocation? = nil
        ) {
            self.id = id
            self.phrases = phrases
            self.answers = answers
            self.location = location
        }

        /// The template that holds the answer: `faq.shipping`.
        public var templateName: String { FAQ.templatePrefix + id }
    }

    /// In file order: the first entry with a matching phrase wins.
    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// A rules folder without `faq.yaml`: no entry ever matches.
    public static let empty = FAQ(entries: [])

    /// Template names `faq.<id>` are the answers; `templates.yaml` may not use the prefix.
    public static let templatePrefix = "faq."

    /// The placeholders an answer may use (see the type's comment for why not `{product.*}`).
    public static let placeholders: Set<String> = ["account.name"]

    public var ids: [String] { entries.map(\.id) }

    /// The answers as templates, `faq.<id>` → language → text.
    public var templates: [String: [String: String]] {
        Dictionary(uniqueKeysWithValues: entries.map { ($0.templateName, $0.answers) })
    }
}
