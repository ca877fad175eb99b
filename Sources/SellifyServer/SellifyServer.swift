import Crypto
import Foundation
import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
import Prometheus
public import SellifyCore
public import SellifyMetrics
import SellifyPlugins
public import SellifyYAML
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `sellify serve`: the HTTP API (openapi.yaml) on Hummingbird, run by a
/// swift-service-lifecycle group with the exporters and the SIGHUP reloader.
///
/// Blocking work (Lua, SQLite) runs on a thread pool sized to the Lua state
/// pool, never on an event loop. SIGTERM/SIGINT shut down gracefully: stop
/// accepting, finish in-flight requests (up to `server.shutdown_timeout`),
/// final exporter writes, close the store.
public final class SellifyServer: Sendable {
    public struct Options: Sendable {
        public var host: String?
        public var port: Int?
        public init(host: String? = nil, port: Int? = nil) {
            self.host = host
            self.port = port
        }
    }

    /// The application layer every route calls.
    public let service: DecisionService
    /// The rules' lifecycle: snapshots and reloads.
    let engine: Engine
    /// Decisions per rule since the start (`GET /api/v1/rules`).
    let hits = RuleHits()
    /// Shadow comparisons per pair of rules and candidate versions (`GET /api/v1/rules`).
    let shadowTally = ShadowTally()
    let store: any DecisionStore
    let metrics: SellifyMetrics
    let keys: APIKeyRing
    let limiter: RateLimiter
    let blocking: BlockingExecutor
    /// Reloads get their own thread so a slow compile never takes a request thread.
    let reloadExecutor: BlockingExecutor
    let alerts: AlertCenter
    let body: BodyReader
    let exporters: ExporterSet
    let logger: Logger
    let host: String
    let port: Int
    /// The server's time of day: each decision's `decided_at`, the audit
    /// records' times, the roll-over ticks.
    var clock: any WallClock { service.clock }
    private let draining = Atomic<Bool>(false)
    /// How many times the rules watcher has compared the files (0 until its
    /// first look). `GET /api/v1/rules` shows it, so an operator — or a test —
    /// can tell the watcher is alive and has seen the files as they are now.
    let watcherScans = Atomic<Int>(0)
    var watcherScanCount: Int { watcherScans.load(ordering: .relaxed) }

    var metricsOnAPIListener: Bool { exporters.metricsOnAPIListener }
    var isDraining: Bool { draining.load(ordering: .relaxed) }

