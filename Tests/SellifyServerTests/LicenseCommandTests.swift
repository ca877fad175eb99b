import Foundation
import SellifyCore
import SellifyTestPlugins
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
        #expect(ready.text.contains(#""license":{"limits":{"instances":1},"status":"community"}"#), "\(ready.text)")
        #expect(community.metric(#"sellify_license_limit{limit="instances"}"#) == 1)
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

    /// Signs a license with the test key (which `sellify-test-plugins` trusts) into `deployment`'s license.json.
    func signTestLicense(
        in deployment: ServerDeployment, id: String, issued: String, expires: String, limits: [String]
    ) throws {
        let key = deployment.url.appendingPathComponent("test-key.b64").path
        try (TestLicenseKey.privateKeyBase64 + "\n").write(toFile: key, atomically: true, encoding: .utf8)
        let sign = try run(
            try sellifyExecutable().path,
            [
                "license", "sign", "--key", key, "--key-id", TestLicenseKey.keyID, "--account", "demo",
                "--licensee", "Demo S.A.", "--id", id, "--issued", issued, "--expires", expires, "--out",
                deployment.url.appendingPathComponent("license.json").path,
            ] + limits.flatMap { ["--limit", $0] })
        #expect(sign.status == 0, "\(sign.output)")
    }

    /// A license the server trusts: /ready, the gauges, the 30-day alert at
    /// start; a renewal by reload resolves it; an expired one in its grace
    /// period raises its own alert and decisions go on.
    @Test func aTrustedLicenseIsShownAlertedBeforeExpiryAndRenewedByAReload() throws {
        let deployment = try ServerDeployment(edits: [
            (
                "    - type: log                     # alerts go to the service log",
                "    - { type: file, path: alerts.log }"
            )
        ])
        let now = Date()
        func time(days: Double) -> String {
            Timestamp(milliseconds: Int64(now.timeIntervalSince1970 + days * 86_400) * 1000).description
        }
        try signTestLicense(
            in: deployment, id: "lic-soon", issued: time(days: -300), expires: time(days: 20), limits: ["instances=3"])
        let config = deployment.url.appendingPathComponent("config.yaml")
        try (try String(contentsOf: config, encoding: .utf8) + "\nlicense:\n  file: license.json\n").write(
            to: config, atomically: true, encoding: .utf8)

        // The shipped binary trusts only the vendor's key; the test build also trusts the test key.
        let shipped = try run(
            try sellifyExecutable().path,
            ["license", "verify", deployment.url.appendingPathComponent("license.json").path, "--account", "demo"])
        #expect(shipped.status != 0)
        #expect(shipped.output.contains("signed with an unknown key id 'sellify-test'"), "\(shipped.output)")
        let checked = try run(try testPluginsExecutable().path, ["check", "--config", deployment.configPath])
        #expect(checked.status == 0, "\(checked.output)")
        #expect(
            checked.output.contains("license.json: lic-soon for Demo S.A., key sellify-test, valid (expires "),
            "\(checked.output)")
        #expect(checked.output.contains("), limits: instances 3"), "\(checked.output)")

        let server = try ServerProcess(deployment, executable: try testPluginsExecutable())
        defer { server.stop() }
        let alerts = deployment.url.appendingPathComponent("alerts.log").path
        func alertLines() -> [String] {
            ((try? String(contentsOfFile: alerts, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        let ready = try server.client.request("GET", "/ready")
        #expect(ready.status == 200)
        let license = try #require((ready.json?["checks"] as? [String: Any])?["license"] as? [String: Any])
        #expect(license["status"] as? String == "valid")
        #expect(license["licensee"] as? String == "Demo S.A.")
        #expect(license["key_id"] as? String == "sellify-test")
        #expect((license["limits"] as? [String: Int]) == ["instances": 3])
        #expect(server.metric(#"sellify_license_info{licensee="Demo S.A.",key_id="sellify-test",status="valid"}"#) == 1)
        #expect(server.metric(#"sellify_license_limit{limit="instances"}"#) == 3)
        #expect(
            (server.metric("sellify_license_expiry_timestamp_seconds") ?? 0) > now.timeIntervalSince1970 + 19 * 86_400)
        #expect(
            eventually { alertLines().contains { $0.hasPrefix("firing license_expiry lic-soon 30_days warning ") } })
        #expect(server.stderr.contains("license lic-soon (Demo S.A.) expires at"), "\(server.stderr)")

        // Renewed: a new license, a reload; the alert resolves and /ready shows the new expiry.
        try signTestLicense(
            in: deployment, id: "lic-renewed", issued: time(days: -1), expires: time(days: 400), limits: ["instances=5"]
        )
        let reload = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(reload.status == 200, "\(reload.text)")
        #expect(eventually { alertLines().contains { $0.hasPrefix("resolved license_expiry lic-soon 30_days ") } })
        #expect(eventually { server.metric(#"sellify_license_limit{limit="instances"}"#) == 5 })

        // Expired two days ago: the grace period; decisions go on, everything says so.
        try signTestLicense(
            in: deployment, id: "lic-old", issued: time(days: -400), expires: time(days: -2), limits: [])
        #expect(try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin).status == 200)
        #expect(eventually { alertLines().contains { $0.hasPrefix("firing license_expiry lic-old grace critical ") } })
        #expect(server.metric(#"sellify_license_info{licensee="Demo S.A.",key_id="sellify-test",status="grace"}"#) == 1)
        #expect(
            server.metric(#"sellify_license_info{licensee="Demo S.A.",key_id="sellify-test",status="valid"}"#) == nil)
        // A license without an instances limit: none in force (the community edition's does not apply).
        #expect(server.metric(#"sellify_license_limit{limit="instances"}"#) == nil)
        let graceReady = try server.client.request("GET", "/ready")
        #expect(graceReady.status == 200)
        #expect(graceReady.text.contains(#""status":"grace""#), "\(graceReady.text)")
        let decision = try server.client.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:license", "lic-1", "hola"))
        #expect(decision.status == 200, "\(decision.text)")

        // A tampered file on reload: refused, naming the file; the running license stays.
        let file = deployment.url.appendingPathComponent("license.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "\"signature\":\"", with: "\"signature\":\"AAAA").write(
            to: file, atomically: true, encoding: .utf8)
        let refused = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(refused.status != 200)
        #expect(refused.text.contains("license.json"), "\(refused.text)")
        #expect(server.metric(#"sellify_license_info{licensee="Demo S.A.",key_id="sellify-test",status="grace"}"#) == 1)
    }
}
