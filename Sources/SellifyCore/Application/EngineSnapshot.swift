import Crypto
public import SellifyYAML

/// One loaded deployment and everything built from it: the composition root
/// of a rules snapshot. Immutable: a reload builds a new snapshot and swaps
/// it in, so a request that started on the old rules finishes on them and
/// every decision uses one complete rule set.
public final class EngineSnapshot: Sendable {
    public let deployment: Deployment
    /// The engines, built once (the pipeline's stages share them).
    public let components: PipelineComponents
    public let pipeline: DecisionPipeline
    /// When this snapshot was loaded (shown by `GET /api/v1/rules`).
    public let loadedAt: Timestamp
    /// `relativePath → sha256` of every rules file.
    public let fileDigests: [(path: String, sha256: String)]

    public var validator: TextValidator { components.validator }
    public var wording: any WordingProvider { components.wording }
    public var quota: QuotaEngine { components.quota }
    public var calendar: QuotaCalendar { components.calendar }
    public var rulesVersion: String { deployment.rules.version }

    /// `wording` nil: the `ai.provider` plugin of the deployment's catalog.
    public init(
        deployment: Deployment, store: any DecisionStore, hooks: [any StageHook] = [], scheduler: QuotaScheduler,
        sequencer: DecisionSequencer, loadedAt: Timestamp, wording: (any WordingProvider)? = nil
    ) throws(DiagnosticList) {
        self.deployment = deployment
        let provider: any WordingProvider
        if let wording {
            provider = wording
        } else {
            provider = try deployment.makeWordingProvider()
        }
        components = PipelineComponents(
            rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration,
            wording: provider, channels: deployment.channels, shadow: deployment.shadow)
        pipeline = DecisionPipeline(
            components: components, store: store, hooks: hooks, scheduler: scheduler, sequencer: sequencer)
        self.loadedAt = loadedAt
        fileDigests = deployment.rules.sources.allFiles.map { file in
            (
                file.relativePath,
                SHA256.hash(data: Array(file.source.utf8)).map { byte in
                    let hex = String(byte, radix: 16)
                    return byte < 16 ? "0" + hex : hex
                }.joined()
            )
        }
    }
}
