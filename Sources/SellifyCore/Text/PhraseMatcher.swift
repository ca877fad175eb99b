/// Finds many phrases at once in normalized text: an Aho-Corasick automaton
/// over UTF-8 bytes, compiled once (when the rules load) into a dense
/// transition table, so a scan is one table look-up per byte whatever the
/// number of phrases.
///
/// **Word boundaries**: a match counts only when the character before it and
/// the character after it are not letters or digits (ASCII alphanumerics, or
/// a non-ASCII letter, digit or mark): `hi` matches `hi there` and `¡hi!` but
/// not `this`; `precio` does not match `preciosa`. (Non-ASCII punctuation such
/// as `¿` is a boundary, so `¿cuanto cuesta?` matches `cuanto cuesta`.)
///
/// Phrases are normalized with `TextNormalizer` when the matcher is built, so
/// operators may write `Última oportunidad`; match it against
/// `NormalizedText.text`. A phrase that normalizes to nothing never matches.
public struct PhraseMatcher<Value: Sendable>: Sendable {
    public struct Match: Sendable {
        public let value: Value
        /// Index of the phrase in the list given to `init`.
        public let phraseIndex: Int
        /// UTF-8 byte offsets in the searched text.
        public let range: Range<Int>
    }

    /// The phrases as given, normalized.
    public let phrases: [String]
    let values: [Value]
    let lengths: [Int]
    /// Byte → input class (0 = a byte no phrase contains).
    let classOf: [UInt8]
    let classCount: Int
    /// `transitions[state * classCount + class]`: the next state (a full DFA).
    let transitions: [Int32]
    /// Phrases ending in state s: `outputs[outputStarts[s]..<outputStarts[s + 1]]`.
    let outputStarts: [Int32]
    let outputs: [Int32]

    public init(_ phrases: [(phrase: String, value: Value)]) {
        Folding.warmUp()
        self.init(normalized: phrases.map { (TextNormalizer.normalize($0.phrase).text, $0.value) })
    }

