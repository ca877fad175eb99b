import Crypto
import Foundation
import SellifyCore
import SellifyPlugins
import SellifyTestSupport
import Testing

/// Signed licenses: what verifies, and what each kind of bad file says.
struct LicenseTests {
    static let key2026 = Curve25519.Signing.PrivateKey()
    static let key2027 = Curve25519.Signing.PrivateKey()
    /// A verifier trusting two test keys (as after a rotation).
    static let verifier = LicenseVerifier(trusted: [
        "test-2026": key2026.publicKey, "test-2027": key2027.publicKey,
    ])
    static let issued = Timestamp(rfc3339: "2026-12-01T00:00:00Z")!
    static let expires = Timestamp(rfc3339: "2027-12-01T00:00:00Z")!
    static let now = Timestamp(rfc3339: "2026-12-03T12:00:00Z")!
    static let license = License(
        id: "lic-0001", accountID: "acme-mx", licensee: "Acme S.A. de C.V.", issued: issued, expires: expires,
        limits: ["instances": 4], features: ["postgres", "ai"])

    static func signed(
        _ license: License = license, keyID: String = "test-2026", key: Curve25519.Signing.PrivateKey = key2026
    )
        throws -> [UInt8]
    {
        try LicenseSigner.sign(license, keyID: keyID, with: key)
    }

