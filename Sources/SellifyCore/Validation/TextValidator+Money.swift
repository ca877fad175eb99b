// Prices and discounts in an outgoing text, read on the folded `ScanText`
// (NFKC, lowercase, accents removed; `€`, `£`, `×`, `“`… are one "other"
// byte) by hand-written scanners: no regular expressions, no Foundation.
// Number forms: MoneyNumber.swift; numbers in words: NumberWords.swift;
// discounts: TextValidator+Discounts.swift.
//
// PRICES
// An AMOUNT is a number with a currency marker next to it. Between them: up
// to three spaces, Markdown emphasis or straight quotes (`**$29**`), and a
// sign or `:` after a marker (`$-29`, `$ 29`, `USD: 29`); `(USD)` after.
//   numbers: 1299, 1,299, 1,299.00, 49.9, 49,00, 1.299,00, 29.000 (= 29000:
//     a dot or comma before exactly three digits groups thousands; nobody
//     writes three decimals), 1'299, 1 299 (space groups only next to a
//     currency), 29,- and 29.- (no cents), 29k / 29 mil / 2 millones / 2m
//     (×1000, ×1000000), and numbers in words, Spanish and English
//     (`veintinueve`, `cuarenta y nueve`, `mil doscientos noventa y nueve`,
//     `twenty-nine`, `one hundred and forty-nine`, `a thousand`).
//   before: `$`, `US$`, `USD$`, `U$S`, `U$D`, `U$`, `$US`, `MX$`, `MXN$`,
//     `MN$`, `N$`, other `XX$` (`C$`, `R$`, `AR$`…; unknown letters before `$`
//     read as `$`), `USD $`, ISO codes (`USD`, `MXN`, `MN`, `EUR`, `GBP`,
//     `CAD`, `ARS`, `CLP`…, not codes that are words: `cop`, `pen`, `ves`,
//     `bob`, `php`, `try`, `rub`), `Bs`, `S/`; glued too (`usd49`).
//   after: the same codes, `$`, `M.N.`, `dolares`/`dólares`, `dolar`,
//     `dollars`, `dls`, `dlls`, `bucks`, `US dollars`, `pesos`, `peso`,
//     `pesitos`, `varos`, `baros`, `euros`, `pavos`, `libras`, `pounds` (not
//     `2 libras de…`, `5 pounds of…`, `pesa 2 libras`), `quid`, `yenes`,
//     `soles`, `quetzales`…, `grand` (×1000 USD), `lucas` (×1000 pesos),
//     `mdp`/`mdd` (millions of pesos / dollars), `cents`/`centavos` (÷100);
//     glued too (`29usd`, `29$`); `y 90 centavos` / `and 99 cents` after a
//     currency adds the cents. In a range (`19-99 USD`, `entre 19 y 49
//     dólares`, `$19-99`) both numbers get the currency.
//   symbols outside ASCII: any Unicode currency symbol (`€`, `£`, `¥`, `₹`,
//     `₩`, `₽`, `₱`, `¢`…, fullwidth forms) and the money emoji `💲💵💶💷💴💰`,
//     before or after. ScanText folds all of them (and `“`, `¿`, emoji…) to one
//     byte, so they are read from the text as written, which only
//     `discountViolations` receives; it reports those amounts through
//     `symbolPriceViolations` (see there). An amount next to such a byte whose
//     number is no catalog price is reported only there.
// `$` alone means USD or MXN; markers before and after must agree (`$1,299.00
// MXN` is MXN, `€49 USD` is conflicting). Every amount must equal the catalog
// price of a product in the conversation or of a product the text itself
// names (its name or an alias as whole words: "El Plan Premium cuesta 49.00
// USD" passes with no product in context), in a matching currency, else
// `price_mismatch` (block). A currency no product is priced in (EUR, GBP…)
// therefore never passes.
//
// A number WITHOUT a currency is read as a price when it has exactly two
// decimals (`49.00`), ends in `,-` (`29,-`), or follows a PRICE CUE (quotes
// and emphasis between are skipped: `cuesta “39”`):
//   strong: a price word up to five words before, through filler words such
//     as `es`, `de`, `solo`, `only`, `the`, `te`, `al mes` (`cuesta`,
//     `cuestan`, `precio`, `vale`, `pagas`, `total`, `importe`, `cuota`,
//     `mensualidades de`, `costs`, `price`, `priced at`, `pay`, `fee`…);
//   verb: a verb + `en`/`a`/`por`/`for`/`at` (`te lo dejo en 29`, `lo tienes
//     en 29`, `sale en 29`, `queda en 29`, `te lo doy a 29`, `lo vendemos por
//     29`, `te lo rebajo a 29`, `está a 29`, `yours for 29`, `it for 29`,
//     `sells for 29`); a preposition and `solo`/`tan solo`/`apenas`/`just`/
//     `only`/`a mere` in either order (`a solo 29`, `por tan solo 29`,
//     `solo por 29`, `for just 29`, `at only 29`); `a partir de 29`,
//     `starting at 29`, `as little as 29`; `por 29 nada más`;
//   count: `son 29`, `serían 29` — for 10 and more, or when `al mes`, `más
//     IVA`… follows (`vale, son 3` is a count).
// Numbers in words need a currency or a strong or verb cue, and a lone
// `un`/`una`/`one` only counts before an unambiguous currency word (`un
// dólar`, not `un peso de 2 kg`). A price without currency that equals a
// context (or named) product's price is `price_without_currency` (warn:
// right number, missing currency), otherwise `price_mismatch` (block).
// Not prices: percentages; times (14:15, `a las 10.30`, `10.30 h`, `9 am`,
// `at 9.30` without a strong cue); fractions and dates (24/7, 29/11/2026,
// 29.11.2026, `el 29 de noviembre`, `November 29`); numbers glued to other
// letters (10am, mp4, v2.1, 29th; `4k` is 4000 but needs a currency or a cue,
// and `lo tienes en 4k` is a screen); numbers inside URLs; phone numbers
// (`+52…`); `lleva 3 paga 2` (an offer, see discounts); and — when no
// currency is written — ratings, versions and quantities: a number before a
// unit or a counted noun (`rated 4.85`, `4.85 stars`, `1.25 kg`, `3 a 5
// días`, `total de 3 artículos`, `cuesta 3 veces menos`), after a verb or
// count cue any noun (`lo tienes en 2 colores`, `queda a 1 cuadra`).
// Limits: an integer without a currency or a cue is not checked (`it is 49`,
// `solo 29`, `desde 29`, `pedido #12345`, a bare `29k`); currency words in
// leetspeak or spaced out (`29 d0lares`, `29 d o l a r e s`), digits spaced
// one by one (`4 9 USD` is two amounts) and `a dollar` are not read; a
// product named in a script other than Latin is not recognized in the text;
// `€49.00` for a catalog price 49.00 also gets a `price_without_currency`
// warning (the main scan reads `€` as punctuation); an amount with a symbol
// that maps to USD/MXN (`💲49`, `49¢`) is checked against the products the
// text names only, so `💲49` for a product in context but not named is
// reported.
//
// DISCOUNTS
// `discount_too_high` (block) when a promised discount is above
// `validation.max_discount_percent`:
//   - a percentage (`50%`, `50 %`, `%50`, `50 por ciento`, `50 por cien`,
//     `50 percent`, `50 pct`, in words too: `cincuenta por ciento`, `fifty
//     percent`) with a discount word within three words before or after in
//     the same clause, other numbers not counted (off, discount, descuento,
//     dto, save, ahorra, rebaja, rebajado, menos — not `al menos`/`por lo
//     menos` —, less, cheaper, barato, promo, oferta, sale…: `descuentos del
//     10% al 50%`), or with a minus sign (`-50%`, `−50 %`, not a range
//     `10-50%`), or `todo al 50%`; on the second item (`el segundo al 50%`,
//     `second one 50% off`) it is half (25%);
//   - N for M with N from 2 to 6 (`2x1`, `2 x 1`, `2×1`, `2X1`, `2*1`, `2
//     por 1`, `2-for-1`, `dos por uno`, `two for one`, `3x2`, `4x3`, `2 por
//     el precio de 1`): (N−M)/N, unless it is a size (`2x1 m`, `4x2x1`,
//     `mide 4x2`, `horario 9x5`);
//   - `lleva 3 paga 2`, `paga 1 lleva 2`, `take 3 pay for 2`: (N−M)/N;
//     `compra uno y llévate otro gratis`, `compra una taza y llévate otra
//     gratis`, `buy 2 get 1 free`, `buy one get one`, `compra 2 y te
//     regalamos 1`: M/(N+M);
//   - phrases, on the normalized text (so leetspeak and spacing do not hide
//     them: `h4lf pr1ce`, `B O G O`): `half price`, `half-price`, `half
//     off`, `pay half`, `mitad de precio` (`a mitad de precio`), `medio
//     precio`, `paga la mitad`, `½ price`, `BOGO`, `b1g1`, `gratis el
//     segundo`, `el segundo gratis`, `second one free`, `otro gratis`… (50%),
//     `a third off`, `un tercio de descuento` (33%), `a quarter off` (25%).
// Overlapping findings are one violation. "100% algodón", "100% gratis" and
// "90% of our customers" are not discounts (the forbidden patterns handle
// claims). Limits: a discount in money (`$20 off`, `20 pesos de descuento`)
// is an amount (a price check), not a percentage; `el segundo a mitad de
// precio` is reported as 50% (it is 25%, still blocked); a discount implied
// by two prices (`antes 49, ahora 19`) is two price checks; percentages in
// words other than cardinals (`la mitad`, `un cuarto`) count only in the
// phrases above.

