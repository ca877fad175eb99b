import SellifyCore
import Testing

struct TextNormalizerTests {
    @Test(arguments: [
        // Case, width, accents, whitespace.
        ("Hola, ¿Cuánto CUESTA?", "hola, ¿cuanto cuesta?"),
        ("ＧＵＡＲＡＮＴＥＥＤ", "guaranteed"),
        ("Garantízado", "garantizado"),
        ("niño pingüino", "nino pinguino"),
        ("Cafe\u{301} crème", "cafe creme"),
        ("Straße", "strasse"),
        ("  hola \t\n  mundo  ", "hola mundo"),
        ("línea\r\nnueva", "linea nueva"),
        ("ﬁnal", "final"),
        ("no\u{00A0}risk", "no risk"),
        // Zero-width characters.
        ("gu\u{200B}aran\u{200D}teed", "guaranteed"),
        ("mi\u{00AD}la\u{FEFF}gro", "milagro"),
        // Leetspeak inside words.
        ("g4rant1zado", "garantizado"),
        ("pr3c10", "precio"),
        ("gu@ranteed", "guaranteed"),
        ("ca$h", "cash"),
        ("fr33 m0n3y", "free money"),
        ("M1L4GR0", "milagro"),
        // Separated letters.
        ("g.u.a.r.a.n.t.e.e.d", "guaranteed"),
        ("G U A R A N T E E D", "guaranteed"),
        ("g-a-r-a-n-t-i-z-a-d-o", "garantizado"),
        ("g_u_a_r_a_n_t_e_e_d", "guaranteed"),
        ("g*u*a*r*a*n*t*e*e*d", "guaranteed"),
        ("it is g.4.r.4.n.t.1.z.4.d.o!", "it is garantizado!"),
        ("100% G.U.A.R.A.N.T.E.E.D.", "100% guaranteed."),
        // Cyrillic look-alikes in a Latin word.
        ("guаrаnteed", "guaranteed"),
        // Numbers, prices, times stay.
        ("49.00", "49.00"),
        ("$49", "$49"),
        ("1,299", "1,299"),
        ("14:15", "14:15"),
        ("20%", "20%"),
        ("24/7", "24/7"),
        ("US$44 y MX$440", "us$44 y mx$440"),
        ("costs 49.00 USD", "costs 49.00 usd"),
        ("Tel. +52 55 1234 5678", "tel. +52 55 1234 5678"),
        ("a las 3 y 4", "a las 3 y 4"),
        ("2x1 covid19", "2x1 covid19"),
        // Repeated letters stay; emoji stay.
        ("cool", "cool"),
        ("hola 👋🏽 🇲🇽!", "hola 👋🏽 🇲🇽!"),
        ("", ""),
    ])
    func normalizes(input: String, expected: String) {
        #expect(TextNormalizer.normalize(input).text == expected)
    }

    @Test func idempotent() {
        for text in ["Hola, ¿Cuánto CUESTA el Plan Premium?", "g.u.a.r.a.n.t.e.e.d 100%", "ＧＵＡＲＡＮＴＥＥＤ pr3c10"] {
            let once = TextNormalizer.normalize(text).text
            #expect(TextNormalizer.normalize(once).text == once)
        }
    }

