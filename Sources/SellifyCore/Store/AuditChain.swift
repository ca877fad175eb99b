public import Crypto
import Foundation

/// The hash chain of the audit log. Every record's `hash` is SHA-256 over a
/// canonical encoding of its fields and the previous record's hash, so
/// changing, deleting or reordering one record breaks every link after it.
public enum AuditChain {
    /// `prev_hash` of the very first record.
    public static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 (hex) of the canonical encoding: a version tag, then every
    /// field as presence byte + 8-byte big-endian length + bytes, in a fixed order.
    public static func hash(
        sequence: Int64, entry: AuditEntry, keyID: String?, sealed: [UInt8]?, prevHash: String
    ) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("sellify-audit-v1".utf8))
        func field(_ bytes: [UInt8]?) {
            guard let bytes else {
                hasher.update(data: [0])
                return
            }
            var length = UInt64(bytes.count).bigEndian
            hasher.update(data: [1])
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: bytes)
        }
        func text(_ value: String?) { field(value.map { Array($0.utf8) }) }
        text(String(sequence))
        text(String(entry.at.milliseconds))
        text(entry.kind)
        text(entry.conversationID)
        text(entry.messageID)
        text(entry.summary)
        text(entry.rulesVersion)
        text(entry.inputDigest)
        text(keyID)
        field(sealed)
        text(prevHash)
        return hex(hasher.finalize())
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first broken link found by a walk over the chain.
    public struct Break: Sendable, Equatable, CustomStringConvertible {
        public var sequence: Int64
        public var expected: String
        public var found: String
        public var reason: String
        public init(sequence: Int64, expected: String, found: String, reason: String) {
            self.sequence = sequence
            self.expected = expected
            self.found = found
            self.reason = reason
        }
        public var description: String {
            "record \(sequence): \(reason) (expected \(expected), found \(found))"
        }
    }

    /// Checks records in sequence order, continuing from `previous`
    /// (sequence and hash of the record before the first, or the anchor).
    /// Returns the first break, or nil; updates `previous`.
    public static func check(_ records: [AuditRecord], previous: inout (sequence: Int64, hash: String)) -> Break? {
        for record in records {
            if record.sequence != previous.sequence + 1 {
                return Break(
                    sequence: record.sequence, expected: "sequence \(previous.sequence + 1)",
                    found: "sequence \(record.sequence)",
                    reason: record.sequence > previous.sequence + 1 ? "records are missing before it" : "out of order")
            }
            if record.prevHash != previous.hash {
                return Break(
                    sequence: record.sequence, expected: previous.hash, found: record.prevHash,
                    reason: "prev_hash does not match the previous record's hash")
            }
            let computed = hash(
                sequence: record.sequence, entry: record.entry, keyID: record.keyID, sealed: record.sealed,
                prevHash: record.prevHash)
            if computed != record.hash {
                return Break(
                    sequence: record.sequence, expected: computed, found: record.hash,
                    reason: "the record's content does not match its hash")
            }
            previous = (record.sequence, record.hash)
        }
        return nil
    }
}

/// The canonical digest of an input event (what `input_digest` holds).
extension MessageEvent {
    public var inputDigest: String {
        var hasher = SHA256()
        // The channel is part of the input only when the connector named it
        // (digests of events without one stay what they were).
        let parts =
            [conversationID, messageID, type.rawValue, text, receivedAt.description]
            + (channel.map { [$0.rawValue] } ?? [])
        for part in parts {
            var length = UInt64(part.utf8.count).bigEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Array(part.utf8))
        }
        return AuditChain.hex(hasher.finalize())
    }
}

/// The keys that seal the sensitive part of audit records (AES-256-GCM).
/// The first key seals new records; every key opens the records it sealed,
/// so keys rotate by adding a new first key and keeping the old ones.
public struct AuditKeyring: Sendable {
    public struct Key: Sendable {
        public var id: String
        public var key: SymmetricKey
        public init(id: String, key: SymmetricKey) {
            self.id = id
            self.key = key
        }
    }

    public let keys: [Key]
    public var currentID: String { keys[0].id }

    public init(keys: [Key]) {
        precondition(!keys.isEmpty, "an audit keyring needs at least one key")
        self.keys = keys
    }

    /// A keyring of one random key (tests, in-memory stores).
    public static func ephemeral(id: String = "ephemeral") -> AuditKeyring {
        AuditKeyring(keys: [Key(id: id, key: SymmetricKey(size: .bits256))])
    }

    /// Seals `plaintext`; the record's sequence number is authenticated data,
    /// so a sealed blob cannot be moved to another record.
    public func seal(_ plaintext: String, sequence: Int64) throws(AuditKeyError) -> (keyID: String, sealed: [UInt8]) {
        do {
            let box = try AES.GCM.seal(
                Array(plaintext.utf8), using: keys[0].key, authenticating: Self.aad(sequence))
            guard let combined = box.combined else { throw AuditKeyError("AES-GCM produced no combined box") }
            return (keys[0].id, Array(combined))
        } catch let error as AuditKeyError {
            throw error
        } catch {
            throw AuditKeyError("seal audit record \(sequence): \(error)")
        }
    }