extension TextValidator {
    /// What a currency marker means: ISO codes and a scale.
    struct Currency: Sendable {
        /// The ISO 4217 codes it may be (`$`: USD or MXN); nil for a pure
        /// multiplier (`mil`, `k`).
        var codes: Set<String>?
        var multiplier: Int = 1
        var divisor: Int = 1
    }

    static let usdOrMxn: Set<String> = ["USD", "MXN"]

    /// ISO codes read before or after a number, except those that are words
    /// (`cop`, `pen`, `ves`, `bob`, `php`, `try`, `all`, `top`, `rub`).
    static let isoCodes: [String] = [
        "USD", "MXN", "EUR", "GBP", "CAD", "AUD", "NZD", "HKD", "SGD", "ARS", "CLP", "BRL", "UYU", "PYG", "DOP", "GTQ",
        "CRC", "HNL", "NIO", "PAB", "BZD", "JPY", "CNY", "CHF", "INR", "KRW", "SEK", "NOK", "DKK", "PLN", "CZK",
        "HUF", "ZAR", "ILS", "AED", "THB", "IDR", "MYR", "VND", "TWD",
    ]

    /// Markers before a number, dots removed (`u.s.$` → `us$`).
    static let prefixCurrencies: [String: Currency] = {
        var t: [String: Currency] = [:]
        for code in isoCodes { t[code.lowercased()] = Currency(codes: [code]) }
        t["mn"] = Currency(codes: ["MXN"])
        t["mxp"] = Currency(codes: ["MXN"])
        t["bs"] = Currency(codes: ["VES", "BOB"])
        t["$"] = Currency(codes: usdOrMxn)
        for key in ["us$", "usd$", "u$s", "u$d", "u$", "$us", "us$d", "u$sd"] { t[key] = Currency(codes: ["USD"]) }
        for key in ["mx$", "mxn$", "mn$", "n$", "$mx", "$mn", "m$"] { t[key] = Currency(codes: ["MXN"]) }
        let dollars: [String: String] = [
            "c$": "CAD", "ca$": "CAD", "cad$": "CAD", "au$": "AUD", "aud$": "AUD", "nz$": "NZD", "hk$": "HKD",
            "s$": "SGD", "sg$": "SGD", "r$": "BRL", "ar$": "ARS", "ars$": "ARS", "cl$": "CLP", "clp$": "CLP",
            "co$": "COP", "col$": "COP", "cop$": "COP", "rd$": "DOP", "$u": "UYU", "uy$": "UYU", "bz$": "BZD",
        ]
        for (key, code) in dollars { t[key] = Currency(codes: [code]) }
        return t
    }()

    /// Markers after a number (words are folded: `dólares` → `dolares`).
    static let suffixCurrencies: [String: Currency] = {
        var t: [String: Currency] = [:]
        for code in isoCodes { t[code.lowercased()] = Currency(codes: [code]) }
        let words: [String: [String]] = [
            "USD": [
                "usds", "dolares", "dolar", "dollars", "dollar", "dls", "dlls", "dll", "dlrs", "dolaritos", "bucks",
                "buck", "$us", "us$", "usd$", "u$s", "u$d",
            ],
            "MXN": ["mn", "mxp", "pesos", "peso", "pesitos", "varos", "varo", "baros", "baro", "mx$", "mxn$"],
            "EUR": ["euros", "euro", "pavos", "eurillos"],
            "GBP": ["libras", "libra", "pounds", "pound", "quid"],
            "JPY": ["yenes", "yen"], "CNY": ["yuanes", "yuan"], "INR": ["rupias", "rupees"], "PEN": ["soles"],
            "VES": ["bolivares"], "GTQ": ["quetzales"], "CRC": ["colones"], "PYG": ["guaranies"], "BRL": ["reais"],
        ]
        for (code, keys) in words {
            for key in keys { t[key] = Currency(codes: [code]) }
        }
        t["$"] = Currency(codes: usdOrMxn)
        t["grand"] = Currency(codes: ["USD"], multiplier: 1000)
        t["lucas"] = Currency(codes: ["MXN"], multiplier: 1000)
        t["luca"] = Currency(codes: ["MXN"], multiplier: 1000)
        t["mdp"] = Currency(codes: ["MXN"], multiplier: 1_000_000)
        t["mdd"] = Currency(codes: ["USD"], multiplier: 1_000_000)
        for key in ["cents", "cent"] { t[key] = Currency(codes: ["USD"], divisor: 100) }
        for key in ["centavos", "centavo", "ctvs", "ctv"] { t[key] = Currency(codes: usdOrMxn, divisor: 100) }
        for key in ["centimos", "centimo"] { t[key] = Currency(codes: ["EUR"], divisor: 100) }
        return t
    }()

