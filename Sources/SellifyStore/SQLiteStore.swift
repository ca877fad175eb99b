package import Foundation
import GRDB
public import SellifyCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded store: one SQLite file in WAL mode, through GRDB.
///
/// - Writes go through GRDB's single writer connection (a serial queue), so
///   commits are serialized; reads use a pool of reader connections that
///   never block the writer (WAL snapshots).
/// - Every method is synchronous and blocks on I/O: call it off the event loop.
///   The class is `Sendable`: one instance is shared by all threads.
/// - `commit(_:)` returns only after the transaction committed; with
///   `synchronous = FULL` (the default) that means the WAL was fsync'ed.
public final class SQLiteStore: DecisionStore, ClosableStore {
    public struct Configuration: Sendable {
        /// The database file; its parent folder is created (mode 0700) if missing.
        public var path: String
        /// `full` survives power loss; `normal` survives process crashes only.
        public var synchronous: SynchronousMode
        /// Seals the sensitive part of audit records. Without a keyring that
        /// part is not stored at all — never in the clear.
        public var auditKeys: AuditKeyring?

        /// Take the store's writer lock (`<path>.lock`, an exclusive `flock`):
        /// a second process asking for it is refused, naming the holder. The
        /// server and every command that changes the store ask for it; readers
        /// (`audit verify`, `quota status`…) do not, and can run beside a server.
        public var exclusive: Bool

        /// How many conversations an exclusive store keeps in memory (with
        /// the quota counters) so a decision reads its state without a read
        /// transaction; 0 turns the cache off. A store that is not exclusive
        /// never caches: another process may write it.
        public var cachedConversations: Int

        public init(
            path: String, synchronous: SynchronousMode = .full, auditKeys: AuditKeyring? = nil, exclusive: Bool = false,
            cachedConversations: Int = Configuration.defaultCachedConversations
        ) {
            self.path = path
            self.synchronous = synchronous
            self.auditKeys = auditKeys
            self.exclusive = exclusive
            self.cachedConversations = cachedConversations
        }

        public static let defaultCachedConversations = 50_000
    }

    /// The file path, or `:memory:`.
    public let path: String
    public let auditKeys: AuditKeyring?
    private let writer: any DatabaseWriter
    private let committer = GroupCommitter()
    /// The hot state in memory (exclusive and in-memory stores only).
    private let hot: HotState?
    private let writerLock: StoreWriterLock?
    /// The last commit's failure while it stands (a full disk, an I/O error):
    /// `ping` reports it, so readiness reflects whether the store can be written.
    private let writeFailure = Mutex<StoreError?>(nil)

    // MARK: - Opening

