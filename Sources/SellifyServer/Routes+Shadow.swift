import SellifyCore

extension SellifyServer {
    /// How many rules `GET /api/v1/rules` lists under `shadow.top_disagreeing_rules`.
    static let topShadowRules = 10

    /// The `shadow` object of `GET /api/v1/rules`: the candidate of the running
    /// snapshot and its comparisons since the running rules and this candidate
    /// were loaded (a reload that changes either starts the counts again).
    func shadowStatus(_ snapshot: EngineSnapshot) -> JSONObjectWriter {
        var o = JSONObjectWriter()
        guard let shadow = snapshot.deployment.shadow else {
            o["present"] = .bool(false)
            return o
        }
        let counts = shadowTally.counts(
            ShadowTally.Pair(rulesVersion: snapshot.rulesVersion, shadowVersion: shadow.version))
        o["present"] = .bool(true)
        o["file"] = .string(shadow.file.displayPath)
        o["sha256"] = .string(shadow.sha256)
        o["version"] = .string(shadow.version)
        o["compared"] = .int(counts.compared)
        o["agreements"] = .int(counts.agreements)
        o["disagreements"] = .int(counts.disagreements)
        o["errors"] = .int(counts.errors)
        o["agreement_ratio"] = counts.agreementRatio.map { .raw(String($0)) } ?? .null
        o["top_disagreeing_rules"] = .array(
            counts.top(Self.topShadowRules).map { entry in
                var item = JSONObjectWriter()
                item["rule"] = .string(entry.rule)
                item["disagreements"] = .int(entry.counts.disagreements)
                item["errors"] = .int(entry.counts.errors)
                return .object(item)
            })
        return o
    }
}
