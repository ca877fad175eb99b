public import Crypto
import Foundation

/// A Sellify license: who may run it, for which account, until when, with
/// which limits and features — signed by the vendor with Ed25519.
///
/// On disk (`license.json`):
///
/// ```json
/// {
///   "format": "sellify-license-1",
///   "key_id": "sellify-2026",
///   "payload": "<base64 of the license's JSON bytes>",
///   "signature": "<base64 of the Ed25519 signature of those bytes>"
/// }
/// ```
///
/// The signature covers the payload's exact bytes (no canonical form to get
/// wrong); the payload is then parsed strictly: every field present and of
/// its type, no unknown field.
public struct License: Sendable, Equatable {
    public var id: String
    public var accountID: String
    public var licensee: String
    public var issued: Timestamp
    public var expires: Timestamp
    /// e.g. `instances: 4`: the most of each the license allows.
    public var limits: [String: Int]
    public var features: [String]

    public init(
        id: String, accountID: String, licensee: String, issued: Timestamp, expires: Timestamp,
        limits: [String: Int] = [:], features: [String] = []
    ) {
        self.id = id
        self.accountID = accountID
        self.licensee = licensee
        self.issued = issued
        self.expires = expires
        self.limits = limits
        self.features = features
    }

    public static let format = "sellify-license-1"

    /// The payload: sorted-key JSON.
    public var jsonBytes: [UInt8] {
        var limitsObject = JSONObjectWriter()
        for (name, value) in limits { limitsObject[name] = .int(value) }
        var o = JSONObjectWriter()
        o["license_id"] = .string(id)
        o["account_id"] = .string(accountID)
        o["licensee"] = .string(licensee)
        o["issued"] = .string(issued.description)
        o["expires"] = .string(expires.description)
        o["limits"] = .object(limitsObject)
        o["features"] = .array(features.map { .string($0) })
        return Array(o.string.utf8)
    }

    /// Parses a payload strictly; `file` names it in errors.
    static func parse(_ bytes: [UInt8], file: String) throws(LicenseError) -> License {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch {
            throw LicenseError(file, "the payload is not JSON (\(error.message))")
        }
        guard case .object(let fields) = value else { throw LicenseError(file, "the payload is not a JSON object") }
        let known: Set = ["license_id", "account_id", "licensee", "issued", "expires", "limits", "features"]
        if let unknown = fields.keys.filter({ !known.contains($0) }).sorted().first {
            throw LicenseError(file, "the payload has an unknown field '\(unknown)'")
        }
        func string(_ name: String) throws(LicenseError) -> String {
            guard case .string(let text)? = fields[name], !text.isEmpty else {
                throw LicenseError(file, "the payload's '\(name)' is missing or not a non-empty string")
            }
            return text
        }
        func time(_ name: String) throws(LicenseError) -> Timestamp {
            let text = try string(name)
            guard let time = Timestamp(rfc3339: text) else {
                throw LicenseError(file, "the payload's '\(name)' is not an RFC 3339 time: \"\(text)\"")
            }
            return time
        }
        var limits: [String: Int] = [:]
        guard case .object(let limitFields)? = fields["limits"] else {
            throw LicenseError(file, "the payload's 'limits' is missing or not an object")
        }
        for (name, value) in limitFields {
            guard case .number(let text) = value, let number = Int(text), number >= 0 else {
                throw LicenseError(file, "the payload's limit '\(name)' is not a whole number ≥ 0")
            }
            limits[name] = number
        }
        guard case .array(let featureValues)? = fields["features"] else {
            throw LicenseError(file, "the payload's 'features' is missing or not an array")
        }
        var features: [String] = []
        for value in featureValues {
            guard case .string(let feature) = value else {
                throw LicenseError(file, "the payload's 'features' holds something other than strings")
            }
            features.append(feature)
        }
        let license = License(
            id: try string("license_id"), accountID: try string("account_id"), licensee: try string("licensee"),
            issued: try time("issued"), expires: try time("expires"), limits: limits, features: features)
        guard license.issued < license.expires else {
            throw LicenseError(
                file, "the payload's 'expires' (\(license.expires)) is not after 'issued' (\(license.issued))")
        }
        return license
    }
}

/// A license file's problem: `<file>: <reason>`.
public struct LicenseError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ file: String, _ reason: String) { message = "\(file): \(reason)" }
    public var description: String { message }
}

/// A license file whose signature checked out, with what it says.
public struct VerifiedLicense: Sendable, Equatable {
    public var license: License
    public var keyID: String
    public init(license: License, keyID: String) {
        self.license = license
        self.keyID = keyID
    }
}

/// Checks license files against the vendor's public keys.
public struct LicenseVerifier: Sendable {
    /// The vendor's public keys, by key id (raw 32-byte Ed25519 keys, base64).
    /// A new key is added here (and signs new licenses) while the old ones stay
    /// for the licenses they signed; the private keys never leave the vendor.
    public static let vendorKeys: [String: String] = [
        "sellify-2026": "GOdQzL6GYkmXzqEc8evg/BzetV1DnD2DWb1DaUx/3Ys="
    ]

