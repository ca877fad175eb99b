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
///    Otherwise the words before it in the run (English order: `Platinum Plan`,
///    `Aurora Mug Set`)
///    or, when there are none, the words after it up to a known name (Spanish
///    order: `Plan Platino`; but `Ebook Focus Guide` is a description of the
///    known `Focus Guide`) form a candidate name; leading articles, possessives, adjectives and verbs such
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
        /// UTF-8 offsets in the text.
        var range: Range<Int>
        var capitalized: Bool
        var isNumber: Bool
        /// Joined to the next word by a single space or hyphen.
        var joinedToNext: Bool
        var text: String
    }

    /// Words (runs of letters, digits and combining marks) of the UTF-8 `bytes`.
    static func scanWords(_ bytes: UnsafeBufferPointer<UInt8>) -> [Word] {
        var words: [Word] = []
        let n = bytes.count
        var i = 0
        var gapStart = 0
        while i < n {
            // Classify the scalar at i.
            var length = 1
            var isWord = false, isUpper = false, isDigit = false
            let byte = bytes[i]
            if byte < 0x80 {
                isDigit = byte &- 0x30 < 10
                isUpper = byte &- 0x41 < 26
                isWord = isDigit || isUpper || byte &- 0x61 < 26
            } else {
                let value = WordBoundary.decode(bytes, at: i)
                length = value < 0x800 ? 2 : (value < 0x10000 ? 3 : 4)
                if value == 0xFFFD { length = max(1, min(length, n - i)) }
                if let scalar = Unicode.Scalar(value) {
                    let properties = scalar.properties
                    isWord = WordBoundary.isWordScalar(value)
                    isUpper = properties.isUppercase
                    isDigit = properties.numericType != nil && !properties.isAlphabetic
                }
            }
            guard isWord else {
                i += length
                continue
            }
            // A word starts here.
            if !words.isEmpty {
                let gap = gapStart..<i
                words[words.count - 1].joinedToNext = gap.count == 1 && (bytes[gap.lowerBound] == 0x20 || bytes[gap.lowerBound] == 0x2D)
            }
            let start = i
            var upper = isUpper
            var digitsOnly = isDigit
            i += length
            while i < n {
                let b = bytes[i]
                if b < 0x80 {
                    let digit = b &- 0x30 < 10, capital = b &- 0x41 < 26
                    guard digit || capital || b &- 0x61 < 26 else { break }
                    if capital { upper = true }
                    if !digit { digitsOnly = false }
                    i += 1
                } else {
                    let value = WordBoundary.decode(bytes, at: i)
                    guard WordBoundary.isWordScalar(value), let scalar = Unicode.Scalar(value) else { break }
                    if scalar.properties.isUppercase { upper = true }
                    if scalar.properties.numericType == nil || scalar.properties.isAlphabetic { digitsOnly = false }
                    i += value < 0x800 ? 2 : (value < 0x10000 ? 3 : 4)
                }
            }
            i = min(i, n)
            words.append(Word(
                range: start..<i, capitalized: upper, isNumber: digitsOnly, joinedToNext: false,
                text: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)))
            gapStart = i
        }
        return words
    }

    func violations(in text: String) -> [Violation] {
        guard !kindWords.isEmpty else { return [] }
        var text = text
        let runs: [[Word]] = text.withUTF8 { bytes in
            // Cheap exit: a capitalized word needs an ASCII capital or a non-ASCII letter.
            guard bytes.contains(where: { $0 &- 0x41 < 26 || $0 >= 0x80 }) else { return [] }
            let words = Self.scanWords(bytes)
            var runs: [[Word]] = []
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
                runs.append(Array(words[i...end]))
                i = end + 1
            }
            return runs
        }
        var found: [Range<Int>] = []
        for run in runs { found += check(run: run) }
        guard !found.isEmpty else { return [] }
        let offsets = TextValidator.characterOffsets(ofUTF8In: text)
        return found.map { utf8 in
            let start = offsets.character(atUTF8: utf8.lowerBound)
            let end = offsets.character(endingAtUTF8: utf8.upperBound)
            let name = TextValidator.slice(text, start..<end)
            return Violation(
                code: "unknown_product", message: "unknown product '\(name)' (not in the catalog)", start: start, end: end)
        }
    }

    /// UTF-8 ranges of unknown product names in a capitalized run.
    func check(run: [Word]) -> [Range<Int>] {
        let normalized = run.map { word in
            word.text.utf8.allSatisfy { $0 < 0x80 } ? word.text.lowercased() : TextNormalizer.normalize(word.text).text
        }
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
        var found: [Range<Int>] = []
        var reportedUpTo = -1
        for k in run.indices where kindWords.contains(normalized[k]) && !covered[k] && k > reportedUpTo {
            // Words before the kind word, after the last function word.
            var first = k
            while first > 0 && !Self.stopWords.contains(normalized[first - 1]) { first -= 1 }
            var last = k
            if first == k {
                // A kind word before a known name describes it ("el ebook Focus Guide").
                while last + 1 < run.count && !Self.stopWords.contains(normalized[last + 1]) && !covered[last + 1] {
                    last += 1
                }
            }
            guard last > first else { continue }
            reportedUpTo = last
            found.append(run[first].range.lowerBound..<run[last].range.upperBound)
        }
        return found
    }
}
