import ArgumentParser
import Foundation
import SellifyCore
import SellifyStore

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
            let deployment = try Runtime.deployment(configPath: location.options.config, poolSize: 1)
            let store = try Runtime.store(for: deployment, path: location.stateDB)
            let time = try QuotaCommand.time(at)
            let quota = QuotaCommand.engine(deployment.configuration)
            let windows = quota.calendar.windows(at: time)
            let usage: [QuotaCounterKey: Int]
            do { usage = try store.usage(of: quota.counters(windows)) } catch {
                printError("error: \(error)")
                throw ExitCode(Runtime.setupFailure)
            }
            var quotas = JSONObjectWriter()
            for (name, status) in quota.status(usage: usage, windows) {
                var item = JSONObjectWriter()
                item["used"] = .int(status.used)
                item["limit"] = .int(status.limit)
                item["remaining"] = .int(max(0, status.limit - status.used))
                item["window"] = .string(quota.key(name, windows).window)
                quotas[name.rawValue] = .object(item)
            }
            var out = JSONObjectWriter()
            out["at"] = .string(time.description)
            out["timezone"] = .string(deployment.configuration.quotaTimeZone.identifier)
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
            let deployment = try Runtime.deployment(configPath: location.options.config, poolSize: 1)
            let store = try Runtime.store(for: deployment, path: location.stateDB, writer: true)
            let now = Timestamp.now()
            let time = try QuotaCommand.time(at)
            let quota = QuotaCommand.engine(deployment.configuration)
            let windows = quota.calendar.windows(at: time)
            let (names, keys, audit) = quota.manualReset(reset, windowTime: time, now: now, by: by)
            let previous: [QuotaCounterKey: Int]
            do {
                previous = try store.resetUsage(of: keys, audit: audit)
            } catch {
                printError("error: \(error)")
                throw ExitCode(Runtime.setupFailure)
            }
            var before = JSONObjectWriter()
            for name in names { before[name.rawValue] = .int(previous[quota.key(name, windows)] ?? 0) }
            var out = JSONObjectWriter()
            out["reset_type"] = .string(reset.rawValue)
            out["previous"] = .object(before)
            out["at"] = .string(time.description)
            printOutput(Array(out.string.utf8))
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

    static func engine(_ configuration: SellifyConfiguration) -> QuotaEngine {
        QuotaEngine(
            limits: configuration.quotas.limits,
            calendar: configuration.quotaCalendar,
            warnRatio: configuration.quotas.warnRatio)
    }
}
