/// The counters quotas keep per window.
public enum QuotaCounter: String, Sendable, Codable, CaseIterable {
    case messages, images, videos
}

/// One quota counter in one window, e.g. (`day:2026-11-29`, messages).
public struct QuotaCounterKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var window: String
    public var counter: QuotaCounter
    public init(window: String, counter: QuotaCounter) {
        self.window = window
        self.counter = counter
    }
    public var description: String { "\(window)/\(counter.rawValue)" }
    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}

/// What the store keeps per conversation.
public struct ConversationRecord: Sendable, Equatable, Codable {
    public var id: String
    public var state: String
    public var optedOut: Bool
    public var inboundCount: Int
    public var replyCount: Int
    public var lastInboundAt: Timestamp?
    public var lastOutboundAt: Timestamp?
    /// Reply times within the last hour before `lastOutboundAt`, oldest first
    /// (for the per-hour reply limit).
    public var recentReplies: [Timestamp]
    /// What follow-ups resolve against: products in focus, language, handoff.
    public var memory: ConversationMemory
    /// Messages deferred by the cooldown, oldest first, waiting for one merged
    /// answer (the store seals their text at rest).
    public var pending: [PendingMessage]
    /// Incremented by every commit; a commit names the version it read.
    public var version: Int

    public init(
        id: String, state: String, optedOut: Bool = false, inboundCount: Int = 0, replyCount: Int = 0,
        lastInboundAt: Timestamp? = nil, lastOutboundAt: Timestamp? = nil, recentReplies: [Timestamp] = [],
        memory: ConversationMemory = ConversationMemory(), pending: [PendingMessage] = [], version: Int = 0
    ) {
        self.id = id
        self.state = state
        self.optedOut = optedOut
        self.inboundCount = inboundCount
        self.replyCount = replyCount
        self.lastInboundAt = lastInboundAt
        self.lastOutboundAt = lastOutboundAt
        self.recentReplies = recentReplies
        self.memory = memory
        self.pending = pending
        self.version = version
    }
}

/// The state a decision reads.
public struct StoredState: Sendable, Equatable {
    /// nil for a conversation never seen.
    public var conversation: ConversationRecord?
    /// Used amount of each requested counter (0 when absent).
    public var usage: [QuotaCounterKey: Int]
    /// Messages this process sent on the conversation's channel in the
    /// decision's second (WhatsApp's messages per second per number), set by
    /// the sequencer: not stored (a restart takes longer than a second).
    public var sentThisSecond = 0
    public init(conversation: ConversationRecord?, usage: [QuotaCounterKey: Int], sentThisSecond: Int = 0) {
        self.conversation = conversation
        self.usage = usage
        self.sentThisSecond = sentThisSecond
    }
}

/// One record of the audit log, as the pipeline and the server write it.
/// The store adds the sequence number and the hash chain, and seals
/// `sensitive` (customer text) with the current audit key.
public struct AuditEntry: Sendable, Equatable, Codable {
    public var kind: String
    public var at: Timestamp
    public var conversationID: String?
    public var messageID: String?
    /// A short JSON summary (action, rule, rules version…); no customer text.
    public var summary: String
    /// The rules version that made this decision (decisions, reloads).
    public var rulesVersion: String?
    /// SHA-256 (hex) of the canonical input event, so a replay can prove it saw the same input.
    public var inputDigest: String?
    /// What must never be stored in the clear (customer text, phone numbers),
    /// as a JSON object; sealed with AES-256-GCM by the store.
    public var sensitive: String?

    public init(
        kind: String, at: Timestamp, conversationID: String?, messageID: String?, summary: String,
        rulesVersion: String? = nil, inputDigest: String? = nil, sensitive: String? = nil
    ) {
        self.kind = kind
        self.at = at
        self.conversationID = conversationID
        self.messageID = messageID
        self.summary = summary
        self.rulesVersion = rulesVersion
        self.inputDigest = inputDigest
        self.sensitive = sensitive
    }
}

/// Everything one decision writes, committed in one transaction.
public struct DecisionCommit: Sendable {
    public var messageID: String
    /// The server's time of the decision, kept with the idempotency record.
    public var decidedAt: Timestamp
    /// The conversation after the decision; its `version` is the read version + 1.
    public var conversation: ConversationRecord
    /// The version read (nil: the conversation did not exist). A different
    /// stored version means another decision got there first: `.conflict`.
    public var expectedConversationVersion: Int?
    /// Usage read for every counter the decision looked at; any change is a `.conflict`.
    public var expectedUsage: [QuotaCounterKey: Int]
    /// Amounts to add (Respond* decisions only).
    public var consumption: [QuotaCounterKey: Int]
    /// The most `used` each counter may hold after this commit (the quota
    /// limits the decision was checked against). A store written by several
    /// processes at once (PostgreSQL) checks these instead of `expectedUsage`
    /// for the counters they name, so instances consuming one shared counter
    /// do not refuse each other's commits while it has room; a store with one
    /// writer (SQLite) keeps the exact check, so its commits stay those of a
    /// serial run.
    public var usageCeilings: [QuotaCounterKey: Int] = [:]
    /// The decision as returned (sorted-key JSON), kept for idempotent replays;
    /// nil for a deferral, which is not final (the message is posted again).
    public var decision: [UInt8]?
    /// Final answers of other message ids this commit settles (the earlier
    /// messages of a burst answered together), kept like `decision`; an id
    /// already decided keeps its first answer.
    public var settled: [(messageID: String, decision: [UInt8])] = []
    public var audit: [AuditEntry]
    /// The second (since 1970) in which the commit sends a message on a
    /// channel with a per-second limit, for the sequencer to count; the store
    /// ignores it.
    public var sendsInSecond: Int64?

