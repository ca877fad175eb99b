/// Finds product-like names that are not in the catalog (`unknown_product`).
///
/// The heuristic, deterministic and explainable:
/// 1. **Kind words** come from the catalog: the last word of every product name
///    (`Plan`, `Mug`, `Hoodie`, `Lamp`, `Set`…) and every word found in the
///    names or aliases of two or more products (`plan`, `aurora`, `planner`,
///    `digital`). Words shorter than 3 letters and common function words are
///    never kind words.
/// 2. In the text as written, a **capitalized run** is a sequence of words that
///    each contain an uppercase letter (`Platinum Plan`, `LED Desk Lamp`,
///    `eBook`), joined by single spaces or hyphens; digits may continue a run.
/// 3. Known names are the catalog names and aliases (normalized). A kind word
///    inside a known name of two or more words found in the run is fine.
///    Otherwise the words before it in the run (English order: `Platinum Plan`)
///    or, when there are none, after it (Spanish order: `Plan Platino`) form a
///    candidate name; leading articles, possessives, adjectives and verbs such
///    as `the`, `our`, `new`, `best`, `try`, `el`, `nuestro` are dropped, and a
///    candidate stops at a function word (`Plan de Pagos` → `Plan`). A
///    candidate of two or more words is an unknown product.
///
/// Limits: a name without a kind word is not seen (`la Taza Estrella`, since
/// `taza` is only an alias word of one product); an invented name that ends
/// with a real one passes (`Super Premium Plan` contains `Premium Plan`);
/// lowercase names are not checked (`the platinum plan`); title-case headings
/// with a kind word (`Plan Ahead`) are reported.
struct ProductNameCheck: Sendable {
    let kindWords: Set<String>
    /// Normalized names and aliases of two or more words, words joined by one space.
    let knownNames: Set<String>
    let longestName: Int

    static let stopWords: Set<String> = [
        "the", "a", "an", "our", "your", "my", "his", "her", "their", "its", "this", "that", "these", "those", "new",
        "best", "great", "perfect", "ideal", "favorite", "popular", "top", "and", "or", "of", "for", "with", "to",
        "in", "on", "at", "by", "from", "about", "try", "get", "buy", "order", "check", "see", "meet", "discover",
        "choose", "pick", "hi", "hello", "dear", "el", "la", "los", "las", "un", "una", "unos", "unas", "nuestro",
        "nuestra", "nuestros", "nuestras", "tu", "tus", "su", "sus", "mi", "mis", "este", "esta", "estos", "estas",
        "ese", "esa", "nuevo", "nueva", "mejor", "y", "o", "de", "del", "para", "con", "en", "al", "por", "compra",
        "prueba", "pide", "conoce", "descubre", "elige", "hola", "is", "es",
    ]

    init(catalog: Catalog) {
        var kinds: Set<String> = []
        var productsPerWord: [String: Set<Int>] = [:]
        var known: Set<String> = []
        var longest = 1
        for (index, product) in catalog.products.enumerated() {
            let nameWords = Self.words(product.name)
            if let last = nameWords.last { kinds.insert(last) }
            for phrase in [product.name] + product.aliases {
                let words = Self.words(phrase)
                for word in words { productsPerWord[word, default: []].insert(index) }
                if words.count >= 2 {
                    known.insert(words.joined(separator: " "))
                    longest = max(longest, words.count)
                }
            }
        }
        for (word, products) in productsPerWord where products.count >= 2 { kinds.insert(word) }
        kindWords = kinds.filter { $0.count >= 3 && !Self.stopWords.contains($0) }
        knownNames = known
        longestName = longest
    }

    /// Normalized words (letters and digits) of `s`.
    static func words(_ s: String) -> [String] {
        TextNormalizer.normalize(s).text.split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    struct Word {
        var range: Range<Int>
        var capitalized: Bool
        var isNumber: Bool
        /// Joined to the next word by a single space or hyphen.
        var joinedToNext: Bool
        var text: String
    }

    /// Words of `text` with Character offsets.
    static func scanWords(_ text: String) -> [Word] {
        var words: [Word] = []
        var current: (start: Int, upper: Bool, digitsOnly: Bool, text: String)? = nil
        var gap: [Character] = []
        var offset = 0
        func finish(at end: Int) {
            if let word = current {
                words.append(Word(
                    range: word.start..<end, capitalized: word.upper, isNumber: word.digitsOnly, joinedToNext: false,
                    text: word.text))
                current = nil
            }
        }
        for character in text {
            if character.isLetter || character.isNumber {
                if current == nil {
                    if !words.isEmpty {
                        words[words.count - 1].joinedToNext = gap.count == 1 && (gap[0] == " " || gap[0] == "-")
                    }
                    gap.removeAll(keepingCapacity: true)
                    current = (offset, false, true, "")
                }
                current!.text.append(character)
                if character.isUppercase { current!.upper = true }
                if !character.isNumber { current!.digitsOnly = false }
            } else {
                finish(at: offset)
                gap.append(character)
            }
            offset += 1
        }
        finish(at: offset)
        return words
    }

    func violations(in text: String) -> [Violation] {
        // Cheap exit: no kind word can be capitalized without an uppercase letter.
        guard !kindWords.isEmpty, text.unicodeScalars.contains(where: { $0.properties.isUppercase }) else { return [] }
        let words = Self.scanWords(text)
        var violations: [Violation] = []
        var i = 0
        while i < words.count {
            guard words[i].capitalized else {
                i += 1
                continue
            }
            var end = i
            while end + 1 < words.count, words[end].joinedToNext,
                  words[end + 1].capitalized || words[end + 1].isNumber {
                end += 1
            }
            violations += check(run: Array(words[i...end]), in: text)
            i = end + 1
        }
        return violations
    }

    func check(run: [Word], in text: String) -> [Violation] {
        let normalized = run.map { TextNormalizer.normalize($0.text).text }
        guard normalized.contains(where: kindWords.contains) else { return [] }
        // Positions covered by a known name of ≥ 2 words.
        var covered = [Bool](repeating: false, count: run.count)
        for start in 0..<run.count {
            for length in stride(from: min(longestName, run.count - start), through: 2, by: -1) {
                if knownNames.contains(normalized[start..<(start + length)].joined(separator: " ")) {
                    for k in start..<(start + length) { covered[k] = true }
                    break
                }
            }
        }
        var violations: [Violation] = []
        var reportedUpTo = -1
        for k in run.indices where kindWords.contains(normalized[k]) && !covered[k] && k > reportedUpTo {
            // Words before the kind word, after the last function word.
            var first = k
            while first > 0 && !Self.stopWords.contains(normalized[first - 1]) && !covered[first - 1] { first -= 1 }
            var last = k
            if first == k {
                while last + 1 < run.count && !Self.stopWords.contains(normalized[last + 1]) && !covered[last + 1] {
                    last += 1
                }
            }
            guard last > first else { continue }
            reportedUpTo = last
            let start = run[first].range.lowerBound, end = run[last].range.upperBound
            let name = TextValidator.slice(text, start..<end)
            violations.append(Violation(
                code: "unknown_product", message: "unknown product '\(name)' (not in the catalog)", start: start, end: end))
        }
        return violations
    }
}