    /// `us dollars`, `american dollars`, `mexican pesos`: the first word.
    static let currencyAdjectives: [String: String] = [
        "us": "USD", "american": "USD", "canadian": "CAD", "australian": "AUD", "mexican": "MXN",
    ]
    /// Currency words that also mean a weight (`2 libras de café`, `5 pounds of`).
    static let weightCurrencies: Set<String> = ["libras", "libra", "pounds", "pound", "peso"]
    /// Currency words a lone `un`/`una`/`one`/`a` may stand before.
    static let unambiguousOnes: Set<String> = [
        "dolar", "dollar", "buck", "euro", "varo", "baro", "quid", "usd", "mxn", "eur", "gbp",
    ]
    static let spacedMultipliers: [String: Int] = [
        "mil": 1000, "millon": 1_000_000, "millones": 1_000_000, "million": 1_000_000, "millions": 1_000_000,
    ]
    static let gluedMultipliers: [String: Int] = [
        "k": 1000, "m": 1_000_000, "mil": 1000, "mm": 1_000_000, "millones": 1_000_000,
    ]
    static let gluedSuffixes: Set<String> = Set(suffixCurrencies.keys.filter { $0.allSatisfy(\.isLetter) })
        .union(gluedMultipliers.keys).union(["percent", "porciento", "pct"])
    static let gluedPrefixes: Set<String> = Set(prefixCurrencies.keys.filter { $0.allSatisfy(\.isLetter) })
    static let centWords: Set<String> = ["centavos", "centavo", "cents", "cent", "centimos", "centimo", "ctvs", "cts"]

    // MARK: Cues

    /// A price word a few words before a number (fillers between): a strong cue.
    static let priceWords: Set<String> = [
        "cost", "costs", "costing", "costo", "coste", "cuesta", "cuestan", "costara", "costaran", "costaria",
        "costarian", "price", "prices", "priced", "pricing", "precio", "precios", "preciazo", "vale", "valen", "valdra",
        "valdria", "pay", "pays", "paying", "paga", "pagas", "pagan", "pagar", "pague", "pagues", "paguen",
        "pagaras", "pagaria", "pagarias", "pagamos", "total", "subtotal", "importe", "monto", "tarifa", "tarifas",
        "cobro", "cobramos", "cobran", "cobra", "cobrar", "cobraria", "cuota", "cuotas", "mensualidad",
        "mensualidades", "pagos", "pago", "inversion", "installments", "installment", "payments", "payment", "fee",
        "fees", "charge", "charges", "charged", "costaba", "valia",
    ]
    static let fillerWords: Set<String> = [
        "is", "es", "de", "del", "of", "only", "solo", "solamente", "just", "at", "a", "por", "for", "from", "desde",
        "el", "la", "the", "its", "su", "sus", "be", "sera", "seria", "now", "ahora", "tan", "apenas", "unos",
        "unas", "around", "about", "aprox", "aproximadamente", "approximately", "nada", "mas", "un", "una",
        "final", "regular", "normal", "actual", "mensual", "monthly", "per", "month", "mes", "al", "te", "le",
        "les", "you", "lo", "nos", "me", "us", "it", "hoy", "today", "will", "would", "are", "son", "was", "era",
        "ya", "tiene", "has", "with", "con", "especial", "special", "unico", "unicamente", "exactamente", "exactly",
    ]
    /// `te lo dejo en 29`, `yours for 29`: a word before `en`/`a`/`por`/`for`/`at`.
    static let cueVerbs: Set<String> = [
        "dejo", "dejamos", "deja", "dejan", "dejaria", "dejariamos", "dejare", "dejaremos", "doy", "damos", "da",
        "dan", "daria", "dariamos", "queda", "quedan", "quedaria", "quedarian", "sale", "salen", "saldria",
        "saldrian", "tienes", "tiene", "tienen", "tenemos", "ofrezco", "ofrecemos", "ofrece", "ofrecen", "vendo",
        "vendemos", "vende", "venden", "consigues", "consigue", "encuentras", "encuentra", "llevas", "llevate",
        "lleva", "llevan", "llevatelo", "llevatela", "llevatelos", "llevatelas", "llevalo", "llevala", "compras",
        "compralo", "comprala", "adquieres", "adquiere", "cotizo", "cotizamos", "cotiza", "pongo", "ponemos",
        "rebajo", "rebajamos", "bajo", "bajamos", "dejartelo", "dejartela", "dartelo", "esta", "estan",
        "disponible", "disponibles", "tuyo", "tuya", "tuyos", "tuyas", "yours", "it", "them", "one", "both", "all",
        "this", "that", "these", "those", "pair", "set", "sells", "sell", "selling", "sold", "goes", "going",
        "retails", "listed", "offered", "available", "sale",
    ]
    static let cuePrepositions: Set<String> = ["en", "a", "por", "for", "at"]
    /// `a solo 29`, `for just 29`.
    static let cueAdverbs: Set<String> = [
        "solo", "solamente", "apenas", "unicamente", "just", "only", "nomas", "namas", "mere", "tan",
    ]
    static let adverbPrepositions: Set<String> = ["a", "por", "desde", "for", "at", "from", "en"]
    /// `son 29`: a weak cue for digits only.
    static let countCues: Set<String> = ["son", "serian", "seria"]

    /// Words after a cued number that keep it a price (`cuesta 49 al mes`).
    static let continuationWords: Set<String> = [
        "al", "a", "por", "per", "cada", "each", "mas", "menos", "plus", "y", "o", "and", "or", "con", "sin",
        "with", "without", "en", "in", "nada", "no", "solo", "solamente", "only", "just", "nomas", "namas", "iva",
        "tax", "taxes", "impuestos", "neto", "netos", "final", "total", "mensual", "mensuales", "mensualmente",
        "anual", "anuales", "monthly", "yearly", "annually", "semanal", "semanales", "weekly", "un", "una",
        "the", "el", "la", "de", "del", "que", "si", "if", "to", "para", "for", "hoy", "today", "now", "ahora",
        "este", "esta", "this", "pero", "but", "tambien", "also", "incluye", "incluido", "incluidos", "included",
        "including", "includes", "on", "at", "es", "is", "ya", "then", "entonces", "pues", "exactos", "exactas",
        "redondos", "justos", "nomas", "te", "lo", "le", "you", "it", "we", "nosotros", "ok", "vale", "listo",
    ]
    static let unitWords: Set<String> = [
        "stars", "star", "estrellas", "estrella", "kg", "kgs", "g", "gr", "grs", "mg", "lb", "lbs", "oz", "cm", "mm",
        "m", "mts", "metros", "metro", "km", "in", "inches", "pulgadas", "ft", "ml", "l", "lt", "lts", "litros",
        "gb", "mb", "tb", "h", "hs", "hr", "hrs", "hours", "hour", "horas", "hora", "min", "mins", "minutes",
        "minute", "minutos", "minuto", "segundos", "seconds", "days", "day", "dias", "dia", "weeks", "week",
        "semanas", "semana", "months", "month", "meses", "mes", "years", "year", "anos", "ano", "x", "am", "pm",
        "veces", "times", "vez", "time", "pct", "libras", "libra", "pounds", "pound",
    ]
    /// Counted nouns: `total de 3 artículos`, `cuesta 2 puntos`.
    static let quantityNouns: Set<String> = [
        "articulos", "articulo", "productos", "producto", "items", "item", "piezas", "pieza", "pzas", "pza", "pcs",
        "pieces", "piece", "unidades", "unidad", "units", "unit", "products", "product", "clientes", "cliente",
        "customers", "customer", "personas", "persona", "people", "person", "pedidos", "pedido", "orders", "order",
        "colores", "color", "colors", "tallas", "talla", "sizes", "size", "modelos", "modelo", "models", "model",
        "opciones", "opcion", "options", "option", "dispositivos", "dispositivo", "devices", "device", "usuarios",
        "usuario", "users", "user", "puntos", "punto", "points", "point", "plumas", "hojas", "paginas", "pages",
        "lecciones", "lessons", "modulos", "modules", "cuadras", "cuadra", "pasos", "paso", "steps", "step",
        "clics", "clicks", "click", "clic", "envios", "envio",
    ]
    static let timeWords: Set<String> = ["las", "la"]
    static let englishTimeWords: Set<String> = ["at", "until", "till", "before", "after", "by"]
    static let monthNames: Set<String> = [
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "setiembre",
        "octubre", "noviembre", "diciembre", "january", "february", "march", "april", "may", "june", "july",
        "august", "september", "october", "november", "december", "jan", "feb", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "ene", "abr", "ago", "dic",
    ]
    static let measurementCues: Set<String> = [
        "rated", "rating", "calificacion", "calificado", "calificada", "version", "v", "weighs", "pesa", "mide",
        "measures", "pesan", "miden",
    ]

