import Crypto
import Foundation
public import SellifyLua

/// Runs the decision engines (normalizer … alerts) for one message event and commits the result.
///
/// A decision is a pure function of (event, decision time, stored state,
/// catalog, config, rules). The decision time (`decided_at`) is the server's,
/// stamped once by the caller as the event arrived and recorded with the
/// decision and its audit record; the pipeline never reads a clock. The
/// event's `received_at` is the connector's claim: recorded and given to
/// rules, never used for a window, a cooldown or a conversation time.
///
/// The pipeline reads the state, runs the stages without touching the
/// store, then commits quota consumption, conversation, idempotency record
/// and audit entries in one transaction that checks nothing changed since the
/// read. If something did (a concurrent decision), it reads again and
/// re-decides, so the result is always the one a serial run would give.
public final class DecisionPipeline: Sendable {
    /// The engines built from one rules snapshot (shared with the snapshot's
    /// other use cases: validation, wording, quota status).
    public let components: PipelineComponents
    public let store: any DecisionStore
    public let scheduler: QuotaScheduler
    /// Orders decisions on this store (shared by the pipelines of successive rule reloads).
    public let sequencer: DecisionSequencer
    let runner: StageRunner
    /// Attempts before a contended commit gives up (then the fallback decides).
    public static let maxAttempts = 32

    public var rules: RuleSet { components.rules }
    public var catalog: Catalog { components.catalog }
    public var configuration: SellifyConfiguration { components.configuration }
    public var calendar: QuotaCalendar { components.calendar }
    public var quota: QuotaEngine { components.quota }
    public var conversations: ConversationEngine { components.conversations }
    var alerts: AlertEngine { components.alerts }

    public struct Result: Sendable {
        /// The decision as returned to the caller (with the trace when asked).
        public var bytes: [UInt8]
        /// nil when `bytes` are a stored decision replayed for a repeated message id.
        public var decision: Decision?
        public var replayed: Bool
        /// Alerts raised by this decision (after it committed).
        public var alerts: [AlertEvent]
        public var effects: LuaState.SideEffects
        /// Quota windows this decision was the first to see (roll-overs).
        public var resets: [QuotaScheduler.ResetType]
        /// The windows of the decision's time.
        public var windows: QuotaCalendar.Windows? = nil
        /// The validator's verdict on the answer, when there was text.
        public var validation: ValidationResult? = nil
        /// Whether this message started the conversation.
        public var newConversation = false
        /// The shadow comparison, when the rules have a shadow and `decide` ran.
        public var shadow: ShadowComparison? = nil
        /// Set instead of a decision when it waits on AI wording
        /// (`deferringAIWording`): nothing was written; ask the providers,
        /// then decide again with what they gave.
        public var wording: WordingNeed? = nil
    }

    /// The stages in order. What runs instead of them when one fails (the
    /// fallback) is `evaluate`'s `catch`; what runs after them (consumption,
    /// the reply count, the conversation's version) follows it there.
    public init(
        components: PipelineComponents, store: any DecisionStore, hooks: [any StageHook] = [],
        clock: any PipelineClock = MonotonicClock(), scheduler: QuotaScheduler = QuotaScheduler(),
        sequencer: DecisionSequencer = DecisionSequencer()
    ) {
        self.components = components
        self.store = store
        self.scheduler = scheduler
        self.sequencer = sequencer
        let configuration = components.configuration
        runner = StageRunner(
            stages: [
                NormalizerStage(),
                IntentStage(
                    classifier: IntentClassifier(rules: components.rules, catalog: components.catalog)),
                ConversationStage(engine: components.conversations, catalog: components.catalog),
                QuotaStage(engine: components.quota),
                RateLimitStage(
                    engine: RateLimitEngine(configuration: configuration.conversation.cooldown),
                    channels: components.channels),
                DecisionStage(
                    rules: components.rules, catalog: components.catalog, account: configuration.account,
                    quota: components.quota, conversation: components.conversations,
                    aiFallback: configuration.ai.fallback),
                ResponseStage(
                    wording: components.wording,
                    acknowledgement: components.rules.templates.texts["handoff"] == nil ? nil : "handoff",
                    closedAcknowledgement: components.rules.templates.texts["handoff_closed"] == nil
                        ? nil : "handoff_closed"),
                ValidationStage(validator: components.validator, account: configuration.account),
                AuditStage(rulesVersion: components.rules.version),
                AlertStage(engine: components.alerts, quota: components.quota),
            ].withShadow(components.shadow, rulesVersion: components.rules.version),
            hooks: hooks, clock: clock)
    }

    /// A pipeline with its own engines, worded by the rules' templates.
    public convenience init(
        rules: RuleSet, catalog: Catalog, configuration: SellifyConfiguration, store: any DecisionStore,
        hooks: [any StageHook] = [], clock: any PipelineClock = MonotonicClock(),
        scheduler: QuotaScheduler = QuotaScheduler(),
        sequencer: DecisionSequencer = DecisionSequencer()
    ) {
        self.init(
            components: PipelineComponents(rules: rules, catalog: catalog, configuration: configuration), store: store,
            hooks: hooks, clock: clock, scheduler: scheduler, sequencer: sequencer)
    }

