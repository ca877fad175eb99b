/// What a wording provider is asked: a template of the rules, in a
/// language, about a product of the catalog (or none) — with the products
/// the message names and the quantity it states, for the templates that
/// list several products (`{products.prices}`) or repeat a quantity
/// (`{quantity}`).
public struct WordingRequest: Sendable, Equatable {
    public var template: String
    public var language: String
    public var product: Product?
    /// Business hours at the decision's time (`{business.next_open}`).
    public var business: BusinessHours.Status?
    /// The decision's local time (to say "today" or "tomorrow").
    public var now: QuotaCalendar.LocalTime?
    /// The products the message names, in order of first mention; empty:
    /// the request's `product` alone.
    public var products: [Product]
    /// How many of the product the message states (`quiero 3 tazas`), if it does.
    public var quantity: Int?
    public init(
        template: String, language: String, product: Product?, products: [Product] = [], quantity: Int? = nil
    ) {
        self.template = template
        self.language = language
        self.product = product
        self.products = products
        self.quantity = quantity
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
