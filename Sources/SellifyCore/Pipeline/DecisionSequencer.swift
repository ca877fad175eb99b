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
    /// Messages sent per second (since 1970), for the last few seconds
    /// commits sent in (WhatsApp limits messages per second per number), and
    /// the second of each pending commit that sends.
    private let sent = Mutex((perSecond: [Int64: Int](), pending: [UInt64: Int64]()))

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

    /// Messages queued to be sent in `second` (since 1970); call inside `sequence`.
    public func sent(inSecond second: Int64) -> Int {
        sent.withLock { $0.perSecond[second] ?? 0 }
    }

    /// Records a queued commit's effects; call inside `sequence`. A message it
    /// sends counts in its second from now on (until `settle` says the commit
    /// was not made).
    public func pend(_ commit: DecisionCommit) -> Token {
        let token = pending.withLock { pending in
            let id = pending.next
            pending.next += 1
            pending.conversations[commit.conversation.id] = (commit.conversation, id)
            for (key, amount) in commit.consumption where amount != 0 {
                pending.usage[key] = ((commit.expectedUsage[key] ?? 0) + amount, id)
            }
            return Token(id: id)
        }
        if let second = commit.sendsInSecond {
            sent.withLock { sent in
                sent.perSecond[second, default: 0] += 1
                sent.pending[token.id] = second
                // Decisions are timed before they are sequenced: keep a few seconds.
                if sent.perSecond.count > 4, let newest = sent.perSecond.keys.max() {
                    sent.perSecond = sent.perSecond.filter { $0.key > newest - 4 }
                }
            }
        }
        return token
    }

    /// The commit is durable (`made`), or refused or failed: the store is the
    /// truth again for what it was the last to write; a send not made stops counting.
    public func settle(_ token: Token, made: Bool) {
        sent.withLock { sent in
            guard let second = sent.pending.removeValue(forKey: token.id), !made else { return }
            if let count = sent.perSecond[second] { sent.perSecond[second] = max(0, count - 1) }
        }
        pending.withLock { pending in
            pending.conversations = pending.conversations.filter { $0.value.owner != token.id }
            pending.usage = pending.usage.filter { $0.value.owner != token.id }
        }
    }
}

extension DecisionSequencer {
    /// What a plan wants written, with what the caller keeps of it.
    public enum Plan<Value: Sendable>: Sendable {
        case commit(DecisionCommit, Value)
        /// Nothing to write (e.g. a refusal): the value is returned as is.
        case decline(Value)
    }

    public enum Sequenced<Value: Sendable>: Sendable {
        /// Durable.
        case committed(Value)
        /// The commit's message id was recorded before: its stored bytes.
        case duplicate([UInt8])
        /// The plan wrote nothing.
        case declined(Value)
    }

    /// The one read–plan–commit loop of every write that touches a
    /// conversation or the quota counters (decisions, outbound messages):
    /// reads the state with the pending commits laid over it, plans, and
    /// queues the commit in one sequence (the sequencer's order is the serial
    /// order), then waits for durability outside it, so concurrent writes share
    /// a group commit. A conflict (the state moved) plans again.
    public func commit<Value: Sendable>(
        on store: any DecisionStore, conversationID: String, counters: [QuotaCounterKey], what: String,
        plan: (StoredState) throws(StoreError) -> Plan<Value>
    ) throws(StoreError) -> Sequenced<Value> {
        for _ in 0..<DecisionPipeline.maxAttempts {
            let (value, queued) = try sequence { () throws(StoreError) -> (Value, (any CommitTicket, Token)?) in
                var state = try store.state(conversationID: conversationID, counters: counters)
                overlay(&state, conversationID: conversationID)
                switch try plan(state) {
                case .decline(let value):
                    return (value, nil)
                case .commit(let commit, let value):
                    let ticket = try store.submit(commit)
                    return (value, (ticket, pend(commit)))
                }
            }
            guard let (ticket, token) = queued else { return .declined(value) }
            let outcome: CommitOutcome
            do {
                outcome = try ticket.outcome()
            } catch {
                settle(token, made: false)
                throw error
            }
            settle(token, made: outcome == .committed)
            switch outcome {
            case .committed: return .committed(value)
            case .duplicate(let bytes): return .duplicate(bytes)
            case .conflict: continue
            }
        }
        throw StoreError("\(what): still contended after \(DecisionPipeline.maxAttempts) attempts")
    }
}
