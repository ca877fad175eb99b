import Synchronization

/// Decisions per rule since the start (`GET /api/v1/rules` shows them),
/// bounded like the rule-hit metric's series.
public final class RuleHits: ServiceObserver {
    public static let maxRules = 200
    private let hits = Mutex<[String: Int]>([:])

    public init() {}

    public func observe(_ event: ServiceEvent) {
        guard case .decided(let result) = event, let decision = result.decision else { return }
        hits.withLock { hits in
            if hits[decision.rule] != nil || hits.count < Self.maxRules { hits[decision.rule, default: 0] += 1 }
        }
    }

    public var counts: [String: Int] { hits.withLock { $0 } }
}
