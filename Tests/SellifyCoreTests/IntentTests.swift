import SellifyCore
import Testing

/// The shipped rules/intents.lua and catalog.yaml, through the classifier.
struct IntentTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var message: String
        var intent: IntentName
        var media: MediaKind?
        var language: String
        var products: [String]
        var testDescription: String { message }

        init(_ message: String, _ intent: IntentName, _ language: String, _ products: [String] = []) {
            self.message = message
            self.intent = intent
            self.media = nil
            self.language = language
            self.products = products
        }

        init(_ message: String, _ intent: IntentName, _ media: MediaKind, _ language: String, _ products: [String] = [])
        {
            self.init(message, intent, language, products)
            self.media = media
        }
    }

    static let cases: [Case] = [
        Case("Hola, ¿cuánto cuesta el Plan Premium?", .priceQuestion, "es", ["premium-plan"]),
        Case("hi", .greeting, "en"),
        Case("Hola", .greeting, "es"),
        Case("Buenas tardes", .greeting, "es"),
        Case("How much is the Basic Plan?", .priceQuestion, "en", ["basic-plan"]),
        Case("Do you have a photo of the Aurora Mug?", .productQuestion, .image, "en", ["aurora-mug"]),
        Case("¿Me mandas un video de la lámpara?", .other, .video, "es", ["desk-lamp"]),
        Case("STOP", .optOut, "es"),
        Case("stop asking me about prices, how much is it", .optOut, "en"),
        Case("dejen de escribirme por favor", .optOut, "es"),
        Case("Quiero hablar con un asesor", .humanRequest, "es"),
        Case("My order never arrived, I want a refund", .complaint, "en"),
        Case("hola, no funciona mi agenda", .complaint, "es", ["paper-planner"]),
        Case("Me cobraron doble por el ebook", .complaint, "es", ["focus-ebook"]),
        Case("Lo quiero, ¿cómo pago?", .purchaseIntent, "es"),
        Case("I want to buy the premium plan", .purchaseIntent, "en", ["premium-plan"]),
        Case("quiero comprar 2 plumas de gel y stickers", .purchaseIntent, "es", ["gel-pen-set", "sticker-pack"]),
        Case("¿Tienen la sudadera en talla M?", .productQuestion, "es", ["aurora-hoodie"]),
        Case("what is included in the business plan", .productQuestion, "en", ["business-plan"]),
        Case("Good morning! Is the LED desk lamp available?", .productQuestion, "en", ["desk-lamp"]),
        Case(
            "Precio del curso y de las plantillas", .priceQuestion, "es", ["productivity-course", "planner-templates"]),
        Case("pr3c10 de la t4za", .priceQuestion, "es", ["aurora-mug"]),
        Case(
            "Send me pictures of the tote bag and the notebook please", .other, .image, "en",
            ["canvas-tote", "dot-notebook"]),
        Case("¿Tienes fotos y videos del plan business?", .productQuestion, .image, "es", ["business-plan"]),
        Case("Hello, what's the price of the masterclass?", .priceQuestion, "en", ["productivity-course"]),
        Case("¿Cuánto tarda el envío?", .other, "es"),
        Case("Hola! quiero el PLAN PREMIUM", .greeting, "es", ["premium-plan"]),
        Case("😀👍", .other, "es"),
    ]

    static let shipped = Result { try Shipped() }

    @Test(arguments: cases)
    func classifies(_ example: Case) throws {
        let shipped = try Self.shipped.get()
        let classifier = IntentClassifier(intents: shipped.rules.intents, catalog: shipped.catalog)
        let result = classifier.classify(TextNormalizer.normalize(example.message))
        #expect(result.intent == example.intent)
        #expect(result.mediaRequest == example.media)
        #expect(result.language == example.language)
        #expect(result.products.map(\.id) == example.products)
    }

    @Test func everyProductIsFoundByItsNameAndAliases() throws {
        let shipped = try Self.shipped.get()
        let classifier = IntentClassifier(intents: shipped.rules.intents, catalog: shipped.catalog)
        for product in shipped.catalog.products {
            for name in [product.name] + product.aliases {
                let found = classifier.classify("info sobre \(name) por favor").products.map(\.id)
                #expect(found == [product.id], "\(name)")
            }
        }
    }

    static let synthetic = Catalog(products: [
        Product(
            id: "premium", name: "Plan Premium", price: Money(minorUnits: 4900), currency: CurrencyCode(code: "USD")),
        Product(
            id: "premium-annual", name: "Plan Premium Anual", price: Money(minorUnits: 49000),
            currency: CurrencyCode(code: "USD")),
        Product(
            id: "mug", name: "Mug", aliases: ["taza"], price: Money(minorUnits: 25900),
            currency: CurrencyCode(code: "MXN")),
    ])

    /// Rules built from the shipped ones (`IntentRules` has no public initializer).
    static func rules(
        intents: [(IntentName, [String])], media: [MediaKind: [String]] = [:], defaultLanguage: String = "es",
        languages: [(code: String, words: [String])] = []
    ) throws -> IntentRules {
        var rules = try shipped.get().rules.intents
        let template = rules.intents[0]
        rules.intents = intents.map { name, phrases in
            var intent = template
            intent.name = name
            intent.phrases = phrases
            return intent
        }
        rules.media = media
        rules.defaultLanguage = defaultLanguage
        rules.languages = languages
        return rules
    }

    @Test func longerProductNamesWin() throws {
        let rules = try Self.rules(intents: [])
        let classifier = IntentClassifier(intents: rules, catalog: Self.synthetic)
        #expect(classifier.classify("el plan premium anual").products.map(\.id) == ["premium-annual"])
        #expect(
            classifier.classify("plan premium o plan premium anual?").products.map(\.id) == [
                "premium", "premium-annual",
            ])
        // Order of first mention, each product once.
        #expect(classifier.classify("una taza, el plan premium y otra mug").products.map(\.id) == ["mug", "premium"])
    }

    @Test func priorityLanguageTiesAndMediaTies() throws {
        let rules = try Self.rules(
            intents: [(.optOut, ["stop"]), (.greeting, ["hola", "hello"])],
            media: [.video: ["video"], .image: ["foto"]], defaultLanguage: "es",
            languages: [(code: "es", words: ["hola", "el"]), (code: "en", words: ["hello", "the"])])
        let classifier = IntentClassifier(intents: rules, catalog: Self.synthetic)
        // The first intent in the list wins, whatever the order in the message.
        #expect(classifier.classify("hola, stop").intent == .optOut)
        #expect(classifier.classify("nothing here").intent == .other)
        // A message asking for a photo and a video is an image request.
        #expect(classifier.classify("un video y una foto").mediaRequest == .image)
        #expect(classifier.classify("un video").mediaRequest == .video)
        // Most markers wins; a tie gives the default.
        #expect(classifier.classify("hello the hola").language == "en")
        #expect(classifier.classify("hello hola").language == "es")
        #expect(classifier.classify("xyz").language == "es")
    }
}
