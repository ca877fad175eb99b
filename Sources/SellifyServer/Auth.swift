import Crypto
import Foundation
import HTTPTypes
import Hummingbird
public import SellifyCore

/// One API key as the server knows it: a name, the SHA-256 of the key and
/// its scopes. The key itself is never stored.
public struct APIKeyEntry: Sendable, Equatable {
    public var name: String
    public var sha256: [UInt8]
    public var scopes: Set<Scope>
    public init(name: String, sha256: [UInt8], scopes: Set<Scope>) {
        self.name = name
        self.sha256 = sha256
        self.scopes = scopes
    }
}

/// The configured keys. A presented key is hashed and compared with every
/// entry in constant time (no early exit), so timing reveals nothing.
public struct APIKeyRing: Sendable {
    public let entries: [APIKeyEntry]

    public init(entries: [APIKeyEntry]) { self.entries = entries }

    public init(configuration: AuthConfiguration) {
        entries = configuration.apiKeys.map { key in
            APIKeyEntry(name: key.name, sha256: Self.bytes(fromHex: key.sha256.hex) ?? [], scopes: Set(key.scopes))
        }
    }

    public func authenticate(_ presented: String) -> APIKeyEntry? {
        let digest = Array(SHA256.hash(data: Array(presented.utf8)))
        var found: APIKeyEntry?
        for entry in entries where Self.constantTimeEquals(digest, entry.sha256) {
            found = entry
        }
        return found
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    public static func bytes(fromHex hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let high = Self.nibble(digits[i]), let low = Self.nibble(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String { AuditChain.hex(bytes) }
}

/// Fresh keys: `sk_` + 32 random bytes in hex (256 bits from the system RNG).
public enum APIKeyGenerator {
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "sk_" + APIKeyRing.hex(bytes)
    }

    public static func sha256Hex(of key: String) -> String {
        APIKeyRing.hex(SHA256.hash(data: Array(key.utf8)))
    }
}

/// The first-start key: with no key configured, one key with
/// every scope is generated, only its hash is kept (beside the store, mode
/// 0600), and the key is shown once.
public struct BootstrapKey: Sendable {
    /// The key, only on the start that created it.
    public var key: String?
    public var hashFile: String
    public var entry: APIKeyEntry

    public static let fileName = "api-key.sha256"

    public static func loadOrCreate(directory: String) throws(StoreError) -> BootstrapKey {
        let path = (directory as NSString).appendingPathComponent(fileName)
        let all: Set<Scope> = [.decide, .read, .admin]
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let hex = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard hex.utf8.count == 64, let digest = APIKeyRing.bytes(fromHex: hex) else {
                throw StoreError(
                    "\(path): expected the 64 hex digits of a SHA-256; delete the file to generate a new key")
            }
            return BootstrapKey(
                key: nil, hashFile: path, entry: APIKeyEntry(name: "generated", sha256: digest, scopes: all))
        }
        let key = APIKeyGenerator.newKey()
        let hex = APIKeyGenerator.sha256Hex(of: key)
        let created: Bool
        do {
            created = try SecretFile.createExclusively(path, contents: Array((hex + "\n").utf8))
        } catch {
            throw StoreError("\(error.message) (the generated API key's hash)")
        }
        // Another process created it first: its key stands, this one is never shown.
        if !created { return try loadOrCreate(directory: directory) }
        return BootstrapKey(
            key: key, hashFile: path,
            entry: APIKeyEntry(name: "generated", sha256: APIKeyRing.bytes(fromHex: hex)!, scopes: all))
    }
}

extension SellifyServer {
    /// 401 without a key or with an unknown one, 403 without the scope,
    /// 429 over the key's rate.
    func authorize(_ request: Request, scope: Scope) throws -> APIKeyEntry {
        let presented: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError(
                    .unauthorized, "unauthorized", "Authorization must be 'Bearer <key>'",
                    headers: [.wwwAuthenticate: "Bearer"])
            }
            presented = String(parts[1]).trimmingCharacters(in: .whitespaces)
        } else {
            presented = request.headers[HTTPField.Name("X-API-Key")!]
        }
        guard let presented, !presented.isEmpty else {
            throw APIError(
                .unauthorized, "unauthorized", "an API key is required (Authorization: Bearer <key> or X-API-Key)",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let key = keys.authenticate(presented) else {
            throw APIError(.unauthorized, "unauthorized", "unknown API key", headers: [.wwwAuthenticate: "Bearer"])
        }
        guard key.scopes.contains(scope) else {
            throw APIError(.forbidden, "forbidden", "the key '\(key.name)' lacks the '\(scope.rawValue)' scope")
        }
        if let retryAfter = limiter.acquire(key.name) {
            throw APIError(
                .tooManyRequests, "rate_limited",
                "the key '\(key.name)' is over rate_limit.requests_per_second; retry after \(retryAfter)s",
                headers: [.retryAfter: String(retryAfter)])
        }
        return key
    }
}
