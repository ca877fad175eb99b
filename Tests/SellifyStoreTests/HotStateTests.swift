import Foundation
import SellifyCore
import SellifyStore
import Testing

/// The exclusive store's hot state: what it answers from memory must be what
/// a reader of the file reads, after commits, conflicts, resets and evictions.
@Suite("SQLite store hot state")
struct HotStateTests {
    /// A second, non-exclusive handle on the same file: never caches.
    static func fileState(_ path: String, _ id: String, _ counters: [QuotaCounterKey]) throws -> StoredState {
        let reader = try SQLiteStore(configuration: .init(path: path))
        defer { try? reader.close() }
        return try reader.state(conversationID: id, counters: counters)
    }

    @Test("cached state equals the file's after every commit", arguments: [1, 2, 50_000])
    func cachedStateMatchesTheFile(capacity: Int) throws {
        try withTemporaryFolder { folder in
            let path = folder + "/s.db"
            let store = try SQLiteStore(
                configuration: .init(path: path, exclusive: true, cachedConversations: capacity))
            let counters = [messages, images, monthMessages]
            var time = t0
            for step in 0..<24 {
                let id = "c\(step % 5)"
                let read = try store.state(conversationID: id, counters: counters)
                var commit = decisionCommit(
                    message: "m\(step)", conversation: id, read: read,
                    consume: step % 3 == 0 ? [:] : [messages: 1, monthMessages: 1], at: time,
                    state: step % 2 == 0 ? "open" : "interested")
                // Memory and pending messages go through their stored encodings.
                commit.conversation.memory.focus(on: ["p\(step % 4)"])
                commit.conversation.memory.language = step % 2 == 0 ? "es" : "en"
                commit.conversation.memory.lastIntent = "price_question"
                commit.conversation.memory.fallbacks = step % 3
                commit.conversation.memory.portfolioHour = step % 4 == 0 ? 493_000 + Int64(step) : nil
                commit.conversation.memory.recent.append(
                    .init(messageID: "m\(step)", at: time, digest: "d\(step)", intent: "greeting \"quoted\" \\ ñ"))
                if step % 7 == 3 {
                    commit.conversation.memory.handoff = .init(
                        since: time, rule: "human_request", reason: "asked for a person", returnState: "open",
                        lastAgentAt: step % 2 == 0 ? nil : time)
                }
                if step % 6 == 5 {
                    commit.conversation.pending = [
                        PendingMessage(
                            messageID: "late\(step)", type: .text, text: "¿y el precio?\n", receivedAt: time,
                            deferredAt: time)
                    ]
                }
                #expect(try store.commit(commit) == .committed)
                #expect(store.cachedConversationCount <= capacity)
                for other in 0..<5 {
                    let cached = try store.state(conversationID: "c\(other)", counters: counters)
                    #expect(cached == (try Self.fileState(path, "c\(other)", counters)), "step \(step), c\(other)")
                }
                time = Timestamp(milliseconds: time.milliseconds + 61_000)
            }
            #expect(store.cachedConversationCount == min(capacity, 5))
        }
    }

    @Test("a conflict or a reset is never answered from a stale entry")
    func conflictAndResetRefreshTheCache() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/s.db"
            let store = try SQLiteStore(configuration: .init(path: path, exclusive: true))
            let readA = try store.state(conversationID: "a", counters: [messages])
            let readB = try store.state(conversationID: "b", counters: [messages])
            #expect(
                try store.commit(decisionCommit(message: "mb", conversation: "b", read: readB, consume: [messages: 2]))
                    == .committed)
            // Planned on the read before b's commit: refused, and the next read is the file's.
            #expect(
                try store.commit(decisionCommit(message: "ma", conversation: "a", read: readA, consume: [messages: 1]))
                    == .conflict)
            #expect(try store.state(conversationID: "a", counters: [messages]).usage == [messages: 2])

            let reset = AuditEntry(kind: "quota_reset", at: t0, conversationID: nil, messageID: nil, summary: "{}")
            #expect(try store.resetUsage(of: [messages], audit: reset) == [messages: 2])
            let after = try store.state(conversationID: "b", counters: [messages])
            #expect(after.usage == [messages: 0])
            #expect(after == (try Self.fileState(path, "b", [messages])))
        }
    }

    @Test("a store another process may write does not cache")
    func sharedStoreDoesNotCache() throws {
        try withTemporaryFolder { folder in
            let store = try SQLiteStore(configuration: .init(path: folder + "/s.db"))
            let read = try store.state(conversationID: "a", counters: [messages])
            #expect(try store.commit(decisionCommit(message: "m", conversation: "a", read: read)) == .committed)
            _ = try store.state(conversationID: "a", counters: [messages])
            #expect(store.cachedConversationCount == 0)
        }
    }

    static let memories: [ConversationMemory] = {
        var full = ConversationMemory(
            products: ["aurora-mug", "plan/premium"], language: "es", lastIntent: "price_question", fallbacks: 2,
            handoff: .init(
                since: t0, rule: "complaint", reason: "said \"no funciona\"", returnState: "interested",
                lastAgentAt: Timestamp(milliseconds: t0.milliseconds + 5_000)))
        full.portfolioHour = 490_124
        full.recent.append(.init(messageID: "m1", at: t0, digest: "ab12", intent: "greeting"))
        full.recent.append(.init(messageID: "m/2", at: t0, digest: "cd34", intent: "price_question"))
        var handoffOnly = ConversationMemory()
        handoffOnly.handoff = .init(since: t0, rule: "human_request", reason: "r", returnState: "open")
        return [ConversationMemory(), full, handoffOnly, ConversationMemory(products: ["x"], fallbacks: 1)]
    }()

    @Test("the stored memory JSON is JSONEncoder's and reads back", arguments: memories)
    func memoryJSON(memory: ConversationMemory) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(memory.jsonString == String(decoding: try encoder.encode(memory), as: UTF8.self))
        #expect(try JSONDecoder().decode(ConversationMemory.self, from: Data(memory.jsonString.utf8)) == memory)
    }
}