    public init(
        deployment: Deployment, configPath: String, store: any DecisionStore, metrics: SellifyMetrics, keys: APIKeyRing,
        options: Options, logger: Logger, auditKeys: AuditKeyring? = nil, lastGood: LastGoodRules? = nil,
        startFailure: [Diagnostic]? = nil, clock: any WallClock = SystemClock()
    ) throws {
        let configuration = deployment.configuration
        self.store = store
        self.metrics = metrics
        self.keys = keys
        self.logger = logger
        let rollovers: RolloverTracker
        do {
            rollovers = try RolloverTracker(calendar: configuration.quotaCalendar, store: store)
        } catch {
            throw ExporterError("store: \(error)")
        }
        engine = try Engine(
            configPath: configPath, deployment: deployment, store: store, metrics: metrics, poolSize: nil,
            scheduler: rollovers.scheduler, clock: clock, lastGood: lastGood, startFailure: startFailure)
        limiter = RateLimiter(
            requestsPerSecond: configuration.rateLimit.requestsPerSecond, burst: configuration.rateLimit.burst)
        let timeout = Duration.milliseconds(configuration.server.requestTimeout.milliseconds)
        // Threads: one per Lua state plus 64 that may wait on a group commit's
        // fsync at once (more waiting decisions make larger batches, fewer fsyncs).
        blocking = BlockingExecutor(threads: deployment.rules.poolSize + 64, timeout: timeout)
        reloadExecutor = BlockingExecutor(threads: 1, timeout: .seconds(600))
        alerts = try AlertCenter(
            configuration: configuration, loaded: deployment.loaded, plugins: deployment.plugins, metrics: metrics,
            logger: logger, clock: clock)
        let gateway: AIGateway?
        do {
            gateway = try deployment.makeAIGateway(
                environment: ProcessInfo.processInfo.environment,
                observer: AIGatewayObservers([GatewayMetrics(metrics: metrics), alerts]))
        } catch {
            throw ExporterError(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        service = DecisionService(
            snapshot: engine.initial, store: store, clock: clock, rollovers: rollovers, auditKeys: auditKeys,
            observers: [MetricsObserver(metrics: metrics), alerts, hits, shadowTally, LogObserver(logger: logger)],
            gateway: gateway)
        body = BodyReader(limit: configuration.server.bodyLimit.bytes, maxDepth: configuration.server.maxJSONDepth)
        exporters = try ExporterSet.build(
            configuration.metrics.exporters, loaded: deployment.loaded, plugins: deployment.plugins, metrics: metrics,
            logger: logger)
        host = options.host ?? configuration.server.host
        port = options.port ?? configuration.server.port
    }

    /// Serves until SIGTERM/SIGINT; returns after a graceful shutdown.
    /// `onListening` gets the bound URL (the real port when `port` is 0).
    public func run(onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let snapshot = service.snapshot
        let configuration = snapshot.deployment.configuration
        blocking.start()
        reloadExecutor.start()
        // The rules this process starts with are the first thing it audits.
        var summary = JSONObjectWriter()
        summary["trigger"] = .string("start")
        summary["result"] = .string("ok")
        summary["files"] = .int(snapshot.fileDigests.count)
        try? service.appendAudit([
            AuditEntry(
                kind: "rules_load", at: clock.now(), conversationID: nil, messageID: nil, summary: summary.string,
                rulesVersion: snapshot.rulesVersion)
        ])
        let inFlight = InFlightLimiter(limit: configuration.server.maxConcurrentRequests)
        metrics.refreshOnExposition { metrics in
            metrics.gauge(MetricCatalog.httpInFlight).set(to: Double(inFlight.current))
        }
        // The store counts its transactions; the counters catch up at each exposition.
        let reported = Mutex(CommitStatistics(transactions: 0, commits: 0))
        metrics.refreshOnExposition { [store] metrics in
            guard let now = store.commitStatistics else { return }
            let before = reported.withLock { last in
                defer { last = now }
                return last
            }
            if now.transactions > before.transactions {
                metrics.counter(MetricCatalog.storeTransactions).increment(
                    by: Int64(now.transactions - before.transactions))
            }
            if now.commits > before.commits {
                metrics.counter(MetricCatalog.storeCommits).increment(by: Int64(now.commits - before.commits))
            }
        }
        let responder = SellifyResponder(inner: buildRouter().buildResponder(), metrics: metrics, inFlight: inFlight)
        let http = HTTP1Channel.Configuration(idleTimeout: .seconds(75))
        let api = Application(
            responder: responder, server: .http1(configuration: http),
            configuration: .init(address: .hostname(host, port: port), serverName: "sellify"),
            onServerRunning: { [host] channel in
                let port = channel.localAddress?.port ?? 0
                onListening("http://\(host):\(port)")
            },
            logger: logger)
        var services: [any Service] = [StoreCloser(store: store, logger: logger)]
        services += exporters.services
        services.append(AlertService(center: alerts, deployment: { [service] in service.snapshot.deployment }))
        services.append(RolloverService(server: self))
        services.append(
            AuditRetention(
                store: store, retentionDays: configuration.audit.retentionDays, clock: clock, metrics: metrics,
                logger: logger))
        services.append(SignalReloader(server: self))
        if let shared = store as? any SharedStore {
            let name = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
            services.append(InstanceHeartbeat(server: self, store: shared, name: name))
        }
        let loaded = snapshot.deployment.loaded
        services.append(
            RulesWatcher(
                server: self, mode: configuration.rules.reload.mode,
                pollInterval: .milliseconds(configuration.rules.reload.pollInterval.milliseconds),
                debounce: .milliseconds(configuration.rules.reload.debounce.milliseconds),
                rulesDirectory: URL(fileURLWithPath: loaded.resolve(configuration.rules.directory)).standardizedFileURL
                    .path,
                otherFiles: [
                    URL(fileURLWithPath: loaded.path).standardizedFileURL.path,
                    loaded.resolve(configuration.catalog.path),
                ],
                logger: logger))
        services.append(DrainWatcher(server: self))
        services.append(api)
        var group = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .milliseconds(configuration.server.shutdownTimeout.milliseconds)
        try await ServiceGroup(configuration: group).run()
        try? await blocking.shutdown()
        try? await reloadExecutor.shutdown()
    }

    func startDraining() { draining.store(true, ordering: .relaxed) }

    /// The clock's look at the quota windows (off the event loop).
    func tickRollovers() async {
        let service = self.service
        _ = try? await blocking.run { service.tick() }
    }
}

/// Logs what an operator reads in the server's log: roll-overs as they are seen.
struct LogObserver: ServiceObserver {
    let logger: Logger
    func observe(_ event: ServiceEvent) {
        guard case .rolledOver(let rollovers, let source, _) = event else { return }
        for rollover in rollovers {
            logger.notice(
                "quota window rolled over",
                metadata: [
                    "reset_type": "\(rollover.type.rawValue)", "window": "\(rollover.window)",
                    "source": "\(source.rawValue)",
                ])
        }
    }
}

/// Marks the server as draining when graceful shutdown starts (so `/ready`
/// answers 503 while in-flight requests finish).
struct DrainWatcher: Service {
    let server: SellifyServer
    func run() async throws {
        try? await gracefulShutdown()
        server.startDraining()
    }
}

/// Closes the store last (services stop in reverse order), after every
/// request and exporter is done.
struct StoreCloser: Service {
    let store: any DecisionStore
    let logger: Logger
    func run() async throws {
        try? await gracefulShutdown()
        // Cancelled (another service failed): the process is going down; closing
        // now would pull the store from under services still finishing.
        guard !Task.isCancelled else { return }
        if let closable = store as? any ClosableStore {
            do { try closable.close() } catch {
                logger.error("closing the store failed", metadata: ["error": "\(error)"])
            }
        }
        logger.notice("store closed")
    }
}

/// Purges audit records older than `audit.retention_days`, at start and
/// every hour. The purge itself is audited with the last purged record's
/// sequence and hash, and the chain's anchor moves with it, so the chain
/// still verifies.
struct AuditRetention: Service {
    let store: any DecisionStore
    let retentionDays: Int
    let clock: any WallClock
    let metrics: SellifyMetrics
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            purge()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
            } catch {
                break
            }
        }
    }

    func purge() {
        let now = clock.now().milliseconds
        let cutoff = Timestamp(milliseconds: now - Int64(retentionDays) * 86_400_000)
        do {
            let purged = try store.purgeAudit(before: cutoff) { count, sequence, hash in
                var summary = JSONObjectWriter()
                summary["purged"] = .int(count)
                summary["through_seq"] = .int(Int(sequence))
                summary["through_hash"] = .string(hash)
                summary["retention_days"] = .int(retentionDays)
                summary["cutoff"] = .string(cutoff.description)
                return AuditEntry(
                    kind: "audit_purge", at: Timestamp(milliseconds: now), conversationID: nil, messageID: nil,
                    summary: summary.string)
            }
            if purged > 0 {
                metrics.counter(MetricCatalog.auditLogs).increment()
                logger.notice("audit retention purge", metadata: ["purged": "\(purged)", "cutoff": "\(cutoff)"])
            }
        } catch {
            logger.error("audit retention purge failed", metadata: ["error": "\(error)"])
        }
    }
}

