import Foundation
import SellifyCore
import SellifyMetrics
import SellifyPlugins
import SellifyStore
import SellifyTestSupport
import SellifyYAML
import Testing

/// The shipped deployment in a scratch folder, optionally with a candidate
/// `rules/shadow/decision.lua`, served by the application layer on an
/// in-memory store with its metrics and shadow tally.
final class ShadowFixture {
    static let decidedAt = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
    let directory: TemporaryDirectory
    let deployment: Deployment
    let store: SQLiteStore
    let metrics = SellifyMetrics()
    let tally = ShadowTally()
    let service: DecisionService

    /// `shadow` is the candidate file; `files` are more files to write (relative to the folder).
    init(shadow: String?, files: [String: String] = [:]) throws {
        directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        if let shadow { try directory.write("rules/shadow/decision.lua", shadow) }
        for (path, contents) in files { try directory.write(path, contents) }
        deployment = try Deployment.load(
            configPath: directory.url.appendingPathComponent("config.yaml").path, plugins: .builtin, environment: [:],
            poolSize: 1)
        store = try SQLiteStore.inMemory()
        metrics.prepare(configuration: deployment.configuration, rulesVersion: deployment.rules.version)
        service = try DecisionService.open(
            deployment, store: store, clock: FixedClock(Self.decidedAt), hooks: [StageMetricsHook(metrics: metrics)],
            observers: [MetricsObserver(metrics: metrics), tally])
    }

    /// Message `index` of its own conversation (so no decision depends on another).
    func decide(
        _ index: Int, _ message: ShadowRulesTests.Message, trace: Bool = false
    ) throws
        -> DecisionPipeline.Result
    {
        let event = MessageEvent(
            conversationID: "wa:shadow-\(index)", messageID: "m-\(index)", type: message.type, text: message.text,
            receivedAt: Self.decidedAt)
        return try service.decide(event, at: Self.decidedAt, trace: trace)
    }

    func records(kind: String) throws -> [AuditRecord] {
        try store.auditRecords(AuditQuery(kind: kind, limit: 1000))
    }

    /// The value of one series as exposed (`name{labels}`), nil when absent.
    func metric(_ series: String) -> Double? {
        metrics.exposition().split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last!) }
    }

    var pair: ShadowTally.Pair {
        ShadowTally.Pair(rulesVersion: deployment.rules.version, shadowVersion: deployment.shadow?.version ?? "")
    }
}

/// Shadow rules: a candidate `decide(ctx)` in `rules/shadow/` runs on every
/// decision beside the enforced one, is compared, recorded and counted —
/// and never changes a decision.
struct ShadowRulesTests {
    struct Message: Sendable, CustomTestStringConvertible {
        var text: String
        var type: MessageType = .text
        var testDescription: String { type == .text ? text : "(\(type.rawValue))" }
    }

    static let shippedDecision =
        (try? String(
            contentsOf: repositoryRoot.appendingPathComponent("rules/decision.lua"), encoding: .utf8)) ?? ""

    /// The shipped policy with one branch changed, by wrapping it (so the
    /// test does not depend on how the branch is written): greetings get
    /// another template.
    static let greetingChanged =
        shippedDecision + """

            -- The candidate: greetings offer help instead (one branch changed).
            local enforced_decide = decide
            function decide(ctx)
              local decision = enforced_decide(ctx)
              if decision.rule == "greeting" then decision.template = "fallback_help" end
              return decision
            end

            """

    /// Messages that reach many branches of the shipped policy.
    static let texts = [
        "Hola!", "hi there", "¿Cuánto cuesta el Plan Premium?", "How much is the Aurora Mug?", "precio del Basic Plan",
        "What does the Business Plan include?", "Lo quiero, quiero comprar el Paper Planner",
        "send me a photo of the Aurora Mug", "¿Me mandas un video del Paper Planner?", "quiero hablar con una persona",
        "no funciona mi pedido", "STOP", "muchas gracias", "qwerty", "How much is the Aurora Hoodie?", "cuanto cuesta?",
        "send me photos", "buenas tardes",
    ]
    static let messages =
        texts.map { Message(text: $0) } + [Message(text: "", type: .sticker), Message(text: "", type: .audio)]

