import Foundation
import SellifyLua
import SellifyPlugins
import SellifyYAML
import Testing

@testable import SellifyCore

/// `rules/faq.yaml`: the strict loader, the classification of FAQ phrases and
/// quantities, and the templates that list several products or a quantity.
struct FAQLoaderTests {
    static func load(_ text: String, languages: [String] = ["en", "es"]) throws(DiagnosticList) -> FAQ {
        try FAQ.load(
            RuleSources.File(displayPath: "rules/faq.yaml", relativePath: "faq.yaml", source: text),
            languages: languages)
    }

    /// One good entry, to break one field at a time.
    static let valid = """
        entries:
          - id: shipping
            phrases:
              es: [envios, hacen envios]
              en: [shipping]
            answer:
              es: "Enviamos a todo México."
              en: "We ship anywhere in Mexico."

        """

    @Test func aValidFileLoadsInFileOrder() throws {
        let faq = try Self.load(
            Self.valid + """
                  - id: business_hours
                    phrases: { es: [horario], en: [hours] }
                    answer: { es: "Atendemos en {account.name}.", en: "{account.name} is open." }

                """)
        #expect(faq.ids == ["shipping", "business_hours"])
        #expect(faq.entries[0].phrases == ["es": ["envios", "hacen envios"], "en": ["shipping"]])
        #expect(faq.entries[1].answers["en"] == "{account.name} is open.")
        #expect(faq.templates["faq.business_hours"]?["es"] == "Atendemos en {account.name}.")
        #expect(try Self.load("entries: []\n").entries.isEmpty)
    }

    struct Breakage: Sendable, CustomTestStringConvertible {
        let name: String
        let replace: String
        let with: String
        let expected: [String]
        var testDescription: String { name }
    }

    static let breakages: [Breakage] = [
        Breakage(
            name: "unknown key", replace: "    answer:", with: "    answr:",
            expected: [
                "rules/faq.yaml:2:5: error: entries[0]: missing required key 'answer' (is 'answr' at line 6 a misspelling?)",
                "rules/faq.yaml:6:5: error: unknown key 'answr' in 'entries[0]' (did you mean 'answer'?)",
            ]),
        Breakage(
            name: "missing language", replace: "      en: \"We ship anywhere in Mexico.\"\n", with: "",
            expected: [
                "rules/faq.yaml:7:7: error: entries[0].answer: missing language 'en' (every FAQ entry has phrases and an answer in each language of rules/intents.lua: en, es)"
            ]),
        Breakage(
            name: "unknown language", replace: "      en: [shipping]",
            with: "      en: [shipping]\n      fr: [livraison]",
            expected: [
                "rules/faq.yaml:6:7: error: entries[0].phrases.fr: unknown language 'fr' (the languages of rules/intents.lua are en, es)"
            ]),
        Breakage(
            name: "phrase not normalized", replace: "[envios, hacen envios]", with: "[envios, ¿Hacen envíos?]",
            expected: [
                "rules/faq.yaml:4:20: error: entries[0].phrases.es[1]: phrase '¿Hacen envíos?' is not normalized (write 'hacen envios': lowercase ASCII letters, digits and single spaces, no accents or punctuation)"
            ]),
        Breakage(
            name: "phrase with a double space", replace: "hacen envios", with: "hacen  envios",
            expected: [
                "rules/faq.yaml:4:20: error: entries[0].phrases.es[1]: phrase 'hacen  envios' is not normalized (write 'hacen envios': lowercase ASCII letters, digits and single spaces, no accents or punctuation)"
            ]),
        Breakage(
            name: "empty phrase list", replace: "[shipping]", with: "[]",
            expected: ["rules/faq.yaml:5:7: error: entries[0].phrases.en: no phrases"]),
        Breakage(
            name: "duplicate id", replace: "entries:\n",
            with:
                "entries:\n  - id: shipping\n    phrases: { es: [envio], en: [ship] }\n    answer: { es: \"Sí.\", en: \"Yes.\" }\n",
            expected: [
                "rules/faq.yaml:5:9: error: entries[1].id: duplicate FAQ id 'shipping' (first defined at line 2)"
            ]
        ),
        Breakage(
            name: "id not snake_case", replace: "id: shipping", with: "id: Shipping-Info",
            expected: [
                "rules/faq.yaml:2:9: error: entries[0].id: 'Shipping-Info' is not a snake_case id (lowercase letters, digits and '_', starting with a letter, e.g. 'shipping')"
            ]),
        Breakage(
            name: "placeholder unknown", replace: "Enviamos a todo México.",
            with: "Enviamos {product.name} a todo México.",
            expected: [
                "rules/faq.yaml:7:11: error: entries[0].answer.es: unknown placeholder '{product.name}' (an FAQ answer may use {account.name} only: it must read right whether or not the message names a product)"
            ]),
        Breakage(
            name: "empty answer", replace: "\"We ship anywhere in Mexico.\"", with: "\"  \"",
            expected: ["rules/faq.yaml:8:11: error: entries[0].answer.en: the answer is empty"]),
        Breakage(
            name: "unknown top-level key", replace: "entries:", with: "entrys:",
            expected: [
                "rules/faq.yaml:1:1: error: missing required key 'entries' (is 'entrys' at line 1 a misspelling?)",
                "rules/faq.yaml:1:1: error: unknown key 'entrys' at the top level (did you mean 'entries'?)",
            ]),
    ]