    public func open(_ sealed: [UInt8], keyID: String, sequence: Int64) throws(AuditKeyError) -> String {
        guard let key = keys.first(where: { $0.id == keyID }) else {
            throw AuditKeyError("audit record \(sequence) is sealed with key '\(keyID)', which is not configured")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plain = try AES.GCM.open(box, using: key.key, authenticating: Self.aad(sequence))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw AuditKeyError(
                "audit record \(sequence): cannot be opened with key '\(keyID)' (tampered or wrong key)")
        }
    }

    static func aad(_ sequence: Int64) -> [UInt8] { Array("sellify-audit-v1:\(sequence)".utf8) }

    /// Seals `plaintext` bound to `context` (authenticated data naming what
    /// it belongs to, e.g. a conversation's pending messages), so a sealed
    /// blob cannot be moved elsewhere.
    public func seal(_ plaintext: String, context: String) throws(AuditKeyError) -> (keyID: String, sealed: [UInt8]) {
        do {
            let box = try AES.GCM.seal(Array(plaintext.utf8), using: keys[0].key, authenticating: Array(context.utf8))
            guard let combined = box.combined else { throw AuditKeyError("AES-GCM produced no combined box") }
            return (keys[0].id, Array(combined))
        } catch let error as AuditKeyError {
            throw error
        } catch {
            throw AuditKeyError("seal \(context): \(error)")
        }
    }

    public func open(_ sealed: [UInt8], keyID: String, context: String) throws(AuditKeyError) -> String {
        guard let key = keys.first(where: { $0.id == keyID }) else {
            throw AuditKeyError("\(context) is sealed with key '\(keyID)', which is not configured")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return String(
                decoding: try AES.GCM.open(box, using: key.key, authenticating: Array(context.utf8)), as: UTF8.self)
        } catch {
            throw AuditKeyError("\(context): cannot be opened with key '\(keyID)' (tampered or wrong key)")
        }
    }

    /// Decodes a key given as base64 of 32 bytes.
    public static func decodeKey(_ text: String, source: String) throws(AuditKeyError) -> SymmetricKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed), data.count == 32 else {
            throw AuditKeyError("\(source): expected the base64 of 32 random bytes (e.g. `openssl rand -base64 32`)")
        }
        return SymmetricKey(data: data)
    }

    /// Loads `audit.keys`; with none configured, uses (creating on the first
    /// start, mode 0600) the key file `defaultKeyFile`. A configured key that
    /// cannot be read is an error — never a silent fallback to plaintext.
    public static func load(
        _ configuration: AuditConfiguration, resolve: (String) -> String, environment: [String: String],
        defaultKeyFile: String
    ) throws(AuditKeyError) -> (keyring: AuditKeyring, createdFile: String?) {
        if configuration.keys.isEmpty {
            let fileManager = FileManager.default
            if let text = try? String(contentsOfFile: defaultKeyFile, encoding: .utf8) {
                return (AuditKeyring(keys: [Key(id: "local", key: try decodeKey(text, source: defaultKeyFile))]), nil)
            }
            if fileManager.fileExists(atPath: defaultKeyFile) {
                throw AuditKeyError("\(defaultKeyFile): exists but cannot be read")
            }
            let key = SymmetricKey(size: .bits256)
            let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() }
            let created: Bool
            do {
                created = try SecretFile.createExclusively(defaultKeyFile, contents: Array((encoded + "\n").utf8))
            } catch {
                throw AuditKeyError("\(error.message) (the audit key file)")
            }
            guard created else {
                // Another process created it first: use its key, never a second one.
                guard let text = try? String(contentsOfFile: defaultKeyFile, encoding: .utf8) else {
                    throw AuditKeyError("\(defaultKeyFile): exists but cannot be read")
                }
                return (AuditKeyring(keys: [Key(id: "local", key: try decodeKey(text, source: defaultKeyFile))]), nil)
            }
            return (AuditKeyring(keys: [Key(id: "local", key: key)]), defaultKeyFile)
        }
        var keys: [Key] = []
        for (index, entry) in configuration.keys.enumerated() {
            let path = "audit.keys[\(index)] (id \(entry.id))"
            if let name = entry.env {
                guard let value = environment[name], !value.isEmpty else {
                    throw AuditKeyError("\(path): environment variable \(name) is not set")
                }
                keys.append(Key(id: entry.id, key: try decodeKey(value, source: "\(path): \(name)")))
            } else if let file = entry.file {
                let resolved = resolve(file)
                guard let text = try? String(contentsOfFile: resolved, encoding: .utf8) else {
                    throw AuditKeyError("\(path): cannot read key file \(resolved)")
                }
                keys.append(Key(id: entry.id, key: try decodeKey(text, source: "\(path): \(resolved)")))
            } else {
                throw AuditKeyError("\(path): needs `env` or `file`")
            }
        }
        return (AuditKeyring(keys: keys), nil)
    }
}

