/// Renders the text of a RespondText decision from `rules/templates.yaml`
/// with catalog facts: the deterministic wording every provider falls back
/// to, and what the `ai.template` plugin provides.
public struct ResponseEngine: WordingProvider {
    public var name: String { "template" }
    public let templates: Templates
    public let account: AccountConfiguration
    public let defaultLanguage: String

    public init(templates: Templates, account: AccountConfiguration, defaultLanguage: String) {
        self.templates = templates
        self.account = account
        self.defaultLanguage = defaultLanguage
    }

    public typealias RenderError = WordingError

    public func word(_ request: WordingRequest) throws(WordingError) -> String {
        try render(request)
    }

    /// `{business.next_open}`: when a person is next in, on the local clock —
    /// "today at 16:00", "tomorrow at 09:00", "Monday at 09:00" (es: "hoy a
    /// las 16:00", "mañana a las 09:00", "el lunes a las 09:00").
    /// With no opening known (always open, or none within a year): "as soon
    /// as possible" ("lo antes posible").
    static func nextOpen(_ request: WordingRequest) -> String? {
        let spanish = request.language == "es"
        guard let next = request.business?.nextOpenLocal else {
            return spanish ? "lo antes posible" : "as soon as possible"
        }
        let clock = WeekdayNames.twoDigits(next.hour) + ":" + WeekdayNames.twoDigits(next.minute)
        let days = next.dayNumber - (request.now?.dayNumber ?? Int.min / 2)
        switch days {
        case 0: return spanish ? "hoy a las \(clock)" : "today at \(clock)"
        case 1: return spanish ? "mañana a las \(clock)" : "tomorrow at \(clock)"
        default:
            let index = max(1, min(7, next.weekday)) - 1
            return spanish
                ? "el \(WeekdayNames.spanishWeekdays[index]) a las \(clock)"
                : "\(WeekdayNames.englishWeekdays[index]) at \(clock)"
        }
    }

    /// The template's text in `language` (else the default language, else the
    /// first language in name order) with its placeholders filled.
    public func render(template name: String, language: String, product: Product?) throws(RenderError) -> String {
        try render(WordingRequest(template: name, language: language, product: product))
    }

    /// The request's template in its language (else the default language,
    /// else the first language in name order) with its placeholders filled.
    public func render(_ request: WordingRequest) throws(RenderError) -> String {
        let name = request.template
        guard let variants = templates.texts[name] else {
            throw RenderError("unknown template '\(name)'")
        }
        guard
            let text = variants[request.language] ?? variants[defaultLanguage]
                ?? variants.keys.sorted().first.flatMap({ variants[$0] })
        else {
            throw RenderError("template '\(name)' has no text")
        }
        var output = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            output += rest[..<open]
            let placeholder = String(rest[rest.index(after: open)..<close])
            output += try value(of: placeholder, request)
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return output
    }

    private func value(of placeholder: String, _ request: WordingRequest) throws(RenderError) -> String {
        let template = request.template
        let language = request.language
        switch placeholder {
        case "account.name": return account.name
        case "business.next_open": return Self.nextOpen(request) ?? ""
        case "quantity":
            guard let quantity = request.quantity else {
                throw RenderError("template '\(template)' uses {quantity} but the message states no quantity")
            }
            return String(quantity)
        case "products.prices":
            let products = request.products.isEmpty ? request.product.map { [$0] } ?? [] : request.products
            guard !products.isEmpty else {
                throw RenderError("template '\(template)' uses {products.prices} but the message names no product")
            }
            return Self.priceList(products, language: language)
        default: break
        }
        guard let product = request.product else {
            throw RenderError("template '\(template)' uses {\(placeholder)} but the decision names no product")
        }
        switch placeholder {
        case "product.name": return product.name(in: language)
        case "product.price": return product.price.description
        case "product.currency": return product.currency.code
        case "product.fact":
            guard let fact = product.facts(in: language).first else {
                throw RenderError("template '\(template)' uses {product.fact} but '\(product.id)' has no facts")
            }
            return fact
        default:
            throw RenderError("template '\(template)' uses unknown placeholder {\(placeholder)}")
        }
    }
}

enum WeekdayNames {
    static let englishWeekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let spanishWeekdays = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