    enum PriceCue { case none, strong, verb, count }

    /// An amount of money in a text.
    struct Amount {
        /// The value in hundredths (49.90 → 4990).
        var hundredths: Int
        /// Where the number itself is.
        var digits: Range<Int>
        /// Where the amount and its currency markers are.
        var span: Range<Int>
        /// nil: no currency written.
        var currencies: Set<String>?
        /// Read as a price without a currency (cue, two decimals or `,-`).
        var cued: Bool
        /// A currency symbol outside ASCII is one of its markers.
        var symbol: Bool = false
        /// A symbol outside ASCII (maybe a currency) is within three places
        /// of the number.
        var nearOther: Bool = false
    }

    /// Reads the currency symbols outside ASCII from the text as written.
    struct SymbolReader {
        let characters: [Character]
        let origins: [Int32]

        init(_ text: ScanText, original: String) {
            characters = Array(original)
            origins = text.origins
        }

        func currency(at k: Int) -> Currency? {
            guard k >= 0, k < origins.count else { return nil }
            let offset = Int(origins[k])
            guard offset >= 0, offset < characters.count else { return nil }
            return TextValidator.symbolCurrency(characters[offset])
        }

        func character(at k: Int) -> Character? {
            guard k >= 0, k < origins.count else { return nil }
            let offset = Int(origins[k])
            return offset >= 0 && offset < characters.count ? characters[offset] : nil
        }
    }

    static let symbolCurrencies: [Character: Currency] = [
        "€": Currency(codes: ["EUR"]), "£": Currency(codes: ["GBP"]), "￡": Currency(codes: ["GBP"]),
        "¥": Currency(codes: ["JPY", "CNY"]), "￥": Currency(codes: ["JPY", "CNY"]), "₹": Currency(codes: ["INR"]),
        "₩": Currency(codes: ["KRW"]), "￦": Currency(codes: ["KRW"]), "₽": Currency(codes: ["RUB"]),
        "₺": Currency(codes: ["TRY"]), "₱": Currency(codes: ["PHP"]), "₡": Currency(codes: ["CRC"]),
        "₲": Currency(codes: ["PYG"]), "₴": Currency(codes: ["UAH"]), "₦": Currency(codes: ["NGN"]),
        "฿": Currency(codes: ["THB"]), "₫": Currency(codes: ["VND"]), "₪": Currency(codes: ["ILS"]),
        "₿": Currency(codes: ["BTC"]), "¢": Currency(codes: usdOrMxn, divisor: 100),
        "￠": Currency(codes: usdOrMxn, divisor: 100), "💲": Currency(codes: usdOrMxn),
        "💵": Currency(codes: ["USD"]), "💶": Currency(codes: ["EUR"]), "💷": Currency(codes: ["GBP"]),
        "💴": Currency(codes: ["JPY"]), "💰": Currency(codes: usdOrMxn), "💸": Currency(codes: usdOrMxn),
    ]

    /// A currency symbol outside ASCII (ASCII `$` is read from the ScanText).
    static func symbolCurrency(_ c: Character) -> Currency? {
        if let known = symbolCurrencies[c] { return known }
        guard !c.isASCII, let scalar = c.unicodeScalars.first, scalar.properties.generalCategory == .currencySymbol
        else { return nil }
        return Currency(codes: [String(c)])
    }

    // MARK: - Scanning

    func scanAmounts(_ text: ScanText) -> [Amount] {
        scanAmounts(text, symbols: nil)
    }

    /// The amounts in `text`; with `symbols`, currency symbols outside ASCII
    /// count as markers.
    func scanAmounts(_ text: ScanText, symbols: SymbolReader?) -> [Amount] {
        var amounts: [Amount] = []
        var i = 0
        // The last amount with a marker before it, for `$19-99`.
        var lastPrefixed: (end: Int, currency: Currency)? = nil
        while i < text.count {
            let b = text[i]
            if ScanText.isDigit(b) {
                guard MoneyNumber.starts(text, at: i, prefixes: Self.gluedPrefixes) else {
                    while ScanText.isDigit(text[i]) { i += 1 }
                    continue
                }
                let (amount, resume, prefix) = digitAmount(text, at: i, symbols: symbols, lastPrefixed: lastPrefixed)
                if var amount {
                    amount.nearOther = Self.isNearOther(text, amount.digits)
                    amounts.append(amount)
                }
                if let prefix { lastPrefixed = (amount?.digits.upperBound ?? resume, prefix) }
                i = max(resume, i + 1)
            } else if ScanText.isLetter(b) && !ScanText.isAlnum(text[i - 1]) {
                if let (amount, resume) = wordAmount(text, at: i, symbols: symbols) {
                    if var amount {
                        amount.nearOther = Self.isNearOther(text, amount.digits)
                        amounts.append(amount)
                    }
                    i = max(resume, i + 1)
                } else {
                    while ScanText.isLetter(text[i]) { i += 1 }
                }
            } else {
                i += 1
            }
        }
        return amounts
    }

