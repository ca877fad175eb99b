import Prometheus
public import SellifyCore

extension MetricCatalog {
    // Shadow rules (`rules/shadow/decision.lua`): compared on every decision, never enforced
    public static let shadowDecisions = MetricDefinition(
        "sellify_shadow_decisions_total", .counter,
        "Decisions the shadow rules were compared on, by result: agree (same action, rule, template, product and state), disagree, or error (the candidate failed; the decision stood).",
        labels: ["result"])
    public static let shadowDisagreements = MetricDefinition(
        "sellify_shadow_disagreements_total", .counter,
        "Shadow comparisons that did not agree (disagree or error), by the enforced decision's rule (at most \(SellifyMetrics.maxRuleSeries) rules, then \"other\").",
        labels: ["rule"])
}

extension SellifyMetrics {
    /// One committed decision's shadow comparison (and the audit record of a
    /// comparison that did not agree).
    public func record(_ comparison: ShadowComparison) {
        let outcome = comparison.outcome
        counter(MetricCatalog.shadowDecisions, outcome.rawValue).increment()
        guard outcome != .agree else { return }
        counter(MetricCatalog.shadowDisagreements, ruleLabel(comparison.enforced.rule)).increment()
        counter(MetricCatalog.auditLogs).increment()
    }

    /// Every result at zero from the start, with or without a shadow.
    func prepareShadow() {
        for outcome in ShadowComparison.Outcome.allCases {
            _ = counter(MetricCatalog.shadowDecisions, outcome.rawValue)
        }
    }
}
