import Crypto
import Foundation
import Prometheus
public import SellifyCore
public import SellifyMetrics
import SellifyPlugins
import SellifyStore
public import SellifyYAML
import Synchronization

/// The rules' lifecycle in a running server: builds each snapshot (the
/// composition root of its rules), reloads, and keeps the history of
/// reloads. The application layer (`DecisionService`) holds the snapshot
/// requests use; a reload installs the new one there.
public final class Engine: Sendable {
    public struct ReloadFailure: Sendable {
        public var at: Timestamp
        public var diagnostics: [Diagnostic]
    }

    public struct Status: Sendable {
        public var lastError: ReloadFailure?
        /// When the running rules stopped matching the folder (first failed reload since the last good one).
        public var staleSince: Timestamp?
        public var reloads = (ok: 0, error: 0)
        /// Settings changed in the files that the running server cannot apply.
        public var restartRequired: [String] = []
    }

    public enum ReloadOutcome: Sendable {
        /// `restartRequired`: changed settings that only take effect after a restart.
        case reloaded(EngineSnapshot, changed: Bool, restartRequired: [String])
        case failed([Diagnostic])
    }

    let configPath: String
    let store: any DecisionStore
    /// Where the last rules that loaded cleanly are kept (nil: not kept).
    let lastGood: LastGoodRules?
    let metrics: SellifyMetrics
    let scheduler: QuotaScheduler
    let clock: any WallClock
    /// One order for every decision on the store, across reloads.
    let sequencer = DecisionSequencer()
    let poolSize: Int?
    /// The configuration this process started with: what restart-only
    /// settings (listener, store, exporters…) really are until a restart.
    let started: SellifyConfiguration
    /// The snapshot built at start (the service holds the running one).
    public let initial: EngineSnapshot
    private let status = Mutex(Status())

    /// One reload at a time (a reload compiles a whole new pool of states).
    private let reloading = Mutex(())

    public init(
        configPath: String, deployment: Deployment, store: any DecisionStore, metrics: SellifyMetrics, poolSize: Int?,
        scheduler: QuotaScheduler, clock: any WallClock, lastGood: LastGoodRules? = nil,
        startFailure: [Diagnostic]? = nil
    ) throws(DiagnosticList) {
        self.configPath = configPath
        self.lastGood = lastGood
        self.clock = clock
        started = deployment.configuration
        if let startFailure {
            // Started from the last good copy: degraded until a reload succeeds.
            let now = clock.now()
            status.withLock { status in
                status.lastError = ReloadFailure(at: now, diagnostics: startFailure)
                status.staleSince = now
            }
        } else {
            lastGood?.save(deployment)
        }
        self.store = store
        self.metrics = metrics
        self.poolSize = poolSize
        self.scheduler = scheduler
        initial =
            (try Self.snapshot(
                deployment, store: store, metrics: metrics, scheduler: scheduler, sequencer: sequencer, at: clock.now()))
    }

    /// The composition root of one rules snapshot: everything a decision
    /// and the other use cases need, built once.
    static func snapshot(
        _ deployment: Deployment, store: any DecisionStore, metrics: SellifyMetrics, scheduler: QuotaScheduler,
        sequencer: DecisionSequencer, at loadedAt: Timestamp
    ) throws(DiagnosticList) -> EngineSnapshot {
        try EngineSnapshot(
            deployment: deployment, store: store, hooks: [StageMetricsHook(metrics: metrics)], scheduler: scheduler,
            sequencer: sequencer, loadedAt: loadedAt)
    }

    public var currentStatus: Status { status.withLock { $0 } }

    /// Loads config, catalog and rules again, runs the sample calls of
    /// `sellify check`, and swaps them in only when everything is clean.
    /// Blocking (compiles Lua): call it off the event loop.
    public func reload(from running: EngineSnapshot) -> ReloadOutcome {
        reloading.withLock { _ in
            let diagnostics: [Diagnostic]
            do {
                let deployment = try Deployment.load(
                    configPath: configPath, plugins: running.deployment.plugins, poolSize: poolSize,
                    licenseVerifier: running.deployment.licenseVerifier)
                var problems = deployment.sampleDiagnostics() + deployment.shadowSampleDiagnostics()
                let restart = restartOnlyChanges(from: started, to: deployment.configuration)
                if problems.isEmpty && deployment.configuration.rules.reloadRequiresTests {
                    problems += Self.ruleTestFailures(deployment)
                }
                if problems.isEmpty {
                    let old = running
                    let fresh = try Self.snapshot(
                        deployment, store: store, metrics: metrics, scheduler: scheduler, sequencer: sequencer,
                        at: clock.now())
                    status.withLock { status in
                        status.reloads.ok += 1
                        status.staleSince = nil
                    }
                    metrics.counter(MetricCatalog.rulesReloads, "ok").increment()
                    lastGood?.save(deployment)
                    if old.deployment.rules.version != fresh.deployment.rules.version {
                        metrics.setRulesVersion(fresh.deployment.rules.version)
                    }
                    metrics.showLicense(of: fresh.deployment, at: clock.now())
                    status.withLock { $0.restartRequired = restart }
                    return .reloaded(
                        fresh, changed: old.deployment.rules.version != fresh.deployment.rules.version,
                        restartRequired: restart)
                }
                diagnostics = problems
            } catch let error as DiagnosticList {
                diagnostics = error.diagnostics
            } catch {
                diagnostics = [Diagnostic("\(error)")]
            }
            let now = clock.now()
            status.withLock { status in
                status.reloads.error += 1
                status.lastError = ReloadFailure(at: now, diagnostics: diagnostics)
                if status.staleSince == nil { status.staleSince = now }
            }
            metrics.counter(MetricCatalog.rulesReloads, "error").increment()
            return .failed(diagnostics)
        }
    }

