/// A message after `TextNormalizer`: the text rules match against, and the
/// way back to the text as the customer (or the model) wrote it.
///
/// Offsets are **Character (grapheme cluster) offsets**, 0-based, end
/// exclusive, in both `text` and `original` — the unit Swift's `String.count`
/// uses, so `Array(original)[range]` is the span a violation points at.
/// `PhraseMatcher` and Lua patterns work on UTF-8 bytes of `text`; convert
/// those with `characterRange(utf8:)` (or `originalRange(utf8:)`).
public struct NormalizedText: Sendable, Equatable {
    /// The text as received.
    public let original: String
    /// Lowercase, accents folded, NFKC, whitespace collapsed, obfuscations undone.
    public let text: String
    /// For each Character of `text`, the offset of the Character of `original` it came from.
    let origins: [Int32]
    /// UTF-8 offset in `text` of each Character of `text`, then `text.utf8.count`;
    /// nil when `text` is ASCII (byte offsets are Character offsets).
    let utf8Starts: [Int32]?
    /// `original.count`.
    let originalCount: Int

    init(original: String, text: String, origins: [Int32], utf8Starts: [Int32]?, originalCount: Int) {
        self.original = original
        self.text = text
        self.origins = origins
        self.utf8Starts = utf8Starts
        self.originalCount = originalCount
    }

    /// Characters in `text`.
    public var count: Int { origins.count }

    /// The Characters of `original` that produced the Characters `normalized`
    /// of `text` (both in Character offsets). A normalized Character that came
    /// from a joined obfuscation (`g.u.a`) maps to its own letter; a range
    /// spanning the joined word maps to the whole obfuscated span.
    public func originalRange(_ normalized: Range<Int>) -> Range<Int> {
        let lower = max(0, min(normalized.lowerBound, origins.count))
        let upper = max(lower, min(normalized.upperBound, origins.count))
        let start = lower < origins.count ? Int(origins[lower]) : originalCount
        guard upper > lower else { return start..<start }
        return start..<(Int(origins[upper - 1]) + 1)
    }

    /// Character offsets in `text` of the UTF-8 byte range `utf8` of `text`.
    /// A byte range that cuts a Character is widened to whole Characters.
    public func characterRange(utf8 range: Range<Int>) -> Range<Int> {
        guard let starts = utf8Starts else {
            let n = origins.count
            return max(0, min(range.lowerBound, n))..<max(0, min(range.upperBound, n))
        }
        // Last Character starting at or before the lower bound.
        var lo = 0
        var hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if Int(starts[mid]) <= range.lowerBound { lo = mid } else { hi = mid - 1 }
        }
        let lower = min(lo, origins.count)
        // First Character starting at or after the upper bound.
        var lo2 = 0
        var hi2 = starts.count - 1
        while lo2 < hi2 {
            let mid = (lo2 + hi2) / 2
            if Int(starts[mid]) >= range.upperBound { hi2 = mid } else { lo2 = mid + 1 }
        }
        return lower..<max(lower, min(lo2, origins.count))
    }

    /// Character offsets in `original` of the UTF-8 byte range `utf8` of `text`.
    public func originalRange(utf8 range: Range<Int>) -> Range<Int> {
        originalRange(characterRange(utf8: range))
    }
}
