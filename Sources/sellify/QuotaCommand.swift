import ArgumentParser
import Foundation
import SellifyCore
import SellifyPluginKit

struct QuotaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Show quota usage, or reset the daily or weekly counters (audited).",
        subcommands: [Show.self, Reset.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print usage and limits in every window as JSON.")
        @OptionGroup var location: AuditCommand.Location
        @Option(help: "A time whose windows to show (RFC 3339; default now).") var at: String?

        func run() throws {
            let service = try QuotaCommand.service(location, writer: false)
            let report: QuotaReport
            do { report = try service.quotaStatus(at: try QuotaCommand.time(at)) } catch {
                printError("error: \(error)")
                throw ExitCode(Runtime.setupFailure)
            }
            var quotas = JSONObjectWriter()
            for (name, status, window) in report.quotas {
                var item = status.jsonObject
                item["window"] = .string(window)
                quotas[name.rawValue] = .object(item)
            }
            var out = JSONObjectWriter()
            out["at"] = .string(report.at.description)
            out["timezone"] = .string(report.timeZone)
            out["quotas"] = .object(quotas)
            printOutput(Array(out.string.utf8))
        }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the daily (messages, images) or weekly (messages, videos) counters to zero; audited.",
            discussion: "Prints {\"previous\":{…},\"reset_type\":…}. The same as POST /api/v1/quota/reset.")
        @OptionGroup var location: AuditCommand.Location
        @Argument(help: "daily or weekly.") var window: String
        @Option(help: "A time inside the window to reset (RFC 3339; default now).") var at: String?
        @Option(help: "Who asks (kept in the audit record).") var by = "cli"

        func run() throws {
            guard let reset = QuotaScheduler.ResetType(rawValue: window) else {
                printError("error: window: expected daily or weekly, got '\(window)'")
                throw ExitCode(Runtime.setupFailure)
            }
            let service = try QuotaCommand.service(location, writer: true)
            let windowTime = try at.map { try QuotaCommand.time($0) }
            let receipt: QuotaResetReceipt
            do { receipt = try service.resetQuota(reset, windowTime: windowTime, by: by) } catch {
                printError("error: \(error)")
                throw ExitCode(Runtime.setupFailure)
            }
            var before = JSONObjectWriter()
            for (name, used) in receipt.previous { before[name.rawValue] = .int(used) }
            var out = JSONObjectWriter()
            out["reset_type"] = .string(reset.rawValue)
            out["previous"] = .object(before)
            out["at"] = .string(receipt.windowTime.description)
            printOutput(Array(out.string.utf8))
        }
    }

    /// The application on the store, as the server runs it (the same use cases).
    static func service(_ location: AuditCommand.Location, writer: Bool) throws -> DecisionService {
        let deployment = try Runtime.deployment(configPath: location.options.config, poolSize: 1)
        let opened = try Runtime.openedStore(for: deployment, path: location.stateDB, writer: writer)
        do {
            return try DecisionService.open(
                deployment, store: opened.store, clock: SystemClock(), auditKeys: opened.auditKeys)
        } catch {
            printError("error: \(error)")
            throw ExitCode(Runtime.setupFailure)
        }
    }

    static func time(_ text: String?) throws -> Timestamp {
        guard let text else { return Timestamp.now() }
        guard let time = Timestamp(rfc3339: text) else {
            printError("error: --at: expected an RFC 3339 timestamp such as 2026-11-30T18:00:00Z, got \"\(text)\"")
            throw ExitCode(Runtime.setupFailure)
        }
        return time
    }
}