    @Test(arguments: breakages)
    func loaderErrorsNameFileLineAndField(_ breakage: Breakage) throws {
        #expect(Self.valid.contains(breakage.replace))
        let text = Self.valid.replacingOccurrences(of: breakage.replace, with: breakage.with)
        let error = #expect(throws: DiagnosticList.self) { try Self.load(text) }
        #expect(error?.diagnostics.map(\.description) == breakage.expected)
    }

    /// The shipped file: five entries in both languages, answers as templates.
    @Test func theShippedFAQLoads() throws {
        let shipped = try Shipped()
        #expect(
            shipped.rules.faq.ids == ["returns", "digital_delivery", "shipping", "payment_methods", "business_hours"])
        for entry in shipped.rules.faq.entries {
            #expect(Set(entry.phrases.keys) == ["en", "es"])
            #expect(shipped.rules.templates.texts[entry.templateName] == entry.answers)
        }
        #expect(shipped.rules.sources.faq?.displayPath == "rules/faq.yaml")
    }

    /// A rules folder without faq.yaml is valid: nothing matches.
    @Test func faqFileIsOptional() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("rules/faq.yaml"))
        let deployment = try Deployment.load(
            configPath: directory.url.appendingPathComponent("config.yaml").path, plugins: .builtin,
            environment: [:], poolSize: 1)
        #expect(deployment.rules.faq.entries.isEmpty)
        #expect(deployment.rules.sources.faq == nil)
        #expect(!deployment.rules.templates.names.contains { $0.hasPrefix("faq.") })
        #expect(deployment.sampleDiagnostics().isEmpty)
    }

    /// Errors found once the rules compile: an answer the validator rejects,
    /// a templates.yaml name that takes the answers' prefix.
    @Test(arguments: [
        (
            "rules/faq.yaml", "Enviamos los productos físicos a todo México",
            "Envío garantizado a todo México",
            "rules/faq.yaml:LINE:11: error: entries[2].answer.es: the answer fails validation: forbidden claim 'garantizado' (false_claims) (forbidden_word) (FAQ answers pass the validator like every outgoing text: no prices, links, phone numbers or phrases of rules/forbidden_words.lua)"
        ),
        (
            "rules/faq.yaml", "Aceptamos tarjeta de crédito o débito",
            "Aceptamos tarjeta desde 99.00 MXN",
            "rules/faq.yaml:LINE:11: error: entries[3].answer.es: the answer fails validation: price 99.00 MXN is not the catalog price of a product in this conversation (no product is in this conversation) (price_mismatch) (FAQ answers pass the validator like every outgoing text: no prices, links, phone numbers or phrases of rules/forbidden_words.lua)"
        ),
        (
            "rules/templates.yaml", "# Reply to \"hola\" / \"hi\".",
            "faq.extra:\n  en: \"x\"\n  es: \"x\"",
            "rules/templates.yaml:LINE:7: error: template name 'faq.extra': names starting with 'faq.' are the answers of faq.yaml (rename the template, or move the answer to faq.yaml)"
        ),
    ])
    func compiledRulesCheckTheAnswers(_ file: String, _ replace: String, _ with: String, _ expected: String) throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let path = directory.url.appendingPathComponent(file)
        let original = try String(contentsOf: path, encoding: .utf8)
        #expect(original.contains(replace))
        let changed = original.replacingOccurrences(of: replace, with: with)
        try changed.write(to: path, atomically: true, encoding: .utf8)
        let line = changed.components(separatedBy: "\n").firstIndex {
            $0.contains(with.components(separatedBy: "\n")[0])
        }
        let error = #expect(throws: DiagnosticList.self) {
            try Deployment.load(
                configPath: directory.url.appendingPathComponent("config.yaml").path, plugins: .builtin,
                environment: [:], poolSize: 1)
        }
        let expectedLine = line.map { $0 + (file == "rules/templates.yaml" ? 2 : 1) } ?? 0
        let found = error?.diagnostics.map {
            $0.description.replacingOccurrences(of: directory.url.path + "/", with: "")
        }
        #expect(found == [expected.replacingOccurrences(of: "LINE", with: "\(expectedLine)")])
    }
}

