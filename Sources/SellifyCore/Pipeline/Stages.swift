import SellifyLua

// The stages of a decision, in order. Each wires one engine into the
// request: it reads the results of the stages before it (`require` names one
// run out of order), writes its own, and returns a typed outcome whose label
// is a metric label from a small fixed set.

/// 1. Unicode NFKC, case and diacritics folded, obfuscations undone.
struct NormalizerStage: PipelineStage {
    enum Outcome: String, StageOutcome { case ok }
    let name = StageName.normalizer
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        request.normalized = TextNormalizer.normalize(request.event.text)
        return .ok
    }
}

/// 2. Intent, media request, language and catalog products named.
struct IntentStage: PipelineStage {
    let name = StageName.intent
    let classifier: IntentClassifier
    func run(_ request: inout DecisionRequest) throws -> IntentName {
        let normalized = try request.require(request.normalized, from: .normalizer, in: name)
        let classification = classifier.classify(normalized)
        request.classification = classification
        return classification.intent
    }
}

/// 3. The conversation as this message finds it.
struct ConversationStage: PipelineStage {
    enum Outcome: String, StageOutcome { case new, existing }
    let name = StageName.conversation
    let engine: ConversationEngine
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        request.conversation = engine.receive(
            request.stored.conversation, conversationID: request.event.conversationID, at: request.decidedAt)
        request.previousState = request.conversation.state
        return request.stored.conversation == nil ? .new : .existing
    }
}

/// 4. Quota usage in the windows of the decision's time.
struct QuotaStage: PipelineStage {
    enum Outcome: String, StageOutcome { case ok, warning, exhausted }
    let name = StageName.quota
    let engine: QuotaEngine
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        let quota = engine.status(usage: request.stored.usage, request.windows)
        request.limits.quota = quota
        let messages = [quota[.messagesToday], quota[.messagesWeek]].compactMap { $0 }
        if messages.contains(where: { $0.used >= $0.limit }) { return .exhausted }
        if messages.contains(where: { Double($0.used) >= Double($0.limit) * engine.warnRatio }) { return .warning }
        return .ok
    }
}

/// 5. Per-conversation cooldown.
struct RateLimitStage: PipelineStage {
    enum Outcome: String, StageOutcome { case ok, cooldown }
    let name = StageName.rateLimit
    let engine: RateLimitEngine
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        let status = engine.status(of: request.stored.conversation, at: request.decidedAt)
        request.limits.cooldown = status
        return status.active ? .cooldown : .ok
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

    func run(_ request: inout DecisionRequest) throws -> Action {
        _ = try request.require(request.classification, from: .intent, in: name)
        let context = request.luaContext(account: account)
        let (policy, effects) = try rules.decide(context)
        request.ruleEffects.logs += effects.logs
        request.ruleEffects.metrics += effects.metrics
        var verdict = DecisionRequest.Verdict()
        verdict.policy = policy
        verdict.context = context
        verdict.action = policy.action
        verdict.rule = policy.rule
        verdict.reason = policy.reason
        verdict.template = policy.template
        verdict.product = policy.product.flatMap { catalog.product(id: $0) }

        if policy.action.isResponse {
            if let blocked = quota.exceeded(by: policy.action, usage: request.stored.usage, request.windows) {
                verdict.action = .ignore
                verdict.rule = "quota_enforced"
                verdict.reason =
                    "\(blocked.rawValue) quota reached (the rules chose \(policy.action.rawValue) via '\(policy.rule)')"
                verdict.template = nil
            } else if let cooldown = request.limits.cooldown, cooldown.active {
                verdict.action = .ignore
                verdict.rule = "cooldown_enforced"
                verdict.reason =
                    "conversation cooling down for \(cooldown.secondsLeft)s (the rules chose \(policy.action.rawValue) via '\(policy.rule)')"
                verdict.template = nil
            }
        }
        if !conversation.propose(policy.state, to: &request.conversation), let state = policy.state {
            verdict.reason += " (transition \(request.conversation.state) → \(state) not allowed; state kept)"
        }
        request.verdict = verdict
        return verdict.action
    }
}

