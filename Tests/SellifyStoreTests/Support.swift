import Foundation
import SellifyCore
import SellifyStore

/// A fresh folder under the system temp folder, removed (with everything in
/// it) after `body`.
func withTemporaryFolder<T>(_ body: (String) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("sellify-store-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer {
        // Tests may leave read-only folders behind: make them writable first.
        _ = try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
        if let items = FileManager.default.enumerator(atPath: folder) {
            for case let item as String in items {
                _ = try? FileManager.default.setAttributes(
                    [.posixPermissions: 0o700], ofItemAtPath: folder + "/" + item)
            }
        }
        try? FileManager.default.removeItem(atPath: folder)
    }
    return try body(folder)
}

let messages = QuotaCounterKey(window: "day:2026-11-29", counter: .messages)
let images = QuotaCounterKey(window: "day:2026-11-29", counter: .images)
let monthMessages = QuotaCounterKey(window: "month:2026-11", counter: .messages)

let t0 = Timestamp(milliseconds: 1_764_447_300_000)  // 2026-11-29T20:15:00Z

/// The commit a decision would make after reading `read`: the conversation
/// gets one more inbound message (and a reply when it consumes).
func decisionCommit(
    message: String, conversation id: String, read: StoredState, consume: [QuotaCounterKey: Int] = [:],
    at time: Timestamp = t0, state: String = "open", bytes: [UInt8]? = nil
) -> DecisionCommit {
    var record = read.conversation ?? ConversationRecord(id: id, state: state)
    let expectedVersion = read.conversation?.version
    record.state = state
    record.version = (expectedVersion ?? 0) + 1
    record.inboundCount += 1
    record.lastInboundAt = time
    if !consume.isEmpty {
        record.replyCount += 1
        record.lastOutboundAt = time
        record.recentReplies = Array((record.recentReplies + [time]).suffix(5))
    }
    let decision =
        bytes ?? Array(#"{"action":"\#(consume.isEmpty ? "ignore" : "respond")","message":"\#(message)"}"#.utf8)
    return DecisionCommit(
        messageID: message, decidedAt: time, conversation: record, expectedConversationVersion: expectedVersion,
        expectedUsage: read.usage, consumption: consume, decision: decision,
        audit: [
            AuditEntry(
                kind: "decision", at: time, conversationID: id, messageID: message,
                summary: #"{"action":"\#(consume.isEmpty ? "ignore" : "respond")"}"#)
        ])
}

struct MissingTool: Error, CustomStringConvertible {
    var description: String
}

/// Runs the `sqlite3` command-line shell on a file (for schema checks and
/// fault injection from outside the store). `make test` installs it
/// (scripts/install-deps.sh --test); a missing shell fails the test.
@discardableResult
func sqlite3(_ path: String, _ sql: String) throws -> String? {
    let executable = "/usr/bin/sqlite3"
    guard FileManager.default.isExecutableFile(atPath: executable) else {
        throw MissingTool(description: "/usr/bin/sqlite3 is missing: run scripts/install-deps.sh --test")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = [path, sql]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
