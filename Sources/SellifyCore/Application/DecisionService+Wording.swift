/// `POST /api/v1/generate`: a template worded by the provider for a product.
public struct GenerationRequest: Sendable {
    public var template: String
    public var productID: String?
    /// nil: the rules' default language.
    public var language: String?
    public init(template: String, productID: String? = nil, language: String? = nil) {
        self.template = template
        self.productID = productID
        self.language = language
    }
}

public struct Generation: Sendable {
    public var text: String
    public var template: String
    public var language: String
    public var provider: String
    public var attempts: Int
    public var product: Product?
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

    /// The provider words `request.template`, the validator checks it, and
    /// an invalid text is asked again up to `ai.max_retries` times; every
    /// attempt is audited. Still invalid: 422 `validation_failed`.
    public func generate(_ request: GenerationRequest, by caller: String) throws(ServiceError) -> Generation {
        let snapshot = self.snapshot
        let wording = snapshot.wording
        let product = try request.productID.map { id throws(ServiceError) in
            try products([id], field: "product_id", snapshot: snapshot)[0]
        }
        let language = request.language ?? wording.defaultLanguage
        guard let variants = snapshot.deployment.rules.templates.texts[request.template] else {
            throw .invalidField("template", "unknown template '\(request.template)' (see rules/templates.yaml)")
        }
        guard variants[language] != nil else {
            throw .invalidField(
                "language",
                "template '\(request.template)' has no '\(language)' text (it has \(variants.keys.sorted().joined(separator: ", ")))"
            )
        }
        let attempts = snapshot.deployment.configuration.ai.maxReasks + 1
        var last: ValidationResult?
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
                    attempts: attempt,
                    product: product)
            }
            last = result
        }
        var details = last?.jsonObject ?? JSONObjectWriter()
        details["attempts"] = .int(attempts)
        throw ServiceError(
            .unprocessable, "validation_failed", "the generated text failed validation after \(attempts) attempt(s)",
            details: details)
    }
}

extension Duration {
    /// The duration in seconds, as a Double (for histograms).
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
