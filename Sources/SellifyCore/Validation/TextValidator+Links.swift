// Links and phone numbers in an outgoing text.
//
// LINKS. Recognized: `http://` and `https://` URLs; `www.` hosts; e-mail
// addresses (their domain); bare domains `label.label…` whose last label is a
// known top-level domain (com, net, org, mx, ly, me, io, co, app, shop… — see
// `knownTopLevelDomains` — or the last label of an allowed domain), optionally
// followed by a path (`bit.ly/abc`, `wa.me/5255…`). The host must be an allowed
// domain or a subdomain of one (`cdn.sellify.example` under `sellify.example`),
// else `url_not_allowed`. Limits: a bare domain with an unknown TLD
// (`evil.zzz`) is not seen; two sentences glued without a space where the
// second starts with a TLD-like word (`order.It`) read as a domain.
//
// PHONES. A run of ≥ 8 digits joined by spaces, `-`, `.`, `(`, `)` (groups at
// most three separators apart), optionally starting with `+`, not touching
// letters or other digits, and not inside a link. It must equal one of
// `account.phone_numbers` digit for digit — or, so a number may be written in
// its national form, one must end with the other when the shorter has ≥ 10
// digits — else `phone_not_allowed`. Not phone numbers: dates written with
// one kind of separator (`2026-11-29`, `29.11.2026`), numbers after `#` or
// after a reference word (`order`, `pedido`, `folio`, `tracking`, `guía`…).
// Limits: any other 8+ digit code reads as a phone number.

extension TextValidator {
    static let knownTopLevelDomains: Set<String> = [
        "com", "net", "org", "info", "biz", "io", "co", "me", "ly", "app", "dev", "ai", "shop", "store", "online",
        "site", "website", "link", "xyz", "club", "live", "top", "click", "page", "tv", "gg", "cc", "ws", "to",
        "edu", "gov", "mx", "us", "es", "ar", "cl", "pe", "br", "uk", "de", "fr", "it", "ca", "au", "ru", "cn", "in",
        "jp", "nl", "eu", "ch", "tk", "ml", "ga", "cf", "example", "test", "local",
    ]

    struct Link {
        /// The whole URL, domain or e-mail address.
        var span: Range<Int>
        var host: String
        var isEmail: Bool
    }

    static func isHostByte(_ b: UInt8) -> Bool {
        ScanText.isAlnum(b) || b == UInt8(ascii: "-")
    }

    /// Parses `label(.label)+` at `i`; returns the end and the labels.
    static func parseHost(_ text: ScanText, at i: Int) -> (end: Int, labels: [String])? {
        // Most words are not hosts: find the first dot before allocating.
        var probe = i
        while isHostByte(text[probe]) { probe += 1 }
        guard probe > i, text[probe] == UInt8(ascii: "."), isHostByte(text[probe + 1]) else { return nil }
        var bounds: [Range<Int>] = []
        var j = i
        while true {
            let start = j
            while isHostByte(text[j]) { j += 1 }
            guard j > start else { return nil }
            bounds.append(start..<j)
            if text[j] == UInt8(ascii: "."), isHostByte(text[j + 1]) {
                j += 1
            } else {
                break
            }
        }
        return bounds.count >= 2 ? (j, bounds.map { text.string($0) }) : nil
    }

    func scanLinks(_ text: ScanText) -> [Link] {
        var links: [Link] = []
        var i = 0
        let schemes = ["https://", "http://"].map { Array($0.utf8) }
        while i < text.count {
            let previous = text[i - 1]
            let atStart = !(Self.isHostByte(previous) || previous == UInt8(ascii: ".") || previous == UInt8(ascii: "/"))
            guard atStart || previous == UInt8(ascii: "@"), Self.isHostByte(text[i]) else {
                i += 1
                continue
            }
            var hostStart = i
            var hasScheme = false
            if let scheme = schemes.first(where: { scheme in scheme.indices.allSatisfy { text[i + $0] == scheme[$0] } }) {
                hostStart = i + scheme.count
                hasScheme = true
                // user:password@host
                var k = hostStart
                while k < text.count, !ScanText.isSpace(text[k]), text[k] != UInt8(ascii: "/") {
                    if text[k] == UInt8(ascii: "@") {
                        hostStart = k + 1
                        break
                    }
                    k += 1
                }
            }
            guard let (hostEnd, labels) = Self.parseHost(text, at: hostStart) else {
                i = hasScheme ? hostStart : i + 1
                while i < text.count && Self.isHostByte(text[i - 1]) && Self.isHostByte(text[i]) { i += 1 }
                continue
            }
            let tld = labels.last!
            let isEmail = !hasScheme && previous == UInt8(ascii: "@")
            let isDomain =
                hasScheme || labels.first == "www" || isEmail
                || ((Self.knownTopLevelDomains.contains(tld) || allowedTopLevelDomains.contains(tld))
                    && tld.utf8.allSatisfy { $0 &- 0x61 < 26 })
            guard isDomain else {
                i = hostEnd
                continue
            }
            var end = hostEnd
            // Port and path.
            if text[end] == UInt8(ascii: ":") && ScanText.isDigit(text[end + 1]) {
                end += 1
                while ScanText.isDigit(text[end]) { end += 1 }
            }
            if !isEmail && (text[end] == UInt8(ascii: "/") || text[end] == UInt8(ascii: "?") || text[end] == UInt8(ascii: "#")) {
                while end < text.count, !ScanText.isSpace(text[end]),
                      !"\"'<>()[]{}".utf8.contains(text[end]) {
                    end += 1
                }
                while end > hostEnd, ".,;:!?".utf8.contains(text[end - 1]) { end -= 1 }
            }
            var start = i
            if isEmail {
                // Include the local part.
                start = i - 1
                while start > 0, ScanText.isAlnum(text[start - 1]) || "._%+-".utf8.contains(text[start - 1]) { start -= 1 }
            }
            links.append(Link(span: start..<end, host: labels.joined(separator: "."), isEmail: isEmail))
            i = end
        }
        return links
    }

