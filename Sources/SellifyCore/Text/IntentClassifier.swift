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
    /// The id of the first entry of `rules/faq.yaml`, in file order, with a
    /// phrase in the message (independent of the intent), or nil.
    public var faq: String?
    /// How many of the first product named the message states, 1…12
    /// (`quiero 3 tazas`, `two mugs`), or nil.
    public var quantity: Int?
    /// Variants whose option word the message used (`azul`) without naming
    /// their parent or any product (`¿y en azul?`), in order of mention: the
    /// conversation stage picks those of the product in focus.
    public var options: [Product] = []

    public init(
        intent: IntentName, mediaRequest: MediaKind?, language: String, products: [Product],
        languageShown: String? = nil, faq: String? = nil, quantity: Int? = nil
    ) {
        self.intent = intent
        self.mediaRequest = mediaRequest
        self.language = language
        self.products = products
        self.languageShown = languageShown
        self.faq = faq
        self.quantity = quantity
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
///   occurrence counts); with no marker, the language of the product names,
///   aliases and FAQ phrases used (when they agree); a tie for first place, or nothing,
///   shows no language and gives `defaultLanguage`. Languages are considered
///   in code order.
/// - **Products**: names and aliases at word boundaries; where two product
///   phrases overlap the longer wins (then the earlier), so
///   `plan premium anual` beats `plan premium` when both exist. A variant's
///   option word (`azul`) next to a mention of its parent or a sibling
///   (`la taza azul`, `Taza Aurora en azul y verde`) turns that mention into
///   the variants picked; option words of products not named are kept in
///   `options`.
/// - **FAQ**: the first entry of `rules/faq.yaml` (file order) with any
///   matching phrase. Its phrases' language counts like a product alias's
///   when the message has no marker word.
/// - **Quantity**: a number next to a mention of the first product named
///   (see `IntentClassifier+Quantity.swift`).
public struct IntentClassifier: Sendable {
    enum Tag: Sendable, Equatable {
        case intent(Int)
        case media(MediaKind)
        case language(Int)
        case product(Int, language: String?)
        case faq(Int, language: String)
        case option(Int, language: String?)
    }

    let matcher: PhraseMatcher<Tag>
    let intentNames: [IntentName]
    let languageCodes: [String]
    let defaultLanguage: String
    let products: [Product]
    let faqIDs: [String]

    public init(intents: IntentRules, catalog: Catalog) {
        self.init(intents: intents, faq: .empty, catalog: catalog)
    }

    /// The classifier of a compiled rules folder: its intents and FAQ, with the catalog.
    public init(rules: RuleSet, catalog: Catalog) {
        self.init(intents: rules.intents, faq: rules.faq, catalog: catalog)
    }

    public init(intents: IntentRules, faq: FAQ, catalog: Catalog) {
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
            phrases += product.options.map { ($0, .option(index, language: product.language(ofPhrase: $0))) }
        }
        for (index, entry) in faq.entries.enumerated() {
            for language in entry.phrases.keys.sorted() {
                phrases += entry.phrases[language]!.map { ($0, .faq(index, language: language)) }
            }
        }
        matcher = PhraseMatcher(phrases)
        faqIDs = faq.ids
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
        var optionMatches: [(product: Int, range: Range<Int>)] = []
        var phraseLanguages: Set<String> = []
        var bestFAQ = Int.max

        for match in matcher.matches(in: message.text) {
            switch match.value {
            case .intent(let index): bestIntent = min(bestIntent, index)
            case .media(.image): image = true
            case .media(.video): video = true
            case .language(let index): languageCounts[index] += 1
            case .product(let index, let phraseLanguage):
                productMatches.append((index, match.range))
                if let phraseLanguage { phraseLanguages.insert(phraseLanguage) }
            case .faq(let index, let phraseLanguage):
                bestFAQ = min(bestFAQ, index)
                phraseLanguages.insert(phraseLanguage)
            case .option(let index, let phraseLanguage):
                optionMatches.append((index, match.range))
                if let phraseLanguage { phraseLanguages.insert(phraseLanguage) }
            }
        }

        var shown: String?
        if let top = languageCounts.max(), top > 0, languageCounts.filter({ $0 == top }).count == 1,
            let index = languageCounts.firstIndex(of: top)
        {
            shown = languageCodes[index]
        } else if languageCounts.allSatisfy({ $0 == 0 }), phraseLanguages.count == 1 {
            shown = phraseLanguages.first
        }

        var mentions = selectMentions(productMatches)
        let unpicked = pickVariants(&mentions, options: optionMatches, in: message.text)
        let named = Self.firstMentioned(mentions)
        var classification = Classification(
            intent: bestIntent < intentNames.count ? intentNames[bestIntent] : .other,
            mediaRequest: image ? .image : (video ? .video : nil),
            language: shown ?? defaultLanguage,
            products: named.map { products[$0] }, languageShown: shown,
            faq: bestFAQ < faqIDs.count ? faqIDs[bestFAQ] : nil,
            quantity: named.first.flatMap { first in
                Self.quantity(of: mentions.filter { $0.product == first }.map(\.range), in: message.text)
            })
        classification.options = unpicked.map { products[$0] }
        return classification
    }

    /// Turns each mention of a product into the variants of it whose option
    /// words the message uses (not inside a product mention), in order of
    /// mention; a mention of a variant keeps it, followed by the siblings
    /// picked. Returns the variants of option words no mention took, each once.
    func pickVariants(
        _ mentions: inout [(product: Int, range: Range<Int>)], options: [(product: Int, range: Range<Int>)],
        in text: String
    ) -> [Int] {
        let free = options.filter { option in !mentions.contains { $0.range.overlaps(option.range) } }
        guard !free.isEmpty else { return [] }
        var taken: Set<Int> = []
        var picked: [(product: Int, range: Range<Int>)] = []
        for mention in mentions {
            let product = products[mention.product]
            let family = product.variantOf ?? product.id
            var chosen = product.variantOf == nil ? [] : [mention.product]
            var range = mention.range
            for option in free where products[option.product].variantOf == family && !chosen.contains(option.product) {
                chosen.append(option.product)
                taken.insert(option.product)
                // `dos tazas azules`, `two blue mugs`: the option word is part
                // of the mention, so a quantity before either counts.
                if Self.onlySpaces(between: range, and: option.range, in: text) {
                    range =
                        min(range.lowerBound, option.range.lowerBound)..<max(range.upperBound, option.range.upperBound)
                }
            }
            picked += (chosen.isEmpty ? [mention.product] : chosen).map { ($0, range) }
        }
        mentions = picked
        var unpicked: [Int] = []
        for option in free where !taken.contains(option.product) && !unpicked.contains(option.product) {
            unpicked.append(option.product)
        }
        return unpicked
    }

    /// Whether the two ranges of the UTF-8 `text`, which do not overlap, are
    /// separated by spaces only.
    static func onlySpaces(between a: Range<Int>, and b: Range<Int>, in text: String) -> Bool {
        let (first, second) = a.upperBound <= b.lowerBound ? (a, b) : (b, a)
        guard first.upperBound < second.lowerBound else { return false }
        let gap = first.upperBound..<second.lowerBound
        let utf8 = text.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: gap.lowerBound)
        return utf8[start..<utf8.index(start, offsetBy: gap.count)].allSatisfy { $0 == 0x20 }
    }

    /// Product indices in order of first mention, each once.
    static func firstMentioned(_ mentions: [(product: Int, range: Range<Int>)]) -> [Int] {
        var seen: [Int] = []
        for mention in mentions where !seen.contains(mention.product) { seen.append(mention.product) }
        return seen
    }

    /// The longest non-overlapping product mentions (then the earlier), in order of mention.
    func selectMentions(_ matches: [(product: Int, range: Range<Int>)]) -> [(product: Int, range: Range<Int>)] {
        guard !matches.isEmpty else { return [] }
        let byLength = matches.sorted {
            ($1.range.count, $0.range.lowerBound, $0.product) < ($0.range.count, $1.range.lowerBound, $1.product)
        }
        var chosen: [(product: Int, range: Range<Int>)] = []
        for candidate in byLength where !chosen.contains(where: { $0.range.overlaps(candidate.range) }) {
            chosen.append(candidate)
        }
        chosen.sort { ($0.range.lowerBound, $0.product) < ($1.range.lowerBound, $1.product) }
        return chosen
    }
}
