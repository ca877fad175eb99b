import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SellifyCore

/// Reading request bodies: JSON content type, the configured size limit
/// (413 before reading when Content-Length already says too much), strict
/// parsing with a depth limit (400 naming the byte offset).
struct BodyReader: Sendable {
    let limit: Int
    let maxDepth: Int

    func bytes(_ request: Request) async throws -> [UInt8] {
        guard let type = request.headers[.contentType],
            type.lowercased().split(separator: ";").first?.trimmingCharacters(in: .whitespaces) == "application/json"
        else {
            throw APIError(
                .unsupportedMediaType, "unsupported_media_type",
                "expected Content-Type: application/json, got \(request.headers[.contentType].map { "'\($0)'" } ?? "none")"
            )
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw tooLarge
        }
        let body = request.body
        var collected: [UInt8] = []
        var iterator = body.makeAsyncIterator()
        while let chunk = try await iterator.next() {
            if collected.count + chunk.readableBytes > limit { throw tooLarge }
            collected.append(contentsOf: chunk.readableBytesView)
        }
        return collected
    }

    var tooLarge: APIError {
        APIError(
            .contentTooLarge, "body_too_large", "the request body is larger than server.body_limit (\(limit) bytes)")
    }

    /// The body as a JSON object.
    func object(_ request: Request) async throws -> [String: JSONValue] {
        let bytes = try await bytes(request)
        return try Self.object(bytes, maxDepth: maxDepth)
    }

    static func object(_ bytes: [UInt8], maxDepth: Int) throws -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes, maxDepth: maxDepth)
        } catch {
            throw APIError.malformedJSON("invalid JSON at byte \(error.offset): \(error.message)")
        }
        guard case .object(let fields) = value else {
            throw APIError.malformedJSON("expected a JSON object, got \(value.kindDescription)")
        }
        return fields
    }
}

/// Typed access to the fields of a request object, with 400s naming the field.
struct Fields {
    let values: [String: JSONValue]

    init(_ values: [String: JSONValue], allowed: Set<String>) throws {
        for key in values.keys.sorted() where !allowed.contains(key) {
            let known = allowed.sorted().joined(separator: ", ")
            throw APIError.invalidField(key, "unknown field (known: \(known))")
        }
        self.values = values
    }

    func string(_ key: String) throws -> String? {
        switch values[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?: throw APIError.invalidField(key, "expected a string, got \(other.kindDescription)")
        }
    }

    /// An optional string that, when given, is not empty and has at most `maxLength` characters.
    func string(_ key: String, maxLength: Int) throws -> String? {
        guard let value = try string(key) else { return nil }
        guard !value.isEmpty else { throw APIError.invalidField(key, "must not be empty") }
        guard value.count <= maxLength else {
            throw APIError.invalidField(key, "at most \(maxLength) characters, got \(value.count)")
        }
        return value
    }

    func requiredString(_ key: String) throws -> String {
        guard let value = try string(key) else { throw APIError.invalidField(key, "missing") }
        guard !value.isEmpty else { throw APIError.invalidField(key, "must not be empty") }
        return value
    }

    func strings(_ key: String) throws -> [String] {
        switch values[key] {
        case nil, .null?: return []
        case .array(let items)?:
            return try items.map { item in
                guard case .string(let s) = item else {
                    throw APIError.invalidField(key, "expected an array of strings, found \(item.kindDescription)")
                }
                return s
            }
        case let other?: throw APIError.invalidField(key, "expected an array of strings, got \(other.kindDescription)")
        }
    }

    func timestamp(_ key: String) throws -> Timestamp? {
        guard let text = try string(key) else { return nil }
        guard let time = Timestamp(rfc3339: text) else {
            throw APIError.invalidField(
                key, "expected an RFC 3339 timestamp such as 2026-11-29T20:15:00Z, got \"\(text)\"")
        }
        return time
    }
}
