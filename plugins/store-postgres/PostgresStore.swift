import Crypto
import Foundation
public import Logging
import NIOCore
public import PostgresNIO
public import SellifyCore
package import SellifyStore
import Synchronization

/// The shared store: PostgreSQL, written by several `sellify serve`
/// processes at once. The same contract as the embedded SQLite store (the
/// store conformance suite runs on both).
///
/// - Every write transaction first locks the audit chain's head row
///   (`SELECT … FOR UPDATE`, which also reads it), so writes from all instances apply one transaction at a time:
///   the idempotency check, the conversation version check, the quota check
///   and the consumption happen with nothing interleaved, and the audit log
///   stays one hash chain with gap-free sequence numbers.
/// - The quota check is against the commit's `usageCeilings` (the limits)
///   where it names them: instances consuming one shared counter do not
///   refuse each other's commits while it has room; `used` never passes a
///   ceiling. Counters without one are checked exactly, as on every store.
/// - Within an instance, concurrent commits share one transaction (group
///   commit): one lock, one `COMMIT`, one WAL flush for the batch.
/// - Reads take no lock; a decision that read a state another instance has
///   changed since is refused at commit (`.conflict`) and decided again.
/// - Every method is synchronous and blocks on the network: call it off the
///   event loop (the pipeline does).
public final class PostgresStore: DecisionStore, ClosableStore, SharedStore {
    public struct Configuration: Sendable {
        public var connection: PostgresConnection.Configuration
        /// "host:port" or the socket's path, for errors and `/ready`.
        public var endpoint: String
        public var poolSize: Int
        /// Per query, on the server (`statement_timeout`) and in the client.
        public var statementTimeout: Duration
        /// How long a caller waits for a free connection.
        public var poolTimeout: Duration
        public var auditKeys: AuditKeyring?

        public init(
            connection: PostgresConnection.Configuration, endpoint: String, poolSize: Int = 10,
            statementTimeout: Duration = .seconds(5), poolTimeout: Duration = .seconds(5),
            auditKeys: AuditKeyring? = nil
        ) {
            self.connection = connection
            self.endpoint = endpoint
            self.poolSize = poolSize
            self.statementTimeout = statementTimeout
            self.poolTimeout = poolTimeout
            self.auditKeys = auditKeys
        }
    }

    public let endpoint: String
    public let auditKeys: AuditKeyring?
    private let pool: PostgresConnectionPool
    private let committer = GroupCommitter()
    private let writeFailure = Mutex<StoreError?>(nil)
    private let batchCount = Atomic<Int>(0)
    private let batchedCommits = Atomic<Int>(0)

    typealias Connection = PostgresConnectionPool.Connection

    // MARK: - Opening

    /// Connects and runs pending migrations (under a session advisory lock,
    /// so instances starting together migrate once).
    public init(
        configuration: Configuration, logger: Logger = Logger(label: "sellify.store.postgres")
    ) throws(StoreError) {
        endpoint = configuration.endpoint
        auditKeys = configuration.auditKeys
        var connection = configuration.connection
        let milliseconds = Self.milliseconds(configuration.statementTimeout)
        connection.options.additionalStartupParameters.append(("statement_timeout", "\(milliseconds)"))
        connection.options.additionalStartupParameters.append(("application_name", "sellify"))
        pool = PostgresConnectionPool(
            settings: .init(
                connection: connection, endpoint: configuration.endpoint, size: configuration.poolSize,
                // The client gives the server its own timeout plus a margin to say so.
                queryTimeout: .milliseconds(milliseconds + 2_000), acquireTimeout: configuration.poolTimeout),
            logger: logger)
        do {
            try migrate()
            if let keys = configuration.auditKeys { try checkAuditKeys(keys) }
        } catch {
            pool.close()
            throw error
        }
    }

