import Foundation
import SellifyCore
import SellifyStore
import SellifyStorePostgres
import SellifyTestSupport
import Synchronization
import Testing

/// The contract every `DecisionStore` keeps, whatever holds the data: each
/// test runs on every store below (a store plugin adds itself to
/// `StoreUnderTest`). Plugin-specific behaviour (files, pragmas, locks)
/// stays in the plugin's own suite.
enum StoreUnderTest: String, CaseIterable, CustomTestStringConvertible {
    case sqliteInMemory
    case sqliteFile
    /// Exclusive: the hot state (conversations and counters in memory) answers reads.
    case sqliteExclusiveCached
    case sqliteExclusiveUncached
    /// A database of its own on the test process's PostgreSQL cluster.
    case postgres

    var testDescription: String { rawValue }

    /// Opens a fresh, empty store, runs `body` on it and closes it.
    func withStore<T>(_ body: (any DecisionStore) throws -> T) throws -> T {
        try withTemporaryFolder { folder in
            let path = folder + "/store.db"
            let store: any DecisionStore & ClosableStore =
                switch self {
                case .sqliteInMemory: try SQLiteStore.inMemory()
                case .sqliteFile: try SQLiteStore(configuration: .init(path: path))
                case .sqliteExclusiveCached: try SQLiteStore(configuration: .init(path: path, exclusive: true))
                case .sqliteExclusiveUncached:
                    try SQLiteStore(configuration: .init(path: path, exclusive: true, cachedConversations: 0))
                case .postgres: try PostgresStore.forTesting()
                }
            defer { try? store.close() }
            return try body(store)
        }
    }
}

extension PostgresStore {
    /// A store on a new, empty database of the shared test cluster.
    static func forTesting(keys: AuditKeyring? = nil) throws -> PostgresStore {
        let cluster = try PostgresCluster.shared.get()
        return try PostgresStorePlugin.open(
            url: cluster.url(database: try cluster.createDatabase()), options: .init(tls: .disable), auditKeys: keys)
    }
}

@Suite("Store conformance")
struct StoreConformanceTests {
    @Test("a commit is read back whole: conversation, usage, decision bytes, audit", arguments: StoreUnderTest.allCases)
    func commitIsReadBack(kind: StoreUnderTest) throws {
        try kind.withStore { store in
            let before = try store.state(conversationID: "conv-1", counters: [messages, images])
            #expect(before == StoredState(conversation: nil, usage: [messages: 0, images: 0]))
            let commit = decisionCommit(message: "m-1", conversation: "conv-1", read: before, consume: [messages: 1])
            #expect(try store.commit(commit) == .committed)

            let after = try store.state(conversationID: "conv-1", counters: [messages, images])
            #expect(after.conversation == commit.conversation)
            #expect(after.usage == [messages: 1, images: 0])
            #expect(try store.usage(of: [messages, images]) == [messages: 1, images: 0])
            #expect(try store.conversation(id: "conv-1") == commit.conversation)
            #expect(try store.conversation(id: "other") == nil)
            #expect(try store.storedDecision(messageID: "m-1") == commit.decision)
            #expect(try store.storedDecision(messageID: "m-2") == nil)
            #expect(try store.recentAudit(limit: 10) == commit.audit)
            #expect(try store.conversationCountsByState() == ["open": 1])
        }
    }

    @Test("a message id decided before is its stored bytes, and writes nothing", arguments: StoreUnderTest.allCases)
    func duplicateWritesNothing(kind: StoreUnderTest) throws {
        try kind.withStore { store in
            let read = try store.state(conversationID: "c", counters: [messages])
            let first = decisionCommit(message: "m", conversation: "c", read: read, consume: [messages: 1])
            #expect(try store.commit(first) == .committed)
            // The redelivery was evaluated on the state after the first: it is
            // a valid commit in every other way.
            let again = try store.state(conversationID: "c", counters: [messages])
            let second = decisionCommit(
                message: "m", conversation: "c", read: again, consume: [messages: 1], bytes: Array("other".utf8))
            #expect(try store.commit(second) == .duplicate(first.decision ?? []))
            #expect(try store.state(conversationID: "c", counters: [messages]) == again)
            #expect(try store.recentAudit(limit: 10).count == 1)
        }
    }

