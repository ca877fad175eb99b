import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SellifyCore
import Synchronization

/// A fixed-size pool of PostgreSQL connections for blocking callers.
///
/// The store protocol is synchronous (the pipeline calls it from its
/// blocking threads), so the pool hands a caller a connection and the
/// caller waits on PostgresNIO's event-loop futures: the queries run on the
/// NIO event loops, never on Swift concurrency's cooperative threads, so a
/// blocked caller cannot starve what it waits for.
///
/// - A connection is opened when a caller needs one and none is idle (up to
///   `size`); a caller finding the pool at `size` waits for one to come back.
/// - A connection that failed at the connection level (reset, closed by the
///   server, a query past its deadline) is closed and dropped; the next
///   caller opens a new one — so the pool recovers by itself when the server
///   comes back.
/// - Every query has a deadline (`queryTimeout`): past it the connection is
///   closed, which fails the query, and the caller gets a `StoreError`.
final class PostgresConnectionPool: Sendable {
    struct Settings: Sendable {
        var connection: PostgresConnection.Configuration
        /// "host:port" or the socket path, for errors.
        var endpoint: String
        var size: Int
        var queryTimeout: TimeAmount
        /// How long a caller waits for a free connection.
        var acquireTimeout: Duration
    }

    let settings: Settings
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())
    private let returned = NSCondition()
    private let nextID = Atomic<Int>(1)

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var closed = false
    }

    init(settings: Settings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.settings = settings
        self.group = group
        self.logger = logger
    }

    /// Runs `body` with a connection of the pool. A connection-level failure
    /// drops the connection; any other error (a constraint, a conflict the
    /// body throws) returns it to the pool.
    func withConnection<T>(_ operation: String, _ body: (Connection) throws -> T) throws(StoreError) -> T {
        let connection = try acquire(operation)
        let handle = Connection(connection: connection, pool: self)
        do {
            let value = try body(handle)
            release(connection, broken: handle.broken || connection.isClosed)
            return value
        } catch {
            release(connection, broken: handle.broken || connection.isClosed || Self.isConnectionLevel(error))
            throw Self.storeError(operation, error, endpoint: settings.endpoint)
        }
    }

    deinit {
        // Idle connections close in the background (each kept until it is closed).
        for connection in state.withLock({ $0.idle }) { Self.close(connection) }
    }

    /// Closes every connection; later callers get a `StoreError`.
    func close() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        returned.broadcast()
        for connection in idle { try? connection.close().wait() }
    }

    private func acquire(_ operation: String) throws(StoreError) -> PostgresConnection {
        let deadline = Date().addingTimeInterval(
            Double(settings.acquireTimeout.components.seconds)
                + Double(settings.acquireTimeout.components.attoseconds) / 1e18)
        while true {
            enum Next {
                case use(PostgresConnection)
                case open
                case wait
                case closed
            }
            let next: Next = state.withLock { state in
                if state.closed { return .closed }
                while let connection = state.idle.popLast() {
                    if !connection.isClosed { return .use(connection) }
                    state.open -= 1
                }
                if state.open < settings.size {
                    state.open += 1
                    return .open
                }
                return .wait
            }
            switch next {
            case .use(let connection):
                return connection
            case .closed:
                throw StoreError("\(operation): the PostgreSQL store is closed")
            case .open:
                do {
                    let connecting = PostgresConnection.connect(
                        on: group.next(), configuration: settings.connection,
                        id: nextID.add(1, ordering: .relaxed).oldValue,
                        logger: logger)
                    // The TCP connect has its own timeout; the handshake after it gets the query deadline.
                    return try Self.wait(for: connecting, timeout: settings.queryTimeout) {
                        connecting.whenSuccess { Self.close($0) }
                    }
                } catch let error as DeadlineExceeded {
                    state.withLock { $0.open -= 1 }
                    returned.signal()
                    throw StoreError(
                        "\(operation): cannot connect to PostgreSQL at \(settings.endpoint): no answer within "
                            + error.timeout.prettyPrint)
                } catch {
                    state.withLock { $0.open -= 1 }
                    returned.signal()
                    throw Self.storeError(
                        "\(operation): cannot connect to PostgreSQL at \(settings.endpoint)", error, endpoint: nil)
                }
            case .wait:
                returned.lock()
                let inTime = returned.wait(until: deadline)
                returned.unlock()
                if !inTime, Date() >= deadline {
                    throw StoreError(
                        "\(operation): no PostgreSQL connection free within \(settings.acquireTimeout) "
                            + "(pool_size \(settings.size), all busy)")
                }
            }
        }
    }

    private func release(_ connection: PostgresConnection, broken: Bool) {
        let closeIt = state.withLock { state -> Bool in
            if broken || state.closed {
                state.open -= 1
                return true
            }
            state.idle.append(connection)
            return false
        }
        if closeIt { Self.close(connection) }
        returned.signal()
    }

    /// Closes without waiting; the connection is kept until it is closed.
    static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Errors after which the connection cannot be trusted for the next caller.
    static func isConnectionLevel(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return !(error is StoreError) }
        return error.code != .server
    }

    /// One borrowed connection: queries with the pool's deadline.
    final class Connection {
        let connection: PostgresConnection
        unowned let pool: PostgresConnectionPool
        fileprivate(set) var broken = false
        /// The audit chain's head as the running write transaction locked it.
        var auditHead: (sequence: Int64, hash: String)?

        fileprivate init(connection: PostgresConnection, pool: PostgresConnectionPool) {
            self.connection = connection
            self.pool = pool
        }

        /// Runs one statement and collects its rows (waits at most `queryTimeout`).
        @discardableResult
        func query(_ query: PostgresQuery) throws -> PostgresQueryResult {
            try wait(connection.query(query, logger: pool.logger))
        }

        /// Runs statements without parameters, e.g. `BEGIN` (simple protocol).
        func execute(_ sql: String) throws {
            _ = try wait(connection.simpleQuery(sql))
        }

        private func wait<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
            let timeout = pool.settings.queryTimeout
            let connection = self.connection
            do {
                return try PostgresConnectionPool.wait(for: future, timeout: timeout) {
                    // The query outlived its deadline: the connection is not trusted again.
                    PostgresConnectionPool.close(connection)
                }
            } catch let error as DeadlineExceeded {
                broken = true
                throw StoreError(
                    "PostgreSQL at \(pool.settings.endpoint) did not answer within \(error.timeout.prettyPrint)")
            } catch {
                if PostgresConnectionPool.isConnectionLevel(error) || connection.isClosed { broken = true }
                throw error
            }
        }
    }

    struct DeadlineExceeded: Error {
        var timeout: TimeAmount
    }

    /// Waits for `future`, or `timeout` — whichever comes first, whatever the
    /// driver does with a connection it cannot use (a query in flight on a
    /// connection whose server went away is not always failed by closing it).
    static func wait<T: Sendable>(
        for future: EventLoopFuture<T>, timeout: TimeAmount, onTimeout: @escaping @Sendable () -> Void
    ) throws -> T {
        let loop = future.eventLoop
        let promise = loop.makePromise(of: T.self)
        let done = Atomic<Bool>(false)
        let timer = loop.scheduleTask(in: timeout) {
            guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
            promise.fail(DeadlineExceeded(timeout: timeout))
            onTimeout()
        }
        future.whenComplete { result in
            guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
            timer.cancel()
            promise.completeWith(result)
        }
        return try promise.futureResult.wait()
    }

    // MARK: - Errors

    /// `"<operation>: <reason>"`: PostgreSQL's own message and SQLSTATE for a
    /// server error, the socket's error for a connection failure.
    static func storeError(_ operation: String, _ error: any Error, endpoint: String?) -> StoreError {
        if let error = error as? StoreError { return StoreError("\(operation): \(error.message)") }
        let at = endpoint.map { " (PostgreSQL at \($0))" } ?? ""
        return StoreError("\(operation): \(reason(error))\(at)")
    }

    static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else {
            if let error = error as? StoreError { return error.message }
            return "\(error)"
        }
        if let info = error.serverInfo, let message = info[.message] {
            var text = message
            if let detail = info[.detail] { text += " (\(detail))" }
            if let state = info[.sqlState] { text += " [SQLSTATE \(state)]" }
            return text
        }
        if let underlying = error.underlying {
            if let io = underlying as? IOError { return io.description }
            return "\(error.code): \(underlying)"
        }
        switch error.code {
        case .serverClosedConnection: return "the server closed the connection"
        case .clientClosedConnection: return "the connection was closed"
        case .authMechanismRequiresPassword: return "the server asks for a password and none is configured"
        case .sslUnsupported: return "the server does not support TLS (tls: require)"
        default: return "\(error.code)"
        }
    }
}

extension TimeAmount {
    fileprivate var prettyPrint: String {
        nanoseconds % 1_000_000_000 == 0 ? "\(nanoseconds / 1_000_000_000)s" : "\(nanoseconds / 1_000_000)ms"
    }
}
