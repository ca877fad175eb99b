package import Foundation
package import SellifyCore

// MARK: - Group commit

/// One caller's commit, waiting for a leader to run it.
package final class PendingCommit: @unchecked Sendable {
    /// What the batch writes for it: a decision's commit, or audit records
    /// alone (a validation's, a generation's), which share the batch's
    /// transaction and fsync.
    package enum Work {
        case decision(DecisionCommit)
        case audit([AuditEntry])
    }
    package let work: Work
    package let createdAt: Int64
    /// Written by the leader before `wakeUp` is signaled (or by the caller
    /// itself when it leads); read by the caller after that.
    package var result: Result<CommitOutcome, StoreError>?
    package let wakeUp = DispatchSemaphore(value: 0)

    package init(_ work: Work, createdAt: Int64) {
        self.work = work
        self.createdAt = createdAt
    }
}

/// The queue of waiting commits and who leads (leader/follower group commit).
/// Invariant: no leader ⇒ the queue is empty; the leader's own commit is at
/// the head of the queue, so it is always in the batch it takes.
package final class GroupCommitter: @unchecked Sendable {
    package static let maxBatch = 128
    private let lock = NSLock()
    private var queue: [PendingCommit] = []
    private var head = 0
    private var leaderActive = false

    package init() {}

    /// Queues `pending`; true when the caller must lead now.
    package func enqueue(_ pending: PendingCommit) -> Bool {
        lock.withLock {
            queue.append(pending)
            if leaderActive { return false }
            leaderActive = true
            return true
        }
    }

    /// The oldest waiting commits (the leader's first).
    package func takeBatch() -> [PendingCommit] {
        lock.withLock {
            let end = min(queue.count, head + Self.maxBatch)
            let batch = Array(queue[head..<end])
            head = end
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024 {
                queue.removeFirst(head)
                head = 0
            }
            return batch
        }
    }

    /// After a batch: hands the lead to the oldest waiting commit, if any.
    package func finishBatch() {
        let next: PendingCommit? = lock.withLock {
            guard head < queue.count else {
                leaderActive = false
                return nil
            }
            return queue[head]
        }
        next?.wakeUp.signal()
    }
}
