/// Letters of other scripts and Latin forms that look like one ASCII letter
/// or digit (`ɢ ᴜ ᴀ ʀ ɑ` small capitals and variants, Cyrillic `а е о р с т`,
/// Greek `ο α ι`, Cherokee, Armenian…): Unicode's confusables data (UTS #39)
/// and character names, reduced to the look-alikes of ASCII letters and
/// digits. The table is generated (`Confusables+Table.swift`,
/// `scripts/generate-confusables.py`).
enum Confusables {
    /// The ASCII letter or digit `v` looks like, or nil.
    @inline(__always)
    static func ascii(_ v: UInt32) -> UInt32? {
        guard v >= 0x80, v <= scalars[scalars.count - 1] else { return nil }
        var lo = 0
        var hi = scalars.count - 1
        while lo <= hi {
            let mid = (lo + hi) >> 1
            let key = scalars[mid]
            if key == v { return UInt32(letters[mid]) }
            if key < v { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }
}