struct FAQClassificationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var message: String
        var faq: String?
        var quantity: Int?
        var products: [String]
        var language: String
        var testDescription: String { message }
        init(
            _ message: String, faq: String? = nil, quantity: Int? = nil, _ products: [String] = [], in language: String
        ) {
            self.message = message
            self.faq = faq
            self.quantity = quantity
            self.products = products
            self.language = language
        }
    }

    static let cases: [Case] = [
        Case("¿Hacen envíos a Monterrey?", faq: "shipping", in: "es"),
        Case("Do you ship to Texas?", faq: "shipping", in: "en"),
        Case("¿Qué métodos de pago aceptan?", faq: "payment_methods", in: "es"),
        Case("what are your hours?", faq: "business_hours", in: "en"),
        Case("¿puedo devolverlo?", faq: "returns", in: "es"),
        Case("¿el ebook me llega por correo?", faq: "digital_delivery", ["focus-ebook"], in: "es"),
        // File order: returns is above shipping.
        Case("si no me gusta el envío, ¿puedo devolverlo?", faq: "returns", in: "es"),
        // An FAQ phrase alone shows its language.
        Case("envios?", faq: "shipping", in: "es"),
        Case("shipping?", faq: "shipping", in: "en"),
        // Word boundaries: "horarios" is a phrase, "horar" is not.
        Case("no me pude horar", in: "es"),
        Case("¿la taza tiene envío gratis?", faq: "shipping", ["aurora-mug"], in: "es"),
        Case("Quiero 3 tazas", quantity: 3, ["aurora-mug"], in: "es"),
        Case("2 mugs please", quantity: 2, ["aurora-mug"], in: "en"),
        Case("dos libretas", quantity: 2, ["dot-notebook"], in: "es"),
        Case("three notebooks", quantity: 3, ["dot-notebook"], in: "en"),
        Case("quiero doce tazas", quantity: 12, ["aurora-mug"], in: "es"),
        Case("I want 1 mug", quantity: 1, ["aurora-mug"], in: "en"),
        Case("one mug please", quantity: 1, ["aurora-mug"], in: "en"),
        Case("quiero comprar 2 plumas de gel y stickers", quantity: 2, ["gel-pen-set", "sticker-pack"], in: "es"),
        // The first product named is the one counted.
        Case("la libreta y 3 tazas", ["dot-notebook", "aurora-mug"], in: "es"),
        // A later mention of the first product may carry it.
        Case("la taza me gusta, quiero 2 tazas", quantity: 2, ["aurora-mug"], in: "es"),
        // Not quantities: an article, too many, the tail of a larger number, a fraction, a number further away.
        Case("busco una taza", ["aurora-mug"], in: "es"),
        Case("quiero 13 tazas", ["aurora-mug"], in: "es"),
        Case("quiero 300 tazas", ["aurora-mug"], in: "es"),
        Case("veinte y dos tazas", ["aurora-mug"], in: "es"),
        Case("twenty two mugs", ["aurora-mug"], in: "en"),
        Case("1.5 tazas", ["aurora-mug"], in: "es"),
        Case("tengo 2 preguntas sobre la taza", ["aurora-mug"], in: "es"),
        Case("2 tazas", quantity: 2, ["aurora-mug"], in: "es"),
    ]

    static let shipped = Result { try Shipped() }

    @Test(arguments: cases)
    func classifiesFAQAndQuantity(_ example: Case) throws {
        let shipped = try Self.shipped.get()
        let classifier = IntentClassifier(rules: shipped.rules, catalog: shipped.catalog)
        let result = classifier.classify(TextNormalizer.normalize(example.message))
        #expect(result.faq == example.faq)
        #expect(result.quantity == example.quantity)
        #expect(result.products.map(\.id) == example.products)
        #expect(result.language == example.language)
    }

    /// The classifier built without an FAQ (as before faq.yaml) never reports one.
    @Test func withoutAnFAQNothingMatches() throws {
        let shipped = try Self.shipped.get()
        let classifier = IntentClassifier(intents: shipped.rules.intents, catalog: shipped.catalog)
        #expect(classifier.classify("¿Hacen envíos a Monterrey?").faq == nil)
    }

    /// The rules see both in ctx.
    @Test func theContextCarriesFAQAndQuantity() throws {
        let shipped = try Self.shipped.get()
        let samples = SampleContexts.all(
            catalog: shipped.catalog, configuration: shipped.loaded.configuration, faq: shipped.rules.faq.ids)
        let decided = try Dictionary(
            uniqueKeysWithValues: samples.map { ($0.name, try shipped.rules.decide($0.context).0.rule) })
        #expect(decided["faq question"] == "faq")
        #expect(decided["quantity"] == "purchase_quantity")
        #expect(decided["price of several products"] == "price_multiple")
        let context = try #require(samples.first { $0.name == "quantity" }?.context.tableValue)
        #expect(context["quantity"].intValue == 3)
        #expect(context["faq"] == .nil)
    }
}

