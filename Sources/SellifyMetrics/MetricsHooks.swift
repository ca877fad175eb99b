import Prometheus
public import SellifyCore
public import SellifyLua
import Synchronization

/// The pipeline's metrics subscriber: stage durations, outcomes and errors.
/// Stages hold no metrics code; the runner calls this hook.
public struct StageMetricsHook: StageHook {
    let metrics: SellifyMetrics
    /// Each stage's duration histogram and error counter, looked up once.
    let durations: [StageName: ValueHistogram]
    let errors: [StageName: Counter]
    /// Outcome counters per stage, keyed by the outcome string itself.
    let outcomes: [StageName: OutcomeCounters]

    final class OutcomeCounters: Sendable {
        let stage: StageName
        let metrics: SellifyMetrics
        let table = Mutex<[String: Counter]>([:])
        init(stage: StageName, metrics: SellifyMetrics) {
            self.stage = stage
            self.metrics = metrics
        }
        func increment(_ outcome: String) {
            if let counter = table.withLock({ $0[outcome] }) {
                counter.increment()
                return
            }
            let counter = metrics.counter(MetricCatalog.stageOutcomes, stage.rawValue, outcome)
            table.withLock { $0[outcome] = counter }
            counter.increment()
        }
    }

    public init(metrics: SellifyMetrics) {
        self.metrics = metrics
        var durations: [StageName: ValueHistogram] = [:]
        var errors: [StageName: Counter] = [:]
        for stage in StageName.all {
            durations[stage] = metrics.histogram(MetricCatalog.stageDuration, stage.rawValue)
            errors[stage] = metrics.counter(MetricCatalog.stageErrors, stage.rawValue)
        }
        self.durations = durations
        self.errors = errors
        var outcomes: [StageName: OutcomeCounters] = [:]
        for stage in StageName.all { outcomes[stage] = OutcomeCounters(stage: stage, metrics: metrics) }
        self.outcomes = outcomes
    }

    func outcome(_ stage: StageName, _ outcome: String) {
        if let counters = outcomes[stage] {
            counters.increment(outcome)
        } else {
            metrics.counter(MetricCatalog.stageOutcomes, stage.rawValue, outcome).increment()
        }
    }

    func duration(_ stage: StageName) -> ValueHistogram {
        durations[stage] ?? metrics.histogram(MetricCatalog.stageDuration, stage.rawValue)
    }

    public func stageFinished(_ stage: StageName, outcome: String, nanoseconds: UInt64) {
        duration(stage).record(Double(nanoseconds) / 1e9)
        self.outcome(stage, outcome)
    }

    public func stageFailed(_ stage: StageName, error: any Error, nanoseconds: UInt64) {
        duration(stage).record(Double(nanoseconds) / 1e9)
        self.outcome(stage, "error")
        (errors[stage] ?? metrics.counter(MetricCatalog.stageErrors, stage.rawValue)).increment()
    }
}

extension SellifyMetrics {
    /// Records what one committed decision means for the domain metrics.
    public func record(_ result: DecisionPipeline.Result) {
        guard let decision = result.decision, !result.replayed else { return }
        record(
            decision: decision, newConversation: result.newConversation, validation: result.validation,
            effects: result.effects)
        if let shadow = result.shadow { record(shadow) }
    }

    /// The same from the parts of a result (benchmarks feed it `evaluate()`'s
    /// output). Roll-overs are not counted here: they are their own event.
    public func record(
        decision: Decision, newConversation: Bool, validation: ValidationResult?, effects: LuaState.SideEffects
    ) {
        counter(MetricCatalog.decisions, decision.action.rawValue).increment()
        recordRuleHit(decision.rule)
        counter(MetricCatalog.auditLogs).increment()
        if decision.rule == "quota_enforced" || decision.rule == "quota_exhausted" {
            let exhausted = decision.quota.filter { $0.value.used >= $0.value.limit }.keys.sorted()
            for name in exhausted { counter(MetricCatalog.quotaLimitReached, name).increment() }
        }
        var status: [QuotaEngine.Quota: Decision.QuotaStatus] = [:]
        for (name, value) in decision.quota {
            if let quota = QuotaEngine.Quota(rawValue: name) { status[quota] = value }
        }
        setQuotaGauges(status)
        if newConversation {
            gauge(MetricCatalog.conversationState, decision.conversation.state).increment()
        } else if decision.conversation.state != decision.conversation.previousState {
            gauge(MetricCatalog.conversationState, decision.conversation.previousState).decrement()
            gauge(MetricCatalog.conversationState, decision.conversation.state).increment()
        }
        if let validation { record(validation) }
        recordCustom(effects.metrics)
    }

    func record(_ validation: ValidationResult) {
        counter(MetricCatalog.validationResults, validation.valid ? "valid" : "invalid").increment()
        let forbidden = validation.violations.filter { $0.code == "forbidden_word" || $0.code == "forbidden_pattern" }
        if !forbidden.isEmpty { counter(MetricCatalog.forbiddenWords).increment(by: Int64(forbidden.count)) }
    }

    func recordReset(_ type: QuotaScheduler.ResetType, at time: Timestamp) {
        counter(MetricCatalog.quotaResets, type.rawValue).increment()
        gauge(MetricCatalog.quotaLastReset, type.rawValue).set(to: Double(time.milliseconds) / 1000)
        counter(MetricCatalog.auditLogs).increment()
    }
}

/// The application's metrics subscriber: every domain metric moves here,
/// from `ServiceEvent`s, whichever front end caused them.
public struct MetricsObserver: ServiceObserver {
    public let metrics: SellifyMetrics

    public init(metrics: SellifyMetrics) {
        self.metrics = metrics
    }

    public func observe(_ event: ServiceEvent) {
        switch event {
        case .decided(let result):
            metrics.record(result)
        case .outboundRecorded(let receipt):
            metrics.counter(MetricCatalog.auditLogs).increment()
            metrics.setQuotaGauges(receipt.status)
            for (quota, value) in receipt.status where value.used > value.limit {
                metrics.counter(MetricCatalog.quotaLimitReached, quota.rawValue).increment()
            }
        case .outboundRefused(let quota, _):
            metrics.counter(MetricCatalog.quotaLimitReached, quota.rawValue).increment()
        case .rolledOver(let rollovers, _, let quotas):
            for rollover in rollovers { metrics.recordReset(rollover.type, at: rollover.observedAt) }
            metrics.setQuotaGauges(quotas)
        case .quotaReset(let receipt):
            metrics.recordReset(receipt.type, at: receipt.at)
            metrics.setQuotaGauges(receipt.quotas)
        case .validated(let result, _):
            metrics.record(result)
        case .worded(let attempt):
            metrics.counter(MetricCatalog.aiRequests, attempt.provider, attempt.ok ? "ok" : "error").increment()
            if attempt.ok {
                metrics.histogram(MetricCatalog.aiGenerationDuration, attempt.provider).record(attempt.seconds)
            }
        case .audited(let count):
            metrics.counter(MetricCatalog.auditLogs).increment(by: Int64(count))
        case .storeFailed, .rulesReloaded, .rulesReloadFailed:
            break
        }
    }
}
