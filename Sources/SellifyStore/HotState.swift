import SellifyCore
import Synchronization

/// The decision state a store owned by one process keeps in memory: the
/// conversations read or written lately (at most `capacity`, the oldest
/// dropped first) and the quota counters, so that a decision's read of its
/// state is a dictionary lookup instead of a read transaction.
///
/// SQLite stays the truth: the cache is filled from what a read returned and
/// from what a transaction *committed*, never from what is only queued. A
/// read that raced with a commit is not cached (`epoch`), a commit that found
/// the state moved (a conflict) or a transaction that failed drops what it
/// touched, and the commit's own optimistic checks run as before — a wrong
/// entry can cost a re-decision, never a wrong answer. Only a store that no
/// other process writes may use it (the server's, which holds the writer lock).
final class HotState: Sendable {
    let capacity: Int
    private let entries: Mutex<Entries>

    private struct Entries: ~Copyable {
        /// nil values: conversations known not to exist.
        var conversations: [String: ConversationRecord?] = [:]
        /// Conversation ids in the order they were cached (oldest at `head`).
        var order: [String] = []
        var head = 0
        var counters: [QuotaCounterKey: Int] = [:]
        /// Bumped by every change of the stored state, so a read that started
        /// before it does not cache what it found.
        var epoch: UInt64 = 0
    }

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        entries = Mutex(Entries())
    }

    /// The cached state, when the conversation and every counter are cached;
    /// otherwise nil and the epoch to hand to `fill` after reading the store.
    func state(conversationID: String, counters: [QuotaCounterKey]) -> (StoredState?, epoch: UInt64) {
        entries.withLock { entries in
            guard let conversation = entries.conversations[conversationID] else { return (nil, entries.epoch) }
            var usage: [QuotaCounterKey: Int] = [:]
            usage.reserveCapacity(counters.count)
            for key in counters {
                guard let used = entries.counters[key] else { return (nil, entries.epoch) }
                usage[key] = used
            }
            return (StoredState(conversation: conversation, usage: usage), entries.epoch)
        }
    }

    /// Caches what a read found, unless the stored state changed since `epoch`.
    func fill(_ state: StoredState, conversationID: String, readAt epoch: UInt64) {
        entries.withLock { entries in
            guard entries.epoch == epoch else { return }
            if entries.conversations[conversationID] == nil {
                Self.insert(state.conversation, id: conversationID, into: &entries, capacity: capacity)
            }
            for (key, used) in state.usage where entries.counters[key] == nil { entries.counters[key] = used }
        }
    }

    /// After a transaction committed these decisions' writes.
    func committed(_ commits: some Sequence<DecisionCommit>) {
        entries.withLock { entries in
            entries.epoch &+= 1
            if entries.counters.count > 512 { entries.counters.removeAll() }  // windows long past
            for commit in commits {
                Self.insert(commit.conversation, id: commit.conversation.id, into: &entries, capacity: capacity)
                // The commit checked `expectedUsage` against the store: after it,
                // each counter is what it read plus what it consumed.
                for (key, expected) in commit.expectedUsage {
                    entries.counters[key] = expected + (commit.consumption[key] ?? 0)
                }
                for (key, amount) in commit.consumption where commit.expectedUsage[key] == nil {
                    if let used = entries.counters[key] { entries.counters[key] = used + amount }
                }
            }
        }
    }

    /// Counters set to zero by a committed reset.
    func reset(_ counters: [QuotaCounterKey]) {
        entries.withLock { entries in
            entries.epoch &+= 1
            for key in counters { entries.counters[key] = 0 }
        }
    }

    /// A commit found the state moved: what it read is not trusted any more.
    func invalidate(conversationID: String, counters: some Sequence<QuotaCounterKey>) {
        entries.withLock { entries in
            entries.epoch &+= 1
            entries.conversations.removeValue(forKey: conversationID)
            for key in counters { entries.counters.removeValue(forKey: key) }
        }
    }

    /// A transaction failed: nothing cached is trusted.
    func clear() {
        entries.withLock { entries in
            entries.epoch &+= 1
            entries.conversations.removeAll()
            entries.order.removeAll()
            entries.head = 0
            entries.counters.removeAll()
        }
    }

    var count: Int { entries.withLock { $0.conversations.count } }

    private static func insert(
        _ record: ConversationRecord?, id: String, into entries: inout Entries, capacity: Int
    ) {
        if entries.conversations.updateValue(record, forKey: id) != nil { return }
        entries.order.append(id)
        // Drop the oldest (ids invalidated since are skipped: already gone).
        while entries.conversations.count > capacity, entries.head < entries.order.count {
            let oldest = entries.order[entries.head]
            entries.head += 1
            if oldest != id { entries.conversations.removeValue(forKey: oldest) }
        }
        if entries.head > 1024, entries.head * 2 > entries.order.count {
            entries.order.removeFirst(entries.head)
            entries.head = 0
        }
        if entries.order.count - entries.head > capacity * 2 {
            // Many invalidated ids still queued: start again from what is cached.
            entries.order = Array(entries.conversations.keys)
            entries.head = 0
        }
    }
}
