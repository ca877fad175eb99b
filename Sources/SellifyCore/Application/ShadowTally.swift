import Synchronization

/// Shadow comparisons counted for `GET /api/v1/rules`: per pair of enforced
/// rules and candidate versions, so the counts start again when a reload
/// changes either side (and go on through a reload that changes neither,
/// e.g. config only). Decisions still in flight on the previous rules land
/// in their own pair, not in the new one.
public final class ShadowTally: ServiceObserver {
    /// Rules counted per pair, bounded like the rule-hit metric's series.
    public static let maxRules = RuleHits.maxRules
    /// Pairs kept (the running one and a few before it).
    static let maxPairs = 4

    public struct Pair: Sendable, Hashable {
        public var rulesVersion: String
        public var shadowVersion: String
        public init(rulesVersion: String, shadowVersion: String) {
            self.rulesVersion = rulesVersion
            self.shadowVersion = shadowVersion
        }
    }

    public struct RuleCounts: Sendable, Equatable {
        public var disagreements = 0
        public var errors = 0
        public var total: Int { disagreements + errors }
    }

    public struct Counts: Sendable, Equatable {
        public var agreements = 0
        public var disagreements = 0
        public var errors = 0
        /// By the enforced decision's rule: the comparisons that did not agree.
        public var byRule: [String: RuleCounts] = [:]

        public var compared: Int { agreements + disagreements + errors }
        /// agreements / compared; nil before the first comparison.
        public var agreementRatio: Double? { compared == 0 ? nil : Double(agreements) / Double(compared) }

        /// The rules with the most comparisons that did not agree, most first (ties by rule id).
        public func top(_ count: Int) -> [(rule: String, counts: RuleCounts)] {
            byRule.sorted { a, b in a.value.total != b.value.total ? a.value.total > b.value.total : a.key < b.key }
                .prefix(count).map { ($0.key, $0.value) }
        }

        mutating func add(_ comparison: ShadowComparison) {
            let outcome = comparison.outcome
            switch outcome {
            case .agree: agreements += 1
            case .disagree: disagreements += 1
            case .error: errors += 1
            }
            guard outcome != .agree else { return }
            let rule = comparison.enforced.rule
            guard byRule[rule] != nil || byRule.count < ShadowTally.maxRules else { return }
            if outcome == .error { byRule[rule, default: RuleCounts()].errors += 1 }
            if outcome == .disagree { byRule[rule, default: RuleCounts()].disagreements += 1 }
        }
    }

    private struct State {
        var counts: [Pair: Counts] = [:]
        /// Oldest first.
        var order: [Pair] = []
    }
    private let state = Mutex(State())

    public init() {}

    public func observe(_ event: ServiceEvent) {
        guard case .decided(let result) = event, let comparison = result.shadow else { return }
        let pair = Pair(rulesVersion: comparison.rulesVersion, shadowVersion: comparison.shadowVersion)
        state.withLock { state in
            if state.counts[pair] == nil {
                state.order.append(pair)
                if state.order.count > Self.maxPairs {
                    let oldest = state.order.removeFirst()
                    state.counts[oldest] = nil
                }
            }
            state.counts[pair, default: Counts()].add(comparison)
        }
    }

    /// The counts of one pair (zero when nothing was compared under it yet).
    public func counts(_ pair: Pair) -> Counts {
        state.withLock { $0.counts[pair] } ?? Counts()
    }
}
