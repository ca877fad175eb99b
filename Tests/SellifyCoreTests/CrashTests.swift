import Foundation
import SellifyCore
import SellifyPlugins
import SellifyStore
import Testing

/// `kill -9` in the middle of a load of decisions: nothing the process
/// returned is lost, and the quota counter never exceeds what was answered.
struct CrashTests {
    @Test func killDashNineMidLoadLosesNothingAndOverspendsNothing() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let database = directory.url.appendingPathComponent("data/crash.db").path
        let count = 400
        let events: [String] = (0..<count).map { i in
            #"{"conversation_id":"c\#(i)","message_id":"crash-\#(i)","type":"text","text":"How much is the Premium Plan?","received_at":"2026-11-30T18:00:00Z"}"#
        }

        // A decider that reads events on stdin and prints each decision once committed.
        let process = Process()
        process.executableURL = try sellifyExecutable()
        // At a fixed decision time, so the counter's window is known.
        process.arguments = ["decide", "--jsonl", "--at", "2026-11-30T18:00:00Z", "--state-db", database]
        process.currentDirectoryURL = directory.url
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The writer stays at most 100 events ahead of the answers read, so the
        // process is mid-load when it is killed (after 150 answers, at most 250 of
        // the 400 events have been sent) however fast the machine is.
        let progress = WriterGate()
        let writerDone = DispatchSemaphore(value: 0)
        let writer = Thread {
            for (index, event) in events.enumerated() {
                guard progress.waitForRoom(before: index, ahead: 100) else { break }
                input.fileHandleForWriting.write(Data((event + "\n").utf8))
            }
            writerDone.signal()
        }
        writer.start()

        // Read decisions until a good part of the load is done, then kill -9.
        var received = Data()
        var lines: [String] = []
        while lines.count < 150 {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received.append(chunk)
            let text = String(decoding: received, as: UTF8.self)
            lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            if !text.hasSuffix("\n") { lines.removeLast() }
            progress.answered(lines.count)
        }
        progress.stop()
        writerDone.wait()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        // Whatever complete lines were still in the pipe were returned too.
        received.append(output.fileHandleForReading.readDataToEndOfFile())
        let returned = String(decoding: received, as: UTF8.self).split(separator: "\n").compactMap {
            line -> [String: Any]? in
            guard let data = line.data(using: .utf8) else { return nil }
            return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        }
        let answered = returned.filter { ($0["action"] as? String) == "RespondText" }.count
        #expect(returned.count >= 150)
        #expect(returned.count < count)

        // After restart: the store opens, every returned decision is stored
        // byte-for-byte, and the counter is what was answered — plus at most
        // the one decision committed but not yet printed when the signal hit.
        let store = try SQLiteStore(configuration: .init(path: database))
        let messages = QuotaCounterKey(window: "day:2026-11-30", counter: .messages)
        let used = try store.usage(of: [messages])[messages] ?? 0
        #expect(used >= answered && used <= answered + 1, "used \(used), answered \(answered)")
        for line in String(decoding: received, as: UTF8.self).split(separator: "\n") {
            guard let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let id = object["message_id"] as? String
            else { continue }
            #expect(try store.storedDecision(messageID: id) == Array(line.utf8))
        }

        // The audit chain survived the kill, and every returned decision has its record.
        let verify = try runSellify(["audit", "verify", "--state-db", database], in: directory.url)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains(#""intact":true"#))
        let audited = Set(
            try store.auditRecords(AuditQuery(kind: "decision", limit: 1000)).compactMap(\.entry.messageID))
        let returnedIDs = Set(returned.compactMap { $0["message_id"] as? String })
        #expect(returnedIDs.subtracting(audited).isEmpty)

        // The connector retries what it never got an answer for: the stored
        // decision comes back for a committed one, nothing is consumed twice,
        // and the final counter equals the responses given.
        let retry = try runSellify(
            ["decide", "--jsonl", "--at", "2026-11-30T18:00:01Z", "--state-db", database], in: directory.url,
            input: events.joined(separator: "\n") + "\n")
        let all = retry.stdout.split(separator: "\n").compactMap { line -> [String: Any]? in
            try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
        #expect(all.count == count)
        let responded = all.filter { ($0["action"] as? String) == "RespondText" }.count
        let finalUsed = try SQLiteStore(configuration: .init(path: database)).usage(of: [messages])[messages] ?? 0
        #expect(finalUsed == responded)
        #expect(responded == min(count, 200))  // the daily limit of the shipped config
    }
}

/// Lets a writer run at most `ahead` events before the answers read so far,
/// until stopped: a condition variable, signalled by the reader.
final class WriterGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var answers = 0
    private var stopped = false

    func answered(_ count: Int) {
        condition.lock()
        answers = count
        condition.broadcast()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until event `index` may be written; false once stopped.
    func waitForRoom(before index: Int, ahead: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while index >= answers + ahead && !stopped { condition.wait() }
        return !stopped
    }
}
