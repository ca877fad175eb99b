public import SellifyLua

/// Built-in `decide(ctx)` inputs that `sellify check` runs against the rules:
/// every kind of message the default policy distinguishes, so a rule that
/// returns something the host cannot use is caught before it serves traffic.
public enum SampleContexts {
    public struct Sample: Sendable {
        public var name: String
        public var context: LuaValue
    }

    /// `faq`: the ids of `rules/faq.yaml`; the first is asked about in a sample.
    public static func all(catalog: Catalog, configuration: SellifyConfiguration, faq: [String] = []) -> [Sample] {
        let limits = configuration.quotas.limits
        let product = catalog.products.first { $0.inStock && !$0.images.isEmpty } ?? catalog.products.first
        let products: [Product] = product.map { [$0] } ?? []
        func sample(
            _ name: String, text: String, intent: IntentName, language: String = "en", type: String = "text",
            media: MediaKind? = nil, products: [Product] = products, state: String = "new",
            used: Int = 0, cooldown: Bool = false, faq: String? = nil, quantity: Int? = nil
        ) -> Sample {
            var classification = Classification(
                intent: intent, mediaRequest: media, language: language, products: products)
            classification.faq = faq
            classification.quantity = quantity
            return Sample(
                name: name,
                context: context(
                    text: text, type: type, classification: classification, state: state, limits: limits, used: used,
                    cooldown: cooldown, configuration: configuration))
        }
        let inStock = catalog.products.filter(\.inStock)
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
            sample(
                "price of several products", text: "how much are they?", intent: .priceQuestion,
                products: Array(inStock.prefix(2))),
            sample("quantity", text: "3 of them please", intent: .other, quantity: 3),
        ]
            + faq.prefix(1).map { id in
                sample("faq question", text: "a common question", intent: .other, products: [], faq: id)
            }
    }

    /// The ctx the pipeline would build for such a message: the same
    /// `DecisionRequest.luaContext` the decision stage uses, so the samples
    /// can never drift from the real shape.
    static func context(
        text: String, type: String, classification: Classification, state: String, limits: QuotaLimits, used: Int,
        cooldown: Bool, configuration: SellifyConfiguration
    ) -> LuaValue {
        let calendar = configuration.quotaCalendar
        let quota = QuotaEngine(limits: limits, calendar: calendar, warnRatio: configuration.quotas.warnRatio)
        let at = Timestamp(rfc3339: "2026-11-29T20:15:00Z")!
        let windows = calendar.windows(at: at)
        let usage = [quota.key(.messagesToday, windows): used, quota.key(.messagesWeek, windows): used]
        var conversation = ConversationRecord(id: "sample:1", state: state, inboundCount: 1)
        if cooldown {
            conversation.lastOutboundAt = Timestamp(milliseconds: at.milliseconds - 1000)
            conversation.recentReplies = [conversation.lastOutboundAt!]
        }
        let event = MessageEvent(
            conversationID: "sample:1", messageID: "sample-1", type: MessageType(rawValue: type) ?? .text, text: text,
            receivedAt: at)
        var request = DecisionRequest(
            event: event, decidedAt: at, calendar: calendar,
            stored: StoredState(conversation: conversation, usage: usage),
            conversation: conversation)
        request.normalized = TextNormalizer.normalize(text)
        request.classification = classification
        request.quota = quota.status(usage: usage, windows)
        request.cooldown = RateLimitEngine(configuration: configuration.conversation.cooldown).status(
            of: conversation, at: at)
        return request.luaContext(account: configuration.account)
    }
}