struct ProductListRenderingTests {
    static let shipped = Result { try Shipped() }

    static func products(_ ids: [String]) throws -> [Product] {
        let catalog = try shipped.get().catalog
        return try ids.map { id in try #require(catalog.product(id: id)) }
    }

    @Test(arguments: [
        (
            "es", ["dot-notebook", "aurora-mug"],
            "Estos son los precios: Libreta Punteada: 219.00 MXN y Taza Aurora: 259.00 MXN. ¿Cuál te gustaría?"
        ),
        (
            "en", ["dot-notebook", "aurora-mug"],
            "Here are the prices: Dot Grid Notebook: 219.00 MXN and Aurora Mug: 259.00 MXN. Which one would you like?"
        ),
        (
            "es", ["premium-plan", "aurora-hoodie", "sticker-pack"],
            "Estos son los precios: Plan Premium: 49.00 USD, Sudadera Aurora: 899.00 MXN (sin existencias) y Paquete de Stickers: 89.00 MXN. ¿Cuál te gustaría?"
        ),
        (
            "en", ["premium-plan", "aurora-hoodie", "sticker-pack"],
            "Here are the prices: Premium Plan: 49.00 USD, Aurora Hoodie: 899.00 MXN (out of stock) and Sticker Pack: 89.00 MXN. Which one would you like?"
        ),
    ])
    func severalProductsRenderPerLanguageAndPassTheValidator(
        _ language: String, _ ids: [String], _ expected: String
    ) throws {
        let shipped = try Self.shipped.get()
        let products = try Self.products(ids)
        let engine = ResponseEngine(
            templates: shipped.rules.templates, account: shipped.loaded.configuration.account, defaultLanguage: "es")
        let text = try engine.render(
            WordingRequest(template: "price_multiple", language: language, product: products[0], products: products))
        #expect(text == expected)
        let result = try shipped.validator.validate(text, products: products, context: nil)
        #expect(result.valid, "\(result.violations)")
        #expect(result.violations.isEmpty)
        // Each price is checked: a wrong one is caught.
        let wrong = text.replacingOccurrences(of: products[1].price.description, with: "1.00")
        #expect(try !shipped.validator.validate(wrong, products: products, context: nil).valid)
    }

    @Test(arguments: [
        ("es", "¡Excelente elección! 3 × Taza Aurora, 259.00 MXN c/u."),
        ("en", "Great choice! 3 × Aurora Mug, 259.00 MXN each."),
    ])
    func aQuantityRendersWithTheUnitPriceAndPassesTheValidator(_ language: String, _ prefix: String) throws {
        let shipped = try Self.shipped.get()
        let mug = try Self.products(["aurora-mug"])
        let engine = ResponseEngine(
            templates: shipped.rules.templates, account: shipped.loaded.configuration.account, defaultLanguage: "es")
        let text = try engine.render(
            WordingRequest(template: "purchase_quantity", language: language, product: mug[0], quantity: 3))
        #expect(text.hasPrefix(prefix))
        #expect(try shipped.validator.validate(text, products: mug, context: nil).violations.isEmpty)
    }

    @Test func placeholdersWithoutTheirDataAreErrors() throws {
        let shipped = try Self.shipped.get()
        let engine = ResponseEngine(
            templates: shipped.rules.templates, account: shipped.loaded.configuration.account, defaultLanguage: "es")
        let mug = try Self.products(["aurora-mug"])[0]
        let noQuantity = #expect(throws: WordingError.self) {
            try engine.render(WordingRequest(template: "purchase_quantity", language: "es", product: mug))
        }
        #expect(
            noQuantity?.description == "template 'purchase_quantity' uses {quantity} but the message states no quantity"
        )
        let noProducts = #expect(throws: WordingError.self) {
            try engine.render(WordingRequest(template: "price_multiple", language: "es", product: nil))
        }
        #expect(
            noProducts?.description
                == "template 'price_multiple' uses {products.prices} but the message names no product")
        // One product and no list: the product alone.
        #expect(
            try engine.render(WordingRequest(template: "price_multiple", language: "en", product: mug))
                == "Here are the prices: Aurora Mug: 259.00 MXN. Which one would you like?")
    }
}
