import Foundation
import Testing

/// `rules.coverage_floor` with `rules.reload_requires_tests`: a reload whose tests
/// reach too little of decide() keeps the running rules.
struct CoverageFloorReloadTests {
    @Test func aReloadUnderTheCoverageFloorKeepsTheRunningRules() throws {
        let deployment = try ServerDeployment(edits: [
            (ReloadTests.modeWatch, "    mode: off\n"), ("reload_requires_tests: false", "reload_requires_tests: true"),
            ("  coverage_floor: 0 ", "  coverage_floor: 0.99 "),
        ])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let refused = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.errorCode == "rules_invalid")
        #expect(refused.text.contains("under the coverage floor of 99.0% (rules.coverage_floor)"), "\(refused.text)")

        try deployment.edit([("  coverage_floor: 0.99 ", "  coverage_floor: 0.5 ")])
        let reloaded = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(reloaded.status == 200, "\(reloaded.text)")
    }
}
