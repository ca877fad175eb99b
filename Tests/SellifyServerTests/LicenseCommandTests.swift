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

    @Test func serveRefusesALicenseNotSignedByTheVendorAndRunsAsCommunityWithout() throws {
        // Without a license: the community edition, on /ready and /metrics.
        let community = try ServerProcess(try ServerDeployment())
        let ready = try community.client.request("GET", "/ready")
        #expect(ready.status == 200)
        #expect(ready.text.contains(#""license":{"status":"community"}"#), "\(ready.text)")
        #expect(community.metric(#"sellify_license_info{licensee="community",key_id="",status="community"}"#) == 1)
        #expect(community.metric("sellify_license_expiry_timestamp_seconds") == 0)
        community.stop()

        // A license signed with a key this build does not trust: exit 2, naming the file and why.
        let deployment = try ServerDeployment()
        let key = deployment.url.appendingPathComponent("key.b64").path
        try (Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() + "\n").write(
            toFile: key, atomically: true, encoding: .utf8)
        let sellify = try sellifyExecutable().path
        let sign = try run(
            sellify,
            [
                "license", "sign", "--key", key, "--key-id", "sellify-2026", "--account", "demo", "--licensee", "Demo",
                "--expires", "2030-01-01T00:00:00Z", "--out",
                deployment.url.appendingPathComponent("license.json").path,
            ])
        #expect(sign.status == 0, "\(sign.output)")
        let config = deployment.url.appendingPathComponent("config.yaml")
        try (try String(contentsOf: config, encoding: .utf8) + "\nlicense:\n  file: license.json\n").write(
            to: config, atomically: true, encoding: .utf8)
        let serve = try run(sellify, ["serve", "--config", deployment.configPath, "--port", "0"])
        #expect(serve.status == 2, "\(serve.output)")
        #expect(serve.output.contains("license.json: the signature does not match"), "\(serve.output)")
        let check = try run(sellify, ["check", "--config", deployment.configPath])
        #expect(check.status != 0)
        #expect(check.output.contains("license.json: the signature does not match"), "\(check.output)")
    }
}