    /// Every instance must seal with the same keys: records one fingerprint
    /// per key id and refuses a key whose id is known with another fingerprint
    /// (say, each instance generated its own key file).
    private func checkAuditKeys(_ keys: AuditKeyring) throws(StoreError) {
        let fingerprints = keys.keys.map { key in
            (
                key.id,
                HMAC<SHA256>.authenticationCode(for: Data("sellify-audit-key-fingerprint-v1".utf8), using: key.key)
                    .prefix(16).map { String(format: "%02x", $0) }.joined()
            )
        }
        let endpoint = self.endpoint
        try write("check the audit keys against the PostgreSQL store") { c in
            for (id, fingerprint) in fingerprints {
                let stored = try c.query(
                    """
                    INSERT INTO audit_keys (key_id, fingerprint) VALUES (\(id), \(fingerprint))
                    ON CONFLICT (key_id) DO UPDATE SET key_id = excluded.key_id RETURNING fingerprint
                    """
                ).rows.first?.decode(String.self)
                if let stored, stored != fingerprint {
                    throw StoreError(
                        "audit key '\(id)' is not the key of that id the store's records are sealed with "
                            + "(fingerprint \(fingerprint) here, \(stored) in the store at \(endpoint)): every instance "
                            + "sharing the store needs the same audit.keys (a generated data/audit.key is per machine)")
                }
            }
        }
    }

    public func close() throws(StoreError) { pool.close() }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The migrations applied to the database, in order (for `sellify check` and `store migrate`).
    public func appliedMigrations() throws(StoreError) -> [String] {
        try pool.withConnection("read migrations of the PostgreSQL store") { c in
            try c.query("SELECT id FROM sellify_migrations ORDER BY id").rows.map { try $0.decode(String.self) }
        }
    }

    /// Applies the migrations the database lacks; returns their ids.
    @discardableResult
    public func migrate() throws(StoreError) -> [String] {
        try pool.withConnection("migrate the PostgreSQL store at \(endpoint)") { c in
            try c.query(
                "SELECT pg_advisory_lock(\(PostgresSchema.lockNamespace), \(PostgresSchema.migrationLock))")
            defer {
                _ = try? c.query(
                    "SELECT pg_advisory_unlock(\(PostgresSchema.lockNamespace), \(PostgresSchema.migrationLock))")
            }
            try c.execute(
                """
                CREATE TABLE IF NOT EXISTS sellify_migrations (
                    id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """)
            let applied = Set(
                try c.query("SELECT id FROM sellify_migrations").rows.map { try $0.decode(String.self) })
            let known = Set(PostgresSchema.migrations.map(\.id))
            let unknown = applied.subtracting(known)
            if !unknown.isEmpty {
                throw StoreError(
                    "the database was written by a newer Sellify (unknown migrations: "
                        + "\(unknown.sorted().joined(separator: ", "))); refusing to use it")
            }
            var ran: [String] = []
            for migration in PostgresSchema.migrations where !applied.contains(migration.id) {
                try c.execute("BEGIN")
                do {
                    // One statement per query (the extended protocol takes one at a time).
                    for statement in migration.sql.components(separatedBy: ";\n")
                    where !statement.allSatisfy(\.isWhitespace) {
                        try c.execute(statement)
                    }
                    try c.query("INSERT INTO sellify_migrations (id) VALUES (\(migration.id))")
                    try c.execute("COMMIT")
                } catch {
                    try? c.execute("ROLLBACK")
                    throw StoreError("migration \(migration.id): \(PostgresConnectionPool.reason(error))")
                }
                ran.append(migration.id)
            }
            return ran
        }
    }

    // MARK: - Transactions

