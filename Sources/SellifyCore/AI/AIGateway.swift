import Synchronization

/// The time the gateway waits on (back-off, `Retry-After`) and judges its
/// circuit breakers by. `SystemGatewayClock` in production; the tests use a
/// clock that records the waits instead of sleeping.
public protocol GatewayClock: Sendable {
    var now: ContinuousClock.Instant { get }
    func sleep(for duration: Duration) async throws
}

public struct SystemGatewayClock: GatewayClock {
    public init() {}
    public var now: ContinuousClock.Instant { ContinuousClock.now }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// How the gateway treats one provider of the chain.
public struct ProviderPolicy: Sendable, Equatable {
    /// Attempts after the first for a failure worth retrying (429, 5xx, a
    /// reset, a timeout), waiting `backoff`, then twice that… up to
    /// `maxBackoff`, or what `Retry-After` says when longer.
    public var retries: Int
    public var backoff: Duration
    public var maxBackoff: Duration
    /// Requests in flight to this provider at most; one more goes to the next provider.
    public var maxConcurrency: Int
    /// One request, whole.
    public var timeout: Duration
    public var breaker: CircuitBreaker.Configuration
    public init(
        retries: Int = 2, backoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(5),
        maxConcurrency: Int = 4, timeout: Duration = .seconds(10),
        breaker: CircuitBreaker.Configuration = .init()
    ) {
        self.retries = retries
        self.backoff = backoff
        self.maxBackoff = maxBackoff
        self.maxConcurrency = maxConcurrency
        self.timeout = timeout
        self.breaker = breaker
    }
}

/// What the gateway reports as it works: the metrics hook.
public protocol AIGatewayObserver: Sendable {
    /// A request to `provider` ended (`status`: `ok` or a failure's status).
    func requested(provider: String, status: String, duration: Duration, completion: Completion?)
    /// A provider's circuit breaker changed state.
    func circuitChanged(provider: String, to state: CircuitBreaker.State)
    /// A text failed validation and the provider is asked again.
    func reasked(provider: String)
    /// A generation gave no text (`AIGeneration.Fallback`'s raw value).
    func fellBack(reason: String)
}

/// Several observers as one (metrics and alerts), called in order.
public struct AIGatewayObservers: AIGatewayObserver {
    public let observers: [any AIGatewayObserver]
    public init(_ observers: [any AIGatewayObserver]) { self.observers = observers }
    public func requested(provider: String, status: String, duration: Duration, completion: Completion?) {
        for o in observers {
            o.requested(provider: provider, status: status, duration: duration, completion: completion)
        }
    }
    public func circuitChanged(provider: String, to state: CircuitBreaker.State) {
        for o in observers { o.circuitChanged(provider: provider, to: state) }
    }
    public func reasked(provider: String) { for o in observers { o.reasked(provider: provider) } }
    public func fellBack(reason: String) { for o in observers { o.fellBack(reason: reason) } }
}

/// One attempt of a generation, as the audit records it.
public struct GenerationAttempt: Sendable, Equatable, Codable {
    public var provider: String
    public var model: String
    /// `ok`, a failure's status (`rate_limited`, `timeout`…), `circuit_open` or `busy`.
    public var status: String
    public var latencyMicros: Int64
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// The text the provider gave (sealed in the audit: it may quote the customer).
    public var text: String?
    /// Why the validator refused the text (empty: it passed, or there was none).
    public var violations: [Violation]
    /// What went wrong, for people.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case provider, model, status, text, violations, error
        case latencyMicros = "latency_us"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
    }
}

/// What a generation gave: a validated text, or none and why.
public struct AIGeneration: Sendable, Equatable {
    public enum Fallback: String, Sendable, Equatable, Codable, CaseIterable {
        /// Every text a provider gave failed validation, re-asks included.
        case validation
        /// No provider gave a text (errors, open circuits, busy).
        case providersFailed = "providers_failed"
        /// `ai.deadline` passed first.
        case deadline
    }
    public var text: String?
    public var provider: String?
    public var attempts: [GenerationAttempt]
    public var fallback: Fallback?

    /// Every status an attempt may have (metric labels).
    public static let statuses = [
        "ok", "rate_limited", "unavailable", "rejected", "transport_error", "timeout", "malformed", "circuit_open",
        "busy",
    ]
}

/// The chain of generative providers (`ai.providers`), tried in order: per
/// provider retries with exponential back-off honouring `Retry-After`, a
/// concurrency cap and a circuit breaker; every text through `check` (the
/// validator), a refused text re-asked with its violations spelled out, up
/// to `maxReasks`. Nothing here touches a decision: its result is an input
/// the decision records (the text, or the fallback), never the other way.
public final class AIGateway: Sendable {
    public final class Member: Sendable {
        public let provider: any GenerativeProvider
        /// How metrics and the audit name it (`ai.providers[i].name`, else the provider's name).
        public let name: String
        public let policy: ProviderPolicy
        let breaker: CircuitBreaker
        let inFlight = Mutex(0)
        public init(_ provider: any GenerativeProvider, name: String? = nil, policy: ProviderPolicy) {
            self.provider = provider
            self.name = name ?? provider.name
            self.policy = policy
            self.breaker = CircuitBreaker(policy.breaker)
        }
        public var circuit: CircuitBreaker.State { breaker.state }
    }

    public let members: [Member]
    public let maxReasks: Int
    let clock: any GatewayClock
    let observer: (any AIGatewayObserver)?

