import Foundation
import SellifyServer
import SellifyTestSupport
import Synchronization
import Testing

/// Test keys and the scopes each one has in `ServerDeployment`'s config.
enum TestKey {
    static let decide = "sk_test_decide_read"
    static let readOnly = "sk_test_read_only"
    static let admin = "sk_test_admin_all"
    static let auditor = "sk_test_sensitive_reader"
    static let unknown = "sk_test_not_configured"
}

/// A copy of the shipped deployment in a scratch folder, with its config
/// edited by plain text replacement (so the shipped comments and layout stay).
final class ServerDeployment: Sendable {
    let url: URL

    init(edits: [(String, String)] = [], configuredKeys: Bool = true) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for item in ["config.yaml", "catalog.yaml", "rules"] {
            try FileManager.default.copyItem(
                at: repositoryRoot.appendingPathComponent(item), to: url.appendingPathComponent(item))
        }
        var all = edits
        if configuredKeys {
            all.append(
                (
                    "  api_keys: []\n",
                    """
                      api_keys:
                        - { name: connector, sha256: "\(APIKeyGenerator.sha256Hex(of: TestKey.decide))", scopes: [decide, read] }
                        - { name: dashboard, sha256: "\(APIKeyGenerator.sha256Hex(of: TestKey.readOnly))", scopes: [read] }
                        - { name: operator, sha256: "\(APIKeyGenerator.sha256Hex(of: TestKey.admin))", scopes: [decide, read, admin] }
                        - { name: auditor, sha256: "\(APIKeyGenerator.sha256Hex(of: TestKey.auditor))", scopes: [read, sensitive] }

                    """
                ))
        }
        try edit(all)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    var configPath: String { url.appendingPathComponent("config.yaml").path }
    var storePath: String { url.appendingPathComponent("data/sellify.db").path }

    func edit(_ edits: [(String, String)], file: String = "config.yaml") throws {
        let path = url.appendingPathComponent(file)
        var text = try String(contentsOf: path, encoding: .utf8)
        for (old, new) in edits {
            guard text.contains(old) else {
                Issue.record("\(file) does not contain \(old.debugDescription)")
                continue
            }
            text = text.replacingOccurrences(of: old, with: new)
        }
        try text.write(to: path, atomically: true, encoding: .utf8)
    }

    func write(_ relative: String, _ contents: String) throws {
        try contents.write(to: url.appendingPathComponent(relative), atomically: true, encoding: .utf8)
    }
}

/// The `sellify` binary built next to the test bundle.
func sellifyExecutable() throws -> URL {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("sellify") }
    return try #require(
        candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
        "sellify binary not found next to \(directory.path); run `swift build --build-tests`")
}

/// `sellify serve --port 0` as a child process; the bound port is read from
/// its banner line on stderr.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let deployment: ServerDeployment
    private let errors = TextBuffer()
    private let output = TextBuffer()
    private(set) var port = 0

    init(_ deployment: ServerDeployment, arguments: [String] = [], executable: URL? = nil) throws {
        self.deployment = deployment
        process.executableURL = try executable ?? sellifyExecutable()
        process.arguments = ["serve", "--config", deployment.configPath, "--port", "0"] + arguments
        process.currentDirectoryURL = deployment.url
        let err = Pipe()
        let out = Pipe()
        process.standardError = err
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { [errors] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                errors.finish()
            } else {
                errors.append(data)
            }
        }
        out.fileHandleForReading.readabilityHandler = { [output] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                output.finish()
            } else {
                output.append(data)
            }
        }
        try process.run()
        // Up once the banner names the port; given up when the process exits first.
        _ = eventually { Self.port(in: stderr) != nil || !process.isRunning }
        if let port = Self.port(in: stderr) {
            self.port = port
            return
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        throw HTTPTestError.connect("server did not start (status \(process.terminationStatus)):\n\(stderr)")
    }

    static func port(in log: String) -> Int? {
        guard let range = log.range(of: "serving on http://127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    /// The value of one series in `GET /metrics` (`name` with its labels, as
    /// printed), or nil when the series is absent.
    func metric(_ series: String) -> Double? {
        guard let text = try? client.request("GET", "/metrics").text else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last!) }
    }

    var stderr: String { errors.text }
    var stdout: String { output.text }
    var client: HTTPTestClient { HTTPTestClient(port: port) }
    var pid: Int32 { process.processIdentifier }

    /// Sends `signal` and waits for the exit status, and for everything the
    /// process wrote to stderr and stdout to have been read (so `stderr` is complete).
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 60) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        _ = eventually(timeout) { !process.isRunning }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        errors.waitUntilFinished(seconds: timeout)
        output.waitUntilFinished(seconds: timeout)
        return process.terminationStatus
    }

    /// Resident memory in KiB, from /proc.
    var residentKiB: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A message event as JSON.
func event(
    _ conversation: String, _ message: String, _ text: String, at time: String = "2026-11-30T18:00:00Z"
) -> String {
    let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    return
        #"{"conversation_id":"\#(conversation)","message_id":"\#(message)","type":"text","text":"\#(escaped)","received_at":"\#(time)"}"#
}

/// Runs `count` closures on `count` threads at once (a start barrier), returning their results in order.
func concurrently<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    let results = Mutex<[Int: Result<T, any Error>]>([:])
    let group = DispatchGroup()
    let start = DispatchSemaphore(value: 0)
    for index in 0..<count {
        group.enter()
        Thread {
            start.wait()
            let result = Result { try body(index) }
            results.withLock { $0[index] = result }
            group.leave()
        }.start()
    }
    for _ in 0..<count { start.signal() }
    group.wait()
    let all = results.withLock { $0 }
    return try (0..<count).map { index in try all[index]!.get() }
}

/// Text collected from a pipe on another thread.
final class TextBuffer: Sendable {
    private let bytes = Mutex(Data())
    private let finished = DispatchSemaphore(value: 0)
    func append(_ data: Data) { bytes.withLock { $0.append(data) } }
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
    /// The writer closed the pipe: everything it wrote is in `text`.
    func finish() { finished.signal() }
    func waitUntilFinished(seconds: TimeInterval) {
        if finished.wait(timeout: .now() + seconds) == .success { finished.signal() }
    }
}

/// Polls `condition` until it holds or `seconds` pass. Tests synchronise on
/// what they can observe (a metric, a log line, a row), never on a sleep; the
/// bound is generous so it only fails when the behaviour is really wrong.
func eventually(_ seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}

/// A SQLite write lock held on a store file by another process (the `sqlite3`
/// shell inside `BEGIN IMMEDIATE`) until `release()`: the server's next commit
/// waits on it, for as long as the test decides.
final class SQLiteWriteLock {
    private let process = Process()
    private let input = Pipe()

    init(_ path: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 'lock-' || 'held';\n".utf8))
        // The shell answers only once it holds the lock (or fails to take it).
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        let answer = String(decoding: seen, as: UTF8.self)
        guard answer.hasPrefix("lock-held") else {
            release()
            throw HTTPTestError.connect("sqlite3 could not lock \(path): \(answer)")
        }
    }

    func release() {
        guard process.isRunning else { return }
        input.fileHandleForWriting.write(Data("COMMIT;\n.quit\n".utf8))
        process.waitUntilExit()
    }

    deinit { release() }
}