    /// Runs `body` in a write transaction holding the store's write lock.
    private func write<T>(_ operation: String, _ body: (Connection) throws -> T) throws(StoreError) -> T {
        try pool.withConnection(operation) { c in
            try c.execute("BEGIN")
            defer { c.auditHead = nil }
            do {
                // The write lock: the audit head's row, locked for the transaction.
                // (Read committed: once the lock is granted this returns the head
                // as the last writer left it, and every later statement sees what
                // every earlier transaction committed.)
                guard
                    let head = try c.query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").rows.first
                else { throw StoreError("the audit_head row is missing") }
                c.auditHead = try head.decode((Int64, String).self)
                let value = try body(c)
                try c.execute("COMMIT")
                return value
            } catch {
                if !c.connection.isClosed { try? c.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Runs `body` in one read-only snapshot.
    private func snapshot<T>(_ operation: String, _ body: (Connection) throws -> T) throws(StoreError) -> T {
        try pool.withConnection(operation) { c in
            try c.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let value = try body(c)
                try c.execute("COMMIT")
                return value
            } catch {
                if !c.connection.isClosed { try? c.execute("ROLLBACK") }
                throw error
            }
        }
    }

    // MARK: - Decisions

    public func storedDecision(messageID: String) throws(StoreError) -> [UInt8]? {
        try pool.withConnection("read stored decision for message '\(messageID)'") { c in
            try c.query("SELECT decision FROM decisions WHERE message_id = \(messageID)").rows.first.map {
                Array(try $0.decode(ByteBuffer.self).readableBytesView)
            }
        }
    }

    public func state(conversationID: String, counters: [QuotaCounterKey]) throws(StoreError) -> StoredState {
        let keys = auditKeys
        return try pool.withConnection("read state of conversation '\(conversationID)'") { c in
            // One statement = one snapshot: the conversation and the counters agree.
            var binds = PostgresBindings(capacity: 3)
            binds.append(conversationID)
            Self.bindCounters(counters, &binds)
            let row = try c.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT c.state, c.opted_out, c.inbound_count, c.reply_count, c.last_inbound_at_ms,
                            c.last_outbound_at_ms, c.recent_replies, c.version, c.memory, c.pending_key_id, c.pending,
                            \(Self.usedArray(2))
                        FROM (VALUES (1)) AS one (x) LEFT JOIN conversations c ON c.id = $1
                        """, binds: binds)
            ).rows.first
            guard let row else { throw StoreError("no row") }
            let (
                state, optedOut, inbound, replies, lastIn, lastOut, recent, version, memory, pendingKey, pending, used
            ) =
                try row.decode(
                    (
                        String?, Bool?, Int?, Int?, Int64?, Int64?, String?, Int?, String?, String?, ByteBuffer?,
                        [Int64]
                    ).self)
            var usage: [QuotaCounterKey: Int] = [:]
            for (key, amount) in zip(counters, used) { usage[key] = Int(amount) }
            guard let state, let version else { return StoredState(conversation: nil, usage: usage) }
            let conversation = try Self.conversation(
                id: conversationID, state: state, optedOut: optedOut ?? false, inbound: inbound ?? 0,
                replies: replies ?? 0, lastIn: lastIn, lastOut: lastOut, recent: recent ?? "[]", version: version,
                memory: memory ?? "{}", pendingKey: pendingKey, pending: pending, keys: keys)
            return StoredState(conversation: conversation, usage: usage)
        }
    }

    /// `ARRAY(...)` of the `used` of counters given as two parallel arrays,
    /// bound at `$first` and `$first+1`, in their order (0 for a missing row).
    private static func usedArray(_ first: Int) -> String {
        """
        ARRAY(SELECT COALESCE(q.used, 0) FROM unnest($\(first)::text[], $\(first + 1)::text[]) WITH ORDINALITY
            AS k (w, c, i) LEFT JOIN quota_counters q ON q.quota_window = k.w AND q.counter = k.c ORDER BY k.i)
        """
    }

    /// Binds counters as two parallel arrays (windows, counter names).
    private static func bindCounters(_ counters: [QuotaCounterKey], _ binds: inout PostgresBindings) {
        binds.append(counters.map(\.window))
        binds.append(counters.map(\.counter.rawValue))
    }

    private static func conversation(
        id: String, state: String, optedOut: Bool, inbound: Int, replies: Int, lastIn: Int64?, lastOut: Int64?,
        recent: String, version: Int, memory: String, pendingKey: String?, pending: ByteBuffer?,
        keys: AuditKeyring?
    ) throws -> ConversationRecord {
        guard let recentReplies = SQLiteStore.decodeTimestamps(recent) else {
            throw StoreError("corrupt recent_replies for conversation '\(id)': \(recent.prefix(80))")
        }
        return ConversationRecord(
            id: id, state: state, optedOut: optedOut, inboundCount: inbound, replyCount: replies,
            lastInboundAt: lastIn.map(Timestamp.init(milliseconds:)),
            lastOutboundAt: lastOut.map(Timestamp.init(milliseconds:)), recentReplies: recentReplies,
            memory: try SQLiteStore.decodeMemory(memory, conversation: id),
            pending: try SQLiteStore.decodePending(
                keyID: pendingKey, pending.map { Data($0.readableBytesView) }, conversation: id, keys: keys),
            version: version)
    }

    public func commit(_ commit: DecisionCommit) throws(StoreError) -> CommitOutcome {
        try submit(commit).outcome()
    }

    public func submit(_ commit: DecisionCommit) throws(StoreError) -> any CommitTicket {
        try GroupCommitTicket(decision: commit, on: committer, lead: lead)
    }

    public var commitStatistics: CommitStatistics? {
        CommitStatistics(
            transactions: batchCount.load(ordering: .relaxed), commits: batchedCommits.load(ordering: .relaxed))
    }

    private func lead() {
        let batch = committer.takeBatch()
        batchCount.add(1, ordering: .relaxed)
        batchedCommits.add(batch.count, ordering: .relaxed)
        let results = run(batch)
        switch results.first {
        case .failure(let error)?: writeFailure.withLock { $0 = error }
        default: writeFailure.withLock { $0 = nil }
        }
        for (pending, result) in zip(batch, results) { pending.result = result }
        for pending in batch.dropFirst() { pending.wakeUp.signal() }  // batch[0] is the leader
        committer.finishBatch()
    }

    /// The batch in one transaction: each commit checked and applied in queue
    /// order (seeing those before it), then every committed record appended
    /// to the chain. A failure anywhere fails the whole batch: nothing of it
    /// is durable.
    private func run(_ batch: [PendingCommit]) -> [Result<CommitOutcome, StoreError>] {
        let keys = auditKeys
        let operation =
            batch.count == 1 ? PendingCommit.operation(batch[0].work) : "commit a batch of \(batch.count) decisions"
        do {
            return try write(operation) { c in
                var outcomes: [Result<CommitOutcome, StoreError>] = []
                outcomes.reserveCapacity(batch.count)
                var audit: [AuditEntry] = []
                for pending in batch {
                    switch pending.work {
                    case .decision(let commit):
                        let outcome = try Self.apply(commit, createdAt: pending.createdAt, keys: keys, c)
                        if outcome == .committed { audit += commit.audit }
                        outcomes.append(.success(outcome))
                    case .audit(let entries):
                        audit += entries
                        outcomes.append(.success(.committed))
                    }
                }
                try Self.appendAudit(audit, keys: keys, c)
                return outcomes
            }
        } catch {
            return Array(repeating: .failure(error), count: batch.count)
        }
    }

    /// Checks (idempotency, conversation version, every counter read) and,
    /// when they hold, writes — under the write lock, so nothing comes between.
    private static func apply(
        _ commit: DecisionCommit, createdAt: Int64, keys: AuditKeyring?, _ c: Connection
    ) throws -> CommitOutcome {
        let conversation = commit.conversation
        let expected = commit.expectedUsage.sorted { $0.key < $1.key }
        var checkBinds = PostgresBindings(capacity: 4)
        checkBinds.append(commit.messageID)
        checkBinds.append(conversation.id)
        bindCounters(expected.map(\.key), &checkBinds)
        let check = try c.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT (SELECT decision FROM decisions WHERE message_id = $1),
                        (SELECT version FROM conversations WHERE id = $2), \(usedArray(3))
                    """, binds: checkBinds)
        ).rows.first
        guard let check else { throw StoreError("the check returned no row") }
        let (stored, version, used) = try check.decode((ByteBuffer?, Int?, [Int64]).self)
        if let stored { return .duplicate(Array(stored.readableBytesView)) }
        guard version == commit.expectedConversationVersion else { return .conflict }
        for ((key, amount), current) in zip(expected, used) {
            if let ceiling = commit.usageCeilings[key] {
                // Another instance may have consumed since the read: fine while the counter has room.
                if Int(current) + (commit.consumption[key] ?? 0) > ceiling { return .conflict }
            } else if Int(current) != amount {
                return .conflict
            }
        }

        let consumption = commit.consumption.filter { $0.value != 0 }.sorted { $0.key < $1.key }
        var decided: [(String, ByteBuffer)] = []
        if let decision = commit.decision { decided.append((commit.messageID, ByteBuffer(bytes: decision))) }
        var seen: Set<String> = [commit.messageID]
        for (messageID, decision) in commit.settled where seen.insert(messageID).inserted {
            decided.append((messageID, ByteBuffer(bytes: decision)))
        }
        let (pendingKeyID, pending) = try SQLiteStore.encodePending(conversation, keys: keys)
        var binds = PostgresBindings(capacity: 17)
        binds.append(conversation.id)
        binds.append(conversation.state)
        binds.append(conversation.optedOut)
        binds.append(conversation.inboundCount)
        binds.append(conversation.replyCount)
        binds.append(conversation.lastInboundAt?.milliseconds)
        binds.append(conversation.lastOutboundAt?.milliseconds)
        binds.append(SQLiteStore.encodeTimestamps(conversation.recentReplies))
        binds.append(SQLiteStore.encodeMemory(conversation.memory))
        binds.append(pendingKeyID)
        binds.append(pending.map { ByteBuffer(bytes: $0) })
        binds.append(conversation.version)
        binds.append(consumption.map(\.key.window))
        binds.append(consumption.map(\.key.counter.rawValue))
        binds.append(consumption.map { Int64($0.value) })
        binds.append(decided.map(\.0))
        binds.append(decided.map(\.1))
        binds.append(createdAt)
        try c.query(PostgresQuery(unsafeSQL: writeStatement, binds: binds))
        return .committed
    }

    /// Everything a committed decision writes, in one statement.
    private static let writeStatement = """
        WITH conversation AS (
            INSERT INTO conversations (id, state, opted_out, inbound_count, reply_count, last_inbound_at_ms,
                last_outbound_at_ms, recent_replies, memory, pending_key_id, pending, version)
            VALUES ($1, $2, $3, $4, $5, $6::bigint, $7::bigint, $8, $9, $10::text, $11::bytea, $12)
            ON CONFLICT (id) DO UPDATE SET
                state = excluded.state, opted_out = excluded.opted_out, inbound_count = excluded.inbound_count,
                reply_count = excluded.reply_count, last_inbound_at_ms = excluded.last_inbound_at_ms,
                last_outbound_at_ms = excluded.last_outbound_at_ms, recent_replies = excluded.recent_replies,
                memory = excluded.memory, pending_key_id = excluded.pending_key_id, pending = excluded.pending,
                version = excluded.version
        ), consumed AS (
            INSERT INTO quota_counters (quota_window, counter, used)
            SELECT * FROM unnest($13::text[], $14::text[], $15::bigint[])
            ON CONFLICT (quota_window, counter) DO UPDATE SET used = quota_counters.used + excluded.used
        ), decided AS (
            INSERT INTO decisions (message_id, conversation_id, decision, created_at_ms)
            SELECT d.m, $1, d.b, $18 FROM unnest($16::text[], $17::bytea[]) AS d (m, b)
            ON CONFLICT (message_id) DO NOTHING
        )
        SELECT 1
        """

    // MARK: - Audit

    private static let auditColumns =
        "seq, kind, at_ms, conversation_id, message_id, summary, rules_version, input_digest, key_id, sealed, prev_hash, hash"

    private static func auditRecord(_ row: PostgresRow) throws -> AuditRecord {
        let (seq, kind, at, conversation, message, summary, rules, digest, keyID, sealed, prev, hash) =
            try row.decode(
                (
                    Int64, String, Int64, String?, String?, String, String?, String?, String?, ByteBuffer?, String,
                    String
                ).self)
        return AuditRecord(
            sequence: seq,
            entry: AuditEntry(
                kind: kind, at: Timestamp(milliseconds: at), conversationID: conversation, messageID: message,
                summary: summary, rulesVersion: rules, inputDigest: digest),
            keyID: keyID, sealed: sealed.map { Array($0.readableBytesView) }, prevHash: prev, hash: hash)
    }

    /// Appends `entries` to the chain inside the caller's write transaction
    /// (which holds the write lock: the head cannot move meanwhile).
    private static func appendAudit(_ entries: [AuditEntry], keys: AuditKeyring?, _ c: Connection) throws {
        guard !entries.isEmpty else { return }
        guard let head = c.auditHead else { throw StoreError("internal error: audit records outside a write") }
        let records = try AuditChain.link(entries, after: head, keys: keys)
        // At most 500 records (6,000 parameters) per statement, each with the head's update.
        for chunk in stride(from: 0, to: records.count, by: 500) {
            let slice = records[chunk..<min(records.count, chunk + 500)]
            var binds = PostgresBindings(capacity: slice.count * 12 + 2)
            var values: [String] = []
            values.reserveCapacity(slice.count)
            for record in slice {
                let base = binds.count
                bindAudit(record, &binds)
                values.append("(" + (1...12).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
            }
            let last = slice.last!
            binds.append(last.sequence)
            binds.append(last.hash)
            let sql = """
                WITH appended AS (
                    INSERT INTO audit_log (\(auditColumns)) VALUES \(values.joined(separator: ", "))
                )
                UPDATE audit_head SET seq = $\(binds.count - 1), hash = $\(binds.count) WHERE id = 1
                """
            try c.query(PostgresQuery(unsafeSQL: sql, binds: binds))
            c.auditHead = (last.sequence, last.hash)
        }
    }

    /// The 12 `auditColumns` of `record`, in order.
    private static func bindAudit(_ record: AuditRecord, _ binds: inout PostgresBindings) {
        binds.append(record.sequence)
        binds.append(record.entry.kind)
        binds.append(record.entry.at.milliseconds)
        binds.append(record.entry.conversationID)
        binds.append(record.entry.messageID)
        binds.append(record.entry.summary)
        binds.append(record.entry.rulesVersion)
        binds.append(record.entry.inputDigest)
        binds.append(record.keyID)
        binds.append(record.sealed.map { ByteBuffer(bytes: $0) })
        binds.append(record.prevHash)
        binds.append(record.hash)
    }

    public func appendAudit(_ entries: [AuditEntry]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        // Through the group commit: shares the decisions' transaction.
        _ = try GroupCommitTicket(.audit(entries), createdAt: 0, on: committer, lead: lead).outcome()
    }

    public func recentAudit(limit: Int) throws(StoreError) -> [AuditEntry] {
        guard limit > 0 else { return [] }
        return try pool.withConnection("read the audit log") { c in
            try c.query(
                """
                SELECT \(unescaped: Self.auditColumns) FROM audit_log ORDER BY seq DESC LIMIT \(limit)
                """
            ).rows.map { try Self.auditRecord($0).entry }.reversed()
        }
    }

    public func auditRecords(_ query: AuditQuery) throws(StoreError) -> [AuditRecord] {
        guard query.limit > 0 else { return [] }
        var conditions: [String] = []
        var binds = PostgresBindings()
        func bind(_ condition: String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            conditions.append(condition.replacingOccurrences(of: "?", with: "$\(binds.count)"))
        }
        if let since = query.since { bind("at_ms >= ?", since.milliseconds) }
        if let until = query.until { bind("at_ms < ?", until.milliseconds) }
        if let conversation = query.conversationID { bind("conversation_id = ?", conversation) }
        if let kind = query.kind { bind("kind = ?", kind) }
        if let after = query.after { bind("seq > ?", after) }
        binds.append(query.limit)
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(Self.auditColumns) FROM audit_log \(filter) ORDER BY seq LIMIT $\(binds.count)"
        return try pool.withConnection("query the audit log") { c in
            try c.query(PostgresQuery(unsafeSQL: sql, binds: binds)).rows.map(Self.auditRecord)
        }
    }

    public func verifyAudit(batchSize: Int = 10_000) throws(StoreError) -> AuditVerification {
        let keys = auditKeys
        return try snapshot("verify the audit log") { c in
            let anchor = try c.query("SELECT first_seq, prev_hash FROM audit_anchor WHERE id = 1").rows.first?
                .decode((Int64, String).self)
            return try AuditChain.verify(
                anchor: anchor, batchSize: batchSize, keys: keys,
                page: { after, limit in
                    try c.query(
                        """
                        SELECT \(unescaped: Self.auditColumns) FROM audit_log WHERE seq > \(after) ORDER BY seq
                        LIMIT \(limit)
                        """
                    ).rows.map(Self.auditRecord)
                },
                highest: {
                    // The head keeps the last sequence appended: deleted newest records show.
                    try c.query("SELECT seq FROM audit_head WHERE id = 1").rows.first?.decode(Int64.self) ?? 0
                })
        }
    }

    public func purgeAudit(
        before cutoff: Timestamp, record: (_ purged: Int, _ throughSequence: Int64, _ throughHash: String) -> AuditEntry
    ) throws(StoreError) -> Int {
        let keys = auditKeys
        return try write("purge the audit log") { c in
            // Only a prefix of the chain is purged: stop at the first record at or after the cutoff.
            let boundaryRow = try c.query(
                """
                SELECT COALESCE((SELECT MIN(seq) FROM audit_log WHERE at_ms >= \(cutoff.milliseconds)),
                    (SELECT MAX(seq) + 1 FROM audit_log))
                """
            ).rows.first
            guard let boundary = try boundaryRow?.decode(Int64?.self) else { return 0 }
            guard
                let lastRow = try c.query(
                    "SELECT seq, hash FROM audit_log WHERE seq < \(boundary) ORDER BY seq DESC LIMIT 1"
                ).rows.first
            else { return 0 }
            let last = try lastRow.decode((Int64, String).self)
            let purged = try c.query("DELETE FROM audit_log WHERE seq < \(boundary)").metadata.rows ?? 0
            try c.query("UPDATE audit_anchor SET first_seq = \(last.0 + 1), prev_hash = \(last.1) WHERE id = 1")
            try Self.appendAudit([record(purged, last.0, last.1)], keys: keys, c)
            return purged
        }
    }

    // MARK: - Import (sellify store copy)

    /// Rows already in the database (a copy goes into an empty store only).
    package func rowCounts() throws(StoreError) -> [String: Int] {
        try pool.withConnection("count the rows of the PostgreSQL store") { c in
            var counts: [String: Int] = [:]
            for table in ["conversations", "quota_counters", "decisions", "audit_log"] {
                counts[table] =
                    try c.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)")).rows.first?
                    .decode(Int.self) ?? 0
            }
            return counts
        }
    }

    /// Writes rows exported from another store, as they are (sealed parts,
    /// sequence numbers and hashes unchanged), in one transaction.
    package func importRows(_ rows: StoreRows) throws(StoreError) {
        try write("import \(rows.count) rows") { c in
            try Self.insert(
                c, "conversations",
                "id, state, opted_out, inbound_count, reply_count, last_inbound_at_ms, last_outbound_at_ms, "
                    + "recent_replies, memory, pending_key_id, pending, version", rows.conversations
            ) { row, binds in
                binds.append(row.id)
                binds.append(row.state)
                binds.append(row.optedOut)
                binds.append(row.inboundCount)
                binds.append(row.replyCount)
                binds.append(row.lastInboundAt)
                binds.append(row.lastOutboundAt)
                binds.append(row.recentReplies)
                binds.append(row.memory)
                binds.append(row.pendingKeyID)
                binds.append(row.pending.map { ByteBuffer(bytes: $0) })
                binds.append(row.version)
            }
            try Self.insert(c, "quota_counters", "quota_window, counter, used", rows.counters) { row, binds in
                binds.append(row.window)
                binds.append(row.counter)
                binds.append(row.used)
            }
            try Self.insert(
                c, "decisions", "message_id, conversation_id, decision, created_at_ms", rows.decisions
            ) { row, binds in
                binds.append(row.messageID)
                binds.append(row.conversationID)
                binds.append(ByteBuffer(bytes: row.decision))
                binds.append(row.createdAt)
            }
            try Self.insert(c, "audit_log", Self.auditColumns, rows.audit, Self.bindAudit)
        }
    }

    /// After the rows: the chain's anchor and head, and the scheduler's windows.
    package func finishImport(_ tail: StoreTail) throws(StoreError) {
        try write("finish the import") { c in
            try c.query(
                "UPDATE audit_anchor SET first_seq = \(tail.anchorSequence), prev_hash = \(tail.anchorHash) WHERE id = 1"
            )
            try c.query("UPDATE audit_head SET seq = \(tail.headSequence), hash = \(tail.headHash) WHERE id = 1")
            if let windows = tail.scheduler {
                try c.query(
                    """
                    INSERT INTO scheduler_state (id, day_window, week_window) VALUES (1, \(windows.day), \(windows.week))
                    ON CONFLICT (id) DO UPDATE SET day_window = excluded.day_window, week_window = excluded.week_window
                    """)
            }
        }
    }

    /// `INSERT INTO table (columns) VALUES (…), (…)` in statements of at most 20,000 parameters.
    private static func insert<Row>(
        _ c: Connection, _ table: String, _ columns: String, _ rows: [Row],
        _ bind: (Row, inout PostgresBindings) -> Void
    ) throws {
        guard !rows.isEmpty else { return }
        let width = columns.split(separator: ",").count
        let perStatement = max(1, 20_000 / width)
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            var binds = PostgresBindings()
            var values: [String] = []
            for row in rows[start..<min(rows.count, start + perStatement)] {
                let base = binds.count
                bind(row, &binds)
                values.append("(" + (1...width).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
            }
            try c.query(
                PostgresQuery(
                    unsafeSQL: "INSERT INTO \(table) (\(columns)) VALUES \(values.joined(separator: ", "))",
                    binds: binds))
        }
    }

    // MARK: - Quotas, conversations, scheduler

    public func usage(of counters: [QuotaCounterKey]) throws(StoreError) -> [QuotaCounterKey: Int] {
        try pool.withConnection("read quota usage") { c in
            try Self.usage(of: counters, c)
        }
    }

    private static func usage(of counters: [QuotaCounterKey], _ c: Connection) throws -> [QuotaCounterKey: Int] {
        var binds = PostgresBindings(capacity: 2)
        bindCounters(counters, &binds)
        let row = try c.query(PostgresQuery(unsafeSQL: "SELECT \(usedArray(1))", binds: binds)).rows.first
        let used = try row?.decode([Int64].self) ?? []
        var usage: [QuotaCounterKey: Int] = [:]
        for (key, amount) in zip(counters, used) { usage[key] = Int(amount) }
        return usage
    }

    public func conversation(id: String) throws(StoreError) -> ConversationRecord? {
        try state(conversationID: id, counters: []).conversation
    }

    public func conversationCountsByState() throws(StoreError) -> [String: Int] {
        try pool.withConnection("count conversations by state") { c in
            var counts: [String: Int] = [:]
            for row in try c.query("SELECT state, COUNT(*) FROM conversations GROUP BY state").rows {
                let (state, count) = try row.decode((String, Int).self)
                counts[state] = count
            }
            return counts
        }
    }

    public func resetUsage(
        of counters: [QuotaCounterKey], audit: AuditEntry
    ) throws(StoreError) -> [QuotaCounterKey: Int] {
        let keys = auditKeys
        return try write("reset quota counters") { c in
            let previous = try Self.usage(of: counters, c)
            var binds = PostgresBindings(capacity: 2)
            Self.bindCounters(counters, &binds)
            try c.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE quota_counters q SET used = 0 FROM unnest($1::text[], $2::text[]) AS k (w, c)
                        WHERE q.quota_window = k.w AND q.counter = k.c
                        """, binds: binds))
            try Self.appendAudit([audit], keys: keys, c)
            return previous
        }
    }

    public func schedulerWindows() throws(StoreError) -> QuotaCalendar.Windows? {
        try pool.withConnection("read the scheduler state") { c in
            try c.query("SELECT day_window, week_window FROM scheduler_state WHERE id = 1").rows.first.map {
                let (day, week) = try $0.decode((String, String).self)
                return QuotaCalendar.Windows(day: day, week: week)
            }
        }
    }

    public func saveSchedulerWindows(_ windows: QuotaCalendar.Windows, audit: [AuditEntry]) throws(StoreError) {
        let keys = auditKeys
        try write("save the scheduler state") { c in
            try c.query(
                """
                INSERT INTO scheduler_state (id, day_window, week_window) VALUES (1, \(windows.day), \(windows.week))
                ON CONFLICT (id) DO UPDATE SET day_window = excluded.day_window, week_window = excluded.week_window
                """)
            try Self.appendAudit(audit, keys: keys, c)
        }
    }

    public func heartbeat(
        _ report: InstanceReport, othersSince since: Timestamp
    ) throws(StoreError) -> [InstanceReport] {
        try pool.withConnection("report this instance to the PostgreSQL store") { c in
            try c.query(
                """
                INSERT INTO sellify_instances (name, rules_version, catalog_digest, seen_at_ms)
                VALUES (\(report.name), \(report.rulesVersion), \(report.catalogDigest), \(report.seenAt.milliseconds))
                ON CONFLICT (name) DO UPDATE SET rules_version = excluded.rules_version,
                    catalog_digest = excluded.catalog_digest, seen_at_ms = excluded.seen_at_ms
                """)
            // Instances gone for a day are forgotten.
            try c.query("DELETE FROM sellify_instances WHERE seen_at_ms < \(since.milliseconds - 86_400_000)")
            return try c.query(
                """
                SELECT name, rules_version, catalog_digest, seen_at_ms FROM sellify_instances
                WHERE name <> \(report.name) AND seen_at_ms >= \(since.milliseconds) ORDER BY name
                """
            ).rows.map { row in
                let (name, rules, catalog, seen) = try row.decode((String, String, String, Int64).self)
                return InstanceReport(
                    name: name, rulesVersion: rules, catalogDigest: catalog, seenAt: Timestamp(milliseconds: seen))
            }
        }
    }

    /// The server answers; after a failed commit, a write transaction must
    /// succeed too before the store counts as ready again.
    public func ping() throws(StoreError) {
        try pool.withConnection("ping the PostgreSQL store at \(endpoint)") { c in
            _ = try c.query("SELECT 1")
        }
        guard let failure = writeFailure.withLock({ $0 }) else { return }
        do {
            try write("probe a write") { _ in }
            writeFailure.withLock { $0 = nil }
        } catch {
            throw StoreError(
                "the store cannot be written: the last commit failed (\(failure)); a probe write failed too: \(error)")
        }
    }
}
