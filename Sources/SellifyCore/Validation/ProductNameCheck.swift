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
/// 4. **Invented variants** of a known name: a variant word (`Super`, `Pro`,
///    `Max`, `Plus`, `Ultra`, `Mini`, `Gold`, `Deluxe`, `Edición`…) attached
///    to it in the run, before or after (`Super Premium Plan`, `Aurora Mug
///    Pro Max`), is an unknown product; other words are descriptions
///    (`Premium Plan Features`, `Sudadera Aurora Hoodie`).
/// 5. **Other makers' products**: a word written in camel case (`iPhone`,
///    `MacBook`, `AirPods`, `PlayStation`) or a model code of a capital and
///    two or more digits (`S24`, `XPS13`) next to another capitalized word
///    (`Galaxy S24`), that is not a word of the catalog, of
///    `validation.allowed_names` or of the common platforms (WhatsApp,
///    Instagram, TikTok, PayPal, YouTube, Mercado Pago…), with the rest of its
///    run (`iPhone 15 Pro`).
/// 6. Spanish order after a type word (`Plan Platino`: `plan` ends a catalog
///    name) is read only when the text is not English (it has no more English
///    function words than Spanish ones), so `Plan Ahead with our app` is not
///    a product; after a shared word (`Aurora Backpack`) it always is.
///
/// Limits: a name without a kind word is not seen (`la Taza Estrella`, since
/// `taza` is only an alias word of one product), nor another maker's product
/// in plain title case (`Nintendo Switch`, `Pixel 8`); lowercase names are not
/// checked (`the platinum plan`); Spanish-order names in an English text are
/// not seen (`check out the Plan Platino`).
struct ProductNameCheck: Sendable {
    let kindWords: Set<String>
    /// The last words of the catalog names (`plan`, `mug`): the kind words
    /// that end an English name and start a Spanish one.
    let typeWords: Set<String>
    /// Every normalized word of a catalog name or alias.
    let catalogWords: Set<String>
    /// Normalized words that are not products (`validation.allowed_names` and the common platforms).
    let allowedNames: Set<String>
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

    /// Words that make a new product of a known one.
    static let variantWords: Set<String> = [
        "super", "pro", "max", "plus", "ultra", "mini", "lite", "gold", "oro", "platinum", "platino", "silver",
        "plata", "deluxe", "elite", "extra", "xl", "xxl", "edition", "edicion", "limited", "limitada", "limitado",
        "special", "especial", "premium", "advanced", "avanzado", "avanzada", "infinity", "prime", "vip", "turbo",
    ]

    /// Platforms and services a sales message names that are not products.
    static let platformNames: Set<String> = [
        "whatsapp", "instagram", "facebook", "messenger", "tiktok", "youtube", "paypal", "mercadopago", "linkedin",
        "ios", "macos", "icloud", "gmail", "telegram", "googlepay", "applepay", "openai", "chatgpt",
    ]

    static let englishWords: Set<String> = [
        "the", "and", "to", "of", "with", "your", "our", "for", "is", "it", "in", "on", "you", "we", "this", "that",
        "are", "be", "at", "from", "ahead",
    ]
    static let spanishWords: Set<String> = [
        "el", "la", "los", "las", "de", "del", "que", "en", "y", "para", "con", "tu", "su", "por", "es", "un", "una",
        "te", "lo", "nuestro", "nuestra",
    ]

