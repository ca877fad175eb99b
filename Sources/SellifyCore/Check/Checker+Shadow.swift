import Foundation
import SellifyLua
public import SellifyYAML

extension Deployment {
    /// The built-in samples on the shadow candidate: one diagnostic per sample
    /// it fails, named by file and line like the enforced rules' (a reload
    /// requires none, as for the enforced rules), and the samples on which it
    /// decides otherwise.
    public func shadowSamples() -> (failures: [Diagnostic], differing: [String]) {
        guard let shadow else { return ([], []) }
        var failures: [Diagnostic] = []
        var differing: [String] = []
        for sample in SampleContexts.all(catalog: catalog, configuration: configuration) {
            switch shadow.decide(sample.context) {
            case .success(let candidate):
                if let enforced = try? rules.decide(sample.context).0,
                    ShadowComparison(
                        enforced: enforced, shadow: .success(candidate), rulesVersion: rules.version,
                        shadowVersion: shadow.version
                    ).outcome == .disagree
                {
                    differing.append(sample.name)
                }
            case .failure(let error):
                var diagnostic = Diagnostic(error)
                diagnostic.message += " (shadow rules, sample '\(sample.name)')"
                failures.append(diagnostic)
            }
        }
        return (failures, differing)
    }

    /// What a reload requires of the shadow: every sample decided.
    public func shadowSampleDiagnostics() -> [Diagnostic] { shadowSamples().failures }
}

extension Checker {
    /// The shadow candidate, when the folder has one: the samples, then the
    /// same static checks as `decision.lua` (its own diagnostics only: the
    /// shared files were checked with the enforced rules).
    func checkShadow(_ deployment: Deployment, into report: inout Report) {
        guard let shadow = deployment.shadow else { return }
        let (failures, differing) = deployment.shadowSamples()
        report.diagnostics += failures
        let samples = SampleContexts.all(catalog: deployment.catalog, configuration: deployment.configuration).count
        report.summary.append(
            "\(shadow.file.displayPath) (shadow rules, never enforced; \(shadow.version.prefix(19))… once promoted): "
                + "\(samples - failures.count) samples returned valid decisions, "
                + (differing.isEmpty
                    ? "all the same as the enforced rules'"
                    : "\(differing.count) unlike the enforced rules' (\(differing.joined(separator: ", ")))"))
        var found = RuleLint(vocabulary: .init(rules: shadow.rules, configuration: deployment.configuration))
            .check(shadow.rules.sources).diagnostics
        if let luacheck, let globals = try? LuaState().sandboxGlobals() {
            found += luacheck.check(shadow.rules.sources, globals: globals).diagnostics
        }
        report.diagnostics += found.filter { $0.location?.file == shadow.file.displayPath }
            .sorted { a, b in
                (a.location?.line ?? 0, a.location?.column ?? 0) < (b.location?.line ?? 0, b.location?.column ?? 0)
            }
    }
}