    /// The amount whose number starts at `i`, where to go on, and the marker
    /// before it (for a range after it).
    func digitAmount(
        _ text: ScanText, at i: Int, symbols: SymbolReader?, lastPrefixed: (end: Int, currency: Currency)?
    ) -> (Amount?, Int, Currency?) {
        let before = markerBefore(text, at: i, symbols: symbols)
        guard var number = MoneyNumber.read(text, at: i, spaceGroups: before != nil, gluedSuffixes: Self.gluedSuffixes)
        else {
            var j = i
            while ScanText.isAlnum(text[j]) { j += 1 }
            return (nil, j, nil)
        }
        if text[i - 1] == UInt8(ascii: "+") { return (nil, number.end, nil) }  // +52…: a phone
        if isPercentage(text, after: number.end) != nil
            || number.glued.map({ ["percent", "porciento", "pct"].contains($0.word) }) == true
        {
            return (nil, number.end, nil)
        }
        var after = markerAfter(text, from: number.end, numberStart: i, glued: number.glued, symbols: symbols)
        if before == nil, after.currency == nil,
            let spaced = MoneyNumber.read(text, at: i, spaceGroups: true, gluedSuffixes: Self.gluedSuffixes),
            spaced.range != number.range
        {
            // `1 299 MXN`: space groups only when a currency follows.
            let spacedAfter = markerAfter(text, from: spaced.end, numberStart: i, glued: spaced.glued, symbols: symbols)
            if spacedAfter.currency != nil {
                number = spaced
                after = spacedAfter
            }
        }

        var (currencies, multiplier, divisor, symbol, spanStart) = Self.combine(before, after, start: i)
        let spanEnd = max(number.end, after.end)
        // A range: `19-99 USD`, `entre 19 y 49 dólares`, `$19-99`.
        if currencies == nil, let partner = rangePartnerCurrency(text, after: number.end, symbols: symbols) {
            currencies = partner.currency.codes
            multiplier *= partner.currency.multiplier
            divisor *= partner.currency.divisor
            symbol = partner.isSymbol
        }
        if currencies == nil, let last = lastPrefixed, isRangeConnector(text, from: last.end, to: i) {
            currencies = last.currency.codes
            multiplier *= last.currency.multiplier
            divisor *= last.currency.divisor
        }
        let value = Self.scaled(number.hundredths + after.cents, multiplier: multiplier, divisor: divisor)
        let resume = max(number.end, after.end, number.glued?.end ?? 0)

        if let currencies {
            let amount = Amount(
                hundredths: value, digits: number.range, span: spanStart..<spanEnd, currencies: currencies,
                cued: false, symbol: symbol)
            return (amount, resume, before?.currency)
        }

        // No currency: a price only with two decimals, `,-` or a cue.
        let cue = priceCue(text, before: spanStart, after: number.end)
        let hasMultiplier = after.multiplier != 1
        var cued = false
        switch cue {
        case .strong: cued = true
        case .verb, .count:
            // `lo tienes en 4k` is a screen, `te lo dejo en 29k` a price.
            cued = !(hasMultiplier && number.glued != nil && [200, 400, 500, 800].contains(number.hundredths))
        case .none: cued = false
        }
        if cued, cue == .count, number.fractionDigits == 0, number.hundredths < 1000,
            !(text.words(after: number.end, limit: 1).first.map(Self.continuationWords.contains) ?? false)
        {
            cued = false  // `vale, son 3`: a count
        }
        if cued, cue == .strong, isOfferCount(text, number) { cued = false }  // `lleva 3 paga 2`
        let dashPrice = number.dash == UInt8(ascii: ",") || (number.dash != nil && cue != .none)
        guard cued || number.fractionDigits == 2 || dashPrice else { return (nil, resume, nil) }
        if isTimeOrDate(text, number: number, cue: cue) { return (nil, resume, nil) }
        if isMeasurement(text, number.range) { return (nil, resume, nil) }
        if !dashPrice && isQuantity(text, after: max(number.end, after.end), cue: cue) { return (nil, resume, nil) }
        let amount = Amount(
            hundredths: value, digits: number.range, span: spanStart..<spanEnd, currencies: nil, cued: true)
        return (amount, resume, nil)
    }

    /// The amount written in words starting at `i`, and where to go on; nil
    /// when no number in words starts there.
    func wordAmount(_ text: ScanText, at i: Int, symbols: SymbolReader?) -> (Amount?, Int)? {
        guard let reading = NumberWords.read(text, at: i) else { return nil }
        let end = reading.range.upperBound
        if isPercentage(text, after: end) != nil { return (nil, end) }
        var from = end
        if reading.endsWithMillion, let (word, wordEnd) = text.word(startingAt: skipSpaces(text, from: end)),
            word == "de" || word == "of"
        {
            from = wordEnd
        }
        let after = markerAfter(text, from: from, numberStart: i, glued: nil, symbols: symbols)
        let before = reading.isLoneOne ? nil : markerBefore(text, at: i, symbols: symbols)
        if after.currency != nil, reading.isLoneOne {
            guard let key = after.key, Self.unambiguousOnes.contains(key) || after.isSymbol else { return (nil, end) }
        }
        let (currencies, multiplier, divisor, symbol, spanStart) = Self.combine(before, after, start: i)
        let value = Self.scaled(reading.value * 100 + after.cents, multiplier: multiplier, divisor: divisor)
        let spanEnd = max(end, after.end)
        if let currencies {
            return (
                Amount(
                    hundredths: value, digits: reading.range, span: spanStart..<spanEnd, currencies: currencies,
                    cued: false, symbol: symbol), spanEnd
            )
        }
        guard !reading.isLoneOne else { return (nil, end) }
        let cue = priceCue(text, before: i, after: end)
        guard cue == .strong || cue == .verb else { return (nil, end) }
        if isQuantity(text, after: max(end, after.end), cue: cue) { return (nil, end) }
        let number = MoneyNumber(
            range: reading.range, hundredths: reading.value * 100, fractionDigits: 0, dash: nil, end: end, glued: nil)
        if isTimeOrDate(text, number: number, cue: cue) { return (nil, end) }
        return (
            Amount(hundredths: value, digits: reading.range, span: i..<spanEnd, currencies: nil, cued: true), spanEnd
        )
    }

    /// The markers before and after a number starting at `start`, together:
    /// currencies (both must agree: `$1,299.00 MXN` is MXN), scale, and where
    /// the amount starts.
    static func combine(
        _ before: MarkerBefore?, _ after: MarkerAfter, start: Int
    )
        -> (currencies: Set<String>?, multiplier: Int, divisor: Int, symbol: Bool, spanStart: Int)
    {
        var currencies = before?.currency.codes
        var multiplier = after.multiplier * (before?.currency.multiplier ?? 1)
        var divisor = before?.currency.divisor ?? 1
        if let currency = after.currency {
            currencies = currencies.map { $0.intersection(currency.codes ?? $0) } ?? currency.codes
            multiplier *= currency.multiplier
            divisor *= currency.divisor
        }
        let symbol = before?.isSymbol == true || after.isSymbol
        return (currencies, multiplier, divisor, symbol, before?.start ?? start)
    }

    static func isNearOther(_ text: ScanText, _ digits: Range<Int>) -> Bool {
        ((digits.lowerBound - 3)..<(digits.upperBound + 3)).contains { text[$0] == ScanText.other }
    }

    static func scaled(_ hundredths: Int, multiplier: Int, divisor: Int) -> Int {
        let (product, overflow) = hundredths.multipliedReportingOverflow(by: multiplier)
        return (overflow ? Int.max : product) / max(divisor, 1)
    }

    // MARK: Markers

    struct MarkerBefore {
        var currency: Currency
        var start: Int
        var isSymbol = false
    }

    struct MarkerAfter {
        var currency: Currency?
        /// The folded marker word (`dolares`), nil for a symbol.
        var key: String?
        var isSymbol = false
        var multiplier = 1
        /// `y 90 centavos`, in hundredths.
        var cents = 0
        /// The end of what was read (the number's end if nothing).
        var end: Int
    }

    /// Spaces, and Markdown emphasis or straight quotes around a number
    /// (`**$29**`, `"29" USD`), at most `limit` of them.
    static func isGap(_ b: UInt8) -> Bool {
        ScanText.isSpace(b) || b == UInt8(ascii: "*") || b == UInt8(ascii: "_") || b == UInt8(ascii: "~")
            || b == UInt8(ascii: "`") || b == UInt8(ascii: "\"")
    }

    func skipSpaces(_ text: ScanText, from p: Int, limit: Int = 3) -> Int {
        var q = p
        while Self.isGap(text[q]) && q < p + limit { q += 1 }
        return q
    }

    func skipSpacesBackward(_ text: ScanText, from p: Int, limit: Int = 3) -> Int {
        var q = p
        while q > 0 && Self.isGap(text[q - 1]) && q > p - limit { q -= 1 }
        return q
    }

    static func isMarkerByte(_ b: UInt8) -> Bool {
        b &- 0x61 < 26 || b == UInt8(ascii: "$") || b == UInt8(ascii: ".")
    }

