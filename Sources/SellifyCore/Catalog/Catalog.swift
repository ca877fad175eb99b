public import SellifyYAML

/// The product catalog (`catalog.yaml`): the only source of truth for
/// prices, product names and facts. Products keep their file order, each
/// followed by its variants (`ProductVariant`), which are products too.
public struct Catalog: Sendable, Decodable {
    public var products: [Product]
    /// The language of names, aliases and facts written without one
    /// (`name: Aurora Mug` rather than `name: { en: Aurora Mug, es: Taza Aurora }`).
    public var language: String
    /// Where each product is written, for errors found after decoding:
    /// `products[8]`, or `products[8].variants[0]` for a variant.
    var paths: [String] = []

    public init(products: [Product], language: String = "en") {
        self.language = language
        self.products = []
        for (index, product) in products.enumerated() { append(product, at: "products[\(index)]") }
    }

    enum CodingKeys: String, CodingKey { case language, products }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        language = try c.decode(.language, default: LanguageCode(code: "en")).code
        products = []
        for (index, product) in try c.decode([Product].self, forKey: .products).enumerated() {
            append(product, at: "products[\(index)]")
        }
    }

    /// Appends `product` with its variants expanded into products of their own.
    private mutating func append(_ product: Product, at path: String) {
        var parent = product.resolved(defaultLanguage: language)
        let variants = parent.variantSpecs
        parent.variantSpecs = []
        parent.variants = variants.map { "\(parent.id)-\($0.id)" }
        products.append(parent)
        paths.append(path)
        for (index, variant) in variants.enumerated() {
            products.append(variant.product(of: parent).resolved(defaultLanguage: language))
            paths.append("\(path).variants[\(index)]")
        }
    }

    public func product(id: String) -> Product? {
        products.first { $0.id == id }
    }

    /// Checks that cannot be expressed per field: unique ids, currency codes.
    public func validate() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var firstLine: [String: Int] = [:]
        for (index, product) in products.enumerated() {
            let location = product.location
            if let line = firstLine[product.id] {
                diagnostics.append(
                    Diagnostic(
                        "\(paths[index]).id: duplicate product id '\(product.id)' (first defined at line \(line))",
                        at: location))
            } else {
                firstLine[product.id] = location?.line ?? 0
            }
        }
        var optionOwner: [String: String] = [:]  // "<parent> <word>" → the variant it picks
        for (index, product) in products.enumerated() {
            guard let parent = product.variantOf else { continue }
            for option in product.options {
                let word = TextNormalizer.normalize(option).text
                if !word.contains(where: { $0.isLetter || $0.isNumber }) {
                    diagnostics.append(
                        Diagnostic(
                            "\(paths[index]).options: '\(option)' has no letter or digit", at: product.location))
                } else if let owner = optionOwner["\(parent) \(word)"] {
                    diagnostics.append(
                        Diagnostic(
                            "\(paths[index]).options: '\(option)' already picks '\(owner)'; an option word "
                                + "picks one variant of '\(parent)'", at: product.location))
                } else {
                    optionOwner["\(parent) \(word)"] = product.id
                }
            }
        }
        if products.isEmpty {
            diagnostics.append(Diagnostic("products: the catalog has no products"))
        }
        return diagnostics
    }
}

public struct Product: Sendable, Decodable, Equatable, YAMLRecoverable {
    /// Lowercase letters, digits and '-'.
    public var id: String
    /// The name in the catalog's language (see `name(in:)` for the others).
    public var name: String
    /// The name per language, when the catalog writes it per language.
    public var names: [String: String] = [:]
    /// Other names customers use, in every language; matched after normalization.
    public var aliases: [String]
    /// The language of each alias written under one (`aliases: { es: [taza] }`).
    public var aliasLanguages: [String: String] = [:]
    /// Facts per language, when the catalog writes them per language.
    public var localizedFacts: [String: [String]] = [:]
    public var price: Money
    /// ISO 4217 code, e.g. USD, MXN.
    public var currency: CurrencyCode
    public var inStock: Bool
    public var images: [String]
    public var videos: [String]
    /// Short true statements the templates may use.
    public var facts: [String]
    /// The id of the product this one is a variant of (`aurora-mug` for
    /// `aurora-mug-blue`), or nil.
    public var variantOf: String?
    /// The ids of this product's variants, in file order.
    public var variants: [String] = []
    /// A variant's option words (`azul`, `blue`): they name the variant only
    /// beside its parent's name or when the parent is in the conversation's focus.
    public var options: [String] = []
    /// The language of each option word written under one.
    public var optionLanguages: [String: String] = [:]
    /// The variants as written, until the catalog expands them into products.
    var variantSpecs: [ProductVariant] = []
    public var location: SourceLocation?

