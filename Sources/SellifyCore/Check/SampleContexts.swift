public import SellifyLua

/// Built-in `decide(ctx)` inputs that `sellify check` runs against the rules:
/// every kind of message the default policy distinguishes, so a rule that
/// returns something the host cannot use is caught before it serves traffic.
public enum SampleContexts {
    public struct Sample: Sendable {
        public var name: String
        public var context: LuaValue
    }

    public static func all(catalog: Catalog, configuration: SellifyConfiguration) -> [Sample] {
        let limits = configuration.quotas.limits
        let product = catalog.products.first { $0.inStock && !$0.images.isEmpty } ?? catalog.products.first
        let products: [Product] = product.map { [$0] } ?? []
        func sample(
            _ name: String, text: String, intent: IntentName, language: String = "en", type: String = "text",
            media: MediaKind? = nil, products: [Product] = products, state: String = "new",
            used: Int = 0, cooldown: Bool = false
        ) -> Sample {
            Sample(name: name, context: context(
                text: text, intent: intent, language: language, type: type, media: media, products: products,
                state: state, limits: limits, used: used, cooldown: cooldown, configuration: configuration))
        }
        return [
            sample("greeting", text: "hola", intent: .greeting, language: "es", products: []),
            sample("price question", text: "how much is it?", intent: .priceQuestion),
            sample("price question without a product", text: "how much?", intent: .priceQuestion, products: []),
            sample("product question", text: "que incluye?", intent: .productQuestion, language: "es"),
            sample("purchase intent", text: "lo quiero", intent: .purchaseIntent, language: "es"),
            sample("image request", text: "send me a photo", intent: .productQuestion, media: .image),
            sample("video request", text: "send me a video", intent: .productQuestion, media: .video),
            sample("complaint", text: "it does not work", intent: .complaint),
            sample("human request", text: "quiero hablar con una persona", intent: .humanRequest, language: "es"),
            sample("opt-out", text: "stop", intent: .optOut),
            sample("sticker", text: "", intent: .other, type: "sticker", products: []),
            sample("other", text: "asdf", intent: .other, products: []),
            sample("quota exhausted", text: "how much is it?", intent: .priceQuestion, used: limits.messagesPerDay),
            sample("cooldown", text: "how much is it?", intent: .priceQuestion, cooldown: true),
        ]
    }

    /// A ctx in the shape the pipeline builds (docs/rules.md lists the fields).
    static func context(
        text: String, intent: IntentName, language: String, type: String, media: MediaKind?, products: [Product],
        state: String, limits: QuotaLimits, used: Int, cooldown: Bool, configuration: SellifyConfiguration
    ) -> LuaValue {
        func window(_ used: Int, _ limit: Int) -> LuaValue {
            .fields(["used": .integer(used), "limit": .integer(limit), "remaining": .integer(max(0, limit - used))])
        }
        return .fields([
            "event": .fields([
                "conversation_id": "sample:1", "message_id": "sample-1", "type": .string(type),
                "text": .string(text), "normalized": .string(text.lowercased()),
                "received_at": "2026-11-29T20:15:00Z", "local_date": "2026-11-29", "local_time": "14:15",
                "weekday": 7,
            ]),
            "intent": .string(intent.rawValue),
            "language": .string(language),
            "media_request": media.map { .string($0.rawValue) } ?? .nil,
            "products": .array(products.map { product in
                .fields([
                    "id": .string(product.id), "name": .string(product.name), "price": .number(product.price.doubleValue),
                    "currency": .string(product.currency.code), "in_stock": .bool(product.inStock),
                    "images": .integer(product.images.count), "videos": .integer(product.videos.count),
                ])
            }),
            "conversation": .fields([
                "state": .string(state), "opted_out": false, "inbound_count": 1, "reply_count": 0,
                "seconds_since_last_reply": cooldown ? 1 : .nil,
            ]),
            "quota": .fields([
                "messages_today": window(used, limits.messagesPerDay),
                "messages_week": window(used, limits.messagesPerWeek),
                "images_today": window(0, limits.imagesPerDay),
                "videos_week": window(0, limits.videosPerWeek),
            ]),
            "cooldown": .fields([
                "active": .bool(cooldown), "seconds_left": .integer(cooldown ? 2 : 0),
                "replies_last_hour": 0, "max_replies_per_hour": .integer(configuration.conversation.cooldown.maxRepliesPerHour),
            ]),
            "account": .fields(["id": .string(configuration.account.id), "name": .string(configuration.account.name)]),
        ])
    }
}