    static func object(_ json: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
    }

    @Test func aCandidateThatChangesOneBranchDisagreesOnExactlyThatBranch() throws {
        let plain = try ShadowFixture(shadow: nil)
        let shadowed = try ShadowFixture(shadow: Self.greetingChanged)
        let shadow = try #require(shadowed.deployment.shadow)
        var enforcedRules: [String] = []
        for (index, message) in Self.messages.enumerated() {
            let without = try plain.decide(index, message)
            let with = try shadowed.decide(index, message)
            // The shadow never changes the decision: the same bytes, byte for byte.
            #expect(with.bytes == without.bytes, "\(message.testDescription)")
            #expect(with.decision?.fallback == nil)
            enforcedRules.append(try #require(with.shadow).enforced.rule)
        }
        let greetings = enforcedRules.indices.filter { enforcedRules[$0] == "greeting" }
        #expect(greetings.count >= 2)
        #expect(Set(enforcedRules).count >= 12, "the messages reach many branches: \(Set(enforcedRules).sorted())")

        // The decisions' own audit records are the same too; a shadow record follows each disagreement.
        #expect(
            try shadowed.records(kind: "decision").map(\.entry) == (try plain.records(kind: "decision").map(\.entry)))
        let records = try shadowed.records(kind: "shadow")
        #expect(records.map(\.entry.conversationID) == greetings.map { "wa:shadow-\($0)" })
        #expect(try plain.records(kind: "shadow").isEmpty)
        for record in records {
            let summary = try #require(Self.object(record.entry.summary))
            #expect(summary["result"] as? String == "disagree")
            #expect(summary["agree"] as? Bool == false)
            #expect(summary["differs"] as? [String] == ["template"])
            #expect((summary["enforced"] as? [String: Any])?["template"] as? String == "greeting")
            #expect((summary["shadow"] as? [String: Any])?["template"] as? String == "fallback_help")
            #expect((summary["shadow"] as? [String: Any])?["rule"] as? String == "greeting")
            #expect(summary["shadow_version"] as? String == shadow.version)
            #expect(record.entry.rulesVersion == shadowed.deployment.rules.version)
            // Never customer text in the summary.
            for message in Self.messages where !message.text.isEmpty {
                #expect(!record.entry.summary.localizedCaseInsensitiveContains(message.text))
            }
        }

        let total = Double(Self.messages.count)
        let disagreed = Double(greetings.count)
        #expect(shadowed.metric(#"sellify_shadow_decisions_total{result="agree"}"#) == total - disagreed)
        #expect(shadowed.metric(#"sellify_shadow_decisions_total{result="disagree"}"#) == disagreed)
        #expect(shadowed.metric(#"sellify_shadow_decisions_total{result="error"}"#) == 0)
        #expect(shadowed.metric(#"sellify_shadow_disagreements_total{rule="greeting"}"#) == disagreed)
        // Each shadow record is counted with the others.
        #expect(
            shadowed.metric("sellify_audit_logs_total")
                == plain.metric("sellify_audit_logs_total").map { $0 + disagreed })

