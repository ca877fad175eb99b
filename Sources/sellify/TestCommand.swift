import ArgumentParser
import Foundation
import Prometheus
import SellifyCore
import SellifyExporterTextfile
import SellifyMetrics
import SellifyStore
import SellifyYAML

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the rule tests (rules/tests/*.yaml).",
        discussion: """
            Each case runs on a fresh in-memory store seeded with its `given` state. Prints one \
            line per failure and ends with `N passed, M failed`; exits 1 when anything failed, \
            2 when the deployment does not load.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The rule tests folder (default: <rules.directory>/tests).")
    var directory: String?

    @Flag(name: .shortAndLong, help: "Also list passing cases.")
    var verbose = false

    @Option(name: .customLong("metrics-textfile"), help: ArgumentHelp(
        "Also write the results to DIR/sellify-rule-tests.prom for node_exporter's textfile collector.",
        valueName: "DIR"))
    var metricsTextfile: String?

    func run() throws {
        let deployment = try Runtime.deployment(configPath: options.config, poolSize: 1)
        let rulesDirectory = deployment.configuration.rules.directory
        let folder = directory ?? deployment.loaded.resolve(rulesDirectory + "/tests")
        let display = directory ?? deployment.loaded.display(rulesDirectory + "/tests")
        // The textfile's directory is checked before any test runs.
        var sink: TextfileSink?
        if let directory = metricsTextfile {
            do {
                sink = try TextfileSink(directory: directory, name: "sellify-rule-tests")
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
        let runner = RuleTestRunner(deployment: deployment) { try SQLiteStore.inMemory() }
        let report = runner.run(directory: folder, display: display)
        for diagnostic in report.diagnostics { printError(diagnostic.description) }
        for result in report.results {
            let place = result.location.map { "\($0)" } ?? result.file
            if result.passed {
                if verbose { print("PASS \(place): \(result.name)") }
            } else {
                print("FAIL \(place): \(result.name)")
                for failure in result.failures { print("     \(failure)") }
            }
        }
        print(report.summary)
        if let sink {
            // Only the rule-test series: the server's own file carries the rest,
            // and node_exporter refuses the same series from two files.
            let metrics = SellifyMetrics(catalog: [MetricCatalog.ruleTests, MetricCatalog.ruleTestsLastRun])
            metrics.gauge(MetricCatalog.ruleTests, "passed").set(to: Double(report.passed))
            metrics.gauge(MetricCatalog.ruleTests, "failed").set(to: Double(report.failed))
            metrics.gauge(MetricCatalog.ruleTestsLastRun).set(to: Date().timeIntervalSince1970.rounded())
            do {
                try sink.write(metrics.registry.emitToString())
            } catch {
                printError("error: \(error)")
                throw ExitCode(2)
            }
        }
        if report.failed > 0 { throw ExitCode(1) }
    }
}
