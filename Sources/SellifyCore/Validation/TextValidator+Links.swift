// Links and phone numbers in an outgoing text. Both checks read the folded
// text (`ScanText`: NFKC, lowercase, accents removed, every script's decimal
// digits as ASCII, so `ＨＴＴＰＳ://ＥＶＩＬ.ＣＯＭ`, `evil．com`, `٥٥١٢…` and
// `５５１２…` are already ASCII) and go back to the Characters as written where
// folding hides what a browser or a reader sees.
//
// LINKS (`url_not_allowed`). Recognized, and parsed as a browser parses them
// (WHATWG URL):
// - `scheme:` URLs. After `http`, `https`, `ws`, `wss`, `ftp` (and defanged
//   `hxxp`, `hxxps`) any number of `/` or `\` may follow, none included
//   (`https:evil.com`, `https:/evil.com`, `https:\\evil.com`; with fewer than
//   two slashes the host must contain a dot, so `ws:5512345678` stays a phone
//   number), and up to three spaces after them (`https:// evil.com`). Any
//   other `scheme://…` is a link, and so are `javascript:`, `vbscript:`,
//   `data:…/` or `data:,`, `file:`, `blob:`, `intent:`… without slashes. The
//   host is what follows up to the first `/ ? # \` or whitespace, after the
//   LAST `@` in it (userinfo: `https://sellify.example@evil.com`,
//   `https://evil.com?@sellify.example` and `https://evil.com\@sellify.example`
//   all go to evil.com), without a `:port`; trailing `. , ; : ! ? ) ] } ' " >`
//   and symbols are not part of it when nothing follows.
// - Bare domains `label.label…` (labels of a-z, 0-9, `-` and other scripts'
//   letters) when: the first label is `www`; or the last is a known TLD (every
//   ccTLD and the common gTLDs, `URLHost.known`, or the TLD of an allowed
//   domain); or it is punycode (`xn--…`) or mixes scripts (`evil.сom` with a
//   Cyrillic `с`); or any 2+-letter last label is followed by a path or port
//   (`goo.gl/x`, `evil.zzz/x`, `evil.zzz:8080`, `//evil.zzz/x`); or the labels
//   contain an allowed domain (`sellify.example.evil.zzz`); or it is a
//   dotted-quad IPv4 (`192.168.0.1`, not after `version`/`v`). Then a `:port`
//   and a path (`/ ? # \` up to whitespace, quotes or brackets).
// - Dots written another way between labels: any single symbol or emoji
//   (`evil。com`, `evil｡com`, `evil•com`, `evil·com`), `.` with a space on
//   either side, ` dot `, ` punto `, and bracketed `[.]`, `(.)`, `{.}`,
//   `[dot]`, `(punto)` (spaces allowed around all of them). Bracketed dots
//   accept any 2+-letter TLD; the other forms only TLDs that do not start a
//   sentence or list item (`URLHost.afterSpelledDot`: com, net, org, io, co,
//   ly, gl, gd, xyz, ru, cn…), not after `the`/`el`/`de`…, or a known TLD with
//   a path (`evil • me/x`). A host written with real dots is judged on its own
//   first (`evil.com [.] sellify.example` is evil.com).
// - E-mail addresses: the domain after `@` (`ventas@sellify.example`).
// A link passes only when it has no scheme or `http`/`https`, and its host —
// ideographic full stops read as dots, percent-decoded, lowercase, without a
// trailing dot — is a plain DNS name equal to an allowed domain or a subdomain
// of one (`cdn.sellify.example` under `sellify.example`; not
// `evilsellify.example`, not `sellify.example.evil.com`), written in ASCII or
// fullwidth ASCII (`sellífy.example` and `sellıfy.example` fold to
// sellify.example but are other, IDN, hosts). IP literals (`[::1]`,
// `3232235521`, `192.168.0.1`), IDN hosts, empty labels and bad escapes never
// pass.
// Limits: a bare domain with an unknown TLD and no path (`evil.zzz`) is not
// seen, nor `zip`/`mov` or word-like gTLDs (`red`, `sale`, `casa`, `uno`)
// without a scheme, `www.`, `@` or a path; a spelled or symbol dot before a
// word-like TLD (`wa . me`, `evil punto es`, `evil。zzz`) is not seen, nor a
// link spelled letter by letter (`e v i l . c o m`); two sentences glued
// without a space whose second starts with a TLD (`Gracias.Es`, `Av.De`)
// read as a domain, and `Listo. Com gusto` as a spelled one; a file name with
// a ccTLD extension (`readme.md`) reads as a domain; a link to an allowed
// domain followed by Chinese text with no space (`https://sellify.example。谢谢`)
// reads as a foreign host. Allowed domains must be ASCII names: an IDN allowed
// domain never matches.
//
// PHONES (`phone_not_allowed`). A run of digit groups at most three
// separators apart. Digits are the folded ASCII digits plus keycaps (`5️⃣`),
// dingbat digits (`❺`) and the kanji 〇一二…九. Separators are whitespace (line
// breaks too), `- . / \ _ * ~ | ( ) [ ] { } < > + ' " ` ^ : =`, any other
// symbol or emoji (`·`, `•`, `–`, `📞`) except currency signs, and `, ; &`
// when four digits follow (`55,1234,5678`, not `1,299` or `2019, 2020`).
// Letters, `$`, currency signs, `%`, `#`, `@`, `!`, `?` end a run. Taken out of
// a run first: dates (`2026-11-29`, `29/11/2026`, `29.11.26`: three groups,
// one separator kind, a valid day and month, not part of a longer dotted
// number) and times (`10:30`, `9:00:00`); a run that is only years in
// increasing order (`2024-2026`, `2025/26`, `2020 2021 2022`) or a range of
// dotted times (`10.30-14.30`) is skipped. What is left is a phone number when
// it has ≥ 8 digits — ≥ 10 when letters are glued to it (`al5512345678`,
// `5512345678ya`) unless the glued word is a phone word (`tel`, `cel`, `wa`,
// `al`, `llama`…) — and it is not: a code mixing letters and digits
// (`1Z999AA10123456784`); after `#` (unless a phone word comes before it:
// `llama al #5512345678` is one) or after a reference word (`pedido`,
// `order`, `folio`, `guía`…, also `pedido no. 123…`, `número de pedido:
// 123…`); a price (after `$` or a currency sign, or before one or a currency
// word: `$12345678.90`, `12.345.678 €`); or continuing a number after `,`.
// Three or more spelled digits (`cinco cinco uno dos…`, `five five…`,
// Portuguese too) with digit groups, 8+ digits in all, are a phone number as
// well. It must equal one of `account.phone_numbers` digit for digit — or, so
// a number may be written in its national form, one must end with the other
// when the shorter has ≥ 10 digits — else `phone_not_allowed`. What is inside
// a link is not read (the caller blanks links first).
// Limits: any other 8+ digit code reads as a phone number (`AB1234567890`,
// card and bank numbers), and so do lists of numbers written with only
// separators between them (`36 37 38 39 40`, `38/40/42/44`, one per line,
// `1299.00 / 1499.00`); a number after a reference word or a bare `#` is never
// one (`pedido 5512345678`, `#5512345678`); a number split by letters
// (`55a1234b5678`), by more than three separators, or by commas between
// groups of less than four digits (`55,12,34,56,78`) is not seen; numbers
// spelled as tens (`cincuenta y cinco`) or in other languages are not seen.

