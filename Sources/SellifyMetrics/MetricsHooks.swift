import Prometheus
import SellifyLua
public import SellifyCore

/// The pipeline's metrics subscriber: stage durations, outcomes and errors.
/// Stages hold no metrics code; the runner calls this hook.
public struct StageMetricsHook: StageHook {
    let metrics: SellifyMetrics
    public init(metrics: SellifyMetrics) { self.metrics = metrics }

    public func stageFinished(_ stage: StageName, outcome: String, nanoseconds: UInt64) {
        metrics.histogram(MetricCatalog.stageDuration, stage.rawValue).record(Double(nanoseconds) / 1e9)
        metrics.counter(MetricCatalog.stageOutcomes, stage.rawValue, outcome).increment()
    }

    public func stageFailed(_ stage: StageName, error: any Error, nanoseconds: UInt64) {
        metrics.histogram(MetricCatalog.stageDuration, stage.rawValue).record(Double(nanoseconds) / 1e9)
        metrics.counter(MetricCatalog.stageOutcomes, stage.rawValue, "error").increment()
        metrics.counter(MetricCatalog.stageErrors, stage.rawValue).increment()
    }
}

extension SellifyMetrics {
    /// Records what one committed decision means for the domain metrics.
    public func record(_ result: DecisionPipeline.Result, quota: QuotaEngine) {
        guard let decision = result.decision, !result.replayed else { return }
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
        if result.newConversation {
            gauge(MetricCatalog.conversationState, decision.conversation.state).increment()
        } else if decision.conversation.state != decision.conversation.previousState {
            gauge(MetricCatalog.conversationState, decision.conversation.previousState).decrement()
            gauge(MetricCatalog.conversationState, decision.conversation.state).increment()
        }
        if let validation = result.validation {
            counter(MetricCatalog.validationResults, validation.valid ? "valid" : "invalid").increment()
            let forbidden = validation.violations.filter { $0.code == "forbidden_word" || $0.code == "forbidden_pattern" }
            if !forbidden.isEmpty { counter(MetricCatalog.forbiddenWords).increment(by: Int64(forbidden.count)) }
        }
        for reset in result.resets { counter(MetricCatalog.quotaResets, reset.rawValue).increment() }
        recordCustom(result.effects.metrics)
    }
}
