public import SellifyLua

/// One decision's comparison of the enforced `decide(ctx)` with the shadow
/// candidate's, on the same ctx. It never changes the decision: it is
/// recorded (audit record `shadow` when they do not agree) and counted.
public struct ShadowComparison: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable, StageOutcome {
        /// The same action, rule, template, product and state.
        case agree
        /// Another decision in at least one of those fields.
        case disagree
        /// The candidate failed (a Lua error, a budget, a bad return value).
        case error
    }

    /// The fields compared; `reason` is prose for operators and is not.
    public static let comparedFields = ["action", "rule", "template", "product", "state"]

    /// The enforced rules' version and the candidate's (its version once promoted).
    public var rulesVersion: String
    public var shadowVersion: String
    /// What the enforced `decide(ctx)` proposed (before the host's enforcement).
    public var enforced: PolicyDecision
    /// What the candidate proposed for the same ctx, or why it could not.
    public var shadow: Result<PolicyDecision, LuaError>

    public init(
        enforced: PolicyDecision, shadow: Result<PolicyDecision, LuaError>, rulesVersion: String, shadowVersion: String
    ) {
        self.enforced = enforced
        self.shadow = shadow
        self.rulesVersion = rulesVersion
        self.shadowVersion = shadowVersion
    }

    /// The compared fields in which the two decisions differ (empty on an error).
    public var differences: [String] {
        guard case .success(let candidate) = shadow else { return [] }
        let a = Self.compared(enforced)
        let b = Self.compared(candidate)
        return Self.comparedFields.indices.filter { a[$0] != b[$0] }.map { Self.comparedFields[$0] }
    }

    public var outcome: Outcome {
        guard case .success = shadow else { return .error }
        return differences.isEmpty ? .agree : .disagree
    }

    static func compared(_ d: PolicyDecision) -> [String?] {
        [d.action.rawValue, d.rule, d.template, d.product, d.state]
    }

    /// The audit summary: rule ids, names and the error's kind and line —
    /// never customer text, nor the rules' reasons (which may quote it).
    public var summary: String {
        func fields(_ d: PolicyDecision) -> JSONObjectWriter {
            var o = JSONObjectWriter()
            for (name, value) in zip(Self.comparedFields, Self.compared(d)) {
                o[name] = value.map { .string($0) } ?? .null
            }
            return o
        }
        var o = JSONObjectWriter()
        o["result"] = .string(outcome.rawValue)
        o["agree"] = .bool(outcome == .agree)
        o["enforced"] = .object(fields(enforced))
        switch shadow {
        case .success(let candidate):
            o["shadow"] = .object(fields(candidate))
            o["differs"] = .array(differences.map { .string($0) })
        case .failure(let error):
            var failure = JSONObjectWriter()
            failure["kind"] = .string(error.kind.rawValue)
            failure["file"] = error.file.map { .string($0) } ?? .null
            failure["line"] = error.line.map { .int($0) } ?? .null
            var candidate = JSONObjectWriter()
            candidate["error"] = .object(failure)
            o["shadow"] = .object(candidate)
        }
        o["shadow_version"] = .string(shadowVersion)
        return o.string
    }

    /// What the summary leaves out, sealed by the store: both reasons and the
    /// candidate's error message.
    public var sensitive: String {
        var o = JSONObjectWriter()
        o["enforced_reason"] = .string(enforced.reason)
        switch shadow {
        case .success(let candidate): o["shadow_reason"] = .string(candidate.reason)
        case .failure(let error): o["shadow_error"] = .string(error.description)
        }
        return o.string
    }
}

extension StageName {
    /// Runs only when the rules folder has a shadow; not in `all`, so no
    /// series exists for it without one.
    public static let shadow: StageName = "shadow"
}

/// After the decision stage: the shadow candidate's `decide` on the same ctx,
/// compared with the enforced one. It reads the request and writes only
/// `request.shadow`; it never throws, so a failing candidate can never make
/// the fallback decide.
struct ShadowStage: PipelineStage {
    let name = StageName.shadow
    let shadow: ShadowRules
    let rulesVersion: String

    func run(_ request: inout DecisionRequest) throws -> ShadowComparison.Outcome {
        guard let enforced = request.verdict.policy, let context = request.verdict.context else {
            // Only reachable if the stage list were wrong; never a reason to fail the decision.
            return .error
        }
        let comparison = ShadowComparison(
            enforced: enforced, shadow: shadow.decide(context), rulesVersion: rulesVersion,
            shadowVersion: shadow.version)
        request.shadow = comparison
        return comparison.outcome
    }
}

extension Array where Element == any PipelineStage {
    /// The stages with the shadow comparison right after the decision stage;
    /// unchanged without a shadow (no stage, no cost).
    func withShadow(_ shadow: ShadowRules?, rulesVersion: String) -> [any PipelineStage] {
        guard let shadow, let decision = firstIndex(where: { $0.name == .decision }) else { return self }
        var stages = self
        stages.insert(ShadowStage(shadow: shadow, rulesVersion: rulesVersion), at: decision + 1)
        return stages
    }
}

extension DecisionRequest {
    /// The audit record of a shadow comparison that did not agree, written in
    /// the decision's own commit after its record. Agreements are counted
    /// (metrics, `GET /api/v1/rules`) but not audited, to keep the chain small.
    var shadowAudit: [AuditEntry] {
        guard let shadow, shadow.outcome != .agree else { return [] }
        return [
            AuditEntry(
                kind: "shadow", at: decidedAt, conversationID: event.conversationID, messageID: event.messageID,
                summary: shadow.summary, rulesVersion: shadow.rulesVersion, sensitive: shadow.sensitive)
        ]
    }
}
