import ArgumentParser
import Foundation
import SellifyCore
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

    func run() throws {
        let deployment: Deployment
        do {
            deployment = try Runtime.deployment(configPath: options.config, poolSize: 1)
        } catch let status as ExitStatus {
            throw ExitCode(status.code)
        }
        let rulesDirectory = deployment.configuration.rules.directory
        let folder = directory ?? deployment.loaded.resolve(rulesDirectory + "/tests")
        let display = directory ?? deployment.loaded.display(rulesDirectory + "/tests")
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
        if report.failed > 0 { throw ExitCode(1) }
    }
}
