import NIOCore
import NIOPosix
import Synchronization

/// Runs blocking work (Lua, SQLite) on a thread pool, never on an event
/// loop, and gives up waiting after the request timeout: the caller gets
/// `503 timeout` while the work finishes in the background (a decision still
/// commits; retrying the same message id then returns it).
///
/// The timeout costs no timer per request: each call registers its deadline
/// in a table that one repeating task sweeps (every `timeout / 8`, at most
/// 50 ms), so a request gives up between `timeout` and `timeout` + one sweep.
final class BlockingExecutor: Sendable {
    let pool: NIOThreadPool
    let timeout: Duration
    private let waiting = Mutex(Waiting())
    private let sweeper = Mutex<RepeatedTask?>(nil)

    private struct Waiting {
        var next: UInt64 = 0
        var deadlines: [UInt64: (deadline: NIODeadline, expire: @Sendable () -> Void)] = [:]
    }

    init(threads: Int, timeout: Duration) {
        pool = NIOThreadPool(numberOfThreads: threads)
        self.timeout = timeout
    }

    private var timeAmount: TimeAmount {
        let (seconds, attoseconds) = timeout.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func start() {
        pool.start()
        let sweep = TimeAmount.nanoseconds(max(1_000_000, min(timeAmount.nanoseconds / 8, 50_000_000)))
        let task = MultiThreadedEventLoopGroup.singleton.any().scheduleRepeatedTask(
            initialDelay: sweep, delay: sweep
        ) { [weak self] _ in self?.expire(now: .now()) }
        sweeper.withLock { $0 = task }
    }

    func shutdown() async throws {
        sweeper.withLock { $0.take() }?.cancel()
        try await pool.shutdownGracefully()
    }

    /// Fails every call whose deadline has passed with `APIError.timeout`.
    private func expire(now: NIODeadline) {
        let expired = waiting.withLock { waiting in
            let due = waiting.deadlines.filter { $0.value.deadline <= now }
            for id in due.keys { waiting.deadlines.removeValue(forKey: id) }
            return due.values.map(\.expire)
        }
        for expire in expired { expire() }
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let deadline = NIODeadline.now() + timeAmount
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let once = ResumeOnce(continuation)
            let id = waiting.withLock { waiting in
                let id = waiting.next
                waiting.next &+= 1
                waiting.deadlines[id] = (deadline, { once.resume(with: .failure(APIError.timeout)) })
                return id
            }
            pool.submit { state in
                defer { _ = self.waiting.withLock { $0.deadlines.removeValue(forKey: id) } }
                guard case .active = state else {
                    once.resume(with: .failure(APIError.shuttingDown))
                    return
                }
                once.resume(with: Result { try work() })
            }
        }
    }
}

/// A continuation resumed by whichever of two racers comes first.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>
    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = Mutex(continuation) }
    func resume(with result: Result<T, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}
