import SellifyCore
import Testing

/// Links and phone numbers written to slip past the validator, and ordinary
/// texts that must not read as either (shipped deployment: allowed domain
/// `sellify.example`, no phone numbers).
struct LinkAndPhoneEvasionTests {
    let validator: TextValidator

    init() throws {
        let shipped = try ValidationTests.shipped.get()
        validator = shipped.validator
    }

    func codes(_ text: String) throws -> [String] {
        try validator.validate(text, products: [], context: nil).violations.map(\.code)
            .filter { $0 == "url_not_allowed" || $0 == "phone_not_allowed" }
    }

    /// The texts a violation of `code` points at.
    func spans(_ text: String, _ code: String) throws -> [String] {
        let characters = Array(text)
        return try validator.validate(text, products: [], context: nil).violations
            .filter { $0.code == code }
            .map { String(characters[$0.start..<$0.end]) }
    }

    // MARK: - Links

    @Test(arguments: [
        // Userinfo: the host is after the last `@` before `/ ? # \`.
        "https://evil.com?@sellify.example",
        "https://evil.com#@sellify.example",
        "https://evil.com\\@sellify.example",
        "https://evil.com/@sellify.example",
        "https://sellify.example@evil.com",
        "https://sellify.example:pw@evil.com/login",
        "https://user@sellify.example@evil.com",
        "https://sellify.example%40evil.com@evil.com",
        "https://sellify.example:8080@evil.com",
        "https://sellify.example%2F@evil.com",
        // Missing or backward slashes.
        "https:/evil.com",
        "https:evil.com",
        "https:\\\\evil.com",
        "https:///evil.com",
        "https:// evil.com",
        "Entra a http:evil.zzz ya",
        // Other dots.
        "https://evil。com",
        "evil｡com",
        "evil．com",
        "evil。com/pago",
        "https://evil｡zzz/x",
        "evil․com",
        "evil\u{200B}.com",
        // Other schemes.
        "ftp://files.sellify.example/x",
        "ftp://evil.com/x",
        "ws://evil.com/socket",
        "wss://sellify.example/socket",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "whatsapp://send?phone=5215512345678",
        "myapp://evil",
        "hxxps://evil.com/x",
        // Case and width.
        "HTTPS://EVIL.COM",
        "Visita ＥＶＩＬ.ＣＯＭ hoy",
        // IP literals.
        "http://192.168.0.1/",
        "http://[::1]/",
        "http://3232235521/",
        "http://0xC0A80001/",
        "http://127.1/",
        "Entra a 192.168.0.1 ahora",
        // Percent-encoded, malformed and trailing-dot hosts.
        "https://%65vil.com",
        "https://sellify.example%2eevil.com/",
        "http://evil.com%2F.sellify.example",
        "https://sellify.example:evil.com",
        "https://sellify..example",
        "https://evil.com./",
        "evil.com.",
        // Suffix and prefix tricks.
        "sellify.example.evil.com",
        "https://sellify.example.evil.com/login",
        "sellify.example.evil.zzz",
        "evilsellify.example",
        "https://evilsellify.example/",
        "ventas@sellify.example.evil.com",
        "ventas@evil.com",
        "https://sellify.example😊.evil.com",
        "Compra en amazon.com.mx",
        "[sellify.example](https://evil.com)",
        "[evil.com](https://sellify.example)",
        "mailto:ventas@evil.com",
        // Look-alike (IDN) hosts: folding drops accents and maps ı to i, a browser does not.
        "https://sellıfy.example",
        "https://sellífy.example/checkout",
        "Visita sellífy.example",
        "ventas@sellífy.example",
        "https://ѕellify.example",
        "https://xn--sellify-9za.example",
        "xn--80ak6aa92e.com",
        // Shorteners and bare domains with a path.
        "goo.gl/x",
        "is.gd/x",
        "t.co/x",
        "tinyurl.com/x",
        "bit.ly/abc",
        "wa.me/5215512345678",
        "evil.zzz/pago",
        "evil.zzz:8080",
        "Mira youtu.be/abc",
        "cutt.ly/abc",
        "rb.gy/abc",
        "//evil.zzz/x",
        // ccTLDs and gTLDs without a path.
        "Visita evil.gd",
        "Visita evil.tk",
        "Visita evil.shop",
        "Visita evil.online",
        "Visita evil.xyz",
        "Visita evil.mx",
        "Visita evil.lat",
        "Visita evil.xn--p1ai",
        "Visita evil.сom",
        "Visita www.evil.zzz",
        "...evil.com",
        "Escribe a visitaevil.com",
        // Split dots.
        "evil . com",
        "evil .com",
        "evil. com",
        "evil dot com",
        "evil punto com",
        "evil[.]com",
        "evil(.)com",
        "evil{.}com",
        "evil [.] com",
        "evil[dot]com",
        "evil (punto) com",
        "evil[.]zzz",
        "evil • com",
        "evil•com",
        "evil·com",
        "www . evil . net",
        "evil.com . sellify.example",
        "evil.com [.] sellify.example",
    ])
    func catchesLinkEvasions(text: String) throws {
        #expect(try codes(text).contains("url_not_allowed"), "\(text)")
    }

