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
        request.normalized = TextNormalizer.normalize(request.messageText)
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

/// 3. The conversation as this message finds it, with what it remembers:
/// the products in focus and the language (the message's own, else the
/// conversation's, else the default). A message that names no product but a
/// variant's option word (`¿y en azul?`) names the variants of the most
/// recent product in focus they belong to. A handoff idle too long ends here.
struct ConversationStage: PipelineStage {
    enum Outcome: String, StageOutcome { case new, existing, resumed }
    let name = StageName.conversation
    let engine: ConversationEngine
    let catalog: Catalog
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        let classification = try request.require(request.classification, from: .intent, in: name)
        let stored = request.stored.conversation
        request.conversation = engine.receive(
            stored, conversationID: request.event.conversationID, messageID: request.event.messageID,
            at: request.decidedAt)
        request.previousState = request.conversation.state
        let memory = request.conversation.memory
        request.focus = memory.products.compactMap { catalog.product(id: $0) }
        if classification.products.isEmpty, !classification.options.isEmpty {
            for product in request.focus {
                let family = product.variantOf ?? product.id
                let picked = classification.options.filter { $0.variantOf == family }
                guard !picked.isEmpty else { continue }
                request.classification?.products = picked
                break
            }
        }
        request.language = classification.languageShown ?? memory.language ?? classification.language
        if let handoff = stored?.memory.handoff, request.conversation.memory.handoff == nil {
            request.resumedFromHandoff = handoff
            return .resumed
        }
        return stored == nil ? .new : .existing
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

/// 5. Per-conversation cooldown: the operator's, or the platform's per-chat
/// interval (Telegram: one message a second) when it is stricter; and the
/// channel's messages per second per number (WhatsApp: 80), counted across
/// conversations.
struct RateLimitStage: PipelineStage {
    enum Outcome: String, StageOutcome { case ok, cooldown, throughput }
    let name = StageName.rateLimit
    let engine: RateLimitEngine
    let channels: ChannelPolicyEngine
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        let interval = channels.effectiveMinimumInterval(
            for: request.channel, operatorMinimum: engine.configuration.minInterval)
        let status = engine.status(of: request.stored.conversation, at: request.decidedAt, minInterval: interval)
        request.limits.cooldown = status
        if let limit = channels.messagesPerSecond(for: request.channel) {
            request.limits.throughput = (limit, request.stored.sentThisSecond)
        }
        if status.active { return .cooldown }
        if let throughput = request.limits.throughput, throughput.sent >= throughput.limit { return .throughput }
        return .ok
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
    /// What answers when the AI wording the rules asked for did not come (`ai.fallback`).
    let aiFallback: AIFallback

