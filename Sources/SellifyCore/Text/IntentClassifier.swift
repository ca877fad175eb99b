/// What a customer message is about (pipeline stage 2).
public struct Classification: Sendable, Equatable {
    public var intent: IntentName
    /// A photo or video was asked for (independent of the intent).
    public var mediaRequest: MediaKind?
    /// Language code for the reply (`es`, `en`): the language the message
    /// shows, else `defaultLanguage` (the conversation's language, when
    /// remembered, wins over the default: see `languageShown`).
    public var language: String
    /// The language the message's own words show (marker words, else the
    /// language of a product name or alias it used), or nil when they show none.
    public var languageShown: String?
    /// Catalog products named in the message (by name or alias), in order of
    /// first mention, each once.
    public var products: [Product]

    public init(
        intent: IntentName, mediaRequest: MediaKind?, language: String, products: [Product],
        languageShown: String? = nil
    ) {
        self.intent = intent
        self.mediaRequest = mediaRequest
        self.language = language
        self.products = products
        self.languageShown = languageShown
    }
}

/// Pipeline stage 2: intent, media request, language and products, from the
/// phrase lists of `rules/intents.lua` and the catalog's names and aliases —
/// all compiled into one `PhraseMatcher`, so a message is scanned once.
///
/// - **Intent**: the first intent in `intents` order with any matching phrase,
///   else `.other`.
/// - **Media**: `.image` when an image phrase matches, else `.video` when a
///   video phrase matches (a message asking for both gets `.image`: it is
///   checked first, as `rules/intents.lua` documents).
/// - **Language**: the language with the most marker-word matches (every
///   occurrence counts); with no marker, the language of the product names
///   and aliases used (when they agree); a tie for first place, or nothing,
///   shows no language and gives `defaultLanguage`. Languages are considered
///   in code order.
/// - **Products**: names and aliases at word boundaries; where two product
///   phrases overlap the longer wins (then the earlier), so
///   `plan premium anual` beats `plan premium` when both exist.
public struct IntentClassifier: Sendable {
    enum Tag: Sendable, Equatable {
        case intent(Int)
        case media(MediaKind)
        case language(Int)
        case product(Int, language: String?)
    }

    let matcher: PhraseMatcher<Tag>
    let intentNames: [IntentName]
    let languageCodes: [String]
    let defaultLanguage: String
    let products: [Product]

    public init(intents: IntentRules, catalog: Catalog) {
        var phrases: [(phrase: String, value: Tag)] = []
        for (index, intent) in intents.intents.enumerated() {
            phrases += intent.phrases.map { ($0, .intent(index)) }
        }
        for kind in MediaKind.allCases {
            phrases += (intents.media[kind] ?? []).map { ($0, .media(kind)) }
        }
        let languages = intents.languages.sorted { $0.code < $1.code }
        for (index, language) in languages.enumerated() {
            phrases += language.words.map { ($0, .language(index)) }
        }
        for (index, product) in catalog.products.enumerated() {
            for name in product.allNames {
                phrases.append((name, .product(index, language: product.language(ofPhrase: name))))
            }
            phrases += product.aliases.map { ($0, .product(index, language: product.language(ofPhrase: $0))) }
        }
        matcher = PhraseMatcher(phrases)
        intentNames = intents.intents.map(\.name)
        languageCodes = languages.map(\.code)
        defaultLanguage = intents.defaultLanguage
        products = catalog.products
    }

    public func classify(_ text: String) -> Classification {
        classify(TextNormalizer.normalize(text))
    }

    public func classify(_ message: NormalizedText) -> Classification {
        var bestIntent = Int.max
        var image = false
        var video = false
        var languageCounts = [Int](repeating: 0, count: languageCodes.count)
        var productMatches: [(product: Int, range: Range<Int>)] = []
        var productLanguages: Set<String> = []

        for match in matcher.matches(in: message.text) {
            switch match.value {
            case .intent(let index): bestIntent = min(bestIntent, index)
            case .media(.image): image = true
            case .media(.video): video = true
            case .language(let index): languageCounts[index] += 1
            case .product(let index, let phraseLanguage):
                productMatches.append((index, match.range))
                if let phraseLanguage { productLanguages.insert(phraseLanguage) }
            }
        }

        var shown: String?
        if let top = languageCounts.max(), top > 0, languageCounts.filter({ $0 == top }).count == 1,
            let index = languageCounts.firstIndex(of: top)
        {
            shown = languageCodes[index]
        } else if languageCounts.allSatisfy({ $0 == 0 }), productLanguages.count == 1 {
            shown = productLanguages.first
        }

        return Classification(
            intent: bestIntent < intentNames.count ? intentNames[bestIntent] : .other,
            mediaRequest: image ? .image : (video ? .video : nil),
            language: shown ?? defaultLanguage,
            products: selectProducts(productMatches), languageShown: shown)
    }

    /// Longest non-overlapping product mentions, then in order of mention, each product once.
    func selectProducts(_ matches: [(product: Int, range: Range<Int>)]) -> [Product] {
        guard !matches.isEmpty else { return [] }
        let byLength = matches.sorted {
            ($1.range.count, $0.range.lowerBound, $0.product) < ($0.range.count, $1.range.lowerBound, $1.product)
        }
        var chosen: [(product: Int, range: Range<Int>)] = []
        for candidate in byLength where !chosen.contains(where: { $0.range.overlaps(candidate.range) }) {
            chosen.append(candidate)
        }
        chosen.sort { ($0.range.lowerBound, $0.product) < ($1.range.lowerBound, $1.product) }
        var seen: [Int] = []
        for mention in chosen where !seen.contains(mention.product) { seen.append(mention.product) }
        return seen.map { products[$0] }
    }
}
