import Foundation
import SellifyAIAnthropic
import SellifyCore
import SellifyTestSupport
import SellifyYAML
import Testing

/// An Anthropic provider built the way `ai.providers` builds one.
func anthropic(
    _ server: FaultServer, extra: String = "", environment: [String: String] = [:]
) throws -> any GenerativeProvider {
    let configuration = try anthropicConfiguration("base_url: \(server.baseURL)\nmodel: claude-test\n" + extra)
    #expect(AnthropicProviderPlugin.validate(configuration).isEmpty)
    return try AnthropicProviderPlugin.makeProvider(
        configuration, context: GenerativeContext(directory: "/", environment: environment))
}

func anthropicConfiguration(_ text: String) throws -> AnthropicProviderPlugin.Configuration {
    try YAMLDecoder().decode(
        AnthropicProviderPlugin.Configuration.self, from: text, file: "test.yaml", environment: [:])
}

/// The Messages API provider against a server speaking Messages: the
/// request's shape and headers, the answer's text and tokens, every fault.
struct AnthropicProviderTests {
    @Test func asksInTheMessagesShapeAndReadsTheTextAndTokens() async throws {
        let server = try FaultServer([.answer("Hola, cuesta 19.00 USD")], dialect: .messages)
        let provider = try anthropic(server, extra: "api_key_env: KEY", environment: ["KEY": "sk-ant-1"])
        let gateway = AIGateway(members: [.init(provider, policy: ProviderPolicy())], maxReasks: 0, clock: TestClock())
        let result = await gateway.generate(prompt, deadline: .seconds(10)) { _ in [] }
        #expect(result.text == "Hola, cuesta 19.00 USD" && result.provider == "anthropic")
        #expect(result.attempts.first?.promptTokens == 42 && result.attempts.first?.completionTokens == 7)
        let request = try #require(server.requests.first)
        #expect(request.headers.contains { $0.0.lowercased() == "x-api-key" && $0.1 == "sk-ant-1" })
        #expect(request.headers.contains { $0.0.lowercased() == "anthropic-version" && $0.1 == "2023-06-01" })
        #expect(!request.headers.contains { $0.0.lowercased() == "authorization" })
        let body = try #require(
            try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
        #expect(body["system"] as? String == "You sell.")
        #expect(body["model"] as? String == "claude-test" && body["max_tokens"] as? Int == 200)
        let messages = try #require(body["messages"] as? [[String: String]])
        #expect(messages == [["role": "user", "content": "¿Precio?"]])
    }

    /// A re-ask sends the refused text as the assistant's turn and the
    /// violations as the user's: the turns alternate, as Messages requires.
    @Test func aReaskAlternatesTheTurns() async throws {
        let server = try FaultServer([.answer("Cuesta 25 USD"), .answer("Cuesta 19.00 USD")], dialect: .messages)
        let gateway = AIGateway(
            members: [.init(try anthropic(server), policy: ProviderPolicy())], maxReasks: 1, clock: TestClock())
        let result = await gateway.generate(prompt, deadline: .seconds(10)) { text in
            text.contains("25")
                ? [Violation(code: "price_mismatch", message: "Basic: 19.00 USD", start: 0, end: 1)] : []
        }
        #expect(result.text == "Cuesta 19.00 USD")
        let last = try #require(server.requests.last)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(last.body.utf8)) as? [String: Any])
        let roles = try #require(body["messages"] as? [[String: String]]).map { $0["role"] ?? "" }
        #expect(roles == ["user", "assistant", "user"])
    }

    @Test(arguments: [
        (FaultServer.Behaviour.status(429, retryAfter: 2), "rate_limited"),
        (.status(529), "unavailable"),
        (.status(500), "unavailable"),
        (.status(400), "rejected"),
        (.malformedJSON, "malformed"),
        (.emptyChoices, "malformed"),
        (.reset, "transport_error"),
    ])
    func faultsAreNamed(_ fault: FaultServer.Behaviour, _ status: String) async throws {
        let server = try FaultServer([fault], dialect: .messages)
        let gateway = AIGateway(
            members: [.init(try anthropic(server), policy: ProviderPolicy(retries: 0))], maxReasks: 0,
            clock: TestClock())
        let result = await gateway.generate(prompt, deadline: .seconds(10)) { _ in [] }
        #expect(result.text == nil && result.attempts.map(\.status) == [status])
        if case .status(400, _) = fault { #expect(result.attempts.first?.error?.contains("scripted 400") == true) }
    }

    /// What `sellify check` says about options that cannot work.
    @Test(arguments: [
        ("model: claude-test\n", "api_key_env: api.anthropic.com needs a key"),
        ("base_url: http://127.0.0.1:1/v1\nmodel: claude-test\ntemperature: 1.5\n", "temperature: expected 0…1"),
        ("base_url: http://127.0.0.1:1/v1\nmodel: claude-test\nheaders: { x-api-key: sk }\n", "headers.x-api-key"),
        ("base_url: ftp://x\nmodel: claude-test\n", "base_url: expected an http"),
        ("base_url: http://127.0.0.1:1/v1\nmodel: claude-test\nanthropic_version: \"\"\n", "anthropic_version"),
    ])
    func badOptionsAreNamed(_ text: String, _ problem: String) throws {
        let problems = AnthropicProviderPlugin.validate(try anthropicConfiguration(text))
        #expect(problems.contains { $0.hasPrefix(problem) }, "\(problems)")
    }
}
