import Crypto
import Foundation
public import SellifyLua

/// Runs the engines of SPEC §3 for one message event and commits the result.
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
    public let rules: RuleSet
    public let catalog: Catalog
    public let configuration: SellifyConfiguration
    public let store: any DecisionStore
    public let calendar: QuotaCalendar
    public let quota: QuotaEngine
    public let conversations: ConversationEngine
    public let scheduler: QuotaScheduler
    /// Orders decisions on this store (shared by the pipelines of successive rule reloads).
    public let sequencer: DecisionSequencer
    let alerts: AlertEngine
    let runner: StageRunner
    /// Attempts before a contended commit gives up (then the fallback decides).
    public static let maxAttempts = 32

    public struct Result: Sendable {
        /// The decision as returned to the caller (with the trace when asked).
        public var bytes: [UInt8]
        /// nil when `bytes` are a stored decision replayed for a repeated message id.
        public var decision: Decision?
        public var replayed: Bool
        /// Alerts raised by this decision (after it committed).
        public var alerts: [AlertEvent]
        public var effects: LuaState.SideEffects
        public var resets: [QuotaScheduler.ResetType]
        /// The validator's verdict on the answer, when there was text.
        public var validation: ValidationResult? = nil
        /// Whether this message started the conversation.
        public var newConversation = false
    }

    public init(
        rules: RuleSet, catalog: Catalog, configuration: SellifyConfiguration, store: any DecisionStore,
        hooks: [any StageHook] = [], clock: any PipelineClock = MonotonicClock(), scheduler: QuotaScheduler = QuotaScheduler(),
        sequencer: DecisionSequencer = DecisionSequencer()
    ) {
        self.sequencer = sequencer
        self.rules = rules
        self.catalog = catalog
        self.configuration = configuration
        self.store = store
        self.scheduler = scheduler
        calendar = QuotaCalendar(timeZone: configuration.quotaTimeZone.timeZone, weekStart: configuration.quotas.weekStartsOn)
        quota = QuotaEngine(limits: configuration.quotas.limits, calendar: calendar, warnRatio: configuration.quotas.warnRatio)
        conversations = ConversationEngine(configuration: configuration.conversation)
        alerts = AlertEngine(conditions: configuration.alerts.conditions, warnRatio: configuration.quotas.warnRatio)
        let response = ResponseEngine(
            templates: rules.templates, account: configuration.account, defaultLanguage: rules.intents.defaultLanguage)
        runner = StageRunner(
            stages: [
                NormalizerStage(),
                IntentStage(classifier: IntentClassifier(intents: rules.intents, catalog: catalog)),
                ConversationStage(engine: conversations),
                QuotaStage(engine: quota),
                RateLimitStage(engine: RateLimitEngine(configuration: configuration.conversation.cooldown)),
                DecisionStage(rules: rules, catalog: catalog, account: configuration.account, quota: quota, conversation: conversations),
                ResponseStage(engine: response),
                ValidationStage(
                    validator: TextValidator(
                        rules: rules, catalog: catalog, validation: configuration.validation, account: configuration.account),
                    account: configuration.account),
                AuditStage(rulesVersion: rules.version),
                AlertStage(engine: alerts, quota: quota),
            ],
            hooks: hooks, clock: clock)
    }

    /// Decides `event`: runs the stages and commits, or returns the stored
    /// decision for a message id decided before. Never throws for rule or stage
    /// failures (the fallback decides); throws only when the store cannot
    /// record anything at all.
    public func decide(_ event: MessageEvent, at decidedAt: Timestamp, trace: Bool = false) throws(StoreError) -> Result {
        // A repeated message id is found by the commit itself (`.duplicate`),
        // which saves a read on every new message; evaluating first is
        // harmless because evaluation writes nothing.
        let counters = quota.counters(calendar.windows(at: decidedAt))
        for _ in 0..<Self.maxAttempts {
            // Read, evaluate and queue in one sequence (the sequencer's order is
            // the serial order), then wait for durability outside it, so
            // concurrent decisions share a group commit instead of racing.
            let (state, request, decision, raised, ticket, token) = try sequencer.sequence {
                () throws(StoreError) -> (StoredState, DecisionRequest, Decision, [AlertEvent], any CommitTicket, DecisionSequencer.Token) in
                var state = try store.state(conversationID: event.conversationID, counters: counters)
                sequencer.overlay(&state, conversationID: event.conversationID)
                let (request, decision, raised) = evaluate(event, at: decidedAt, state: state, trace: trace)
                let commit = DecisionCommit(
                    messageID: event.messageID, decidedAt: decidedAt, conversation: request.conversation,
                    expectedConversationVersion: state.conversation?.version, expectedUsage: state.usage,
                    consumption: request.consumption, decision: decision.jsonBytes(includeTrace: false), audit: request.audit)
                let ticket = try store.submit(commit)
                let token = sequencer.pend(commit)
                return (state, request, decision, raised, ticket, token)
            }
            let outcome: CommitOutcome
            do {
                outcome = try ticket.outcome()
            } catch {
                sequencer.settle(token)
                throw error
            }
            sequencer.settle(token)
            switch outcome {
            case .committed:
                var request = request
                let resets = scheduler.observe(request.windows)
                request.alerts = raised
                return Result(
                    bytes: decision.jsonBytes(includeTrace: trace), decision: decision, replayed: false, alerts: raised,
                    effects: request.ruleEffects, resets: resets, validation: request.validation,
                    newConversation: state.conversation == nil)
            case .duplicate(let bytes):
                return Result(bytes: bytes, decision: nil, replayed: true, alerts: [], effects: .init(), resets: [])
            case .conflict:
                continue
            }
        }
        throw StoreError("commit decision for message '\(event.messageID)': still contended after \(Self.maxAttempts) attempts")
    }

    /// What would be decided for `event` at `decidedAt` given `state`, without
    /// reading or writing the store: the pure part of a decision (replays and
    /// benchmarks use it). Returns the request with what a commit would
    /// write, the decision and the alerts raised.
    public func evaluate(_ event: MessageEvent, at decidedAt: Timestamp, state: StoredState, trace wantTrace: Bool = false)
        -> (DecisionRequest, Decision, [AlertEvent])
    {
        let initial = conversations.receive(state.conversation, conversationID: event.conversationID, at: decidedAt)
        var request = DecisionRequest(
            event: event, decidedAt: decidedAt, calendar: calendar, stored: state, conversation: initial)
        var trace: [Decision.TraceEntry]? = wantTrace ? [] : nil
        var raised: [AlertEvent] = []
        do {
            try runner.run(&request, trace: &trace)
        } catch {
            // Any stage failure: the configured fallback decides. The
            // conversation keeps the inbound count; nothing is consumed.
            let conversation = conversations.receive(
                state.conversation, conversationID: event.conversationID, at: decidedAt)
            request.conversation = conversation
            request.previousState = state.conversation?.state ?? conversation.state
            request.action = configuration.rules.fallback.action
            request.rule = "fallback"
            request.reason = error.description
            request.template = nil
            request.text = nil
            request.media = nil
            request.fallback = true
            request.audit = [request.auditEntry(rulesVersion: rules.version)]
            if let alert = alerts.stageFailure(error) { raised.append(alert) }
        }
        raised += request.alerts
        if request.action.isResponse {
            request.consumption = quota.consumption(for: request.action, request.windows)
            conversations.recordReply(to: &request.conversation, at: decidedAt)
        }
        if request.quota.isEmpty { request.quota = quota.status(usage: state.usage, request.windows) }
        let after = quota.status(usage: state.usage, consumption: request.consumption, request.windows)
        var quotaOut: [String: Decision.QuotaStatus] = [:]
        for (name, status) in after { quotaOut[name.rawValue] = status }
        request.conversation.version = (state.conversation?.version ?? 0) + 1
        let decision = Decision(
            decisionID: Self.decisionID(for: event.messageID), conversationID: event.conversationID,
            messageID: event.messageID, decidedAt: decidedAt, action: request.action, rule: request.rule, reason: request.reason,
            text: request.text, media: request.media, product: request.product?.id,
            language: request.classification?.language, intent: request.classification?.intent.rawValue,
            conversation: .init(state: request.conversation.state, previousState: request.previousState),
            quota: quotaOut, rulesVersion: rules.version, fallback: request.fallback ? true : nil, trace: trace)
        return (request, decision, raised)
    }

    /// `dec_` + the first 24 hex digits of SHA-256(message id): stable across
    /// machines and replays.
    public static func decisionID(for messageID: String) -> String {
        let digest = SHA256.hash(data: Data(messageID.utf8))
        return "dec_" + digest.prefix(12).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
