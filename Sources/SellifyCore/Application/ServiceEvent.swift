public import SellifyYAML

/// What the application layer tells its observers after the fact: a
/// decision committed, a window rolled over, a text validated… Effects that
/// are not part of a decision's durable record — metrics, alerts, rule hit
/// counts, logs — subscribe here; no front end applies them by hand, so the
/// HTTP route, `sellify decide` and the rule tests move the same numbers.
///
/// Observers run on the caller's thread, after the write is durable; they
/// must not block (queue slow work).
public enum ServiceEvent: Sendable {
    /// A new decision, durable. Replays of a repeated message id are not reported.
    case decided(DecisionPipeline.Result)
    /// A message a person sent (`POST /api/v1/messages`), counted and durable.
    case outboundRecorded(OutboundReceipt)
    /// An outbound message refused because it would exceed a quota (`check_quota`).
    case outboundRefused(QuotaEngine.Quota, Decision.QuotaStatus)
    /// Quota windows that began, saved (with their audit records) before
    /// reported; `quotas` is the usage read right after.
    case rolledOver([Rollover], source: RolloverSource, quotas: [QuotaEngine.Quota: Decision.QuotaStatus])
    /// A manual quota reset, durable.
    case quotaReset(QuotaResetReceipt)
    /// A text checked outside a decision (`/validate`, or a generated text).
    case validated(ValidationResult, source: ValidationSource)
    /// One attempt of the wording provider outside a decision (`/generate`).
    case worded(WordingAttempt)
    /// Audit records appended outside a decision (validations, reloads, reads).
    case audited(count: Int)
    /// The store refused a write or a read the caller needed.
    case storeFailed(StoreError)
    /// A rules reload: the new snapshot is live.
    case rulesReloaded(version: String, changed: Bool)
    /// A rules reload that failed; the running rules stay.
    case rulesReloadFailed([Diagnostic])
}

public enum RolloverSource: String, Sendable {
    /// The clock's periodic tick.
    case clock
    /// A decision made in a window nothing had seen yet.
    case decision
}

public enum ValidationSource: String, Sendable {
    /// A caller's text (`POST /api/v1/validate`, `sellify validate`).
    case request
    /// A text a wording provider produced (`POST /api/v1/generate`).
    case generation
}

/// One ask of a wording provider, timed (monotonic; for metrics only).
public struct WordingAttempt: Sendable {
    public var provider: String
    public var ok: Bool
    public var seconds: Double
}

public protocol ServiceObserver: Sendable {
    func observe(_ event: ServiceEvent)
}
