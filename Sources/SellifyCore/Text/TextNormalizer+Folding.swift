import Foundation

// Stage A of the normalizer: each Character of the input becomes zero or more
// "units" (one unit = one Character of the output), lowercase, NFKC, with
// combining marks and invisible format characters removed.
//
// Foundation's normalization costs ~1.5 µs a call on Linux, too slow to run on
// every Character of every message, so the scripts customers actually write
// (Latin, Greek, Cyrillic, punctuation, fullwidth forms) are folded once, at
// first use, into a table; emoji and CJK pass through untouched; anything
// else takes the Foundation path for that one Character.

/// The output of stage A (and the working buffer of the later stages).
struct FoldedUnits {
    /// A Unicode scalar value, or `complexBase + i` for `extras[i]` (an output
    /// Character made of several scalars, e.g. a flag emoji).
    var values: [UInt32] = []
    /// Character offset in the input each unit came from.
    var origins: [Int32] = []
    var extras: [String] = []
    var originalCount = 0

    static let complexBase: UInt32 = 0x11_0000

    mutating func append(_ value: UInt32, _ origin: Int32) {
        values.append(value)
        origins.append(origin)
    }

    mutating func append(character: Character, _ origin: Int32) {
        let scalars = character.unicodeScalars
        if scalars.count == 1, let scalar = scalars.first {
            append(scalar.properties.isWhitespace ? 0x20 : scalar.value, origin)
        } else if character.isWhitespace {
            append(0x20, origin)
        } else {
            append(Self.complexBase + UInt32(extras.count), origin)
            extras.append(String(character))
        }
    }
}

enum Folding {
    /// Folds `s` (Character by Character) into units.
    static func fold(_ s: String) -> FoldedUnits {
        var units = FoldedUnits()
        let byteCount = s.utf8.count
        units.values.reserveCapacity(byteCount)
        units.origins.reserveCapacity(byteCount)

        let isASCII =
            s.utf8.withContiguousStorageIfAvailable { $0.allSatisfy { $0 < 0x80 } }
            ?? s.utf8.allSatisfy { $0 < 0x80 }
        if isASCII {
            // One Character per byte, except "\r\n" (a single Character).
            var index: Int32 = 0
            var afterCR = false
            for byte in s.utf8 {
                if byte == 0x0A && afterCR {
                    afterCR = false
                    continue
                }
                afterCR = byte == 0x0D
                units.append(UInt32(lowerASCII(byte)), index)
                index += 1
            }
            units.originalCount = Int(index)
            return units
        }

        // Mostly Latin text: a scalar below U+0250 followed by another one (or
        // the end) is a whole Character — no combining mark, joiner or
        // regional indicator lives there — so grapheme breaking is only
        // needed around other scalars (and for "\r\n").
        var index: Int32 = 0
        var copy = s
        copy.withUTF8 { bytes in
            let n = bytes.count
            var i = 0
            while i < n {
                let (value, length) = scalar(in: bytes, at: i)
                if value < 0x250 && value != 0x0D {
                    let next = i + length
                    if next >= n || scalar(in: bytes, at: next).value < 0x250 {
                        if value < 0x80 {
                            units.append(UInt32(lowerASCII(UInt8(value))), index)
                        } else if let entry = table.entry(value) {
                            for folded in entry { units.append(folded, index) }
                        } else {
                            slowFold(String(Character(Unicode.Scalar(value)!)), index, into: &units)
                        }
                        index += 1
                        i = next
                        continue
                    }
                }
                let character = s[s.utf8.index(s.utf8.startIndex, offsetBy: i)]
                foldCharacter(character, index, into: &units)
                index += 1
                i += character.utf8.count
            }
        }
        units.originalCount = Int(index)
        return units
    }

    /// The scalar whose UTF-8 encoding starts at `i` (valid UTF-8: a String's).
    @inline(__always)
    static func scalar(in bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: UInt32, length: Int) {
        let lead = UInt32(bytes[i])
        if lead < 0x80 { return (lead, 1) }
        if lead < 0xE0 { return (((lead & 0x1F) << 6) | (UInt32(bytes[i + 1]) & 0x3F), 2) }
        if lead < 0xF0 {
            return (((lead & 0x0F) << 12) | ((UInt32(bytes[i + 1]) & 0x3F) << 6) | (UInt32(bytes[i + 2]) & 0x3F), 3)
        }
        return (
            ((lead & 0x07) << 18) | ((UInt32(bytes[i + 1]) & 0x3F) << 12) | ((UInt32(bytes[i + 2]) & 0x3F) << 6)
                | (UInt32(bytes[i + 3]) & 0x3F), 4
        )
    }