    /// The currency marker before the number starting at `i`: `$`, `US$`,
    /// `U$S`, `USD`, `USD $`, `MN`, `S/`, `€` (with `symbols`).
    func markerBefore(_ text: ScanText, at i: Int, symbols: SymbolReader?) -> MarkerBefore? {
        var p = skipSpacesBackward(text, from: i)
        if text[p - 1] == UInt8(ascii: "-") { p = skipSpacesBackward(text, from: p - 1) }  // `$-29`, `$ -29`
        if text[p - 1] == UInt8(ascii: ":") { p = skipSpacesBackward(text, from: p - 1) }
        if let symbols, text[p - 1] == ScanText.other, let currency = symbols.currency(at: p - 1) {
            return MarkerBefore(currency: currency, start: p - 1, isSymbol: true)
        }
        // `S/ 29`, `S/. 29` (Peru).
        var slash = p
        if text[slash - 1] == UInt8(ascii: ".") { slash -= 1 }
        if text[slash - 1] == UInt8(ascii: "/"), text[slash - 2] == UInt8(ascii: "s"),
            !ScanText.isAlnum(text[slash - 3])
        {
            return MarkerBefore(currency: Currency(codes: ["PEN"]), start: slash - 2)
        }
        var q = p
        while q > 0 && q > p - 8 && Self.isMarkerByte(text[q - 1]) { q -= 1 }
        while q < p && text[q] == UInt8(ascii: ".") { q += 1 }
        guard q < p else { return nil }
        if !ScanText.isAlnum(text[q - 1]) {
            let key = ScanText.ascii(text.bytes, q..<p, droppingDots: true)
            if var currency = Self.prefixCurrencies[key] {
                var start = q
                // `USD $29`, `MXN $449`.
                if key == "$", let (word, wordStart) = text.word(endingAt: skipSpacesBackward(text, from: q, limit: 1)),
                    let code = Self.prefixCurrencies[word]
                {
                    currency = code
                    start = wordStart
                }
                return MarkerBefore(currency: currency, start: start)
            }
        }
        // Unknown letters glued before `$` (`a$`, `xx$`): read as `$`.
        if text[p - 1] == UInt8(ascii: "$") {
            return MarkerBefore(currency: Currency(codes: Self.usdOrMxn), start: p - 1)
        }
        return nil
    }

    /// The multiplier, currency and cents after a number ending at `p`.
    func markerAfter(
        _ text: ScanText, from p: Int, numberStart: Int, glued: (word: String, end: Int)?, symbols: SymbolReader?
    ) -> MarkerAfter {
        var result = MarkerAfter(end: p)
        var p = p
        if let glued {
            if let multiplier = Self.gluedMultipliers[glued.word] {
                result.multiplier = multiplier
                p = glued.end
                result.end = p
            } else if let currency = Self.suffixCurrencies[glued.word] {
                result.currency = currency
                result.key = glued.word
                result.end = glued.end
                addCents(text, to: &result)
                return result
            }
        }
        // `29 mil`, `2 millones de`.
        var q = skipSpaces(text, from: p)
        if let (word, wordEnd) = text.word(startingAt: q), let multiplier = Self.spacedMultipliers[word] {
            result.multiplier *= multiplier
            p = wordEnd
            result.end = p
            q = skipSpaces(text, from: p)
            if multiplier == 1_000_000, let (de, deEnd) = text.word(startingAt: q), de == "de" || de == "of" {
                q = skipSpaces(text, from: deEnd)
            }
        }
        if let symbols, text[q] == ScanText.other, let currency = symbols.currency(at: q) {
            result.currency = currency
            result.isSymbol = true
            result.end = q + 1
            return result
        }
        var parenthesis = false
        if text[q] == UInt8(ascii: "(") || text[q] == UInt8(ascii: "[") {
            q = skipSpaces(text, from: q + 1)
            parenthesis = true
        }
        if let (word, wordEnd) = text.word(startingAt: q), word == "en" || word == "in" {
            let r = skipSpaces(text, from: wordEnd)
            if let (next, _) = text.word(startingAt: r), Self.suffixCurrencies[next] != nil { q = r }
        }
        var r = q
        while r < q + 12 && Self.isMarkerByte(text[r]) { r += 1 }
        guard r > q, !ScanText.isAlnum(text[r]) else { return result }
        // A final dot belongs to an abbreviation (`M.N.`), not to a word (`pesos.`).
        if text[r - 1] == UInt8(ascii: "."), !text.bytes[q..<(r - 1)].contains(UInt8(ascii: ".")) {
            while r > q && text[r - 1] == UInt8(ascii: ".") { r -= 1 }
        }
        var key = ScanText.ascii(text.bytes, q..<r, droppingDots: true)
        var keyEnd = r
        if Self.suffixCurrencies[key] == nil, let (word, wordEnd) = text.word(startingAt: q) {
            key = word  // `usd.gracias`
            keyEnd = wordEnd
        }
        if key == "$" && ScanText.isDigit(text[keyEnd]) { return result }  // `29 $49`: the next amount's
        if let currency = Self.suffixCurrencies[key] {
            if Self.weightCurrencies.contains(key) {
                // `2 libras de café`, `5 pounds of paper`, `pesa 2 libras`: a weight.
                if let (next, _) = text.word(startingAt: skipSpaces(text, from: keyEnd)), next == "de" || next == "of" {
                    return result
                }
                if text.words(before: numberStart, limit: 2).contains(where: Self.measurementCues.contains) {
                    return result
                }
            }
            result.currency = currency
            result.key = key
            result.end = keyEnd
        } else if let code = Self.currencyAdjectives[key],
            let (next, nextEnd) = text.word(startingAt: skipSpaces(text, from: keyEnd)),
            ["dollars", "dollar", "dolares", "pesos"].contains(next)
        {
            result.currency = Currency(codes: [code])
            result.key = next
            result.end = nextEnd
        } else {
            return result
        }
        let close = skipSpaces(text, from: result.end)
        if parenthesis, text[close] == UInt8(ascii: ")") || text[close] == UInt8(ascii: "]") { result.end = close + 1 }
        addCents(text, to: &result)
        return result
    }

    /// `49 dólares con 90 centavos`, `49 dollars and 99 cents`.
    func addCents(_ text: ScanText, to result: inout MarkerAfter) {
        guard result.currency?.divisor == 1, let key = result.key, !Self.centWords.contains(key) else { return }
        var q = skipSpaces(text, from: result.end)
        if text[q] == UInt8(ascii: ",") { q = skipSpaces(text, from: q + 1) }
        if let (word, wordEnd) = text.word(startingAt: q), ["y", "con", "and", "with"].contains(word) {
            q = skipSpaces(text, from: wordEnd)
        }
        var cents = 0
        var numberEnd = q
        if ScanText.isDigit(text[q]) {
            var k = q
            while ScanText.isDigit(text[k]) && k < q + 3 { k += 1 }
            guard k - q <= 2, !ScanText.isAlnum(text[k]) else { return }
            for m in q..<k { cents = cents * 10 + Int(text[m] &- 0x30) }
            numberEnd = k
        } else if let reading = NumberWords.read(text, at: q), reading.value < 100 {
            cents = reading.value
            numberEnd = reading.range.upperBound
        } else {
            return
        }
        guard let (unit, unitEnd) = text.word(startingAt: skipSpaces(text, from: numberEnd)),
            Self.centWords.contains(unit)
        else { return }
        result.cents = cents
        result.end = unitEnd
    }