    /// Opens (creating if needed) the store at `configuration.path`: creates
    /// the parent folder (0700) and the file (0600), switches to WAL, applies
    /// the configured `synchronous` level and runs pending migrations.
    public init(configuration: Configuration) throws(StoreError) {
        let path = configuration.path
        self.path = path
        auditKeys = configuration.auditKeys
        try Self.prepareFile(at: path)
        writerLock = configuration.exclusive ? try StoreWriterLock(storePath: path) : nil
        hot =
            configuration.exclusive && configuration.cachedConversations > 0
            ? HotState(capacity: configuration.cachedConversations) : nil

        var grdb = GRDB.Configuration()
        grdb.label = "sellify-store"
        grdb.foreignKeysEnabled = true
        // Another process (e.g. `sqlite3` or a backup) may hold the lock briefly;
        // within this process writes are serialized by GRDB's writer queue.
        grdb.busyMode = .timeout(5)
        grdb.maximumReaderCount = 4
        grdb.prepareDatabase { db in
            // A WAL file bigger than this is truncated after checkpoints.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: grdb)
        } catch {
            throw Self.storeError("open SQLite store at '\(path)'", error)
        }
        writer = pool
        // GRDB sets `synchronous = NORMAL` on the WAL writer *after*
        // `prepareDatabase`: set the configured level now, on the writer.
        let level = configuration.synchronous == .full ? "FULL" : "NORMAL"
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(level)")
            }
        } catch {
            throw Self.storeError("set synchronous=\(level) on SQLite store at '\(path)'", error)
        }
        try migrate()
    }

    /// An in-memory store for tests: a GRDB `DatabaseQueue`, so no WAL (and no
    /// durability); the same schema, statements and transaction semantics.
    public static func inMemory(auditKeys: AuditKeyring? = nil) throws(StoreError) -> SQLiteStore {
        var grdb = GRDB.Configuration()
        grdb.label = "sellify-store-memory"
        grdb.foreignKeysEnabled = true
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: grdb)
        } catch {
            throw storeError("open in-memory SQLite store", error)
        }
        let store = SQLiteStore(writer: queue, path: ":memory:", auditKeys: auditKeys)
        try store.migrate()
        return store
    }

    private init(writer: any DatabaseWriter, path: String, auditKeys: AuditKeyring?) {
        self.writer = writer
        self.writerLock = nil
        hot = HotState(capacity: Configuration.defaultCachedConversations)
        self.path = path
        self.auditKeys = auditKeys
    }

    /// Closes the connections; any later call fails with a `StoreError`.
    /// (Dropping the last reference closes them too.)
    public func close() throws(StoreError) {
        do { try writer.close() } catch { throw Self.storeError("close SQLite store at '\(path)'", error) }
        writerLock?.release()
    }

    /// What `PRAGMA journal_mode` and `PRAGMA synchronous` are on the writer
    /// connection (synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA).
    public func pragmas() throws(StoreError) -> (journalMode: String, synchronous: Int) {
        do {
            return try writer.writeWithoutTransaction { db in
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"
                let sync = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
                return (mode, sync)
            }
        } catch {
            throw Self.storeError("read pragmas of SQLite store at '\(path)'", error)
        }
    }

    /// The migration identifiers applied to the file, in order (for `sellify check`).
    public func appliedMigrations() throws(StoreError) -> [String] {
        do {
            return try writer.read { db in try Self.migrator.completedMigrations(db) }
        } catch {
            throw Self.storeError("read migrations of SQLite store at '\(path)'", error)
        }
    }

    // MARK: - Schema

    /// The schema, one named migration per change; append new ones at the
    /// end, never edit a released one (e.g. "v2-audit-chain" for the
    /// hash-chained encrypted audit log).
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE conversations (
                        id TEXT NOT NULL PRIMARY KEY,
                        state TEXT NOT NULL,
                        opted_out INTEGER NOT NULL DEFAULT 0,
                        inbound_count INTEGER NOT NULL DEFAULT 0,
                        reply_count INTEGER NOT NULL DEFAULT 0,
                        last_inbound_at_ms INTEGER,
                        last_outbound_at_ms INTEGER,
                        recent_replies TEXT NOT NULL DEFAULT '[]',
                        version INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX conversations_state ON conversations(state);

                    CREATE TABLE quota_counters (
                        window TEXT NOT NULL,
                        counter TEXT NOT NULL,
                        used INTEGER NOT NULL,
                        PRIMARY KEY (window, counter)
                    ) WITHOUT ROWID;

                    CREATE TABLE decisions (
                        message_id TEXT NOT NULL PRIMARY KEY,
                        conversation_id TEXT NOT NULL,
                        decision BLOB NOT NULL,
                        created_at_ms INTEGER NOT NULL
                    );

                    CREATE TABLE audit_log (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        at_ms INTEGER NOT NULL,
                        conversation_id TEXT,
                        message_id TEXT,
                        summary TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-audit-chain") { db in
            try db.execute(
                sql: """
                    ALTER TABLE audit_log ADD COLUMN rules_version TEXT;
                    ALTER TABLE audit_log ADD COLUMN input_digest TEXT;
                    ALTER TABLE audit_log ADD COLUMN key_id TEXT;
                    ALTER TABLE audit_log ADD COLUMN sealed BLOB;
                    ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
                    ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
                    CREATE INDEX audit_log_at ON audit_log(at_ms);
                    CREATE INDEX audit_log_conversation ON audit_log(conversation_id, seq);
                    -- Where the chain starts: moved forward by retention purges.
                    CREATE TABLE audit_anchor (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        first_seq INTEGER NOT NULL,
                        prev_hash TEXT NOT NULL
                    );
                    INSERT INTO audit_anchor (id, first_seq, prev_hash) VALUES (1, 1, '\(AuditChain.genesis)');
                    """)
            // Records written before the chain existed join it, in order.
            var previous = AuditChain.genesis
            let rows = try Row.fetchAll(
                db, sql: "SELECT seq, kind, at_ms, conversation_id, message_id, summary FROM audit_log ORDER BY seq")
            if let first = rows.first {
                try db.execute(sql: "UPDATE audit_anchor SET first_seq = ?", arguments: [first[0] as Int64])
            }
            for row in rows {
                let sequence: Int64 = row[0]
                let entry = AuditEntry(
                    kind: row[1], at: Timestamp(milliseconds: row[2]), conversationID: row[3], messageID: row[4],
                    summary: row[5])
                let hash = AuditChain.hash(
                    sequence: sequence, entry: entry, keyID: nil, sealed: nil, prevHash: previous)
                try db.execute(
                    sql: "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?",
                    arguments: [previous, hash, sequence])
                previous = hash
            }
        }
        migrator.registerMigration("v3-scheduler") { db in
            try db.execute(
                sql: """
                    -- The quota windows the roll-over scheduler saw last (one row).
                    CREATE TABLE scheduler_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        day_window TEXT NOT NULL,
                        week_window TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v4-conversation-memory") { db in
            try db.execute(
                sql: """
                    -- What follow-ups resolve against (JSON: products in focus, language, handoff…).
                    ALTER TABLE conversations ADD COLUMN memory TEXT NOT NULL DEFAULT '{}';
                    -- Messages deferred by the cooldown (JSON array, sealed with the audit key).
                    ALTER TABLE conversations ADD COLUMN pending_key_id TEXT;
                    ALTER TABLE conversations ADD COLUMN pending BLOB;
                    """)
        }
        return migrator
    }()

    private func migrate() throws(StoreError) {
        let migrator = Self.migrator
        do {
            try writer.writeWithoutTransaction { db in
                if try migrator.hasBeenSuperseded(db) {
                    let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
                    throw StoreError(
                        "the file was written by a newer Sellify (unknown migrations: \(unknown.sorted().joined(separator: ", "))); refusing to use it"
                    )
                }
            }
            try migrator.migrate(writer)
        } catch {
            throw Self.storeError("migrate SQLite store at '\(path)'", error)
        }
    }

    // MARK: - DecisionStore

    public func storedDecision(messageID: String) throws(StoreError) -> [UInt8]? {
        do {
            return try writer.read { db in try Self.fetchDecision(db, messageID: messageID) }
        } catch {
            throw Self.storeError("read stored decision for message '\(messageID)'", error)
        }
    }

    public func state(conversationID: String, counters: [QuotaCounterKey]) throws(StoreError) -> StoredState {
        let epoch = hot?.state(conversationID: conversationID, counters: counters)
        if let cached = epoch?.0 { return cached }
        do {
            // One read = one transaction = one consistent snapshot.
            let state = try writer.read { db in
                let conversation = try Self.fetchConversation(db, id: conversationID, keys: auditKeys)
                var usage: [QuotaCounterKey: Int] = [:]
                usage.reserveCapacity(counters.count)
                for key in counters { usage[key] = try Self.fetchUsed(db, key) }
                return StoredState(conversation: conversation, usage: usage)
            }
            if let epoch { hot?.fill(state, conversationID: conversationID, readAt: epoch.epoch) }
            return state
        } catch {
            throw Self.storeError("read state of conversation '\(conversationID)'", error)
        }
    }

    public func commit(_ commit: DecisionCommit) throws(StoreError) -> CommitOutcome {
        try submit(commit).outcome()
    }

    public func submit(_ commit: DecisionCommit) throws(StoreError) -> any CommitTicket {
        try GroupCommitTicket(decision: commit, on: committer, lead: lead)
    }

    /// Group commit: the leader writes every waiting commit (up to
    /// `GroupCommitter.maxBatch`) in ONE transaction, each in its own
    /// savepoint, so concurrent decisions share one fsync. Each commit sees the
    /// effects of those before it in the batch: the outcome is the one a
    /// serial execution in queue order gives. Nobody is answered before the
    /// transaction committed.
    /// Conversations the hot state holds now (0 when the store does not cache).
    public var cachedConversationCount: Int { hot?.count ?? 0 }

    /// Transactions the group commit ran and the commits they carried since
    /// the store was opened (commits / transactions = the mean batch).
    public var commitStatistics: CommitStatistics? {
        CommitStatistics(
            transactions: batchCount.load(ordering: .relaxed), commits: batchedCommits.load(ordering: .relaxed))
    }
    private let batchCount = Atomic<Int>(0)
    private let batchedCommits = Atomic<Int>(0)

    private func lead() {
        let batch = committer.takeBatch()
        batchCount.add(1, ordering: .relaxed)
        batchedCommits.add(batch.count, ordering: .relaxed)
        let results = run(batch)
        if let hot { Self.update(hot, batch, results) }
        let failure = results.lazy.compactMap { result -> StoreError? in
            if case .failure(let error) = result { return error } else { return nil }
        }.first
        let wrote = results.contains { if case .success = $0 { true } else { false } }
        if let failure, !wrote {
            writeFailure.withLock { $0 = failure }
        } else if wrote {
            writeFailure.withLock { $0 = nil }
        }
        for (pending, result) in zip(batch, results) { pending.result = result }
        for pending in batch.dropFirst() { pending.wakeUp.signal() }  // batch[0] is the leader
        committer.finishBatch()
    }

    private func run(_ batch: [PendingCommit]) -> [Result<CommitOutcome, StoreError>] {
        var results = [Result<CommitOutcome, StoreError>](
            repeating: .failure(StoreError("commit decision: not run")), count: batch.count)
        do {
            try writer.writeWithoutTransaction { db in
                if batch.count == 1 {
                    // Alone: the transaction is the unit; nothing written for duplicate/conflict.
                    var outcome = CommitOutcome.conflict
                    try db.inTransaction(.immediate) {
                        outcome = try Self.apply(batch[0].work, createdAt: batch[0].createdAt, keys: auditKeys, db)
                        return outcome == .committed ? .commit : .rollback
                    }
                    results[0] = .success(outcome)
                    return
                }
                try db.inTransaction(.immediate) {
                    for (index, pending) in batch.enumerated() {
                        do {
                            var outcome = CommitOutcome.conflict
                            try db.inSavepoint {
                                outcome = try Self.apply(
                                    pending.work, createdAt: pending.createdAt, keys: auditKeys, db)
                                return outcome == .committed ? .commit : .rollback
                            }
                            results[index] = .success(outcome)
                        } catch {
                            results[index] = .failure(Self.storeError(Self.operation(pending.work), error))
                            // SQLITE_FULL, IOERR… may roll back the whole transaction.
                            if !db.isInsideTransaction { throw error }
                        }
                    }
                    return .commit
                }
            }
        } catch {
            // Nothing of this batch is durable (outcomes in it may even depend
            // on rows that were rolled back): fail every commit in it.
            for (index, pending) in batch.enumerated() {
                if case .success = results[index] {
                    results[index] = .failure(Self.storeError(Self.operation(pending.work), error))
                } else if batch.count == 1 {
                    results[index] = .failure(Self.storeError(Self.operation(pending.work), error))
                }
            }
        }
        return results
    }

    /// What the batch's transaction made true, into the hot state (before
    /// anyone is answered, so the next read sees it).
    private static func update(
        _ hot: HotState, _ batch: [PendingCommit], _ results: [Result<CommitOutcome, StoreError>]
    ) {
        var committed: [DecisionCommit] = []
        committed.reserveCapacity(batch.count)
        for (pending, result) in zip(batch, results) {
            guard case .decision(let commit) = pending.work else { continue }
            switch result {
            case .success(.committed): committed.append(commit)
            case .success(.duplicate): continue
            case .success(.conflict):
                hot.invalidate(conversationID: commit.conversation.id, counters: commit.expectedUsage.keys)
            case .failure:
                // Perhaps the whole transaction was rolled back: trust nothing.
                hot.clear()
                return
            }
        }
        if !committed.isEmpty { hot.committed(committed) }
    }

    package static func operation(_ commit: DecisionCommit) -> String { PendingCommit.operation(.decision(commit)) }

    package static func operation(_ work: PendingCommit.Work) -> String { PendingCommit.operation(work) }

    private static func apply(
        _ work: PendingCommit.Work, createdAt: Int64, keys: AuditKeyring?, _ db: Database
    ) throws -> CommitOutcome {
        switch work {
        case .decision(let commit):
            return try apply(commit, createdAt: createdAt, keys: keys, db)
        case .audit(let entries):
            try appendAudit(entries, keys: keys, db)
            return .committed
        }
    }

    public func usage(of counters: [QuotaCounterKey]) throws(StoreError) -> [QuotaCounterKey: Int] {
        do {
            return try writer.read { db in
                var usage: [QuotaCounterKey: Int] = [:]
                for key in counters { usage[key] = try Self.fetchUsed(db, key) }
                return usage
            }
        } catch {
            throw Self.storeError("read quota usage", error)
        }
    }

    public func conversation(id: String) throws(StoreError) -> ConversationRecord? {
        do {
            return try writer.read { db in try Self.fetchConversation(db, id: id, keys: auditKeys) }
        } catch {
            throw Self.storeError("read conversation '\(id)'", error)
        }
    }

    public func conversationCountsByState() throws(StoreError) -> [String: Int] {
        do {
            return try writer.read { db in
                let statement = try db.cachedStatement(sql: "SELECT state, COUNT(*) FROM conversations GROUP BY state")
                var counts: [String: Int] = [:]
                let rows = try Row.fetchCursor(statement)
                while let row = try rows.next() {
                    counts[row[0] as String] = row[1] as Int
                }
                return counts
            }
        } catch {
            throw Self.storeError("count conversations by state", error)
        }
    }

    public func recentAudit(limit: Int) throws(StoreError) -> [AuditEntry] {
        guard limit > 0 else { return [] }
        do {
            return try writer.read { db in
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT kind, at_ms, conversation_id, message_id, summary
                        FROM audit_log ORDER BY seq DESC LIMIT ?
                        """)
                var entries: [AuditEntry] = []
                let rows = try Row.fetchCursor(statement, arguments: [limit])
                while let row = try rows.next() {
                    entries.append(
                        AuditEntry(
                            kind: row[0], at: Timestamp(milliseconds: row[1]),
                            conversationID: row[2], messageID: row[3], summary: row[4]))
                }
                entries.reverse()
                return entries
            }
        } catch {
            throw Self.storeError("read the audit log", error)
        }
    }

    public func auditRecords(_ query: AuditQuery) throws(StoreError) -> [AuditRecord] {
        guard query.limit > 0 else { return [] }
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let since = query.since {
            conditions.append("at_ms >= ?")
            arguments += [since.milliseconds]
        }
        if let until = query.until {
            conditions.append("at_ms < ?")
            arguments += [until.milliseconds]
        }
        if let conversation = query.conversationID {
            conditions.append("conversation_id = ?")
            arguments += [conversation]
        }
        if let kind = query.kind {
            conditions.append("kind = ?")
            arguments += [kind]
        }
        if let after = query.after {
            conditions.append("seq > ?")
            arguments += [after]
        }
        arguments += [query.limit]
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(Self.auditColumns) FROM audit_log \(filter) ORDER BY seq LIMIT ?"
        do {
            return try writer.read { db in
                let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
                var records: [AuditRecord] = []
                while let row = try rows.next() { records.append(Self.auditRecord(row)) }
                return records
            }
        } catch {
            throw Self.storeError("query the audit log", error)
        }
    }

    public func resetUsage(
        of counters: [QuotaCounterKey], audit: AuditEntry
    ) throws(StoreError) -> [QuotaCounterKey: Int] {
        do {
            let auditKeys = self.auditKeys
            let previous = try writer.write { db in
                var previous: [QuotaCounterKey: Int] = [:]
                let reset = try db.cachedStatement(
                    sql: "UPDATE quota_counters SET used = 0 WHERE window = ? AND counter = ?")
                for key in counters {
                    previous[key] = try Self.fetchUsed(db, key)
                    try reset.execute(arguments: [key.window, key.counter.rawValue])
                }
                try Self.appendAudit([audit], keys: auditKeys, db)
                return previous
            }
            hot?.reset(counters)
            return previous
        } catch {
            hot?.clear()
            throw Self.storeError("reset quota counters", error)
        }
    }

    public func appendAudit(_ entries: [AuditEntry]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        // Through the group commit: concurrent validations and generations
        // (and decisions) share one transaction and one fsync.
        _ = try GroupCommitTicket(.audit(entries), createdAt: 0, on: committer, lead: lead).outcome()
    }

    public func verifyAudit(batchSize: Int = 10_000) throws(StoreError) -> AuditVerification {
        let keys = auditKeys
        do {
            return try writer.read { db in
                let anchor = try Row.fetchOne(db, sql: "SELECT first_seq, prev_hash FROM audit_anchor WHERE id = 1")
                let statement = try db.cachedStatement(
                    sql: "SELECT \(Self.auditColumns) FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")
                return try AuditChain.verify(
                    anchor: anchor.map { ($0[0], $0[1]) }, batchSize: batchSize, keys: keys,
                    page: { after, limit in
                        try Row.fetchAll(statement, arguments: [after, limit]).map(Self.auditRecord)
                    },
                    highest: {
                        // Deleting the newest records leaves no gap to see, but SQLite's
                        // AUTOINCREMENT counter still remembers the highest sequence used.
                        try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'") ?? 0
                    })
            }
        } catch {
            throw Self.storeError("verify the audit log", error)
        }
    }

    public func purgeAudit(
        before cutoff: Timestamp, record: (_ purged: Int, _ throughSequence: Int64, _ throughHash: String) -> AuditEntry
    )
        throws(StoreError) -> Int
    {
        let auditKeys = self.auditKeys
        do {
            return try writer.write { db in
                // Only a prefix of the chain is purged (records are appended in time order,
                // but a late record may carry an older event time: stop at the first newer one).
                guard
                    let boundary = try Int64.fetchOne(
                        db, sql: "SELECT MIN(seq) FROM audit_log WHERE at_ms >= ?", arguments: [cutoff.milliseconds])
                        ?? Int64.fetchOne(db, sql: "SELECT MAX(seq) + 1 FROM audit_log")
                else { return 0 }
                guard
                    let last = try Row.fetchOne(
                        db, sql: "SELECT seq, hash FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT 1",
                        arguments: [boundary])
                else { return 0 }
                let purged =
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log WHERE seq < ?", arguments: [boundary])
                    ?? 0
                try db.execute(sql: "DELETE FROM audit_log WHERE seq < ?", arguments: [boundary])
                try db.execute(
                    sql: "UPDATE audit_anchor SET first_seq = ?, prev_hash = ? WHERE id = 1",
                    arguments: [(last[0] as Int64) + 1, last[1] as String])
                try Self.appendAudit([record(purged, last[0], last[1])], keys: auditKeys, db)
                return purged
            }
        } catch {
            throw Self.storeError("purge the audit log", error)
        }
    }

    public func schedulerWindows() throws(StoreError) -> QuotaCalendar.Windows? {
        do {
            return try writer.read { db in
                try Row.fetchOne(db, sql: "SELECT day_window, week_window FROM scheduler_state WHERE id = 1").map {
                    QuotaCalendar.Windows(day: $0[0], week: $0[1])
                }
            }
        } catch {
            throw Self.storeError("read the scheduler state", error)
        }
    }

    public func saveSchedulerWindows(_ windows: QuotaCalendar.Windows, audit: [AuditEntry]) throws(StoreError) {
        let auditKeys = self.auditKeys
        do {
            try writer.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO scheduler_state (id, day_window, week_window) VALUES (1, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET day_window = excluded.day_window, week_window = excluded.week_window
                        """,
                    arguments: [windows.day, windows.week])
                try Self.appendAudit(audit, keys: auditKeys, db)
            }
        } catch {
            throw Self.storeError("save the scheduler state", error)
        }
    }

    /// Readable, and writable as far as the last commit showed: after a failed
    /// commit a probe write must succeed before the store counts as ready again.
    public func ping() throws(StoreError) {
        do {
            _ = try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations") }
        } catch {
            throw Self.storeError("ping SQLite store at '\(path)'", error)
        }
        guard let failure = writeFailure.withLock({ $0 }) else { return }
        do {
            try writer.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS sellify_write_probe (at_ms INTEGER NOT NULL)")
                try db.execute(
                    sql: "INSERT INTO sellify_write_probe (at_ms) VALUES (?)", arguments: [Timestamp.now().milliseconds]
                )
                try db.execute(sql: "DELETE FROM sellify_write_probe")
            }
            writeFailure.withLock { $0 = nil }
        } catch {
            throw StoreError(
                "the store cannot be written: the last commit failed (\(failure)); a probe write failed too: \(Self.storeError("write", error))"
            )
        }
    }

    // MARK: - Export (sellify store copy)

    /// Every row in one read snapshot, `batchSize` rows of a table at a time
    /// (sealed parts as stored), then where the audit chain starts and ends.
    package func export(batchSize: Int = 2_000, _ sink: (StoreRows) throws -> Void) throws(StoreError) -> StoreTail {
        do {
            return try writer.read { db in
                func pages(_ sql: String, _ add: (Row, inout StoreRows) -> Void) throws {
                    var offset = 0
                    while true {
                        let rows = try Row.fetchAll(db, sql: sql + " LIMIT ? OFFSET ?", arguments: [batchSize, offset])
                        if rows.isEmpty { return }
                        var batch = StoreRows()
                        for row in rows { add(row, &batch) }
                        try sink(batch)
                        offset += rows.count
                    }
                }
                try pages(
                    """
                    SELECT id, state, opted_out, inbound_count, reply_count, last_inbound_at_ms, last_outbound_at_ms,
                        recent_replies, memory, pending_key_id, pending, version FROM conversations ORDER BY id
                    """
                ) { row, batch in
                    let pending: Data? = row[10]
                    batch.conversations.append(
                        .init(
                            id: row[0], state: row[1], optedOut: row[2], inboundCount: row[3], replyCount: row[4],
                            lastInboundAt: row[5], lastOutboundAt: row[6], recentReplies: row[7], memory: row[8],
                            pendingKeyID: row[9], pending: pending.map { Array($0) }, version: row[11]))
                }
                try pages("SELECT window, counter, used FROM quota_counters ORDER BY window, counter") { row, batch in
                    batch.counters.append(.init(window: row[0], counter: row[1], used: row[2]))
                }
                try pages(
                    "SELECT message_id, conversation_id, decision, created_at_ms FROM decisions ORDER BY message_id"
                ) { row, batch in
                    let decision: Data? = row[2]
                    batch.decisions.append(
                        .init(
                            messageID: row[0], conversationID: row[1], decision: decision.map { Array($0) } ?? [],
                            createdAt: row[3]))
                }
                try pages("SELECT \(Self.auditColumns) FROM audit_log ORDER BY seq") { row, batch in
                    batch.audit.append(Self.auditRecord(row))
                }
                let anchor = try Row.fetchOne(db, sql: "SELECT first_seq, prev_hash FROM audit_anchor WHERE id = 1")
                let anchorSequence: Int64 = anchor?[0] ?? 1
                let anchorHash: String = anchor?[1] ?? AuditChain.genesis
                var head = (sequence: anchorSequence - 1, hash: anchorHash)
                if let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1") {
                    head = (last[0], last[1])
                }
                let scheduler = try Row.fetchOne(
                    db, sql: "SELECT day_window, week_window FROM scheduler_state WHERE id = 1"
                ).map { QuotaCalendar.Windows(day: $0[0], week: $0[1]) }
                return StoreTail(
                    anchorSequence: anchorSequence, anchorHash: anchorHash, headSequence: head.sequence,
                    headHash: head.hash, scheduler: scheduler)
            }
        } catch {
            throw Self.storeError("export the SQLite store at '\(path)'", error)
        }
    }

    // MARK: - Statements (all cached per connection: prepared once)

    static let auditColumns =
        "seq, kind, at_ms, conversation_id, message_id, summary, rules_version, input_digest, key_id, sealed, prev_hash, hash"

    static func auditRecord(_ row: Row) -> AuditRecord {
        let sealed: Data? = row[9]
        return AuditRecord(
            sequence: row[0],
            entry: AuditEntry(
                kind: row[1], at: Timestamp(milliseconds: row[2]), conversationID: row[3], messageID: row[4],
                summary: row[5], rulesVersion: row[6], inputDigest: row[7]),
            keyID: row[8], sealed: sealed.map { Array($0) }, prevHash: row[10], hash: row[11])
    }

    /// Appends `entries` to the chain inside the caller's transaction: each
    /// record's sequence number and prev_hash come from the current head (read
    /// in the same transaction, so savepoint rollbacks keep the chain whole).
    static func appendAudit(_ entries: [AuditEntry], keys: AuditKeyring?, _ db: Database) throws {
        guard !entries.isEmpty else { return }
        let headStatement = try db.cachedStatement(sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        let sequence: Int64
        let previous: String
        if let head = try Row.fetchOne(headStatement) {
            sequence = head[0]
            previous = head[1]
        } else {
            let anchor = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT first_seq, prev_hash FROM audit_anchor WHERE id = 1"))
            sequence = (anchor?[0] as Int64? ?? 1) - 1
            previous = anchor?[1] ?? AuditChain.genesis
        }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO audit_log (seq, kind, at_ms, conversation_id, message_id, summary, rules_version, input_digest,
                    key_id, sealed, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for record in try AuditChain.link(entries, after: (sequence, previous), keys: keys) {
            let entry = record.entry
            try insert.execute(arguments: [
                record.sequence, entry.kind, entry.at.milliseconds, entry.conversationID, entry.messageID,
                entry.summary, entry.rulesVersion, entry.inputDigest, record.keyID, record.sealed.map { Data($0) },
                record.prevHash, record.hash,
            ])
        }
    }

    /// The body of `commit`, inside one IMMEDIATE transaction on the writer.
    private static func apply(
        _ commit: DecisionCommit, createdAt: Int64, keys: AuditKeyring?, _ db: Database
    ) throws -> CommitOutcome {
        // (1) Idempotency: a decided message is answered with its stored bytes.
        if let stored = try fetchDecision(db, messageID: commit.messageID) {
            return .duplicate(stored)
        }
        // (2) Optimistic check of the conversation version.
        let conversation = commit.conversation
        let versionStatement = try db.cachedStatement(sql: "SELECT version FROM conversations WHERE id = ?")
        let storedVersion = try Int.fetchOne(versionStatement, arguments: [conversation.id])
        guard storedVersion == commit.expectedConversationVersion else { return .conflict }
        // (3) Optimistic check of every counter the decision read.
        for (key, expected) in commit.expectedUsage {
            if try fetchUsed(db, key) != expected { return .conflict }
        }
        // (4) Writes.
        if !commit.consumption.isEmpty {
            let consume = try db.cachedStatement(
                sql: """
                    INSERT INTO quota_counters (window, counter, used) VALUES (?, ?, ?)
                    ON CONFLICT (window, counter) DO UPDATE SET used = used + excluded.used
                    """)
            for (key, amount) in commit.consumption where amount != 0 {
                try consume.execute(arguments: [key.window, key.counter.rawValue, amount])
            }
        }
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO conversations (id, state, opted_out, inbound_count, reply_count,
                    last_inbound_at_ms, last_outbound_at_ms, recent_replies, memory, pending_key_id, pending, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    state = excluded.state, opted_out = excluded.opted_out,
                    inbound_count = excluded.inbound_count, reply_count = excluded.reply_count,
                    last_inbound_at_ms = excluded.last_inbound_at_ms,
                    last_outbound_at_ms = excluded.last_outbound_at_ms,
                    recent_replies = excluded.recent_replies, memory = excluded.memory,
                    pending_key_id = excluded.pending_key_id, pending = excluded.pending,
                    version = excluded.version
                """)
        let (pendingKeyID, pending) = try encodePending(conversation, keys: keys)
        try upsert.execute(arguments: [
            conversation.id, conversation.state, conversation.optedOut, conversation.inboundCount,
            conversation.replyCount, conversation.lastInboundAt?.milliseconds,
            conversation.lastOutboundAt?.milliseconds,
            encodeTimestamps(conversation.recentReplies), encodeMemory(conversation.memory), pendingKeyID,
            pending.map { Data($0) }, conversation.version,
        ])
        if let decision = commit.decision {
            let insertDecision = try db.cachedStatement(
                sql: """
                    INSERT INTO decisions (message_id, conversation_id, decision, created_at_ms) VALUES (?, ?, ?, ?)
                    """)
            try insertDecision.execute(arguments: [commit.messageID, conversation.id, Data(decision), createdAt])
        }
        if !commit.settled.isEmpty {
            let settle = try db.cachedStatement(
                sql: """
                    INSERT INTO decisions (message_id, conversation_id, decision, created_at_ms) VALUES (?, ?, ?, ?)
                    ON CONFLICT (message_id) DO NOTHING
                    """)
            for (messageID, decision) in commit.settled {
                try settle.execute(arguments: [messageID, conversation.id, Data(decision), createdAt])
            }
        }
        try appendAudit(commit.audit, keys: keys, db)
        return .committed
    }

    private static func fetchDecision(_ db: Database, messageID: String) throws -> [UInt8]? {
        let statement = try db.cachedStatement(sql: "SELECT decision FROM decisions WHERE message_id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [messageID]) else { return nil }
        // An empty BLOB may come back as NULL-free zero-length data.
        let data: Data? = row[0]
        return data.map { [UInt8]($0) } ?? []
    }

    private static func fetchUsed(_ db: Database, _ key: QuotaCounterKey) throws -> Int {
        let statement = try db.cachedStatement(sql: "SELECT used FROM quota_counters WHERE window = ? AND counter = ?")
        return try Int.fetchOne(statement, arguments: [key.window, key.counter.rawValue]) ?? 0
    }

    private static func fetchConversation(
        _ db: Database, id: String, keys: AuditKeyring?
    ) throws
        -> ConversationRecord?
    {
        let statement = try db.cachedStatement(
            sql: """
                SELECT state, opted_out, inbound_count, reply_count, last_inbound_at_ms,
                    last_outbound_at_ms, recent_replies, version, memory, pending_key_id, pending
                FROM conversations WHERE id = ?
                """)
        guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
        let repliesText: String = row[6]
        guard let replies = decodeTimestamps(repliesText) else {
            throw StoreError("corrupt recent_replies for conversation '\(id)': \(repliesText.prefix(80))")
        }
        let lastIn: Int64? = row[4]
        let lastOut: Int64? = row[5]
        return ConversationRecord(
            id: id, state: row[0], optedOut: row[1], inboundCount: row[2], replyCount: row[3],
            lastInboundAt: lastIn.map(Timestamp.init(milliseconds:)),
            lastOutboundAt: lastOut.map(Timestamp.init(milliseconds:)),
            recentReplies: replies, memory: try decodeMemory(row[8], conversation: id),
            pending: try decodePending(keyID: row[9], row[10], conversation: id, keys: keys), version: row[7])
    }

    // MARK: - memory (JSON object) and pending messages (JSON array, sealed)

    package static func encodeMemory(_ memory: ConversationMemory) -> String { memory.jsonString }

    package static func decodeMemory(_ text: String, conversation id: String) throws -> ConversationMemory {
        do {
            return try JSONDecoder().decode(ConversationMemory.self, from: Data(text.utf8))
        } catch {
            throw StoreError("corrupt memory for conversation '\(id)': \(text.prefix(80))")
        }
    }

    private static let memoryEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func pendingContext(_ conversationID: String) -> String { "sellify-pending-v1:" + conversationID }

    /// nil, nil when nothing is pending; the JSON sealed with the current audit
    /// key (or in the clear for a store without keys, as tests use).
    package static func encodePending(
        _ conversation: ConversationRecord, keys: AuditKeyring?
    ) throws -> (String?, [UInt8]?) {
        guard !conversation.pending.isEmpty else { return (nil, nil) }
        let json = String(decoding: try memoryEncoder.encode(conversation.pending), as: UTF8.self)
        guard let keys else { return (nil, Array(json.utf8)) }
        let (keyID, sealed) = try keys.seal(json, context: pendingContext(conversation.id))
        return (keyID, sealed)
    }

    package static func decodePending(
        keyID: String?, _ blob: Data?, conversation id: String, keys: AuditKeyring?
    ) throws
        -> [PendingMessage]
    {
        guard let blob, !blob.isEmpty else { return [] }
        var json = String(decoding: blob, as: UTF8.self)
        if let keyID {
            guard let keys else {
                throw StoreError("pending messages of conversation '\(id)' are sealed; no audit keys")
            }
            json = try keys.open(Array(blob), keyID: keyID, context: pendingContext(id))
        }
        do {
            return try JSONDecoder().decode([PendingMessage].self, from: Data(json.utf8))
        } catch {
            throw StoreError("corrupt pending messages for conversation '\(id)'")
        }
    }

    // MARK: - recent_replies: a JSON array of integers (ms), e.g. `[1764447300000,1764447360000]`

    package static func encodeTimestamps(_ timestamps: [Timestamp]) -> String {
        var text = "["
        for (index, timestamp) in timestamps.enumerated() {
            if index > 0 { text += "," }
            text += String(timestamp.milliseconds)
        }
        return text + "]"
    }

    package static func decodeTimestamps(_ text: String) -> [Timestamp]? {
        var body = Substring(text).drop(while: \.isWhitespace)
        while body.last?.isWhitespace == true { body = body.dropLast() }
        guard body.first == "[", body.last == "]" else { return nil }
        let inner = body.dropFirst().dropLast()
        if inner.allSatisfy(\.isWhitespace) { return [] }
        var result: [Timestamp] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = Int64(part.trimmingCharacters(in: .whitespaces)) else { return nil }
            result.append(Timestamp(milliseconds: value))
        }
        return result
    }

    // MARK: - Errors

    /// `"<operation>: <SQLite's message>"`, e.g.
    /// `commit decision for message 'wamid.X': database or disk is full`.
    static func storeError(_ operation: String, _ error: any Error) -> StoreError {
        if let error = error as? StoreError {
            return StoreError("\(operation): \(error.message)")
        }
        if let error = error as? DatabaseError {
            var detail = error.message ?? "SQLite error \(error.resultCode.rawValue)"
            switch error.resultCode {
            case .SQLITE_CANTOPEN:
                detail += " (check that the folder exists, is a folder and is writable)"
            case .SQLITE_READONLY, .SQLITE_PERM:
                detail += " (the file or its folder is not writable)"
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                detail += " (another process holds the database lock)"
            case .SQLITE_NOTADB:
                detail += " (the file is not a Sellify SQLite store)"
            default:
                break
            }
            return StoreError("\(operation): \(detail) [SQLite code \(error.extendedResultCode.rawValue)]")
        }
        return StoreError("\(operation): \(error)")
    }

    /// Creates the parent folder (0700) and an empty file (0600) if missing, so
    /// SQLite's -wal and -shm files inherit the file's private mode.
    private static func prepareFile(at path: String) throws(StoreError) {
        guard !path.isEmpty else { throw StoreError("open SQLite store: the store path is empty") }
        let fileManager = FileManager.default
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        if fileManager.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw StoreError("open SQLite store at '\(path)': '\(folder)' exists and is not a folder")
            }
        } else {
            do {
                try fileManager.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError(
                    "open SQLite store at '\(path)': cannot create folder '\(folder)': \(Self.reason(error))")
            }
        }
        if fileManager.fileExists(atPath: path, isDirectory: &isFolder) {
            guard !isFolder.boolValue else {
                throw StoreError("open SQLite store at '\(path)': it is a folder, not a file")
            }
        } else if !fileManager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) {
            throw StoreError(
                "open SQLite store at '\(path)': cannot create the file (is '\(folder)' writable?)")
        }
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return nsError.localizedDescription
    }
}

