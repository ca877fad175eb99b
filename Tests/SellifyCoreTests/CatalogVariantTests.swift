import SellifyCore
import SellifyYAML
import Testing

/// Product variants (`variants:` in catalog.yaml): expanded into products of
/// their own, picked by their option words next to their parent's name or,
/// with no product named, against the conversation's focus.
struct CatalogVariantTests {
    static let yaml = """
        language: en
        products:
          - id: mug
            name: { en: Aurora Mug, es: Taza Aurora }
            aliases: { en: [mug, mugs], es: [taza, tazas] }
            price: 259
            currency: MXN
            images: [https://img.example/mug.jpg]
            facts: { en: [Ceramic.], es: [De cerámica.] }
            variants:
              - id: blue
                name: { en: Blue Aurora Mug, es: Taza Aurora Azul }
                options: { en: [blue], es: [azul, azules] }
                images: [https://img.example/mug-blue.jpg]
              - id: big
                name: Big Aurora Mug
                options: { en: [big, large], es: [grande] }
                price: 299
                in_stock: false
          - id: tote
            name: Canvas Tote
            aliases: [tote, bolsa]
            price: 299
            currency: MXN
            variants:
              - id: blue
                name: Blue Canvas Tote
                options: { en: [blue], es: [azul] }
          - id: lamp
            name: Desk Lamp
            aliases: [lamp, lampara]
            price: 749
            currency: MXN
        """

    static func catalog(_ text: String = yaml) throws -> Catalog {
        try YAMLDecoder().decode(Catalog.self, from: text, file: "catalog.yaml")
    }

    @Test func variantsAreProductsThatInheritWhatTheyDoNotWrite() throws {
        let catalog = try Self.catalog()
        #expect(catalog.products.map(\.id) == ["mug", "mug-blue", "mug-big", "tote", "tote-blue", "lamp"])
        #expect(catalog.validate().isEmpty)
        let mug = try #require(catalog.product(id: "mug"))
        #expect(mug.variants == ["mug-blue", "mug-big"] && mug.variantOf == nil)
        let blue = try #require(catalog.product(id: "mug-blue"))
        #expect(blue.variantOf == "mug")
        #expect(blue.name == "Blue Aurora Mug" && blue.name(in: "es") == "Taza Aurora Azul")
        #expect(blue.price == mug.price && blue.currency == mug.currency && blue.inStock)
        #expect(blue.images == ["https://img.example/mug-blue.jpg"])
        #expect(blue.facts(in: "es") == ["De cerámica."])
        let big = try #require(catalog.product(id: "mug-big"))
        #expect(big.price == Money(minorUnits: 29900) && !big.inStock && big.images == mug.images)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var message: String
        var products: [String]
        var options: [String] = []
        var quantity: Int?
        var testDescription: String { message }
    }

    static let cases: [Case] = [
        // Next to the parent's name or alias, in either order.
        Case(message: "¿cuánto cuesta la taza azul?", products: ["mug-blue"], options: ["tote-blue"]),
        Case(message: "the blue mug please", products: ["mug-blue"], options: ["tote-blue"]),
        Case(message: "la taza aurora en grande", products: ["mug-big"]),
        // The full name of a variant is a product name (longest match).
        Case(message: "Taza Aurora Azul", products: ["mug-blue"]),
        // Several options of one product, several products.
        Case(message: "la taza en azul o grande", products: ["mug-blue", "mug-big"], options: ["tote-blue"]),
        Case(message: "la taza azul y la lámpara", products: ["mug-blue", "lamp"], options: ["tote-blue"]),
        // A shared option word picks the variant of the product named (the other
        // product's variant is left in `options`, unused while a product is named).
        Case(message: "la bolsa azul", products: ["tote-blue"], options: ["mug-blue"]),
        // An option of a product that has none such stays with no product.
        Case(message: "la lámpara azul", products: ["lamp"], options: ["mug-blue", "tote-blue"]),
        // No product named: the options wait for the conversation's focus.
        Case(message: "¿y en azul?", products: [], options: ["mug-blue", "tote-blue"]),
        Case(message: "and a large one?", products: [], options: ["mug-big"]),
        // A quantity before the option word or the product word.
        Case(message: "quiero 3 tazas azules", products: ["mug-blue"], quantity: 3),
        Case(message: "two blue mugs", products: ["mug-blue"], options: ["tote-blue"], quantity: 2),
        // A word that merely contains an option is not one.
        Case(message: "una taza azulada", products: ["mug"]),
    ]

    @Test(arguments: cases)
    func optionWordsPickVariants(_ example: Case) throws {
        let shipped = try IntentTests.shipped.get()
        let classifier = IntentClassifier(intents: shipped.rules.intents, catalog: try Self.catalog())
        let result = classifier.classify(example.message)
        #expect(result.products.map(\.id) == example.products)
        #expect(result.options.map(\.id) == example.options)
        #expect(result.quantity == example.quantity)
    }

    @Test(arguments: [
        (
            """
            products:
              - id: mug
                name: Mug
                price: 1
                currency: MXN
                variants:
                  - { id: blue, name: Blue Mug, options: [blue] }
                  - { id: navy, name: Navy Mug, options: [Blue] }
            """,
            "products[0].variants[1].options: 'Blue' already picks 'mug-blue'"
        ),
        (
            """
            products:
              - id: mug-blue
                name: Mug
                price: 1
                currency: MXN
              - id: mug
                name: Mug
                price: 1
                currency: MXN
                variants: [{ id: blue, name: Blue Mug }]
            """,
            "products[1].variants[0].id: duplicate product id 'mug-blue'"
        ),
        (
            """
            products:
              - id: mug
                name: Mug
                price: 1
                currency: MXN
                variants: [{ id: blue, name: Blue Mug, options: ["¿?"] }]
            """,
            "products[0].variants[0].options: '¿?' has no letter or digit"
        ),
    ])
    func catalogMistakesInVariantsAreNamed(_ text: String, _ expected: String) throws {
        let messages = try Self.catalog(text).validate().map(\.message)
        #expect(messages.contains { $0.hasPrefix(expected) }, "\(messages)")
    }

    @Test(arguments: [
        ("variants: [{ id: blue, name: Blue Mug, currency: USD }]", "unknown key 'currency'"),
        ("variants: [{ id: Blue, name: Blue Mug }]", "products[0].variants[0].id"),
        ("variants: [{ id: blue }]", "products[0].variants[0]"),
    ])
    func variantFieldsAreDecodedStrictly(_ variants: String, _ expected: String) {
        let text = "products:\n  - id: mug\n    name: Mug\n    price: 1\n    currency: MXN\n    \(variants)\n"
        #expect {
            _ = try Self.catalog(text)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }
}
