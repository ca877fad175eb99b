/// Why a use case of `DecisionService` refused or failed, in terms every
/// front end can render: the HTTP API as a status and `{"error":{…}}`, the
/// CLI as a message and an exit code. `code` is stable; `message` is for people.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A field of the request is wrong (HTTP 400 `invalid_field`).
        case invalidField(String)
        /// What was asked for does not exist (404).
        case notFound
        /// The request contradicts what is recorded (409).
        case conflict
        /// Well-formed but cannot be done (422).
        case unprocessable
        /// The store failed; nothing was answered without its record (503).
        case storeUnavailable
    }

    public var kind: Kind
    public var code: String
    public var message: String
    public var details: JSONObjectWriter?

    public init(_ kind: Kind, _ code: String, _ message: String, details: JSONObjectWriter? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { message }

    public static func invalidField(_ field: String, _ message: String) -> ServiceError {
        ServiceError(.invalidField(field), "invalid_field", field.isEmpty ? message : "\(field): \(message)")
    }

    public static func store(_ error: StoreError) -> ServiceError {
        ServiceError(.storeUnavailable, "store_unavailable", "the store failed: \(error.message)")
    }
}