    func run(_ request: inout DecisionRequest) throws -> Action {
        let classification = try request.require(request.classification, from: .intent, in: name)
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
        let chose = "the rules chose \(policy.action.rawValue) via '\(policy.rule)'"
        func silence(_ rule: String, _ reason: String) {
            verdict.action = .ignore
            verdict.rule = rule
            verdict.reason = "\(reason) (\(chose))"
            verdict.template = nil
        }
        // AI wording the rules asked for that no provider gave (every text
        // failed validation, or no provider answered): with `ai.fallback:
        // escalate` a person answers instead of the template.
        if aiFallback == .escalate, policy.action == .respondText, policy.wantsAI, let prepared = request.prepared,
            prepared.text == nil,
            prepared.matches(
                verdict, language: request.language ?? classification.language)
        {
            verdict.action = .escalate
            verdict.template = nil
            verdict.reason +=
                " (no AI wording: \(prepared.fallback?.rawValue ?? "none"); ai.fallback is escalate)"
        }
        let found = request.conversation
        let handoff = conversation.configuration.handoff

        // Consent: an opted-out conversation is never answered, whatever the
        // rules say, unless the customer opts back in (intent opt_in) and the
        // rules move the state out of opted_out along an allowed transition.
        let optedOut = found.optedOut || found.state == "opted_out"
        let optsIn =
            classification.intent == .optIn
            && policy.state.map { $0 != "opted_out" && conversation.allows(from: found.state, to: $0) } == true
        // The rules confirm an opt-out they may make (the transition is allowed).
        let optsOut = policy.state == "opted_out" && conversation.allows(from: found.state, to: "opted_out")
        if optedOut && !optsIn && policy.action != .ignore {
            silence("opted_out_enforced", "the customer opted out; nothing is sent until they opt back in")
        }
        // A person has the conversation: the assistant stays silent — except
        // to confirm an opt-out, which ends the handoff (consent comes first).
        if conversation.humanActive(found) && !optsOut {
            silence("human_active", "a person is handling this conversation")
        }
        if verdict.action == .escalate {
            verdict.handsOver = true
            verdict.acknowledge =
                handoff.acknowledge
                && quota.exceeded(by: .respondText, usage: request.stored.usage, request.windows) == nil
        }
        // A message that cannot go out yet waits (`<limit>_deferred`) to be
        // answered with the messages after it; past a full burst it is dropped
        // (`<limit>_enforced`).
        func deferMessage(until: Timestamp, _ limit: String, _ why: String) {
            if found.pending.count < PendingMessage.maxPerConversation
                || found.pending.contains(where: { $0.messageID == request.event.messageID })
            {
                silence("\(limit)_deferred", "\(why): answered with the messages after it at \(until)")
                verdict.deferredUntil = until
            } else {
                silence("\(limit)_enforced", why)
                verdict.dropsAlone = true
            }
            verdict.handsOver = false
            verdict.acknowledge = false
        }
        if verdict.action.isResponse || (verdict.action == .escalate && verdict.acknowledge) {
            // An opt-out's confirmation is the one message the cooldown lets through.
            let confirmsOptOut = optsOut
            let replies = verdict.action.isResponse
            if replies, let blocked = quota.exceeded(by: verdict.action, usage: request.stored.usage, request.windows) {
                silence("quota_enforced", "\(blocked.rawValue) quota reached")
            } else if replies, let cooldown = request.limits.cooldown, cooldown.active, !confirmsOptOut {
                let until =
                    cooldown.endsAt
                    ?? Timestamp(milliseconds: request.decidedAt.milliseconds + Int64(cooldown.secondsLeft) * 1000)
                deferMessage(until: until, "cooldown", "conversation cooling down for \(cooldown.secondsLeft)s")
            } else if let throughput = request.limits.throughput, throughput.sent >= throughput.limit {
                // The channel's messages per second per number (WhatsApp): the next second.
                deferMessage(
                    until: Timestamp(milliseconds: (request.decidedAt.second + 1) * 1000), "throughput",
                    "\(throughput.sent) of \(throughput.limit) messages a second sent on \(request.channel.rawValue)")
            }
        }
        if verdict.action.isResponse && handoff.afterIntents.contains(classification.intent) {
            verdict.handsOver = true
        }
        // A deferred message changes nothing yet: its burst is decided later —
        // except an opt-out, which holds at once (only its confirmation waits).
        if verdict.deferredUntil == nil || optsOut, !conversation.propose(policy.state, to: &request.conversation),
            let state = policy.state
        {
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
    /// The template that acknowledges a handoff (nil: the rules define none),
    /// and the one for when nobody is in (`business_hours`), which can say when
    /// a person will answer (`{business.next_open}`).
    let acknowledgement: String?
    let closedAcknowledgement: String?
    func run(_ request: inout DecisionRequest) throws -> Outcome {
        let verdict = try request.require(
            request.decided, from: .decision, in: name)
        let language = request.language ?? request.classification?.language ?? wording.defaultLanguage
        func word(_ template: String) throws(WordingError) -> String {
            var wordingRequest = request.wordingRequest(template: template, language: language)
            wordingRequest.business = request.business
            wordingRequest.now = request.local
            return try wording.word(wordingRequest)
        }
        // Every generation is audited, used or not (the decision may have
        // been silenced, or escalated by `ai.fallback: escalate`).
        var prepared = false
        if verdict.policy?.wantsAI == true, let generation = request.prepared {
            prepared = verdict.action == .respondText && generation.matches(verdict, language: language)
            request.audit.append(
                generation.auditEntry(
                    event: request.event, at: request.decidedAt, used: prepared && generation.text != nil))
        }
        switch verdict.action {
        case .respondText:
            guard let template = verdict.template else { throw WordingError("no template") }
            // AI wording prepared for this very decision: its text, or (it fell
            // back) the template.
            if prepared, let text = request.prepared?.text, let provider = request.prepared?.provider {
                request.answer.text = text
                return .worded(by: provider)
            }
            request.answer.text = try word(template)
            return .worded(by: wording.name)
        case .escalate where verdict.acknowledge && acknowledgement != nil:
            let closed = !request.business.open && request.business.nextOpen != nil
            request.answer.text = try word(closed ? closedAcknowledgement ?? acknowledgement! : acknowledgement!)
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
            if request.verdict.action == .escalate {
                // A handoff's acknowledgement that fails: the handoff stands, silently.
                request.verdict.reason += " (its acknowledgement failed validation: \(codes.joined(separator: ", ")))"
                request.answer.text = nil
                return .invalid
            }
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
