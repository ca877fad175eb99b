extension DecisionService {
    /// The system prompt when `rules/ai_prompt.md` is absent.
    public static let defaultSystemPrompt = """
        You are the sales assistant of an online shop, writing in a chat. Be warm, brief and exact.
        Use only the catalog facts you are given: their exact product names and prices. Never invent a
        product, a price, a discount, a delivery date or a promise. If you do not know, say a person
        will confirm it in this chat.
        """

    /// Asks the generative providers for the wording of `event`'s answer when
    /// the rules want it (`wording = "ai"`): a preview of the decision on the
    /// current state says which rule, template, product and language; the
    /// prompt holds only the system prompt, the rule's brief, the customer's
    /// message and those products' catalog facts; the text goes through the
    /// validator (re-asked with its violations). Nil when no AI wording is
    /// wanted or no provider is configured. Never throws: a failure is a
    /// fallback the decision records. Call it before `decide(_:prepared:)`,
    /// outside any lock — it waits on the network, bounded by `ai.deadline`.
    public func prepareWording(_ event: MessageEvent, at decidedAt: Timestamp) async -> PreparedWording? {
        guard let gateway else { return nil }
        let snapshot = self.snapshot
        let pipeline = snapshot.pipeline
        let windows = pipeline.components.configuration.quotaCalendar.windows(at: decidedAt)
        guard
            var state = try? store.state(
                conversationID: event.conversationID, counters: pipeline.quota.counters(windows))
        else { return nil }
        pipeline.sequencer.overlay(&state, conversationID: event.conversationID)
        state.sentThisSecond = pipeline.sequencer.sent(inSecond: decidedAt.second)
        let (request, decision, _) = pipeline.evaluate(event, at: decidedAt, state: state)
        guard let policy = request.verdict.policy, policy.wantsAI, decision.action == .respondText,
            let template = request.verdict.template, let brief = policy.brief
        else { return nil }
        let deployment = snapshot.deployment
        let language =
            request.language ?? request.classification?.language ?? deployment.rules.intents.defaultLanguage
        let products = request.contextProducts
        let prompt = GroundedPrompt.build(
            system: deployment.rules.aiPrompt ?? Self.defaultSystemPrompt, brief: brief, message: request.messageText,
            language: language, products: products)
        let validator = pipeline.components.validator
        let context = request.verdict.context
        let generation = await gateway.generate(prompt, deadline: deployment.configuration.ai.deadline.duration) {
            text in
            let result = try? validator.validate(text, products: products, context: context)
            return
                (result?.violations ?? [
                    Violation(code: "validator_failed", message: "the validator failed", start: 0, end: 0)
                ])
                .filter { $0.severity == Violation.block }
        }
        return PreparedWording(
            rule: request.verdict.rule, template: template, product: request.verdict.product?.id, language: language,
            generation: generation, prompt: prompt)
    }
}
