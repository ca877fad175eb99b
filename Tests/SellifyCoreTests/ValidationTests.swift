import Foundation
import SellifyCore
import SellifyLua
import Testing

/// The validator with the shipped rules, catalog and config.
struct ValidationTests {
    static let shipped = Result { try Shipped() }

    let shipped: Shipped
    let validator: TextValidator

    init() throws {
        shipped = try Self.shipped.get()
        validator = shipped.validator
    }

    func products(_ ids: String...) -> [Product] {
        ids.map { shipped.catalog.product(id: $0)! }
    }

    func validate(
        _ text: String, _ products: [Product] = [], with validator: TextValidator? = nil
    ) throws -> ValidationResult {
        try (validator ?? self.validator).validate(text, products: products, context: nil)
    }

    /// The text a violation points at.
    func span(_ text: String, _ violation: Violation) -> String {
        String(Array(text)[violation.start..<violation.end])
    }

    // MARK: - Forbidden words and patterns

    @Test(arguments: [
        ("This plan is guaranteed to work.", "forbidden_word", "guaranteed"),
        ("This plan is G U A R A N T E E D to work.", "forbidden_word", "G U A R A N T E E D"),
        ("This plan is g.u.a.r.a.n.t.e.e.d!", "forbidden_word", "g.u.a.r.a.n.t.e.e.d"),
        ("It's ＧＵＡＲＡＮＴＥＥＤ", "forbidden_word", "ＧＵＡＲＡＮＴＥＥＤ"),
        ("It's gu@r4nteed", "forbidden_word", "gu@r4nteed"),
        ("Resultado g4rant1zado, amigo.", "forbidden_word", "g4rant1zado"),
        ("Está garantízado.", "forbidden_word", "garantízado"),
        ("¡Es G-A-R-A-N-T-I-Z-A-D-A!", "forbidden_word", "G-A-R-A-N-T-I-Z-A-D-A"),
        ("Es 100% seguro", "forbidden_word", "100% seguro"),
        ("Totally R1SK-FREE", "forbidden_word", "R1SK-FREE"),
        ("Esto no es un m1l4gr0", "forbidden_word", "m1l4gr0"),
        ("Cura la ansiedad", "forbidden_word", "Cura"),
        ("Escríbeme al 5512345678", "forbidden_word", "Escríbeme al"),
        ("Hazte  RICO ya", "forbidden_word", "Hazte  RICO"),
    ])
    func catchesForbiddenClaims(text: String, code: String, spanned: String) throws {
        let result = try validate(text)
        #expect(!result.valid)
        let hit = try #require(result.violations.first { $0.code == code })
        #expect(hit.severity == "block")
        #expect(span(text, hit) == spanned)
    }

