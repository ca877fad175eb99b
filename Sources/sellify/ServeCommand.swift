import ArgumentParser
import Foundation
import Logging
import SellifyCore
import SellifyMetrics
import SellifyPluginKit
import SellifyPlugins
import SellifyServer
import SellifyStore
import SellifyYAML

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (openapi.yaml) until SIGTERM or SIGINT.",
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
        let status = await SellifyServer.serve(configPath: options.config, host: host, port: port, plugins: .builtin)
        if status != 0 { throw ExitCode(status) }
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
            print(
                "  - { name: \(name), sha256: \"\(APIKeyGenerator.sha256Hex(of: key))\", scopes: [\(parsed.map(\.rawValue).joined(separator: ", "))] }"
            )
        }
    }
}