    /// Decides `event`: runs the stages and commits, or returns the stored
    /// decision for a message id decided before. Never throws for rule or stage
    /// failures (the fallback decides); throws only when the store cannot
    /// record anything at all.
    ///
    /// `deferringAIWording`: a decision whose rule asks for AI wording, made
    /// without `prepared`, is not committed: the result's `wording` says what
    /// to ask the generative providers (the caller asks them outside the
    /// serial section, then decides again with `prepared`). A message id
    /// decided before is its stored decision, as always.
    public func decide(
        _ event: MessageEvent, at decidedAt: Timestamp, trace: Bool = false, prepared: PreparedWording? = nil,
        deferringAIWording: Bool = false
    ) throws(StoreError) -> Result {
        // A repeated message id is found by the commit itself (`.duplicate`),
        // which saves a read on every new message; evaluating first is
        // harmless because evaluation writes nothing.
        let windows = calendar.windows(at: decidedAt)
        let outcome = try sequencer.commit(
            on: store, conversationID: event.conversationID, counters: quota.counters(windows),
            what: "commit decision for message '\(event.messageID)'"
        ) { read throws(StoreError) in
            var state = read
            state.sentThisSecond = sequencer.sent(inSecond: decidedAt.second)
            let (request, decision, raised) = evaluate(
                event, at: decidedAt, state: state, trace: trace, prepared: prepared)
            if deferringAIWording && prepared == nil, let need = wordingNeed(request, decision) {
                return .decline((state, request, decision, raised, Optional(need), [UInt8]()))
            }
            // A deferral is not final: no idempotency record, the message is posted again.
            // Encoded once: the stored bytes are the answer unless a trace is asked.
            let bytes = decision.jsonBytes(includeTrace: false)
            var commit = DecisionCommit(
                messageID: event.messageID, decidedAt: decidedAt, conversation: request.conversation,
                expectedConversationVersion: state.conversation?.version, expectedUsage: state.usage,
                consumption: request.consumption,
                decision: decision.deferredUntil == nil ? bytes : nil,
                settled: decision.deferredUntil != nil || request.verdict.dropsAlone
                    ? [] : request.merged.map { ($0.messageID, Self.merged($0, into: decision).jsonBytes()) },
                audit: request.audit)
            if request.sends, components.channels.messagesPerSecond(for: request.channel) != nil {
                commit.sendsInSecond = decidedAt.second
            }
            for limit in QuotaEngine.Quota.allCases {
                commit.usageCeilings[quota.key(limit, windows)] = quota.limit(limit)
            }
            return .commit(commit, (state, request, decision, raised, WordingNeed?.none, bytes))
        }
        switch outcome {
        case .committed(let (state, request, decision, raised, _, bytes)):
            return Result(
                bytes: trace ? decision.jsonBytes(includeTrace: true) : bytes, decision: decision, replayed: false,
                alerts: raised,
                effects: request.ruleEffects, resets: scheduler.observe(request.windows), windows: request.windows,
                validation: request.validation, newConversation: state.conversation == nil, shadow: request.shadow)
        case .duplicate(let bytes):
            return Result(bytes: bytes, decision: nil, replayed: true, alerts: [], effects: .init(), resets: [])
        case .declined(let (_, _, _, _, need, _)):
            // A retried message that was decided before is its stored
            // decision: the model is not asked again.
            if let bytes = try store.storedDecision(messageID: event.messageID) {
                return Result(bytes: bytes, decision: nil, replayed: true, alerts: [], effects: .init(), resets: [])
            }
            return Result(
                bytes: [], decision: nil, replayed: false, alerts: [], effects: .init(), resets: [], wording: need)
        }
    }

    /// What the generative providers are asked for when `decision` is a
    /// text the rule wants AI-worded (`wording = "ai"` with a brief): a
    /// prompt of the system prompt (`rules/ai_prompt.md`), the brief, the
    /// customer's message and the catalog facts of the products in context,
    /// in the conversation's language — nothing else.
    func wordingNeed(_ request: DecisionRequest, _ decision: Decision) -> WordingNeed? {
        guard decision.action == .respondText, let policy = request.verdict.policy, policy.wantsAI,
            let template = request.verdict.template, let brief = policy.brief
        else { return nil }
        let language =
            request.language ?? request.classification?.language ?? components.wording.defaultLanguage
        let products = request.contextProducts
        let prompt = GroundedPrompt.build(
            system: components.rules.aiPrompt ?? GroundedPrompt.defaultSystemPrompt, brief: brief,
            message: request.messageText, language: language, products: products)
        return WordingNeed(
            rule: request.verdict.rule, template: template, product: request.verdict.product?.id,
            language: language, prompt: prompt, products: products, context: request.verdict.context)
    }

