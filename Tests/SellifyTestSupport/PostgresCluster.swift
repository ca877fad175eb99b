import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A throw-away PostgreSQL 15 cluster for the tests: `initdb` in a temporary
/// folder, the server on a free loopback port (and a Unix socket in that
/// folder), trust authentication for the user `sellify`. Debian's
/// postgresql-15 is installed by `scripts/install-deps.sh --test` (make test
/// runs it). Run as root, the server runs as the `postgres` user (PostgreSQL
/// refuses root). The server stops and its folder is removed when the test
/// process is gone (or `stop(remove:)` is called).
public final class PostgresCluster: Sendable {
    public static let bin = "/usr/lib/postgresql/15/bin"
    public let folder: String
    public let port: Int
    public let user = "sellify"
    private let server = Mutex<Process?>(nil)
    private let lifeline = Mutex<Pipe?>(nil)
    private let durable: Bool
    private let counter = Atomic<Int>(0)

    /// One cluster for the whole test process (fsync off: the tests that
    /// need durability kill Sellify, not PostgreSQL), started on first use.
    public static let shared = Result { try PostgresCluster(durable: false) }

    /// A cluster of one's own (a test that stops and starts the server).
    /// `durable`: fsync on, as in production (benchmarks).
    public init(durable: Bool = false) throws {
        guard FileManager.default.isExecutableFile(atPath: "\(Self.bin)/postgres") else {
            throw TestFailure(
                "PostgreSQL 15 is not installed (\(Self.bin)/postgres): run scripts/install-deps.sh --test")
        }
        self.durable = durable
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-pg-XXXXXX").path
        var buffer = Array(template.utf8CString)
        guard mkdtemp(&buffer) != nil else { throw TestFailure("mkdtemp failed: \(String(cString: strerror(errno)))") }
        folder = String(decoding: buffer.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        port = try LocalModelServer.freePort()
        if getuid() == 0 {
            // The data folder must belong to the server's user.
            try Self.run(["/bin/chown", "postgres:postgres", folder])
        }
        try Self.run(
            Self.asServerUser + [
                "\(Self.bin)/initdb", "-D", "\(folder)/data", "-U", user, "--auth=trust", "-E", "UTF8",
                "--locale=C", "--no-sync",
            ])
        try start()
    }

    /// `setpriv` to the postgres user when running as root (it execs: no
    /// process in between to outlive a kill).
    static var asServerUser: [String] {
        getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : []
    }

    public var url: String { url(database: "postgres") }
    public func url(database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// A new, empty database (each test gets its own).
    public func createDatabase(_ prefix: String = "t") throws -> String {
        let name = "\(prefix)_\(getpid())_\(counter.add(1, ordering: .relaxed).oldValue)"
        try psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL through psql against `database`; returns what it printed (unaligned, tuples only).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Self.run([
            "/usr/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U",
            user, "-d", database, "-c", sql,
        ])
    }

    /// Starts the server and returns when it accepts connections.
    public func start() throws {
        let process = Process()
        let pipe = Pipe()
        // The shell stops the server (fast shutdown) when this test process is
        // gone — its stdin, a pipe only this process writes, reaches end of
        // file — then removes the cluster's folder.
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        var settings = ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"]
        if !durable { settings += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] }
        process.arguments =
            [
                "-c",
                """
                folder=$1; shift
                exec 3<&0
                "$@" </dev/null & child=$!
                cat <&3 >/dev/null & lifeline=$!
                wait -n "$child" "$lifeline"
                if kill -0 "$child" 2>/dev/null; then
                  kill -INT "$child" 2>/dev/null; wait "$child"
                  rm -rf "$folder"
                fi
                kill -KILL "$lifeline" 2>/dev/null
                wait
                """,
                "postgres-cluster", folder,
            ] + Self.asServerUser + [
                "\(Self.bin)/postgres", "-D", "\(folder)/data", "-p", "\(port)", "-k", folder,
            ] + settings
        process.standardInput = pipe
        let log = FileHandle(forWritingAtPath: "/dev/null")
        process.standardOutput = log
        process.standardError = log
        try process.run()
        server.withLock { $0 = process }
        lifeline.withLock { $0 = pipe }
        // Ready when postmaster.pid's status line says so; a server that
        // exits is a failure at once. The bound only stops a hang.
        let pidFile = "\(folder)/data/postmaster.pid"
        let hangGuard = Date().addingTimeInterval(120)
        while process.isRunning && Date() < hangGuard {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
                text.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces) == "ready"
            {
                return
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw TestFailure("PostgreSQL did not start in \(folder)/data (port \(port))")
    }

    /// Stops the server (fast shutdown: open connections are closed) and
    /// returns when it has exited. The data stays for `start()`.
    public func stop() throws {
        guard let pid = postmasterPID() else { throw TestFailure("no PostgreSQL running in \(folder)/data") }
        kill(pid, SIGINT)
        let hangGuard = Date().addingTimeInterval(120)
        while kill(pid, 0) == 0 && Date() < hangGuard { Thread.sleep(forTimeInterval: 0.02) }
        // The shell beside it ends too (its child ended).
        server.withLock { $0?.waitUntilExit() }
        lifeline.withLock { $0 = nil }
    }

    /// Stops the server and removes the cluster's folder.
    public func destroy() {
        try? stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func postmasterPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: "\(folder)/data/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first
        else { return nil }
        return pid_t(first.trimmingCharacters(in: .whitespaces))
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(text)")
        }
        return text
    }
}
