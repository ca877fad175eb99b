extension ResponseEngine {
    /// The words a list of products needs, per language: the conjunction
    /// before the last item and the note after a product out of stock. A
    /// language not listed gets commas only and no note.
    static let listWords: [String: (and: String, outOfStock: String)] = [
        "en": (" and ", " (out of stock)"),
        "es": (" y ", " (sin existencias)"),
    ]

    /// `{products.prices}`: each product's name in `language` and its catalog
    /// price, in order — `Libreta Punteada: 219.00 MXN y Taza Aurora: 259.00 MXN`,
    /// `Dot Grid Notebook: 219.00 MXN, Aurora Mug: 259.00 MXN and Sticker Pack: 89.00 MXN`.
    /// A product out of stock says so, so a price is never read as an offer
    /// of something that cannot be delivered. No total: the validator only
    /// lets catalog prices through.
    static func priceList(_ products: [Product], language: String) -> String {
        let words = listWords[language]
        let items = products.map { product in
            "\(product.name(in: language)): \(product.price) \(product.currency.code)"
                + (product.inStock ? "" : words?.outOfStock ?? "")
        }
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + (words?.and ?? ", ") + items.last!
    }
}