    @Test(
        "a stale conversation version or counter is a conflict that writes nothing", arguments: StoreUnderTest.allCases)
    func staleReadsConflict(kind: StoreUnderTest) throws {
        try kind.withStore { store in
            let read = try store.state(conversationID: "c", counters: [messages])
            #expect(
                try store.commit(decisionCommit(message: "a", conversation: "c", read: read, consume: [messages: 1]))
                    == .committed)
            // Evaluated on the state before "a": the conversation moved.
            #expect(try store.commit(decisionCommit(message: "b", conversation: "c", read: read)) == .conflict)
            // Another conversation, but the counter it read moved.
            let other = StoredState(conversation: nil, usage: [messages: 0])
            #expect(
                try store.commit(decisionCommit(message: "d", conversation: "x", read: other, consume: [messages: 1]))
                    == .conflict)
            #expect(try store.storedDecision(messageID: "b") == nil)
            #expect(try store.storedDecision(messageID: "d") == nil)
            #expect(try store.conversation(id: "x") == nil)
            #expect(try store.usage(of: [messages]) == [messages: 1])
            #expect(try store.recentAudit(limit: 10).count == 1)
            // Read again, decide again: committed.
            let fresh = try store.state(conversationID: "x", counters: [messages])
            #expect(
                try store.commit(decisionCommit(message: "d", conversation: "x", read: fresh, consume: [messages: 1]))
                    == .committed)
            #expect(try store.usage(of: [messages]) == [messages: 2])
        }
    }

    @Test("consumption adds up per window and counter", arguments: StoreUnderTest.allCases)
    func consumptionAddsUp(kind: StoreUnderTest) throws {
        try kind.withStore { store in
            let counters = [messages, images, monthMessages]
            for index in 0..<5 {
                let read = try store.state(conversationID: "c\(index % 2)", counters: counters)
                let consume =
                    index.isMultiple(of: 2) ? [messages: 1, monthMessages: 1] : [images: 1, monthMessages: 1]
                #expect(
                    try store.commit(
                        decisionCommit(
                            message: "m\(index)", conversation: "c\(index % 2)", read: read, consume: consume))
                        == .committed)
            }
            #expect(try store.usage(of: counters) == [messages: 3, images: 2, monthMessages: 5])
        }
    }

    @Test("a reset zeroes the counters, returns what they held and is audited", arguments: StoreUnderTest.allCases)
    func resetUsage(kind: StoreUnderTest) throws {
        try kind.withStore { store in
            let read = try store.state(conversationID: "c", counters: [messages, images])
            #expect(
                try store.commit(
                    decisionCommit(message: "m", conversation: "c", read: read, consume: [messages: 2, images: 1]))
                    == .committed)
            let audit = AuditEntry(kind: "quota_reset", at: t0, conversationID: nil, messageID: nil, summary: "{}")
            #expect(try store.resetUsage(of: [messages], audit: audit) == [messages: 2])
            #expect(try store.usage(of: [messages, images]) == [messages: 0, images: 1])
            #expect(try store.state(conversationID: "c", counters: [messages]).usage == [messages: 0])
            #expect(try store.recentAudit(limit: 1) == [audit])
        }
    }

    @Test(
        "the audit chain of commits and appended records verifies; queries filter it",
        arguments: StoreUnderTest.allCases)
    func auditChain(kind: StoreUnderTest) throws {
        try kind.withStore { store in
            for index in 0..<6 {
                let conversation = "c\(index % 3)"
                let read = try store.state(conversationID: conversation, counters: [])
                #expect(
                    try store.commit(decisionCommit(message: "m\(index)", conversation: conversation, read: read))
                        == .committed)
            }
            try store.appendAudit([
                AuditEntry(kind: "reload", at: t0, conversationID: nil, messageID: nil, summary: #"{"ok":true}"#)
            ])
            let verification = try store.verifyAudit(batchSize: 4)
            #expect(verification.isIntact)
            #expect(verification.records == 7)
            let all = try store.auditRecords(AuditQuery(limit: 100))
            #expect(all.count == 7)
            #expect(all.map(\.sequence) == all.map(\.sequence).sorted())
            #expect(all.last?.hash == verification.headHash)
            #expect(try store.auditRecords(AuditQuery(conversationID: "c1")).map(\.entry.messageID) == ["m1", "m4"])
            #expect(try store.auditRecords(AuditQuery(kind: "reload")).count == 1)
            let page = try store.auditRecords(AuditQuery(after: all[2].sequence, limit: 2))
            #expect(page.map(\.sequence) == [all[3].sequence, all[4].sequence])
        }
    }

    @Test("the scheduler's windows survive in the store", arguments: StoreUnderTest.allCases)
    func schedulerWindows(kind: StoreUnderTest) throws {
        try kind.withStore { store in
            #expect(try store.schedulerWindows() == nil)
            let windows = QuotaCalendar.Windows(day: "day:2026-11-29", week: "week:2026-W48")
            let audit = AuditEntry(kind: "rollover", at: t0, conversationID: nil, messageID: nil, summary: "{}")
            try store.saveSchedulerWindows(windows, audit: [audit])
            #expect(try store.schedulerWindows() == windows)
            #expect(try store.recentAudit(limit: 1) == [audit])
            try store.ping()
        }
    }

    @Test(
        "messages settled by a decision are answered with their bytes when they come again",
        arguments: StoreUnderTest.allCases)
    func settledMessages(kind: StoreUnderTest) throws {
        try kind.withStore { store in
            let read = try store.state(conversationID: "c", counters: [messages])
            var commit = decisionCommit(message: "m-3", conversation: "c", read: read, consume: [messages: 1])
            commit.settled = [("m-1", Array("merged-1".utf8)), ("m-2", Array("merged-2".utf8))]
            #expect(try store.commit(commit) == .committed)
            #expect(try store.storedDecision(messageID: "m-1") == Array("merged-1".utf8))
            let again = try store.state(conversationID: "c", counters: [messages])
            #expect(
                try store.commit(decisionCommit(message: "m-2", conversation: "c", read: again))
                    == .duplicate(Array("merged-2".utf8)))
        }
    }

    @Test("concurrent deciders against one limit never pass it", arguments: StoreUnderTest.allCases)
    func concurrentLimit(kind: StoreUnderTest) throws {
        let limit = 40
        try kind.withStore { (store: any DecisionStore) throws in
            let committed = Mutex(0)
            DispatchQueue.concurrentPerform(iterations: 4) { thread in
                for index in 0..<20 {
                    for _ in 0..<DecisionPipeline.maxAttempts {
                        guard let read = try? store.state(conversationID: "c\(thread)", counters: [messages]),
                            let used = read.usage[messages], used < limit
                        else { return }
                        let commit = decisionCommit(
                            message: "t\(thread)-\(index)", conversation: "c\(thread)", read: read,
                            consume: [messages: 1])
                        if (try? store.commit(commit)) == .committed {
                            committed.withLock { $0 += 1 }
                            break
                        }
                    }
                }
            }
            #expect(try store.usage(of: [messages]) == [messages: limit])
            #expect(committed.withLock { $0 } == limit)
            #expect(try store.verifyAudit(batchSize: 1000).records == limit)
        }
    }
}
