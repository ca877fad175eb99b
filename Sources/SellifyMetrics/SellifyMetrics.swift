import Foundation
public import Prometheus
public import SellifyCore
public import SellifyLua
import Synchronization

/// The Prometheus backend of Sellify's metrics: one registry built from
/// `MetricCatalog`, a typed way to record into it, and the exposition.
/// Business code never names a metric by string: it calls these methods.
public final class SellifyMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let definitions: [String: MetricDefinition]
    /// Counters the rules may increment, from `metrics.custom`, by name.
    private let custom: [String: (definition: MetricDefinition, maxSeries: Int)]
    /// Label sets seen per custom counter (to bound its series).
    private let customSeries = Mutex<[String: Set<[String]>]>([:])
    /// Rules seen so far (`sellify_rule_hits_total` keeps at most `maxRuleSeries`).
    private let ruleNames = Mutex<Set<String>>([])
    public static let maxRuleSeries = 200

    /// Counts a decision under its rule; past the series bound, under "other".
    public func recordRuleHit(_ rule: String) {
        counter(MetricCatalog.ruleHits, ruleLabel(rule)).increment()
    }

    /// A rule id as a label value: the first `maxRuleSeries` rules seen (by
    /// any rule-labelled metric) are themselves, any later one is "other".
    func ruleLabel(_ rule: String) -> String {
        ruleNames.withLock { names -> String in
            if names.contains(rule) { return rule }
            if names.count >= Self.maxRuleSeries { return "other" }
            names.insert(rule)
            return rule
        }
    }

    /// `custom` are the counters of `metrics.custom`; their names must not be
    /// catalogue names (config validation reports that).
    public init(catalog: [MetricDefinition] = MetricCatalog.all, custom: [CustomMetricConfiguration] = []) {
        var definitions: [String: MetricDefinition] = [:]
        for definition in catalog {
            precondition(definitions[definition.name] == nil, "metric \(definition.name) is declared twice")
            definitions[definition.name] = definition
        }
        var customs: [String: (MetricDefinition, Int)] = [:]
        for metric in custom where definitions[metric.name] == nil && customs[metric.name] == nil {
            customs[metric.name] = (
                MetricDefinition(metric.name, .counter, metric.help, labels: metric.labels), metric.maxSeries
            )
        }
        self.definitions = definitions
        self.custom = customs
        registry = PrometheusCollectorRegistry()
    }

    /// Applies the rules' `sellify.metrics.inc` calls: only declared counters,
    /// with exactly the declared label names, and at most `max_series`
    /// label sets each; anything else is dropped and counted by reason.
    public func recordCustom(_ increments: [LuaState.SideEffects.MetricIncrement]) {
        for increment in increments {
            guard let (definition, maxSeries) = custom[increment.name] else {
                counter(MetricCatalog.customDropped, "undeclared").increment()
                continue
            }
            // Labels arrive sorted by name; give them in the declared order.
            var byName: [String: String] = [:]
            for (name, value) in increment.labels { byName[name] = value }
            guard byName.count == definition.labels.count,
                let values = Optional(definition.labels.compactMap({ byName[$0] })),
                values.count == definition.labels.count
            else {
                counter(MetricCatalog.customDropped, "labels").increment()
                continue
            }
            let admitted = customSeries.withLock { seen -> Bool in
                var series = seen[definition.name, default: []]
                if series.contains(values) { return true }
                guard series.count < maxSeries else { return false }
                series.insert(values)
                seen[definition.name] = series
                return true
            }
            guard admitted else {
                counter(MetricCatalog.customDropped, "series_limit").increment()
                continue
            }
            registry.makeCounter(descriptor: descriptor(definition), labels: Array(zip(definition.labels, values)))
                .increment()
        }
    }

    // MARK: - Series, always in the declared label order

    private func descriptor(_ d: MetricDefinition) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: d.name, unitName: "", helpText: d.help)
    }

    private func labels(_ d: MetricDefinition, _ values: [String]) -> [(String, String)] {
        precondition(values.count == d.labels.count, "\(d.name) takes labels \(d.labels), got \(values)")
        return Array(zip(d.labels, values))
    }

    /// Series handles by name and label values: the registry's own lookup
    /// (validation, lock, two dictionaries) costs microseconds per call, too
    /// much for every stage of every decision. One typed table per kind.
    private let counters = Mutex<[String: Counter]>([:])
    private let gauges = Mutex<[String: Gauge]>([:])
    private let histograms = Mutex<[String: ValueHistogram]>([:])

    private static func key(_ d: MetricDefinition, _ values: [String]) -> String {
        if values.isEmpty { return d.name }
        var key = d.name
        for value in values {
            key.append("\u{1F}")
            key.append(value)
        }
        return key
    }

    public func counter(_ d: MetricDefinition, _ values: String...) -> Counter {
        let key = Self.key(d, values)
        if let handle = counters.withLock({ $0[key] }) { return handle }
        let handle = registry.makeCounter(descriptor: descriptor(d), labels: labels(d, values))
        counters.withLock { $0[key] = handle }
        return handle
    }

    public func gauge(_ d: MetricDefinition, _ values: String...) -> Gauge {
        let key = Self.key(d, values)
        if let handle = gauges.withLock({ $0[key] }) { return handle }
        let handle = registry.makeGauge(descriptor: descriptor(d), labels: labels(d, values))
        gauges.withLock { $0[key] = handle }
        return handle
    }

    /// Removes one gauge series from the exposition (the registry drops the
    /// family with its last series; `exposition()` still declares it).
    private func removeGauge(_ d: MetricDefinition, _ values: String...) {
        guard let handle = gauges.withLock({ $0.removeValue(forKey: Self.key(d, values)) }) else { return }
        registry.unregisterGauge(handle)
    }

    public func histogram(_ d: MetricDefinition, _ values: String...) -> ValueHistogram {
        guard case .histogram(let buckets) = d.kind else { preconditionFailure("\(d.name) is not a histogram") }
        let key = Self.key(d, values)
        if let handle = histograms.withLock({ $0[key] }) { return handle }
        let handle = registry.makeValueHistogram(descriptor: descriptor(d), labels: labels(d, values), buckets: buckets)
        histograms.withLock { $0[key] = handle }
        return handle
    }

    // MARK: - Rules version

    /// The version `sellify_rules_info` shows; the lock also keeps two
    /// concurrent switches from leaving both versions' series behind.
    private let rulesVersion = Mutex<String?>(nil)
    private let license = Mutex<(info: [String], limits: [String])?>(nil)

    /// The license gauges of `deployment` at `now`: its expiry, one info
    /// series and one limit series per limit in force (the old ones removed).
    public func showLicense(of deployment: Deployment, at now: Timestamp) {
        let summary = deployment.licenseSummary(at: now)
        let limits = deployment.licenseLimits
        gauge(MetricCatalog.licenseExpiry).set(to: summary.expires.map { Double($0.milliseconds) / 1000 } ?? 0)
        license.withLock { current in
            let info = [summary.licensee, summary.keyID, summary.status]
            gauge(MetricCatalog.licenseInfo, info[0], info[1], info[2]).set(to: 1)
            for (name, value) in limits { gauge(MetricCatalog.licenseLimit, name).set(to: Double(value)) }
            if let previous = current {
                if previous.info != info {
                    removeGauge(MetricCatalog.licenseInfo, previous.info[0], previous.info[1], previous.info[2])
                }
                for name in previous.limits where limits[name] == nil { removeGauge(MetricCatalog.licenseLimit, name) }
            }
            current = (info, limits.keys.sorted())
        }
    }

    /// Shows `version` as the loaded rules version: its `sellify_rules_info`
    /// series is 1 and the previous version's series is removed, so the family
    /// always has exactly one series (a query such as `sellify_rules_info`
    /// never returns retired versions, whatever their value).
    public func setRulesVersion(_ version: String) {
        rulesVersion.withLock { current in
            // The new series first: the family is never empty in between.
            gauge(MetricCatalog.rulesInfo, version).set(to: 1)
            if let previous = current, previous != version { removeGauge(MetricCatalog.rulesInfo, previous) }
            current = version
        }
    }

    // MARK: - Start-up

    /// Creates every bounded series at zero (actions, stages, quotas…) so
    /// dashboards and `rate()` see them before the first event, and sets the
    /// info gauges.
    public func prepare(configuration: SellifyConfiguration, rulesVersion: String) {
        for action in Action.allCases { _ = counter(MetricCatalog.decisions, action.rawValue) }
        for stage in StageName.all {
            _ = histogram(MetricCatalog.stageDuration, stage.rawValue)
            _ = counter(MetricCatalog.stageErrors, stage.rawValue)
        }
        for result in ["valid", "invalid"] { _ = counter(MetricCatalog.validationResults, result) }
        for quota in QuotaEngine.Quota.allCases { _ = counter(MetricCatalog.quotaLimitReached, quota.rawValue) }
        for reset in QuotaScheduler.ResetType.allCases { _ = counter(MetricCatalog.quotaResets, reset.rawValue) }
        for severity in AlertEvent.Severity.allCases { _ = counter(MetricCatalog.alertsSent, severity.rawValue) }
        for result in ["ok", "error"] { _ = counter(MetricCatalog.rulesReloads, result) }
        let ai = configuration.ai
        for status in ["ok", "error"] { _ = counter(MetricCatalog.aiRequests, ai.provider, status) }
        _ = histogram(MetricCatalog.aiGenerationDuration, ai.provider)
        for provider in Set(ai.generative.map(\.label)).sorted() {
            for status in AIGeneration.statuses { _ = counter(MetricCatalog.aiRequests, provider, status) }
            _ = histogram(MetricCatalog.aiGenerationDuration, provider)
            _ = counter(MetricCatalog.aiReasks, provider)
            for kind in ["prompt", "completion"] { _ = counter(MetricCatalog.aiTokens, provider, kind) }
            gauge(MetricCatalog.aiCircuitState, provider).set(to: 0)
        }
        for reason in AIGeneration.Fallback.allCases { _ = counter(MetricCatalog.aiFallbacks, reason.rawValue) }
        _ = counter(MetricCatalog.forbiddenWords)
        for reason in ["undeclared", "labels", "series_limit"] { _ = counter(MetricCatalog.customDropped, reason) }
        _ = counter(MetricCatalog.auditLogs)
        gauge(MetricCatalog.storeInstances).set(to: 1)
        gauge(MetricCatalog.storeInstancesDisagreeing).set(to: 0)
        prepareShadow()
        for state in configuration.conversation.states { gauge(MetricCatalog.conversationState, state).set(to: 0) }
        let limits = configuration.quotas.limits
        for (quota, limit) in [
            ("messages_today", limits.messagesPerDay), ("messages_week", limits.messagesPerWeek),
            ("images_today", limits.imagesPerDay), ("videos_week", limits.videosPerWeek),
        ] {
            gauge(MetricCatalog.quotaLimit, quota).set(to: Double(limit))
        }
        for d in [
            MetricCatalog.quotaMessagesToday, MetricCatalog.quotaMessagesWeek, MetricCatalog.quotaImagesToday,
            MetricCatalog.quotaVideosWeek,
        ] {
            gauge(d).set(to: 0)
        }
        gauge(MetricCatalog.buildInfo, SellifyVersion.current).set(to: 1)
        setRulesVersion(rulesVersion)
        ProcessMetrics.prepare(self)
    }

    /// Sets the gauges that mirror stored state (quota usage in the current
    /// windows, conversations per state), so they are right from the start.
    public func loadState(from store: any DecisionStore, quota: QuotaEngine, at now: Timestamp) throws(StoreError) {
        let windows = quota.calendar.windows(at: now)
        let usage = try store.usage(of: quota.counters(windows))
        setQuotaGauges(quota.status(usage: usage, windows))
        for (state, count) in try store.conversationCountsByState() {
            gauge(MetricCatalog.conversationState, state).set(to: Double(count))
        }
    }

    public func setQuotaGauges(_ status: [QuotaEngine.Quota: Decision.QuotaStatus]) {
        for (quota, value) in status {
            let definition: MetricDefinition
            switch quota {
            case .messagesToday: definition = MetricCatalog.quotaMessagesToday
            case .messagesWeek: definition = MetricCatalog.quotaMessagesWeek
            case .imagesToday: definition = MetricCatalog.quotaImagesToday
            case .videosWeek: definition = MetricCatalog.quotaVideosWeek
            }
            gauge(definition).set(to: Double(value.used))
        }
    }

    // MARK: - Exposition

    /// Gauges read from live state when the exposition is made (e.g. requests
    /// in flight), so the hot path that owns the state never touches a metric.
    private let refreshers = Mutex<[@Sendable (SellifyMetrics) -> Void]>([])

    public func refreshOnExposition(_ refresh: @escaping @Sendable (SellifyMetrics) -> Void) {
        refreshers.withLock { $0.append(refresh) }
    }

    /// The Prometheus text format (version 0.0.4), process metrics refreshed,
    /// families sorted by name (the registry emits them in hash order).
    public func exposition() -> String {
        ProcessMetrics.refresh(self)
        for refresh in refreshers.withLock({ $0 }) { refresh(self) }
        let text = registry.emitToString()
        var families: [(name: Substring, lines: [Substring])] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP ")
                || (line.hasPrefix("# TYPE ") && families.last?.lines.last?.hasPrefix("# HELP") != true)
            {
                let name = line.dropFirst(7).prefix { $0 != " " }
                families.append((name, [line]))
            } else if families.isEmpty {
                families.append(("", [line]))
            } else {
                families[families.count - 1].lines.append(line)
            }
        }
        // The registry emits a family only once it has a series; families
        // whose label values come with use (routes, sinks, rules, a reset's
        // time) are declared anyway, so every name is known from the start.
        let emitted = Set(families.map { String($0.name) })
        let undeclared = (Array(definitions.values) + custom.values.map(\.definition)).filter {
            !emitted.contains($0.name)
        }
        for definition in undeclared {
            families.append((Substring(definition.name), Self.declaration(definition)))
        }
        families.sort { $0.name < $1.name }
        return families.map { $0.lines.joined(separator: "\n") + "\n" }.joined()
    }

    /// The HELP and TYPE lines of a family with no series yet (HELP escaped
    /// as the text format asks: backslash and line feed).
    static func declaration(_ d: MetricDefinition) -> [Substring] {
        let help = d.help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
        return ["# HELP \(d.name) \(help)", "# TYPE \(d.name) \(d.kind.typeName)"]
    }
}