    static func envelope(_ bytes: [UInt8]) throws -> [String: String] {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String])
    }

    static func file(_ fields: [String: String]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
    }

    @Test func aSignedLicenseVerifiesAndSaysWhatItHolds() throws {
        let verified = try Self.verifier.verify(
            try Self.signed(), file: "license.json", account: "acme-mx", now: Self.now)
        #expect(verified.license == Self.license)
        #expect(verified.keyID == "test-2026")
        // Keys rotate: a license signed with the new key verifies beside the old ones.
        let next = try Self.signed(keyID: "test-2027", key: Self.key2027)
        #expect(try Self.verifier.verify(next, file: "l", account: "acme-mx", now: Self.now).keyID == "test-2027")
    }

    @Test(
        "a changed payload field breaks the signature",
        arguments: [
            ("account_id", "other-account"), ("expires", "2099-12-01T00:00:00Z"), ("licensee", "Someone Else"),
            ("limits", "{\"instances\":400}"),
        ])
    func tamperedFields(field: String, value: String) throws {
        var fields = try Self.envelope(try Self.signed())
        let payload = try #require(Data(base64Encoded: fields["payload"]!))
        var object = try #require(JSONSerialization.jsonObject(with: payload) as? [String: Any])
        object[field] =
            value.hasPrefix("{") ? try JSONSerialization.jsonObject(with: Data(value.utf8)) : value
        fields["payload"] = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            .base64EncodedString()
        #expect(
            throws: LicenseError(
                "license.json",
                "the signature does not match: the license was changed after signing, or not signed by key 'test-2026'")
        ) {
            try Self.verifier.verify(try Self.file(fields), file: "license.json", account: "acme-mx", now: Self.now)
        }
    }

    @Test func aSignatureFromAnotherLicenseDoesNotFit() throws {
        var other = Self.license
        other.id = "lic-0002"
        var fields = try Self.envelope(try Self.signed())
        fields["signature"] = try Self.envelope(try Self.signed(other))["signature"]
        #expect {
            try Self.verifier.verify(try Self.file(fields), file: "license.json", account: "acme-mx", now: Self.now)
        } throws: { error in
            "\(error)".contains("the signature does not match")
        }
        // A key id this build does not trust is named, with the ones it does.
        fields = try Self.envelope(try Self.signed(keyID: "test-2099", key: Curve25519.Signing.PrivateKey()))
        #expect {
            try Self.verifier.verify(try Self.file(fields), file: "license.json", account: "acme-mx", now: Self.now)
        } throws: { error in
            "\(error)"
                == "license.json: signed with an unknown key id 'test-2099' (this build trusts 'test-2026', 'test-2027')"
        }
    }

    @Test("a truncated or malformed file says what is wrong", arguments: [10, 40, 80, 120])
    func truncated(length: Int) throws {
        let bytes = Array(try Self.signed().prefix(length))
        #expect {
            try Self.verifier.verify(bytes, file: "license.json", account: "acme-mx", now: Self.now)
        } throws: { error in
            "\(error)".hasPrefix("license.json: not a license file")
        }
    }

    @Test(
        "a well-signed payload is still parsed strictly",
        arguments: [
            (#"{"license_id":"x"}"#, "the payload's 'limits' is missing or not an object"),
            (
                #"{"license_id":"x","account_id":"acme-mx","licensee":"A","issued":"2026-12-01T00:00:00Z","expires":"2026-11-01T00:00:00Z","limits":{},"features":[]}"#,
                "is not after 'issued'"
            ),
            (
                #"{"license_id":"x","account_id":"acme-mx","licensee":"A","issued":"yesterday","expires":"2027-11-01T00:00:00Z","limits":{},"features":[]}"#,
                "the payload's 'issued' is not an RFC 3339 time"
            ),
            (
                #"{"license_id":"x","account_id":"acme-mx","licensee":"A","issued":"2026-12-01T00:00:00Z","expires":"2027-11-01T00:00:00Z","limits":{},"features":[],"unlimited":true}"#,
                "unknown field 'unlimited'"
            ),
        ])
    func strictPayload(payload: String, message: String) throws {
        let signature = try Self.key2026.signature(for: Data(payload.utf8))
        let bytes = try Self.file([
            "format": License.format, "key_id": "test-2026", "payload": Data(payload.utf8).base64EncodedString(),
            "signature": signature.base64EncodedString(),
        ])
        #expect {
            try Self.verifier.verify(bytes, file: "license.json", account: "acme-mx", now: Self.now)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func aLicenseForAnotherAccountOrFromTheFutureIsRefused() throws {
        #expect(
            throws: LicenseError(
                "license.json", "the license is for account 'acme-mx'; this deployment's account.id is 'globex'")
        ) {
            try Self.verifier.verify(try Self.signed(), file: "license.json", account: "globex", now: Self.now)
        }
        let early = Timestamp(rfc3339: "2026-11-30T00:00:00Z")!
        #expect {
            try Self.verifier.verify(try Self.signed(), file: "license.json", account: "acme-mx", now: early)
        } throws: { error in
            "\(error)".contains("issued 2026-12-01T00:00:00Z, after now (2026-11-30T00:00:00Z)")
        }
    }

    @Test func expiryGoesThroughAGracePeriodOnAnInjectedClock() {
        let day: Int64 = 86_400_000
        let grace = 14 * day
        func at(_ offset: Int64) -> LicenseStatus {
            LicenseStatus.at(
                Timestamp(milliseconds: Self.expires.milliseconds + offset), license: Self.license, grace: grace)
        }
        #expect(at(-30 * day) == .valid(expiresIn: 30 * day))
        #expect(at(-1) == .valid(expiresIn: 1))
        #expect(at(0) == .grace(endsIn: grace))
        #expect(at(13 * day) == .grace(endsIn: day))
        #expect(at(grace) == .expired)
        #expect(LicenseStatus.warningDays == [30, 7, 1])
    }

    @Test func theCompiledInVendorKeysAreValidKeys() {
        #expect(LicenseVerifier.vendor.trusted.count == LicenseVerifier.vendorKeys.count)
        #expect(!LicenseVerifier.vendorKeys.isEmpty)
    }

    /// A copy of the shipped deployment with `license:` set to `file` (written there).
    static func deployment(license bytes: [UInt8]?, account: String = "demo") throws -> (URL, String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-lic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for item in ["config.yaml", "catalog.yaml", "rules"] {
            try FileManager.default.copyItem(
                at: repositoryRoot.appendingPathComponent(item), to: folder.appendingPathComponent(item))
        }
        var config = try String(contentsOf: folder.appendingPathComponent("config.yaml"), encoding: .utf8)
        if let bytes {
            try Data(bytes).write(to: folder.appendingPathComponent("license.json"))
            config += "\nlicense:\n  file: license.json\n  grace_period: 7d\n"
        }
        try config.write(to: folder.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        return (folder, folder.appendingPathComponent("config.yaml").path)
    }

    @Test func aDeploymentLoadsItsLicenseOrNamesWhatIsWrongWithIt() throws {
        var license = Self.license
        license.accountID = "demo"
        let (good, goodConfig) = try Self.deployment(license: try Self.signed(license))
        defer { try? FileManager.default.removeItem(at: good) }
        let deployment = try Deployment.load(
            configPath: goodConfig, plugins: .builtin, environment: [:], poolSize: 1, licenseVerifier: Self.verifier)
        #expect(deployment.license?.license == license)
        #expect(deployment.configuration.license.gracePeriod.milliseconds == 7 * 86_400_000)
        let summary = deployment.licenseSummary(at: Self.now)
        #expect(summary.status == "valid" && summary.licensee == "Acme S.A. de C.V." && summary.keyID == "test-2026")
        #expect(deployment.licenseSummary(at: Timestamp(rfc3339: "2027-12-05T00:00:00Z")!).status == "grace")
        #expect(deployment.licenseSummary(at: Timestamp(rfc3339: "2027-12-09T00:00:00Z")!).status == "expired")

        // Another account: the diagnostic names the section, the file and the reason.
        let (other, otherConfig) = try Self.deployment(license: try Self.signed())
        defer { try? FileManager.default.removeItem(at: other) }
        #expect {
            try Deployment.load(
                configPath: otherConfig, plugins: .builtin, environment: [:], poolSize: 1,
                licenseVerifier: Self.verifier)
        } throws: { error in
            let text = "\(error)"
            return text.contains("license.file: ")
                && text.contains("license.json: the license is for account 'acme-mx'")
                && text.contains("config.yaml:")
        }
        // Without a license: the community edition.
        let (none, noneConfig) = try Self.deployment(license: nil)
        defer { try? FileManager.default.removeItem(at: none) }
        let community = try Deployment.load(configPath: noneConfig, plugins: .builtin, environment: [:], poolSize: 1)
        #expect(community.license == nil)
        #expect(community.licenseSummary(at: Self.now).status == "community")
    }
}

