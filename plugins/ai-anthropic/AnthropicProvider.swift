import AsyncHTTPClient
import FoundationEssentials
import SellifyAIHTTP
public import SellifyCore

/// `ai.anthropic`: Anthropic's Messages API (`POST <base_url>/messages`),
/// through async-http-client.
///
/// ```yaml
/// ai:
///   providers:
///     - type: anthropic
///       model: claude-3-5-haiku-latest
///       api_key_env: ANTHROPIC_API_KEY        # or api_key_file: /run/secrets/anthropic
///       max_tokens: 200
///       temperature: 0
///       # base_url: https://api.anthropic.com/v1   (the default)
///       # anthropic_version: "2023-06-01"          (the default)
/// ```
public enum AnthropicProviderPlugin: GenerativeProviderPlugin {
    public static let id = PluginID(kind: "ai", name: "anthropic")
    public static let defaultBaseURL = "https://api.anthropic.com/v1"

    public struct Configuration: Decodable, Sendable, Equatable {
        public var baseURL = AnthropicProviderPlugin.defaultBaseURL
        public var model: String
        public var apiKeyEnv: String?
        public var apiKeyFile: String?
        public var maxTokens = 200
        public var temperature = 0.0
        public var anthropicVersion = "2023-06-01"
        public var headers: [String: String] = [:]

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url", model, apiKeyEnv = "api_key_env", apiKeyFile = "api_key_file"
            case maxTokens = "max_tokens", temperature, anthropicVersion = "anthropic_version", headers
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL) ?? baseURL
            model = try c.decode(String.self, forKey: .model)
            apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
            apiKeyFile = try c.decodeIfPresent(String.self, forKey: .apiKeyFile)
            maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? maxTokens
            temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? temperature
            anthropicVersion = try c.decodeIfPresent(String.self, forKey: .anthropicVersion) ?? anthropicVersion
            headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        }
    }

    public static func validate(_ configuration: Configuration) -> [String] {
        var problems = HTTPProviderOptions.problems(
            baseURL: configuration.baseURL, model: configuration.model, apiKeyEnv: configuration.apiKeyEnv,
            apiKeyFile: configuration.apiKeyFile, maxTokens: configuration.maxTokens,
            temperature: configuration.temperature, maxTemperature: 1, headers: configuration.headers,
            credentialHeaders: ["x-api-key", "authorization"])
        if configuration.anthropicVersion.isEmpty {
            problems.append("anthropic_version: expected an API version such as \"2023-06-01\"")
        }
        if configuration.baseURL.hasPrefix(defaultBaseURL), configuration.apiKeyEnv == nil,
            configuration.apiKeyFile == nil
        {
            problems.append("api_key_env: api.anthropic.com needs a key: give api_key_env or api_key_file")
        }
        return problems
    }

    public static func makeProvider(
        _ configuration: Configuration, context: GenerativeContext
    ) throws(PluginError)
        -> any GenerativeProvider
    {
        let key = try Credential.read(
            env: configuration.apiKeyEnv, file: configuration.apiKeyFile, context: context, what: "api_key")
        return AnthropicProvider(configuration, apiKey: key)
    }
}

/// One Messages request per `complete`: the system messages become the
/// request's `system`, the others its alternating user/assistant turns.
public struct AnthropicProvider: GenerativeProvider {
    public let name = "anthropic"
    public let model: String
    let endpoint: String
    let headers: [(String, String)]
    let maxTokens: Int
    let temperature: Double
    let client: HTTPClient
    init(_ configuration: AnthropicProviderPlugin.Configuration, apiKey: String?, client: HTTPClient = .shared) {
        endpoint = HTTPProviderOptions.endpoint(configuration.baseURL, "/messages")
        model = configuration.model
        var headers = configuration.headers.keys.sorted().map { ($0, configuration.headers[$0]!) }
        headers.append(("anthropic-version", configuration.anthropicVersion))
        if let apiKey { headers.append(("x-api-key", apiKey)) }
        self.headers = headers
        maxTokens = configuration.maxTokens
        temperature = configuration.temperature
        self.client = client
    }

    struct Body: Encodable {
        struct Message: Encodable, Equatable {
            var role: String
            var content: String
        }
        var model: String
        var system: String?
        var messages: [Message]
        var max_tokens: Int
        var temperature: Double
    }

    struct Answer: Decodable {
        struct Block: Decodable {
            var type: String
            var text: String?
        }
        struct Usage: Decodable {
            var input_tokens: Int?
            var output_tokens: Int?
        }
        var model: String?
        var content: [Block]?
        var usage: Usage?
    }

    /// The Messages API's shape of a chat: one `system` text, then turns
    /// that start with the user and alternate (two turns of one role in a
    /// row are joined).
    static func body(_ prompt: ChatPrompt, model: String, maxTokens: Int, temperature: Double) -> Body {
        let system = prompt.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        var turns: [Body.Message] = []
        for message in prompt.messages where message.role != .system {
            let role = message.role == .assistant ? "assistant" : "user"
            if turns.isEmpty && role == "assistant" { turns.append(.init(role: "user", content: "(start)")) }
            if turns.last?.role == role {
                turns[turns.count - 1].content += "\n\n" + message.content
            } else {
                turns.append(.init(role: role, content: message.content))
            }
        }
        return Body(
            model: model, system: system.isEmpty ? nil : system, messages: turns, max_tokens: maxTokens,
            temperature: temperature)
    }

    public func complete(_ prompt: ChatPrompt, timeout: Duration) async throws(ProviderFailure) -> Completion {
        let body = Self.body(prompt, model: model, maxTokens: maxTokens, temperature: temperature)
        let bytes = try await HTTPExchange.postJSON(
            body, to: endpoint, headers: headers, client: client, timeout: timeout)
        let answer: Answer
        do { answer = try JSONDecoder().decode(Answer.self, from: Data(bytes)) } catch {
            throw .malformed("the answer is not Messages JSON")
        }
        guard let blocks = answer.content else { throw .malformed("the answer has no content") }
        let texts = blocks.filter { $0.type == "text" }.compactMap(\.text)
        guard !texts.isEmpty else {
            throw .malformed(blocks.isEmpty ? "the answer's content list is empty" : "the answer has no text block")
        }
        return Completion(
            text: texts.joined(), model: answer.model ?? model, promptTokens: answer.usage?.input_tokens,
            completionTokens: answer.usage?.output_tokens)
    }
}
