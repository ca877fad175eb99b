import ArgumentParser
import Crypto
import Foundation
import SellifyCore

struct LicenseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "license",
        abstract: "Inspect, verify or (vendor side) sign a Sellify license file.",
        subcommands: [Inspect.self, Verify.self, Sign.self]
    )

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("error: \(path): cannot read the file")
            throw ExitCode(Runtime.setupFailure)
        }
        return Array(data)
    }

    static func json(_ verified: VerifiedLicense, status: LicenseStatus?) -> JSONObjectWriter {
        let license = verified.license
        var limits = JSONObjectWriter()
        for (name, value) in license.limits { limits[name] = .int(value) }
        var o = JSONObjectWriter()
        o["license_id"] = .string(license.id)
        o["account_id"] = .string(license.accountID)
        o["licensee"] = .string(license.licensee)
        o["issued"] = .string(license.issued.description)
        o["expires"] = .string(license.expires.description)
        o["limits"] = .object(limits)
        o["features"] = .array(license.features.map { .string($0) })
        o["key_id"] = .string(verified.keyID)
        switch status {
        case .valid(let left)?:
            o["status"] = .string("valid")
            o["days_left"] = .int(Int(left / 86_400_000))
        case .grace(let left)?:
            o["status"] = .string("grace")
            o["grace_days_left"] = .int(Int(left / 86_400_000))
        case .expired?:
            o["status"] = .string("expired")
        case nil:
            break
        }
        return o
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a license file's fields as JSON, with whether its signature checks out.")
        @Argument(help: "The license file.") var file: String

        func run() throws {
            let bytes = try LicenseCommand.read(file)
            do {
                let verified = try LicenseVerifier.vendor.verify(
                    bytes, file: file, account: nil, now: SystemClock().now())
                var o = LicenseCommand.json(verified, status: nil)
                o["signature"] = .string("valid")
                printOutput(Array(o.string.utf8))
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a license file: signature, account, dates; print its status as JSON.",
            discussion: """
                Exit 0 when the license is valid or in its grace period, 1 when it is not (bad signature, \
                unknown key id, another account, issued in the future, expired past the grace period).
                """)
        @Argument(help: "The license file.") var file: String
        @Option(help: "The account the license must name (default: none checked).") var account: String?
        @Option(help: "Days decisions go on after expiry.") var graceDays = 14

        func run() throws {
            let bytes = try LicenseCommand.read(file)
            let now = SystemClock().now()
            do {
                let verified = try LicenseVerifier.vendor.verify(bytes, file: file, account: account, now: now)
                let status = LicenseStatus.at(now, license: verified.license, grace: Int64(graceDays) * 86_400_000)
                printOutput(Array(LicenseCommand.json(verified, status: status).string.utf8))
                if status == .expired { throw ExitCode(1) }
            } catch let error as LicenseError {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a signed license file (the vendor's side).",
            discussion: """
                The private key file holds the base64 of a raw 32-byte Ed25519 key; its public half must be \
                one of the key ids this build trusts for the license to verify (`sellify license verify`).
                """)
        @Option(help: "The vendor's private key file (base64 of 32 bytes).") var key: String
        @Option(name: .customLong("key-id"), help: "The key id the license names.") var keyID: String
        @Option(help: "The account id (account.id of the deployment).") var account: String
        @Option(help: "Who the license is for.") var licensee: String
        @Option(help: "Expiry (RFC 3339).") var expires: String
        @Option(help: "Issue time (RFC 3339; default now).") var issued: String?
        @Option(help: "A limit, name=value (repeatable), e.g. instances=4.") var limit: [String] = []
        @Option(help: "A feature (repeatable).") var feature: [String] = []
        @Option(help: "The license id (default: lic-<account>-<issue date>).") var id: String?
        @Option(help: "Write the license here (default: standard output).") var out: String?

        func run() throws {
            func fail(_ message: String) -> ExitCode {
                printError("error: \(message)")
                return ExitCode(Runtime.setupFailure)
            }
            guard let text = try? String(contentsOfFile: key, encoding: .utf8),
                let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            else { throw fail("--key: \(key) does not hold the base64 of a 32-byte Ed25519 private key") }
            guard let expiry = Timestamp(rfc3339: expires) else { throw fail("--expires: not an RFC 3339 time") }
            let issueTime: Timestamp
            if let issued {
                guard let time = Timestamp(rfc3339: issued) else { throw fail("--issued: not an RFC 3339 time") }
                issueTime = time
            } else {
                issueTime = SystemClock().now()
            }
            guard issueTime < expiry else { throw fail("--expires must be after --issued") }
            var limits: [String: Int] = [:]
            for item in limit {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]), value >= 0 else {
                    throw fail("--limit: expected name=value with a whole number ≥ 0, got '\(item)'")
                }
                limits[parts[0]] = value
            }
            let license = License(
                id: id ?? "lic-\(account)-\(issueTime.description.prefix(10))", accountID: account,
                licensee: licensee, issued: issueTime, expires: expiry, limits: limits, features: feature)
            let bytes = try LicenseSigner.sign(license, keyID: keyID, with: privateKey)
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: Data(bytes)) else {
                    throw fail("--out: cannot write \(out)")
                }
            } else {
                FileHandle.standardOutput.write(Data(bytes))
            }
        }
    }
}
