import Foundation
import SellifyCore
import SellifyPlugins
import SellifyStore
import SellifyTestSupport
import SellifyYAML
import Testing

struct RuleTestRunnerTests {
    func runner() throws -> RuleTestRunner {
        let deployment = try Deployment.load(
            configPath: repositoryRoot.appendingPathComponent("config.yaml").path, plugins: .builtin, environment: [:],
            poolSize: 1)
        return RuleTestRunner(deployment: deployment) { try SQLiteStore.inMemory() }
    }

    @Test func shippedRuleTestsAllPass() throws {
        let report = try runner().run(
            directory: repositoryRoot.appendingPathComponent("rules/tests").path, display: "rules/tests")
        let failures = report.results.filter { !$0.passed }.map { "\($0.name): \($0.failures)" }
        #expect(failures == [])
        #expect(report.diagnostics.isEmpty)
        #expect(report.results.count >= 30)
        #expect(report.summary == "\(report.results.count) passed, 0 failed")
    }

    @Test func aWrongExpectationFailsWithWhatWasDecided() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            "t.yaml",
            """
            cases:
              - name: wrong on purpose
                message: "How much is the Premium Plan?"
                expect: { action: Escalate, rule: price_question }
              - name: right
                message: "How much is the Premium Plan?"
                expect: { action: RespondText, text_contains: ["49.00 USD"] }
            """)
        let report = try runner().run(directory: directory.url.path, display: "tests")
        #expect(report.summary == "1 passed, 1 failed")
        #expect(report.results[0].failures.first == "action: expected Escalate, got RespondText")
        #expect(report.results[0].location?.description == "tests/t.yaml:2:5")
    }

    @Test func aMalformedTestFileIsReportedWithItsLine() throws {
        let directory = try TemporaryDirectory()
        try directory.write("bad.yaml", "cases:\n  - name: x\n    expect: { acton: Ignore }\n")
        let report = try runner().run(directory: directory.url.path, display: "tests")
        #expect(
            report.diagnostics.map(\.description) == [
                "tests/bad.yaml:3:15: error: unknown key 'acton' in 'cases[0].expect' (did you mean 'action'?)"
            ])
        #expect(report.failed == 1)
    }
}
