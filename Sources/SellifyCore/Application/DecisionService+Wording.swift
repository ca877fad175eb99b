/// `POST /api/v1/generate`: a template worded by the provider for a product.
public struct GenerationRequest: Sendable {
    public var template: String
    public var productID: String?
    /// nil: the rules' default language.
    public var language: String?
    /// With a brief the generative providers (`ai.providers`) word the text,
    /// grounded in the product's catalog facts; the template answers when
    /// no text of theirs passes. Without one, the template is the text.
    public var brief: String?
    /// The customer's message the text answers (part of the prompt).
    public var message: String?
    public init(
        template: String, productID: String? = nil, language: String? = nil, brief: String? = nil,
        message: String? = nil
    ) {
        self.template = template
        self.productID = productID
        self.language = language
        self.brief = brief
        self.message = message
    }
}

public struct Generation: Sendable {
    public var text: String
    public var template: String
    public var language: String
    public var provider: String
    /// Texts asked for: the providers' (re-asks included) and the template's.
    public var attempts: Int
    public var product: Product?
    /// `ai` (a generative provider's text) or `template`.
    public var wording = "template"
    /// Why the template answered a request with a brief.
    public var fallback: AIGeneration.Fallback?
}

extension DecisionService {
    /// Resolves product ids of a request against the snapshot's catalog.
    func products(_ ids: [String], field: String, snapshot: EngineSnapshot) throws(ServiceError) -> [Product] {
        var products: [Product] = []
        for id in ids {
            guard let product = snapshot.deployment.catalog.product(id: id) else {
                throw .invalidField(field, "unknown product '\(id)'")
            }
            products.append(product)
        }
        return products
    }

    /// Checks a caller's text against the catalog and the rules, and audits
    /// the check (the text sealed). `by` names the caller (an API key).
    public func validate(
        _ text: String, productIDs: [String], by caller: String
    )
        throws(ServiceError) -> (result: ValidationResult, products: [Product])
    {
        let snapshot = self.snapshot
        let products = try products(productIDs, field: "product_ids", snapshot: snapshot)
        let result = try check(text, products: products, snapshot: snapshot, source: .request)
        var summary = JSONObjectWriter()
        summary["valid"] = .bool(result.valid)
        summary["violations"] = .array(result.violations.map { .string($0.code) })
        summary["product_ids"] = .array(products.map { .string($0.id) })
        summary["by"] = .string(caller)
        var sensitive = JSONObjectWriter()
        sensitive["text"] = .string(text)
        try appendAudit([
            AuditEntry(
                kind: "validation", at: clock.now(), conversationID: nil, messageID: nil, summary: summary.string,
                rulesVersion: snapshot.rulesVersion, sensitive: sensitive.string)
        ])
        return (result, products)
    }

    /// The check alone, unaudited (`sellify validate`, an offline tool).
    public func check(_ text: String, productIDs: [String]) throws(ServiceError) -> ValidationResult {
        let snapshot = self.snapshot
        let products = try products(productIDs, field: "product_ids", snapshot: snapshot)
        return try check(text, products: products, snapshot: snapshot, source: .request)
    }

    func check(
        _ text: String, products: [Product], snapshot: EngineSnapshot, source: ValidationSource
    )
        throws(ServiceError) -> ValidationResult
    {
        let result: ValidationResult
        do {
            result = try snapshot.validator.validate(text, products: products, context: nil)
        } catch {
            throw ServiceError(.unprocessable, "rule_error", "the validation rules failed: \(error)")
        }
        notify(.validated(result, source: source))
        return result
    }

    /// The template, product and language a generation request names,
    /// checked against the snapshot (unknown ones are 400s naming the field).
    func resolve(
        _ request: GenerationRequest, snapshot: EngineSnapshot
    ) throws(ServiceError) -> (product: Product?, language: String) {
        let product = try request.productID.map { id throws(ServiceError) in
            try products([id], field: "product_id", snapshot: snapshot)[0]
        }
        let language = request.language ?? snapshot.wording.defaultLanguage
        guard let variants = snapshot.deployment.rules.templates.texts[request.template] else {
            throw .invalidField("template", "unknown template '\(request.template)' (see rules/templates.yaml)")
        }
        guard variants[language] != nil else {
            throw .invalidField(
                "language",
                "template '\(request.template)' has no '\(language)' text (it has \(variants.keys.sorted().joined(separator: ", ")))"
            )
        }
        return (product, language)
    }

