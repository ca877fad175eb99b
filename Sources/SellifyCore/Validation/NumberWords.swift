/// Cardinal numbers written in words, Spanish and English, read from a
/// `ScanText` (folded: lowercase, accents removed), for the price and
/// discount checks: `veintinueve`, `cuarenta y nueve`, `ciento cuarenta y
/// nueve`, `mil doscientos noventa y nueve`, `dos millones`, `twenty-nine`,
/// `twenty nine`, `one hundred and forty-nine`, `twelve hundred`, `a
/// thousand`, `two million`.
///
/// The grammar is checked loosely but enough that a run of unrelated words is
/// never one number: a unit cannot follow a unit (`dos tres` is two numbers),
/// Spanish `y` only joins tens and a unit (`cuarenta y nueve`), English `and`
/// only follows `hundred` or `thousand`. English `a` counts as one only before
/// `hundred`, `thousand` or `million`. Ordinals (`segundo`, `second`), vague
/// quantities (`cientos`, `miles`, `dozens`) and fractions are not numbers.
enum NumberWords {
    struct Reading {
        /// Scan positions of the words.
        var range: Range<Int>
        var value: Int
        /// A lone `un`, `una`, `uno` or `one`: an article as often as a number.
        var isLoneOne: Bool
        /// Ends with `millon(es)` / `million(s)`, which may take `de`
        /// (`un millon de pesos`).
        var endsWithMillion: Bool
    }

    enum Kind {
        /// 1...9
        case unit
        /// 10...19, and the Spanish compounds 21...29 (`veintinueve`): nothing can follow but a magnitude.
        case closed
        /// 20, 30 … 90
        case tens
        /// Spanish `cien`, `ciento`, `doscientos` … `novecientos`: added.
        case hundreds
        /// English `hundred`: multiplies.
        case hundred
        case thousand
        case million
        /// English `a` before a magnitude.
        case article
    }

