import Foundation
import Testing

/// `sellify license sign|verify|inspect` as a process. Only the vendor holds
/// a private key this build trusts, so a license signed here must be refused.
struct LicenseCommandTests {
    @Test func aLicenseNotSignedByTheVendorIsRefusedNamingWhy() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sellify-license-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = folder.appendingPathComponent("key.b64").path
        let raw = (0..<32).map { _ in UInt8.random(in: 0...255) }
        try (Data(raw).base64EncodedString() + "\n").write(toFile: key, atomically: true, encoding: .utf8)
        let sellify = try sellifyExecutable().path
        let license = folder.appendingPathComponent("license.json").path
        for (keyID, message) in [
            (
                "sellify-2026",
                "the signature does not match: the license was changed after signing, or not signed by key 'sellify-2026'"
            ),
            ("acme-own-key", "signed with an unknown key id 'acme-own-key' (this build trusts 'sellify-2026')"),
        ] {
            let sign = try run(
                sellify,
                [
                    "license", "sign", "--key", key, "--key-id", keyID, "--account", "demo", "--licensee", "Demo",
                    "--expires", "2030-01-01T00:00:00Z", "--limit", "instances=2", "--out", license,
                ])
            #expect(sign.status == 0, "\(sign.output)")
            let verify = try run(sellify, ["license", "verify", license, "--account", "demo"])
            #expect(verify.status == 1)
            #expect(verify.output.contains("error: \(license): \(message)"), "\(verify.output)")
            let inspect = try run(sellify, ["license", "inspect", license])
            #expect(inspect.status == 1)
        }
        let bad = try run(
            sellify,
            [
                "license", "sign", "--key", key, "--key-id", "k", "--account", "demo", "--licensee", "Demo",
                "--expires", "2030-01-01T00:00:00Z", "--limit", "instances",
            ])
        #expect(bad.status == 2)
        #expect(bad.output.contains("--limit: expected name=value"), "\(bad.output)")
    }
}
