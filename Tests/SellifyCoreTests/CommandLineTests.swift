import Foundation
import SellifyCore
import Testing

/// The `sellify` binary built next to the test bundle (`swift build --build-tests` builds it).
func sellifyExecutable() throws -> URL {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("sellify") }
    return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                        "sellify binary not found next to \(directory.path); run `swift build --build-tests`")
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

func runSellify(_ arguments: [String], in directory: URL, input: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = try sellifyExecutable()
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input {
        let bytes = Data(input.utf8)
        Thread {
            stdin.fileHandleForWriting.write(bytes)
            try? stdin.fileHandleForWriting.close()
        }.start()
    } else {
        try? stdin.fileHandleForWriting.close()
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
}

struct CheckCommandTests {
    @Test func shippedDeploymentPassesWithNothingButSuccess() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let result = try runSellify(["check"], in: directory.url)
        #expect(result.status == 0)
        #expect(result.stdout == "")
        #expect(!result.stderr.contains("error"))
        #expect(result.stderr.hasSuffix("check passed\n"))
    }

    @Test func brokenRuleFileExitsNonZeroNamingFileAndLine() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        try directory.write("rules/intents.lua", "intents = {\n  { name = \"greeting\", phrases = { \"hola\" } \n}\n")
        let result = try runSellify(["check", "--config", "config.yaml"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.stderr.contains("rules/intents.lua:4: error: '}' expected (to close '{' at line 1) near <eof>"),
                "stderr: \(result.stderr)")
        #expect(result.stderr.hasSuffix("check failed: 1 error\n"))
    }

    @Test func badConfigListsEveryProblem() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        try directory.write("config.yaml", "server:\n  port: http\nquotas:\n  limits:\n    messages_per_dy: 5\n")
        let result = try runSellify(["check"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.stderr == """
            config.yaml:2:9: error: server.port: expected a port number between 1 and 65535, got "http"
            config.yaml:5:5: error: unknown key 'messages_per_dy' in 'quotas.limits' (did you mean 'messages_per_day'?)
            check failed: 2 errors

            """)
    }

    @Test func missingConfigFileIsAClearError() throws {
        let directory = try TemporaryDirectory()
        let result = try runSellify(["check", "--config", "nope.yaml"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("nope.yaml: error: cannot read file: No such file or directory"))
    }

    @Test func versionPrintsJSON() throws {
        let result = try runSellify(["version"], in: repositoryRoot)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix(#"{"lua":"Lua 5.4."#))
    }
}

struct LuaPatternSyntaxTests {
    @Test(arguments: [
        ("100%", "malformed pattern (ends with '%')"),
        ("[abc", "malformed pattern (missing ']')"),
        ("%f%w", "missing '[' after '%f' in pattern"),
        ("%b(", "malformed pattern (missing arguments to '%b')"),
        ("(abc", "unfinished capture"),
        ("abc)", "invalid pattern capture"),
        ("(a)%2", "invalid capture index %2"),
    ])
    func malformed(_ pattern: String, _ message: String) {
        #expect(LuaPatternSyntax.problem(in: pattern) == message)
    }

    @Test(arguments: ["100%%", "[%]]", "[]]", "%f[%w]%w+", "%b()", "(a)%1", "^%s*(.-)%s*$", "[^%d]+", "guaranteed", "100%% ?safe"])
    func wellFormed(_ pattern: String) {
        #expect(LuaPatternSyntax.problem(in: pattern) == nil)
    }
}