    static let table: [String: (value: Int, kind: Kind)] = {
        var t: [String: (value: Int, kind: Kind)] = [:]
        let spanishUnits = ["un", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]
        for (k, w) in spanishUnits.enumerated() { t[w] = (k + 1, .unit) }
        t["uno"] = (1, .unit)
        t["una"] = (1, .unit)
        let englishUnits = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        for (k, w) in englishUnits.enumerated() { t[w] = (k + 1, .unit) }
        let spanishTeens = [
            "diez", "once", "doce", "trece", "catorce", "quince", "dieciseis", "diecisiete", "dieciocho", "diecinueve",
        ]
        for (k, w) in spanishTeens.enumerated() { t[w] = (k + 10, .closed) }
        let englishTeens = [
            "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
            "nineteen",
        ]
        for (k, w) in englishTeens.enumerated() { t[w] = (k + 10, .closed) }
        let veinti = [
            "veintiun", "veintidos", "veintitres", "veinticuatro", "veinticinco", "veintiseis", "veintisiete",
            "veintiocho", "veintinueve",
        ]
        for (k, w) in veinti.enumerated() { t[w] = (k + 21, .closed) }
        t["veintiuno"] = (21, .closed)
        t["veintiuna"] = (21, .closed)
        let spanishTens = ["veinte", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"]
        for (k, w) in spanishTens.enumerated() { t[w] = ((k + 2) * 10, .tens) }
        let englishTens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
        for (k, w) in englishTens.enumerated() { t[w] = ((k + 2) * 10, .tens) }
        t["fourty"] = (40, .tens)
        t["cien"] = (100, .hundreds)
        t["ciento"] = (100, .hundreds)
        let hundreds = [
            "doscient", "trescient", "cuatrocient", "quinient", "seiscient", "setecient", "ochocient",
            "novecient",
        ]
        for (k, stem) in hundreds.enumerated() {
            t[stem + "os"] = ((k + 2) * 100, .hundreds)
            t[stem + "as"] = ((k + 2) * 100, .hundreds)
        }
        t["hundred"] = (100, .hundred)
        t["mil"] = (1000, .thousand)
        t["thousand"] = (1000, .thousand)
        for w in ["millon", "millones", "million", "millions"] { t[w] = (1_000_000, .million) }
        t["a"] = (1, .article)
        t["cero"] = (0, .closed)
        t["zero"] = (0, .closed)
        return t
    }()

    /// The first letters of the words in `table` (a cheap exit for every other word).
    static let firstLetters: [Bool] = {
        var letters = [Bool](repeating: false, count: 256)
        for word in table.keys { letters[Int(word.utf8.first!)] = true }
        return letters
    }()

    /// Whether a number in words may start with the word at `start`.
    static func starts(_ text: ScanText, at start: Int) -> Bool {
        firstLetters[Int(text[start])] && !ScanText.isAlnum(text[start - 1])
    }

    /// The number in words starting with the word at `start` (which must
    /// start a word), or nil.
    static func read(_ text: ScanText, at start: Int) -> Reading? {
        guard starts(text, at: start), let (first, firstEnd) = word(text, at: start),
            let entry = table[first]
        else { return nil }
        if entry.kind == .article {
            // English `a hundred`, `a thousand`, `a million` only.
            guard let (next, _) = nextWord(text, after: firstEnd),
                let following = table[next],
                following.kind == .hundred || following.kind == .thousand
                    || following.kind == .million
            else { return nil }
        }
        var total = 0
        var group = 0
        var last: Kind? = nil
        var end = start
        var words = 0
        var position = start
        var current: (word: String, end: Int)? = (first, firstEnd)
        while let (w, wEnd) = current {
            var accepted: (value: Int, kind: Kind)? = nil
            var acceptedEnd = wEnd
            if w == "y" || w == "and" {
                // `cuarenta y nueve`; `one hundred and five`, `a thousand and one`.
                guard let (next, nextWordEnd) = nextWord(text, after: wEnd).map({ ($0.word, $0.end) }),
                    let entry = table[next]
                else { break }
                let joins =
                    w == "y"
                    ? last == .tens && entry.kind == .unit
                    : (last == .hundred || last == .thousand)
                        && (entry.kind == .unit || entry.kind == .closed || entry.kind == .tens)
                guard joins else { break }
                accepted = entry
                acceptedEnd = nextWordEnd
            } else if let entry = table[w] {
                accepted = entry
            }
            guard let (value, kind) = accepted, isAccepted(kind, after: last, group: group, total: total) else { break }
            switch kind {
            case .unit, .closed, .tens, .hundreds: group += value
            case .hundred: group = max(group, 1) * 100
            case .thousand:
                total += max(group, 1) * 1000
                group = 0
            case .million:
                total += max(group, 1) * 1_000_000
                group = 0
            case .article: group = 1
            }
            last = kind
            end = acceptedEnd
            words += 1
            position = acceptedEnd
            current = nextWord(text, after: position)
        }
        guard words > 0 else { return nil }
        let isLoneOne = words == 1 && ["un", "una", "uno", "one"].contains(first)
        return Reading(
            range: start..<end, value: total + group, isLoneOne: isLoneOne, endsWithMillion: last == .million)
    }

    /// Whether a word of `kind` may follow one of kind `last`.
    private static func isAccepted(_ kind: Kind, after last: Kind?, group: Int, total: Int) -> Bool {
        switch kind {
        case .unit:
            last == nil || last == .tens || last == .hundreds || last == .hundred || last == .thousand
                || last == .million
        case .closed, .tens:
            last == nil || last == .hundreds || last == .hundred || last == .thousand || last == .million
        case .hundreds: (last == nil || last == .thousand || last == .million) && group == 0
        case .hundred: (last == .unit || last == .closed || last == .article || last == .tens) && group < 100
        case .thousand: last != .thousand && last != .million && total % 1_000_000 == 0
        case .million: last != .million && total == 0
        case .article: last == nil
        }
    }

    /// The a-z word at `start`.
    static func word(_ text: ScanText, at start: Int) -> (word: String, end: Int)? {
        guard let (w, end) = text.word(startingAt: start), w.utf8.count <= 15 else { return nil }
        return (w, end)
    }

    /// The next word after `position`, across spaces or one hyphen (`twenty-nine`).
    static func nextWord(_ text: ScanText, after position: Int) -> (word: String, end: Int)? {
        var p = position
        var spaces = 0
        while ScanText.isSpace(text[p]) && spaces < 3 {
            p += 1
            spaces += 1
        }
        if spaces == 0 {
            guard text[p] == UInt8(ascii: "-") else { return nil }
            p += 1
        }
        guard ScanText.isLetter(text[p]) else { return nil }
        return word(text, at: p)
    }
}
