import Foundation
import GRDB
import SellifyCore
import Testing

@testable import SellifyStore

/// The hash-chained, sealed audit log: tamper evidence, sealing, rotation,
/// retention, migration of a log written before the chain existed.
struct AuditChainTests {
    static let keyA = AuditKeyring.ephemeral(id: "k2025").keys[0]
    static let keyB = AuditKeyring.ephemeral(id: "k2026").keys[0]

    /// A store with `count` decisions (each with one sealed audit record).
    func filled(
        _ path: String, count: Int, keys: AuditKeyring = AuditKeyring(keys: [keyA]),
        text: (Int) -> String = { "hola \($0)" }
    )
        throws -> SQLiteStore
    {
        let store = try SQLiteStore(configuration: .init(path: path, synchronous: .normal, auditKeys: keys))
        for i in 0..<count {
            var commit = decisionCommit(
                message: "m\(i)", conversation: "c\(i % 7)",
                read: try store.state(conversationID: "c\(i % 7)", counters: []))
            commit.audit[0].sensitive = #"{"text":"\#(text(i))","type":"text"}"#
            commit.audit[0].at = Timestamp(milliseconds: t0.milliseconds + Int64(i) * 1000)
            #expect(try store.commit(commit) == .committed)
        }
        return store
    }

    @Test func untouchedChainVerifies() throws {
        try withTemporaryFolder { folder in
            let store = try filled(folder + "/s.db", count: 50)
            let report = try store.verifyAudit(batchSize: 7)
            #expect(report.isIntact)
            #expect(report.records == 50)
            #expect(report.headSequence == 50)
            let records = try store.auditRecords(AuditQuery(limit: 100))
            #expect(records.first?.prevHash == AuditChain.genesis)
            #expect(zip(records, records.dropFirst()).allSatisfy { $1.prevHash == $0.hash })
        }
    }

    enum Tamper: String, CaseIterable, Sendable {
        case changeSummary, changeTime, changeSealedText, deleteMiddle, swapTwo, deleteLast, resequence
    }