/// The license alerts, on an injected clock: each stage once, in order, and
/// resolved by a renewal.
struct LicenseWatchTests {
    static let expires = Timestamp(rfc3339: "2027-12-01T00:00:00Z")!
    static let grace: Int64 = 14 * 86_400_000
    static func verified(id: String = "lic-0001", expires: Timestamp = expires) -> VerifiedLicense {
        VerifiedLicense(
            license: License(
                id: id, accountID: "acme-mx", licensee: "Acme", issued: Timestamp(rfc3339: "2026-12-01T00:00:00Z")!,
                expires: expires),
            keyID: "test-2026")
    }
    static func at(days: Double) -> Timestamp {
        Timestamp(milliseconds: expires.milliseconds + Int64(days * 86_400_000))
    }

    @Test(
        "the stage before and after expiry",
        arguments: [
            (-31.0, LicenseStage.quiet), (-30, .thirtyDays), (-8, .thirtyDays), (-7, .sevenDays), (-1.5, .sevenDays),
            (-1, .oneDay), (-0.001, .oneDay), (0, .grace), (13.9, .grace), (14, .expired), (400, .expired),
        ])
    func stages(days: Double, stage: LicenseStage) {
        #expect(
            LicenseStage(LicenseStatus.at(Self.at(days: days), license: Self.verified().license, grace: Self.grace))
                == stage)
    }

    @Test func eachStageIsRaisedOnceAndARenewalResolvesThem() {
        let watch = LicenseWatch()
        let license = Self.verified()
        var raised: [String] = []
        // A tick every 6 hours from 40 days before expiry to 20 days after it.
        for tick in stride(from: -40.0, through: 20, by: 0.25) {
            let change = watch.look(at: license, grace: Self.grace, now: Self.at(days: tick))
            #expect(!change.resolveAll)
            if let alert = change.raise {
                #expect(alert.condition == "license_expiry")
                raised.append("\(alert.key) \(alert.severity.rawValue)")
            }
        }
        #expect(
            raised == [
                "lic-0001 30_days warning", "lic-0001 7_days warning", "lic-0001 1_day critical",
                "lic-0001 grace critical", "lic-0001 expired critical",
            ])
        // A renewed license (a new id, a year further): every license alert resolves; nothing new is due.
        let renewed = Self.verified(id: "lic-0002", expires: Self.at(days: 365))
        #expect(watch.look(at: renewed, grace: Self.grace, now: Self.at(days: 20)) == .init(resolveAll: true))
        #expect(watch.look(at: renewed, grace: Self.grace, now: Self.at(days: 21)) == .init())
        // Removing the license (community) resolves only when something was raised.
        #expect(watch.look(at: nil, grace: Self.grace, now: Self.at(days: 21)) == .init())
    }

    @Test func aServerStartedLateRaisesOnlyTheStageItIsIn() throws {
        let watch = LicenseWatch()
        let change = watch.look(at: Self.verified(), grace: Self.grace, now: Self.at(days: 3))
        let alert = try #require(change.raise)
        #expect(alert.key == "lic-0001 grace")
        #expect(
            alert.message
                == "license lic-0001 (Acme) expired at 2027-12-01T00:00:00Z; decisions go on through the grace period,"
                + " which ends at 2027-12-15T00:00:00Z (in 11 days)")
        let soon = LicenseWatch().look(at: Self.verified(), grace: Self.grace, now: Self.at(days: -0.5)).raise
        #expect(
            soon?.message
                == "license lic-0001 (Acme) expires at 2027-12-01T00:00:00Z, in 1 day: renew it and reload (license.file)"
        )
        // The same license id, its expiry moved further (re-signed): resolved, and the new stage raised.
        let moved = watch.look(
            at: Self.verified(expires: Self.at(days: 10)), grace: Self.grace, now: Self.at(days: 3))
        #expect(moved.resolveAll && moved.raise?.key == "lic-0001 7_days")
    }

    @Test(
        "a limit is exceeded only past what is allowed",
        arguments: [
            (1, [String: Int](), false, false), (2, [:], false, false), (1, ["instances": 1], false, false),
            (2, ["instances": 1], false, true), (5, ["instances": 4], true, true), (4, ["instances": 4], true, false),
        ])
    func limits(inUse: Int, limits: [String: Int], licensed: Bool, alerted: Bool) {
        let alert = LicenseLimits.alert("instances", inUse: inUse, limits: limits, licensed: licensed)
        #expect((alert != nil) == alerted)
        if let alert {
            #expect(alert.condition == "license_limit" && alert.key == "instances")
            #expect(
                alert.message.contains(
                    "\(inUse) instances in use; the \(licensed ? "license" : "community edition") allows"))
        }
    }

    @Test func theCommunityEditionAllowsOneInstance() {
        #expect(License.communityLimits == ["instances": 1])
    }
}
