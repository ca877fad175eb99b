import ArgumentParser
import Foundation
import SellifyCore
import SellifyPluginKit
import SellifyStore
import SellifyStorePostgres

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Migrate the store's schema, or copy the embedded store into PostgreSQL.",
        subcommands: [Migrate.self, Copy.self]
    )

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the store's pending schema migrations and print the applied ones as JSON.",
            discussion: """
                `sellify serve` also migrates at start (PostgreSQL: under an advisory lock, so instances \
                starting together migrate once). Run this before a rolling upgrade to migrate once, up front.
                """)
        @OptionGroup var location: AuditCommand.Location

        func run() throws {
            let deployment = try Runtime.deployment(configPath: location.options.config, poolSize: 1)
            // Opening a store migrates it.
            let store = try Runtime.store(for: deployment, path: location.stateDB, writer: true)
            defer { try? (store as? any ClosableStore)?.close() }
            let applied: [String]
            do {
                switch store {
                case let store as PostgresStore: applied = try store.appliedMigrations()
                case let store as SQLiteStore: applied = try store.appliedMigrations()
                default: applied = []
                }
            } catch {
                printError("error: \(error)")
                throw ExitCode(Runtime.setupFailure)
            }
            var out = JSONObjectWriter()
            out["store"] = .string(deployment.configuration.store.type)
            out["applied"] = .array(applied.map { .string($0) })
            printOutput(Array(out.string.utf8))
        }
    }

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the embedded SQLite store into an empty PostgreSQL database, then verify the copy.",
            discussion: """
                Copies conversations, quota counters, idempotency records, the audit chain (sequence numbers, \
                hashes and sealed texts unchanged) and the scheduler's windows; then walks both chains and \
                compares them and every counter. Prints a JSON report; exit 0 when the copy is identical, \
                1 when it is not, 2 when it cannot start (e.g. the database is not empty). Stop the server \
                first: the copy holds the store's writer lock. Both sides use the audit keys of the config.
                """)
        @OptionGroup var options: GlobalOptions
        @Option(help: "The SQLite store file (default: store.path from the config).") var from: String?
        @Option(help: "The PostgreSQL database, e.g. postgres://sellify@db.internal:5432/sellify.") var to: String
        @Option(name: .customLong("password-env"), help: "Read the database password from this environment variable.")
        var passwordEnv: String?
        @Option(help: "TLS to the database: disable, prefer, require or verify-full.") var tls = "prefer"

        func run() throws {
            let deployment = try Runtime.deployment(configPath: options.config, poolSize: 1)
            let path = from ?? deployment.loaded.resolve(deployment.configuration.store.path)
            func fail(_ message: String, _ status: Int32 = Runtime.setupFailure) -> ExitCode {
                printError("error: \(message)")
                return ExitCode(status)
            }
            guard FileManager.default.fileExists(atPath: path) else { throw fail("no SQLite store at '\(path)'") }
            guard let mode = PostgresStorePlugin.TLSMode(rawValue: tls) else {
                throw fail("--tls: expected disable, prefer, require or verify-full, got '\(tls)'")
            }
            let source: SQLiteStore
            let target: PostgresStore
            do {
                let keys = try deployment.auditKeys(
                    storePath: path, environment: ProcessInfo.processInfo.environment, announce: { _ in })
                source = try SQLiteStore(configuration: .init(path: path, auditKeys: keys, exclusive: true))
                target = try PostgresStorePlugin.open(
                    url: to, options: .init(passwordEnv: passwordEnv, tls: mode), auditKeys: keys,
                    resolve: deployment.loaded.resolve)
            } catch {
                throw fail("\(error)")
            }
            defer {
                try? source.close()
                try? target.close()
            }
            let copied: (conversations: Int, counters: [StoreRows.Counter], decisions: Int, audit: Int)
            let before: AuditVerification
            do {
                before = try source.verifyAudit()
                guard before.firstBreak == nil else {
                    throw StoreError(
                        "the audit chain of '\(path)' is broken at sequence \(before.firstBreak!.sequence) "
                            + "(`sellify audit verify`); it is not copied")
                }
                let present = try target.rowCounts().filter { $0.value > 0 }
                guard present.isEmpty else {
                    throw StoreError(
                        "the database \(PostgresStorePlugin.redacted(to)) is not empty ("
                            + present.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                            + "); copy into a new database")
                }
                var tally = (conversations: 0, counters: [StoreRows.Counter](), decisions: 0, audit: 0)
                let tail = try source.export { rows in
                    try target.importRows(rows)
                    tally.conversations += rows.conversations.count
                    tally.counters += rows.counters
                    tally.decisions += rows.decisions.count
                    tally.audit += rows.audit.count
                }
                try target.finishImport(tail)
                copied = tally
            } catch {
                throw fail("\(error)")
            }
            // Verify: the same chain (records, head), the same counters, the same rows.
            let after: AuditVerification
            let counts: [String: Int]
            let usage: [QuotaCounterKey: Int]
            let keys = copied.counters.compactMap { row in
                QuotaCounter(rawValue: row.counter).map { QuotaCounterKey(window: row.window, counter: $0) }
            }
            do {
                after = try target.verifyAudit()
                counts = try target.rowCounts()
                usage = try target.usage(of: keys)
            } catch {
                throw fail("\(error)", 1)
            }
            var differences: [String] = []
            if after.firstBreak != nil || after.records != before.records || after.headSequence != before.headSequence
                || after.headHash != before.headHash
            {
                differences.append(
                    "audit chain: \(before.records) records ending at \(before.headSequence) \(before.headHash.prefix(12))… "
                        + "copied as \(after.records) ending at \(after.headSequence) \(after.headHash.prefix(12))…")
            }
            if after.sealedUnreadable != before.sealedUnreadable {
                differences.append(
                    "sealed texts: \(before.sealedUnreadable) unreadable before, \(after.sealedUnreadable) after")
            }
            for (table, expected) in [
                ("conversations", copied.conversations), ("quota_counters", copied.counters.count),
                ("decisions", copied.decisions), ("audit_log", copied.audit),
            ] where counts[table] != expected {
                differences.append("\(table): \(expected) rows copied, \(counts[table] ?? 0) in the database")
            }
            for row in copied.counters {
                guard let counter = QuotaCounter(rawValue: row.counter) else { continue }
                let key = QuotaCounterKey(window: row.window, counter: counter)
                if usage[key] != row.used {
                    differences.append("quota \(key): \(row.used) copied as \(usage[key] ?? 0)")
                }
            }
            var copiedObject = JSONObjectWriter()
            copiedObject["conversations"] = .int(copied.conversations)
            copiedObject["quota_counters"] = .int(copied.counters.count)
            copiedObject["decisions"] = .int(copied.decisions)
            copiedObject["audit_records"] = .int(copied.audit)
            var audit = JSONObjectWriter()
            audit["records"] = .int(after.records)
            audit["head_sequence"] = .int(Int(after.headSequence))
            audit["head_hash"] = .string(after.headHash)
            var out = JSONObjectWriter()
            out["from"] = .string(path)
            out["to"] = .string(PostgresStorePlugin.redacted(to))
            out["copied"] = .object(copiedObject)
            out["audit"] = .object(audit)
            out["identical"] = .bool(differences.isEmpty)
            out["differences"] = .array(differences.map { .string($0) })
            printOutput(Array(out.string.utf8))
            if !differences.isEmpty { throw ExitCode(1) }
        }
    }
}
