import Foundation
import SellifyCore
import SellifyStore
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
    // MARK: - Opening, schema, pragmas

    @Test("a new file gets the schema; reopening does not migrate again")
    func migrationsCreateSchemaAndAreIdempotent() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/data/nested/sellify.db"
            do {
                let store = try SQLiteStore(configuration: .init(path: path))
                #expect(
                    try store.appliedMigrations() == ["v1", "v2-audit-chain", "v3-scheduler", "v4-conversation-memory"])
                #expect(try store.conversationCountsByState().isEmpty)
                #expect(try store.recentAudit(limit: 10).isEmpty)
                try store.close()
            }
            // Folder 0700, file 0600 (created by the store).
            let folderMode =
                try FileManager.default.attributesOfItem(atPath: folder + "/data/nested")[.posixPermissions] as? Int
            let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(folderMode == 0o700)
            #expect(fileMode == 0o600)

            let reopened = try SQLiteStore(configuration: .init(path: path))
            #expect(
                try reopened.appliedMigrations() == ["v1", "v2-audit-chain", "v3-scheduler", "v4-conversation-memory"])
            try reopened.close()

            if let tables = try sqlite3(
                path,
                "SELECT name FROM sqlite_master WHERE type IN ('table','index') AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ) {
                let names = tables.split(separator: "\n").map(String.init)
                #expect(
                    names == [
                        "audit_anchor", "audit_log", "audit_log_at", "audit_log_conversation", "conversations",
                        "conversations_state", "decisions", "grdb_migrations", "quota_counters", "scheduler_state",
                    ])
                #expect(try sqlite3(path, "SELECT COUNT(*) FROM grdb_migrations") == "4\n")
            }
        }
    }

    @Test(
        "WAL and the configured synchronous level are in effect on the writer",
        arguments: [(SynchronousMode.full, 2), (SynchronousMode.normal, 1)])
    func pragmasAfterOpen(mode: SynchronousMode, expected: Int) throws {
        try withTemporaryFolder { folder in
            let store = try SQLiteStore(configuration: .init(path: folder + "/s.db", synchronous: mode))
            let pragmas = try store.pragmas()
            #expect(pragmas.journalMode == "wal")
            #expect(pragmas.synchronous == expected)
            // Still so after writes (GRDB must not reset it).
            let read = try store.state(conversationID: "c", counters: [messages])
            #expect(
                try store.commit(decisionCommit(message: "m", conversation: "c", read: read, consume: [messages: 1]))
                    == .committed)
            #expect(try store.pragmas().synchronous == expected)
        }
    }

    @Test func synchronousDefaultsToFull() {
        #expect(SQLiteStore.Configuration(path: "x.db").synchronous == .full)
    }

    @Test func inMemoryStoreWorksWithoutWAL() throws {
        let store = try SQLiteStore.inMemory()
        #expect(try store.pragmas().journalMode == "memory")
        let read = try store.state(conversationID: "c", counters: [messages])
        #expect(
            try store.commit(decisionCommit(message: "m", conversation: "c", read: read, consume: [messages: 1]))
                == .committed)
        #expect(try store.usage(of: [messages]) == [messages: 1])
    }

    // MARK: - Commit

    @Test("commit → committed; state, usage, decision and audit reflect it")
    func commitThenRead() throws {
        try withTemporaryFolder { folder in
            let store = try SQLiteStore(configuration: .init(path: folder + "/s.db"))
            let before = try store.state(conversationID: "conv-1", counters: [messages, images])
            #expect(before == StoredState(conversation: nil, usage: [messages: 0, images: 0]))
            #expect(try store.storedDecision(messageID: "wamid.1") == nil)

            let commit = decisionCommit(
                message: "wamid.1", conversation: "conv-1", read: before, consume: [messages: 1])
            #expect(try store.commit(commit) == .committed)

            let after = try store.state(conversationID: "conv-1", counters: [messages, images])
            #expect(after.conversation == commit.conversation)
            #expect(after.conversation?.version == 1)
            #expect(after.conversation?.recentReplies == [t0])
            #expect(after.usage == [messages: 1, images: 0])
            #expect(try store.conversation(id: "conv-1") == commit.conversation)
            #expect(try store.conversation(id: "nope") == nil)
            #expect(try store.storedDecision(messageID: "wamid.1") == commit.decision)
            #expect(try store.recentAudit(limit: 10) == commit.audit)
        }
    }

    @Test(
        "every field of a conversation round-trips",
        arguments: [
            ConversationRecord(id: "a", state: "open"),
            ConversationRecord(
                id: "b", state: "human_handoff", optedOut: true, inboundCount: 7, replyCount: 3,
                lastInboundAt: Timestamp(milliseconds: -1), lastOutboundAt: Timestamp(milliseconds: 0),
                recentReplies: [Timestamp(milliseconds: 1), Timestamp(milliseconds: Int64.max)], version: 41),
            ConversationRecord(id: "ü 💬 '\"", state: "", recentReplies: [t0, t0], version: 1),
        ])
    func conversationRoundTrip(record: ConversationRecord) throws {
        let store = try SQLiteStore.inMemory()
        let commit = DecisionCommit(
            messageID: "m", decidedAt: Timestamp(milliseconds: 0), conversation: record,
            expectedConversationVersion: nil,
            expectedUsage: [:], consumption: [:], decision: [], audit: [])
        #expect(try store.commit(commit) == .committed)
        #expect(try store.conversation(id: record.id) == record)
        #expect(try store.storedDecision(messageID: "m") == [])
    }

    @Test("a duplicate message id returns the stored bytes and writes nothing")
    func duplicateMessage() throws {
        try withTemporaryFolder { folder in
            let store = try SQLiteStore(configuration: .init(path: folder + "/s.db"))
            let original: [UInt8] = Array(0...255) + Array(#"{"action":"respond"}"#.utf8)
            let read = try store.state(conversationID: "c", counters: [messages])
            #expect(
                try store.commit(
                    decisionCommit(
                        message: "wamid.X", conversation: "c", read: read,
                        consume: [messages: 1], bytes: original)) == .committed)
            let stateAfterFirst = try store.state(conversationID: "c", counters: [messages])

            // The redelivery re-decides from fresh state and would consume again.
            let again = decisionCommit(
                message: "wamid.X", conversation: "c", read: stateAfterFirst,
                consume: [messages: 1, images: 1], bytes: Array("different".utf8))
            #expect(try store.commit(again) == .duplicate(original))
            // Even from a stale read (which would otherwise be a conflict).
            #expect(
                try store.commit(decisionCommit(message: "wamid.X", conversation: "c", read: read))
                    == .duplicate(original))

            #expect(try store.state(conversationID: "c", counters: [messages]) == stateAfterFirst)
            #expect(try store.usage(of: [messages, images]) == [messages: 1, images: 0])
            #expect(try store.recentAudit(limit: 10).count == 1)
            #expect(try store.storedDecision(messageID: "wamid.X") == original)
        }
    }

    enum VersionCase: String, CaseIterable, CustomTestStringConvertible {
        case expectedNothingButExists, expectedOlderVersion, expectedNewerVersion, expectedSomethingButMissing
        var testDescription: String { rawValue }
    }

    @Test("a stale conversation version is a conflict and writes nothing", arguments: VersionCase.allCases)
    func conversationVersionConflict(kind: VersionCase) throws {
        let store = try SQLiteStore.inMemory()
        let empty = try store.state(conversationID: "c", counters: [messages])
        #expect(try store.commit(decisionCommit(message: "m1", conversation: "c", read: empty)) == .committed)
        let v1 = try store.state(conversationID: "c", counters: [messages])
        #expect(try store.commit(decisionCommit(message: "m2", conversation: "c", read: v1)) == .committed)
        let v2 = try store.state(conversationID: "c", counters: [messages])
        #expect(v2.conversation?.version == 2)

        var commit: DecisionCommit
        switch kind {
        case .expectedNothingButExists:
            commit = decisionCommit(message: "m3", conversation: "c", read: empty, consume: [messages: 1])
        case .expectedOlderVersion:
            commit = decisionCommit(message: "m3", conversation: "c", read: v1, consume: [messages: 1])
        case .expectedNewerVersion:
            commit = decisionCommit(message: "m3", conversation: "c", read: v2, consume: [messages: 1])
            commit.expectedConversationVersion = 5
            commit.conversation.version = 6
        case .expectedSomethingButMissing:
            commit = decisionCommit(
                message: "m3", conversation: "other",
                read: StoredState(conversation: nil, usage: v2.usage), consume: [messages: 1])
            commit.expectedConversationVersion = 2
            commit.conversation.version = 3
        }
        #expect(try store.commit(commit) == .conflict)
        #expect(try store.storedDecision(messageID: "m3") == nil)
        #expect(try store.usage(of: [messages]) == [messages: 0])
        #expect(try store.state(conversationID: "c", counters: [messages]) == v2)
        #expect(try store.conversation(id: "other") == nil)
        #expect(try store.recentAudit(limit: 10).count == 2)
    }

    @Test("a commit that does not raise the conversation version is refused")
    func versionMustGrow() throws {
        let store = try SQLiteStore.inMemory()
        let empty = try store.state(conversationID: "c", counters: [])
        #expect(try store.commit(decisionCommit(message: "m1", conversation: "c", read: empty)) == .committed)
        var commit = decisionCommit(
            message: "m2", conversation: "c", read: try store.state(conversationID: "c", counters: []))
        commit.conversation.version = 1
        let error = #expect(throws: StoreError.self) { try store.commit(commit) }
        #expect(error?.message.contains("commit decision for message 'm2'") == true)
        #expect(error?.message.contains("version must grow") == true)
    }

    @Test("usage consumed by another commit after the read is a conflict; re-reading succeeds")
    func usageConflict() throws {
        try withTemporaryFolder { folder in
            let store = try SQLiteStore(configuration: .init(path: folder + "/s.db"))
            let readA = try store.state(conversationID: "a", counters: [messages, monthMessages])
            let readB = try store.state(conversationID: "b", counters: [messages])
            #expect(
                try store.commit(decisionCommit(message: "mb", conversation: "b", read: readB, consume: [messages: 1]))
                    == .committed)

            let stale = decisionCommit(
                message: "ma", conversation: "a", read: readA, consume: [messages: 1, monthMessages: 1])
            #expect(try store.commit(stale) == .conflict)
            #expect(try store.usage(of: [messages, monthMessages]) == [messages: 1, monthMessages: 0])
            #expect(try store.conversation(id: "a") == nil)

            // A counter the decision only looked at counts too.
            let onlyLooked = decisionCommit(message: "ma", conversation: "a", read: readA)
            #expect(try store.commit(onlyLooked) == .conflict)

            let fresh = try store.state(conversationID: "a", counters: [messages, monthMessages])
            #expect(fresh.usage == [messages: 1, monthMessages: 0])
            #expect(
                try store.commit(
                    decisionCommit(
                        message: "ma", conversation: "a", read: fresh,
                        consume: [messages: 1, monthMessages: 1])) == .committed)
            #expect(try store.usage(of: [messages, monthMessages]) == [messages: 2, monthMessages: 1])
        }
    }

    @Test("consumption adds up per window and counter")
    func consumptionAddsUp() throws {
        let store = try SQLiteStore.inMemory()
        let nextDay = QuotaCounterKey(window: "day:2026-11-30", counter: .messages)
        let videos = QuotaCounterKey(window: "day:2026-11-29", counter: .videos)
        let all = [messages, images, videos, monthMessages, nextDay]
        let plan: [(String, [QuotaCounterKey: Int])] = [
            ("m1", [messages: 1, monthMessages: 1]),
            ("m2", [messages: 1, images: 2, monthMessages: 1]),
            ("m3", [:]),
            ("m4", [nextDay: 1, monthMessages: 1]),
            ("m5", [messages: 3, images: 1, monthMessages: 3]),
            ("m6", [videos: 0]),
        ]
        for (message, consume) in plan {
            let read = try store.state(conversationID: "c-\(message)", counters: all)
            #expect(
                try store.commit(
                    decisionCommit(message: message, conversation: "c-\(message)", read: read, consume: consume))
                    == .committed)
        }
        #expect(try store.usage(of: all) == [messages: 5, images: 3, videos: 0, monthMessages: 6, nextDay: 1])
        #expect(try store.usage(of: []) == [:])
    }

    // MARK: - Concurrency

    @Test("8 threads × 200 decisions against one limit never exceed it")
    func concurrentCommitsRespectTheLimit() throws {
        try withTemporaryFolder { folder in
            let store = try SQLiteStore(configuration: .init(path: folder + "/s.db"))
            let limit = 1000
            let threads = 8
            let perThread = 200
            let tally = Tally()
            let group = DispatchGroup()
            for thread in 0..<threads {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    for index in 0..<perThread {
                        let message = "wamid.\(thread).\(index)"
                        let conversation = "shared-\(thread % 2)"
                        var attempts = 0
                        while true {
                            attempts += 1
                            if attempts > 10_000 {
                                tally.fail("\(message): no commit after 10000 attempts")
                                break
                            }
                            do {
                                let read = try store.state(conversationID: conversation, counters: [messages])
                                let used = read.usage[messages] ?? -1
                                let consume = used < limit ? [messages: 1] : [:]
                                let outcome = try store.commit(
                                    decisionCommit(
                                        message: message, conversation: conversation, read: read, consume: consume))
                                switch outcome {
                                case .committed:
                                    tally.committed(consumed: !consume.isEmpty, retries: attempts - 1)
                                case .conflict:
                                    continue
                                case .duplicate:
                                    tally.fail("\(message): unexpected duplicate")
                                }
                                break
                            } catch {
                                tally.fail("\(message): \(error)")
                                break
                            }
                        }
                    }
                }
            }
            group.wait()
            let result = tally.snapshot()
            #expect(result.failures.isEmpty, "\(result.failures.prefix(5))")
            #expect(result.committed == threads * perThread)
            #expect(result.consumed == limit)
            #expect(try store.usage(of: [messages]) == [messages: result.consumed])
            let c0 = try #require(try store.conversation(id: "shared-0"))
            let c1 = try #require(try store.conversation(id: "shared-1"))
            #expect(c0.inboundCount + c1.inboundCount == threads * perThread)
            #expect(c0.version == c0.inboundCount && c1.version == c1.inboundCount)
            #expect(c0.replyCount + c1.replyCount == limit)
            #expect(try store.recentAudit(limit: 10_000).count == threads * perThread)
            #expect(result.retries > 0, "the test should have produced conflicts")
        }
    }

    @Test("redeliveries racing on many threads: each message commits once, the others get its bytes")
    func concurrentDuplicates() throws {
        try withTemporaryFolder { folder in
            let store = try SQLiteStore(configuration: .init(path: folder + "/s.db"))
            let tally = Tally()
            let group = DispatchGroup()
            for thread in 0..<8 {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    for index in 0..<100 {
                        // Every thread decides the same 100 messages (each in its own conversation).
                        let bytes = Array("decision \(index) by thread \(thread)".utf8)
                        do {
                            let read = try store.state(conversationID: "c\(index)", counters: [messages])
                            let commit = decisionCommit(
                                message: "m\(index)", conversation: "c\(index)", read: read,
                                consume: [messages: 1], bytes: bytes)
                            switch try store.commit(commit) {
                            case .committed:
                                tally.committed(consumed: true, retries: 0)
                            case .duplicate(let stored):
                                if try stored != store.storedDecision(messageID: "m\(index)") {
                                    tally.fail("m\(index): duplicate bytes differ from the stored ones")
                                }
                            case .conflict:
                                // Lost the race on the conversation; the redelivery then sees a duplicate.
                                let again = try store.state(conversationID: "c\(index)", counters: [messages])
                                let retry = decisionCommit(
                                    message: "m\(index)", conversation: "c\(index)", read: again,
                                    consume: [messages: 1], bytes: bytes)
                                guard case .duplicate = try store.commit(retry) else {
                                    tally.fail("m\(index): retry after a conflict was not a duplicate")
                                    continue
                                }
                            }
                        } catch {
                            tally.fail("m\(index): \(error)")
                        }
                    }
                }
            }
            group.wait()
            let result = tally.snapshot()
            #expect(result.failures.isEmpty, "\(result.failures.prefix(5))")
            #expect(result.committed == 100)
            #expect(try store.usage(of: [messages]) == [messages: 100])
            #expect(try store.recentAudit(limit: 1000).count == 100)
            #expect(try store.conversationCountsByState() == ["open": 100])
        }
    }

    @Test("a commit that fails inside a group commit does not take the others down")
    func failureIsolatedInBatch() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/s.db"
            try SQLiteStore(configuration: .init(path: path)).close()
            try sqlite3(
                path,
                """
                CREATE TRIGGER fail_some BEFORE INSERT ON audit_log WHEN NEW.message_id LIKE '%.bad'
                BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;
                """)
            let store = try SQLiteStore(configuration: .init(path: path))
            let tally = Tally()
            let group = DispatchGroup()
            for thread in 0..<8 {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    for index in 0..<50 {
                        let message = "m\(thread).\(index)" + (index % 5 == 0 ? ".bad" : "")
                        do {
                            let read = try store.state(conversationID: message, counters: [])
                            if try store.commit(
                                decisionCommit(
                                    message: message, conversation: message, read: read,
                                    consume: [messages: 1])) == .committed
                            {
                                tally.committed(consumed: true, retries: 0)
                            }
                        } catch {
                            if !message.hasSuffix(".bad") || !"\(error)".contains("simulated failure")
                                || !"\(error)".contains("'\(message)'")
                            {
                                tally.fail("\(message): \(error)")
                            }
                        }
                    }
                }
            }
            group.wait()
            let result = tally.snapshot()
            #expect(result.failures.isEmpty, "\(result.failures.prefix(5))")
            #expect(result.committed == 8 * 40)
            #expect(try store.usage(of: [messages]) == [messages: 8 * 40])
            #expect(try store.storedDecision(messageID: "m0.0.bad") == nil)
            #expect(try store.conversation(id: "m0.0.bad") == nil)
            #expect(try store.conversation(id: "m0.1") != nil)
        }
    }

    // MARK: - Durability and reopening

    @Test("data survives closing and reopening", arguments: [SynchronousMode.full, .normal])
    func dataSurvivesReopen(mode: SynchronousMode) throws {
        try withTemporaryFolder { folder in
            let path = folder + "/s.db"
            var expectedConversations: [ConversationRecord] = []
            var expectedAudit: [AuditEntry] = []
            do {
                let store = try SQLiteStore(configuration: .init(path: path, synchronous: mode))
                for index in 0..<20 {
                    let id = "c\(index % 4)"
                    let read = try store.state(conversationID: id, counters: [messages, images])
                    let commit = decisionCommit(
                        message: "m\(index)", conversation: id, read: read,
                        consume: index % 3 == 0 ? [messages: 1, images: 1] : [messages: 1],
                        at: Timestamp(milliseconds: t0.milliseconds + Int64(index) * 1000))
                    #expect(try store.commit(commit) == .committed)
                    expectedAudit += commit.audit
                }
                expectedConversations = try (0..<4).map { try #require(try store.conversation(id: "c\($0)")) }
                try store.close()
                #expect(throws: StoreError.self) { try store.usage(of: [messages]) }
            }
            let store = try SQLiteStore(configuration: .init(path: path, synchronous: mode))
            #expect(try store.usage(of: [messages, images]) == [messages: 20, images: 7])
            #expect(try (0..<4).map { try store.conversation(id: "c\($0)") } == expectedConversations)
            #expect(try store.recentAudit(limit: 100) == expectedAudit)
            #expect(try store.storedDecision(messageID: "m19") == Array(#"{"action":"respond","message":"m19"}"#.utf8))
            let read = try store.state(conversationID: "c0", counters: [messages])
            #expect(
                try store.commit(decisionCommit(message: "m0", conversation: "c0", read: read))
                    == .duplicate(Array(#"{"action":"respond","message":"m0"}"#.utf8)))
        }
    }

    // MARK: - Errors

    enum BadPath: String, CaseIterable, CustomTestStringConvertible {
        case underAFile, isAFolder, notADatabase
        var testDescription: String { rawValue }
    }

    @Test("an unusable path is a clear StoreError, not a crash", arguments: BadPath.allCases)
    func unusablePath(kind: BadPath) throws {
        try withTemporaryFolder { folder in
            let path: String
            let expectedText: String
            switch kind {
            case .underAFile:
                _ = FileManager.default.createFile(atPath: folder + "/plain", contents: Data("x".utf8))
                path = folder + "/plain/sellify.db"
                expectedText = "is not a folder"
            case .isAFolder:
                path = folder + "/dir.db"
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                expectedText = "it is a folder"
            case .notADatabase:
                path = folder + "/junk.db"
                _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 8192))
                expectedText = "file is not a database"
            }
            let error = #expect(throws: StoreError.self) { _ = try SQLiteStore(configuration: .init(path: path)) }
            #expect(error?.message.contains("open SQLite store at '\(path)'") == true, "\(String(describing: error))")
            #expect(error?.message.contains(expectedText) == true, "\(String(describing: error))")
        }
    }

    @Test("a file migrated by a newer version is refused")
    func newerSchemaIsRefused() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/s.db"
            try SQLiteStore(configuration: .init(path: path)).close()
            try sqlite3(path, "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
            let error = #expect(throws: StoreError.self) { _ = try SQLiteStore(configuration: .init(path: path)) }
            #expect(error?.message.contains("migrate SQLite store") == true, "\(String(describing: error))")
            #expect(error?.message.contains("v99-future") == true, "\(String(describing: error))")
        }
    }

    @Test("an SQLite failure inside a commit rolls it back and names the operation")
    func failedCommitRollsBack() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/s.db"
            do {
                let store = try SQLiteStore(configuration: .init(path: path))
                let read = try store.state(conversationID: "c", counters: [messages])
                #expect(
                    try store.commit(
                        decisionCommit(message: "m1", conversation: "c", read: read, consume: [messages: 1]))
                        == .committed)
                try store.close()
            }
            // The audit insert (the last write of a commit) fails, as a full disk would.
            try sqlite3(
                path,
                """
                CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log
                BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;
                """)
            let store = try SQLiteStore(configuration: .init(path: path))
            let before = try store.state(conversationID: "c", counters: [messages])
            let commit = decisionCommit(message: "wamid.X", conversation: "c", read: before, consume: [messages: 1])
            let error = #expect(throws: StoreError.self) { try store.commit(commit) }
            #expect(
                error?.message.hasPrefix("commit decision for message 'wamid.X': database or disk is full") == true,
                "\(String(describing: error))")
            #expect(try store.state(conversationID: "c", counters: [messages]) == before)
            #expect(try store.storedDecision(messageID: "wamid.X") == nil)
            #expect(try store.recentAudit(limit: 10).count == 1)
        }
    }

    // MARK: - Gauges and audit

    @Test func conversationCountsByState() throws {
        let store = try SQLiteStore.inMemory()
        let states = ["open", "open", "human_handoff", "closed", "open", "closed"]
        for (index, state) in states.enumerated() {
            let read = try store.state(conversationID: "c\(index)", counters: [])
            #expect(
                try store.commit(
                    decisionCommit(message: "m\(index)", conversation: "c\(index)", read: read, state: state))
                    == .committed)
        }
        #expect(try store.conversationCountsByState() == ["open": 3, "human_handoff": 1, "closed": 2])
        // A state change moves the conversation.
        let read = try store.state(conversationID: "c0", counters: [])
        #expect(
            try store.commit(decisionCommit(message: "m-again", conversation: "c0", read: read, state: "closed"))
                == .committed)
        #expect(try store.conversationCountsByState() == ["open": 2, "human_handoff": 1, "closed": 3])
    }

    @Test("recentAudit returns the newest entries, newest last", arguments: [0, 1, 3, 5, 100])
    func recentAuditOrder(limit: Int) throws {
        let store = try SQLiteStore.inMemory()
        var all: [AuditEntry] = []
        for index in 0..<5 {
            let read = try store.state(conversationID: "c", counters: [])
            var commit = decisionCommit(message: "m\(index)", conversation: "c", read: read)
            // Two entries per commit, and times that do not follow insertion order.
            commit.audit = [
                AuditEntry(
                    kind: "decision", at: Timestamp(milliseconds: 1000 - Int64(index)), conversationID: "c",
                    messageID: "m\(index)", summary: #"{"n":\#(index)}"#),
                AuditEntry(
                    kind: "state", at: Timestamp(milliseconds: 1000 - Int64(index)), conversationID: nil,
                    messageID: nil, summary: "{}"),
            ]
            #expect(try store.commit(commit) == .committed)
            all += commit.audit
        }
        let recent = try store.recentAudit(limit: limit)
        #expect(recent == Array(all.suffix(limit)))
    }
}

/// Results of the concurrency test, shared by its threads.
final class Tally: @unchecked Sendable {
    struct Snapshot { var committed = 0, consumed = 0, retries = 0, failures: [String] = [] }
    private let lock = NSLock()
    private var value = Snapshot()
    func committed(consumed: Bool, retries: Int) {
        lock.withLock {
            value.committed += 1
            value.consumed += consumed ? 1 : 0
            value.retries += retries
        }
    }
    func fail(_ message: String) { lock.withLock { value.failures.append(message) } }
    func snapshot() -> Snapshot { lock.withLock { value } }
}
