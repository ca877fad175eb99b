public import HTTPTypes
public import Hummingbird
public import SellifyCore

/// An error answered as `{"error":{"code":"…","message":"…"}}` with its HTTP
/// status. `code` is stable (clients switch on it); `message` is for people.
public struct APIError: Error, Sendable, HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Extra machine-readable facts (a field name, diagnostics, violations).
    public var details: JSONObjectWriter?
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, _ code: String, _ message: String, details: JSONObjectWriter? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public var body: JSONObjectWriter {
        var error = JSONObjectWriter()
        error["code"] = .string(code)
        error["message"] = .string(message)
        if let details { error["details"] = .object(details) }
        var body = JSONObjectWriter()
        body["error"] = .object(error)
        return body
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(status, body, headers: headers)
    }

    public var response: Response { JSONResponse.make(status, body, headers: headers) }
}

extension APIError {
    /// A use case's refusal, as the API answers it.
    init(_ error: ServiceError) {
        switch error.kind {
        case .invalidField(let field):
            self = .invalidField(
                field,
                error.message.hasPrefix(field + ": ") ? String(error.message.dropFirst(field.count + 2)) : error.message
            )
        case .notFound:
            self.init(.notFound, error.code, error.message, details: error.details)
        case .conflict:
            self.init(.conflict, error.code, error.message, details: error.details)
        case .unprocessable:
            self.init(.unprocessableContent, error.code, error.message, details: error.details)
        case .storeUnavailable:
            self.init(
                .serviceUnavailable, error.code, error.message, details: error.details, headers: [.retryAfter: "1"])
        }
    }

    static func malformedJSON(_ message: String) -> APIError {
        APIError(.badRequest, "malformed_json", message)
    }

    static func invalidField(_ field: String, _ message: String) -> APIError {
        var details = JSONObjectWriter()
        details["field"] = .string(field)
        return APIError(
            .badRequest, "invalid_field", field.isEmpty ? message : "\(field): \(message)", details: details)
    }

    static func invalidParameter(_ name: String, _ message: String) -> APIError {
        var details = JSONObjectWriter()
        details["parameter"] = .string(name)
        return APIError(.badRequest, "invalid_parameter", "\(name): \(message)", details: details)
    }

    static func store(_ error: StoreError) -> APIError {
        APIError(
            .serviceUnavailable, "store_unavailable", "the store failed: \(error.message)", headers: [.retryAfter: "1"])
    }

    static let timeout = APIError(
        .serviceUnavailable, "timeout", "the request did not finish within server.request_timeout",
        headers: [.retryAfter: "1"])

    static let shuttingDown = APIError(
        .serviceUnavailable, "shutting_down", "the server is shutting down", headers: [.retryAfter: "1"])
}

/// JSON responses with the content type every API answer carries.
enum JSONResponse {
    static let contentType = "application/json; charset=utf-8"

    static func make(_ status: HTTPResponse.Status, _ object: JSONObjectWriter, headers: HTTPFields = [:]) -> Response {
        make(status, bytes: Array(object.string.utf8), headers: headers)
    }

    static func make(_ status: HTTPResponse.Status, bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }
}