    /// The failing cases of the candidate's rule tests (`rules.reload_requires_tests`),
    /// and its coverage when under `rules.coverage_floor`.
    static func ruleTestFailures(_ deployment: Deployment) -> [Diagnostic] {
        let directory = deployment.configuration.rules.directory + "/tests"
        let runner = RuleTestRunner(deployment: deployment) { try SQLiteStore.inMemory() }
        let report = runner.run(
            directory: deployment.loaded.resolve(directory), display: deployment.loaded.display(directory),
            coverageFloor: deployment.configuration.rules.coverageFloor)
        var problems = report.diagnostics + report.coverageFailures
        for result in report.results where !result.passed {
            problems.append(
                Diagnostic(
                    "rule test '\(result.name)' failed: \(result.failures.joined(separator: "; "))", at: result.location
                ))
        }
        return problems
    }

    /// Settings a running server cannot change: reported (by name) as needing
    /// a restart; everything else in the new config takes effect.
    func restartOnlyChanges(from old: SellifyConfiguration, to new: SellifyConfiguration) -> [String] {
        var changed: [String] = []
        if old.server.host != new.server.host || old.server.port != new.server.port { changed.append("server") }
        if old.store.path != new.store.path || old.store.type != new.store.type { changed.append("store") }
        if old.metrics.exporters.map(\.type) != new.metrics.exporters.map(\.type) {
            changed.append("metrics.exporters")
        }
        if old.auth.apiKeys.map(\.sha256.hex) != new.auth.apiKeys.map(\.sha256.hex) { changed.append("auth.api_keys") }
        if old.alerts.sinks.map(\.type) != new.alerts.sinks.map(\.type) { changed.append("alerts.sinks") }
        if old.rateLimit.requestsPerSecond != new.rateLimit.requestsPerSecond
            || old.rateLimit.burst != new.rateLimit.burst
        {
            changed.append("rate_limit")
        }
        return changed
    }
}

/// A copy of the last rules folder that loaded cleanly, kept beside the
/// store (`rules.last-good/`, with its version in `VERSION`), so a server
/// restarted on a broken folder can still serve — degraded — from it.
public struct LastGoodRules: Sendable {
    public let directory: String

    public init(storeDirectory: String) {
        directory = (storeDirectory as NSString).appendingPathComponent("rules.last-good")
    }

    public var version: String? {
        (try? String(contentsOfFile: directory + "/VERSION", encoding: .utf8))?.trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    public var exists: Bool { version != nil }

    /// Replaces the copy (written beside, then renamed) when the version changed.
    public func save(_ deployment: Deployment) {
        let version = deployment.rules.version
        guard self.version != version else { return }
        let fileManager = FileManager.default
        let staging = directory + ".tmp-\(getpid())"
        try? fileManager.removeItem(atPath: staging)
        do {
            for file in deployment.rules.sources.allFiles {
                let target = (staging as NSString).appendingPathComponent(file.relativePath)
                try fileManager.createDirectory(
                    atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try file.source.write(toFile: target, atomically: false, encoding: .utf8)
            }
            try (version + "\n").write(toFile: staging + "/VERSION", atomically: false, encoding: .utf8)
            let old = directory + ".old-\(getpid())"
            try? fileManager.removeItem(atPath: old)
            if fileManager.fileExists(atPath: directory) { try fileManager.moveItem(atPath: directory, toPath: old) }
            try fileManager.moveItem(atPath: staging, toPath: directory)
            try? fileManager.removeItem(atPath: old)
        } catch {
            try? fileManager.removeItem(atPath: staging)
        }
    }
}
