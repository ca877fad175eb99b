import Foundation
import SellifyCore
import SellifyPlugins
import SellifyStore
import SellifyTestSupport
import SellifyYAML
import Testing

/// The helper's line and the rule's: what the fallback decision and the logs say when a helper fails.
struct CallerLineInDecisionsTests {
    @Test func theFallbackReasonNamesTheRuleLineThatCalledTheHelper() throws {
        // The typo that went live: `advance` then compares nil with a number.
        let rules = try EditedRules()
        let call = try rules.replace(
            #"advance(state, "browsing")"#, with: #"advance(state, "browsng")"#,
            onLineContaining: #"respond("product_mentioned", "out_of_stock""#)
        let source = try rules.source("rules/decision.lua").components(separatedBy: "\n")
        let helper = try #require(source.firstIndex { $0.contains("if now ~= nil and FUNNEL[target] > now") }) + 1

        let deployment = try Deployment.load(
            configPath: rules.directory.url.appendingPathComponent("config.yaml").path, plugins: .builtin,
            environment: [:], poolSize: 1)
        let pipeline = DecisionPipeline(
            rules: deployment.rules, catalog: deployment.catalog, configuration: deployment.configuration,
            store: try SQLiteStore.inMemory())
        // Intent "other", naming a product that is out of stock: the untested branch.
        let result = try pipeline.decideAsReceived(
            MessageEvent(
                conversationID: "wa:1", messageID: "m1", text: "aurora hoodie", receivedAt: RuleTestRunner.defaultTime))
        let decision = try #require(result.decision)
        #expect(decision.rule == "fallback")
        #expect(
            decision.reason.replacingOccurrences(of: rules.directory.url.path + "/", with: "")
                == "stage 'decision' failed: rules/decision.lua:\(helper): error: "
                + "attempt to compare number with nil (called from rules/decision.lua:\(call.line))")
    }
}

struct CoverageFloorTests {
    static let coverage = RuleSet.Coverage(lines: Array(1...80), covered: Set(1...69))

    @Test(
        arguments: [
            (0.0, nil),
            (0.5, nil),
            (0.8625, nil),  // exactly 69 of 80
            (
                0.87,
                "rule tests reach 69 of 80 lines of decide() (86.2%), under the coverage floor of 87.0% (rules.coverage_floor); 1 more line must run"
            ),
            (
                1.0,
                "rule tests reach 69 of 80 lines of decide() (86.2%), under the coverage floor of 100.0% (rules.coverage_floor); 11 more lines must run"
            ),
        ] as [(Double, String?)])
    func theFloorIsComparedInWholeLines(_ floor: Double, _ message: String?) {
        let failure = RuleTestRunner.floorFailure(Self.coverage, floor: floor, file: "rules/decision.lua")
        #expect(failure?.message == message)
        if let failure {
            #expect(failure.description.hasPrefix("rules/decision.lua: error: rule tests reach"))
            #expect(failure.hint?.contains("sellify test --coverage") == true)
        }
    }

    @Test func theRunnerMeasuresThenStopsRecording() throws {
        let rules = try EditedRules()
        let deployment = try Deployment.load(
            configPath: rules.directory.url.appendingPathComponent("config.yaml").path, plugins: .builtin,
            environment: [:], poolSize: 1)
        let runner = RuleTestRunner(deployment: deployment) { try SQLiteStore.inMemory() }
        let tests = rules.directory.url.appendingPathComponent("rules/tests").path

        let under = runner.run(directory: tests, display: "rules/tests", coverageFloor: 0.99)
        let measured = try #require(under.coverage)
        #expect(under.failed == 0)
        #expect(measured.ratio > 0.5 && measured.ratio < 0.99)
        #expect(
            under.coverageFailure?.message.contains("under the coverage floor of 99.0% (rules.coverage_floor)") == true)

        let over = runner.run(directory: tests, display: "rules/tests", coverageFloor: 0.5)
        #expect(over.coverageFailure == nil && over.coverageFailures.isEmpty)
        #expect(runner.run(directory: tests, display: "rules/tests").coverage == nil)

        // Recording is off again: decisions served afterwards leave no lines behind.
        #expect(deployment.rules.coverage().covered.isEmpty)
    }

    /// The closing `end` of decide (Lua's implicit return) is no rule: full coverage is reachable.
    @Test func theClosingEndOfDecideIsNotALine() throws {
        let shipped = try Shipped()
        let source = shipped.rules.sources.decision.source.components(separatedBy: "\n")
        let lines = shipped.rules.coverage().lines
        let last = try #require(lines.last)
        #expect(source[last - 1].trimmingCharacters(in: .whitespaces) != "end")
    }
}

struct CoverageFloorCommandTests {
    @Test(
        arguments: [
            (nil, [], "", 0),
            (nil, ["--min-coverage", "0.5"], "", 0),
            (nil, ["--min-coverage", "0.99"], "(--min-coverage)", 1),
            ("0.99", [], "(rules.coverage_floor)", 1),
            ("0.99", ["--min-coverage", "0.5"], "", 0),  // the flag overrides the config
        ] as [(String?, [String], String, Int32)])
    func belowTheFloorTheRunFails(_ configured: String?, _ flags: [String], _ setting: String, _ status: Int32) throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        if let configured {
            let config = try String(contentsOf: directory.url.appendingPathComponent("config.yaml"), encoding: .utf8)
            #expect(config.contains("coverage_floor: 0 "))
            try directory.write(
                "config.yaml",
                config.replacingOccurrences(of: "coverage_floor: 0 ", with: "coverage_floor: \(configured) "))
        }
        let result = try runSellify(["test"] + flags, in: directory.url)
        #expect(result.status == status, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasSuffix("passed, 0 failed\n"))
        if status == 0 {
            #expect(result.stderr == "")
        } else {
            #expect(result.stderr.hasPrefix("rules/decision.lua: error: rule tests reach "), "\(result.stderr)")
            #expect(result.stderr.contains(", under the coverage floor of 99.0% \(setting); "), "\(result.stderr)")
        }
    }

    @Test(arguments: ["1.5", "2", "nan"])
    func aFloorOutsideZeroToOneIsRefused(_ value: String) throws {
        let result = try runSellify(["test", "--min-coverage", value], in: repositoryRoot)
        #expect(result.status == 64)
        #expect(
            result.stderr.contains("--min-coverage: expected a ratio between 0 and 1 (0.8 = 80%)"), "\(result.stderr)")
    }

    @Test func theConfigRefusesAFloorOutsideZeroToOne() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let config = try String(contentsOf: directory.url.appendingPathComponent("config.yaml"), encoding: .utf8)
        try directory.write(
            "config.yaml", config.replacingOccurrences(of: "coverage_floor: 0 ", with: "coverage_floor: 80 "))
        let result = try runSellify(["check"], in: directory.url)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(#"rules.coverage_floor: expected a number between 0 and 1, got "80""#),
            "\(result.stderr)")
    }
}