    @Test func mapsRangesBackToTheOriginal() {
        let message = TextNormalizer.normalize("  ¡Está  G.A.R.A.N.T.I.Z.A.D.O, señor!")
        #expect(message.text == "¡esta garantizado, senor!")
        let normalized = Array(message.text)
        let original = Array(message.original)
        // "garantizado" in the normalized text…
        let start = 6
        #expect(String(normalized[start..<(start + 11)]) == "garantizado")
        let range = message.originalRange(start..<(start + 11))
        // …is the whole obfuscated word in the original.
        #expect(String(original[range]) == "G.A.R.A.N.T.I.Z.A.D.O")
        // Accented characters map one to one.
        let esta = message.originalRange(1..<5)
        #expect(String(original[esta]) == "Está")
        #expect(String(normalized[1..<5]) == "esta")
        // Whole text and empty ranges.
        #expect(message.originalRange(0..<message.count) == 2..<original.count - 0)
        #expect(
            message.originalRange(3..<3) == message.originalRange(3..<4)
                .lowerBound..<message.originalRange(3..<4).lowerBound)
        #expect(message.count == normalized.count)
    }

    @Test func mapsUTF8RangesToCharacters() {
        let message = TextNormalizer.normalize("Señor: ＧＵＡＲＡＮＴＥＥＤ ✅")
        #expect(message.text == "senor: guaranteed ✅")
        let bytes = Array(message.text.utf8)
        let start = bytes.firstIndex(of: UInt8(ascii: "g"))!
        let characters = message.characterRange(utf8: start..<(start + 10))
        #expect(characters == 7..<17)
        #expect(String(Array(message.original)[message.originalRange(utf8: start..<(start + 10))]) == "ＧＵＡＲＡＮＴＥＥＤ")
        // The emoji: 3 bytes, one Character.
        let check = message.characterRange(utf8: (bytes.count - 3)..<bytes.count)
        #expect(check == 18..<19)
        // A range cutting a Character widens to the whole Character.
        #expect(message.characterRange(utf8: (bytes.count - 2)..<(bytes.count - 1)) == 18..<19)
    }

    @Test func leetspeakAndJoiningMapToTheObfuscatedSpan() {
        let message = TextNormalizer.normalize("Es g4rant1zado")
        #expect(message.text == "es garantizado")
        #expect(message.originalRange(3..<14) == 3..<14)
        let spaced = TextNormalizer.normalize("is G U A R A N T E E D now")
        #expect(spaced.text == "is guaranteed now")
        #expect(String(Array(spaced.original)[spaced.originalRange(3..<13)]) == "G U A R A N T E E D")
    }

    @Test(arguments: [
        "e\u{301}xito", "👨‍👩‍👧 familia", "🇲🇽🇺🇸 flags", "a\r\nb\r\n", "ﬁ½㎏", "한국어 텍스트", "\u{1112}\u{1161}\u{11AB}",
        "नमस्ते दुनिया", "ǅungla", "x\u{200B}\u{200B}y", "   ", "\u{301}leading mark", "Ａ１！", "مرحبا بالعالم",
        "#️⃣ keycap", "👍🏽👍", "a\u{0}b\u{7F}c",
    ])
    func characterCountsAgreeWithSwift(input: String) {
        let message = TextNormalizer.normalize(input)
        #expect(message.count == message.text.count)
        let whole = message.originalRange(0..<message.count)
        #expect(whole.lowerBound >= 0 && whole.upperBound <= input.count)
        // Every normalized Character maps inside the original, in order.
        var previous = 0
        for k in 0..<message.count {
            let range = message.originalRange(k..<(k + 1))
            #expect(range.lowerBound >= previous && range.upperBound <= input.count && !range.isEmpty)
            previous = range.lowerBound
        }
        let bytes = message.text.utf8.count
        #expect(message.characterRange(utf8: 0..<bytes) == 0..<message.count)
    }

    @Test func crlfIsOneCharacter() {
        let message = TextNormalizer.normalize("a\r\nb")
        #expect(message.text == "a b")
        #expect(message.originalRange(2..<3) == 2..<3)
    }
}

struct PhraseMatcherTests {
    func found(_ matcher: PhraseMatcher<String>, _ text: String) -> [String] {
        matcher.matches(in: TextNormalizer.normalize(text).text).map(\.value)
    }

    @Test func matchesAtWordBoundariesOnly() {
        let matcher = PhraseMatcher<String>([("hi", "hi"), ("precio", "precio"), ("no risk", "no risk")])
        #expect(found(matcher, "hi there") == ["hi"])
        #expect(found(matcher, "¡Hi!") == ["hi"])
        #expect(found(matcher, "this is it") == [])
        #expect(found(matcher, "el precio?") == ["precio"])
        #expect(found(matcher, "preciosa") == [])
        #expect(found(matcher, "there is no risk") == ["no risk"])
        #expect(found(matcher, "no risky business") == [])
        #expect(found(matcher, "hi2") == [])
        #expect(found(matcher, "2hi") == [])
    }

    @Test func reportsOverlappingMatchesInOrder() {
        let matcher = PhraseMatcher<Int>([("plan premium", 0), ("premium", 1), ("plan", 2), ("premium anual", 3)])
        let matches = matcher.matches(in: "el plan premium anual")
        #expect(matches.map(\.value) == [2, 0, 1, 3])
        #expect(matches.map(\.range) == [3..<7, 3..<15, 8..<15, 8..<21])
        #expect(matches.map(\.phraseIndex) == [2, 0, 1, 3])
    }

