/// Every metric Sellify exports, declared once: name, type, HELP, label names
/// in a fixed order, buckets. The registry is built from this list only, so a
/// name can never be registered twice with different HELP, buckets or type
/// (swift-prometheus would `fatalError`), and labels are always given in the
/// declared order (two orders would make duplicate series Prometheus drops).
public struct MetricDefinition: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case counter
        case gauge
        /// Upper bounds in the metric's base unit (seconds).
        case histogram(buckets: [Double])

        /// The name of the type in the text format's `# TYPE` line.
        public var typeName: String {
            switch self {
            case .counter: "counter"
            case .gauge: "gauge"
            case .histogram: "histogram"
            }
        }
    }

    public var name: String
    public var kind: Kind
    public var help: String
    public var labels: [String]

    public init(_ name: String, _ kind: Kind, _ help: String, labels: [String] = []) {
        self.name = name
        self.kind = kind
        self.help = help
        self.labels = labels
    }
}

public enum MetricCatalog {
    /// ~1 µs … 100 ms: one pipeline stage.
    public static let stageBuckets: [Double] = [
        0.000_001, 0.000_002_5, 0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5,
        0.005, 0.01, 0.025, 0.05, 0.1,
    ]
    /// ~100 µs … 10 s: one HTTP request.
    public static let httpBuckets: [Double] = [
        0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]
    /// ~10 ms … 60 s: one AI provider generation.
    public static let aiBuckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    // Decisions and conversations
    public static let decisions = MetricDefinition(
        "sellify_decisions_total", .counter, "Decisions made, by action.", labels: ["action"])
    public static let conversationState = MetricDefinition(
        "sellify_conversation_state", .gauge, "Conversations currently in each state.", labels: ["state"])

    // Quotas
    public static let quotaMessagesToday = MetricDefinition(
        "sellify_quota_messages_today", .gauge, "Messages sent in the current local day.")
    public static let quotaMessagesWeek = MetricDefinition(
        "sellify_quota_messages_week", .gauge, "Messages sent in the current week.")
    public static let quotaImagesToday = MetricDefinition(
        "sellify_quota_images_today", .gauge, "Images sent in the current local day.")
    public static let quotaVideosWeek = MetricDefinition(
        "sellify_quota_videos_week", .gauge, "Videos sent in the current week.")
    public static let quotaLimit = MetricDefinition(
        "sellify_quota_limit", .gauge, "Configured limit of each quota.", labels: ["quota_type"])
    public static let quotaResets = MetricDefinition(
        "sellify_quota_resets_total", .counter, "Quota window roll-overs and manual resets, by type.",
        labels: ["reset_type"])
    public static let quotaLastReset = MetricDefinition(
        "sellify_quota_last_reset_timestamp_seconds", .gauge,
        "Unix time the last quota reset was seen, by type: a window roll-over (by the clock or a decision) or a manual reset.",
        labels: ["reset_type"])
    public static let quotaLimitReached = MetricDefinition(
        "sellify_quota_limit_reached_total", .counter,
        "Responses refused because a quota was used up, by quota.", labels: ["quota_type"])

    // AI gateway
    public static let aiGenerationDuration = MetricDefinition(
        "sellify_ai_generation_duration_seconds", .histogram(buckets: aiBuckets),
        "Time a wording provider took to answer a request, by provider.", labels: ["provider"])
    public static let aiRequests = MetricDefinition(
        "sellify_ai_requests_total", .counter,
        "Requests to the wording providers, by provider and status (ok, error for templates; ok, rate_limited, unavailable, rejected, transport_error, timeout, malformed, circuit_open, busy for generative ones).",
        labels: ["provider", "status"])
    public static let aiReasks = MetricDefinition(
        "sellify_ai_reasks_total", .counter, "Generated texts refused by the validator and asked again, by provider.",
        labels: ["provider"])
    public static let aiFallbacks = MetricDefinition(
        "sellify_ai_fallbacks_total", .counter,
        "AI-worded answers that fell back to the template, by reason (validation, providers_failed, deadline).",
        labels: ["reason"])
    public static let aiTokens = MetricDefinition(
        "sellify_ai_tokens_total", .counter, "Tokens the generative providers reported, by provider and kind.",
        labels: ["provider", "kind"])
    public static let aiCircuitState = MetricDefinition(
        "sellify_ai_circuit_state", .gauge,
        "Circuit breaker of each generative provider: 0 closed, 1 open, 2 half-open.",
        labels: ["provider"])

    // Anti-hallucination
    public static let validationResults = MetricDefinition(
        "sellify_validation_results_total", .counter, "Texts validated, by result (valid or invalid).",
        labels: ["result"])
    public static let forbiddenWords = MetricDefinition(
        "sellify_forbidden_words_detected_total", .counter, "Forbidden words or patterns found in outgoing texts.")

    // HTTP
    public static let httpRequests = MetricDefinition(
        "sellify_http_requests_total", .counter, "HTTP requests, by route template and status code.",
        labels: ["endpoint", "status"])
    public static let httpDuration = MetricDefinition(
        "sellify_http_request_duration_seconds", .histogram(buckets: httpBuckets),
        "HTTP request duration, by route template.",
        labels: ["endpoint"])
    public static let httpInFlight = MetricDefinition(
        "sellify_http_requests_in_flight", .gauge,
        "API requests being served now (at most server.max_concurrent_requests; beyond it requests get 503 overloaded)."
    )

