import ArgumentParser
import Foundation
import Logging
import SellifyCore
import SellifyMetrics
import SellifyServer
import SellifyStore
import SellifyPlugins
import SellifyYAML

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (SPEC §6) until SIGTERM or SIGINT.",
        discussion: """
            Loads the config, catalog and rules (exit 2 with every diagnostic when they are broken), \
            opens the store, starts the exporters chosen in metrics.exporters and serves. \
            SIGHUP reloads rules and config; SIGTERM/SIGINT finish in-flight requests \
            (up to server.shutdown_timeout), write the exporters once more, close the store and exit 0.
            With no API key configured, the first start generates one with every scope, keeps only its \
            hash beside the store and prints the key once.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Listen address (overrides server.host).")
    var host: String?

    @Option(help: "Listen port (overrides server.port; 0 picks a free port and prints it).")
    var port: Int?

    func run() async throws {
        if let port, !(0...65535).contains(port) {
            printError("error: --port: expected 0…65535, got \(port)")
            throw ExitCode(Runtime.setupFailure)
        }
        // Broken rules: start from the last good copy (degraded), unless rules.fail_closed.
        let loaded = try Runtime.configuration(configPath: options.config)
        let storePath = loaded.resolve(loaded.configuration.store.path)
        let lastGood = LastGoodRules(storeDirectory: (storePath as NSString).deletingLastPathComponent)
        var startFailure: [Diagnostic]?
        let deployment: Deployment
        do {
            deployment = try Deployment.load(configPath: options.config, plugins: .builtin)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            guard !loaded.configuration.rules.failClosed, let version = lastGood.version else {
                printError(loaded.configuration.rules.failClosed
                    ? "error: refusing to start with broken rules (rules.fail_closed: true)"
                    : "error: the rules do not load and there is no last good copy in \(lastGood.directory)")
                throw ExitCode(Runtime.setupFailure)
            }
            do {
                deployment = try Deployment.load(configPath: options.config, rulesDirectory: lastGood.directory, plugins: .builtin)
            } catch {
                for diagnostic in error.diagnostics { printError("last good copy: \(diagnostic)") }
                printError("error: the last good copy in \(lastGood.directory) does not load either")
                throw ExitCode(Runtime.setupFailure)
            }
            printError("warning: serving DEGRADED from the last good rules (\(version.prefix(19))…) in \(lastGood.directory) "
                + "until the rules folder is fixed and reloaded")
            startFailure = error.diagnostics
        }
        let configuration = deployment.configuration
        let format: SellifyLogHandler.Format = configuration.logging.format == .json ? .json : .text
        let level = Logger.Level(rawValue: configuration.logging.level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in SellifyLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "sellify")

        let store = try Runtime.store(for: deployment, path: nil, writer: true, announce: { logger.notice("\($0)") })
        let keys: APIKeyRing
        var generatedKey: String?
        if configuration.auth.apiKeys.isEmpty {
            let directory = (store.path as NSString).deletingLastPathComponent
            do {
                let bootstrap = try BootstrapKey.loadOrCreate(directory: directory)
                keys = APIKeyRing(entries: [bootstrap.entry])
                generatedKey = bootstrap.key
                if bootstrap.key == nil {
                    logger.notice(
                        "no API key configured; using the generated key whose hash is in \(bootstrap.hashFile) (delete that file and restart for a new one)")
                }
            } catch {
                printError("error: \(error)")
                throw ExitCode(Runtime.setupFailure)
            }
        } else {
            keys = APIKeyRing(configuration: configuration.auth)
        }

        let metrics = SellifyMetrics(custom: configuration.metrics.custom)
        metrics.prepare(configuration: configuration, rulesVersion: deployment.rules.version)
        let quota = QuotaEngine(
            limits: configuration.quotas.limits,
            calendar: QuotaCalendar(timeZone: configuration.quotaTimeZone.timeZone, weekStart: configuration.quotas.weekStartsOn),
            warnRatio: configuration.quotas.warnRatio)
        do {
            try metrics.loadState(from: store, quota: quota, at: Timestamp.now())
        } catch {
            printError("error: \(error)")
            throw ExitCode(Runtime.setupFailure)
        }

        let server: SellifyServer
        do {
            server = try SellifyServer(
                deployment: deployment, configPath: options.config, store: store, metrics: metrics, keys: keys,
                options: .init(host: host, port: port), logger: logger, auditKeys: store.auditKeys, lastGood: lastGood,
                startFailure: startFailure)
        } catch {
            printError("error: \(options.config): \(error)")
            throw ExitCode(Runtime.setupFailure)
        }
        try await server.run { [generatedKey] url in
            if format == .json {
                // One JSON object per line on stderr, banner included.
                logger.notice("serving on \(url)", metadata: [
                    "rules_version": "\(deployment.rules.version)", "store": "\(store.path)",
                ])
                if let generatedKey {
                    logger.notice(
                        "no API key configured: generated one with every scope (shown once; only its hash is kept)",
                        metadata: ["api_key": "\(generatedKey)"])
                }
                return
            }
            var banner = "sellify: serving on \(url) (rules \(deployment.rules.version.prefix(19)), store \(store.path))\n"
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
}

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make API keys.",
        subcommands: [NewKey.self]
    )

    struct NewKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Print a fresh random API key and the auth.api_keys entry holding its SHA-256.",
            discussion: """
                The key is printed once on stdout; store it in the connector's secret store. Only \
                the hash goes into config.yaml:
                  sellify keys new --name connector --scopes decide,read
                """
        )

        @Option(help: "Name of the key (shown in logs and audit records).")
        var name = "connector"

        @Option(help: "Comma-separated scopes: decide, read, admin, sensitive (customer text in the audit log).")
        var scopes = "decide,read"

        func run() throws {
            var parsed: [Scope] = []
            for part in scopes.split(separator: ",") {
                let text = part.trimmingCharacters(in: .whitespaces)
                guard let scope = Scope(rawValue: text) else {
                    printError("error: --scopes: unknown scope '\(text)' (known: decide, read, admin, sensitive)")
                    throw ExitCode(Runtime.setupFailure)
                }
                if !parsed.contains(scope) { parsed.append(scope) }
            }
            guard !parsed.isEmpty else {
                printError("error: --scopes: name at least one of decide, read, admin")
                throw ExitCode(Runtime.setupFailure)
            }
            let key = APIKeyGenerator.newKey()
            print("key: \(key)")
            print("config (auth.api_keys):")
            print("  - { name: \(name), sha256: \"\(APIKeyGenerator.sha256Hex(of: key))\", scopes: [\(parsed.map(\.rawValue).joined(separator: ", "))] }")
        }
    }
}
