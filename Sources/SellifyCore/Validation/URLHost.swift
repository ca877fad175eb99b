// Host names as a browser reads them, and the top-level domains that make a
// bare `label.tld` a link. Used by `TextValidator+Links.swift` (which
// documents what is recognized); no Foundation, no regexes.

enum URLHost {
    /// Every delegated two-letter country-code TLD (ISO 3166-1 plus ac, eu, su, uk).
    static let countryCodes: Set<String> = [
        "ac", "ad", "ae", "af", "ag", "ai", "al", "am", "ao", "aq", "ar", "as", "at", "au", "aw", "ax", "az",
        "ba", "bb", "bd", "be", "bf", "bg", "bh", "bi", "bj", "bm", "bn", "bo", "bq", "br", "bs", "bt", "bv", "bw",
        "by", "bz", "ca", "cc", "cd", "cf", "cg", "ch", "ci", "ck", "cl", "cm", "cn", "co", "cr", "cu", "cv", "cw",
        "cx", "cy", "cz", "de", "dj", "dk", "dm", "do", "dz", "ec", "ee", "eg", "eh", "er", "es", "et", "eu", "fi",
        "fj", "fk", "fm", "fo", "fr", "ga", "gb", "gd", "ge", "gf", "gg", "gh", "gi", "gl", "gm", "gn", "gp", "gq",
        "gr", "gs", "gt", "gu", "gw", "gy", "hk", "hm", "hn", "hr", "ht", "hu", "id", "ie", "il", "im", "in", "io",
        "iq", "ir", "is", "it", "je", "jm", "jo", "jp", "ke", "kg", "kh", "ki", "km", "kn", "kp", "kr", "kw", "ky",
        "kz", "la", "lb", "lc", "li", "lk", "lr", "ls", "lt", "lu", "lv", "ly", "ma", "mc", "md", "me", "mg", "mh",
        "mk", "ml", "mm", "mn", "mo", "mp", "mq", "mr", "ms", "mt", "mu", "mv", "mw", "mx", "my", "mz", "na", "nc",
        "ne", "nf", "ng", "ni", "nl", "no", "np", "nr", "nu", "nz", "om", "pa", "pe", "pf", "pg", "ph", "pk", "pl",
        "pm", "pn", "pr", "ps", "pt", "pw", "py", "qa", "re", "ro", "rs", "ru", "rw", "sa", "sb", "sc", "sd", "se",
        "sg", "sh", "si", "sj", "sk", "sl", "sm", "sn", "so", "sr", "ss", "st", "su", "sv", "sx", "sy", "sz", "tc",
        "td", "tf", "tg", "th", "tj", "tk", "tl", "tm", "tn", "to", "tr", "tt", "tv", "tw", "tz", "ua", "ug", "uk",
        "us", "uy", "uz", "va", "vc", "ve", "vg", "vi", "vn", "vu", "wf", "ws", "ye", "yt", "za", "zm", "zw",
    ]

    /// The generic TLDs people and spammers actually use. Left out on purpose:
    /// `zip` and `mov` (file names: `catalogo.zip`, `video.mov`) and TLDs that
    /// are everyday Spanish or English words (`red`, `sale`, `casa`, `uno`,
    /// `new`, `men`), which would turn glued sentences into links; all of
    /// them are still links after `http(s)://`, `www.`, `@`, or with a path.
    static let generic: Set<String> = [
        "com", "net", "org", "info", "biz", "name", "pro", "mobi", "asia", "tel", "travel", "jobs", "cat", "int",
        "edu", "gov", "mil", "aero", "coop", "museum", "xxx", "app", "dev", "page", "ai", "academy", "agency", "art",
        "auction", "audio", "auto", "autos", "baby", "band", "bar", "beauty", "best", "bet", "bid", "bike", "bio",
        "black", "blog", "blue", "bond", "boo", "boutique", "build", "business", "buzz", "cab", "cafe", "cam", "camp",
        "capital", "cards", "care", "careers", "cars", "cash", "casino", "center", "cfd", "chat", "cheap", "city",
        "click", "clinic", "cloud", "club", "codes", "coffee", "college", "community", "company", "computer", "cool",
        "coupons", "credit", "cyou", "dating", "deals", "design", "diet", "digital", "direct", "discount", "domains",
        "download", "earth", "eco", "email", "energy", "estate", "events", "exchange", "expert", "express", "faith",
        "fans", "farm", "fashion", "fit", "fitness", "flights", "football", "forsale", "foundation", "free", "fun",
        "fund", "futbol", "gallery", "game", "games", "garden", "gift", "gifts", "gives", "global", "gmbh", "gold",
        "golf", "gratis", "green", "group", "guide", "guru", "hair", "health", "help", "holdings", "homes", "host",
        "hosting", "icu", "inc", "ink", "institute", "international", "investments", "juegos", "kim", "kitchen",
        "land", "lat", "law", "lawyer", "life", "limited", "link", "live", "llc", "loan", "loans", "lol", "love", "ltd",
        "luxury", "makeup", "management", "market", "marketing", "mba", "media", "moda", "mom", "money", "monster",
        "motorcycles", "network", "news", "ninja", "one", "online", "ooo", "party", "photo", "photography", "photos",
        "pics", "pink", "pizza", "place", "plus", "poker", "porn", "press", "productions", "promo", "properties",
        "pub", "quest", "racing", "recipes", "rent", "rest", "review", "reviews", "rip", "rocks", "run", "salon",
        "sbs", "school", "science", "services", "sex", "sexy", "shoes", "shop", "shopping", "show", "site", "skin",
        "social", "software", "solutions", "space", "store", "stream", "studio", "style", "support", "surf",
        "systems", "tattoo", "tech", "technology", "tienda", "tips", "today", "tools", "top", "tours", "town", "toys",
        "trade", "trading", "tube", "vacations", "ventures", "vet", "viajes", "video", "vin", "vip", "vision",
        "vodka", "vote", "voto", "wang", "watch", "webcam", "website", "wedding", "wiki", "win", "wine", "work",
        "works", "world", "wtf", "xin", "xyz", "yachts", "yoga", "zone",
        // Reserved for documentation and tests (RFC 2606).
        "example", "test", "local", "localhost", "invalid", "onion",
    ]

