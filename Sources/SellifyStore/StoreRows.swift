package import SellifyCore

/// A store's rows as they are at rest (sealed parts stay sealed), for
/// `sellify store copy`: the embedded store exports them in batches, a
/// server store imports them, and the audit chain keeps its sequence
/// numbers and hashes — so it verifies the same afterwards.
package struct StoreRows: Sendable {
    package struct Conversation: Sendable {
        package var id: String
        package var state: String
        package var optedOut: Bool
        package var inboundCount: Int
        package var replyCount: Int
        package var lastInboundAt: Int64?
        package var lastOutboundAt: Int64?
        package var recentReplies: String
        package var memory: String
        package var pendingKeyID: String?
        package var pending: [UInt8]?
        package var version: Int
    }
    package struct Counter: Sendable {
        package var window: String
        package var counter: String
        package var used: Int
    }
    package struct Decision: Sendable {
        package var messageID: String
        package var conversationID: String
        package var decision: [UInt8]
        package var createdAt: Int64
    }
    package var conversations: [Conversation] = []
    package var counters: [Counter] = []
    package var decisions: [Decision] = []
    package var audit: [AuditRecord] = []
    package init() {}
    package var count: Int { conversations.count + counters.count + decisions.count + audit.count }
}

/// What a copy carries besides the rows: where the chain starts and ends,
/// and the scheduler's windows.
package struct StoreTail: Sendable {
    package var anchorSequence: Int64
    package var anchorHash: String
    package var headSequence: Int64
    package var headHash: String
    package var scheduler: QuotaCalendar.Windows?
}