public struct AuditKeyError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension AuditRecord {
    /// The record as sorted-key JSON (`GET /api/v1/audit`, `sellify audit show|export`).
    /// With `keys`, the sealed part is opened into `sensitive`; without, only
    /// `sealed: true` says it exists.
    public func jsonObject(opening keys: AuditKeyring?) -> JSONObjectWriter {
        var o = JSONObjectWriter()
        o["seq"] = .int(Int(sequence))
        o["kind"] = .string(entry.kind)
        o["at"] = .string(entry.at.description)
        o["conversation_id"] = entry.conversationID.map { .string($0) } ?? .null
        o["message_id"] = entry.messageID.map { .string($0) } ?? .null
        // The summary is our own sorted-key JSON object.
        o["summary"] = .raw(entry.summary.isEmpty ? "{}" : entry.summary)
        if let version = entry.rulesVersion { o["rules_version"] = .string(version) }
        if let digest = entry.inputDigest { o["input_digest"] = .string(digest) }
        o["prev_hash"] = .string(prevHash)
        o["hash"] = .string(hash)
        if let sealed, let keyID {
            o["key_id"] = .string(keyID)
            o["sealed"] = .bool(true)
            if let keys {
                do {
                    let opened = try keys.open(sealed, keyID: keyID, sequence: sequence)
                    o["sensitive"] = .raw(opened)
                } catch {
                    o["sensitive_error"] = .string(error.message)
                }
            }
        } else {
            o["sealed"] = .bool(false)
        }
        return o
    }
}

extension AuditChain {
    /// Walks a stored chain from its anchor (`firstSequence`, the hash before
    /// it): `page(after, limit)` gives the records with a sequence above
    /// `after`, oldest first; `highest()` the last sequence the store ever
    /// appended (so deleting the newest records shows). With `keys`, every
    /// sealed text is opened too. The first break ends the walk.
    public static func verify(
        anchor: (firstSequence: Int64, prevHash: String)?, batchSize: Int, keys: AuditKeyring?,
        page: (_ after: Int64, _ limit: Int) throws -> [AuditRecord], highest: () throws -> Int64
    ) rethrows -> AuditVerification {
        guard let anchor else {
            return AuditVerification(
                records: 0,
                firstBreak: Break(
                    sequence: 0, expected: "an anchor row", found: "none", reason: "the audit_anchor row is missing"),
                headSequence: 0, headHash: "")
        }
        var previous: (sequence: Int64, hash: String) = (anchor.firstSequence - 1, anchor.prevHash)
        var count = 0
        var sealed = (checked: 0, unreadable: 0, first: nil as (Int64, String)?)
        func result(_ broken: Break?) -> AuditVerification {
            var verification = AuditVerification(
                records: count, firstBreak: broken, headSequence: previous.sequence, headHash: previous.hash)
            verification.sealedChecked = sealed.checked
            verification.sealedUnreadable = sealed.unreadable
            verification.firstUnreadable = sealed.first
            return verification
        }
        var after = Int64.min
        while true {
            let records = try page(after, batchSize)
            guard let last = records.last else { break }
            if count == 0, let first = records.first, first.sequence < previous.sequence + 1 {
                return result(
                    Break(
                        sequence: first.sequence, expected: "sequence \(previous.sequence + 1) or later",
                        found: "sequence \(first.sequence)", reason: "a record older than the chain's anchor"))
            }
            if let broken = check(records, previous: &previous) { return result(broken) }
            if let keys {
                for record in records {
                    guard let blob = record.sealed, let keyID = record.keyID else { continue }
                    sealed.checked += 1
                    do {
                        _ = try keys.open(blob, keyID: keyID, sequence: record.sequence)
                    } catch {
                        sealed.unreadable += 1
                        if sealed.first == nil { sealed.first = (record.sequence, "\(error)") }
                    }
                }
            }
            count += records.count
            after = last.sequence
        }
        let highest = try highest()
        if highest > previous.sequence {
            return result(
                Break(
                    sequence: previous.sequence + 1, expected: "records up to sequence \(highest)",
                    found: "the log ends at \(previous.sequence)", reason: "records are missing at the end"))
        }
        return result(nil)
    }
}

extension AuditChain {
    /// The records `entries` become when appended after `head`: the next
    /// sequence numbers, the sensitive part sealed with the current key
    /// (bound to its sequence; never kept in the clear — dropped without
    /// keys) and each record's hash linking it to the one before.
    public static func link(
        _ entries: [AuditEntry], after head: (sequence: Int64, hash: String), keys: AuditKeyring?
    ) throws(AuditKeyError) -> [AuditRecord] {
        var (sequence, previous) = head
        var records: [AuditRecord] = []
        records.reserveCapacity(entries.count)
        for var entry in entries {
            sequence += 1
            var keyID: String?
            var sealed: [UInt8]?
            if let sensitive = entry.sensitive, let keys {
                (keyID, sealed) = try keys.seal(sensitive, sequence: sequence)
            }
            entry.sensitive = nil
            let hash = self.hash(sequence: sequence, entry: entry, keyID: keyID, sealed: sealed, prevHash: previous)
            records.append(
                AuditRecord(
                    sequence: sequence, entry: entry, keyID: keyID, sealed: sealed, prevHash: previous, hash: hash))
            previous = hash
        }
        return records
    }
}