    init(catalog: Catalog, allowedNames allowed: [String] = []) {
        var kinds: Set<String> = []
        var productsPerWord: [String: Set<Int>] = [:]
        var known: Set<String> = []
        var longest = 1
        for (index, product) in catalog.products.enumerated() {
            // Kind words come from the catalog-language names ("Aurora Mug"):
            // other languages put the kind elsewhere ("Taza Aurora").
            if let last = Self.words(product.name).last { kinds.insert(last) }
            for phrase in product.allNames + product.aliases {
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
        catalogWords = Set(productsPerWord.keys)
        typeWords = Set(catalog.products.compactMap { Self.words($0.name).last })
        allowedNames = Self.platformNames.union(allowed.flatMap(Self.words))
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
            var isWord = false
            var isUpper = false
            var isDigit = false
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
                words[words.count - 1].joinedToNext =
                    gap.count == 1 && (bytes[gap.lowerBound] == 0x20 || bytes[gap.lowerBound] == 0x2D)
            }
            let start = i
            var upper = isUpper
            var digitsOnly = isDigit
            i += length
            while i < n {
                let b = bytes[i]
                if b < 0x80 {
                    let digit = b &- 0x30 < 10
                    let capital = b &- 0x41 < 26
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
            words.append(
                Word(
                    range: start..<i, capitalized: upper, isNumber: digitsOnly, joinedToNext: false,
                    text: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)))
            gapStart = i
        }
        return words
    }

    func violations(in text: String) -> [Violation] {
        guard !kindWords.isEmpty else { return [] }
        var text = text
        var english = 0
        var spanish = 0
        let runs: [[Word]] = text.withUTF8 { bytes in
            // Cheap exit: a capitalized word needs an ASCII capital or a non-ASCII letter.
            guard bytes.contains(where: { $0 &- 0x41 < 26 || $0 >= 0x80 }) else { return [] }
            let words = Self.scanWords(bytes)
            for word in words where word.text.utf8.count <= 7 {
                let lower = word.text.lowercased()
                if Self.englishWords.contains(lower) {
                    english += 1
                } else if Self.spanishWords.contains(lower) {
                    spanish += 1
                }
            }
            var runs: [[Word]] = []
            var i = 0
            while i < words.count {
                guard words[i].capitalized else {
                    i += 1
                    continue
                }
                var end = i
                while end + 1 < words.count, words[end].joinedToNext,
                    words[end + 1].capitalized || words[end + 1].isNumber
                {
                    end += 1
                }
                runs.append(Array(words[i...end]))
                i = end + 1
            }
            return runs
        }
        var found: [Range<Int>] = []
        let spanishOrder = english <= spanish
        for run in runs { found += check(run: run, spanishOrder: spanishOrder) }
        guard !found.isEmpty else { return [] }
        let offsets = TextValidator.characterOffsets(ofUTF8In: text)
        return found.map { utf8 in
            let start = offsets.character(atUTF8: utf8.lowerBound)
            let end = offsets.character(endingAtUTF8: utf8.upperBound)
            let name = TextValidator.slice(text, start..<end)
            return Violation(
                code: "unknown_product", message: "unknown product '\(name)' (not in the catalog)", start: start,
                end: end)
        }
    }

    /// UTF-8 ranges of unknown product names in a capitalized run.
    func check(run: [Word], spanishOrder: Bool = true) -> [Range<Int>] {
        let normalized = run.map { word in
            word.text.utf8.allSatisfy { $0 < 0x80 } ? word.text.lowercased() : TextNormalizer.normalize(word.text).text
        }
        var found: [Range<Int>] = []
        // Another maker's product: camel case or a model code, with the rest of the run.
        for k in run.indices where !catalogWords.contains(normalized[k]) && !allowedNames.contains(normalized[k]) {
            let word = run[k].text
            guard Self.isCamelCase(word) || (run.count > 1 && Self.isModelCode(word)) else { continue }
            var first = k
            while first > 0 && !Self.stopWords.contains(normalized[first - 1]) { first -= 1 }
            return [run[first].range.lowerBound..<run[run.count - 1].range.upperBound]
        }
        guard normalized.contains(where: kindWords.contains) else { return found }
        // Positions covered by a known name of ≥ 2 words.
        var covered = [Bool](repeating: false, count: run.count)
        var names: [Range<Int>] = []
        for start in 0..<run.count {
            for length in stride(from: min(longestName, run.count - start), through: 2, by: -1)
            where knownNames.contains(normalized[start..<(start + length)].joined(separator: " ")) {
                for k in start..<(start + length) { covered[k] = true }
                names.append(start..<(start + length))
                break
            }
        }
        // Invented variants of a known name: `Super Premium Plan`, `Aurora Mug Pro Max`.
        for name in names {
            var first = name.lowerBound
            while first > 0 && Self.variantWords.contains(normalized[first - 1]) && !covered[first - 1] { first -= 1 }
            var last = name.upperBound - 1
            while last + 1 < run.count && Self.variantWords.contains(normalized[last + 1]) && !covered[last + 1] {
                last += 1
            }
            if first < name.lowerBound || last >= name.upperBound {
                found.append(run[first].range.lowerBound..<run[last].range.upperBound)
            }
        }
        guard found.isEmpty else { return found }
        var reportedUpTo = -1
        for k in run.indices where kindWords.contains(normalized[k]) && !covered[k] && k > reportedUpTo {
            // Words before the kind word, after the last function word.
            var first = k
            while first > 0 && !Self.stopWords.contains(normalized[first - 1]) { first -= 1 }
            var last = k
            if first == k && (spanishOrder || !typeWords.contains(normalized[k])) {
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

    /// A lowercase letter followed later by a capital: `iPhone`, `MacBook`, `AirPods`.
    static func isCamelCase(_ word: String) -> Bool {
        var sawLower = false
        for byte in word.utf8 {
            if byte &- 0x61 < 26 { sawLower = true } else if byte &- 0x41 < 26, sawLower { return true }
        }
        return false
    }

    /// A capital, then letters and at least two digits: `S24`, `XPS13`, `G700`
    /// (not `A4`, a paper size, nor `4K`).
    static func isModelCode(_ word: String) -> Bool {
        guard let first = word.utf8.first, first &- 0x41 < 26, word.utf8.count <= 8 else { return false }
        return word.utf8.filter { $0 &- 0x30 < 10 }.count >= 2
            && word.utf8.allSatisfy { $0 &- 0x30 < 10 || ($0 | 0x20) &- 0x61 < 26 }
    }
}
