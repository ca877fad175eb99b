import Foundation
import SellifyCore
import SellifyTestSupport
import Testing

/// The `sellify` binary built next to the test bundle (`swift build --build-tests` builds it).
func sellifyExecutable() throws -> URL {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("sellify") }
    return try #require(
        candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
        "sellify binary not found next to \(directory.path); run `swift build --build-tests`")
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

func runSellify(
    _ arguments: [String], in directory: URL, input: String? = nil, environment: [String: String]? = nil
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = try sellifyExecutable()
    process.arguments = arguments
    process.currentDirectoryURL = directory
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
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
        // What was checked goes to stdout; stderr is for problems only.
        #expect(result.stderr == "")
        #expect(result.stdout.hasPrefix("config.yaml: ok\n"))
        #expect(result.stdout.hasSuffix("check passed\n"))
        let quiet = try runSellify(["check", "--quiet"], in: directory.url)
        #expect(quiet.status == 0)
        #expect(quiet.stdout == "" && quiet.stderr == "")
    }

    @Test func brokenRuleFileExitsNonZeroNamingFileAndLine() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        try directory.write("rules/intents.lua", "intents = {\n  { name = \"greeting\", phrases = { \"hola\" } \n}\n")
        let result = try runSellify(["check", "--config", "config.yaml"], in: directory.url)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("rules/intents.lua:4: error: '}' expected (to close '{' at line 1) near <eof>"),
            "stderr: \(result.stderr)")
        #expect(result.stderr.hasSuffix("check failed: 1 error\n"))
    }

    @Test func badConfigListsEveryProblem() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        try directory.write("config.yaml", "server:\n  port: http\nquotas:\n  limits:\n    messages_per_dy: 5\n")
        let result = try runSellify(["check"], in: directory.url)
        #expect(result.status == 1)
        #expect(
            result.stderr == """
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

struct DecideAndValidateCommandTests {
    @Test(arguments: [
        (
            #"{"message_id":"m","text":"hola","received_at":"2026-11-30T18:00:00Z"}"#,
            "error: bad event: conversation_id: missing"
        ),
        (
            #"{"conversation_id":"c","message_id":"m","text":"","received_at":"2026-11-30T18:00:00Z"}"#,
            "error: bad event: text: must not be empty for a text message"
        ),
        (
            #"{"conversation_id":"c","message_id":"m","type":"gif","received_at":"2026-11-30T18:00:00Z"}"#,
            "error: bad event: type: unknown message type 'gif' (expected one of text, image, audio, video, sticker, location, contact, reaction)"
        ),
        (
            #"{"conversation_id":"c","message_id":"m","text":"hola","received_at":"30/11/2026"}"#,
            #"error: bad event: received_at: expected an RFC 3339 timestamp such as 2026-11-29T20:15:00Z, got "30/11/2026""#
        ),
        ("{not json", "error: bad event: invalid JSON: expected a string key at byte 1"),
    ])
    func badEventsAreRefusedWithExitTwo(_ input: String, _ message: String) throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let result = try runSellify(["decide", "--state-db", "s.db"], in: directory.url, input: input)
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr == message + "\n")
    }

    /// `--at` fixes the decision's time: the same run gives the same bytes on any day.
    @Test func decideAtIsReproducible() throws {
        var outputs: [String] = []
        for _ in 0..<2 {
            let directory = try TemporaryDirectory()
            try directory.copyShippedDeployment()
            let result = try runSellify(
                [
                    "decide", "--state-db", "s.db", "--text", "¿cuánto cuesta el Plan Premium?", "--at",
                    "2026-11-30T18:00:00Z",
                ],
                in: directory.url)
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(result.stdout)
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0].contains(#""decided_at":"2026-11-30T18:00:00Z""#))
    }

    /// The README's `sellify decide --jsonl < examples/events.jsonl`: every line
    /// out is the decision of the event on the same line in, and the decisions
    /// are the ones the README describes.
    @Test func theShippedExampleEventsAreEachDecided() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let events = try String(
            contentsOf: repositoryRoot.appendingPathComponent("examples/events.jsonl"), encoding: .utf8)
        let result = try runSellify(["decide", "--jsonl"], in: directory.url, input: events)
        #expect(result.status == 0, "\(result.stderr)")
        let inputs = events.split(separator: "\n")
        let outputs = result.stdout.split(separator: "\n")
        #expect(inputs.count >= 5)
        #expect(outputs.count == inputs.count)
        let actions = Set(Action.allCases.map(\.rawValue))
        var rules: [String] = []
        var conversations: Set<String> = []
        for (input, output) in zip(inputs, outputs) {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(input.utf8)) as? [String: Any])
            let decision = try #require(
                try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
                "not a JSON object: \(output)")
            #expect((decision["action"] as? String).map(actions.contains) == true, "not a decision: \(output)")
            #expect((decision["decision_id"] as? String)?.hasPrefix("dec_") == true, "not a decision: \(output)")
            #expect(decision["message_id"] as? String == event["message_id"] as? String)
            #expect(decision["conversation_id"] as? String == event["conversation_id"] as? String)
            rules.append(decision["rule"] as? String ?? "?")
            conversations.insert(decision["conversation_id"] as? String ?? "?")
        }
        #expect(rules == ["price_question", "send_image", "human_request", "complaint", "human_active", "opt_out"])
        #expect(conversations.count == 2)
    }

    @Test(arguments: [
        (
            ["--received-at", "2026-11-30T19:00:00Z"],
            "error: bad event: received_at: 2026-11-30T19:00:00Z is 1h ahead of the server's clock (2026-11-30T18:00:00Z); server.max_clock_skew allows 5m"
        ),
        (
            ["--received-at", "2026-11-30T18:05:01Z"],
            "error: bad event: received_at: 2026-11-30T18:05:01Z is 5m ahead of the server's clock (2026-11-30T18:00:00Z); server.max_clock_skew allows 5m"
        ),
    ])
    func aClaimFarAheadOfTheDecisionTimeIsRefused(_ extra: [String], _ message: String) throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let result = try runSellify(
            ["decide", "--state-db", "s.db", "--text", "hola", "--at", "2026-11-30T18:00:00Z"] + extra,
            in: directory.url)
        #expect(result.status == 2)
        #expect(result.stderr == message + "\n")
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("s.db").path))
    }

    @Test func aBadDecisionTimeIsRefused() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let result = try runSellify(["decide", "--text", "hola", "--at", "yesterday"], in: directory.url)
        #expect(result.status == 2)
        #expect(result.stderr.contains(#"--at: expected an RFC 3339 timestamp"#))
    }

    @Test func aTextOverTheLimitIsRefused() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let long = String(repeating: "a", count: 4001)
        let input = #"{"conversation_id":"c","message_id":"m","text":"\#(long)","received_at":"2026-11-30T18:00:00Z"}"#
        let result = try runSellify(["decide", "--state-db", "s.db"], in: directory.url, input: input)
        #expect(result.status == 2)
        #expect(result.stderr == "error: bad event: text: longer than 4000 characters\n")
    }

    @Test(arguments: [
        (
            ["validate", "The Premium Plan costs 49.00 USD.", "--product", "premium-plan"], Int32(0),
            #"{"valid":true,"violations":[]}"#
        ),
        (
            ["validate", "The Premium Plan costs 39.00 USD.", "--product", "premium-plan"], Int32(1),
            #""code":"price_mismatch""#
        ),
        (["validate", "hola", "--product", "nope"], Int32(2), ""),
    ])
    func validateExitCodes(_ arguments: [String], _ status: Int32, _ fragment: String) throws {
        let result = try runSellify(arguments, in: repositoryRoot)
        #expect(result.status == status, "stderr: \(result.stderr)")
        #expect(fragment.isEmpty ? result.stdout.isEmpty : result.stdout.contains(fragment))
    }
}

struct TestCommandTests {
    @Test func ruleTestResultsGoToATextfileForNodeExporter() throws {
        let directory = try TemporaryDirectory()
        let result = try runSellify(["test", "--metrics-textfile", directory.url.path], in: repositoryRoot)
        #expect(result.status == 0)
        #expect(result.stdout.hasSuffix(" passed, 0 failed\n"))
        let text = try String(
            contentsOf: directory.url.appendingPathComponent("sellify-rule-tests.prom"), encoding: .utf8)
        #expect(text.contains(#"sellify_rule_tests{result="failed"} 0.0"#))
        #expect(text.contains("# HELP sellify_rule_tests_last_run_timestamp_seconds"))
    }

    @Test func aMissingTextfileDirectoryFailsBeforeAnyTestRuns() throws {
        let result = try runSellify(["test", "--metrics-textfile", "/nonexistent/dir"], in: repositoryRoot)
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr == "error: textfile exporter: directory '/nonexistent/dir' does not exist\n")
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

    @Test(arguments: [
        "100%%", "[%]]", "[]]", "%f[%w]%w+", "%b()", "(a)%1", "^%s*(.-)%s*$", "[^%d]+", "guaranteed", "100%% ?safe",
    ])
    func wellFormed(_ pattern: String) {
        #expect(LuaPatternSyntax.problem(in: pattern) == nil)
    }
}

struct CoverageTests {
    @Test func testCoverageNamesTheBranchesNoTestTakes() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let result = try runSellify(["test", "--coverage"], in: directory.url)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.last?.hasSuffix("passed, 0 failed") == true)
        let summary = try #require(lines.first { $0.hasPrefix("decide() coverage: ") })
        #expect(summary.hasSuffix("in rules/decision.lua"))
        // The shipped tests never send an empty message.
        #expect(lines.contains { $0.contains(#"return ignore("empty_message""#) })

        // A test for it: that branch is covered and leaves the list.
        try directory.write(
            "rules/tests/empty.yaml",
            """
            cases:
              - name: a message with no words is ignored
                message: "¿?"
                expect: { action: Ignore, rule: empty_message }

            """)
        let again = try runSellify(["test", "--coverage"], in: directory.url)
        #expect(!again.stdout.contains(#"return ignore("empty_message""#), "\(again.stdout)\(again.stderr)")
    }
}