    @inline(__always)
    static func lowerASCII(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    static func foldCharacter(_ character: Character, _ index: Int32, into units: inout FoldedUnits) {
        let scalars = character.unicodeScalars
        var iterator = scalars.makeIterator()
        guard let first = iterator.next() else { return }
        if iterator.next() == nil {
            if first.value < 0x80 {
                units.append(UInt32(lowerASCII(UInt8(first.value))), index)
            } else {
                foldScalar(first, character, index, into: &units)
            }
            return
        }
        if character.isWhitespace {  // "\r\n"
            units.append(0x20, index)
            return
        }
        // Several scalars: a base letter with combining marks (decomposed
        // "é"), or an emoji sequence.
        var kept: Unicode.Scalar?
        var keptCount = 0
        var allIdentity = true
        for scalar in scalars {
            if !isIdentity(scalar.value) { allIdentity = false }
            if isDropped(scalar) { continue }
            kept = scalar
            keptCount += 1
        }
        if allIdentity {
            units.append(character: character, index)
        } else if keptCount == 0 {
            return
        } else if keptCount == 1, let kept,
            kept.value < 0x80 || table.entry(kept.value) != nil || isIdentity(kept.value)
        {
            if kept.value < 0x80 {
                units.append(UInt32(lowerASCII(UInt8(kept.value))), index)
            } else {
                foldScalar(kept, character, index, into: &units)
            }
        } else {
            slowFold(String(character), index, into: &units)
        }
    }

    static func foldScalar(
        _ scalar: Unicode.Scalar, _ character: Character, _ index: Int32, into units: inout FoldedUnits
    ) {
        if let digit = decimalDigit(scalar) {
            units.append(digit, index)
        } else if let entry = table.entry(scalar.value) {
            for value in entry { units.append(value, index) }
        } else if isIdentity(scalar.value) {
            units.append(scalar.value, index)
        } else if isDropped(scalar) {
            return
        } else {
            slowFold(String(character), index, into: &units)
        }
    }

    static func slowFold(_ s: String, _ index: Int32, into units: inout FoldedUnits) {
        for character in foldWithFoundation(s) {
            units.append(character: character, index)
        }
    }

    /// Combining marks (the accents of a decomposed letter), invisible format
    /// characters (zero-width space/joiners, soft hyphen, bidi controls) and
    /// every other default-ignorable or blank filler: Hangul fillers (U+115F,
    /// U+1160, U+3164, U+FFA0), variation selectors, the braille blank U+2800.
    /// They render as nothing (or as a blank inside a word), so they are gone
    /// before any matching.
    @inline(__always)
    static func isDropped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .format: return true
        default: return scalar.value == 0x2800 || scalar.properties.isDefaultIgnorableCodePoint
        }
    }

    /// A decimal digit of any script (`٥`, `۵`, `५`, `５`) as its ASCII digit.
    @inline(__always)
    static func decimalDigit(_ scalar: Unicode.Scalar) -> UInt32? {
        guard scalar.value >= 0x660, scalar.properties.numericType == .decimal,
            let value = scalar.properties.numericValue, value >= 0, value <= 9
        else { return nil }
        return 0x30 + UInt32(value)
    }

    /// Scalars with no compatibility mapping, case or accents: emoji, symbols,
    /// CJK ideographs, kana, Hangul syllables. Emoji sequences (ZWJ, skin tones,
    /// variation selectors, tags, keycaps) are kept whole.
    @inline(__always)
    static func isIdentity(_ v: UInt32) -> Bool {
        switch v {
        case 0x1F300...0x1FAFF, 0x2600...0x27BF, 0x2B00...0x2BFF, 0x1F000...0x1F0FF,
            0x200D, 0xFE0F, 0xFE0E, 0x20E3, 0xE0020...0xE007F, 0x1F1E6...0x1F1FF,
            0x4E00...0x9FFF, 0x3040...0x30FF, 0xAC00...0xD7A3:
            true
        default:
            false
        }
    }

    /// NFKC, lowercase, accents and format characters removed, a few letters
    /// without a decomposition spelled out (ß → ss, ø → o, ł → l, æ → ae…).
    static func foldWithFoundation(_ s: String) -> String {
        let decomposed = s.precomposedStringWithCompatibilityMapping.lowercased().decomposedStringWithCanonicalMapping
        var scalars = String.UnicodeScalarView()
        for scalar in decomposed.unicodeScalars where !isDropped(scalar) {
            if scalar.properties.isWhitespace {
                scalars.append(" ")
                continue
            }
            if let digit = decimalDigit(scalar) {
                scalars.append(Unicode.Scalar(digit)!)
                continue
            }
            // Every dash and the minus sign are `-`; the ideographic and other
            // full stops are `.` (as in host names, UTS #46).
            if scalar.properties.generalCategory == .dashPunctuation || scalar.value == 0x2212 || scalar.value == 0x2043
            {
                scalars.append("-")
                continue
            }
            if scalar.value == 0x3002 || scalar.value == 0xFF61 || scalar.value == 0xFE52 {
                scalars.append(".")
                continue
            }
            switch scalar.value {
            case 0xDF: scalars.append(contentsOf: "ss".unicodeScalars)
            case 0xE6: scalars.append(contentsOf: "ae".unicodeScalars)
            case 0x153: scalars.append(contentsOf: "oe".unicodeScalars)
            case 0xF8: scalars.append("o")
            case 0x142: scalars.append("l")
            case 0x111: scalars.append("d")
            case 0x127: scalars.append("h")
            case 0x167: scalars.append("t")
            case 0x131: scalars.append("i")
            default: scalars.append(scalar)
            }
        }
        return String(scalars).precomposedStringWithCanonicalMapping
    }

    // MARK: - The table

    /// Single scalars of the common scripts, folded ahead of time.
    struct Table: Sendable {
        static let blocks: [ClosedRange<UInt32>] = [
            0x80...0x24F,  // Latin-1 Supplement, Latin Extended-A and -B
            0x370...0x52F,  // Greek, Cyrillic
            0x1E00...0x1EFF,  // Latin Extended Additional (Vietnamese…)
            0x2000...0x218F,  // General Punctuation, super/subscripts, currency, letterlike, number forms
            0x2460...0x24FF,  // Enclosed alphanumerics (① Ⓐ)
            0x3000...0x3000,  // ideographic space
            0xFF00...0xFFEF,  // Halfwidth and Fullwidth Forms
        ]
        /// For block b, the index of its first scalar in `starts`.
        let bases: [Int]
        /// `data[starts[i]..<starts[i+1]]` is the folding of scalar i; a start
        /// of `slowMarker` means "use Foundation".
        let starts: [Int32]
        let data: [UInt32]
        static let slowMarker: Int32 = -1

        init() {
            var bases: [Int] = []
            var starts: [Int32] = []
            var data: [UInt32] = []
            var slow: [Bool] = []
            for block in Self.blocks {
                bases.append(starts.count)
                for v in block {
                    starts.append(Int32(data.count))
                    guard let scalar = Unicode.Scalar(v) else {
                        slow.append(true)
                        continue
                    }
                    if isDropped(scalar) {
                        slow.append(false)
                        continue
                    }
                    var single = true
                    var out: [UInt32] = []
                    for character in foldWithFoundation(String(Character(scalar))) {
                        let scalars = character.unicodeScalars
                        if scalars.count != 1 {
                            single = false
                            break
                        }
                        out.append(scalars.first!.value)
                    }
                    slow.append(!single)
                    if single { data += out }
                }
            }
            starts.append(Int32(data.count))
            for (i, isSlow) in slow.enumerated() where isSlow { starts[i] = Self.slowMarker }
            self.bases = bases
            self.starts = starts
            self.data = data
        }

        /// The folding of `v`, or nil when `v` is outside the table or needs Foundation.
        @inline(__always)
        func entry(_ v: UInt32) -> ArraySlice<UInt32>? {
            for (b, block) in Self.blocks.enumerated() where block.contains(v) {
                let i = bases[b] + Int(v - block.lowerBound)
                let start = starts[i]
                guard start != Self.slowMarker else { return nil }
                // The next non-slow start is the end.
                var j = i + 1
                while starts[j] == Self.slowMarker { j += 1 }
                return data[Int(start)..<Int(starts[j])]
            }
            return nil
        }
    }

    static let table = Table()

    /// Builds the table now (a few milliseconds, once per process), so rule
    /// loading pays for it rather than the first message.
    static func warmUp() {
        _ = table.bases.count
    }
}
