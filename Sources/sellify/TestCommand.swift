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

    @Flag(help: "Report the lines of decide() in decision.lua that no test reached (before the summary line).")
    var coverage = false

    @Option(
        name: .customLong("min-coverage"),
        help: ArgumentHelp(
            "Fail (exit 1) when the tests reach less than this share of decide()'s lines, a ratio 0…1 (0.8 = 80%); "
                + "overrides rules.coverage_floor.",
            valueName: "RATIO"))
    var minCoverage: Double?

    @Option(
        name: .customLong("metrics-textfile"),
        help: ArgumentHelp(
            "Also write the results to DIR/sellify-rule-tests.prom for node_exporter's textfile collector.",
            valueName: "DIR"))
    var metricsTextfile: String?

    func validate() throws {
        if let minCoverage, !(minCoverage.isFinite && (0...1).contains(minCoverage)) {
            throw ValidationError("--min-coverage: expected a ratio between 0 and 1 (0.8 = 80%), got \(minCoverage)")
        }
    }

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
        let floor = minCoverage ?? deployment.configuration.rules.coverageFloor
        let runner = RuleTestRunner(deployment: deployment) { try SQLiteStore.inMemory() }
        let report = runner.run(
            directory: folder, display: display, measureCoverage: coverage, coverageFloor: floor,
            floorSetting: minCoverage == nil ? "rules.coverage_floor" : "--min-coverage")
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
        if coverage, let measured = report.coverage { printCoverage(deployment.rules.sources.decision, measured) }
        print(report.summary)
        if let failure = report.coverageFailure { printError(failure.description) }
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
        if report.failed > 0 || report.coverageFailure != nil { throw ExitCode(1) }
    }

    /// `decide() coverage: 118 of 124 lines (95.2%)`, then each line never
    /// reached, with its source — a `return` there is a rule no test takes.
    func printCoverage(_ file: RuleSources.File, _ result: RuleSet.Coverage) {
        let source = file.source.split(separator: "\n", omittingEmptySubsequences: false)
        let total = result.lines.count
        let hit = total - result.missed.count
        let percent = total == 0 ? 100.0 : Double(hit) * 100 / Double(total)
        print(
            "decide() coverage: \(hit) of \(total) lines (\(String(format: "%.1f", percent))%) in \(file.displayPath)")
        let missed = result.missed
        let rules = missed.filter { line in line <= source.count && source[line - 1].contains("return") }
        if !rules.isEmpty { print("branches no test takes (\(rules.count)):") }
        for line in missed where line <= source.count {
            let text = source[line - 1].trimmingCharacters(in: .whitespaces)
            print("  \(file.displayPath):\(line): \(text)")
        }
    }
}
