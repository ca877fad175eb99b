import ArgumentParser
import Foundation
import SellifyCore
import SellifyMetrics

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the Prometheus exposition once, after loading state (for debugging).",
        discussion: """
            Loads the deployment and the store, sets the gauges that mirror stored state (quota \
            usage in the current windows, conversations per state), and prints the exposition \
            (text format 0.0.4) on stdout.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("state-db"), help: "The SQLite store file (default: store.path from the config).")
    var stateDB: String?

    func run() throws {
        let deployment = try Runtime.deployment(configPath: options.config, poolSize: 1)
        let store = try Runtime.store(for: deployment, path: stateDB)
        let metrics = SellifyMetrics()
        metrics.prepare(configuration: deployment.configuration, rulesVersion: deployment.rules.version)
        let pipeline = DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration, store: store)
        // The wall clock picks the current quota windows; it never feeds a decision.
        let now = Timestamp.now()
        do {
            try metrics.loadState(from: store, quota: pipeline.quota, at: now)
        } catch {
            printError("error: \(error)")
            throw ExitCode(Runtime.setupFailure)
        }
        print(metrics.exposition(), terminator: "")
    }
}
