extension DecisionService {
    /// Asks the generative providers for what `need` says (a decision that
    /// deferred for AI wording): every text goes through the validator and
    /// a refused one is re-asked with its violations. Never throws: a failure
    /// is a fallback the decision records. Waits on the network, bounded by
    /// `ai.deadline`: call it outside any lock, then decide again with the
    /// result as `prepared`.
    public func word(_ need: WordingNeed) async -> PreparedWording? {
        guard let gateway else { return nil }
        let snapshot = self.snapshot
        let validator = snapshot.pipeline.components.validator
        let generation = await gateway.generate(
            need.prompt, deadline: snapshot.deployment.configuration.ai.deadline.duration
        ) { text in
            let result = try? validator.validate(text, products: need.products, context: need.context)
            return
                (result?.violations ?? [
                    Violation(code: "validator_failed", message: "the validator failed", start: 0, end: 0)
                ])
                .filter { $0.severity == Violation.block }
        }
        return PreparedWording(
            rule: need.rule, template: need.template, product: need.product, language: need.language,
            generation: generation, prompt: need.prompt)
    }
}