    @Test func forbiddenMessagesNameTheClaimAndCategory() throws {
        let result = try validate("It is guaranteed")
        #expect(
            result.violations == [
                Violation(
                    code: "forbidden_word", message: "forbidden claim 'guaranteed' (false_claims)", start: 6, end: 16)
            ])
        let apart = try validate("Es ga ran ti za do").violations
        #expect(apart.map(\.message) == ["forbidden claim 'garantizado' (false_claims), written apart"])
        #expect(apart.map { span("Es ga ran ti za do", $0) } == ["ga ran ti za do"])
    }

    @Test func wordsInsideOtherWordsAreNotForbidden() throws {
        // "cure" inside "secure", "miracle" inside "miracles"? (no: a separate entry would be needed).
        #expect(try validate("Your payment is secure.").valid)
        #expect(try validate("Sin riesgoso").violations.isEmpty)
    }

    @Test func warnEntriesKeepTheTextValid() throws {
        let text = "Last chance: the Premium Plan is clinically proven!"
        let result = try validate(text)
        #expect(result.valid)
        #expect(result.violations.map(\.code) == ["forbidden_word", "forbidden_word"])
        #expect(result.violations.map(\.severity) == ["warn", "warn"])
        #expect(result.violations.map { span(text, $0) } == ["Last chance", "clinically proven"])
    }

    @Test func customCheckReportsShouting() throws {
        let text = "Hola, ESTA OFERTA ES INCREÍBLE PARA TODOS, gracias."
        let result = try validate(text)
        #expect(!result.valid)
        let shouting = try #require(result.violations.first)
        #expect(shouting.code == "shouting")
        #expect(shouting.severity == "block")
        #expect(span(text, shouting) == "ESTA OFERTA ES INCREÍBLE PARA TODOS")
        #expect(result.violations.count == 1)
    }

    // MARK: - Prices

    @Test(arguments: [
        ("The Premium Plan costs 49.00 USD.", ["premium-plan"], [String]()),
        ("The Premium Plan costs 39.00 USD.", ["premium-plan"], ["price_mismatch"]),
        ("The Premium Plan costs USD 49.", ["premium-plan"], []),
        ("Only US$49 per month", ["premium-plan"], []),
        ("Only $49 per month", ["premium-plan"], []),
        ("Only $49.90 per month", ["premium-plan"], ["price_mismatch"]),
        ("Son 49 dólares al mes", ["premium-plan"], []),
        ("It is 49 dollars", ["premium-plan"], []),
        ("It is 49 pesos", ["premium-plan"], ["price_mismatch"]),
        ("It is 49.00 MXN", ["premium-plan"], ["price_mismatch"]),
        ("La agenda cuesta $449.00 MXN", ["paper-planner"], []),
        ("La agenda cuesta 449 pesos", ["paper-planner"], []),
        ("La agenda cuesta MX$449", ["paper-planner"], []),
        ("La agenda cuesta US$449", ["paper-planner"], ["price_mismatch"]),
        ("La agenda cuesta $1,299.00 MXN", ["paper-planner"], ["price_mismatch"]),
        ("La agenda cuesta 449,00 M.N.", ["paper-planner"], []),
        ("The mug is 259.00 MXN and the plan 49.00 USD", ["aurora-mug", "premium-plan"], []),
        ("The mug is 259.00 MXN and the plan 49.00 USD", ["aurora-mug"], ["price_mismatch"]),
        ("The Premium Plan costs 49.00.", ["premium-plan"], ["price_without_currency"]),
        ("The Premium Plan costs 39.50.", ["premium-plan"], ["price_mismatch"]),
        ("The Premium Plan costs 39 a month.", ["premium-plan"], ["price_mismatch"]),
        ("The Premium Plan costs 49 a month.", ["premium-plan"], ["price_without_currency"]),
        // The text names the product it prices: its catalog price is right without context.
        ("The Premium Plan costs 49.00 USD.", [], []),
        ("A mug costs 49.00 USD.", [], ["price_mismatch"]),
        ("Open 24/7, reply within 2 days, 10am to 14:15, 3 colors, 20% of users", [], []),
        ("Sizes S to XL, A5 size, mp4 video, 29.11.2026", [], []),
        ("Rated 4.85 by 1,299 customers, 4.90 stars, weighs 1.25 kg", [], []),
    ])
    func checksPrices(text: String, productIDs: [String], codes: [String]) throws {
        let result = try validate(text, productIDs.map { shipped.catalog.product(id: $0)! })
        #expect(result.violations.map(\.code) == codes)
        #expect(result.valid == !codes.contains("price_mismatch"))
    }

    @Test func priceMismatchPointsAtTheAmount() throws {
        let text = "The Premium Plan costs 39.00 USD per month."
        let violation = try #require(try validate(text, products("premium-plan")).violations.first)
        #expect(span(text, violation) == "39.00 USD")
        #expect(
            violation.message
                == "price 39.00 USD is not the catalog price of a product in this conversation (Premium Plan: 49.00 USD)"
        )
        let dollar = "Solo $39!"
        let second = try #require(try validate(dollar, products("premium-plan")).violations.first)
        #expect(span(dollar, second) == "$39")
    }

    // MARK: - Products

    @Test(arguments: [
        ("Try the Platinum Plan today.", ["Platinum Plan"]),
        ("Te recomiendo el Plan Platino.", ["Plan Platino"]),
        ("The Aurora Backpack is lovely.", ["Aurora Backpack"]),
        ("Get the Aurora Mug Set!", ["Aurora Mug Set"]),
        ("Our Cozy Hoodie ships today", ["Cozy Hoodie"]),
    ])
    func rejectsUnknownProducts(text: String, names: [String]) throws {
        let result = try validate(text)
        #expect(!result.valid)
        #expect(result.violations.map(\.code) == names.map { _ in "unknown_product" })
        #expect(result.violations.map { span(text, $0) } == names)
    }

    @Test(arguments: [
        "The Premium Plan is our best plan.",
        "El Plan Premium incluye soporte.",
        "The LED Desk Lamp and the Digital Planner Templates are in stock.",
        "The Focus Guide eBook, the Gel Pen Set and the Aurora Hoodie.",
        "Our Plan: answer fast. Aurora says hi. About The Plan.",
        "Try Premium Plan Features in the Business Plan.",
        "El Ebook Focus Guide y la Sudadera Aurora Hoodie.",
        "I can help with our plans, mugs and hoodies.",
    ])
    func acceptsCatalogNames(text: String) throws {
        let result = try validate(text)
        #expect(result.violations.isEmpty, "\(result.violations)")
    }

    // MARK: - Discounts

    @Test(arguments: [
        ("Get 20% off today", true),
        ("Get 90% off today", false),
        ("Tienes 50% de descuento", false),
        ("Un descuento del 30% en tu pedido", false),
        ("Save 40% with the Premium Plan", false),
        ("Ahorra 25 por ciento", false),
        ("Half price this week", false),
        ("Promo 2x1 en tazas", false),
        ("Loved by 90% of our customers", true),
        ("10% off", true),
    ])
    func limitsDiscounts(text: String, valid: Bool) throws {
        let result = try validate(text)
        #expect(result.valid == valid, "\(result.violations)")
        #expect(result.violations.allSatisfy { $0.code == "discount_too_high" })
    }

    @Test func discountMessageAndSpan() throws {
        let text = "¡Llévatelo con 90% de descuento!"
        let violation = try #require(try validate(text).violations.first)
        #expect(violation.code == "discount_too_high")
        #expect(span(text, violation) == "90%")
        #expect(violation.message == "discount of 90% is above the maximum of 20%")
    }

    // MARK: - Links

    @Test(arguments: [
        ("See https://cdn.sellify.example/img/premium-plan.jpg for a photo.", [String]()),
        ("Visit sellify.example or www.sellify.example/help", []),
        ("Pay at https://evil.com/pay?x=1.", ["https://evil.com/pay?x=1"]),
        ("Details: www.example.com", ["www.example.com"]),
        ("Short link: bit.ly/abc123!", ["bit.ly/abc123"]),
        ("Write to me on wa.me/5215512345678", ["wa.me/5215512345678"]),
        ("Mail ventas@gmail.com or soporte@sellify.example", ["ventas@gmail.com"]),
        ("Phishing at https://sellify.example.evil.com/login", ["https://sellify.example.evil.com/login"]),
        ("Not a domain: e.g. v2.0 or file.pdf or gracias.saludos", []),
    ])
    func allowsOnlyConfiguredDomains(text: String, links: [String]) throws {
        let result = try validate(text)
        let found = result.violations.filter { $0.code == "url_not_allowed" }
        #expect(found.map { span(text, $0) } == links)
        #expect(result.valid == links.isEmpty)
    }

    // MARK: - Phones

    @Test func allowsOnlyTheAccountsPhoneNumbers() throws {
        var account = shipped.loaded.configuration.account
        account.phoneNumbers = ["+52 55 1234 5678"]
        let validator = TextValidator(
            rules: shipped.rules, catalog: shipped.catalog, validation: shipped.loaded.configuration.validation,
            account: account)
        #expect(try validate("Llámanos al +52 55 1234 5678.", with: validator).valid)
        #expect(try validate("Llámanos al (55) 1234-5678.", with: validator).valid)
        #expect(try validate("Llámanos al 52.55.1234.5678.", with: validator).valid)
        let text = "Or call +1 (555) 123-4567 now"
        let result = try validate(text, with: validator)
        #expect(!result.valid)
        let violation = try #require(result.violations.first)
        #expect(violation.code == "phone_not_allowed")
        #expect(span(text, violation) == "+1 (555) 123-4567")
        // Short numbers, dates and prices are not phone numbers.
        #expect(try validate("Order 1234567, on 2026-11-29 or 29/11/2026, 3 items", with: validator).valid)
        #expect(try validate("Your order #12345678 and pedido 87654321, guía 1234567890123", with: validator).valid)
        // With none configured (the shipped config), every phone number is foreign.
        #expect(try validate("Llámanos al +52 55 1234 5678.").violations.map(\.code) == ["phone_not_allowed"])
    }

    // MARK: - Length, order, JSON

    @Test func rejectsTooLongTexts() throws {
        let text = String(repeating: "Hola. ", count: 200)
        let result = try validate(text)
        #expect(!result.valid)
        #expect(
            result.violations == [
                Violation(
                    code: "too_long", message: "text is 1200 characters long (maximum 1000)", start: 1000, end: 1200)
            ])
        #expect(try validate(String(repeating: "x", count: 1000)).valid)
    }

    @Test func violationsAreSortedAndEncodeAsJSON() throws {
        let text = "Guaranteed! Pay 39.00 USD at evil.com"
        let result = try validate(text, products("premium-plan"))
        #expect(result.violations.map(\.code) == ["forbidden_word", "price_mismatch", "url_not_allowed"])
        #expect(result.violations.map(\.start) == result.violations.map(\.start).sorted())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(result.violations[0]), as: UTF8.self)
        #expect(
            json
                == #"{"code":"forbidden_word","end":10,"message":"forbidden claim 'guaranteed' (false_claims)","severity":"block","start":0}"#
        )
        let decoded = try JSONDecoder().decode(ValidationResult.self, from: try encoder.encode(result))
        #expect(decoded == result)
        // Deterministic: the same input gives the same result.
        #expect(try validate(text, products("premium-plan")) == result)
    }

    @Test func everyShippedTemplatePassesForEveryProduct() throws {
        let account = shipped.loaded.configuration.account
        for name in shipped.rules.templates.names {
            for (language, template) in shipped.rules.templates.texts[name]!.sorted(by: { $0.key < $1.key }) {
                for product in shipped.catalog.products {
                    // {products.prices} lists this product and the next one.
                    let products = shipped.catalog.products
                    let other = products[(products.firstIndex(of: product)! + 1) % products.count]
                    let list =
                        "\(product.name): \(product.price) \(product.currency.code), "
                        + "\(other.name): \(other.price) \(other.currency.code)"
                    for fact in product.facts {
                        let text =
                            template
                            .replacingOccurrences(of: "{product.name}", with: product.name)
                            .replacingOccurrences(of: "{product.price}", with: product.price.description)
                            .replacingOccurrences(of: "{product.currency}", with: product.currency.code)
                            .replacingOccurrences(of: "{product.fact}", with: fact)
                            .replacingOccurrences(of: "{account.name}", with: account.name)
                            .replacingOccurrences(of: "{products.prices}", with: list)
                            .replacingOccurrences(of: "{quantity}", with: "3")
                            .replacingOccurrences(
                                of: "{business.next_open}",
                                with: language == "es" ? "mañana a las 09:00" : "tomorrow at 09:00")
                        #expect(!text.contains("{"), "\(name).\(language): a placeholder is not replaced")
                        let result = try validate(text, [product, other])
                        #expect(
                            result.violations.isEmpty, "\(name).\(language) for \(product.id): \(result.violations)")
                    }
                }
            }
        }
    }
}