    public init(
        messageID: String, decidedAt: Timestamp, conversation: ConversationRecord, expectedConversationVersion: Int?,
        expectedUsage: [QuotaCounterKey: Int], consumption: [QuotaCounterKey: Int], decision: [UInt8]?,
        settled: [(messageID: String, decision: [UInt8])] = [], audit: [AuditEntry]
    ) {
        self.messageID = messageID
        self.decidedAt = decidedAt
        self.conversation = conversation
        self.expectedConversationVersion = expectedConversationVersion
        self.expectedUsage = expectedUsage
        self.consumption = consumption
        self.decision = decision
        self.settled = settled
        self.audit = audit
    }
}

public enum CommitOutcome: Sendable, Equatable {
    /// Durable: the caller may return the decision.
    case committed
    /// The message id was already decided: these are the stored bytes.
    case duplicate([UInt8])
    /// The state changed since it was read: read again and re-decide.
    case conflict
}

/// A store failure; the pipeline answers with the fallback decision.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The store plugin boundary: quotas, conversations, idempotency records,
/// audit. Implementations: SQLite (embedded default), PostgreSQL.
///
/// Every method is synchronous and may block on I/O; the pipeline calls it
/// off the event loop.
/// What a store's group commit did since it was opened.
public struct CommitStatistics: Sendable, Equatable {
    /// Write transactions run.
    public var transactions: Int
    /// Commits they carried (commits / transactions = the mean batch).
    public var commits: Int
    public init(transactions: Int, commits: Int) {
        self.transactions = transactions
        self.commits = commits
    }
}

public protocol DecisionStore: Sendable {
    /// What the store's group commit did since it was opened (nil: not counted).
    var commitStatistics: CommitStatistics? { get }
    /// The stored decision bytes for a message id, if it was decided before.
    func storedDecision(messageID: String) throws(StoreError) -> [UInt8]?
    /// The conversation and the usage of `counters`, read consistently.
    func state(conversationID: String, counters: [QuotaCounterKey]) throws(StoreError) -> StoredState
    /// Atomically: if `messageID` is already decided → `.duplicate`; if the
    /// conversation version or any expected usage changed → `.conflict`;
    /// else apply consumption, write the conversation, the idempotency record
    /// and the audit entries, durably, → `.committed`.
    func commit(_ commit: DecisionCommit) throws(StoreError) -> CommitOutcome
    /// `commit` in two halves: queue it now (cheap; commits are applied in
    /// queue order), learn the outcome later (may block on I/O). Lets the
    /// pipeline queue under its sequencing lock and wait outside it.
    func submit(_ commit: DecisionCommit) throws(StoreError) -> any CommitTicket
    /// Current usage of counters (for the quota endpoint and gauges).
    func usage(of counters: [QuotaCounterKey]) throws(StoreError) -> [QuotaCounterKey: Int]
    func conversation(id: String) throws(StoreError) -> ConversationRecord?
    /// Number of conversations per state (for the state gauge).
    func conversationCountsByState() throws(StoreError) -> [String: Int]
    /// The newest audit entries, newest last.
    func recentAudit(limit: Int) throws(StoreError) -> [AuditEntry]
    /// Audit records matching `query`, oldest first, at most `query.limit`.
    func auditRecords(_ query: AuditQuery) throws(StoreError) -> [AuditRecord]
    /// Atomically sets `counters` to zero and appends `audit`; returns the
    /// usage each counter had before (a manual quota reset).
    func resetUsage(of counters: [QuotaCounterKey], audit: AuditEntry) throws(StoreError) -> [QuotaCounterKey: Int]
    /// Appends records outside a decision (reloads, admin calls) to the chain.
    func appendAudit(_ entries: [AuditEntry]) throws(StoreError)
    /// Walks the whole chain from its anchor; reports the first broken link.
    func verifyAudit(batchSize: Int) throws(StoreError) -> AuditVerification
    /// Deletes the records older than `cutoff` (a prefix of the chain), moves
    /// the anchor, and appends the record `record(count, last seq, last hash)`
    /// builds — all in one transaction. Returns how many were deleted.
    func purgeAudit(
        before cutoff: Timestamp, record: (_ purged: Int, _ throughSequence: Int64, _ throughHash: String) -> AuditEntry
    )
        throws(StoreError) -> Int
    /// The quota windows the scheduler saw last (survives restarts).
    func schedulerWindows() throws(StoreError) -> QuotaCalendar.Windows?
    /// Saves the windows the scheduler saw last, with audit records of the
    /// roll-overs that moved them, in one transaction.
    func saveSchedulerWindows(_ windows: QuotaCalendar.Windows, audit: [AuditEntry]) throws(StoreError)
    /// Fails when the store cannot answer a trivial query (readiness).
    func ping() throws(StoreError)
}