        let counts = shadowed.tally.counts(shadowed.pair)
        #expect(counts.compared == Self.messages.count)
        #expect(counts.agreements == Self.messages.count - greetings.count)
        #expect(counts.disagreements == greetings.count && counts.errors == 0)
        #expect(counts.top(10).map(\.rule) == ["greeting"])
        // Another pair of versions (after a reload that changed either side) starts from zero.
        #expect(
            shadowed.tally.counts(.init(rulesVersion: shadowed.deployment.rules.version, shadowVersion: "sha256:other"))
                .compared == 0)
    }

    @Test func theShadowShowsInTheTraceAndNowhereElseInTheDecision() throws {
        let shadowed = try ShadowFixture(shadow: Self.greetingChanged)
        let traced = try #require(
            Self.object(String(decoding: try shadowed.decide(0, "hola", trace: true).bytes, as: UTF8.self)))
        let stages = (traced["trace"] as? [[String: Any]] ?? []).map { "\($0["stage"]!)=\($0["outcome"]!)" }
        #expect(stages.contains("shadow=disagree"))
        #expect(
            stages.firstIndex(of: "shadow=disagree") == stages.firstIndex { $0.hasPrefix("decision=") }.map { $0 + 1 })
    }

    /// A candidate that fails on one kind of message, in a way the host must survive.
    struct Failure: Sendable, CustomTestStringConvertible {
        var name: String
        var lua: String
        var kind: String
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(name: "a Lua error", lua: #"error("the candidate broke")"#, kind: "runtime"),
        Failure(name: "the instruction budget", lua: "while true do end", kind: "instruction_budget"),
        Failure(
            name: "a bad return value", lua: #"return { action = "Reply", rule = "zebra", reason = "r" }"#,
            kind: "contract"),
    ]

    static func failing(_ failure: Failure) -> String {
        shippedDecision + """

            -- The candidate: fails on messages about zebras (no built-in sample is about one).
            local enforced_decide = decide
            function decide(ctx)
              if string.find(ctx.event.normalized or "", "zebra", 1, true) then
                \(failure.lua)
              end
              return enforced_decide(ctx)
            end

            """
    }

    @Test(arguments: failures)
    func aFailingCandidateCountsErrorsAndNeverChangesTheDecision(_ failure: Failure) throws {
        let source = Self.failing(failure)
        let failingLine = try #require(source.components(separatedBy: "\n").firstIndex { $0.contains(failure.lua) }) + 1
        let plain = try ShadowFixture(shadow: nil)
        let shadowed = try ShadowFixture(shadow: source)
        let messages = [
            Message(text: "hola"), Message(text: "I like zebras"), Message(text: "¿Cuánto cuesta el Plan Premium?"),
            Message(text: "zebra!!"),
        ]
        for (index, message) in messages.enumerated() {
            let with = try shadowed.decide(index, message)
            #expect(with.bytes == (try plain.decide(index, message)).bytes, "\(message.testDescription)")
            #expect(with.decision?.fallback == nil)
        }
        #expect(shadowed.metric(#"sellify_shadow_decisions_total{result="error"}"#) == 2)
        #expect(shadowed.metric(#"sellify_shadow_decisions_total{result="agree"}"#) == 2)
        #expect(shadowed.metric(#"sellify_shadow_decisions_total{result="disagree"}"#) == 0)
        #expect(shadowed.metric(#"sellify_stage_errors_total{stage="decision"}"#) == 0)
        let counts = shadowed.tally.counts(shadowed.pair)
        #expect(counts.errors == 2 && counts.agreements == 2)

        let records = try shadowed.records(kind: "shadow")
        #expect(records.map(\.entry.messageID) == ["m-1", "m-3"])
        var byRule: [String: Double] = [:]
        for record in records {
            let summary = try #require(Self.object(record.entry.summary))
            #expect(summary["result"] as? String == "error")
            let error = try #require((summary["shadow"] as? [String: Any])?["error"] as? [String: Any])
            #expect(error["kind"] as? String == failure.kind)
            #expect(error["file"] as? String == shadowed.deployment.shadow?.file.displayPath)
            #expect((error["file"] as? String)?.hasSuffix("rules/shadow/decision.lua") == true)
            #expect(error["line"] as? Int == failingLine)
            byRule[try #require((summary["enforced"] as? [String: Any])?["rule"] as? String), default: 0] += 1
        }
        for (rule, count) in byRule {
            #expect(shadowed.metric(#"sellify_shadow_disagreements_total{rule="\#(rule)"}"#) == count)
        }
    }

    struct Breakage: Sendable, CustomTestStringConvertible {
        var name: String
        var files: [String: String]
        /// The start of the diagnostic `sellify check` must print.
        var expected: String
        var testDescription: String { name }
    }

    static let breakages: [Breakage] = [
        Breakage(
            name: "a syntax error", files: ["rules/shadow/decision.lua": "function decide(ctx)\n  return {\nend\n"],
            expected: "rules/shadow/decision.lua:3: error: "),
        Breakage(
            name: "no decide", files: ["rules/shadow/decision.lua": "local x = 1\n"],
            expected: "rules/shadow/decision.lua: error: the file does not define decide(ctx)"),
        Breakage(
            name: "a bad decision on a built-in sample",
            files: [
                "rules/shadow/decision.lua":
                    "function decide(ctx)\n  return { action = \"Reply\", rule = \"r\", reason = \"r\" }\nend\n"
            ],
            expected: "rules/shadow/decision.lua:2: error: decide() returned unknown action 'Reply'"),
        Breakage(
            name: "a template that does not exist",
            files: [
                "rules/shadow/decision.lua":
                    "function decide(ctx)\n  return { action = \"RespondText\", rule = \"r\", reason = \"r\",\n    template = \"greetng\" }\nend\n"
            ],
            expected: "rules/shadow/decision.lua:3:16: error: unknown template 'greetng' (did you mean 'greeting'?"),
        Breakage(
            name: "another rule file in the folder",
            files: ["rules/shadow/decision.lua": shippedDecision, "rules/shadow/intents.lua": "intents = {}\n"],
            expected: "rules/shadow/intents.lua: error: the shadow folder holds only a candidate decision.lua"),
    ]

    @Test(arguments: breakages)
    func aBrokenShadowIsReportedByCheckWithItsFileAndLine(_ breakage: Breakage) throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        for (path, contents) in breakage.files { try directory.write(path, contents) }
        let report = Checker(plugins: .builtin, environment: [:], luacheck: nil)
            .check(configPath: directory.url.appendingPathComponent("config.yaml").path)
        #expect(!report.isClean)
        // Paths as written in the config: relative to the folder of the test's deployment.
        let printed = report.diagnostics.map {
            $0.description.replacingOccurrences(of: directory.url.path + "/", with: "")
        }
        #expect(printed.contains { $0.hasPrefix(breakage.expected) }, "\(printed)")
        // The enforced rules are not blamed.
        #expect(!printed.contains { $0.hasPrefix("rules/decision.lua") })
    }

    @Test func checkSaysWhichSamplesTheCandidateDecidesOtherwise() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        try directory.write("rules/shadow/decision.lua", Self.greetingChanged)
        let report = Checker(plugins: .builtin, environment: [:], luacheck: nil)
            .check(configPath: directory.url.appendingPathComponent("config.yaml").path)
        #expect(report.diagnostics.filter { $0.severity == .error }.map(\.description) == [])
        let line = try #require(report.summary.first { $0.contains("rules/shadow/decision.lua (shadow rules") })
        #expect(line.hasSuffix("16 samples returned valid decisions, 1 unlike the enforced rules' (greeting)"))
    }

    /// No folder, or one a promotion by `mv` left empty: no shadow at all.
    @Test(arguments: [[:], ["rules/shadow/.keep": ""], ["rules/shadow/README.md": "notes\n"]])
    func noShadowMeansNoStageNoRecordsAndMetricsAtZero(_ files: [String: String]) throws {
        let fixture = try ShadowFixture(shadow: nil, files: files)
        #expect(fixture.deployment.shadow == nil)
        let traced = try #require(
            Self.object(String(decoding: try fixture.decide(0, "hola", trace: true).bytes, as: UTF8.self)))
        #expect(!(traced["trace"] as? [[String: Any]] ?? []).contains { $0["stage"] as? String == "shadow" })
        for (index, message) in Self.messages.enumerated() {
            #expect(try fixture.decide(index + 1, message).shadow == nil)
        }
        #expect(try fixture.records(kind: "shadow").isEmpty)
        let exposition = fixture.metrics.exposition()
        for name in ["sellify_shadow_decisions_total", "sellify_shadow_disagreements_total"] {
            #expect(exposition.contains("# HELP \(name) "))
            #expect(exposition.contains("# TYPE \(name) counter"))
        }
        for result in ["agree", "disagree", "error"] {
            #expect(fixture.metric(#"sellify_shadow_decisions_total{result="\#(result)"}"#) == 0)
        }
        #expect(!exposition.contains("sellify_shadow_disagreements_total{"))
    }

    @Test func theShadowVersionIsTheRulesVersionOncePromotedAndTheEnforcedVersionIgnoresIt() throws {
        let plain = try ShadowFixture(shadow: nil)
        let shadowed = try ShadowFixture(shadow: Self.greetingChanged)
        #expect(shadowed.deployment.rules.version == plain.deployment.rules.version)
        let shadow = try #require(shadowed.deployment.shadow)
        #expect(shadow.version != plain.deployment.rules.version)
        #expect(shadow.file.displayPath.hasSuffix("rules/shadow/decision.lua"))
        #expect(shadow.file.relativePath == "shadow/decision.lua")

        // Promote: move the candidate over decision.lua, drop the folder.
        let rules = shadowed.directory.url.appendingPathComponent("rules")
        try FileManager.default.removeItem(at: rules.appendingPathComponent("decision.lua"))
        try FileManager.default.moveItem(
            at: rules.appendingPathComponent("shadow/decision.lua"), to: rules.appendingPathComponent("decision.lua"))
        let promoted = try Deployment.load(
            configPath: shadowed.directory.url.appendingPathComponent("config.yaml").path, plugins: .builtin,
            environment: [:], poolSize: 1)
        #expect(promoted.shadow == nil)  // the empty folder left behind is no shadow
        #expect(promoted.rules.version == shadow.version)
    }

    struct Difference: Sendable, CustomTestStringConvertible {
        var name: String
        var candidate: PolicyDecision
        var differs: [String]
        var testDescription: String { name }
    }

    static let enforced = PolicyDecision(
        action: .respondText, rule: "price_question", reason: "price question", template: "price",
        product: "premium-plan", state: "interested")

    static let differences: [Difference] = {
        func changed(_ name: String, _ differs: [String], _ change: (inout PolicyDecision) -> Void) -> Difference {
            var candidate = enforced
            change(&candidate)
            return Difference(name: name, candidate: candidate, differs: differs)
        }
        return [
            changed("nothing", []) { _ in },
            changed("only the reason (prose, not compared)", []) { $0.reason = "another sentence" },
            changed("the action", ["action"]) { $0.action = .escalate },
            changed("the rule", ["rule"]) { $0.rule = "price_question_v2" },
            changed("the template", ["template"]) { $0.template = "product_info" },
            changed("the product", ["product"]) { $0.product = "basic-plan" },
            changed("no product", ["product"]) { $0.product = nil },
            changed("the state", ["state"]) { $0.state = nil },
            changed("rule and template", ["rule", "template"]) {
                $0.rule = "r"
                $0.template = "greeting"
            },
        ]
    }()

    @Test(arguments: differences)
    func theComparisonLooksAtActionRuleTemplateProductAndState(_ difference: Difference) {
        let comparison = ShadowComparison(
            enforced: Self.enforced, shadow: .success(difference.candidate), rulesVersion: "sha256:a",
            shadowVersion: "sha256:b")
        #expect(comparison.differences == difference.differs)
        #expect(comparison.outcome == (difference.differs.isEmpty ? .agree : .disagree))
        // The reasons (which may quote the customer) are sealed, never in the summary.
        #expect(!comparison.summary.contains("price question"))
        #expect(comparison.sensitive.contains("price question"))
    }
}

extension ShadowRulesTests.Message: ExpressibleByStringLiteral {
    init(stringLiteral value: String) { self.init(text: value) }
}
