import Foundation
import NIOCore
import NIOPosix
import SellifyCore
import SellifyPlugins
import SellifyTestSupport
import Testing

/// llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct,
/// installed by `scripts/install-llm.sh` (make test runs it) and started here
/// on a free loopback port; stopped when the last test is done with it.
final class LocalModelServer: Sendable {
    let process: Process
    let port: Int
    let log: URL

    static let shared = Result { try LocalModelServer() }

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
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: parts[0])
        process.arguments = [
            "-m", "llama_cpp.server", "--model", parts[1], "--host", "127.0.0.1", "--port", "\(port)",
            "--n_ctx", "2048", "--model_alias", "smollm2",
        ]
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        // Ready when it answers its model list (loading takes a second or two).
        let ready = URL(string: "http://127.0.0.1:\(port)/v1/models")!
        for _ in 0..<6000 {
            guard process.isRunning else { break }
            if let data = try? Data(contentsOf: ready), !data.isEmpty { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.terminate()
        throw TestFailure(
            "the llama.cpp server did not start: \(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).suffix(2000))"
        )
    }

    deinit { process.terminate() }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    static func freePort() throws -> Int {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let channel = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress?.port ?? 0
        try channel.close().wait()
        return port
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The gateway with a real (tiny) model: what it writes goes through the
/// validator; a text that passes is returned, one that fails is re-asked,
/// then falls back — and every attempt is accounted for.
@Suite(.serialized)
struct RealModelTests {
    /// A plain price question, and one that tempts the model to invent
    /// (another plan, a discount): each text passes the validator, or is
    /// re-asked and then falls back — never sent unchecked.
    @Test(arguments: [
        "How much is the Basic Plan?",
        "Is there a 50% discount on the Basic Plan? And how much is the Platinum Plan Pro?",
        "How much does the Basic Plan cost per year, in euros?",
        "What is the price of two Basic Plans with the student discount?",
    ])
    func aRealModelIsValidatedReaskedAndFallsBackOrPasses(_ message: String) async throws {
        let server = try LocalModelServer.shared.get()
        let deployment = try Deployment.load(
            configPath: repositoryRoot.appendingPathComponent("config.yaml").path, plugins: .builtin,
            environment: [:], poolSize: 1)
        let validator = TextValidator(
            rules: deployment.rules, catalog: deployment.catalog, validation: deployment.configuration.validation,
            account: deployment.configuration.account)
        let product = try #require(deployment.catalog.product(id: "basic-plan"))
        let prompt = GroundedPrompt.build(
            system: "You are the sales assistant of Demo Store. Use only the catalog facts given.",
            brief: "answer the price question warmly", message: message, language: "en",
            products: [product], settings: ChatPrompt(messages: [], maxTokens: 60, temperature: 0, seed: 1))
        #expect(prompt.messages[1].content.contains("Basic Plan: 19.00 USD, in stock"))
        let gateway = AIGateway(
            members: [
                .init(
                    try openAI(baseURL: server.baseURL, model: "smollm2"),
                    policy: ProviderPolicy(retries: 1, timeout: .seconds(120)))
            ], maxReasks: 2)
        let result = await gateway.generate(prompt, deadline: .seconds(600)) { text in
            ((try? validator.validate(text, products: [product], context: nil))?.violations ?? [])
                .filter { $0.severity == Violation.block }
        }
        #expect(!result.attempts.isEmpty)
        #expect(result.attempts.allSatisfy { $0.status == "ok" && $0.text?.isEmpty == false }, "\(result.attempts)")
        if let text = result.text {
            let check = try validator.validate(text, products: [product], context: nil)
            #expect(!check.violations.contains { $0.severity == Violation.block }, "\(text)")
            #expect(result.attempts.last?.violations.isEmpty == true)
        } else {
            #expect(result.fallback == .validation)
            #expect(result.attempts.count == 3)
            #expect(result.attempts.allSatisfy { !$0.violations.isEmpty })
        }
        #expect(result.attempts.allSatisfy { $0.model.isEmpty == false })
    }
}
