import NIOCore
import NIOPosix
import Synchronization

/// Runs blocking work (Lua, SQLite) on a thread pool, never on an event
/// loop, and gives up waiting after the request timeout: the caller gets
/// `503 timeout` while the work finishes in the background (a decision still
/// commits; retrying the same message id then returns it).
final class BlockingExecutor: Sendable {
    let pool: NIOThreadPool
    let timeout: Duration

    init(threads: Int, timeout: Duration) {
        pool = NIOThreadPool(numberOfThreads: threads)
        self.timeout = timeout
    }

    func start() { pool.start() }

    func shutdown() async throws { try await pool.shutdownGracefully() }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let (seconds, attoseconds) = timeout.components
        let deadline = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let once = ResumeOnce(continuation)
            // A timer on an event loop: cheap to arm and cancel on every request.
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: deadline) {
                once.resume(with: .failure(APIError.timeout))
            }
            pool.submit { state in
                defer { timer.cancel() }
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
