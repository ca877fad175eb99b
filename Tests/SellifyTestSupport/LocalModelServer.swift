import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct,
/// installed by `scripts/install-llm.sh` (make test runs it) and started here
/// on a free loopback port; stopped when the last test is done with it.
public final class LocalModelServer: Sendable {
    let process: Process
    /// Open for as long as this process runs (see the shell in `init`).
    let lifeline = Pipe()
    public let port: Int
    let log: URL

    /// One server for the whole test process, started on first use.
    public static let shared = Result { try LocalModelServer() }

    init() throws {
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/bin/bash")
        install.arguments = [repositoryRoot.appendingPathComponent("scripts/install-llm.sh").path, "--print"]
        let output = Pipe()
        install.standardOutput = output
        try install.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        install.waitUntilExit()
        let parts = printed.split(whereSeparator: \.isWhitespace).map(String.init)
        guard install.terminationStatus == 0, parts.count == 2 else {
            throw TestFailure("scripts/install-llm.sh failed (\(install.terminationStatus)): \(printed)")
        }
        port = try Self.freePort()
        log = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-llm-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        // `shared` is never deinitialized, so the test process never stops the
        // server itself: a shell beside it stops it when the test process is
        // gone — its stdin, a pipe only this process writes, reaches end of
        // file — or when the server exits by itself. SIGKILL: the server
        // inherits Foundation's blocked signal mask, so SIGTERM never arrives.
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            "-c",
            """
            exec 3<&0
            "$@" </dev/null & child=$!
            cat <&3 >/dev/null & lifeline=$!
            wait -n "$child" "$lifeline"
            kill -KILL "$child" "$lifeline" 2>/dev/null; wait
            """,
            "llm-server", parts[0],
            "-m", "llama_cpp.server", "--model", parts[1], "--host", "127.0.0.1", "--port", "\(port)",
            "--n_ctx", "2048", "--model_alias", "smollm2",
        ]
        process.standardInput = lifeline
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        // Ready when it answers its model list, polled as `eventually` does;
        // a server that exits is a failure at once. The 10-minute bound only
        // stops a server that neither answers nor exits from hanging the run.
        let ready = URL(string: "http://127.0.0.1:\(port)/v1/models")!
        let hangGuard = Date().addingTimeInterval(600)
        while process.isRunning && Date() < hangGuard {
            if let data = try? Data(contentsOf: ready), !data.isEmpty { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.terminate()
        throw TestFailure(
            "the llama.cpp server did not start: \(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).suffix(2000))"
        )
    }

    // No deinit: `shared` lives as long as the test process, and the shell
    // stops the server when that process is gone.

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// A loopback port nobody listens on now (bound, read, released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestFailure("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