// MARK: - Writer lock

/// The store's single-writer lock: an exclusive `flock` on `<store>.lock`, held
/// for the life of the process (the kernel drops it when the process dies, even
/// by `kill -9`). The file names the holder, for the error a second writer gets.
final class StoreWriterLock: @unchecked Sendable {
    private var fd: Int32  // guarded by `lock` once initialised
    private let lock = NSLock()

    init(storePath: String) throws(StoreError) {
        let path = storePath + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError(
                "open SQLite store at '\(storePath)': cannot open the lock file '\(path)': \(String(cString: strerror(errno)))"
            )
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            fd = -1
            if reason == EWOULDBLOCK {
                let holder = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(
                    in: .whitespacesAndNewlines)
                throw StoreError(
                    "open SQLite store at '\(storePath)': the store is in use by another process (\(holder.isEmpty ? "one that is just starting" : holder), "
                        + "holding '\(path)'); one Sellify process writes a store at a time")
            }
            throw StoreError(
                "open SQLite store at '\(storePath)': cannot lock '\(path)': \(String(cString: strerror(reason)))")
        }
        let holder =
            "pid \(getpid()) (\(ProcessInfo.processInfo.processName)) since \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(fd, 0)
        _ = holder.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    func release() {
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0 else { return }
        close(fd)  // closing the descriptor drops the flock
        fd = -1
    }

    deinit { release() }
}
