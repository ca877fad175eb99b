public import SellifyYAML

/// The product catalog (`catalog.yaml`): the only source of truth for
/// prices, product names and facts. Products keep their file order.
public struct Catalog: Sendable, Decodable {
    public var products: [Product]
    /// Location of each product's mapping, for errors found after decoding.
    var locations: [SourceLocation?] = []

    public init(products: [Product]) {
        self.products = products
        self.locations = Array(repeating: nil, count: products.count)
    }

    enum CodingKeys: String, CodingKey { case products }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        products = try c.decode([Product].self, forKey: .products)
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
    public var name: String
    /// Other names customers use; matched after normalization.
    public var aliases: [String]
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
        name = try c.decode(String.self, forKey: .name)
        aliases = try c.decode(.aliases, default: [])
        price = try c.decode(Money.self, forKey: .price)
        currency = try c.decode(CurrencyCode.self, forKey: .currency)
        inStock = try c.decode(.inStock, default: true)
        images = try c.decode(.images, default: [])
        videos = try c.decode(.videos, default: [])
        facts = try c.decode(.facts, default: [])
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.id == b.id && a.name == b.name && a.aliases == b.aliases && a.price == b.price && a.currency == b.currency
            && a.inStock == b.inStock && a.images == b.images && a.videos == b.videos && a.facts == b.facts
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
