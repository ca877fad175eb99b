import Synchronization

/// Puts the decisions of one store in a single order without holding anyone
/// across an fsync.
///
/// A decision reads its state, evaluates and queues its commit inside
/// `sequence`; it waits for durability outside. The state it reads is the
/// store's plus the *pending* commits queued before it (the overlay), so the
/// next decision already sees the quota the previous one consumed: decisions
/// no longer conflict with each other, and many share one group commit. The
/// store's optimistic checks stay as the safety net — a commit that fails
/// turns the ones evaluated on top of it into conflicts, which re-decide.
public final class DecisionSequencer: Sendable {
    /// Identifies one pending commit.
    public struct Token: Sendable, Hashable {
        let id: UInt64
    }

    struct Pending {
        var conversations: [String: (record: ConversationRecord, owner: UInt64)] = [:]
        var usage: [QuotaCounterKey: (used: Int, owner: UInt64)] = [:]
        var next: UInt64 = 1
    }

    private let order = Mutex(())
    private let pending = Mutex(Pending())

    public init() {}

    /// Runs `body` alone: reads, evaluation and queueing are serial.
    public func sequence<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try order.withLock { _ throws(StoreError) -> T in try body() }
    }

    /// Lays the pending commits' effects over a state read from the store.
    public func overlay(_ state: inout StoredState, conversationID: String) {
        pending.withLock { pending in
            if let conversation = pending.conversations[conversationID] {
                state.conversation = conversation.record
            }
            for key in Array(state.usage.keys) {
                if let value = pending.usage[key] { state.usage[key] = value.used }
            }
        }
    }

    /// Records a queued commit's effects; call inside `sequence`.
    public func pend(_ commit: DecisionCommit) -> Token {
        pending.withLock { pending in
            let id = pending.next
            pending.next += 1
            pending.conversations[commit.conversation.id] = (commit.conversation, id)
            for (key, amount) in commit.consumption where amount != 0 {
                pending.usage[key] = ((commit.expectedUsage[key] ?? 0) + amount, id)
            }
            return Token(id: id)
        }
    }

    /// The commit is durable, refused or failed: the store is the truth again
    /// for what it was the last to write.
    public func settle(_ token: Token) {
        pending.withLock { pending in
            pending.conversations = pending.conversations.filter { $0.value.owner != token.id }
            pending.usage = pending.usage.filter { $0.value.owner != token.id }
        }
    }
}
