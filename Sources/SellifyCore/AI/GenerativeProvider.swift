/// One message of a chat prompt, in the roles every chat API shares.
public struct ChatMessage: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable { case system, user, assistant }
    public var role: Role
    public var content: String
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// What a generative provider is asked: the messages. The sampling
/// settings (`max_tokens`, `temperature` 0, a `seed` where the server
/// supports one) are each provider's own configuration.
public struct ChatPrompt: Sendable, Equatable {
    public var messages: [ChatMessage]
    public init(messages: [ChatMessage]) { self.messages = messages }
}

/// What a provider answered.
public struct Completion: Sendable, Equatable {
    public var text: String
    /// The model that answered, as the server names it.
    public var model: String
    public var promptTokens: Int?
    public var completionTokens: Int?
    public init(text: String, model: String, promptTokens: Int? = nil, completionTokens: Int? = nil) {
        self.text = text
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// Why a provider gave no completion. Every case names what happened in
/// words an operator can act on, and never carries a credential.
public enum ProviderFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// 429: the provider asks to wait (`Retry-After`, when it says how long).
    case rateLimited(retryAfter: Duration?)
    /// A 5xx status: the provider failed; worth another try.
    case unavailable(status: Int)
    /// A 4xx status other than 429 (a wrong model, a bad key): another try
    /// would fail the same way.
    case rejected(status: Int, message: String)
    /// The connection failed or was reset before an answer.
    case transport(String)
    /// No answer within the time allowed.
    case timeout
    /// An answer that is not the API's JSON, or has no text.
    case malformed(String)

    /// Whether the same request may succeed when tried again.
    public var isRetriable: Bool {
        switch self {
        case .rateLimited, .unavailable, .transport, .timeout: true
        case .rejected, .malformed: false
        }
    }

    /// The metric label (`sellify_ai_requests_total{status}`).
    public var status: String {
        switch self {
        case .rateLimited: "rate_limited"
        case .unavailable: "unavailable"
        case .rejected: "rejected"
        case .transport: "transport_error"
        case .timeout: "timeout"
        case .malformed: "malformed"
        }
    }

    public var description: String {
        switch self {
        case .rateLimited(let wait):
            "rate limited (429)" + (wait.map { ", Retry-After \($0.components.seconds)s" } ?? "")
        case .unavailable(let status): "the provider failed (HTTP \(status))"
        case .rejected(let status, let message): "the provider refused the request (HTTP \(status)): \(message)"
        case .transport(let reason): "connection failed: \(reason)"
        case .timeout: "no answer in time"
        case .malformed(let reason): "unusable answer: \(reason)"
        }
    }
}

/// A model behind an API: OpenAI-compatible Chat Completions, Anthropic's
/// Messages. The host's `AIGateway` wraps each in retries, a concurrency
/// cap and a circuit breaker; a provider makes one attempt per call.
public protocol GenerativeProvider: Sendable {
    /// The plugin's name as `ai.providers` writes it (`openai`): metrics label, audit.
    var name: String { get }
    /// The model asked for.
    var model: String { get }
    /// One request; `timeout` bounds it whole (connect, send, answer).
    func complete(_ prompt: ChatPrompt, timeout: Duration) async throws(ProviderFailure) -> Completion
}
