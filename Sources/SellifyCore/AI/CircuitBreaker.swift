import Synchronization

/// When a provider is known dead, stop asking it: a circuit breaker per
/// provider of `ai.providers`.
///
/// - **closed**: calls go through; the outcomes of the last `window` calls
///   are kept. It opens after `failures` consecutive failures, or when at
///   least `minimumCalls` of the window are known and `failureRatio` of them
///   failed.
/// - **open**: calls are refused at once (the gateway goes to the next
///   provider) until `coolDown` has passed since it opened.
/// - **half-open**: one probe call at a time goes through; success closes
///   the breaker (the window starts afresh), failure opens it again.
///
/// Time comes from the gateway's clock (a test clock in the tests): the
/// breaker never reads the wall clock itself.
public final class CircuitBreaker: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var failures: Int
        public var failureRatio: Double
        public var window: Int
        public var minimumCalls: Int
        public var coolDown: Duration
        public init(
            failures: Int = 5, failureRatio: Double = 0.5, window: Int = 20, minimumCalls: Int = 10,
            coolDown: Duration = .seconds(30)
        ) {
            self.failures = failures
            self.failureRatio = failureRatio
            self.window = window
            self.minimumCalls = minimumCalls
            self.coolDown = coolDown
        }
    }

    public enum State: String, Sendable, Equatable, CaseIterable {
        case closed, open
        case halfOpen = "half_open"
        /// The gauge value of `sellify_ai_circuit_state`: 0 closed, 1 open, 2 half-open.
        public var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }
    }

    /// Whether a call may go through, and if so whether it is the probe.
    public enum Admission: Sendable, Equatable {
        case call
        case probe
        case refused
    }

    struct Inner {
        var state: State = .closed
        var outcomes: [Bool] = []  // true: failed; the last `window` calls
        var consecutive = 0
        var openedAt: ContinuousClock.Instant?
        var probing = false
    }

    public let configuration: Configuration
    private let inner = Mutex(Inner())

    public init(_ configuration: Configuration) { self.configuration = configuration }

    public var state: State { inner.withLock { $0.state } }

    /// Asks to make a call at `now`; a `.probe` must be followed by `record`.
    /// Returns the admission and the state change it made (open → half-open), if any.
    public func admit(at now: ContinuousClock.Instant) -> (Admission, changed: State?) {
        inner.withLock { inner in
            switch inner.state {
            case .closed:
                return (.call, nil)
            case .open:
                guard let opened = inner.openedAt, now - opened >= configuration.coolDown else {
                    return (.refused, nil)
                }
                inner.state = .halfOpen
                inner.probing = true
                return (.probe, .halfOpen)
            case .halfOpen:
                if inner.probing { return (.refused, nil) }
                inner.probing = true
                return (.probe, nil)
            }
        }
    }

    /// Records a call's outcome; returns the new state when it changed.
    @discardableResult
    public func record(failed: Bool, at now: ContinuousClock.Instant) -> State? {
        inner.withLock { inner in
            switch inner.state {
            case .halfOpen:
                inner.probing = false
                if failed {
                    inner.state = .open
                    inner.openedAt = now
                    return .open
                }
                inner = Inner()
                return .closed
            case .open:
                // A call admitted before the breaker opened: its outcome is history.
                return nil
            case .closed:
                inner.outcomes.append(failed)
                if inner.outcomes.count > configuration.window { inner.outcomes.removeFirst() }
                inner.consecutive = failed ? inner.consecutive + 1 : 0
                let failedCount = inner.outcomes.filter { $0 }.count
                let ratioTrips =
                    inner.outcomes.count >= configuration.minimumCalls
                    && Double(failedCount) >= configuration.failureRatio * Double(inner.outcomes.count)
                guard failed, inner.consecutive >= configuration.failures || ratioTrips else { return nil }
                inner.state = .open
                inner.openedAt = now
                inner.outcomes = []
                inner.consecutive = 0
                return .open
            }
        }
    }

    /// A probe admitted but never made (the deadline passed first): let the next one go.
    public func abandonProbe() {
        inner.withLock { $0.probing = false }
    }
}