extension TextValidator {
    struct Link {
        /// The whole URL, domain or e-mail address.
        var span: Range<Int>
        /// The host as folded (ASCII; `ScanText.letter`/`other` for other Characters).
        var host: [UInt8]
        /// Where the host's Characters are: one range when `host` was read
        /// verbatim, the labels when it was rebuilt from them (`evil [.] com`).
        var hostRanges: [Range<Int>]
        var isEmail: Bool
        /// The scheme (lowercase, `hxxp` read as `http`); nil for a bare domain or e-mail address.
        var scheme: String?
    }

    /// How two labels of a host were joined.
    enum DotKind: Int, Comparable {
        /// ` . `, ` dot `, ` punto `, `。`, `•`, an emoji.
        case spelled
        /// `[.]`, `(.)`, `{.}`, `[dot]`, `(punto)`.
        case bracketed
        /// `.` with a label right after it.
        case real

        static func < (a: DotKind, b: DotKind) -> Bool { a.rawValue < b.rawValue }
    }

    @inline(__always)
    static func isHostByte(_ b: UInt8) -> Bool {
        ScanText.isAlnum(b) || b == UInt8(ascii: "-")
    }

    @inline(__always)
    static func isASCIILetter(_ b: UInt8) -> Bool { b &- 0x61 < 26 }

    /// A set of ASCII bytes as a 128-bit mask, built once.
    struct ByteSet {
        let low: UInt64
        let high: UInt64

        init(_ bytes: String) {
            var low: UInt64 = 0
            var high: UInt64 = 0
            for b in bytes.utf8 {
                if b < 64 { low |= 1 << UInt64(b) } else { high |= 1 << UInt64(b - 64) }
            }
            self.low = low
            self.high = high
        }

        @inline(__always)
        func contains(_ b: UInt8) -> Bool {
            b < 64 ? low >> UInt64(b) & 1 == 1 : b < 128 && high >> UInt64(b - 64) & 1 == 1
        }
    }

    static let trailingPunctuation = ByteSet(".,;:!?)]}'\">")
    static let pathStops = ByteSet("\"'<>()[]{}")
    static let localPartPunctuation = ByteSet("._%+-")
    static let phoneSeparators = ByteSet("-./\\_*~|()[]{}<>+'\"`^:=")
    static let phoneSeparatorsBeforeFourDigits = ByteSet(",;&")
    static let referencePunctuation = ByteSet(":#.-")
    static let spelledSeparators = ByteSet(",-./")

    // MARK: - Links

    func scanLinks(_ text: ScanText) -> [Link] {
        var links: [Link] = []
        let n = text.count
        var i = 0
        while i < n {
            guard Self.isHostByte(text[i]), !Self.isHostByte(text[i - 1]) else {
                i += 1
                continue
            }
            var wordEnd = i
            while Self.isHostByte(text[wordEnd]) { wordEnd += 1 }
            let next = text[wordEnd]
            if Self.isASCIILetter(text[i]),
                next == UInt8(ascii: ":") || next == UInt8(ascii: "+") || next == UInt8(ascii: "."),
                let link = Self.schemeLink(text, at: i)
            {
                links.append(link)
                i = max(i + 1, link.span.upperBound)
                continue
            }
            let (link, resume) = bareLink(text, at: i)
            if let link { links.append(link) }
            i = max(i + 1, resume)
        }
        return links
    }

    // MARK: URLs with a scheme

    static func isSchemeByte(_ b: UInt8) -> Bool {
        ScanText.isDigit(b) || isASCIILetter(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
            || b == UInt8(ascii: ".")
    }

    /// `/ ? # \`: where the authority ends (backslash is a slash for special schemes).
    @inline(__always)
    static func isAuthorityEnd(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "/") || b == UInt8(ascii: "?") || b == UInt8(ascii: "#") || b == UInt8(ascii: "\\")
    }

    /// Sentence punctuation and symbols after a link, not part of it.
    @inline(__always)
    static func isTrailing(_ b: UInt8) -> Bool {
        b == ScanText.other || trailingPunctuation.contains(b)
    }

