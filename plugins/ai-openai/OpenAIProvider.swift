import AsyncHTTPClient
import FoundationEssentials
import SellifyAIHTTP
public import SellifyCore

/// `ai.openai`: any OpenAI-compatible Chat Completions endpoint — OpenAI,
/// Azure-style base URLs, vLLM, llama.cpp's server, Ollama's `/v1` — through
/// async-http-client.
///
/// ```yaml
/// ai:
///   providers:
///     - type: openai
///       base_url: https://api.openai.com/v1   # POST <base_url>/chat/completions
///       model: gpt-4o-mini
///       api_key_env: OPENAI_API_KEY           # or api_key_file: /run/secrets/openai
///       max_tokens: 200
///       temperature: 0
///       seed: 7                               # where the server supports it
///       headers: { api-version: 2024-06-01 }  # extra headers (Azure), no secrets
/// ```
public enum OpenAIProviderPlugin: GenerativeProviderPlugin {
    public static let id = PluginID(kind: "ai", name: "openai")

    public struct Configuration: Decodable, Sendable, Equatable {
        public var baseURL: String
        public var model: String
        public var apiKeyEnv: String?
        public var apiKeyFile: String?
        public var maxTokens = 200
        public var temperature = 0.0
        public var seed: Int?
        public var headers: [String: String] = [:]

        enum CodingKeys: String, CodingKey {
            case baseURL = "base_url", model, apiKeyEnv = "api_key_env", apiKeyFile = "api_key_file"
            case maxTokens = "max_tokens", temperature, seed, headers
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            baseURL = try c.decode(String.self, forKey: .baseURL)
            model = try c.decode(String.self, forKey: .model)
            apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
            apiKeyFile = try c.decodeIfPresent(String.self, forKey: .apiKeyFile)
            maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? maxTokens
            temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? temperature
            seed = try c.decodeIfPresent(Int.self, forKey: .seed)
            headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        }
    }

    public static func validate(_ configuration: Configuration) -> [String] {
        HTTPProviderOptions.problems(
            baseURL: configuration.baseURL, model: configuration.model, apiKeyEnv: configuration.apiKeyEnv,
            apiKeyFile: configuration.apiKeyFile, maxTokens: configuration.maxTokens,
            temperature: configuration.temperature, maxTemperature: 2, headers: configuration.headers,
            credentialHeaders: ["authorization", "api-key"])
    }

    public static func makeProvider(
        _ configuration: Configuration, context: GenerativeContext
    ) throws(PluginError)
        -> any GenerativeProvider
    {
        let key = try Credential.read(
            env: configuration.apiKeyEnv, file: configuration.apiKeyFile, context: context, what: "api_key")
        return OpenAIProvider(configuration, apiKey: key)
    }
}

/// One Chat Completions request per `complete`.
public struct OpenAIProvider: GenerativeProvider {
    public let name = "openai"
    public let model: String
    let endpoint: String
    let apiKey: String?
    let headers: [(String, String)]
    let maxTokens: Int
    let temperature: Double
    let seed: Int?
    let client: HTTPClient
    init(_ configuration: OpenAIProviderPlugin.Configuration, apiKey: String?, client: HTTPClient = .shared) {
        endpoint = HTTPProviderOptions.endpoint(configuration.baseURL, "/chat/completions")
        model = configuration.model
        self.apiKey = apiKey
        headers = configuration.headers.keys.sorted().map { ($0, configuration.headers[$0]!) }
        maxTokens = configuration.maxTokens
        temperature = configuration.temperature
        seed = configuration.seed
        self.client = client
    }

    struct Body: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }
        var model: String
        var messages: [Message]
        var max_tokens: Int
        var temperature: Double
        var seed: Int?
        var stream = false
    }

    struct Answer: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            var message: Message?
        }
        struct Usage: Decodable {
            var prompt_tokens: Int?
            var completion_tokens: Int?
        }
        var model: String?
        var choices: [Choice]?
        var usage: Usage?
    }

    public func complete(_ prompt: ChatPrompt, timeout: Duration) async throws(ProviderFailure) -> Completion {
        let body = Body(
            model: model, messages: prompt.messages.map { Body.Message(role: $0.role.rawValue, content: $0.content) },
            max_tokens: maxTokens, temperature: temperature, seed: seed)
        var sent = headers
        if let apiKey {
            sent.append(("Authorization", "Bearer \(apiKey)"))
            sent.append(("api-key", apiKey))  // Azure-style endpoints
        }
        let bytes = try await HTTPExchange.postJSON(
            body, to: endpoint, headers: sent, client: client, timeout: timeout)
        let answer: Answer
        do { answer = try JSONDecoder().decode(Answer.self, from: Data(bytes)) } catch {
            throw .malformed("the answer is not Chat Completions JSON")
        }
        guard let choices = answer.choices else { throw .malformed("the answer has no choices") }
        guard let content = choices.first?.message?.content else {
            throw .malformed(choices.isEmpty ? "the answer's choice list is empty" : "the first choice has no text")
        }
        return Completion(
            text: content, model: answer.model ?? model, promptTokens: answer.usage?.prompt_tokens,
            completionTokens: answer.usage?.completion_tokens)
    }
}