    public init(
        members: [Member], maxReasks: Int, clock: any GatewayClock = SystemGatewayClock(),
        observer: (any AIGatewayObserver)? = nil
    ) {
        self.members = members
        self.maxReasks = maxReasks
        self.clock = clock
        self.observer = observer
    }

    /// Asks the chain for a text that `check` accepts (the violations of a
    /// text that blocks it; empty: it may be sent), within `deadline`.
    public func generate(
        _ prompt: ChatPrompt, deadline: Duration, check: (String) -> [Violation]
    ) async -> AIGeneration {
        let started = clock.now
        let end = started + deadline
        var attempts: [GenerationAttempt] = []
        var refusedText = false
        for member in members {
            var prompt = prompt
            var retry = 0
            var reasks = 0
            attempt: while true {
                let now = clock.now
                guard now < end else {
                    observer?.fellBack(reason: AIGeneration.Fallback.deadline.rawValue)
                    return AIGeneration(text: nil, provider: nil, attempts: attempts, fallback: .deadline)
                }
                let (admission, changed) = member.breaker.admit(at: now)
                if let changed { observer?.circuitChanged(provider: member.name, to: changed) }
                guard admission != .refused else {
                    attempts.append(member.skipped("circuit_open", "the circuit is open after recent failures"))
                    observer?.requested(
                        provider: member.name, status: "circuit_open", duration: .zero, completion: nil)
                    break attempt
                }
                guard member.acquire() else {
                    if admission == .probe { member.breaker.abandonProbe() }
                    attempts.append(
                        member.skipped("busy", "\(member.policy.maxConcurrency) requests already in flight"))
                    observer?.requested(
                        provider: member.name, status: "busy", duration: .zero, completion: nil)
                    break attempt
                }
                let timeout = min(member.policy.timeout, end - now)
                let result: Result<Completion, ProviderFailure>
                do throws(ProviderFailure) {
                    result = .success(try await member.provider.complete(prompt, timeout: timeout))
                } catch {
                    result = .failure(error)
                }
                member.release()
                let finished = clock.now
                let latency = finished - now
                switch result {
                case .failure(let failure):
                    observer?.requested(
                        provider: member.name, status: failure.status, duration: latency, completion: nil)
                    if let state = member.breaker.record(failed: true, at: finished) {
                        observer?.circuitChanged(provider: member.name, to: state)
                    }
                    attempts.append(member.failed(failure, latency: latency))
                    guard failure.isRetriable, retry < member.policy.retries, admission == .call else { break attempt }
                    let wait = member.policy.wait(before: retry + 1, after: failure)
                    guard finished + wait < end else { break attempt }
                    retry += 1
                    do { try await clock.sleep(for: wait) } catch { break attempt }
                case .success(let completion):
                    observer?.requested(
                        provider: member.name, status: "ok", duration: latency, completion: completion)
                    if let state = member.breaker.record(failed: false, at: finished) {
                        observer?.circuitChanged(provider: member.name, to: state)
                    }
                    let text = completion.text.trimmingWhitespace
                    let violations = check(text)
                    attempts.append(member.answered(completion, text: text, violations: violations, latency: latency))
                    if violations.isEmpty {
                        return AIGeneration(
                            text: text, provider: member.name, attempts: attempts, fallback: nil)
                    }
                    refusedText = true
                    guard reasks < maxReasks else { break attempt }
                    reasks += 1
                    observer?.reasked(provider: member.name)
                    prompt.messages.append(ChatMessage(.assistant, text))
                    prompt.messages.append(ChatMessage(.user, GroundedPrompt.reask(violations)))
                }
            }
        }
        let fallback: AIGeneration.Fallback = refusedText ? .validation : .providersFailed
        observer?.fellBack(reason: fallback.rawValue)
        return AIGeneration(text: nil, provider: nil, attempts: attempts, fallback: fallback)
    }
}

extension AIGateway.Member {
    func acquire() -> Bool {
        inFlight.withLock { count in
            guard count < policy.maxConcurrency else { return false }
            count += 1
            return true
        }
    }
    func release() { inFlight.withLock { $0 -= 1 } }

    func skipped(_ status: String, _ why: String) -> GenerationAttempt {
        GenerationAttempt(
            provider: name, model: provider.model, status: status, latencyMicros: 0, text: nil,
            violations: [], error: why)
    }
    func failed(_ failure: ProviderFailure, latency: Duration) -> GenerationAttempt {
        GenerationAttempt(
            provider: name, model: provider.model, status: failure.status, latencyMicros: latency.micros,
            text: nil, violations: [], error: failure.description)
    }
    func answered(
        _ completion: Completion, text: String, violations: [Violation], latency: Duration
    )
        -> GenerationAttempt
    {
        GenerationAttempt(
            provider: name, model: completion.model, status: "ok", latencyMicros: latency.micros,
            promptTokens: completion.promptTokens, completionTokens: completion.completionTokens, text: text,
            violations: violations, error: nil)
    }
}

extension ProviderPolicy {
    /// The wait before retry `n` (1, 2…): `backoff × 2^(n-1)` capped at
    /// `maxBackoff`, or the provider's `Retry-After` when it asks for longer.
    public func wait(before n: Int, after failure: ProviderFailure) -> Duration {
        var wait = backoff
        for _ in 1..<max(1, n) { wait = min(maxBackoff, wait * 2) }
        wait = min(maxBackoff, wait)
        if case .rateLimited(let retryAfter?) = failure { wait = max(wait, retryAfter) }
        return wait
    }
}

extension Duration {
    var micros: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