    public static var yamlPlaceholder: Self {
        Self(
            id: "", name: "", aliases: [], price: Money(minorUnits: 0), currency: CurrencyCode(code: "USD"),
            inStock: false, images: [], videos: [], facts: [])
    }

    public init(
        id: String, name: String, aliases: [String] = [], price: Money, currency: CurrencyCode, inStock: Bool = true,
        images: [String] = [], videos: [String] = [], facts: [String] = []
    ) {
        self.id = id
        self.name = name
        self.aliases = aliases
        self.price = price
        self.currency = currency
        self.inStock = inStock
        self.images = images
        self.videos = videos
        self.facts = facts
    }

    enum CodingKeys: String, CodingKey {
        case id, name, aliases, price, currency, inStock = "in_stock", images, videos, facts, variants
    }
    public init(from decoder: any Decoder) throws {
        location = decoder.yamlLocation
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(ProductID.self, forKey: .id).value
        (name, names) = try c.decode(Localized<String>.self, forKey: .name).nameAndNames
        (aliases, aliasLanguages) = try c.decode(.aliases, default: Localized<[String]>.plain([])).phrases
        price = try c.decode(Money.self, forKey: .price)
        currency = try c.decode(CurrencyCode.self, forKey: .currency)
        inStock = try c.decode(.inStock, default: true)
        images = try c.decode(.images, default: [])
        videos = try c.decode(.videos, default: [])
        (facts, localizedFacts) = try c.decode(.facts, default: Localized<[String]>.plain([])).factsAndLocalized
        variantSpecs = try c.decode(.variants, default: [])
    }

    /// Fills the catalog-language name and facts of a product written per
    /// language, and records the plain ones under the catalog's language.
    func resolved(defaultLanguage language: String) -> Product {
        var product = self
        if product.names.isEmpty {
            product.names[language] = product.name
        } else if product.name.isEmpty {
            product.name =
                product.names[language] ?? product.names.keys.sorted().first.flatMap { product.names[$0] } ?? ""
        }
        if product.localizedFacts.isEmpty {
            if !product.facts.isEmpty { product.localizedFacts[language] = product.facts }
        } else if product.facts.isEmpty {
            product.facts =
                product.localizedFacts[language] ?? product.localizedFacts.keys.sorted().first.flatMap {
                    product.localizedFacts[$0]
                } ?? []
        }
        return product
    }

    /// The name customers read in `language` (the catalog's name when it has none in it).
    public func name(in language: String) -> String { names[language] ?? name }

    /// The facts in `language` (the catalog-language facts when it has none in it).
    public func facts(in language: String) -> [String] { localizedFacts[language] ?? facts }

    /// Every name of the product, the catalog-language one first, then by language.
    public var allNames: [String] {
        var all = [name]
        for language in names.keys.sorted() where !all.contains(names[language]!) { all.append(names[language]!) }
        return all
    }

    /// The language a name, alias or option word of this product is written in, if known.
    public func language(ofPhrase phrase: String) -> String? {
        if let language = aliasLanguages[phrase] ?? optionLanguages[phrase] { return language }
        let languages = names.keys.sorted().filter { names[$0] == phrase }
        return languages.count == 1 ? languages[0] : nil
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.id == b.id && a.name == b.name && a.names == b.names && a.aliases == b.aliases
            && a.aliasLanguages == b.aliasLanguages && a.price == b.price && a.currency == b.currency
            && a.inStock == b.inStock && a.images == b.images && a.videos == b.videos && a.facts == b.facts
            && a.localizedFacts == b.localizedFacts && a.variantOf == b.variantOf && a.variants == b.variants
            && a.options == b.options && a.optionLanguages == b.optionLanguages
    }
}