    /// Asks the generative providers for the text of a request with a
    /// brief: the prompt holds the system prompt (`rules/ai_prompt.md`), the
    /// brief, the customer's message and the product's catalog facts; every
    /// text goes through the validator and is re-asked with its violations.
    /// Nil without a brief. Waits on the network (bounded by `ai.deadline`):
    /// call it outside any lock, then `generate(_:prepared:by:)`.
    public func prepareGeneration(_ request: GenerationRequest) async throws(ServiceError) -> PreparedWording? {
        guard let brief = request.brief else { return nil }
        let snapshot = self.snapshot
        let (product, language) = try resolve(request, snapshot: snapshot)
        guard let gateway else {
            throw ServiceError(
                .unprocessable, "no_generative_provider",
                "a brief asks a generative provider for the text, and ai.providers lists none")
        }
        let products = product.map { [$0] } ?? []
        let prompt = GroundedPrompt.build(
            system: snapshot.deployment.rules.aiPrompt ?? GroundedPrompt.defaultSystemPrompt, brief: brief,
            message: request.message ?? "(none: write the text for the shop to send)", language: language,
            products: products)
        let validator = snapshot.validator
        let generation = await gateway.generate(
            prompt, deadline: snapshot.deployment.configuration.ai.deadline.duration
        ) { text in
            let result = try? validator.validate(text, products: products, context: nil)
            return
                (result?.violations ?? [
                    Violation(code: "validator_failed", message: "the validator failed", start: 0, end: 0)
                ]).filter { $0.severity == Violation.block }
        }
        return PreparedWording(
            rule: "", template: request.template, product: product?.id, language: language, generation: generation,
            prompt: prompt)
    }

    /// The text of `request`: the generative providers' when `prepared`
    /// holds one that passed (`prepareGeneration`), else the template
    /// (`ai.provider`) checked by the validator — asked again up to
    /// `ai.max_reasks` times while it gives a new text. Every attempt is
    /// audited. Still invalid: 422 `validation_failed`.
    public func generate(
        _ request: GenerationRequest, prepared: PreparedWording? = nil, by caller: String
    ) throws(ServiceError) -> Generation {
        let snapshot = self.snapshot
        let wording = snapshot.wording
        let (product, language) = try resolve(request, snapshot: snapshot)
        var asked = 0
        if let prepared {
            try appendAudit([
                prepared.auditEntry(
                    conversationID: nil, messageID: nil, at: clock.now(), used: prepared.text != nil, by: caller)
            ])
            asked = prepared.attempts.filter { $0.status == "ok" }.count
            if let text = prepared.text, let provider = prepared.provider {
                return Generation(
                    text: text, template: request.template, language: language, provider: provider,
                    attempts: asked, product: product, wording: "ai")
            }
        }
        let attempts = snapshot.deployment.configuration.ai.maxReasks + 1
        var last: (text: String, result: ValidationResult)?
        for attempt in 1...attempts {
            let started = ContinuousClock.now
            let text: String
            do {
                text = try wording.word(
                    WordingRequest(template: request.template, language: language, product: product))
                notify(
                    .worded(
                        WordingAttempt(
                            provider: wording.name, ok: true, seconds: (ContinuousClock.now - started).seconds)))
            } catch {
                notify(
                    .worded(
                        WordingAttempt(
                            provider: wording.name, ok: false, seconds: (ContinuousClock.now - started).seconds)))
                throw ServiceError(.unprocessable, "generation_failed", error.description)
            }
            // The same text again would fail the same way: a deterministic
            // provider (the templates) is asked once.
            if let last, last.text == text { break }
            asked += 1
            let result = try check(text, products: product.map { [$0] } ?? [], snapshot: snapshot, source: .generation)
            var summary = JSONObjectWriter()
            summary["template"] = .string(request.template)
            summary["language"] = .string(language)
            summary["attempt"] = .int(attempt)
            summary["valid"] = .bool(result.valid)
            summary["provider"] = .string(wording.name)
            if let product { summary["product_id"] = .string(product.id) }
            summary["by"] = .string(caller)
            var sensitive = JSONObjectWriter()
            sensitive["text"] = .string(text)
            try appendAudit([
                AuditEntry(
                    kind: "generation", at: clock.now(), conversationID: nil, messageID: nil, summary: summary.string,
                    rulesVersion: snapshot.rulesVersion, sensitive: sensitive.string)
            ])
            if result.valid {
                return Generation(
                    text: text, template: request.template, language: language, provider: wording.name,
                    attempts: asked, product: product, fallback: prepared?.fallback)
            }
            last = (text, result)
        }
        var details = last?.result.jsonObject ?? JSONObjectWriter()
        details["attempts"] = .int(asked)
        throw ServiceError(
            .unprocessable, "validation_failed", "the generated text failed validation after \(asked) attempt(s)",
            details: details)
    }
}

extension Duration {
    /// The duration in seconds, as a Double (for histograms).
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