    @Test func duplicatePhrasesAreAllReported() {
        let matcher = PhraseMatcher<String>([("stop", "a"), ("STOP", "b")])
        #expect(matcher.matches(in: "please stop").map(\.value) == ["a", "b"])
    }

    @Test func multiByteTextAndPhrases() {
        // Phrases are normalized: operators may write accents.
        let matcher = PhraseMatcher<String>([
            ("Última oportunidad", "pressure"), ("cuánto cuesta", "price"), ("ñandú", "bird"),
        ])
        #expect(matcher.phrases == ["ultima oportunidad", "cuanto cuesta", "nandu"])
        let text = TextNormalizer.normalize("¡ÚLTIMA oportunidad! ¿Cuánto cuesta el ñandú? 😀").text
        let matches = matcher.matches(in: text)
        #expect(matches.map(\.value) == ["pressure", "price", "bird"])
        // Boundaries next to non-ASCII: a non-ASCII letter glues, punctuation and emoji do not.
        let raw = PhraseMatcher<Int>([("cafe", 1)])
        #expect(raw.matches(in: "cafeñ").isEmpty)
        #expect(raw.matches(in: "ñcafe").isEmpty)
        #expect(raw.matches(in: "¿cafe?").count == 1)
        #expect(raw.matches(in: "😀cafe😀").map(\.range) == [4..<8])
    }

    @Test func manyPhrases() {
        // "wbax", "wbbx", …: 500 distinct words of letters.
        func letters(_ n: Int) -> String {
            String(
                String(n, radix: 26).map {
                    Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(Int(String($0), radix: 26)!)))
                })
        }
        let words = (0..<500).map { "w\(letters($0 + 26))x" }
        let matcher = PhraseMatcher<Int>(words.enumerated().map { ($1, $0) })
        let text = words.enumerated().filter { $0.offset % 7 == 0 }.map(\.element).joined(separator: " ")
        let matches = matcher.matches(in: text)
        #expect(matches.map(\.value) == Array(stride(from: 0, to: 500, by: 7)))
        #expect(matcher.matches(in: words.joined()).isEmpty)
    }

    /// The automaton agrees with a naive search on many small texts.
    @Test func agreesWithNaiveSearch() {
        let phrases = ["a", "ab", "b a", "aba", "bab", "é", "a é", "ba", "ñ"]
        let matcher = PhraseMatcher<Int>(phrases.enumerated().map { ($1, $0) })
        let pieces = ["a", "b", " ", "é", "!", "ab", "e", "n", "¿"]
        var seed: UInt64 = 42
        for _ in 0..<500 {
            var text = ""
            for _ in 0..<12 {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text += pieces[Int(seed >> 33) % pieces.count]
            }
            let bytes = Array(text.utf8)
            func isWord(_ i: Int) -> Bool {
                guard i >= 0 && i < bytes.count else { return false }
                let b = bytes[i]
                if b == 0xC2 || (b == 0xBF && i > 0 && bytes[i - 1] == 0xC2) { return false }  // ¿ is punctuation
                return b >= 0x80 || (b >= 0x61 && b <= 0x7A)  // letters and é
            }
            var expected: [[Int]] = []
            // Phrases are normalized at build time ("é" is "e"); the texts are raw.
            for (index, phrase) in matcher.phrases.enumerated() {
                let p = Array(phrase.utf8)
                guard p.count <= bytes.count else { continue }
                for start in 0...(bytes.count - p.count) where Array(bytes[start..<(start + p.count)]) == p {
                    if !isWord(start - 1) && !isWord(start + p.count) {
                        expected.append([start, start + p.count, index])
                    }
                }
            }
            expected.sort { $0.lexicographicallyPrecedes($1) }
            let found = matcher.matches(in: text).map { [$0.range.lowerBound, $0.range.upperBound, $0.phraseIndex] }
            #expect(found == expected, "\(text)")
        }
    }

    @Test func emptyPhrasesAndTexts() {
        let matcher = PhraseMatcher<Int>([("", 0), ("  ", 1), ("a", 2)])
        #expect(matcher.matches(in: "").isEmpty)
        #expect(matcher.matches(in: "a").map(\.value) == [2])
        #expect(PhraseMatcher<Int>([]).matches(in: "anything").isEmpty)
    }
}