    // Audit and alerts
    public static let auditLogs = MetricDefinition(
        "sellify_audit_logs_total", .counter, "Audit records written.")
    public static let storeTransactions = MetricDefinition(
        "sellify_store_transactions_total", .counter,
        "Write transactions of the store's group commit (one fsync each with synchronous: full).")
    public static let storeCommits = MetricDefinition(
        "sellify_store_commits_total", .counter,
        "Commits (decisions, outbound messages, audit records) those transactions carried; per transaction: the batch.")
    public static let storeInstances = MetricDefinition(
        "sellify_store_instances", .gauge,
        "Instances sharing the store that reported in the last 30 s, this one included (1 for the embedded store).")
    public static let storeInstancesDisagreeing = MetricDefinition(
        "sellify_store_instances_disagreeing", .gauge,
        "Of those, the instances running other rules or another catalog than this one (should be 0 outside a rollout)."
    )
    public static let licenseExpiry = MetricDefinition(
        "sellify_license_expiry_timestamp_seconds", .gauge,
        "When the configured license expires (unix seconds); 0 for the community edition (no license).")
    public static let licenseInfo = MetricDefinition(
        "sellify_license_info", .gauge,
        "The running license (always 1): who it is for, the key that signed it, and its status (valid, grace, expired or community).",
        labels: ["licensee", "key_id", "status"])
    public static let licenseLimit = MetricDefinition(
        "sellify_license_limit", .gauge,
        "The most of each thing the license (or the community edition) allows, e.g. instances sharing the store.",
        labels: ["limit"])
    public static let alertsSent = MetricDefinition(
        "sellify_alerts_sent_total", .counter, "Alerts delivered, by severity.", labels: ["severity"])
    public static let ruleHits = MetricDefinition(
        "sellify_rule_hits_total", .counter,
        "Decisions by the rule that made them (the decision's `rule`; at most \(SellifyMetrics.maxRuleSeries) rules, then \"other\").",
        labels: ["rule"])
    public static let alertFailures = MetricDefinition(
        "sellify_alert_delivery_failures_total", .counter,
        "Alert notifications a sink failed to deliver after its retries, by sink.", labels: ["sink"])
    public static let alertsDropped = MetricDefinition(
        "sellify_alerts_dropped_total", .counter,
        "Alert notifications dropped because a sink's queue was full (the oldest goes), by sink.", labels: ["sink"])

    // Pipeline stages
    public static let stageDuration = MetricDefinition(
        "sellify_stage_duration_seconds", .histogram(buckets: stageBuckets), "Time spent in each pipeline stage.",
        labels: ["stage"])
    public static let stageOutcomes = MetricDefinition(
        "sellify_stage_outcomes_total", .counter, "Pipeline stage results, by stage and outcome.",
        labels: ["stage", "outcome"])
    public static let stageErrors = MetricDefinition(
        "sellify_stage_errors_total", .counter, "Pipeline stage failures (the fallback decided), by stage.",
        labels: ["stage"])

    // Rules and build
    public static let rulesReloads = MetricDefinition(
        "sellify_rules_reloads_total", .counter, "Rules reloads, by result (ok or error).", labels: ["result"])
    public static let rulesInfo = MetricDefinition(
        "sellify_rules_info", .gauge, "The loaded rules version (value 1).", labels: ["version"])
    public static let buildInfo = MetricDefinition(
        "sellify_build_info", .gauge, "The running Sellify version (value 1).", labels: ["version"])

    // Rule-defined counters (`metrics.custom`)
    public static let customDropped = MetricDefinition(
        "sellify_custom_metric_drops_total", .counter,
        "Increments from sellify.metrics.inc that were dropped (undeclared name, wrong labels, series limit), by reason.",
        labels: ["reason"])

    // Rule test runs (`sellify test --metrics-textfile DIR`, e.g. from cron)
    public static let ruleTests = MetricDefinition(
        "sellify_rule_tests", .gauge, "Rule test cases in the last `sellify test` run, by result.", labels: ["result"])
    public static let ruleTestsLastRun = MetricDefinition(
        "sellify_rule_tests_last_run_timestamp_seconds", .gauge, "Unix time the last `sellify test` run finished.")

    // Process (standard names)
    public static let processCPU = MetricDefinition(
        "process_cpu_seconds_total", .counter, "Total user and system CPU time spent in seconds.")
    public static let processResident = MetricDefinition(
        "process_resident_memory_bytes", .gauge, "Resident memory size in bytes.")
    public static let processVirtual = MetricDefinition(
        "process_virtual_memory_bytes", .gauge, "Virtual memory size in bytes.")
    public static let processOpenFDs = MetricDefinition(
        "process_open_fds", .gauge, "Number of open file descriptors.")
    public static let processMaxFDs = MetricDefinition(
        "process_max_fds", .gauge, "Maximum number of open file descriptors.")
    public static let processStart = MetricDefinition(
        "process_start_time_seconds", .gauge, "Start time of the process since unix epoch in seconds.")

    public static let all: [MetricDefinition] = [
        decisions, conversationState, quotaMessagesToday, quotaMessagesWeek, quotaImagesToday, quotaVideosWeek,
        quotaLimit,
        quotaResets, quotaLastReset, quotaLimitReached, aiGenerationDuration, aiRequests, aiReasks, aiFallbacks,
        aiTokens, aiCircuitState, validationResults,
        forbiddenWords,
        httpRequests, httpDuration, httpInFlight, auditLogs, storeTransactions, storeCommits, storeInstances,
        storeInstancesDisagreeing, licenseExpiry, licenseInfo, licenseLimit, alertsSent, alertFailures,
        alertsDropped, ruleHits,
        stageDuration, stageOutcomes, stageErrors, rulesReloads, rulesInfo, shadowDecisions, shadowDisagreements,
        buildInfo, customDropped, ruleTests, ruleTestsLastRun, processCPU, processResident, processVirtual,
        processOpenFDs, processMaxFDs, processStart,
    ]
}