    /// A URL with a scheme starting at `i` (a letter at a word start).
    static func schemeLink(_ text: ScanText, at i: Int) -> Link? {
        var j = i
        while j - i <= 32, isSchemeByte(text[j]) { j += 1 }
        guard text[j] == UInt8(ascii: ":"), j - i <= 32 else { return nil }
        let n = text.count
        let written = text.string(i..<j)
        var k = j + 1
        var slashes = 0
        while text[k] == UInt8(ascii: "/") || text[k] == UInt8(ascii: "\\") {
            k += 1
            slashes += 1
        }
        let scheme: String
        if let special = URLHost.specialSchemes[written] {
            scheme = special
            if slashes > 0 {
                var spaces = 0
                while spaces < 3, text[k] == 0x20 {
                    k += 1
                    spaces += 1
                }
            }
            guard k < n, !ScanText.isSpace(text[k]), !isAuthorityEnd(text[k]) else { return nil }
            if slashes < 2 {
                // `https:evil.com`, `https:/evil.com`; not `ws:5512345678` (WhatsApp, in Spanish).
                var m = k
                var dotted = false
                while m < n, !ScanText.isSpace(text[m]), !isAuthorityEnd(text[m]) {
                    let b = text[m]
                    if b == UInt8(ascii: ".") || b == UInt8(ascii: "%") || b == UInt8(ascii: "[") || b >= 0x80 {
                        dotted = true
                    }
                    m += 1
                }
                guard dotted else { return nil }
            }
        } else if slashes >= 2 {
            scheme = written
            guard k < n, !ScanText.isSpace(text[k]) else { return nil }
        } else if URLHost.scriptSchemes.contains(written), k < n, !ScanText.isSpace(text[k]) {
            if written == "data" {
                // data:text/html,… or data:,… (not "data: 5 GB").
                var m = k
                while isASCIILetter(text[m]) { m += 1 }
                guard text[k] == UInt8(ascii: ",") || (m > k && text[m] == UInt8(ascii: "/")) else { return nil }
            }
            return Link(span: i..<pathEnd(text, from: k), host: [], hostRanges: [], isEmail: false, scheme: written)
        } else {
            return nil
        }

        // The authority: userinfo ends at its last `@`.
        var a = k
        var hostStart = k
        while a < n, !ScanText.isSpace(text[a]), !isAuthorityEnd(text[a]) {
            if text[a] == UInt8(ascii: "@") { hostStart = a + 1 }
            a += 1
        }
        var hostEnd = a
        let hasPath = a < n && isAuthorityEnd(text[a])
        if !hasPath {
            while hostEnd > hostStart, isTrailing(text[hostEnd - 1]) { hostEnd -= 1 }
        }
        // The port.
        var nameEnd = hostEnd
        if text[hostStart] != UInt8(ascii: "[") {
            var colon = hostStart
            while colon < hostEnd, text[colon] != UInt8(ascii: ":") { colon += 1 }
            if colon < hostEnd, (colon + 1..<hostEnd).allSatisfy({ ScanText.isDigit(text[$0]) }) { nameEnd = colon }
        }
        let end = hasPath ? pathEnd(text, from: a) : hostEnd
        return Link(
            span: i..<max(end, hostEnd), host: Array(text.bytes[hostStart..<nameEnd]),
            hostRanges: [hostStart..<nameEnd],
            isEmail: false, scheme: scheme)
    }

    /// The end of a path (or other URL text) starting at `start`: up to
    /// whitespace, quotes, angle brackets or brackets, without trailing punctuation.
    static func pathEnd(_ text: ScanText, from start: Int) -> Int {
        var end = start
        let n = text.count
        while end < n, !ScanText.isSpace(text[end]), !pathStops.contains(text[end]) { end += 1 }
        while end > start, isTrailing(text[end - 1]) { end -= 1 }
        return end
    }

    // MARK: Bare domains and e-mail addresses

