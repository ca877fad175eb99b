public import Hummingbird

/// The per-request context: Hummingbird's core storage plus the caller's
/// API key once authenticated.
public struct SellifyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated key; nil on public routes.
    public var apiKey: APIKeyEntry?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Hummingbird's own upload limit is off: bodies are read by `BodyReader`
    /// (JSONBody.swift) with `server.body_limit`, so an oversized body gets
    /// the API's own 413 answer.
    public var maxUploadSize: Int { 0 }
}