    /// `19-99 USD`, `19 a 99 dólares`: the currency after the second number.
    func rangePartnerCurrency(
        _ text: ScanText, after end: Int, symbols: SymbolReader?
    ) -> (currency: Currency, isSymbol: Bool)? {
        var q = skipSpaces(text, from: end)
        if text[q] == UInt8(ascii: "-") {
            q = skipSpaces(text, from: q + 1)
        } else if let (word, wordEnd) = text.word(startingAt: q), Self.rangeWords.contains(word), wordEnd > q {
            q = skipSpaces(text, from: wordEnd)
            guard q > wordEnd else { return nil }
        } else {
            return nil
        }
        guard ScanText.isDigit(text[q]), MoneyNumber.starts(text, at: q, prefixes: []),
            let second = MoneyNumber.read(text, at: q, spaceGroups: false, gluedSuffixes: Self.gluedSuffixes),
            isPercentage(text, after: second.end) == nil
        else { return nil }
        let after = markerAfter(text, from: second.end, numberStart: q, glued: second.glued, symbols: symbols)
        guard let currency = after.currency else { return nil }
        return (
            Currency(
                codes: currency.codes, multiplier: currency.multiplier * after.multiplier, divisor: currency.divisor),
            after.isSymbol
        )
    }

    static let rangeWords: Set<String> = ["a", "to", "y", "o", "and", "or", "hasta", "al"]

    /// Whether only a range connector sits between `from` and `to`.
    func isRangeConnector(_ text: ScanText, from: Int, to: Int) -> Bool {
        guard from < to, to - from <= 8 else { return false }
        var q = skipSpaces(text, from: from)
        if text[q] == UInt8(ascii: "-") {
            q += 1
        } else if let (word, wordEnd) = text.word(startingAt: q), Self.rangeWords.contains(word) {
            q = wordEnd
        } else {
            return false
        }
        return skipSpaces(text, from: q) == to
    }

    // MARK: Cues and guards

    /// How the words before a number (and `nada más` after it) make it a price.
    func priceCue(_ text: ScanText, before position: Int, after end: Int) -> PriceCue {
        // Across quotes and emphasis: `cuesta “39”`, `cuesta **39**`.
        var p = position
        while p > 0 && p > position - 3 && (Self.isGap(text[p - 1]) || text[p - 1] == ScanText.other) { p -= 1 }
        let words = text.words(before: p, limit: 6)
        for word in words.prefix(5) {
            if Self.priceWords.contains(word) { return .strong }
            if !Self.fillerWords.contains(word) { break }
        }
        // Adverbs first: `a solo`, `por tan solo`, `for just`, `for a mere`.
        var k = 0
        var adverbs = 0
        while k < words.count,
            Self.cueAdverbs.contains(words[k]) || (k > 0 && words[k - 1] == "mere" && words[k] == "a")
        {
            k += 1
            adverbs += 1
        }
        if k < words.count {
            let word = words[k]
            if adverbs > 0, Self.adverbPrepositions.contains(word), word != "en" { return .verb }
            if Self.cuePrepositions.contains(word), k + 1 < words.count, Self.cueVerbs.contains(words[k + 1]) {
                return .verb
            }
            // `solo por 29`, `just for 29`.
            if adverbs == 0, ["por", "for", "a", "at"].contains(word), k + 1 < words.count,
                Self.cueAdverbs.contains(words[k + 1])
            {
                return .verb
            }
            if Self.countCues.contains(word) { return .count }
        }
        // `a partir de 29`, `starting at 29`.
        if words.count >= 3, words[0] == "de", words[1] == "partir", words[2] == "a" { return .verb }
        if words.count >= 2, words[0] == "at" || words[0] == "from", words[1] == "starting" { return .verb }
        // `as little as 29`, `as low as 29`.
        if words.count >= 3, words[0] == "as", words[1] == "little" || words[1] == "low", words[2] == "as" {
            return .verb
        }
        // `por 29 nada más`.
        if let first = words.first, ["por", "en", "a", "for"].contains(first) {
            let next = text.words(after: end, limit: 2)
            if next.first == "nomas" || next.first == "namas" || next.first == "solamente"
                || next == ["nada", "mas"] || next == ["no", "mas"]
            {
                return .verb
            }
        }
        return .none
    }

    /// `lleva 3 paga 2`, `paga 1 lleva 2`: a count in an offer after `paga`.
    func isOfferCount(_ text: ScanText, _ number: MoneyNumber) -> Bool {
        guard number.fractionDigits == 0, number.hundredths <= 2000 else { return false }
        let before = discountContext(text, before: number.range.lowerBound)
        guard let pay = before.firstIndex(where: Self.payVerbs.contains) else { return false }
        if before[(pay + 1)...].contains(where: Self.takeVerbs.contains) { return true }
        var q = skipSpaces(text, from: number.end)
        if text[q] == UInt8(ascii: ",") { q = skipSpaces(text, from: q + 1) }
        if let (word, end) = text.word(startingAt: q), word == "y" || word == "and" { q = skipSpaces(text, from: end) }
        return text.word(startingAt: q).map { Self.takeVerbs.contains($0.word) } ?? false
    }

    /// A time (`a las 10.30`, `9 am`) or a date (`el 29 de noviembre`, `November 29`).
    func isTimeOrDate(_ text: ScanText, number: MoneyNumber, cue: PriceCue) -> Bool {
        let next = text.words(after: number.end, limit: 2)
        if let first = next.first {
            if Self.monthNames.contains(first) && first != "may" { return true }
            if first == "de" || first == "of", next.count > 1, Self.monthNames.contains(next[1]) { return true }
            if ["am", "pm", "h", "hs", "hrs", "hr", "horas", "hora", "hours", "oclock"].contains(first) { return true }
        }
        // `10.30 a.m.`
        let q = skipSpaces(text, from: number.end)
        if text[q] == UInt8(ascii: "a") || text[q] == UInt8(ascii: "p"), text[q + 1] == UInt8(ascii: "."),
            text[q + 2] == UInt8(ascii: "m")
        {
            return true
        }
        let previous = text.words(before: number.range.lowerBound, limit: 1).first
        if let previous, Self.monthNames.contains(previous), previous != "may" { return true }
        let hours = number.hundredths / 100
        let minutes = number.hundredths % 100
        let looksLikeTime = hours <= 24 && minutes < 60 && (number.fractionDigits == 2 || number.fractionDigits == 0)
        guard looksLikeTime, let previous else { return false }
        if Self.timeWords.contains(previous) { return true }
        return cue != .strong && Self.englishTimeWords.contains(previous)
    }

    /// A bare number that is a rating, a version or a quantity with a unit
    /// (`rated 4.85`, `4.85 stars`, `1.25 kg`), not a price.
    func isMeasurement(_ text: ScanText, _ range: Range<Int>) -> Bool {
        if let next = text.words(after: range.upperBound, limit: 1).first, Self.unitWords.contains(next) { return true }
        return text.words(before: range.lowerBound, limit: 2).contains(where: Self.measurementCues.contains)
    }

    /// A cued number followed by a counted noun: `total de 3 artículos`,
    /// `lo tienes en 2 colores`.
    func isQuantity(_ text: ScanText, after end: Int, cue: PriceCue) -> Bool {
        guard let next = text.words(after: end, limit: 1).first else { return false }
        if Self.unitWords.contains(next) || Self.quantityNouns.contains(next) { return true }
        if Self.continuationWords.contains(next) || Self.suffixCurrencies[next] != nil { return false }
        switch cue {
        case .strong: return next.count >= 3 && next.hasSuffix("s")
        case .verb, .count: return true
        case .none: return false
        }
    }