/// A catalog value written once (in the catalog's language) or per language:
/// `name: Aurora Mug` or `name: { en: Aurora Mug, es: Taza Aurora }`.
enum Localized<Value: Decodable & Sendable>: Decodable, Sendable {
    case plain(Value)
    case perLanguage([String: Value])

    init(from decoder: any Decoder) throws {
        guard let pairs = decoder.yamlNode?.pairs else {
            self = .plain(try decoder.singleValueContainer().decode(Value.self))
            return
        }
        let map = try decoder.singleValueContainer().decode([String: Value].self)
        for (key, _) in pairs {
            guard let code = key.scalar, LanguageCode(yamlScalar: code) != nil else {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: decoder.codingPath,
                        debugDescription:
                            "expected a language code such as en or es as key, got '\(key.scalar ?? key.kindDescription)'"
                    ))
            }
        }
        guard !map.isEmpty else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: "expected at least one language"))
        }
        self = .perLanguage(map)
    }
}

extension Localized<String> {
    /// A name: the plain one (`names` empty), or the per-language ones (the
    /// plain name is filled in by `Product.resolved`).
    var nameAndNames: (String, [String: String]) {
        switch self {
        case .plain(let plain): (plain, [:])
        case .perLanguage(let map): ("", map)
        }
    }
}

extension Localized<[String]> {
    /// Phrases (aliases, option words) in every language, each once, with the
    /// language of those written under one.
    var phrases: ([String], [String: String]) {
        switch self {
        case .plain(let plain): return (plain, [:])
        case .perLanguage(let map):
            var phrases: [String] = []
            var languages: [String: String] = [:]
            for language in map.keys.sorted() {
                for phrase in map[language]! where !phrases.contains(phrase) {
                    phrases.append(phrase)
                    languages[phrase] = language
                }
            }
            return (phrases, languages)
        }
    }

    /// Facts: the plain ones, or the per-language ones (the plain list is
    /// filled in by `Product.resolved`).
    var factsAndLocalized: ([String], [String: [String]]) {
        switch self {
        case .plain(let plain): (plain, [:])
        case .perLanguage(let map): ([], map)
        }
    }
}

/// A language code: two or three lowercase letters (`en`, `es`, `pt`).
public struct LanguageCode: YAMLScalarValue, Decodable, Sendable, Hashable {
    public var code: String
    public init(code: String) { self.code = code }
    public static let expectation = "a language code of two or three lowercase letters, such as en or es"
    public init?(yamlScalar text: String) {
        guard (2...3).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { return nil }
        code = text
    }
}

/// A product id: lowercase letters, digits and '-'.
public struct ProductID: YAMLScalarValue, Sendable, Hashable {
    public var value: String
    public static let expectation = "a product id of lowercase letters, digits and '-'"
    public init?(yamlScalar text: String) {
        guard !text.isEmpty,
            text.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
        else { return nil }
        value = text
    }
}

/// An amount of money in minor units (cents): exact, so a price check never
/// depends on floating-point rounding. Written in YAML as `49`, `49.9` or `49.00`.
public struct Money: YAMLScalarValue, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var minorUnits: Int
    public init(minorUnits: Int) { self.minorUnits = minorUnits }
    public static let expectation = "a price ≥ 0 with at most 2 decimals, such as 49 or 49.90"
    public init?(yamlScalar text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int(parts[0]), whole >= 0, !parts[0].hasPrefix("+") else {
            return nil
        }
        var cents = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigit), let value = Int(fraction)
            else {
                return nil
            }
            cents = fraction.count == 1 ? value * 10 : value
        }
        let (product, overflow) = whole.multipliedReportingOverflow(by: 100)
        guard !overflow else { return nil }
        minorUnits = product + cents
    }
    /// `49.00`
    public var description: String {
        let cents = minorUnits % 100
        return "\(minorUnits / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
    public var doubleValue: Double { Double(minorUnits) / 100 }
    public static func < (a: Self, b: Self) -> Bool { a.minorUnits < b.minorUnits }
}

/// A three-letter ISO 4217 currency code.
public struct CurrencyCode: YAMLScalarValue, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public init(code: String) { self.code = code }
    public static let expectation = "a three-letter currency code such as USD or MXN"
    public init?(yamlScalar text: String) {
        guard text.utf8.count == 3, text.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else { return nil }
        code = text
    }
    public var description: String { code }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
