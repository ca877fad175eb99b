/// The prompt of an AI-worded answer, built by the host from four things
/// only: the operator's system prompt (`rules/ai_prompt.md`), the rule's
/// brief, the customer's message, and the catalog facts of the products in
/// the decision's context (name, price, currency, stock, facts) in the
/// conversation's language. No other source of truth reaches the model.
public enum GroundedPrompt {
    /// The system prompt when `rules/ai_prompt.md` is absent.
    public static let defaultSystemPrompt = """
        You are the sales assistant of an online shop, writing in a chat. Be warm, brief and exact.
        Use only the catalog facts you are given: their exact product names and prices. Never invent a
        product, a price, a discount, a delivery date or a promise. If you do not know, say a person
        will confirm it in this chat.
        """

    /// The languages' names the prompt asks for (others are named by code).
    static let languageNames = ["es": "Spanish", "en": "English", "pt": "Portuguese", "fr": "French"]

    public static func build(
        system: String, brief: String, message: String, language: String, products: [Product]
    ) -> ChatPrompt {
        var facts = ""
        for product in products {
            facts += "- \(product.name(in: language)): \(product.price) \(product.currency.code)"
            facts += product.inStock ? ", in stock" : ", out of stock"
            for fact in product.facts(in: language) { facts += "\n  - \(fact)" }
            facts += "\n"
        }
        if facts.isEmpty { facts = "(no product: name none and quote no price)\n" }
        let languageName = languageNames[language] ?? language
        let user = """
            Customer's message:
            \(message)

            Catalog facts (the only facts you may use):
            \(facts)
            Task: \(brief)
            Answer in \(languageName), in at most three short sentences, as the shop's assistant.
            """
        return ChatPrompt(messages: [ChatMessage(.system, system), ChatMessage(.user, user)])
    }

    /// The follow-up after a text the validator refused: every violation
    /// spelled out, then the same task again.
    public static func reask(_ violations: [Violation]) -> String {
        var text = "Your answer cannot be sent:\n"
        for violation in violations { text += "- \(violation.message)\n" }
        text += "Write the answer again. Use only the catalog facts above, with their exact names and prices."
        return text
    }
}
