import ArgumentParser
import Foundation
import SellifyCore
import SellifyPluginKit
import SellifyStore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify, show and export the hash-chained audit log.",
        subcommands: [Verify.self, Show.self, Export.self]
    )

    struct Location: ParsableArguments {
        @OptionGroup var options: GlobalOptions
        @Option(name: .customLong("state-db"), help: "The SQLite store file (default: store.path from the config).")
        var stateDB: String?
    }

    struct Filters: ParsableArguments {
        @Option(help: "Records at or after this RFC 3339 time.") var since: String?
        @Option(help: "Records before this RFC 3339 time.") var until: String?
        @Option(help: "Only this conversation.") var conversation: String?
        @Option(help: "Only this kind (decision, outbound_message, quota_reset, rules_reload, audit_purge…).") var kind:
            String?

        func query(limit: Int, after: Int64?) throws -> AuditQuery {
            try Self.query(
                since: since, until: until, conversation: conversation, kind: kind, limit: limit, after: after)
        }

        static func query(
            since: String?, until: String?, conversation: String?, kind: String?, limit: Int, after: Int64?
        ) throws -> AuditQuery {
            func time(_ text: String?, _ name: String) throws -> Timestamp? {
                guard let text else { return nil }
                guard let value = Timestamp(rfc3339: text) else {
                    printError(
                        "error: --\(name): expected an RFC 3339 timestamp such as 2026-11-30T00:00:00Z, got \"\(text)\""
                    )
                    throw ExitCode(Runtime.setupFailure)
                }
                return value
            }
            return AuditQuery(
                since: try time(since, "since"), until: try time(until, "until"), conversationID: conversation,
                kind: kind,
                after: after, limit: limit)
        }
    }

    /// The store and the audit keys, opened the way `serve` opens them.
    static func open(_ location: Location) throws -> OpenedStore {
        let deployment = try Runtime.deployment(configPath: location.options.config, poolSize: 1)
        return try Runtime.openedStore(for: deployment, path: location.stateDB)
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the hash chain; exit 1 naming the first broken record.",
            discussion: """
                Prints {"intact":…,"records":…,"head":{"seq":…,"hash":…},"sealed":{"checked":…,"unreadable":…},"seconds":…}; \
                intact means the chain is whole and every sealed customer text opens with the configured keys. Note the head hash \
                somewhere else (a ticket, a log shipper): a chain can only prove what happened after a hash \
                you kept.
                """)
        @OptionGroup var location: Location

        func run() throws {
            let opened = try AuditCommand.open(location)
            let store = opened.store
            let started = Date()
            let report: AuditVerification
            do {
                report = try store.verifyAudit(batchSize: 10_000)
            } catch {
                printError("error: \(error)")
                throw ExitCode(Runtime.setupFailure)
            }
            var head = JSONObjectWriter()
            head["seq"] = .int(Int(report.headSequence))
            head["hash"] = .string(report.headHash)
            var out = JSONObjectWriter()
            out["intact"] = .bool(report.isIntact)
            out["records"] = .int(report.records)
            out["head"] = .object(head)
            out["seconds"] = .raw(String(format: "%.3f", Date().timeIntervalSince(started)))
            var sealed = JSONObjectWriter()
            sealed["checked"] = .int(report.sealedChecked)
            sealed["unreadable"] = .int(report.sealedUnreadable)
            if let first = report.firstUnreadable {
                var object = JSONObjectWriter()
                object["seq"] = .int(Int(first.sequence))
                object["reason"] = .string(first.reason)
                sealed["first_unreadable"] = .object(object)
            }
            out["sealed"] = .object(sealed)
            if let broken = report.firstBreak {
                var object = JSONObjectWriter()
                object["seq"] = .int(Int(broken.sequence))
                object["reason"] = .string(broken.reason)
                object["expected"] = .string(broken.expected)
                object["found"] = .string(broken.found)
                out["first_break"] = .object(object)
            }
            printOutput(Array(out.string.utf8))
            if let broken = report.firstBreak {
                printError("audit: chain broken at \(broken)")
                throw ExitCode(1)
            }
            if let first = report.firstUnreadable {
                printError(
                    "audit: \(report.sealedUnreadable) of \(report.sealedChecked) sealed texts cannot be opened with the configured keys; first: record \(first.sequence): \(first.reason)"
                )
                throw ExitCode(1)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print audit records as JSON (a page; --after for the next).")
        @OptionGroup var location: Location
        @OptionGroup var filters: Filters
        @Option(help: "Records after this sequence number.") var after: Int64?
        @Option(help: "At most this many records (1…1000).") var limit = 100
        @Flag(help: "Open the sealed customer text with the configured audit keys.") var decrypt = false

        func run() throws {
            guard (1...1000).contains(limit) else {
                printError("error: --limit: expected 1…1000, got \(limit)")
                throw ExitCode(Runtime.setupFailure)
            }
            let opened = try AuditCommand.open(location)
            let store = opened.store
            let records: [AuditRecord]
            do {
                records = try store.auditRecords(try filters.query(limit: limit, after: after))
            } catch let error as StoreError {
                printError("error: \(error)")
                throw ExitCode(Runtime.setupFailure)
            }
            var out = JSONObjectWriter()
            out["records"] = .array(records.map { .object($0.jsonObject(opening: decrypt ? opened.auditKeys : nil)) })
            out["next_after"] = records.count == limit ? .int(Int(records.last!.sequence)) : .null
            printOutput(Array(out.string.utf8))
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every matching record, one JSON object per line, for shipping to other systems.")
        @OptionGroup var location: Location
        @OptionGroup var filters: Filters
        @Option(help: "Output format (jsonl).") var format = "jsonl"
        @Flag(help: "Open the sealed customer text with the configured audit keys.") var decrypt = false

        func run() throws {
            guard format == "jsonl" else {
                printError("error: --format: only 'jsonl' is supported, got '\(format)'")
                throw ExitCode(Runtime.setupFailure)
            }
            let opened = try AuditCommand.open(location)
            let store = opened.store
            let keys = decrypt ? opened.auditKeys : nil
            var after: Int64?
            let out = FileHandle.standardOutput
            while true {
                let records: [AuditRecord]
                do {
                    records = try store.auditRecords(try filters.query(limit: 1000, after: after))
                } catch let error as StoreError {
                    printError("error: \(error)")
                    throw ExitCode(Runtime.setupFailure)
                }
                if records.isEmpty { break }
                var chunk = ""
                for record in records { chunk += record.jsonObject(opening: keys).string + "\n" }
                out.write(Data(chunk.utf8))
                after = records.last!.sequence
            }
        }
    }
}