    /// The compiled-in vendor keys.
    public static var vendor: LicenseVerifier {
        LicenseVerifier(
            trusted: vendorKeys.compactMapValues { text in
                Data(base64Encoded: text).flatMap { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
            })
    }

    public let trusted: [String: Curve25519.Signing.PublicKey]
    public init(trusted: [String: Curve25519.Signing.PublicKey]) { self.trusted = trusted }

    /// The license in `bytes` (the file's contents; `file` names it), its
    /// signature checked. `account`: the deployment's `account.id`, which the
    /// license must name. `now`: a license issued after it is refused (a clock
    /// set back, or a license not yet valid). Expiry is not an error here: see
    /// `LicenseStatus`.
    public func verify(
        _ bytes: [UInt8], file: String, account: String?, now: Timestamp
    ) throws(LicenseError) -> VerifiedLicense {
        let (keyID, payload, signature) = try Self.envelope(bytes, file: file)
        guard let key = trusted[keyID] else {
            let known = trusted.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw LicenseError(file, "signed with an unknown key id '\(keyID)' (this build trusts \(known))")
        }
        guard key.isValidSignature(signature, for: payload) else {
            throw LicenseError(
                file,
                "the signature does not match: the license was changed after signing, or not signed by key '\(keyID)'")
        }
        let license = try License.parse(payload, file: file)
        if let account, license.accountID != account {
            throw LicenseError(
                file, "the license is for account '\(license.accountID)'; this deployment's account.id is '\(account)'")
        }
        if license.issued > now {
            throw LicenseError(
                file, "issued \(license.issued), after now (\(now)): check the clock, or the license is not valid yet")
        }
        return VerifiedLicense(license: license, keyID: keyID)
    }

    /// The envelope's key id, payload bytes and signature; what is wrong with it otherwise.
    static func envelope(_ bytes: [UInt8], file: String) throws(LicenseError) -> (String, [UInt8], [UInt8]) {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch {
            throw LicenseError(
                file, "not a license file (\(error.message)); expected JSON with format, key_id, payload and signature")
        }
        guard case .object(let fields) = value else {
            throw LicenseError(file, "not a license file: not a JSON object")
        }
        guard case .string(let format)? = fields["format"], format == License.format else {
            throw LicenseError(file, "not a license file: 'format' must be \"\(License.format)\"")
        }
        if let unknown = fields.keys.filter({ !["format", "key_id", "payload", "signature"].contains($0) }).sorted()
            .first
        {
            throw LicenseError(file, "unknown field '\(unknown)'")
        }
        guard case .string(let keyID)? = fields["key_id"], !keyID.isEmpty else {
            throw LicenseError(file, "'key_id' is missing or empty")
        }
        guard case .string(let payloadText)? = fields["payload"], let payload = Data(base64Encoded: payloadText),
            !payload.isEmpty
        else {
            throw LicenseError(file, "'payload' is missing or not base64")
        }
        guard case .string(let signatureText)? = fields["signature"],
            let signature = Data(base64Encoded: signatureText), signature.count == 64
        else {
            throw LicenseError(file, "'signature' is missing or not the base64 of 64 bytes (Ed25519)")
        }
        return (keyID, Array(payload), Array(signature))
    }
}

/// Making license files (the vendor's side: `sellify license sign`).
public enum LicenseSigner {
    /// The license file for `license`, signed with `key` under `keyID`.
    public static func sign(
        _ license: License, keyID: String, with key: Curve25519.Signing.PrivateKey
    ) throws -> [UInt8] {
        let payload = license.jsonBytes
        let signature = try key.signature(for: payload)
        var o = JSONObjectWriter()
        o["format"] = .string(License.format)
        o["key_id"] = .string(keyID)
        o["payload"] = .string(Data(payload).base64EncodedString())
        o["signature"] = .string(signature.base64EncodedString())
        return Array((o.string + "\n").utf8)
    }
}

/// Where a license stands at a time: valid (and how long), in its grace
/// period after expiry (decisions go on; everything says so), or expired.
public enum LicenseStatus: Sendable, Equatable {
    case valid(expiresIn: Int64)
    case grace(endsIn: Int64)
    case expired

    /// `grace`: how long decisions go on after `expires`. Times in milliseconds.
    public static func at(_ now: Timestamp, license: License, grace: Int64) -> LicenseStatus {
        if now < license.expires { return .valid(expiresIn: license.expires.milliseconds - now.milliseconds) }
        let end = license.expires.milliseconds + grace
        if now.milliseconds < end { return .grace(endsIn: end - now.milliseconds) }
        return .expired
    }

    /// The days before expiry at which an alert is due.
    public static let warningDays: [Int64] = [30, 7, 1]
}

extension LicenseStatus {
    /// `valid`, `grace` or `expired`.
    public var name: String {
        switch self {
        case .valid: "valid"
        case .grace: "grace"
        case .expired: "expired"
        }
    }
}

extension License {
    /// What the community edition (no license configured) allows.
    public static let communityLimits: [String: Int] = ["instances": 1]
    /// The limits this version enforces; others in a license are shown, not enforced.
    public static let knownLimits: Set<String> = ["instances"]
}

extension Deployment {
    /// The limits in force: the license's, or the community edition's without one.
    public var licenseLimits: [String: Int] { license?.license.limits ?? License.communityLimits }

    /// The license's status at `now` (nil: the community edition, no license).
    public func licenseStatus(at now: Timestamp) -> LicenseStatus? {
        license.map {
            LicenseStatus.at(now, license: $0.license, grace: configuration.license.gracePeriod.milliseconds)
        }
    }

    /// What `/ready` and the license gauges say: licensee, key id, status, expiry.
    public func licenseSummary(
        at now: Timestamp
    ) -> (licensee: String, keyID: String, status: String, expires: Timestamp?) {
        guard let verified = license, let status = licenseStatus(at: now) else {
            return ("community", "", "community", nil)
        }
        return (verified.license.licensee, verified.keyID, status.name, verified.license.expires)
    }
}
