import Foundation
public import SellifyYAML

/// Runs `rules/tests/*.yaml` against a deployment, like `opa test`: each
/// decision case on a fresh store seeded with its `given` state.
public struct RuleTestRunner: Sendable {
    public struct CaseResult: Sendable {
        public var file: String
        public var name: String
        public var location: SourceLocation?
        public var failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    public struct Report: Sendable {
        public var results: [CaseResult] = []
        /// Files that could not be read or decoded.
        public var diagnostics: [Diagnostic] = []
        public var passed: Int { results.filter(\.passed).count }
        public var failed: Int { results.count - passed + diagnostics.count }
        public var summary: String { "\(passed) passed, \(failed) failed" }
        /// Lines of `decide()` the cases reached, when the run measured them.
        public var coverage: RuleSet.Coverage?
        /// Set when `coverage` is under the floor the run was given.
        public var coverageFailure: Diagnostic?
        /// `coverageFailure` as a list, to add to other problems.
        public var coverageFailures: [Diagnostic] { coverageFailure.map { [$0] } ?? [] }
    }

    public let deployment: Deployment
    /// A new, empty store for each case.
    public let makeStore: @Sendable () throws -> any DecisionStore
    /// When a case names no time: Monday 2026-11-30, 12:00 in Mexico City.
    public static let defaultTime = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!

    /// Told what each case's decision did, as the server's observers are
    /// (`sellify test --metrics-textfile` counts the decisions it made).
    public var observers: [any ServiceObserver] = []

    public init(
        deployment: Deployment, observers: [any ServiceObserver] = [],
        makeStore: @escaping @Sendable () throws -> any DecisionStore
    ) {
        self.deployment = deployment
        self.observers = observers
        self.makeStore = makeStore
    }

    /// Runs every `*.yaml` in `directory` (sorted by name). `display` is how
    /// the folder is named in messages. With `measureCoverage`, or a
    /// `coverageFloor` above 0 (a ratio, e.g. `rules.coverage_floor`), the
    /// report carries the lines of `decide()` the cases reached, and a
    /// `coverageFailure` when they are fewer than the floor.
    /// `floorSetting` names where the floor comes from in the message.
    public func run(
        directory: String, display: String, measureCoverage: Bool = false, coverageFloor: Double = 0,
        floorSetting: String = "rules.coverage_floor"
    ) -> Report {
        guard measureCoverage || coverageFloor > 0 else { return runCases(directory: directory, display: display) }
        let rules = deployment.rules
        rules.enableCoverage()
        var report = runCases(directory: directory, display: display)
        let coverage = rules.coverage()
        rules.disableCoverage()
        report.coverage = coverage
        report.coverageFailure = Self.floorFailure(
            coverage, floor: coverageFloor, setting: floorSetting, file: rules.sources.decision.displayPath)
        return report
    }

    /// The problem with `coverage` under `floor` (a ratio 0…1), or nil.
    public static func floorFailure(
        _ coverage: RuleSet.Coverage, floor: Double, setting: String = "rules.coverage_floor", file: String
    ) -> Diagnostic? {
        // Compared in whole lines, so a floor of 0.8 over 80 lines needs 64, never 63.99….
        let needed = Int((floor * Double(coverage.lines.count) - 1e-9).rounded(.up))
        let hit = coverage.lines.count - coverage.missed.count
        guard floor > 0, hit < needed else { return nil }
        return Diagnostic(
            "rule tests reach \(hit) of \(coverage.lines.count) lines of decide() (\(percent(coverage.ratio))), "
                + "under the coverage floor of \(percent(floor)) (\(setting)); "
                + "\(needed - hit) more line\(needed - hit == 1 ? "" : "s") must run",
            at: SourceLocation(file: file, line: 0),
            hint: "`sellify test --coverage` lists the lines no test reaches; add cases for them to rules/tests")
    }

    /// `86.2%`
    public static func percent(_ ratio: Double) -> String {
        String(format: "%.1f%%", ratio * 100)
    }

