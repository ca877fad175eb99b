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

    /// Bodies are read by `JSONBody.read` with the configured limit.
    public var maxUploadSize: Int { 0 }
}
