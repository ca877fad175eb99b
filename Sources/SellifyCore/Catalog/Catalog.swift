public import SellifyYAML

/// The product catalog (`catalog.yaml`): the only source of truth for
/// prices, product names and facts. Products keep their file order.
public struct Catalog: Sendable, Decodable {
    public var products: [Product]
    /// The language of names, aliases and facts written without one
    /// (`name: Aurora Mug` rather than `name: { en: Aurora Mug, es: Taza Aurora }`).
    public var language: String
    /// Location of each product's mapping, for errors found after decoding.
    var locations: [SourceLocation?] = []

    public init(products: [Product], language: String = "en") {
        self.language = language
        self.products = products.map { $0.resolved(defaultLanguage: language) }
        self.locations = Array(repeating: nil, count: products.count)
    }

    enum CodingKeys: String, CodingKey { case language, products }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        language = try c.decode(.language, default: LanguageCode(code: "en")).code
        let language = language
        products = try c.decode([Product].self, forKey: .products).map { $0.resolved(defaultLanguage: language) }
        locations = products.map(\.location)
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
                        "products[\(index)].id: duplicate product id '\(product.id)' (first defined at line \(line))",
                        at: location))
            } else {
                firstLine[product.id] = location?.line ?? 0
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
        case id, name, aliases, price, currency, inStock = "in_stock", images, videos, facts
    }
    public init(from decoder: any Decoder) throws {
        location = decoder.yamlLocation
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(ProductID.self, forKey: .id).value
        switch try c.decode(Localized<String>.self, forKey: .name) {
        case .plain(let plain): name = plain
        case .perLanguage(let map):
            names = map
            name = ""
        }
        switch try c.decode(.aliases, default: Localized<[String]>.plain([])) {
        case .plain(let plain): aliases = plain
        case .perLanguage(let map):
            aliases = []
            for language in map.keys.sorted() {
                for alias in map[language]! where !aliases.contains(alias) {
                    aliases.append(alias)
                    aliasLanguages[alias] = language
                }
            }
        }
        price = try c.decode(Money.self, forKey: .price)
        currency = try c.decode(CurrencyCode.self, forKey: .currency)
        inStock = try c.decode(.inStock, default: true)
        images = try c.decode(.images, default: [])
        videos = try c.decode(.videos, default: [])
        switch try c.decode(.facts, default: Localized<[String]>.plain([])) {
        case .plain(let plain): facts = plain
        case .perLanguage(let map):
            localizedFacts = map
            facts = []
        }
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

    /// The language a name or alias of this product is written in, if known.
    public func language(ofPhrase phrase: String) -> String? {
        if let language = aliasLanguages[phrase] { return language }
        let languages = names.keys.sorted().filter { names[$0] == phrase }
        return languages.count == 1 ? languages[0] : nil
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.id == b.id && a.name == b.name && a.names == b.names && a.aliases == b.aliases
            && a.aliasLanguages == b.aliasLanguages && a.price == b.price && a.currency == b.currency
            && a.inStock == b.inStock && a.images == b.images && a.videos == b.videos && a.facts == b.facts
            && a.localizedFacts == b.localizedFacts
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