    /// A dot written another way after a label ending at `j`: where the next
    /// label starts, and how the dot was written.
    static func spelledDot(_ text: ScanText, at j: Int) -> (next: Int, kind: DotKind)? {
        let b = text[j]
        // `。`, `•`, an emoji between two labels.
        if b == ScanText.other, isHostByte(text[j + 1]) { return (j + 1, .spelled) }
        var k = j
        while k - j < 3, text[k] == 0x20 { k += 1 }
        let spacesBefore = k - j
        var kind = DotKind.spelled
        var m: Int
        if text[k] == UInt8(ascii: "[") || text[k] == UInt8(ascii: "(") || text[k] == UInt8(ascii: "{") {
            let open = text[k]
            let close: UInt8 =
                open == UInt8(ascii: "[")
                ? UInt8(ascii: "]") : open == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "}")
            m = k + 1
            while text[m] == 0x20 { m += 1 }
            if text[m] == UInt8(ascii: ".") {
                m += 1
            } else if let after = dotWord(text, at: m) {
                m = after
            } else {
                return nil
            }
            while text[m] == 0x20 { m += 1 }
            guard text[m] == close else { return nil }
            m += 1
            kind = .bracketed
        } else if text[k] == UInt8(ascii: "."), spacesBefore > 0 || text[k + 1] == 0x20 {
            m = k + 1
        } else if spacesBefore > 0, text[k] == ScanText.other {
            m = k + 1
        } else if spacesBefore > 0, let after = dotWord(text, at: k), text[after] == 0x20 {
            m = after
        } else {
            return nil
        }
        let afterDot = m
        while m - afterDot < 3, text[m] == 0x20 { m += 1 }
        if kind == .spelled, spacesBefore == 0, m == afterDot { return nil }
        guard isHostByte(text[m]) else { return nil }
        return (m, kind)
    }

    /// `dot` or `punto` as a word at `k`: where it ends.
    static func dotWord(_ text: ScanText, at k: Int) -> Int? {
        let end: Int
        if text[k] == UInt8(ascii: "d"), text[k + 1] == UInt8(ascii: "o"), text[k + 2] == UInt8(ascii: "t") {
            end = k + 3
        } else if text[k] == UInt8(ascii: "p"), text[k + 1] == UInt8(ascii: "u"), text[k + 2] == UInt8(ascii: "n"),
            text[k + 3] == UInt8(ascii: "t"), text[k + 4] == UInt8(ascii: "o")
        {
            end = k + 5
        } else {
            return nil
        }
        return !isHostByte(text[end]) && !isHostByte(text[k - 1]) ? end : nil
    }

    /// A domain or e-mail address starting at `i` (a word start), and where to go on.
    func bareLink(_ text: ScanText, at i: Int) -> (Link?, Int) {
        var j = i
        while Self.isHostByte(text[j]) { j += 1 }
        let wordEnd = j
        let realDot = text[j] == UInt8(ascii: ".") && Self.isHostByte(text[j + 1])
        // Most words are not hosts: look for a dot before allocating.
        if !realDot {
            guard let dot = Self.spelledDot(text, at: j) else { return (nil, wordEnd) }
            if dot.kind == .spelled {
                // `Hola. Gracias`: a spelled dot needs a short TLD (`URLHost.afterSpelledDot`)
                // or more of a host after the next label.
                var e = dot.next
                while Self.isHostByte(text[e]) { e += 1 }
                let b = text[e]
                guard
                    e - dot.next <= 4 || b == UInt8(ascii: ".") || b == UInt8(ascii: "/") || b == UInt8(ascii: "\\")
                        || b == UInt8(ascii: ":") || Self.spelledDot(text, at: e) != nil
                else { return (nil, wordEnd) }
            }
        }
        var labels: [Range<Int>] = [i..<wordEnd]
        while labels.count < 64, text[j] == UInt8(ascii: "."), Self.isHostByte(text[j + 1]) {
            let start = j + 1
            j = start
            while Self.isHostByte(text[j]) { j += 1 }
            labels.append(start..<j)
        }
        if labels.count >= 2, let link = link(text, labels: labels, kind: .real) {
            return (link, link.span.upperBound)
        }
        // Then dots written another way (`evil [.] com`, `evil . com`).
        if var dot = Self.spelledDot(text, at: j) {
            var extended = labels
            var kind = dot.kind
            while extended.count < labels.count + 8 {
                var e = dot.next
                while Self.isHostByte(text[e]) { e += 1 }
                extended.append(dot.next..<e)
                if text[e] == UInt8(ascii: "."), Self.isHostByte(text[e + 1]) {
                    dot = (e + 1, .real)
                } else if let next = Self.spelledDot(text, at: e) {
                    dot = next
                    kind = min(kind, next.kind)
                } else {
                    break
                }
            }
            if let link = link(text, labels: extended, kind: kind) {
                return (link, link.span.upperBound)
            }
        }
        return (nil, labels.count >= 2 ? j : wordEnd)
    }

    /// The link made of `labels` joined by dots of `kind`, if it is one.
    func link(_ text: ScanText, labels: [Range<Int>], kind: DotKind) -> Link? {
        let first = labels[0]
        let last = labels[labels.count - 1]
        let tld = text.string(last)
        // An e-mail address has a local part (`@tienda.oficial` is a handle).
        let beforeAt = text[first.lowerBound - 2]
        let isEmail =
            text[first.lowerBound - 1] == UInt8(ascii: "@")
            && (ScanText.isAlnum(beforeAt) || Self.localPartPunctuation.contains(beforeAt))
        let hostEnd = last.upperBound
        let afterHost = text[hostEnd]
        let hasPathOrPort =
            ((afterHost == UInt8(ascii: "/") || afterHost == UInt8(ascii: "\\")) && Self.isHostByte(text[hostEnd + 1]))
            || (afterHost == UInt8(ascii: ":") && ScanText.isDigit(text[hostEnd + 1]))
        let tldIsLetters = last.count >= 2 && last.allSatisfy { ScanText.isLetter(text[$0]) }
        func known() -> Bool { tldIsLetters && (URLHost.known.contains(tld) || allowedTopLevelDomains.contains(tld)) }
        let www =
            first.count == 3 && text[first.lowerBound] == UInt8(ascii: "w")
            && text[first.lowerBound + 1] == UInt8(ascii: "w")
            && text[first.lowerBound + 2] == UInt8(ascii: "w")
        func host() -> [UInt8] {
            var host: [UInt8] = []
            for (index, label) in labels.enumerated() {
                if index > 0 { host.append(UInt8(ascii: ".")) }
                host += text.bytes[label]
            }
            return host
        }

        let isLink: Bool
        switch kind {
        case .real:
            isLink =
                isEmail || www || (tldIsLetters && hasPathOrPort) || known() || tld.hasPrefix("xn--")
                || Self.mixesScripts(text, last) || Self.isIPv4(text, labels)
                || (labels.count >= 3 && tldIsLetters && containsAllowedDomain(host()))
        case .bracketed:
            isLink = tldIsLetters || tld.hasPrefix("xn--")
        case .spelled:
            isLink =
                (tldIsLetters && URLHost.afterSpelledDot.contains(tld)
                    && !URLHost.notAHostBeforeSpelledDot.contains(text.string(first)))
                || (hasPathOrPort && known())
        }
        guard isLink else { return nil }

        var end = hostEnd
        var start = first.lowerBound
        if isEmail {
            // Include the local part.
            start -= 1
            while start > 0, ScanText.isAlnum(text[start - 1]) || Self.localPartPunctuation.contains(text[start - 1]) {
                start -= 1
            }
        } else {
            if text[end] == UInt8(ascii: ":"), ScanText.isDigit(text[end + 1]) {
                end += 1
                while ScanText.isDigit(text[end]) { end += 1 }
            }
            if Self.isAuthorityEnd(text[end]) { end = max(end, Self.pathEnd(text, from: end)) }
        }
        return Link(
            span: start..<end, host: host(), hostRanges: kind == .real ? [first.lowerBound..<hostEnd] : labels,
            isEmail: isEmail, scheme: nil)
    }

    /// A label of ASCII letters and letters of another script (`сom` with a Cyrillic `с`).
    static func mixesScripts(_ text: ScanText, _ label: Range<Int>) -> Bool {
        var ascii = false
        var other = false
        for k in label {
            let b = text[k]
            if isASCIILetter(b) {
                ascii = true
            } else if b == ScanText.letter {
                other = true
            } else {
                return false
            }
        }
        return ascii && other
    }

    /// `192.168.0.1`, not after `version` or `v`.
    static func isIPv4(_ text: ScanText, _ labels: [Range<Int>]) -> Bool {
        guard labels.count == 4 else { return false }
        for label in labels {
            guard label.count <= 3, label.allSatisfy({ ScanText.isDigit(text[$0]) }) else { return false }
            var value = 0
            for k in label { value = value * 10 + Int(text[k] - 0x30) }
            guard value <= 255 else { return false }
        }
        let before = text.words(before: labels[0].lowerBound, limit: 1).first
        return before != "version" && before != "v" && before != "ver"
    }

    /// `sellify.example.evil.zzz`: an allowed domain among the labels.
    func containsAllowedDomain(_ host: [UInt8]) -> Bool {
        guard !allowedDomains.isEmpty else { return false }
        let dotted = "." + String(decoding: host, as: UTF8.self) + "."
        return allowedDomains.contains { dotted.contains("." + $0 + ".") }
    }

    func isAllowed(host: String) -> Bool {
        allowedDomains.contains { URLHost.host(host, isUnder: $0) }
    }

    func linkViolations(_ text: ScanText, links: [Link], original: String) -> [Violation] {
        var violations: [Violation] = []
        var characters: [Character]?
        func character(at k: Int) -> Character? {
            if characters == nil { characters = Array(original) }
            let origin = Int(text.origins[k])
            return origin < characters!.count ? characters![origin] : nil
        }
        // Every Character one UTF-8 byte: what was written is what was folded.
        let writtenInASCII = original.utf8.count == text.originalCount
        let allowed =
            allowedDomains.isEmpty ? "no domain is allowed" : "allowed: \(allowedDomains.joined(separator: ", "))"
        for link in links {
            let range = text.originalRange(link.span)
            let written = Self.slice(original, range)
            let message: String
            if let scheme = link.scheme, !URLHost.sendableSchemes.contains(scheme) {
                message =
                    "link '\(written)' uses the scheme '\(scheme)' (only http and https links to an allowed domain; \(allowed))"
            } else {
                var raw = link.host
                if link.hostRanges.count == 1, raw.contains(where: { $0 >= 0x80 }) {
                    // An ideographic full stop (`evil。com`) is a dot to a browser.
                    raw = link.hostRanges[0].map { k in
                        let b = text[k]
                        guard b >= 0x80, let c = character(at: k), URLHost.isIdeographicFullStop(c) else { return b }
                        return UInt8(ascii: ".")
                    }
                }
                // Folding removes accents and maps `ı` to `i`; a browser does not
                // (`sellífy.example` is another, IDN, host): only width may differ.
                if let host = URLHost.canonical(raw), isAllowed(host: host),
                    writtenInASCII
                        || link.hostRanges.allSatisfy({ range in
                            range.allSatisfy { k in character(at: k).map(URLHost.isSameInHost) ?? false }
                        })
                {
                    continue
                }
                message =
                    link.isEmail
                    ? "e-mail address '\(written)' is not on an allowed domain (\(allowed))"
                    : "link '\(written)' is not on an allowed domain (\(allowed))"
            }
            violations.append(
                Violation(
                    code: "url_not_allowed", message: message, start: range.lowerBound, end: range.upperBound))
        }
        return violations
    }

    // MARK: - Phones

    func phoneViolations(_ scan: ScanText, original: String) -> [Violation] {
        let text = Self.digitView(scan, original: original)
        var violations: [Violation] = []
        let n = text.count
        var groups: [Range<Int>] = []
        var i = 0
        while i < n {
            guard ScanText.isDigit(text[i]) else {
                i += 1
                continue
            }
            // Digit groups at most three separators apart.
            groups.removeAll(keepingCapacity: true)
            var j = i
            while true {
                let start = j
                while ScanText.isDigit(text[j]) { j += 1 }
                groups.append(start..<j)
                var k = j
                while k < n, k - j <= 3, Self.isPhoneSeparator(text[k]) { k += 1 }
                if k == j, Self.phoneSeparatorsBeforeFourDigits.contains(text[k]),
                    (1...4).allSatisfy({ ScanText.isDigit(text[k + $0]) })
                {
                    // `55,1234,5678`; not `1,299`, `49,00`, `2019, 2020`.
                    k += 1
                }
                guard k > j, k - j <= 3, ScanText.isDigit(text[k]) else { break }
                j = k
            }
            i = j
            for candidate in Self.phoneCandidates(text, groups) {
                if let violation = phoneViolation(text, candidate, original: original) { violations.append(violation) }
            }
        }
        violations += spelledPhoneViolations(text, original: original, found: violations)
        return violations
    }

    /// Whitespace, `- . / \ _ * ~ | ( ) [ ] { } < > + ' " ` ^ : =`, and other
    /// symbols and emoji (currency signs are `$` in the digit view).
    @inline(__always)
    static func isPhoneSeparator(_ b: UInt8) -> Bool {
        ScanText.isSpace(b) || b == ScanText.other || phoneSeparators.contains(b)
    }

    /// The folded text (where every script's decimal digits are already ASCII)
    /// with the digits folding leaves alone — keycaps `5️⃣`, dingbats `❺`, the
    /// kanji 〇一二…九 — as ASCII digits, and currency signs as `$`. Only texts
    /// with such a Character pay for it (they need the Characters as written).
    static func digitView(_ scan: ScanText, original: String) -> ScanText {
        guard scan.bytes.contains(where: { $0 >= 0x80 }) else { return scan }
        var interesting = false
        for scalar in original.unicodeScalars where scalar.value >= 0xA2 {
            switch scalar.value {
            case 0xA6...0x24F:
                // Latin letters, `¿`, `º`, superscripts (folded already).
                continue
            case 0x20E3, 0x2776...0x2793, 0x3007, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B,
                0x4E5D:
                interesting = true
            default:
                interesting = scalar.properties.generalCategory == .currencySymbol
            }
            if interesting { break }
        }
        guard interesting else { return scan }
        let characters = Array(original)
        var view = scan
        for k in view.bytes.indices where view.bytes[k] >= 0x80 {
            let origin = Int(scan.origins[k])
            // ASCII written, `other` folded: a link the caller blanked.
            guard origin < characters.count, !characters[origin].isASCII,
                let scalar = characters[origin].unicodeScalars.first
            else { continue }
            if view.bytes[k] == ScanText.letter {
                // `٥`, `۵`, `५`, `❺`, `五`.
                if let digit = digitValue(scalar) { view.bytes[k] = 0x30 + digit }
            } else if scalar.isASCII, characters[origin].unicodeScalars.contains(where: { $0.value == 0x20E3 }),
                let digit = digitValue(scalar)
            {
                // A keycap `5️⃣`.
                view.bytes[k] = 0x30 + digit
            } else if scalar.properties.generalCategory == .currencySymbol {
                view.bytes[k] = UInt8(ascii: "$")
            }
        }
        return view
    }

    /// 0…9 for a decimal digit of any script (also `5️⃣`, `❺`, and the kanji 〇一二…九).
    static func digitValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x3007: return 0
        case 0x4E00: return 1
        case 0x4E8C: return 2
        case 0x4E09: return 3
        case 0x56DB: return 4
        case 0x4E94: return 5
        case 0x516D: return 6
        case 0x4E03: return 7
        case 0x516B: return 8
        case 0x4E5D: return 9
        default: break
        }
        let properties = scalar.properties
        guard let type = properties.numericType, type == .decimal || type == .digit,
            let value = properties.numericValue, value >= 0, value <= 9, value == value.rounded(.down)
        else { return nil }
        return UInt8(value)
    }

    /// The groups of a run that may be a phone number: dates and times taken
    /// out, a lone year range dropped.
    static func phoneCandidates(_ text: ScanText, _ groups: [Range<Int>]) -> [ArraySlice<Range<Int>>] {
        var digits = 0
        for group in groups { digits += group.count }
        guard digits >= 8 else { return [] }
        var candidates: [ArraySlice<Range<Int>>] = []
        var start = 0
        var g = 0
        while g < groups.count {
            let benign = dateGroups(text, groups, at: g) ?? timeGroups(text, groups, at: g)
            if let benign {
                if start < g { candidates.append(groups[start..<g]) }
                g += benign
                start = g
            } else {
                g += 1
            }
        }
        if start < groups.count { candidates.append(groups[start...]) }
        return candidates.filter { candidate in
            candidate.reduce(0) { $0 + $1.count } >= 8 && !isYearRange(text, candidate)
                && !isDottedTimeRange(text, candidate)
        }
    }

    /// The single separator between groups `g` and `g + 1`, if it is one character.
    static func separator(_ text: ScanText, _ groups: [Range<Int>], after g: Int) -> UInt8? {
        guard g >= 0, g + 1 < groups.count, groups[g + 1].lowerBound - groups[g].upperBound == 1 else { return nil }
        return text[groups[g].upperBound]
    }

    static func value(_ text: ScanText, _ group: Range<Int>) -> Int {
        var v = 0
        for k in group.prefix(6) { v = v * 10 + Int(text[k] - 0x30) }
        return v
    }

    /// `2026-11-29`, `29/11/2026`, `29.11.26` at group `g`: 3, else nil.
    static func dateGroups(_ text: ScanText, _ groups: [Range<Int>], at g: Int) -> Int? {
        guard g + 2 < groups.count, let s = separator(text, groups, after: g),
            separator(text, groups, after: g + 1) == s,
            s == UInt8(ascii: "-") || s == UInt8(ascii: ".") || s == UInt8(ascii: "/"),
            separator(text, groups, after: g - 1) != s, separator(text, groups, after: g + 2) != s
        else { return nil }
        let (a, b, c) = (groups[g], groups[g + 1], groups[g + 2])
        let (x, y) = (value(text, a), value(text, b))
        if a.count == 4, b.count <= 2, c.count <= 2 {
            return (1...12).contains(y) && (1...31).contains(value(text, c)) ? 3 : nil
        }
        if a.count <= 2, b.count <= 2, c.count == 4 || c.count == 2 {
            let dayMonth = (1...31).contains(x) && (1...12).contains(y)
            let monthDay = (1...12).contains(x) && (1...31).contains(y)
            return dayMonth || monthDay ? 3 : nil
        }
        return nil
    }

    /// `10:30`, `9:00:00` at group `g`: the number of groups, else nil.
    static func timeGroups(_ text: ScanText, _ groups: [Range<Int>], at g: Int) -> Int? {
        let colon = UInt8(ascii: ":")
        guard g + 1 < groups.count, separator(text, groups, after: g) == colon,
            separator(text, groups, after: g - 1) != colon,
            groups[g].count <= 2, groups[g + 1].count == 2, value(text, groups[g]) <= 24,
            value(text, groups[g + 1]) <= 59
        else { return nil }
        if separator(text, groups, after: g + 1) == colon {
            guard g + 2 < groups.count, groups[g + 2].count == 2, value(text, groups[g + 2]) <= 59,
                separator(text, groups, after: g + 2) != colon
            else { return nil }
            return 3
        }
        return 2
    }

    /// `10.30-14.30`, `9.00 – 18.00`: a run that is only a range of times written with dots.
    static func isDottedTimeRange(_ text: ScanText, _ groups: ArraySlice<Range<Int>>) -> Bool {
        guard groups.count == 4 else { return false }
        let g = Array(groups)
        for h in [0, 2] {
            guard g[h].count <= 2, g[h + 1].count == 2, g[h + 1].lowerBound - g[h].upperBound == 1,
                text[g[h].upperBound] == UInt8(ascii: "."), value(text, g[h]) <= 24, value(text, g[h + 1]) <= 59
            else { return false }
        }
        var sawDash = false
        for k in g[1].upperBound..<g[2].lowerBound {
            let b = text[k]
            if b == UInt8(ascii: "-") || b == UInt8(ascii: "/") || b == ScanText.other {
                sawDash = true
            } else if b != 0x20 {
                return false
            }
        }
        return sawDash
    }

    /// `2024-2026`, `2024/25`, `1990 – 2026`, `2020 2021 2022`: a run that is
    /// only years (1900–2099) in increasing order.
    static func isYearRange(_ text: ScanText, _ groups: ArraySlice<Range<Int>>) -> Bool {
        guard groups.count >= 2, let first = groups.first, first.count == 4 else { return false }
        var previous = value(text, first)
        guard (1900...2099).contains(previous) else { return false }
        for (index, group) in groups.dropFirst().enumerated() {
            let year = value(text, group)
            if group.count == 2, groups.count == 2, index == 0 {
                // `2025/26`
                return year > previous % 100
            }
            guard group.count == 4, year > previous, year <= 2099 else { return false }
            previous = year
        }
        return true
    }

    static let phoneWords: Set<String> = [
        "tel", "telefono", "cel", "celular", "movil", "whatsapp", "whats", "wa", "wsp", "al", "llama", "llamar",
        "llamanos", "marca", "marcar", "marcanos", "phone", "call", "fono", "numero", "num", "contacto", "sms", "fax",
        "mobile", "cell",
    ]

    static let referenceWords: Set<String> = [
        "order", "pedido", "orden", "folio", "ticket", "tracking", "guia", "rastreo", "invoice", "factura", "ref",
        "referencia", "reference",
    ]

    /// Words between a reference word and its number: `pedido no. 123`, `número de pedido 123`.
    static let numberAbbreviations: Set<String> = [
        "no", "num", "nro", "nr", "n", "numero", "number", "de", "del", "of",
    ]

    /// After `#` or a reference word (`pedido`, `order no.`), ending at `end`.
    static func isReference(_ text: ScanText, before end: Int) -> Bool {
        var e = end
        for _ in 0..<3 {
            var skipped = 0
            while e > 0, skipped < 4,
                ScanText.isSpace(text[e - 1]) || referencePunctuation.contains(text[e - 1])
                    || text[e - 1] == ScanText.other
            {
                if text[e - 1] == UInt8(ascii: "#") {
                    // `#12345678`, `pedido #12345678`; not `llama al #5512345678`.
                    var w = e - 1
                    while w > 0, ScanText.isSpace(text[w - 1]) || text[w - 1] == UInt8(ascii: ":") { w -= 1 }
                    return text.word(endingAt: w).map { !phoneWords.contains($0.word) } ?? true
                }
                e -= 1
                skipped += 1
            }
            guard let (word, start) = text.word(endingAt: e) else { return false }
            if referenceWords.contains(word) { return true }
            guard numberAbbreviations.contains(word) else { return false }
            e = start
        }
        return false
    }

    static let currencyWords: Set<String> = ["usd", "mxn", "eur", "pesos", "peso", "dolares", "dollars", "euros"]

    /// The violation for a run of digit groups, unless it is not a foreign phone number.
    func phoneViolation(_ text: ScanText, _ groups: ArraySlice<Range<Int>>, original: String) -> Violation? {
        guard let firstGroup = groups.first, let lastGroup = groups.last else { return nil }
        let start = firstGroup.lowerBound
        let end = lastGroup.upperBound
        var minimum = 8
        var contextStart = start
        // Letters glued before: `al5512345678`; a code when digits come before them.
        if ScanText.isLetter(text[start - 1]) {
            var p = start - 1
            while ScanText.isLetter(text[p - 1]) { p -= 1 }
            if ScanText.isDigit(text[p - 1]) { return nil }
            let word = text.string(p..<start)
            if Self.referenceWords.contains(word) { return nil }
            if !Self.phoneWords.contains(word) { minimum = 10 }
            contextStart = p
        }
        if ScanText.isLetter(text[end]) {
            var q = end
            while ScanText.isLetter(text[q]) { q += 1 }
            if ScanText.isDigit(text[q]) { return nil }
            minimum = 10
            if let word = text.word(startingAt: end)?.word, Self.currencyWords.contains(word) { return nil }
        }
        var digits: [UInt8] = []
        for group in groups { digits += text.bytes[group] }
        guard digits.count >= minimum else { return nil }
        // Continuing a number (`1,23456789`), a price (`$12345678.90`, `12.345.678 €`).
        if text[contextStart - 1] == UInt8(ascii: ","), ScanText.isDigit(text[contextStart - 2]) { return nil }
        if text[contextStart - 1] == UInt8(ascii: "$")
            || (text[contextStart - 1] == 0x20 && text[contextStart - 2] == UInt8(ascii: "$"))
        {
            return nil
        }
        if text[end] == UInt8(ascii: "$") || (text[end] == 0x20 && text[end + 1] == UInt8(ascii: "$")) { return nil }
        if let word = text.words(after: end, limit: 1).first, Self.currencyWords.contains(word) { return nil }
        if Self.isReference(text, before: contextStart) { return nil }
        let written = String(decoding: digits, as: UTF8.self)
        if isAllowed(phoneDigits: written) { return nil }
        var lower = start
        if contextStart == start {
            while lower > 0, text[lower - 1] == UInt8(ascii: "+") || text[lower - 1] == UInt8(ascii: "(") { lower -= 1 }
        }
        let range = text.originalRange(lower..<end)
        return Violation(
            code: "phone_not_allowed",
            message: "phone number '\(Self.slice(original, range))' is not one of the account's numbers",
            start: range.lowerBound, end: range.upperBound)
    }

    /// Digits spelled out (Spanish, English, Portuguese), each word packed
    /// into an integer (first letter in the low byte) and its digit.
    static let numberWords: [(word: UInt64, value: UInt8)] = [
        ("cero", 0), ("zero", 0), ("uno", 1), ("one", 1), ("um", 1), ("dos", 2), ("two", 2), ("dois", 2),
        ("tres", 3), ("three", 3), ("cuatro", 4), ("four", 4), ("quatro", 4), ("cinco", 5), ("five", 5),
        ("seis", 6), ("six", 6), ("siete", 7), ("seven", 7), ("sete", 7), ("ocho", 8), ("eight", 8), ("oito", 8),
        ("nueve", 9), ("nine", 9), ("nove", 9),
    ].map { word, value in
        (word.utf8.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, value)
    }

    /// For each first letter, the second letters of number words (bit `letter - a`):
    /// most words are rejected on their first two letters.
    static let numberWordStarts: [UInt32] = {
        var starts = [UInt32](repeating: 0, count: 26)
        for entry in numberWords {
            starts[Int(entry.word & 0xFF) - 0x61] |= 1 << UInt32((entry.word >> 8 & 0xFF) - 0x61)
        }
        return starts
    }()

    /// The number word at `k` (a word start): its digit and where it ends.
    static func numberWord(_ text: ScanText, at k: Int) -> (value: UInt8, end: Int)? {
        let first = text[k]
        let second = text[k + 1]
        guard isASCIILetter(first), isASCIILetter(second),
            numberWordStarts[Int(first - 0x61)] >> UInt32(second - 0x61) & 1 == 1
        else { return nil }
        var packed: UInt64 = 0
        var end = k
        while end - k < 7, isASCIILetter(text[end]) {
            packed |= UInt64(text[end]) << UInt64(8 * (end - k))
            end += 1
        }
        guard end - k <= 6, !ScanText.isAlnum(text[end]) else { return nil }
        for entry in numberWords where entry.word == packed { return (entry.value, end) }
        return nil
    }

    /// `cinco cinco uno dos tres cuatro cinco seis siete ocho`, mixed with
    /// digit groups (at least three spelled digits; `found` are not reported again).
    func spelledPhoneViolations(_ text: ScanText, original: String, found: [Violation]) -> [Violation] {
        var violations: [Violation] = []
        let n = text.count
        var k = 0
        while k < n {
            guard Self.isASCIILetter(text[k]), !ScanText.isAlnum(text[k - 1]) else {
                k += 1
                continue
            }
            guard let firstWord = Self.numberWord(text, at: k) else {
                while ScanText.isAlnum(text[k]) { k += 1 }
                continue
            }
            var digits: [UInt8] = []
            var spelled = 0
            var m = k
            var end = k
            var next: (value: UInt8, end: Int)? = firstWord
            while true {
                if let word = next {
                    digits.append(0x30 + word.value)
                    spelled += 1
                    end = word.end
                } else if ScanText.isDigit(text[m]) {
                    while ScanText.isDigit(text[m]) {
                        digits.append(text[m])
                        m += 1
                    }
                    end = m
                } else {
                    break
                }
                m = end
                var separators = 0
                while separators < 3, ScanText.isSpace(text[m]) || Self.spelledSeparators.contains(text[m]) {
                    m += 1
                    separators += 1
                }
                guard m > end else { break }
                next = Self.isASCIILetter(text[m]) ? Self.numberWord(text, at: m) : nil
                if next == nil, !ScanText.isDigit(text[m]) { break }
            }
            defer { k = max(k + 1, end) }
            guard spelled >= 3, digits.count >= 8, !Self.isReference(text, before: k) else { continue }
            let written = String(decoding: digits, as: UTF8.self)
            if isAllowed(phoneDigits: written) { continue }
            let range = text.originalRange(k..<end)
            if found.contains(where: { $0.start < range.upperBound && range.lowerBound < $0.end }) { continue }
            violations.append(
                Violation(
                    code: "phone_not_allowed",
                    message: "phone number '\(Self.slice(original, range))' is not one of the account's numbers",
                    start: range.lowerBound, end: range.upperBound))
        }
        return violations
    }

    func isAllowed(phoneDigits digits: String) -> Bool {
        phoneNumbers.contains { allowed in
            if allowed == digits { return true }
            let (short, long) = allowed.count < digits.count ? (allowed, digits) : (digits, allowed)
            return short.count >= 10 && long.hasSuffix(short)
        }
    }

    /// The Characters `range` of `s`.
    static func slice(_ s: String, _ range: Range<Int>) -> String {
        let start = s.index(s.startIndex, offsetBy: range.lowerBound, limitedBy: s.endIndex) ?? s.endIndex
        let end = s.index(start, offsetBy: range.count, limitedBy: s.endIndex) ?? s.endIndex
        return String(s[start..<end])
    }
}