    func isAllowed(host: String) -> Bool {
        let host = host.hasSuffix(".") ? String(host.dropLast()) : host
        return allowedDomains.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    func linkViolations(_ text: ScanText, links: [Link], original: String) -> [Violation] {
        var violations: [Violation] = []
        for link in links where !isAllowed(host: link.host) {
            let range = text.originalRange(link.span)
            let written = Self.slice(original, range)
            let allowed = allowedDomains.isEmpty ? "no domain is allowed" : "allowed: \(allowedDomains.joined(separator: ", "))"
            violations.append(Violation(
                code: "url_not_allowed",
                message: link.isEmail
                    ? "e-mail address '\(written)' is not on an allowed domain (\(allowed))"
                    : "link '\(written)' is not on an allowed domain (\(allowed))",
                start: range.lowerBound, end: range.upperBound))
        }
        return violations
    }

    func phoneViolations(_ text: ScanText, original: String) -> [Violation] {
        var violations: [Violation] = []
        let n = text.count
        var i = 0
        while i < n {
            let b = text[i]
            let opens = ScanText.isDigit(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "(")
            guard opens, !ScanText.isAlnum(text[i - 1]), !(text[i - 1] == UInt8(ascii: ".") && ScanText.isDigit(text[i - 2])),
                  !(text[i - 1] == UInt8(ascii: ",") && ScanText.isDigit(text[i - 2]))
            else {
                i += 1
                continue
            }
            // Extend over digits and separators; groups at most 3 separators apart.
            var j = i
            var lastDigitEnd = i
            var digits: [UInt8] = []
            var separatorRun = 0
            if b == UInt8(ascii: "+") { j += 1 }
            while j < n {
                let c = text[j]
                if ScanText.isDigit(c) {
                    digits.append(c)
                    separatorRun = 0
                    j += 1
                    lastDigitEnd = j
                } else if c == 0x20 || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "(")
                            || c == UInt8(ascii: ")") {
                    separatorRun += 1
                    if separatorRun > 3 { break }
                    j += 1
                } else {
                    break
                }
            }
            defer { i = max(i + 1, lastDigitEnd) }
            guard digits.count >= 8, !ScanText.isAlnum(text[lastDigitEnd]) else { continue }
            if isDate(text, i..<lastDigitEnd) { continue }
            // Order and tracking numbers: "#12345678", "pedido 12345678".
            if text[i - 1] == UInt8(ascii: "#") { continue }
            if let word = text.words(before: i, limit: 1).first, Self.referenceWords.contains(word) { continue }
            let written = String(decoding: digits, as: UTF8.self)
            if isAllowed(phoneDigits: written) { continue }
            let range = text.originalRange(i..<lastDigitEnd)
            violations.append(Violation(
                code: "phone_not_allowed",
                message: "phone number '\(Self.slice(original, range))' is not one of the account's numbers",
                start: range.lowerBound, end: range.upperBound))
        }
        return violations
    }

    static let referenceWords: Set<String> = [
        "order", "pedido", "orden", "folio", "ticket", "tracking", "guia", "rastreo", "invoice", "factura", "ref",
        "referencia", "reference",
    ]

    func isAllowed(phoneDigits digits: String) -> Bool {
        phoneNumbers.contains { allowed in
            if allowed == digits { return true }
            let (short, long) = allowed.count < digits.count ? (allowed, digits) : (digits, allowed)
            return short.count >= 10 && long.hasSuffix(short)
        }
    }

    /// `2026-11-29`, `29.11.2026`, `29-11-26`: three digit groups with one separator kind.
    func isDate(_ text: ScanText, _ range: Range<Int>) -> Bool {
        var groups: [Int] = []
        var separators: Set<UInt8> = []
        var length = 0
        for k in range {
            let c = text[k]
            if ScanText.isDigit(c) {
                length += 1
            } else {
                guard length > 0 else { return false }
                groups.append(length)
                length = 0
                separators.insert(c)
            }
        }
        groups.append(length)
        guard groups.count == 3, separators.count == 1, let separator = separators.first,
              separator == UInt8(ascii: "-") || separator == UInt8(ascii: ".") || separator == UInt8(ascii: "/")
        else { return false }
        return (groups[0] == 4 && groups[1] <= 2 && groups[2] <= 2) || (groups[0] <= 2 && groups[1] <= 2 && (groups[2] == 4 || groups[2] == 2))
    }

    /// The Characters `range` of `s`.
    static func slice(_ s: String, _ range: Range<Int>) -> String {
        let start = s.index(s.startIndex, offsetBy: range.lowerBound, limitedBy: s.endIndex) ?? s.endIndex
        let end = s.index(start, offsetBy: range.count, limitedBy: s.endIndex) ?? s.endIndex
        return String(s[start..<end])
    }
}
