import Foundation
import Logging
public import SellifyCore
import SellifyMetrics
import SellifyPluginKit
import SellifyYAML

extension SellifyServer {
    /// `sellify serve`: loads the deployment against `plugins` (broken rules:
    /// the last good copy, degraded, unless `rules.fail_closed`), opens the store
    /// `store.type` names, builds the exporters and alert sinks from the same
    /// list and serves until SIGTERM/SIGINT. Returns the process's exit status
    /// (2: could not start).
    /// `licenseVerifier`: the keys a configured license must be signed with
    /// (the vendor's; a test build adds its own).
    public static func serve(
        configPath: String, host: String?, port: Int?, plugins: PluginCatalog,
        licenseVerifier: LicenseVerifier = .vendor
    ) async -> Int32 {
        do {
            try await serveOrThrow(
                configPath: configPath, host: host, port: port, plugins: plugins, licenseVerifier: licenseVerifier)
            return 0
        } catch let exit as ServeExit {
            return exit.status
        } catch {
            printError("error: \(error)")
            return 2
        }
    }

    struct ServeExit: Error { var status: Int32 }

    static func serveOrThrow(
        configPath: String, host: String?, port: Int?, plugins: PluginCatalog, licenseVerifier: LicenseVerifier
    ) async throws {
        if let port, !(0...65535).contains(port) {
            printError("error: --port: expected 0…65535, got \(port)")
            throw ServeExit(status: 2)
        }
        // Broken rules: start from the last good copy (degraded), unless rules.fail_closed.
        let loaded: LoadedConfiguration
        do {
            loaded = try LoadedConfiguration.load(
                path: configPath, environment: ProcessInfo.processInfo.environment, plugins: plugins)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            throw ServeExit(status: 2)
        }
        let storePath = loaded.resolve(loaded.configuration.store.path)
        let lastGood = LastGoodRules(storeDirectory: (storePath as NSString).deletingLastPathComponent)
        var startFailure: [Diagnostic]?
        let deployment: Deployment
        do {
            deployment = try Deployment.load(configPath: configPath, plugins: plugins, licenseVerifier: licenseVerifier)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            guard !loaded.configuration.rules.failClosed, let version = lastGood.version else {
                printError(
                    loaded.configuration.rules.failClosed
                        ? "error: refusing to start with broken rules (rules.fail_closed: true)"
                        : "error: the rules do not load and there is no last good copy in \(lastGood.directory)")
                throw ServeExit(status: 2)
            }
            do {
                deployment = try Deployment.load(
                    configPath: configPath, rulesDirectory: lastGood.directory, plugins: plugins,
                    licenseVerifier: licenseVerifier)
            } catch {
                for diagnostic in error.diagnostics { printError("last good copy: \(diagnostic)") }
                printError("error: the last good copy in \(lastGood.directory) does not load either")
                throw ServeExit(status: 2)
            }
            printError(
                "warning: serving DEGRADED from the last good rules (\(version.prefix(19))…) in \(lastGood.directory) "
                    + "until the rules folder is fixed and reloaded")
            startFailure = error.diagnostics
        }
        let configuration = deployment.configuration
        let format: SellifyLogHandler.Format = configuration.logging.format == .json ? .json : .text
        let level = Logger.Level(rawValue: configuration.logging.level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in SellifyLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "sellify")

        let opened: OpenedStore
        do {
            opened = try deployment.openStore(
                writer: true, environment: ProcessInfo.processInfo.environment, announce: { logger.notice("\($0)") })
        } catch {
            printError("error: \(error)")
            throw ServeExit(status: 2)
        }
        let store = opened.store
        let keys: APIKeyRing
        var generatedKey: String?
        if configuration.auth.apiKeys.isEmpty {
            let directory = (opened.path as NSString).deletingLastPathComponent
            do {
                let bootstrap = try BootstrapKey.loadOrCreate(directory: directory)
                keys = APIKeyRing(entries: [bootstrap.entry])
                generatedKey = bootstrap.key
                if bootstrap.key == nil {
                    logger.notice(
                        "no API key configured; using the generated key whose hash is in \(bootstrap.hashFile) (delete that file and restart for a new one)"
                    )
                }
            } catch {
                printError("error: \(error)")
                throw ServeExit(status: 2)
            }
        } else {
            keys = APIKeyRing(configuration: configuration.auth)
        }

        let metrics = SellifyMetrics(custom: configuration.metrics.custom)
        metrics.prepare(configuration: configuration, rulesVersion: deployment.rules.version)
        metrics.showLicense(of: deployment, at: SystemClock().now())
        let quota = QuotaEngine(
            limits: configuration.quotas.limits,
            calendar: configuration.quotaCalendar,
            warnRatio: configuration.quotas.warnRatio)
        do {
            try metrics.loadState(from: store, quota: quota, at: Timestamp.now())
        } catch {
            printError("error: \(error)")
            throw ServeExit(status: 2)
        }

        let server: SellifyServer
        do {
            server = try SellifyServer(
                deployment: deployment, configPath: configPath, store: store, metrics: metrics, keys: keys,
                options: .init(host: host, port: port), logger: logger, auditKeys: opened.auditKeys, lastGood: lastGood,
                startFailure: startFailure)
        } catch {
            printError("error: \(configPath): \(error)")
            throw ServeExit(status: 2)
        }
        try await server.run { [generatedKey] url in
            if format == .json {
                // One JSON object per line on stderr, banner included.
                logger.notice(
                    "serving on \(url)",
                    metadata: [
                        "rules_version": "\(deployment.rules.version)", "store": "\(opened.path)",
                    ])
                if let generatedKey {
                    logger.notice(
                        "no API key configured: generated one with every scope (shown once; only its hash is kept)",
                        metadata: ["api_key": "\(generatedKey)"])
                }
                return
            }
            var banner =
                "sellify: serving on \(url) (rules \(deployment.rules.version.prefix(19)), store \(opened.path))\n"
            if let generatedKey {
                banner += """
                    sellify: no API key configured — generated one with every scope (shown once; only its hash is kept):
                        \(generatedKey)
                      try: curl -s -H 'Authorization: Bearer \(generatedKey)' -H 'Content-Type: application/json' \\
                             -d '{"conversation_id":"wa:1","message_id":"m1","text":"hola","received_at":"2026-11-30T18:00:00Z"}' \\
                             \(url)/api/v1/decisions

                    """
            }
            FileHandle.standardError.write(Data(banner.utf8))
        }
        logger.notice("stopped")
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