    /// The end of a percent sign or word after a number ending at `end`.
    func isPercentage(_ text: ScanText, after end: Int) -> Int? {
        var q = end
        if ScanText.isSpace(text[q]) { q += 1 }
        if text[q] == UInt8(ascii: "%") { return q + 1 }
        guard let (word, wordEnd) = text.word(startingAt: q) else { return nil }
        switch word {
        case "percent", "porciento", "pct": return wordEnd
        case "por", "per":
            var r = wordEnd
            if ScanText.isSpace(text[r]) { r += 1 }
            if let (next, nextEnd) = text.word(startingAt: r), next == "ciento" || next == "cent" || next == "cien" {
                return nextEnd
            }
            return nil
        default: return nil
        }
    }

    // MARK: - Verdicts

    /// Catalog products the text names (name or alias, as whole words).
    func namedProducts(_ text: ScanText) -> [Product] {
        catalog.products.filter { product in
            Self.contains(text, phrase: product.name) || product.aliases.contains { Self.contains(text, phrase: $0) }
        }
    }

    /// Whether `phrase` occurs in `text` as whole words: letters and digits
    /// compared without case, a run of other characters in the phrase
    /// matching any run of them in the text (`e-book` matches `e book`).
    static func contains(_ text: ScanText, phrase: String) -> Bool {
        var phrase = phrase
        if !phrase.utf8.allSatisfy({ $0 < 0x80 }) {
            // `Plan Básico` → `plan basico`; another script cannot be in a ScanText word.
            phrase = TextNormalizer.normalize(phrase).text
            guard phrase.utf8.allSatisfy({ $0 < 0x80 }) else { return false }
        }
        return phrase.withUTF8 { p in
            var first = 0
            while first < p.count && !isWordByte(lowercase(p[first])) { first += 1 }
            guard first < p.count else { return false }
            var i = 0
            while i < text.count {
                defer { i += 1 }
                guard text[i] == lowercase(p[first]), !isWordByte(text[i - 1]) else { continue }
                var t = i
                var k = first
                var matched = true
                while k < p.count {
                    let c = lowercase(p[k])
                    if isWordByte(c) {
                        guard text[t] == c else {
                            matched = false
                            break
                        }
                        t += 1
                        k += 1
                    } else {
                        while k < p.count && !isWordByte(lowercase(p[k])) { k += 1 }
                        guard k < p.count else { break }
                        guard t < text.count, !isWordByte(text[t]) else {
                            matched = false
                            break
                        }
                        while t < text.count && !isWordByte(text[t]) { t += 1 }
                    }
                }
                if matched && !isWordByte(text[t]) { return true }
            }
            return false
        }
    }

    static func lowercase(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    static func isWordByte(_ b: UInt8) -> Bool { b &- 0x61 < 26 || b &- 0x30 < 10 }

    static func matches(_ amount: Amount, _ products: [Product]) -> Bool {
        products.contains { product in
            product.price.minorUnits == amount.hundredths
                && (amount.currencies?.contains(product.currency.code) ?? true)
        }
    }

    static func listing(_ products: [Product]) -> String {
        var seen: Set<String> = []
        let known = products.filter { seen.insert($0.id).inserted }
            .map { "\($0.name): \($0.price) \($0.currency.code)" }.joined(separator: ", ")
        return known.isEmpty ? "no product is in this conversation" : known
    }

    static func written(_ amount: Amount) -> String {
        let value = ScannedNumber.format(amount.hundredths)
        guard let currencies = amount.currencies else { return value }
        if currencies.isEmpty { return "\(value) (conflicting currencies)" }
        if currencies == usdOrMxn { return "$\(value)" }
        return "\(value) \(currencies.sorted().joined(separator: "/"))"
    }

    func priceViolations(_ text: ScanText, amounts: [Amount], products: [Product]) -> [Violation] {
        guard !amounts.isEmpty else { return [] }
        var violations: [Violation] = []
        var named: [Product]? = nil
        for amount in amounts {
            // Next to `€`, `£`, `¿`, `“`…: when no product has this price the
            // verdict does not depend on the symbol, and symbolPriceViolations
            // (which can tell `€` from `“`) reports it.
            if amount.nearOther && !Self.matches(amount, catalog.products) { continue }
            var matches = Self.matches(amount, products)
            if !matches {
                if named == nil { named = namedProducts(text) }
                matches = Self.matches(amount, named!)
            }
            if amount.currencies != nil && matches { continue }
            if named == nil { named = namedProducts(text) }
            let context = Self.listing(products + named!)
            let range = text.originalRange(amount.span)
            if amount.currencies != nil {
                violations.append(
                    Violation(
                        code: "price_mismatch",
                        message:
                            "price \(Self.written(amount)) is not the catalog price of a product in this conversation (\(context))",
                        start: range.lowerBound, end: range.upperBound))
            } else if matches {
                violations.append(
                    Violation(
                        code: "price_without_currency",
                        message: "price \(Self.written(amount)) is written without a currency (\(context))",
                        severity: Violation.warn, start: range.lowerBound, end: range.upperBound))
            } else {
                violations.append(
                    Violation(
                        code: "price_mismatch",
                        message:
                            "price \(Self.written(amount)) is not the catalog price of a product in this conversation (\(context))",
                        start: range.lowerBound, end: range.upperBound))
            }
        }
        return violations
    }

    /// Amounts next to a symbol outside ASCII (`€29`, `29 £`, `“39.00”`).
    /// Called from `discountViolations`, the one check that receives the text
    /// as written (ScanText folds every such symbol to one byte). It does not
    /// see the conversation's products, so:
    /// - an amount whose number is no catalog price is reported here (the
    ///   verdict is `price_mismatch` whatever the products; priceViolations
    ///   leaves it out), with its currency symbol when it has one;
    /// - an amount with a currency symbol whose number is a catalog price
    ///   passes only when it is the price of a product the text names (in
    ///   that currency); priceViolations has also judged the bare number.
    func symbolPriceViolations(_ text: ScanText, original: String) -> [Violation] {
        // Cheap exit: an "other" byte within three places of a digit.
        var candidate = false
        for k in text.bytes.indices where text.bytes[k] == ScanText.other {
            if ((k - 3)...(k + 3)).contains(where: { ScanText.isDigit(text[$0]) }) {
                candidate = true
                break
            }
        }
        guard candidate else { return [] }
        let plain = scanAmounts(text)
        let deferred = plain.filter { $0.nearOther && !Self.matches($0, catalog.products) }
        let symbols = SymbolReader(text, original: original)
        let withSymbols = scanAmounts(text, symbols: symbols).filter(\.symbol)
        guard !deferred.isEmpty || !withSymbols.isEmpty else { return [] }
        let named = namedProducts(text)
        var reported: [Amount] = []
        for amount in deferred {
            if let symbol = withSymbols.first(where: { $0.digits.overlaps(amount.digits) }) {
                if !reported.contains(where: { $0.span == symbol.span }) && !Self.matches(symbol, named) {
                    reported.append(symbol)
                }
            } else {
                reported.append(amount)
            }
        }
        for amount in withSymbols where !Self.matches(amount, named) {
            guard !deferred.contains(where: { $0.digits.overlaps(amount.digits) }) else { continue }
            reported.append(amount)
        }
        return reported.map { amount in
            let range = text.originalRange(amount.span)
            return Violation(
                code: "price_mismatch",
                message:
                    "price \(Self.written(amount)) is not the catalog price of a product in this conversation (\(Self.listing(named)))",
                start: range.lowerBound, end: range.upperBound)
        }
    }
}