    @Test(arguments: Tamper.allCases)
    func tamperingIsFoundAndTheRecordNamed(_ tamper: Tamper) throws {
        try withTemporaryFolder { folder in
            let path = folder + "/s.db"
            try filled(path, count: 20).close()
            let expected: (Int64, String)
            switch tamper {
            case .changeSummary:
                try sqlite3(path, #"UPDATE audit_log SET summary = '{"action":"respond"}' WHERE seq = 7"#)
                expected = (7, "content does not match")
            case .changeTime:
                try sqlite3(path, "UPDATE audit_log SET at_ms = at_ms + 1 WHERE seq = 12")
                expected = (12, "content does not match")
            case .changeSealedText:
                try sqlite3(
                    path, "UPDATE audit_log SET sealed = (SELECT sealed FROM audit_log WHERE seq = 4) WHERE seq = 5")
                expected = (5, "content does not match")
            case .deleteMiddle:
                try sqlite3(path, "DELETE FROM audit_log WHERE seq = 9")
                expected = (10, "missing before it")
            case .swapTwo:
                // Reorder: records 3 and 4 trade places (all their fields).
                try sqlite3(
                    path,
                    """
                    UPDATE audit_log SET seq = -3 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4;
                    UPDATE audit_log SET seq = 4 WHERE seq = -3;
                    """)
                expected = (3, "prev_hash does not match")
            case .deleteLast:
                try sqlite3(path, "DELETE FROM audit_log WHERE seq = 20")
                expected = (20, "missing at the end")
            case .resequence:
                // Renumber to hide a deletion: the hash covers the sequence number.
                try sqlite3(path, "DELETE FROM audit_log WHERE seq = 15; UPDATE audit_log SET seq = 15 WHERE seq = 16")
                expected = (15, "prev_hash does not match")
            }
            let store = try SQLiteStore(configuration: .init(path: path, auditKeys: AuditKeyring(keys: [Self.keyA])))
            let report = try store.verifyAudit(batchSize: 6)
            let broken = try #require(report.firstBreak, "\(tamper) was not detected")
            #expect(broken.sequence == expected.0, "\(broken)")
            #expect(broken.reason.contains(expected.1), "\(broken)")
        }
    }

    @Test func noCustomerTextInTheDatabaseFilesAndItOpensWithTheKey() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/s.db"
            let store = try filled(path, count: 30) { "quiero-la-zebra-unicornio-\($0)" }
            for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
                let raw = try Data(contentsOf: URL(fileURLWithPath: file))
                #expect(raw.range(of: Data("zebra-unicornio".utf8)) == nil, "plaintext in \(file)")
            }
            let record = try #require(try store.auditRecords(AuditQuery(limit: 1)).first)
            #expect(record.keyID == "k2025")
            let object = record.jsonObject(opening: store.auditKeys).string
            #expect(object.contains(#""sensitive":{"text":"quiero-la-zebra-unicornio-0","type":"text"}"#))
            #expect(!record.jsonObject(opening: nil).string.contains("zebra"))
        }
    }

    @Test func aRecordSealedUnderAnOldKeyOpensAfterRotation() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/s.db"
            try filled(path, count: 3, keys: AuditKeyring(keys: [Self.keyA])).close()
            // Rotation: the new key first, the old one kept to read.
            let rotated = try SQLiteStore(
                configuration: .init(path: path, auditKeys: AuditKeyring(keys: [Self.keyB, Self.keyA])))
            var commit = decisionCommit(
                message: "after", conversation: "z", read: try rotated.state(conversationID: "z", counters: []))
            commit.audit[0].sensitive = #"{"text":"after rotation"}"#
            #expect(try rotated.commit(commit) == .committed)
            let records = try rotated.auditRecords(AuditQuery(limit: 10))
            #expect(records.map(\.keyID) == ["k2025", "k2025", "k2025", "k2026"])
            for record in records {
                #expect(record.jsonObject(opening: rotated.auditKeys).string.contains(#""sensitive":{"text":"#))
            }
            // Without the old key, old records say so instead of failing the query.
            let opened = records[0].jsonObject(opening: AuditKeyring(keys: [Self.keyB])).string
            #expect(opened.contains("sealed with key 'k2025', which is not configured"))
            #expect(try rotated.verifyAudit(batchSize: 100).isIntact)
        }
    }

    @Test func withoutAKeyringSensitiveTextIsNotStoredAtAll() throws {
        let store = try SQLiteStore.inMemory()
        var commit = decisionCommit(
            message: "m", conversation: "c", read: try store.state(conversationID: "c", counters: []))
        commit.audit[0].sensitive = #"{"text":"secret"}"#
        #expect(try store.commit(commit) == .committed)
        let record = try #require(try store.auditRecords(AuditQuery(limit: 1)).first)
        #expect(record.sealed == nil && record.keyID == nil)
    }

    @Test func retentionPurgeKeepsTheChainVerifiable() throws {
        try withTemporaryFolder { folder in
            let store = try filled(folder + "/s.db", count: 40)
            let cutoff = Timestamp(milliseconds: t0.milliseconds + 25_000)  // records 1…25 are older
            let purged = try store.purgeAudit(before: cutoff) { count, sequence, hash in
                AuditEntry(
                    kind: "audit_purge", at: cutoff, conversationID: nil, messageID: nil,
                    summary: #"{"purged":\#(count),"through_seq":\#(sequence),"through_hash":"\#(hash)"}"#)
            }
            #expect(purged == 25)
            let remaining = try store.auditRecords(AuditQuery(limit: 100))
            #expect(remaining.first?.sequence == 26)
            #expect(remaining.last?.entry.kind == "audit_purge")
            #expect(remaining.last?.entry.summary.contains(#""through_seq":25"#) == true)
            let report = try store.verifyAudit(batchSize: 10)
            #expect(report.isIntact, "\(String(describing: report.firstBreak))")
            #expect(report.records == 16)
            // Deleting the new oldest record is still caught.
            try sqlite3(folder + "/s.db", "DELETE FROM audit_log WHERE seq = 26")
            #expect(try store.verifyAudit(batchSize: 10).firstBreak?.sequence == 27)
        }
    }

    @Test func aLogWrittenBeforeTheChainJoinsIt() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/old.db"
            // A v1 store with three records, as an earlier release wrote it.
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator.migrate(queue, upTo: "v1")
            try queue.write { db in
                for i in 1...3 {
                    try db.execute(
                        sql:
                            "INSERT INTO audit_log (kind, at_ms, conversation_id, message_id, summary) VALUES ('decision', ?, 'c', ?, '{}')",
                        arguments: [i * 1000, "old\(i)"])
                }
            }
            try queue.close()
            let store = try SQLiteStore(configuration: .init(path: path, auditKeys: .ephemeral()))
            #expect(try store.appliedMigrations().contains("v2-audit-chain"))
            var commit = decisionCommit(
                message: "new", conversation: "c", read: try store.state(conversationID: "c", counters: []))
            commit.audit[0].sensitive = #"{"text":"x"}"#
            #expect(try store.commit(commit) == .committed)
            let report = try store.verifyAudit(batchSize: 2)
            #expect(report.isIntact)
            #expect(report.records == 4)
        }
    }

    /// The must-show size: 100,000 records verify (the time is measured by
    /// `bench/audit-verify.sh` in release, not asserted here).
    @Test func aHundredThousandRecordsVerify() throws {
        try withTemporaryFolder { folder in
            let store = try SQLiteStore(
                configuration: .init(path: folder + "/big.db", synchronous: .normal, auditKeys: .ephemeral()))
            for batch in 0..<100 {
                let entries = (0..<1000).map { i in
                    AuditEntry(
                        kind: "decision", at: Timestamp(milliseconds: t0.milliseconds + Int64(batch * 1000 + i)),
                        conversationID: "c\(i % 50)", messageID: "m\(batch)-\(i)",
                        summary: #"{"action":"RespondText"}"#,
                        rulesVersion: "sha256:abc", inputDigest: String(repeating: "d", count: 64),
                        sensitive: #"{"text":"hola"}"#)
                }
                try store.appendAudit(entries)
            }
            let report = try store.verifyAudit(batchSize: 10_000)
            #expect(report.isIntact)
            #expect(report.records == 100_000)
        }
    }
}
