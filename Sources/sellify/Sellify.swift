import ArgumentParser
import SellifyCore

@main
struct Sellify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sellify",
        abstract: "The deterministic engine of an AI sales assistant.",
        discussion: """
            Every command takes --config FILE (default: config.yaml). Machine-readable output \
            goes to stdout as JSON; diagnostics go to stderr.
            """,
        version: SellifyVersion.current,
        subcommands: [
            ServeCommand.self, CheckCommand.self, DecideCommand.self, ValidateCommand.self, TestCommand.self,
            MetricsCommand.self, AuditCommand.self, QuotaCommand.self, StoreCommand.self, ReplayCommand.self,
            KeysCommand.self, LicenseCommand.self,
            VersionCommand.self,
        ]
    )
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file.")
    var config = "config.yaml"
}
