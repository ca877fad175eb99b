/// What a wording provider is asked: a template of the rules, in a
/// language, about a product of the catalog (or none).
public struct WordingRequest: Sendable, Equatable {
    public var template: String
    public var language: String
    public var product: Product?
    /// Business hours at the decision's time (`{business.next_open}`).
    public var business: BusinessHours.Status?
    /// The decision's local time (to say "today" or "tomorrow").
    public var now: QuotaCalendar.LocalTime?
    public init(template: String, language: String, product: Product?) {
        self.template = template
        self.language = language
        self.product = product
    }
}

/// Why a provider gave no text (an unknown template, a placeholder the
/// product cannot fill, a provider that failed).
public struct WordingError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Who words the answers: built once per rules snapshot by the `ai`
/// plugin that `ai.provider` names. The decision (action, rule, state,
/// quota) never depends on it; its text always passes the validator.
public protocol WordingProvider: Sendable {
    /// The plugin's name, as `ai.provider` writes it (metrics label, audit).
    var name: String { get }
    /// The default language of the rules (used when a request names none).
    var defaultLanguage: String { get }
    func word(_ request: WordingRequest) throws(WordingError) -> String
}
