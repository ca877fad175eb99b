import ArgumentParser
import Foundation
import SellifyCore
import SellifyPluginKit
import SellifyPlugins
import SellifyStore
import SellifyYAML

/// `sellify replay`: the shadow test before a reload. The decisions recorded
/// in the audit log are decided again — by the running rules and by the
/// candidate — each on a scratch in-memory store (the real store is only
/// read), and every decision whose action or rule differs is reported. An
/// AI-worded decision is given the wording its `generation` record holds
/// (the text, or that it fell back): no provider is ever asked.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run audited decisions with a candidate rules folder and report what would change.",
        discussion: """
            Reads the decision records of the audit log (opening the sealed customer text with the \
            audit keys), replays them in order twice on scratch stores — with the current rules and \
            with --rules DIR (and --candidate-config FILE) — and compares. An AI-worded decision is \
            given its recorded wording; no AI provider is called. Prints a JSON report on stdout and \
            a summary on stderr:
              sellify replay --rules rules.next --last 5000
              sellify replay --rules rules.next --since 2026-11-01T00:00:00Z --fail-on-change
            Exit 0; 1 with --fail-on-change when a decision changes; 2 on an error.
            """
    )

    @OptionGroup var location: AuditCommand.Location

    @Option(help: "The candidate rules folder (default: the configured one).")
    var rules: String?

    @Option(name: .customLong("candidate-config"), help: "A candidate config file (default: --config).")
    var candidateConfig: String?

    @Option(help: "Decisions at or after this RFC 3339 time.") var since: String?
    @Option(help: "Decisions before this RFC 3339 time.") var until: String?
    @Option(help: "Only the last N decisions (after the time filters).") var last: Int?

    @Option(help: "Examples shown per transition.") var examples = 3

    @Flag(name: .customLong("fail-on-change"), help: "Exit 1 when any decision changes.")
    var failOnChange = false

    struct Replayed {
        var event: MessageEvent
        var recordedAction: String?
        var baseline: Decision
        var candidate: Decision
    }

    func run() throws {
        let current = try Runtime.deployment(configPath: location.options.config, poolSize: 1)
        let candidate: Deployment
        do {
            candidate = try Deployment.load(
                configPath: candidateConfig ?? location.options.config, rulesDirectory: rules, plugins: .builtin,
                poolSize: 1)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            printError("error: the candidate does not load")
            throw ExitCode(Runtime.setupFailure)
        }
        let opened = try Runtime.openedStore(for: current, path: location.stateDB)
        let store = opened.store
        let keys = opened.auditKeys

        // The recorded decisions, oldest first, and the AI wording they were given.
        var records = try Self.records(kind: "decision", since: since, until: until, in: store)
        if let last, records.count > last { records = Array(records.suffix(last)) }

        // Each decision is replayed at its recorded time (the record's `at` is
        // the decision's decided_at), so windows and cooldowns come out as they did.
        var events: [(MessageEvent, Timestamp, String?)] = []
        var unreadable = 0
        for record in records {
            guard let event = Self.event(from: record, keys: keys) else {
                unreadable += 1
                continue
            }
            events.append((event, record.entry.at, Self.field("action", in: record.entry.summary)))
        }

        // A decision that was AI-worded is given its recorded wording (its
        // text, or that it fell back): replay never asks a provider.
        var wording: [String: PreparedWording] = [:]
        for record in try Self.records(kind: "generation", since: since, until: until, in: store) {
            guard let conversation = record.entry.conversationID, let message = record.entry.messageID,
                let prepared = PreparedWording(
                    recordedSummary: record.entry.summary, sensitive: Self.opened(record, keys: keys))
            else { continue }
            wording[conversation + "\u{1F}" + message] = prepared
        }
        var reused = 0

        let baselinePipeline = try Self.pipeline(current)
        let candidatePipeline = try Self.pipeline(candidate)
        var replayed: [Replayed] = []
        do {
            for (event, decidedAt, recorded) in events {
                let prepared = wording[event.conversationID + "\u{1F}" + event.messageID]
                if prepared != nil { reused += 1 }
                guard let base = try baselinePipeline.decide(event, at: decidedAt, prepared: prepared).decision,
                    let next = try candidatePipeline.decide(event, at: decidedAt, prepared: prepared).decision
                else { continue }
                replayed.append(Replayed(event: event, recordedAction: recorded, baseline: base, candidate: next))
            }
        } catch {
            printError("error: replay: \(error)")
            throw ExitCode(Runtime.setupFailure)
        }

        let changed = replayed.filter {
            $0.baseline.action != $0.candidate.action || $0.baseline.rule != $0.candidate.rule
        }
        let drift = replayed.filter { $0.recordedAction != nil && $0.recordedAction != $0.baseline.action.rawValue }
            .count
        var transitions: [String: [Replayed]] = [:]
        for item in changed {
            transitions["\(item.baseline.action.rawValue) → \(item.candidate.action.rawValue)", default: []].append(
                item)
        }

        var report = JSONObjectWriter()
        report["decisions"] = .int(replayed.count)
        report["changed"] = .int(changed.count)
        report["unreadable"] = .int(unreadable)
        report["recorded_wording_reused"] = .int(reused)
        report["baseline_differs_from_log"] = .int(drift)
        report["rules_version"] = .string(current.rules.version)
        report["candidate_rules_version"] = .string(candidate.rules.version)
        var table = JSONObjectWriter()
        for (name, items) in transitions {
            var entry = JSONObjectWriter()
            entry["count"] = .int(items.count)
            entry["examples"] = .array(
                items.prefix(examples).map { item in
                    var example = JSONObjectWriter()
                    example["conversation_id"] = .string(item.event.conversationID)
                    example["message_id"] = .string(item.event.messageID)
                    example["before"] = .string("\(item.baseline.rule): \(item.baseline.reason)")
                    example["after"] = .string("\(item.candidate.rule): \(item.candidate.reason)")
                    return .object(example)
                })
            table[name] = .object(entry)
        }
        report["transitions"] = .object(table)
        printOutput(Array(report.string.utf8))

        var summary = "replay: \(replayed.count) decisions, \(changed.count) would change"
        if unreadable > 0 { summary += ", \(unreadable) skipped (no sealed text or no key to open it)" }
        if reused > 0 { summary += ", \(reused) with their recorded AI wording" }
        summary += "\n"
        for (name, items) in transitions.sorted(by: {
            $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key)
        }) {
            summary += "  \(name): \(items.count)\n"
            for item in items.prefix(examples) {
                summary += "    \(item.event.conversationID) \(item.event.messageID)\n"
                summary += "      before: \(item.baseline.rule): \(item.baseline.reason)\n"
                summary += "      after:  \(item.candidate.rule): \(item.candidate.reason)\n"
            }
        }
        if drift > 0 {
            summary +=
                "note: \(drift) replayed decisions differ from the log with the current rules "
                + "(state from before the replayed range, or rules changed since)\n"
        }
        FileHandle.standardError.write(Data(summary.utf8))
        if failOnChange && !changed.isEmpty { throw ExitCode(1) }
    }

    /// The audit records of `kind` in the time range, oldest first.
    static func records(
        kind: String, since: String?, until: String?, in store: any DecisionStore
    ) throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        var after: Int64?
        while true {
            let page: [AuditRecord]
            do {
                page = try store.auditRecords(
                    try AuditCommand.Filters.query(
                        since: since, until: until, conversation: nil, kind: kind, limit: 1000, after: after))
            } catch let error as StoreError {
                printError("error: \(error)")
                throw ExitCode(Runtime.setupFailure)
            }
            if page.isEmpty { return records }
            records += page
            after = page.last!.sequence
        }
    }

    /// A record's sealed part, opened (nil without one or its key).
    static func opened(_ record: AuditRecord, keys: AuditKeyring?) -> String? {
        guard let sealed = record.sealed, let keyID = record.keyID, let keys else { return nil }
        return try? keys.open(sealed, keyID: keyID, sequence: record.sequence)
    }

    static func pipeline(_ deployment: Deployment) throws -> DecisionPipeline {
        let store: SQLiteStore
        do { store = try SQLiteStore.inMemory() } catch {
            printError("error: \(error)")
            throw ExitCode(Runtime.setupFailure)
        }
        return DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration, store: store)
    }

    /// The event a decision record describes (its text is in the sealed part).
    static func event(from record: AuditRecord, keys: AuditKeyring?) -> MessageEvent? {
        guard let conversation = record.entry.conversationID, let message = record.entry.messageID,
            let opened = opened(record, keys: keys),
            case .object(let fields)? = try? JSONValue.parse(Array(opened.utf8))
        else { return nil }
        guard case .string(let text)? = fields["text"] else { return nil }
        var type = MessageType.text
        if case .string(let name)? = fields["type"], let parsed = MessageType(rawValue: name) { type = parsed }
        // The connector's claimed time is in the summary (records written before
        // it was kept there were stamped with it).
        let receivedAt =
            field("received_at", in: record.entry.summary).flatMap(Timestamp.init(rfc3339:)) ?? record.entry.at
        return MessageEvent(
            conversationID: conversation, messageID: message, type: type, text: text, receivedAt: receivedAt)
    }

    static func field(_ key: String, in summary: String) -> String? {
        guard case .object(let fields)? = try? JSONValue.parse(Array(summary.utf8)),
            case .string(let value)? = fields[key]
        else {
            return nil
        }
        return value
    }
}