/// On a store shared by several instances: every 10 s, says which rules and
/// catalog this instance decides with and compares with the others that
/// reported in the last 30 s — `sellify_store_instances`,
/// `sellify_store_instances_disagreeing`, and a warning naming them when the
/// set of disagreeing instances changes. Every instance behind one load
/// balancer must decide alike: a customer's messages land on any of them.
struct InstanceHeartbeat: Service {
    let server: SellifyServer
    let store: any SharedStore
    let name: String

    func run() async throws {
        var reported: [String] = []
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let disagreeing = await beat(), disagreeing != reported {
                if !disagreeing.isEmpty {
                    server.logger.warning(
                        "instances sharing the store decide with other rules or another catalog",
                        metadata: ["instances": "\(disagreeing.joined(separator: "; "))"])
                } else if !reported.isEmpty {
                    server.logger.notice("every instance sharing the store decides with the same rules and catalog")
                }
                reported = disagreeing
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(10)) }
            } catch {
                break
            }
        }
    }

    /// The disagreeing instances, described; nil when the store could not be asked.
    func beat() async -> [String]? {
        let snapshot = server.service.snapshot
        let loaded = snapshot.deployment.loaded
        let catalogPath = loaded.resolve(snapshot.deployment.configuration.catalog.path)
        let digest =
            (FileManager.default.contents(atPath: catalogPath)).map {
                SHA256.hash(data: $0).map { String(format: "%02x", $0) }.joined()
            } ?? ""
        let now = server.service.clock.now()
        let me = InstanceReport(name: name, rulesVersion: snapshot.rulesVersion, catalogDigest: digest, seenAt: now)
        let store = self.store
        guard
            let others = try? await server.blocking.run({
                try store.heartbeat(me, othersSince: Timestamp(milliseconds: now.milliseconds - 30_000))
            })
        else { return nil }
        let disagreeing = others.filter { $0.rulesVersion != me.rulesVersion || $0.catalogDigest != me.catalogDigest }
        server.metrics.gauge(MetricCatalog.storeInstances).set(to: Double(others.count + 1))
        server.alerts.checkLicenseLimit("instances", inUse: others.count + 1, deployment: snapshot.deployment, at: now)
        server.metrics.gauge(MetricCatalog.storeInstancesDisagreeing).set(to: Double(disagreeing.count))
        return disagreeing.map { other in
            var parts = [other.name]
            if other.rulesVersion != me.rulesVersion {
                parts.append("rules \(other.rulesVersion.prefix(19))… (here \(me.rulesVersion.prefix(19))…)")
            }
            if other.catalogDigest != me.catalogDigest { parts.append("another catalog") }
            return parts.joined(separator: " ")
        }.sorted()
    }
}

/// `kill -HUP`: reload rules and config (same path as `POST /api/v1/rules/reload`).
struct SignalReloader: Service {
    let server: SellifyServer
    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                _ = try? await server.reload(trigger: "SIGHUP", logger: server.logger)
            }
        }
    }
}

/// Watches the wall clock for quota window roll-overs (local midnight, the
/// week's first day): counts them, sets the last-reset gauge, refreshes the
/// quota gauges, resolves quota alerts. Saved in the store before counted, so
/// a restart neither repeats nor misses one.
struct RolloverService: Service {
    let server: SellifyServer

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await server.tickRollovers()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(15)) }
            } catch {
                break
            }
        }
    }
}
