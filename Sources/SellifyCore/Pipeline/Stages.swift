import SellifyLua

// The stages of a decision, in order. Each wires one engine into the request;
// the engines themselves are plain values with their own tests.

/// 1. Unicode NFKC, case and diacritics folded, obfuscations undone.
struct NormalizerStage: PipelineStage {
    let name = StageName.normalizer
    func run(_ request: inout DecisionRequest) throws -> String {
        request.normalized = TextNormalizer.normalize(request.event.text)
        return "ok"
    }
}

/// 2. Intent, media request, language and catalog products named.
struct IntentStage: PipelineStage {
    let name = StageName.intent
    let classifier: IntentClassifier
    func run(_ request: inout DecisionRequest) throws -> String {
        let classification = classifier.classify(request.normalized ?? TextNormalizer.normalize(request.event.text))
        request.classification = classification
        return classification.intent.rawValue
    }
}

/// 3. The conversation as this message finds it.
struct ConversationStage: PipelineStage {
    let name = StageName.conversation
    let engine: ConversationEngine
    func run(_ request: inout DecisionRequest) throws -> String {
        request.conversation = engine.receive(
            request.stored.conversation, conversationID: request.event.conversationID, at: request.decidedAt)
        request.previousState = request.conversation.state
        return request.stored.conversation == nil ? "new" : "existing"
    }
}

/// 4. Quota usage in the windows of the decision's time.
struct QuotaStage: PipelineStage {
    let name = StageName.quota
    let engine: QuotaEngine
    func run(_ request: inout DecisionRequest) throws -> String {
        request.quota = engine.status(usage: request.stored.usage, request.windows)
        let messages = [request.quota[.messagesToday], request.quota[.messagesWeek]].compactMap { $0 }
        if messages.contains(where: { $0.used >= $0.limit }) { return "exhausted" }
        if messages.contains(where: { Double($0.used) >= Double($0.limit) * engine.warnRatio }) { return "warning" }
        return "ok"
    }
}

/// 5. Per-conversation cooldown.
struct RateLimitStage: PipelineStage {
    let name = StageName.rateLimit
    let engine: RateLimitEngine
    func run(_ request: inout DecisionRequest) throws -> String {
        let status = engine.status(of: request.stored.conversation, at: request.decidedAt)
        request.cooldown = status
        return status.active ? "cooldown" : "ok"
    }
}

/// 6. `decide(ctx)`, then the host's enforcement: quotas and cooldown cannot
/// be exceeded whatever the rules say, and forbidden transitions are refused.
struct DecisionStage: PipelineStage {
    let name = StageName.decision
    let rules: RuleSet
    let catalog: Catalog
    let account: AccountConfiguration
    let quota: QuotaEngine
    let conversation: ConversationEngine

    func run(_ request: inout DecisionRequest) throws -> String {
        let context = request.luaContext(account: account)
        request.context = context
        let (policy, effects) = try rules.decide(context)
        request.policy = policy
        request.ruleEffects.logs += effects.logs
        request.ruleEffects.metrics += effects.metrics
        request.action = policy.action
        request.rule = policy.rule
        request.reason = policy.reason
        request.template = policy.template
        request.product = policy.product.flatMap { catalog.product(id: $0) }

        if policy.action.isResponse {
            if let blocked = quota.exceeded(by: policy.action, usage: request.stored.usage, request.windows) {
                request.action = .ignore
                request.rule = "quota_enforced"
                request.reason = "\(blocked.rawValue) quota reached (the rules chose \(policy.action.rawValue) via '\(policy.rule)')"
                request.template = nil
            } else if let cooldown = request.cooldown, cooldown.active {
                request.action = .ignore
                request.rule = "cooldown_enforced"
                request.reason = "conversation cooling down for \(cooldown.secondsLeft)s (the rules chose \(policy.action.rawValue) via '\(policy.rule)')"
                request.template = nil
            }
        }
        if !conversation.propose(policy.state, to: &request.conversation), let state = policy.state {
            request.reason += " (transition \(request.conversation.state) → \(state) not allowed; state kept)"
        }
        return request.action.rawValue
    }
}

/// 7. The wording: a template filled from the catalog, or the media to send.
struct ResponseStage: PipelineStage {
    let name = StageName.response
    let wording: any WordingProvider
    func run(_ request: inout DecisionRequest) throws -> String {
        switch request.action {
        case .respondText:
            guard let template = request.template else { throw WordingError("no template") }
            request.text = try wording.word(WordingRequest(
                template: template, language: request.classification?.language ?? wording.defaultLanguage,
                product: request.product))
            return wording.name
        case .respondImage, .respondVideo:
            let kind: MediaKind = request.action == .respondImage ? .image : .video
            guard let product = request.product,
                  let url = (kind == .image ? product.images : product.videos).first
            else { throw WordingError("no \(kind.rawValue) to send") }
            request.media = Decision.Media(kind: kind, url: url)
            return kind.rawValue
        case .escalate, .ignore:
            return "none"
        }
    }
}

/// 8. Anti-hallucination: the text must pass the validator, or the answer
/// becomes an escalation (the template provider's wording is deterministic,
/// so re-asking it cannot give another text).
struct ValidationStage: PipelineStage {
    let name = StageName.validation
    let validator: TextValidator
    let account: AccountConfiguration
    func run(_ request: inout DecisionRequest) throws -> String {
        guard let text = request.text else { return "skipped" }
        let context = request.context ?? request.luaContext(account: account)
        let result = try validator.validate(text, products: request.contextProducts, context: context)
        request.validation = result
        guard result.valid else {
            let codes = result.violations.filter { $0.severity == "block" }.map(\.code)
            request.action = .escalate
            request.reason = "the answer of rule '\(request.rule)' failed validation (\(codes.joined(separator: ", "))): a person should answer"
            request.rule = "validation_failed"
            request.text = nil
            return "invalid"
        }
        return "valid"
    }
}

/// 9. The audit records this decision writes in its own transaction.
struct AuditStage: PipelineStage {
    let name = StageName.audit
    let rulesVersion: String
    func run(_ request: inout DecisionRequest) throws -> String {
        request.audit.append(request.auditEntry(rulesVersion: rulesVersion))
        return "recorded"
    }
}

/// 10. Alert conditions this decision triggers.
struct AlertStage: PipelineStage {
    let name = StageName.alert
    let engine: AlertEngine
    let quota: QuotaEngine
    func run(_ request: inout DecisionRequest) throws -> String {
        let consumption = quota.consumption(for: request.action, request.windows)
        let after = quota.status(usage: request.stored.usage, consumption: consumption, request.windows)
        request.alerts += engine.quotaAlerts(before: request.quota, after: after)
        if let validation = request.validation, !validation.valid, engine.conditions.validationFailures.threshold < 1 {
            // The ratio over a window is judged by the alert service; a single
            // failure is recorded for it.
            request.alerts.append(AlertEvent(
                condition: "validation_failure", key: "validation", severity: .info,
                message: "an answer failed validation: \(validation.violations.map(\.code).joined(separator: ", "))"))
        }
        return request.alerts.isEmpty ? "none" : "raised"
    }
}