/// 7. The wording (the snapshot's wording provider), or the media to send.
struct ResponseStage: PipelineStage {
    enum Outcome: StageOutcome {
        case worded(by: String), image, video, none
        var label: String {
            switch self {
            case .worded(let provider): provider
            case .image: "image"
            case .video: "video"
            case .none: "none"
            }
        }
    }
    let name = StageName.response
    let wording: any WordingProvider
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        let verdict = try request.require(
            request.decided, from: .decision, in: name)
        switch verdict.action {
        case .respondText:
            guard let template = verdict.template else { throw WordingError("no template") }
            request.answer.text = try wording.word(
                WordingRequest(
                    template: template, language: request.classification?.language ?? wording.defaultLanguage,
                    product: verdict.product))
            return .worded(by: wording.name)
        case .respondImage, .respondVideo:
            let kind: MediaKind = verdict.action == .respondImage ? .image : .video
            guard let product = verdict.product,
                let url = (kind == .image ? product.images : product.videos).first
            else { throw WordingError("no \(kind.rawValue) to send") }
            request.answer.media = Decision.Media(kind: kind, url: url)
            return kind == .image ? .image : .video
        case .escalate, .ignore:
            return .none
        }
    }
}

/// 8. Anti-hallucination: the text must pass the validator, or the answer
/// becomes an escalation (the template provider's wording is deterministic,
/// so re-asking it cannot give another text).
struct ValidationStage: PipelineStage {
    enum Outcome: String, StageOutcome { case skipped, valid, invalid }
    let name = StageName.validation
    let validator: TextValidator
    let account: AccountConfiguration
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        guard let text = request.answer.text else { return .skipped }
        let context = try request.require(request.verdict.context, from: .decision, in: name)
        let result = try validator.validate(text, products: request.contextProducts, context: context)
        request.validation = result
        guard result.valid else {
            let codes = result.violations.filter { $0.severity == "block" }.map(\.code)
            request.verdict.action = .escalate
            request.verdict.reason =
                "the answer of rule '\(request.verdict.rule)' failed validation (\(codes.joined(separator: ", "))): a person should answer"
            request.verdict.rule = "validation_failed"
            request.answer.text = nil
            return .invalid
        }
        return .valid
    }
}

/// 9. The audit records this decision writes in its own transaction.
struct AuditStage: PipelineStage {
    enum Outcome: String, StageOutcome { case recorded }
    let name = StageName.audit
    let rulesVersion: String
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        request.audit.append(request.auditEntry(rulesVersion: rulesVersion))
        return .recorded
    }
}

/// 10. Alert conditions this decision triggers.
struct AlertStage: PipelineStage {
    enum Outcome: String, StageOutcome { case none, raised }
    let name = StageName.alert
    let engine: AlertEngine
    let quota: QuotaEngine
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        let consumption = quota.consumption(for: request.verdict.action, request.windows)
        let after = quota.status(usage: request.stored.usage, consumption: consumption, request.windows)
        request.alerts += engine.quotaAlerts(before: request.limits.quota, after: after)
        if let validation = request.validation, !validation.valid, engine.conditions.validationFailures.threshold < 1 {
            // The ratio over a window is judged by the alert service; a single
            // failure is recorded for it.
            request.alerts.append(
                AlertEvent(
                    condition: "validation_failure", key: "validation", severity: .info,
                    message: "an answer failed validation: \(validation.violations.map(\.code).joined(separator: ", "))"
                ))
        }
        return request.alerts.isEmpty ? .none : .raised
    }
}

extension IntentName: StageOutcome {
    public var label: String { rawValue }
}

extension Action: StageOutcome {
    public var label: String { rawValue }
}

extension StageOutcome where Self: RawRepresentable, RawValue == String {
    public var label: String { rawValue }
}