    /// What would be decided for `event` at `decidedAt` given `state`, without
    /// reading or writing the store: the pure part of a decision (replays and
    /// benchmarks use it). Returns the request with what a commit would
    /// write, the decision and the alerts raised.
    public func evaluate(
        _ event: MessageEvent, at decidedAt: Timestamp, state: StoredState, trace wantTrace: Bool = false,
        prepared: PreparedWording? = nil
    )
        -> (DecisionRequest, Decision, [AlertEvent])
    {
        let initial = conversations.receive(
            state.conversation, conversationID: event.conversationID, messageID: event.messageID, at: decidedAt)
        var request = DecisionRequest(
            event: event, decidedAt: decidedAt, calendar: calendar, stored: state, conversation: initial)
        request.business = components.businessHours.status(at: decidedAt)
        request.prepared = prepared
        var trace: [Decision.TraceEntry]? = wantTrace ? [] : nil
        var raised: [AlertEvent] = []
        // Before: the request as the message finds the conversation.
        // The stages; instead of them when one fails: the fallback.
        do {
            try runner.run(&request, trace: &trace)
        } catch {
            decideByFallback(&request, after: error, state: state)
            if let alert = alerts.stageFailure(error) { raised.append(alert) }
        }
        raised += request.alerts
        request.audit += request.shadowAudit
        // After them: what the final action consumes (an acknowledged
        // escalation is one text message), what the conversation remembers,
        // and its new version.
        let verdict = request.verdict
        let sends: Action? =
            verdict.action.isResponse ? verdict.action : (request.answer.text != nil ? .respondText : nil)
        if let sends {
            request.sends = true
            request.consumption = quota.consumption(for: sends, request.windows)
            conversations.recordReply(to: &request.conversation, at: decidedAt)
        }
        request.settleMemory()
        if request.limits.quota.isEmpty { request.limits.quota = quota.status(usage: state.usage, request.windows) }
        let after = quota.status(usage: state.usage, consumption: request.consumption, request.windows)
        var quotaOut: [String: Decision.QuotaStatus] = [:]
        for (name, status) in after { quotaOut[name.rawValue] = status }
        request.conversation.version = (state.conversation?.version ?? 0) + 1
        var decision = Decision(
            decisionID: Self.decisionID(for: event.messageID), conversationID: event.conversationID,
            messageID: event.messageID, decidedAt: decidedAt, action: verdict.action, rule: verdict.rule,
            reason: verdict.reason, text: request.answer.text, media: request.answer.media,
            product: verdict.product?.id,
            language: request.language ?? request.classification?.language,
            intent: request.classification?.intent.rawValue,
            conversation: .init(state: request.conversation.state, previousState: request.previousState),
            quota: quotaOut, rulesVersion: rules.version, fallback: verdict.fallback ? true : nil, trace: trace)
        decision.deferredUntil = verdict.deferredUntil
        decision.merged =
            request.merged.isEmpty || verdict.deferredUntil != nil || verdict.dropsAlone
            ? nil : request.merged.map(\.messageID)
        decision.handoff = request.startedHandoff == nil ? nil : true
        if alerts.conditions.handoff, let notice = request.handoffNotice(decision) { raised.append(notice) }
        return (request, decision, raised)
    }

    /// The stored answer of an earlier message of a burst, answered by `decision`.
    static func merged(_ message: PendingMessage, into decision: Decision) -> Decision {
        Decision(
            decisionID: decisionID(for: message.messageID), conversationID: decision.conversationID,
            messageID: message.messageID, decidedAt: decision.decidedAt, action: .ignore, rule: "burst_merged",
            reason: "answered together with message '\(decision.messageID)' (\(decision.decisionID))",
            conversation: decision.conversation, quota: decision.quota, rulesVersion: decision.rulesVersion)
    }

    /// Any stage failure: the configured fallback decides. The conversation
    /// keeps the inbound count (as the message found it); nothing is worded,
    /// nothing consumed; the audit record says it was the fallback.
    func decideByFallback(_ request: inout DecisionRequest, after failure: StageFailure, state: StoredState) {
        let conversation = conversations.receive(
            state.conversation, conversationID: request.event.conversationID, messageID: request.event.messageID,
            at: request.decidedAt)
        request.conversation = conversation
        request.previousState = state.conversation?.state ?? conversation.state
        var verdict = DecisionRequest.Verdict()
        verdict.action = configuration.rules.fallback.action
        verdict.rule = "fallback"
        verdict.reason = failure.description
        verdict.fallback = true
        // A person looks at what the assistant could not decide (no
        // acknowledgement: nothing is worded after a failure).
        verdict.handsOver = verdict.action == .escalate && !conversations.humanActive(conversation)
        request.verdict = verdict
        request.answer = DecisionRequest.Answer()
        request.audit = [request.auditEntry(rulesVersion: rules.version)]
    }

    /// `dec_` + the first 24 hex digits of SHA-256(message id): stable across
    /// machines and replays.
    public static func decisionID(for messageID: String) -> String {
        let digest = SHA256.hash(data: Data(messageID.utf8))
        return "dec_"
            + digest.prefix(12).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
    }
}