    /// Phrases already in the form of the text they will be matched against.
    init(normalized phrases: [(phrase: String, value: Value)]) {
        let normalized = phrases.map(\.phrase)
        self.phrases = normalized
        values = phrases.map(\.value)
        lengths = normalized.map { $0.utf8.count }

        // Input classes: one per distinct byte used by a phrase (≤ 255 + 1).
        var classOf = [UInt8](repeating: 0, count: 256)
        var classCount = 1
        for phrase in normalized {
            for byte in phrase.utf8 where classOf[Int(byte)] == 0 {
                // More than 255 distinct bytes cannot happen with UTF-8 lead/continuation
                // bytes of real text, but stay safe: share the last class.
                classOf[Int(byte)] = UInt8(min(classCount, 255))
                classCount = min(classCount + 1, 256)
            }
        }

        // The trie.
        var transitions = [Int32](repeating: -1, count: classCount)
        var own: [[Int32]] = [[]]
        for (index, phrase) in normalized.enumerated() where !phrase.isEmpty {
            var state = 0
            for byte in phrase.utf8 {
                let slot = state * classCount + Int(classOf[Int(byte)])
                if transitions[slot] < 0 {
                    transitions[slot] = Int32(own.count)
                    own.append([])
                    transitions += [Int32](repeating: -1, count: classCount)
                }
                state = Int(transitions[slot])
            }
            own[state].append(Int32(index))
        }

        // Failure links, breadth first, folded into a complete DFA; each state's
        // outputs include those of its failure chain.
        let stateCount = own.count
        var fail = [Int](repeating: 0, count: stateCount)
        var merged = own
        var queue: [Int] = []
        queue.reserveCapacity(stateCount)
        for c in 0..<classCount {
            let next = Int(transitions[c])
            if next < 0 {
                transitions[c] = 0
            } else {
                fail[next] = 0
                queue.append(next)
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            merged[state] += merged[fail[state]]
            for c in 0..<classCount {
                let slot = state * classCount + c
                let next = Int(transitions[slot])
                let viaFail = transitions[fail[state] * classCount + c]
                if next < 0 {
                    transitions[slot] = viaFail
                } else {
                    fail[next] = Int(viaFail)
                    queue.append(next)
                }
            }
        }
        var outputStarts: [Int32] = []
        var outputs: [Int32] = []
        outputStarts.reserveCapacity(stateCount + 1)
        for list in merged {
            outputStarts.append(Int32(outputs.count))
            outputs += list
        }
        outputStarts.append(Int32(outputs.count))

        self.classOf = classOf
        self.classCount = classCount
        self.transitions = transitions
        self.outputStarts = outputStarts
        self.outputs = outputs
    }

    public var isEmpty: Bool { outputs.isEmpty }

    /// Every match in `text` (normalized), overlapping ones included, ordered
    /// by start, then end, then phrase index.
    public func matches(in text: String) -> [Match] {
        guard !outputs.isEmpty else { return [] }
        var text = text
        return text.withUTF8 { matches(in: $0) }
    }

    /// Every match in the UTF-8 bytes `bytes`.
    public func matches(in bytes: UnsafeBufferPointer<UInt8>) -> [Match] {
        matches(in: bytes) { start, end in
            WordBoundary.isBoundary(after: end, in: bytes) && WordBoundary.isBoundary(before: start, in: bytes)
        }
    }

    /// Every match `[start, end)` in `bytes` that `accept` keeps.
    func matches(in bytes: UnsafeBufferPointer<UInt8>, accept: (_ start: Int, _ end: Int) -> Bool) -> [Match] {
        var found: [Match] = []
        guard !outputs.isEmpty else { return found }
        var sorted = true
        transitions.withUnsafeBufferPointer { transitions in
            classOf.withUnsafeBufferPointer { classOf in
                var state = 0
                for i in 0..<bytes.count {
                    state = Int(transitions[state &* classCount &+ Int(classOf[Int(bytes[i])])])
                    let first = Int(outputStarts[state])
                    let last = Int(outputStarts[state + 1])
                    guard first != last else { continue }
                    let end = i + 1
                    for k in first..<last {
                        let phrase = Int(outputs[k])
                        let start = end - lengths[phrase]
                        guard accept(start, end) else { continue }
                        if let previous = found.last,
                            (previous.range.lowerBound, previous.range.upperBound, previous.phraseIndex) > (
                                start, end, phrase
                            )
                        {
                            sorted = false
                        }
                        found.append(Match(value: values[phrase], phraseIndex: phrase, range: start..<end))
                    }
                }
            }
        }
        if !sorted {
            found.sort {
                ($0.range.lowerBound, $0.range.upperBound, $0.phraseIndex) < (
                    $1.range.lowerBound, $1.range.upperBound, $1.phraseIndex
                )
            }
        }
        return found
    }
}

extension PhraseMatcher.Match: Equatable where Value: Equatable {}

/// Word-boundary tests on UTF-8 bytes.
enum WordBoundary {
    /// Whether the character ending just before byte `offset` is not a word character.
    @inline(__always)
    static func isBoundary(before offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard offset > 0 else { return true }
        let byte = bytes[offset - 1]
        if byte < 0x80 { return !isASCIIWordByte(byte) }
        // Walk back to the lead byte of the scalar.
        var lead = offset - 1
        while lead > 0 && bytes[lead] & 0xC0 == 0x80 && offset - lead < 4 { lead -= 1 }
        return !isWordScalar(decode(bytes, at: lead))
    }

    /// Whether the character starting at byte `offset` is not a word character.
    @inline(__always)
    static func isBoundary(after offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard offset < bytes.count else { return true }
        let byte = bytes[offset]
        if byte < 0x80 { return !isASCIIWordByte(byte) }
        return !isWordScalar(decode(bytes, at: offset))
    }

    @inline(__always)
    static func isASCIIWordByte(_ byte: UInt8) -> Bool {
        (byte &- 0x30 < 10) || ((byte | 0x20) &- 0x61 < 26)
    }

    static func isWordScalar(_ value: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(value) else { return true }
        let properties = scalar.properties
        if properties.isAlphabetic || properties.numericType != nil { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// The scalar whose UTF-8 encoding starts at `offset` (U+FFFD if malformed).
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32 {
        let lead = UInt32(bytes[offset])
        let (count, initial): (Int, UInt32) =
            switch lead {
            case 0xC0...0xDF: (1, lead & 0x1F)
            case 0xE0...0xEF: (2, lead & 0x0F)
            case 0xF0...0xF7: (3, lead & 0x07)
            default: (0, 0xFFFD)
            }
        guard count > 0 else { return 0xFFFD }
        var value = initial
        for k in 1...count {
            guard offset + k < bytes.count else { return 0xFFFD }
            value = (value << 6) | (UInt32(bytes[offset + k]) & 0x3F)
        }
        return value
    }
}
