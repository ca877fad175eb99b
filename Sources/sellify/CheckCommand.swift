import ArgumentParser
import Foundation
import SellifyCore
import SellifyPlugins
import SellifyYAML

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate config, catalog and rules without starting.",
        discussion: """
            Loads the config, the catalog and every rule file, compiles the rules in the \
            sandbox and calls decide(ctx) on built-in sample messages. Then checks the rules \
            statically: every state, template, intent and action name they use must exist, \
            and luacheck (when installed) finds undefined globals and unused variables. \
            Prints every problem found (not just the first) to stderr and exits 0 only when \
            there is no error; on success prints what was checked to stdout.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: "Check this rules folder instead of the configured one.")
    var rules: String?

    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    func run() throws {
        let report = Checker(plugins: .builtin).check(configPath: options.config, rulesDirectory: rules)
        for diagnostic in report.diagnostics where !(quiet && diagnostic.severity == .note) {
            printError(diagnostic.description)
        }
        if report.isClean {
            if !quiet {
                for line in report.summary { print(line) }
                print("check passed")
            }
        } else {
            let errors = report.diagnostics.filter { $0.severity == .error }.count
            printError("check failed: \(errors) error\(errors == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version as JSON.")

    func run() throws {
        print(#"{"lua":"\#(SellifyVersion.lua)","version":"\#(SellifyVersion.current)"}"#)
    }
}
