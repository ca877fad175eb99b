import ArgumentParser
import Foundation
import SellifyCore
import SellifyExporterTextfile
import SellifyMetrics
import SellifyPluginKit

struct DecideCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Decide one message event and print the decision as JSON.",
        discussion: """
            Reads the event as JSON on stdin, or builds it from --text and friends:
              echo '{"conversation_id":"wa:1","message_id":"m1","type":"text","text":"hola","received_at":"2026-11-29T20:15:00Z"}' | sellify decide
              sellify decide --text "¿cuánto cuesta el Plan Premium?" --conversation wa:1
            The decision is committed to the store (quota, conversation, idempotency); posting the \
            same message id again prints the stored decision. Exit 0 with a decision, 2 on a bad \
            event, config or store.

            The decision's time (decided_at) is this machine's clock as each event is read, as in \
            the server; every quota window and cooldown is judged on it. --at fixes it, so a run \
            can be repeated exactly. The event's received_at is the connector's claim: recorded \
            and given to the rules, and refused when it is further ahead than server.max_clock_skew.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Include the stage trace (stage, outcome, microseconds).")
    var trace = false

    @Option(name: .customLong("state-db"), help: "The SQLite store file (default: store.path from the config).")
    var stateDB: String?

    @Option(help: "Message text (instead of a JSON event on stdin).")
    var text: String?

    @Option(help: "Conversation id for --text.")
    var conversation = "cli:1"

    @Option(name: .customLong("message-id"), help: "Message id for --text (default: derived from the other fields).")
    var messageID: String?

    @Option(help: "Message type for --text.")
    var type = "text"

    @Option(
        name: .customLong("received-at"), help: "The connector's received_at for --text (default: the decision's time)."
    )
    var receivedAt: String?

    @Option(help: "The decision's time, RFC 3339 (default: now, read as each event arrives).")
    var at: String?

    @Flag(help: "Read one JSON event per line from stdin and print one decision (or error) per line.")
    var jsonl = false

    @Option(
        name: .customLong("metrics-textfile"),
        help: ArgumentHelp(
            "After the run, write the metrics its decisions moved to DIR/sellify-decide.prom (node_exporter's textfile collector).",
            valueName: "DIR"))
    var metricsTextfile: String?

    func run() throws {
        let fixed: Timestamp?
        if let at {
            guard let time = Timestamp(rfc3339: at) else {
                printError("error: --at: expected an RFC 3339 timestamp such as 2026-11-29T20:15:00Z, got \"\(at)\"")
                throw ExitCode(Runtime.setupFailure)
            }
            fixed = time
        } else {
            fixed = nil
        }
        let clock: any WallClock = fixed.map { FixedClock($0) } ?? SystemClock()
        let deployment = try Runtime.deployment(configPath: options.config, poolSize: 1)
        let maxText = deployment.configuration.validation.maxLength * 4
        // The textfile's directory is checked before anything is decided.
        var sink: TextfileSink?
        if let directory = metricsTextfile {
            do {
                sink = try TextfileSink(directory: directory, name: "sellify-decide")
            } catch {
                printError("error: --metrics-textfile: \(error)")
                throw ExitCode(Runtime.setupFailure)
            }
        }
        let metrics = SellifyMetrics(custom: deployment.configuration.metrics.custom)
        metrics.prepare(configuration: deployment.configuration, rulesVersion: deployment.rules.version)
        defer {
            if let sink {
                do { try sink.write(metrics.exposition()) } catch { printError("error: --metrics-textfile: \(error)") }
            }
        }
        if jsonl {
            let service = try open(deployment, clock: clock, metrics: metrics)
            // One line in, one line out, flushed: a decision is printed only
            // after it is durable, so a reader never sees an uncommitted one.
            while let line = readLine(strippingNewline: true) {
                if line.allSatisfy(\.isWhitespace) { continue }
                let decidedAt = clock.now()
                do {
                    let event = try MessageEvent.parse(json: Array(line.utf8), maxTextLength: maxText)
                    printOutput(try service.decide(event, at: decidedAt, trace: trace).bytes)
                } catch {
                    var failure = JSONObjectWriter()
                    failure["error"] = .string("\(error)")
                    printOutput(Array(failure.string.utf8))
                }
            }
            return
        }
        let decidedAt = clock.now()
        let input: [UInt8]
        if let text {
            let receivedAt = receivedAt ?? decidedAt.description
            var event = JSONObjectWriter()
            event["conversation_id"] = .string(conversation)
            event["message_id"] = .string(messageID ?? "cli:\(conversation):\(receivedAt):\(text.hashValueStable)")
            event["type"] = .string(type)
            event["text"] = .string(text)
            event["received_at"] = .string(receivedAt)
            input = Array(event.string.utf8)
        } else {
            input = Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        let event: MessageEvent
        do {
            event = try MessageEvent.parse(json: input, maxTextLength: maxText)
            try event.receivedAt.checkClaim(
                field: "received_at", now: decidedAt, maxSkew: deployment.configuration.server.maxClockSkew)
        } catch {
            printError("error: bad event: \(error)")
            throw ExitCode(Runtime.setupFailure)
        }
        // The store is opened only for a valid event: bad input creates no files.
        let service = try open(deployment, clock: clock, metrics: metrics)
        do {
            let result = try service.decide(event, at: decidedAt, trace: trace)
            printOutput(result.bytes)
        } catch {
            printError("error: \(error)")
            throw ExitCode(Runtime.setupFailure)
        }
    }

    /// The application the server runs, on the store, with the same metrics
    /// (stage hooks and the metrics observer) — so a decision made here moves
    /// the same numbers and writes the same audit records as one over HTTP.
    func open(_ deployment: Deployment, clock: any WallClock, metrics: SellifyMetrics) throws -> DecisionService {
        let opened = try Runtime.openedStore(for: deployment, path: stateDB, writer: true)
        do {
            return try DecisionService.open(
                deployment, store: opened.store, clock: clock, hooks: [StageMetricsHook(metrics: metrics)],
                auditKeys: opened.auditKeys, observers: [MetricsObserver(metrics: metrics)])
        } catch {
            printError("error: \(error)")
            throw ExitCode(Runtime.setupFailure)
        }
    }
}

extension String {
    /// FNV-1a of the UTF-8 bytes: a stable (unseeded) short id.
    var hashValueStable: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