    private func runCases(directory: String, display: String) -> Report {
        var report = Report()
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
                ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".")
            }.sorted()
        } catch {
            report.diagnostics.append(
                Diagnostic("cannot read the rule tests folder '\(display)': \(error.localizedDescription)"))
            return report
        }
        if names.isEmpty {
            report.diagnostics.append(Diagnostic("no rule tests (*.yaml) in '\(display)'"))
        }
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            let shown = "\(display)/\(name)"
            do {
                let file = try YAMLDecoder().decode(
                    RuleTestFile.self, contentsOf: path, displayName: shown, environment: [:])
                for testCase in file.cases {
                    report.results.append(run(testCase, file: shown))
                }
            } catch {
                report.diagnostics += error.diagnostics
            }
        }
        return report
    }

    func run(_ testCase: RuleTestFile.Case, file: String) -> CaseResult {
        var result = CaseResult(file: file, name: testCase.name, location: testCase.location, failures: [])
        do {
            if let text = testCase.validate {
                try runValidation(text, testCase, into: &result)
            } else {
                try runDecision(testCase, into: &result)
            }
        } catch {
            result.failures.append("error: \(error)")
        }
        return result
    }

    private func runValidation(_ text: String, _ testCase: RuleTestFile.Case, into result: inout CaseResult) throws {
        var products: [Product] = []
        for id in testCase.products {
            guard let product = deployment.catalog.product(id: id) else {
                result.failures.append("products: unknown product '\(id)'")
                return
            }
            products.append(product)
        }
        let service = try open(store: try makeStore(), at: testCase.at ?? Self.defaultTime)
        let verdict = try service.validate(text, productIDs: products.map(\.id), by: "sellify test").result
        let expect = testCase.expect
        if let valid = expect.valid, valid != verdict.valid {
            result.failures.append("valid: expected \(valid), got \(verdict.valid) (\(verdict.violations.map(\.code)))")
        }
        if let codes = expect.codes {
            let got = verdict.violations.map(\.code)
            for code in codes where !got.contains(code) {
                result.failures.append("codes: expected a '\(code)' violation, got \(got)")
            }
            if codes.isEmpty && !got.isEmpty { result.failures.append("codes: expected none, got \(got)") }
        }
    }

    private func runDecision(_ testCase: RuleTestFile.Case, into result: inout CaseResult) throws {
        // The decision's time is fixed (never the machine's clock), so a case
        // decides the same way every day: `at:`, else `received_at:`, else a
        // Monday evening.
        let decidedAt = testCase.at ?? testCase.receivedAt ?? Self.defaultTime
        let receivedAt = testCase.receivedAt ?? decidedAt
        let type = testCase.type ?? .text
        let event = MessageEvent(
            conversationID: testCase.conversationID ?? "test:1", messageID: "test-\(result.name)", type: type,
            text: testCase.message ?? "", receivedAt: receivedAt)
        let store = try makeStore()
        // The application the server runs, on the case's own store and clock.
        let service = try open(store: store, at: decidedAt)
        if let given = testCase.given {
            try seed(given, event: event, at: decidedAt, pipeline: service.snapshot.pipeline, store: store)
        }
        let outcome = try service.decide(event, at: decidedAt, checkingClaims: false)
        guard let decision = outcome.decision else {
            result.failures.append("the message was replayed, not decided")
            return
        }
        let expect = testCase.expect
        func check(_ field: String, _ expected: String?, _ actual: String?) {
            if let expected, expected != actual {
                result.failures.append("\(field): expected \(expected), got \(actual ?? "nil")")
            }
        }
        check("action", expect.action?.rawValue, decision.action.rawValue)
        check("rule", expect.rule, decision.rule)
        check("state", expect.state, decision.conversation.state)
        check("intent", expect.intent, decision.intent)
        check("language", expect.language, decision.language)
        check("product", expect.product, decision.product)
        for fragment in expect.textContains where !(decision.text ?? "").contains(fragment) {
            result.failures.append(
                "text: expected it to contain \"\(fragment)\", got \(decision.text.map { "\"\($0)\"" } ?? "no text")")
        }
        if !result.failures.isEmpty { result.failures.append("reason: \(decision.reason)") }
    }

    func open(store: any DecisionStore, at time: Timestamp) throws -> DecisionService {
        try DecisionService.open(deployment, store: store, clock: FixedClock(time), observers: observers)
    }

    /// Writes the starting state through the store's own commit.
    private func seed(
        _ given: RuleTestFile.Given, event: MessageEvent, at decidedAt: Timestamp, pipeline: DecisionPipeline,
        store: any DecisionStore
    ) throws {
        let windows = pipeline.calendar.windows(at: given.at ?? decidedAt)
        var consumption: [QuotaCounterKey: Int] = [:]
        for (name, used) in given.quota.sorted(by: { $0.key < $1.key }) {
            guard let quota = QuotaEngine.Quota(rawValue: name) else {
                throw StoreError(
                    "given.quota: unknown quota '\(name)' (expected messages_today, messages_week, images_today, videos_week)"
                )
            }
            consumption[pipeline.quota.key(quota, windows), default: 0] += used
        }
        var conversation = ConversationRecord(
            id: event.conversationID, state: given.state ?? deployment.configuration.conversation.initialState,
            optedOut: given.optedOut ?? false, version: 1)
        if let last = given.lastReply {
            conversation.lastOutboundAt = last
            conversation.replyCount = 1
            conversation.recentReplies = [last]
        }
        if let count = given.repliesLastHour, count > 0 {
            let last = given.lastReply ?? Timestamp(milliseconds: decidedAt.milliseconds - 60_000)
            conversation.recentReplies = (0..<count).map {
                Timestamp(milliseconds: last.milliseconds - Int64($0) * 1000)
            }.reversed()
            conversation.lastOutboundAt = last
            conversation.replyCount = count
        }
        for id in given.products where pipeline.catalog.product(id: id) == nil {
            throw StoreError("given.products: unknown product '\(id)'")
        }
        conversation.memory = ConversationMemory(
            products: given.products, language: given.language, lastIntent: given.lastIntent,
            fallbacks: given.fallbacks ?? 0)
        if given.humanActive == true {
            conversation.memory.handoff = ConversationMemory.Handoff(
                since: Timestamp(milliseconds: decidedAt.milliseconds - 60_000), rule: "human_request",
                reason: "given: a person has the conversation", returnState: "browsing")
        }
        let commit = DecisionCommit(
            messageID: "seed:\(event.messageID)", decidedAt: given.at ?? decidedAt, conversation: conversation,
            expectedConversationVersion: nil,
            expectedUsage: [:], consumption: consumption, decision: [], audit: [])
        guard case .committed = try store.commit(commit) else { throw StoreError("could not seed the test state") }
    }
}
