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

/// A queued commit: the thread that queued it first (`leads`) runs the
/// batch; the others wait to be woken with their result (or to be handed
/// the lead).
package struct GroupCommitTicket: CommitTicket, @unchecked Sendable {
    /// The store's leader step: takes a batch, runs it, sets every result,
    /// wakes the batch and hands the lead on.
    let lead: @Sendable () -> Void
    let pending: PendingCommit
    let leads: Bool

    /// Queues `work` on `committer`.
    package init(
        _ work: PendingCommit.Work, createdAt: Int64, on committer: GroupCommitter, lead: @escaping @Sendable () -> Void
    ) {
        pending = PendingCommit(work, createdAt: createdAt)
        leads = committer.enqueue(pending)
        self.lead = lead
    }

    /// Queues a decision's commit, refusing one whose version does not grow:
    /// writing back the version that was read would let a concurrent commit
    /// that read the same version pass the check (a lost update).
    package init(
        decision commit: DecisionCommit, on committer: GroupCommitter, lead: @escaping @Sendable () -> Void
    ) throws(StoreError) {
        if let expected = commit.expectedConversationVersion, commit.conversation.version <= expected {
            throw StoreError(
                "\(PendingCommit.operation(.decision(commit))): the conversation version must grow "
                    + "(read \(expected), writing \(commit.conversation.version))")
        }
        self.init(.decision(commit), createdAt: commit.decidedAt.milliseconds, on: committer, lead: lead)
    }

    package func outcome() throws(StoreError) -> CommitOutcome {
        if !leads {
            // Another thread is writing: it either commits this one in its
            // batch (result set) or hands the lead over to it.
            pending.wakeUp.wait()
        }
        if pending.result == nil { lead() }
        guard let result = pending.result else {
            throw StoreError("\(PendingCommit.operation(pending.work)): internal error: the commit was not run")
        }
        return try result.get()
    }
}

extension PendingCommit {
    /// What the work is, for errors: `commit decision for message 'wamid.X'`.
    package static func operation(_ work: Work) -> String {
        switch work {
        case .decision(let commit): "commit decision for message '\(commit.messageID)'"
        case .audit(let entries): "append \(entries.count) audit record(s)"
        }
    }
}