    @Test(arguments: [
        "https://sellify.example/checkout",
        "https://cdn.sellify.example/img/a.jpg",
        "HTTPS://SELLIFY.EXAMPLE/CHECKOUT",
        "https://sellify.example:443/checkout?x=1#top",
        "https://sellify.example./checkout",
        "http://sellify.example",
        "Visita sellify.example",
        "Visita sellify.example.",
        "Visita www.sellify.example/help",
        "(https://sellify.example)",
        "[Compra aquí](https://sellify.example/checkout).",
        "<https://sellify.example>",
        "¿Ya viste sellify.example?",
        "https://sellify。example/checkout",
        "https://ｓｅｌｌｉｆｙ．ｅｘａｍｐｌｅ/checkout",
        "mailto:ventas@sellify.example",
        // A backslash ends the host (browsers go to sellify.example, path /.evil.com).
        "https://sellify.example\\.evil.com",
        "Entra a https://sellify.example/ofertas?utm=1, te encantará",
        "Usa el código ABC123 en sellify.example",
        "Mándanos un correo a ventas@sellify.example.",
        "Gracias. Su pedido llega mañana",
        "Thanks. Shop now and save",
        "Envío gratis • Club de clientes",
        "Hola. ¿Cómo estás?",
        "Escríbenos al WS:5512345678",
        "Escríbenos a ventas@sellify.example o a soporte@cdn.sellify.example",
        "Gracias.Te esperamos",
        "Abrimos a las 10.30",
        "Total de 3 artículos en tu carrito",
        "El Plan Premium cuesta 49.00 USD",
        "v1.2 del producto",
        "Versión 1.2.3.4 del producto",
        "Plan Ahead with our app",
        "Descarga la app. Info en la tienda",
        "Listo. Es todo por hoy",
        "Hola👋Juan, ¿cómo estás?",
        "Precio: 1,299.00 MXN. Envío 24/7.",
        "e.g. v2.0 or file.pdf or gracias.saludos",
        "Nota: http es el protocolo",
        "JavaScript: es un lenguaje",
        "Data: 5 GB al mes",
        "Síguenos en @sellify.oficial",
        "Tallas S/M/L y 3.5 mm",
        "Av.Reforma 123, Col.Centro",
        "See the dot com era",
        "Usa el punto de venta",
        "Llámanos de 9:00 a 18:00",
        "Catálogo en video.mov y fotos.zip",
    ])
    func keepsLegitimateTextsFree(text: String) throws {
        #expect(try codes(text).filter { $0 == "url_not_allowed" }.isEmpty, "\(text)")
    }