/// The result of walking the audit chain.
public struct AuditVerification: Sendable, Equatable {
    /// Records checked before the first break (all of them when intact).
    public var records: Int
    public var firstBreak: AuditChain.Break?
    /// The last good record: an operator can note its hash to anchor the chain externally.
    public var headSequence: Int64
    public var headHash: String
    /// Sealed customer texts tried with the configured keys, and those that
    /// did not open (a wrong or lost key: the chain can be whole and the text
    /// still unreadable).
    public var sealedChecked = 0
    public var sealedUnreadable = 0
    public var firstUnreadable: (sequence: Int64, reason: String)?
    public init(records: Int, firstBreak: AuditChain.Break?, headSequence: Int64, headHash: String) {
        self.records = records
        self.firstBreak = firstBreak
        self.headSequence = headSequence
        self.headHash = headHash
    }
    public var isIntact: Bool { firstBreak == nil && sealedUnreadable == 0 }
    public static func == (a: Self, b: Self) -> Bool {
        a.records == b.records && a.firstBreak == b.firstBreak && a.headSequence == b.headSequence
            && a.headHash == b.headHash
            && a.sealedChecked == b.sealedChecked && a.sealedUnreadable == b.sealedUnreadable
            && a.firstUnreadable?.sequence == b.firstUnreadable?.sequence
    }
}

/// A stored audit record: the entry, its place in the chain, and its sealed part.
public struct AuditRecord: Sendable, Equatable {
    public var sequence: Int64
    /// The entry; `sensitive` is filled only when the record was opened with a key.
    public var entry: AuditEntry
    public var keyID: String?
    /// nonce ‖ ciphertext ‖ tag (AES-256-GCM), when the entry had sensitive data.
    public var sealed: [UInt8]?
    public var prevHash: String
    public var hash: String
    public init(
        sequence: Int64, entry: AuditEntry, keyID: String? = nil, sealed: [UInt8]? = nil, prevHash: String = "",
        hash: String = ""
    ) {
        self.sequence = sequence
        self.entry = entry
        self.keyID = keyID
        self.sealed = sealed
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// Filters of `GET /api/v1/audit` and `sellify audit show`; every one is optional.
public struct AuditQuery: Sendable, Equatable {
    /// Records with `at >= since`.
    public var since: Timestamp?
    /// Records with `at < until`.
    public var until: Timestamp?
    public var conversationID: String?
    public var kind: String?
    /// Records with a sequence number greater than this (the next page).
    public var after: Int64?
    public var limit: Int
    public init(
        since: Timestamp? = nil, until: Timestamp? = nil, conversationID: String? = nil, kind: String? = nil,
        after: Int64? = nil, limit: Int = 100
    ) {
        self.since = since
        self.until = until
        self.conversationID = conversationID
        self.kind = kind
        self.after = after
        self.limit = limit
    }
}

/// What one instance decides with, as it tells a store shared by several.
public struct InstanceReport: Sendable, Equatable {
    /// The instance: `hostname:pid`.
    public var name: String
    /// The rules version it runs (`sha256:…`, as decisions' audit records carry).
    public var rulesVersion: String
    /// SHA-256 of its catalog file.
    public var catalogDigest: String
    /// When it said so last (the instance's clock).
    public var seenAt: Timestamp
    public init(name: String, rulesVersion: String, catalogDigest: String, seenAt: Timestamp) {
        self.name = name
        self.rulesVersion = rulesVersion
        self.catalogDigest = catalogDigest
        self.seenAt = seenAt
    }
}

/// A store several instances write at once (PostgreSQL). Each instance
/// reports what it decides with and learns what the others do, so an
/// instance with other rules or another catalog shows up.
public protocol SharedStore: Sendable {
    /// Records `report`; returns the other instances that reported since `since`.
    func heartbeat(_ report: InstanceReport, othersSince since: Timestamp) throws(StoreError) -> [InstanceReport]
}

/// A store that holds connections to close at shutdown.
public protocol ClosableStore: Sendable {
    func close() throws(StoreError)
}

/// A queued commit; `outcome()` blocks until it is durable (or refused).
public protocol CommitTicket: Sendable {
    func outcome() throws(StoreError) -> CommitOutcome
}

extension DecisionStore {
    /// nil for a store that does not count its transactions.
    public var commitStatistics: CommitStatistics? { nil }
}