    /// A real dot followed by one of these makes `label.tld` a link.
    static let known: Set<String> = countryCodes.union(generic)

    /// After a spelled or spaced dot (`evil dot com`, `evil . com`, `evil。com`,
    /// `evil•com`) only these end a link: TLDs of spam and shorteners that do
    /// not start a sentence or a list item (so `Listo. Es`, `Gracias. Su
    /// pedido`, `Thanks. Shop now`, `Envío • Club`, `wa . me` stay text).
    static let afterSpelledDot: Set<String> = [
        "com", "net", "org", "biz", "io", "co", "ly", "gl", "gd", "xyz", "ru", "cn", "tk", "cf", "gq", "ga", "icu",
        "cyou",
    ]

    /// Words that do not start a host written with a spelled dot (`the dot com era`).
    static let notAHostBeforeSpelledDot: Set<String> = [
        "the", "a", "an", "and", "or", "of", "in", "to", "is", "un", "una", "el", "la", "los", "las", "lo", "en", "de",
        "del", "al", "y", "o", "e", "es", "que", "por", "con", "su", "mi", "tu",
    ]

    /// Schemes a browser treats as "special": `https:evil.com`, `https:/evil.com`
    /// and `https:\\evil.com` all go to evil.com. `hxxp` (a defanged link) reads as http.
    static let specialSchemes: [String: String] = [
        "http": "http", "https": "https", "hxxp": "http", "hxxps": "https", "ws": "ws", "wss": "wss", "ftp": "ftp",
    ]

    /// Schemes that are refused without `//` (they run code, embed content or
    /// open local files): `javascript:alert(1)`, `data:text/html,…`, `file:c:/x`.
    static let scriptSchemes: Set<String> = [
        "javascript", "vbscript", "livescript", "data", "file", "blob", "filesystem", "jar", "intent", "view-source",
    ]

    /// The only schemes a link may have (and then only to an allowed domain).
    static let sendableSchemes: Set<String> = ["http", "https"]

    /// What the host of a URL, domain or e-mail address (as found in the
    /// folded text, `original` Characters resolved) means to a browser:
    /// percent-decoded, lowercase, without a trailing dot. Nil when it is not a
    /// plain DNS name or IPv4 address (non-ASCII, IPv6, bad escapes, empty
    /// labels), which is never an allowed domain.
    static func canonical(_ raw: [UInt8]) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var k = 0
        while k < raw.count {
            var b = raw[k]
            if b == UInt8(ascii: "%") {
                guard k + 2 < raw.count, let high = hexValue(raw[k + 1]), let low = hexValue(raw[k + 2]) else {
                    return nil
                }
                b = high << 4 | low
                k += 2
            }
            k += 1
            if b &- 0x41 < 26 { b |= 0x20 }
            bytes.append(b)
        }
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        var labelLength = 0
        for b in bytes {
            if b == UInt8(ascii: ".") {
                guard labelLength > 0 else { return nil }
                labelLength = 0
            } else if b &- 0x61 < 26 || b &- 0x30 < 10 || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") {
                labelLength += 1
            } else {
                return nil
            }
        }
        guard labelLength > 0 else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        if b &- 0x30 < 10 { return b - 0x30 }
        let lower = b | 0x20
        if lower &- 0x61 < 6 { return lower - 0x61 + 10 }
        return nil
    }

    /// `host` is `domain` or a subdomain of it (`cdn.sellify.example`), never
    /// merely ending with it (`evilsellify.example`).
    static func host(_ host: String, isUnder domain: String) -> Bool {
        guard host.utf8.count >= domain.utf8.count else { return false }
        if host.utf8.count == domain.utf8.count { return host == domain }
        return host.utf8.reversed().starts(with: ("." + domain).utf8.reversed())
    }

    /// A Character of a host that a browser reads as its folded form: ASCII,
    /// fullwidth ASCII (`ｅｖｉｌ．ｃｏｍ`), the other full stops UTS 46 maps to `.`.
    static func isSameInHost(_ c: Character) -> Bool {
        guard let scalar = c.unicodeScalars.first else { return false }
        if c.isASCII { return true }
        guard c.unicodeScalars.count == 1 else { return false }
        switch scalar.value {
        case 0xFF01...0xFF5E, 0x3002, 0xFF61, 0xFE12, 0xFE52, 0x2024: return true
        default: return false
        }
    }

    /// U+3002 IDEOGRAPHIC FULL STOP, U+FF61 HALFWIDTH IDEOGRAPHIC FULL STOP and
    /// U+FE12 (vertical form): dots in a host name (UTS 46). U+FF0E, U+FE52 and
    /// U+2024 are already `.` after NFKC folding.
    static func isIdeographicFullStop(_ c: Character) -> Bool {
        guard let scalar = c.unicodeScalars.first else { return false }
        return scalar.value == 0x3002 || scalar.value == 0xFF61 || scalar.value == 0xFE12
    }
}