    @Test func pointsAtTheWholeLinkAndExplainsTheScheme() throws {
        #expect(
            try spans("Paga en https://evil.com?@sellify.example ya", "url_not_allowed")
                == ["https://evil.com?@sellify.example"])
        #expect(try spans("Ve a evil [.] com hoy", "url_not_allowed") == ["evil [.] com"])
        #expect(try spans("Ve a evil。com/pago.", "url_not_allowed") == ["evil。com/pago"])
        let text = "ftp://sellify.example/x"
        let violation = try #require(try validator.validate(text, products: [], context: nil).violations.first)
        #expect(violation.message.contains("scheme 'ftp'"))
    }

    // MARK: - Phones

    @Test(arguments: [
        "55/1234/5678",
        "55·1234·5678",
        "55•1234•5678",
        "55 1234 5678",
        "55_1234_5678",
        "55*1234*5678",
        "55**1234**5678",
        "55~1234~5678",
        "55|1234|5678",
        "55–1234–5678",
        "55📞1234📞5678",
        "55 🔥 1234 🔥 5678",
        "55\n1234\n5678",
        "55:1234:5678",
        "55.12.34.56.78",
        "01.02.03.04.05",
        "٥٥١٢٣٤٥٦٧٨",
        "۵۵۱۲۳۴۵۶۷۸",
        "५५१२३४५६७८",
        "５５１２３４５６７８",
        "𝟓𝟓𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖",
        "5️⃣5️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣",
        "❺❺①②③④⑤⑥⑦⑧",
        "llama al5512345678",
        "llámanos5512345678",
        "tel:5512345678",
        "tel:+525512345678",
        "sms:5512345678",
        "Escríbenos al WS:5512345678",
        "55,1234,5678",
        "55;1234;5678",
        "Llama al #5512345678",
        "55-12-34-56-78",
        "5️⃣5️⃣ 1234 5678",
        "5512345678ya",
        "Llama al 55 1234 5678 ya",
        "+52 (55) 1234-5678",
        "cinco cinco uno dos tres cuatro cinco seis siete ocho",
        "five five one two three four five six seven eight",
        "cinco cinco 1234 5678",
        "cinco, cinco, uno, dos, 3456 78",
        "Mi número es 55 1234 5678",
        "mi número: 5512345678",
        "29/11/2026 5512345678",
        "55 2012-2034",
        "5512 3456 78",
    ])
    func catchesPhoneEvasions(text: String) throws {
        #expect(try codes(text).contains("phone_not_allowed"), "\(text)")
    }

    @Test(arguments: [
        "Entrega el 2026-11-29",
        "Entrega el 29/11/2026",
        "Entrega el 29.11.2026 a las 10:30",
        "Del 01/12/2026 - 15/12/2026",
        "Del 2026-12-01 al 2026-12-15",
        "29/11/2026 10:30",
        "Abrimos de 9:00-18:00 y de 10:30:00 a 14:00:00",
        "Tu pedido #12345678 va en camino",
        "Tu pedido # 12345678 va en camino",
        "pedido 87654321",
        "pedido no. 87654321",
        "número de pedido: 87654321",
        "Guía de rastreo 1234567890123",
        "Tracking: 1Z999AA10123456784",
        "El Plan Premium cuesta 49.00 USD",
        "Precio $12345678.90",
        "Total 12.345.678 €",
        "Total 1,299.00 - 1,499.00 MXN",
        "Soporte 24/7",
        "Compra 3 y llévate 2",
        "Modelos 2024-2026",
        "Temporada 2025/26",
        "SKU AB12345678",
        "Código XR2000-4K",
        "Abrimos a las 10.30",
        "Total de 3 artículos en tu carrito",
        "Tenemos uno, dos o tres modelos",
        "v1.2 del producto",
        "10.30-14.30",
        "De 10.30 a 14.30 y 16.00 - 20.00",
        "Horario 10:30-14:30 y 16:00-20:00",
        "Son 1,299 y 49,00 y 2019, 2020, 2021",
        "Son 12,345,678 usuarios",
        "Años 2020 2021 2022",
        "Pedido 1234 del 29/11/2026 a las 10:30",
        "Precio: 1.299 €, 2 unidades",
        "Paga $1,299.00 MXN hoy",
        "Pedidos #12345678, #87654321",
        "Entregas en 24-48 h",
        "Visita sellify.example/p/12345678",
    ])
    func keepsLegitimateNumbersFree(text: String) throws {
        #expect(try codes(text).filter { $0 == "phone_not_allowed" }.isEmpty, "\(text)")
    }

    @Test func allowedNumbersPassInAnyScript() throws {
        let shipped = try ValidationTests.shipped.get()
        var account = shipped.loaded.configuration.account
        account.phoneNumbers = ["+52 55 1234 5678"]
        let validator = TextValidator(
            rules: shipped.rules, catalog: shipped.catalog, validation: shipped.loaded.configuration.validation,
            account: account)
        for text in ["Llama al ٥٥١٢٣٤٥٦٧٨", "tel:+525512345678", "55•1234•5678", "55/1234/5678"] {
            #expect(try validator.validate(text, products: [], context: nil).valid, "\(text)")
        }
        let text = "Llama al ٥٥١٢٣٤٥٦٧٩ hoy"
        let violation = try #require(try validator.validate(text, products: [], context: nil).violations.first)
        #expect(violation.code == "phone_not_allowed")
        #expect(String(Array(text)[violation.start..<violation.end]) == "٥٥١٢٣٤٥٦٧٩")
    }

    @Test func reportsEveryNumber() throws {
        #expect(
            try spans("Llámanos al 5512345678 o al +52 55 8765 4321.", "phone_not_allowed")
                == ["5512345678", "+52 55 8765 4321"])
        #expect(try spans("Llama al55•1234•5678 hoy", "phone_not_allowed") == ["55•1234•5678"])
    }

    @Test func linkDigitsAreNotPhoneNumbers() throws {
        #expect(try codes("Escríbenos: wa.me/5215512345678") == ["url_not_allowed"])
        #expect(try codes("Ver https://sellify.example/p/5512345678") == [])
        #expect(try codes("Ver https://sellify.example/p/٥٥١٢٣٤٥٦٧٨") == [])
    }
}
