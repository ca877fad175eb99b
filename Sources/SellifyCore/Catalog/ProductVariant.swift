public import SellifyYAML

/// One option of a catalog product — a colour, a size — as `catalog.yaml`
/// writes it under the product's `variants:`. The catalog expands it into a
/// product of its own (id `<parent>-<id>`, `variantOf` the parent), so
/// prices, names and facts of a variant are checked like any product's; what
/// the variant does not write (price, stock, images, videos, facts) it
/// inherits from its parent, and it always has the parent's currency.
///
/// Its `options` are the words that pick it (`azul`, `blue`): next to the
/// parent's name (`la taza azul`) or, in a message that names no product,
/// when the parent or a sibling is in the conversation's focus (`¿y en azul?`).
public struct ProductVariant: Sendable, Decodable, YAMLRecoverable {
    /// Lowercase letters, digits and '-'; the product id is `<parent>-<id>`.
    public var id: String
    var name: Localized<String>
    var aliases: Localized<[String]>
    var options: Localized<[String]>
    var price: Money?
    var inStock: Bool?
    var images: [String]?
    var videos: [String]?
    var facts: Localized<[String]>?
    var location: SourceLocation?

    public static var yamlPlaceholder: Self {
        Self(id: "", name: .plain(""), aliases: .plain([]), options: .plain([]))
    }

    init(
        id: String, name: Localized<String>, aliases: Localized<[String]>, options: Localized<[String]>,
        price: Money? = nil, inStock: Bool? = nil, images: [String]? = nil, videos: [String]? = nil,
        facts: Localized<[String]>? = nil
    ) {
        self.id = id
        self.name = name
        self.aliases = aliases
        self.options = options
        self.price = price
        self.inStock = inStock
        self.images = images
        self.videos = videos
        self.facts = facts
    }

    enum CodingKeys: String, CodingKey {
        case id, name, aliases, options, price, inStock = "in_stock", images, videos, facts
    }

    public init(from decoder: any Decoder) throws {
        location = decoder.yamlLocation
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(ProductID.self, forKey: .id).value
        name = try c.decode(Localized<String>.self, forKey: .name)
        aliases = try c.decode(.aliases, default: Localized<[String]>.plain([]))
        options = try c.decode(.options, default: Localized<[String]>.plain([]))
        price = try c.decodeIfPresent(Money.self, forKey: .price)
        inStock = try c.decodeIfPresent(Bool.self, forKey: .inStock)
        images = try c.decodeIfPresent([String].self, forKey: .images)
        videos = try c.decodeIfPresent([String].self, forKey: .videos)
        facts = try c.decodeIfPresent(Localized<[String]>.self, forKey: .facts)
    }

    /// The variant as a product of its own, `parent`'s where it writes nothing.
    func product(of parent: Product) -> Product {
        var product = Product(
            id: "\(parent.id)-\(id)", name: "", price: price ?? parent.price, currency: parent.currency,
            inStock: inStock ?? parent.inStock, images: images ?? parent.images, videos: videos ?? parent.videos)
        (product.name, product.names) = name.nameAndNames
        (product.aliases, product.aliasLanguages) = aliases.phrases
        (product.options, product.optionLanguages) = options.phrases
        if let facts {
            (product.facts, product.localizedFacts) = facts.factsAndLocalized
        } else {
            (product.facts, product.localizedFacts) = (parent.facts, parent.localizedFacts)
        }
        product.variantOf = parent.id
        product.location = location
        return product
    }
}
