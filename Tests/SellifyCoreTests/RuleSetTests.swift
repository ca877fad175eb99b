import Dispatch
import Foundation
import SellifyCore
import SellifyLua
import SellifyPlugins
import SellifyTestSupport
import SellifyYAML
import Synchronization
import Testing

struct ShippedRulesTests {
    @Test func shippedRulesDecideEverySample() throws {
        let shipped = try Shipped()
        let samples = SampleContexts.all(catalog: shipped.catalog, configuration: shipped.loaded.configuration)
        var rules: [String: String] = [:]
        for sample in samples {
            let (decision, _) = try shipped.rules.decide(sample.context)
            rules[sample.name] = "\(decision.action.rawValue)/\(decision.rule)"
        }
        #expect(rules["greeting"] == "RespondText/greeting")
        #expect(rules["price question"] == "RespondText/price_question")
        #expect(rules["price question without a product"] == "RespondText/price_without_product")
        #expect(rules["image request"] == "RespondImage/send_image")
        #expect(rules["opt-out"] == "RespondText/opt_out")
        #expect(rules["human request"] == "Escalate/human_request")
        #expect(rules["complaint"] == "Escalate/complaint")
        #expect(rules["sticker"] == "Ignore/unsupported_message_type")
        #expect(rules["quota exhausted"] == "Ignore/quota_exhausted")
        // The host defers an answer inside the cooldown; the rules decide what it says.
        #expect(rules["cooldown"] == "RespondText/price_question")
    }

    @Test func shippedRulesDeclareWhatThePipelineNeeds() throws {
        let shipped = try Shipped()
        #expect(Set(shipped.rules.intents.intents.map(\.name)) == Set(IntentName.allCases).subtracting([.other]))
        #expect(shipped.rules.intents.media[.image]?.isEmpty == false)
        #expect(shipped.rules.forbidden.entries.count >= 25)
        #expect(shipped.rules.forbidden.entries.contains { ($0.phrase ?? $0.pattern ?? "").contains("garantiz") })
        #expect(shipped.rules.templates.names.contains("price"))
        #expect(shipped.rules.version.hasPrefix("sha256:"))
        #expect(shipped.rules.version.count == 7 + 64)
    }

    /// Two threads or more on the pool give exactly what serial calls give, and a
    /// state that served many calls decides like a fresh one (no state leaks
    /// between calls).
    @Test func concurrentDecisionsMatchSerialDecisions() throws {
        let shipped = try Shipped(poolSize: 2)
        let samples = SampleContexts.all(catalog: shipped.catalog, configuration: shipped.loaded.configuration)
        let fresh = try Shipped(poolSize: 1)
        let serial = try samples.map { try fresh.rules.decide($0.context).0 }
        let results = Mutex<[[PolicyDecision]]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            var mine: [PolicyDecision] = []
            for _ in 0..<50 {
                for sample in samples {
                    do {
                        mine.append(try shipped.rules.decide(sample.context).0)
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            results.withLock { $0.append(mine) }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        for run in results.withLock({ $0 }) {
            #expect(run.count == samples.count * 50)
            for (index, decision) in run.enumerated() {
                #expect(decision == serial[index % samples.count])
            }
        }
    }

    @Test func versionChangesWithAnyByte() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let rules = directory.url.appendingPathComponent("rules")
        let before = try RuleSources.read(directory: rules.path, displayDirectory: "rules").version
        try directory.write(
            "rules/lib/text.lua",
            try String(contentsOf: rules.appendingPathComponent("lib/text.lua"), encoding: .utf8) + "\n")
        let after = try RuleSources.read(directory: rules.path, displayDirectory: "rules").version
        #expect(before != after)
        #expect(before == (try Shipped()).rules.version)
    }
}

/// Rule files that break the host's contract are reported with file and line.
struct RuleContractTests {
    /// Compiles the shipped rules with `decision.lua` replaced, then calls decide on a sample.
    func decideWith(decision source: String) throws -> LuaError? {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        try directory.write("rules/decision.lua", source)
        let shipped = try Shipped()
        let sources = try RuleSources.read(
            directory: directory.url.appendingPathComponent("rules").path, displayDirectory: "rules")
        let rules = try RuleSet.compile(
            sources, catalog: shipped.catalog, configuration: shipped.loaded.configuration, poolSize: 1)
        let sample = SampleContexts.all(catalog: shipped.catalog, configuration: shipped.loaded.configuration)[1]
        return #expect(throws: LuaError.self) { try rules.decide(sample.context) }
    }

    @Test(arguments: [
        (
            "function decide(ctx)\n  return {\n    action = \"Reply\", rule = \"r\", reason = \"x\" }\nend\n",
            "rules/decision.lua:3: error: decide() returned unknown action 'Reply' (expected one of RespondText, RespondImage, RespondVideo, Escalate, Ignore)"
        ),
        (
            "function decide(ctx)\n  return { action = \"Ignore\", rule = \"r\", reasn = \"x\" }\nend\n",
            "rules/decision.lua:2: error: decide() returned unknown field 'reasn' (did you mean 'reason'?)"
        ),
        (
            "function decide(ctx)\n  return nil\nend\n",
            "rules/decision.lua: error: decide() must return a table { action = …, rule = …, reason = … }, got a nil value"
        ),
        (
            "function decide(ctx)\n  return { action = \"Ignore\", rule = 7, reason = \"x\" }\nend\n",
            "rules/decision.lua: error: decide() returned 'rule' as a number (expected a string)"
        ),
        (
            "function decide(ctx)\n  return { action = \"Escalate\", rule = \"r\" }\nend\n",
            "rules/decision.lua: error: decide() returned no 'reason'"
        ),
        (
            "function decide(ctx)\n  return { action = \"RespondText\", rule = \"price\", reason = \"x\" }\nend\n",
            "rules/decision.lua:2: error: decide() returned RespondText without a 'template' (rule 'price')"
        ),
        (
            "function decide(ctx)\n\n  return { action = \"RespondText\", rule = \"r\", reason = \"x\", template = \"prices\" }\nend\n",
            "rules/decision.lua:3: error: decide() returned unknown template 'prices' (rule 'r'; templates.yaml defines ask_which_product, fallback_help, greeting, handoff, handoff_closed, media_unavailable, opt_in_confirmation, opt_out_confirmation, out_of_stock, price, price_multiple, product_info, purchase, purchase_quantity; faq.yaml answers faq.business_hours, faq.digital_delivery, faq.payment_methods, faq.returns, faq.shipping)"
        ),
        (
            "function decide(ctx)\n  return { action = \"Ignore\", rule = \"r\", reason = \"x\", state = \"vip\" }\nend\n",
            "rules/decision.lua:2: error: decide() proposed unknown state 'vip' (rule 'r'; conversation.states are browsing, closing, escalated, greeting, interested, negotiating, new, opted_out)"
        ),
        (
            "function decide(ctx)\n  return { action = \"RespondImage\", rule = \"img\", reason = \"x\" }\nend\n",
            "rules/decision.lua:2: error: decide() returned RespondImage without a 'product' (rule 'img')"
        ),
        (
            "function decide(ctx)\n  local p = ctx.nothing.here\nend\n",
            "rules/decision.lua:2: error: attempt to index a nil value (field 'nothing')"
        ),
    ])
    func contractViolation(_ source: String, _ message: String) throws {
        let error = try decideWith(decision: source)
        #expect(error?.description == message)
    }
}

struct CheckerTests {
    @Test func shippedDeploymentIsClean() {
        let report = Checker(plugins: .builtin, environment: [:])
            .check(configPath: repositoryRoot.appendingPathComponent("config.yaml").path)
        #expect(report.diagnostics.map(\.description) == [])
        #expect(report.isClean)
        #expect(report.summary.contains("decide(ctx): 17 samples returned valid decisions"))
    }

    struct Breakage: Sendable, CustomTestStringConvertible {
        let file: String
        let replace: String
        let with: String
        let expected: [String]
        var testDescription: String { "\(file): \(expected.first ?? "")" }
    }

    static let breakages: [Breakage] = [
        Breakage(
            file: "rules/decision.lua", replace: "function decide(ctx)", with: "function decide(ctx",
            expected: ["rules/decision.lua:LINE: error: ')' expected near 'local'"]),
        Breakage(
            file: "rules/intents.lua", replace: "name = \"greeting\"", with: "name = \"greetings\"",
            expected: [
                "rules/intents.lua:LINE: error: intents[8].name: unknown intent 'greetings' (expected one of 'greeting', 'price_question', 'product_question', 'purchase_intent', 'complaint', 'human_request', 'opt_out', 'opt_in')"
            ]),
        Breakage(
            file: "rules/forbidden_words.lua", replace: "forbidden = {",
            with: "forbidden = {\n  { pattern = \"100%\", category = \"x\" },",
            expected: ["rules/forbidden_words.lua:LINE: error: forbidden[1].pattern: malformed pattern (ends with '%')"]
        ),
        Breakage(
            file: "rules/templates.yaml", replace: "{product.price}", with: "{product.cost}",
            expected: [
                "rules/templates.yaml:LINE:7: error: price.en: unknown placeholder '{product.cost}' (expected one of {account.name}, {business.next_open}, {product.currency}, {product.fact}, {product.name}, {product.price}, {products.prices}, {quantity})"
            ]),
        Breakage(
            file: "rules/lib/text.lua", replace: "local M = {}", with: "local M = {}\nundefined_call()",
            expected: ["rules/lib/text.lua:LINE: error: unknown global 'undefined_call'"]),
    ]

    @Test(arguments: breakages)
    func brokenRuleFileIsNamedWithItsLine(_ breakage: Breakage) throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let path = directory.url.appendingPathComponent(breakage.file)
        let original = try String(contentsOf: path, encoding: .utf8)
        #expect(original.contains(breakage.replace), "fixture text not found in \(breakage.file)")
        try original.replacingOccurrences(of: breakage.replace, with: breakage.with)
            .write(to: path, atomically: true, encoding: .utf8)

        // Paths print relative to the config's folder; strip the temp folder.
        let report = Checker(plugins: .builtin, environment: [:])
            .check(configPath: directory.url.appendingPathComponent("config.yaml").path)
        #expect(!report.isClean)
        let messages = report.diagnostics.map {
            $0.description.replacingOccurrences(of: directory.url.path + "/", with: "")
        }
        for expected in breakage.expected {
            let parts = expected.components(separatedBy: "LINE")
            let matched = messages.contains { message in
                if parts.count == 1 { return message == expected }
                guard message.hasPrefix(parts[0]) else { return false }
                let rest = message.dropFirst(parts[0].count)
                let digits = rest.prefix(while: \.isNumber)
                return !digits.isEmpty && rest.dropFirst(digits.count).hasPrefix(parts[1])
            }
            #expect(matched, "expected \(expected) in \(messages)")
        }
    }

    func check(_ directory: TemporaryDirectory) -> [String] {
        let report = Checker(plugins: .builtin, environment: [:])
            .check(configPath: directory.url.appendingPathComponent("config.yaml").path)
        return report.diagnostics.map { $0.description.replacingOccurrences(of: directory.url.path + "/", with: "") }
    }

    @Test func aSymlinkOutOfTheRulesFolderIsRefused() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let secret = directory.url.appendingPathComponent("secret.txt")
        try "return 'TOP-SECRET-VALUE'".write(to: secret, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: directory.url.appendingPathComponent("rules/lib/secret.lua").path, withDestinationPath: secret.path)
        let messages = check(directory)
        #expect(messages.count == 1)
        #expect(
            messages.first?.hasPrefix("rules/lib/secret.lua: error: the file is a symbolic link to '") == true,
            "\(messages)")
        #expect(
            messages.first?.hasSuffix("outside the rules folder (copy the file into the rules folder)") == true,
            "\(messages)")
        #expect(!messages.joined().contains("TOP-SECRET-VALUE"))
    }

    @Test func aSymlinkWithinTheRulesFolderIsFine() throws {
        // Kubernetes ConfigMap volumes are links into a hidden folder beside the files.
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let rules = directory.url.appendingPathComponent("rules")
        try FileManager.default.createDirectory(
            at: rules.appendingPathComponent("..data"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            at: rules.appendingPathComponent("decision.lua"), to: rules.appendingPathComponent("..data/decision.lua"))
        try FileManager.default.createSymbolicLink(
            atPath: rules.appendingPathComponent("decision.lua").path, withDestinationPath: "..data/decision.lua")
        #expect(check(directory) == [])
    }

    @Test func anUnusedBrokenLibraryFailsTheCheck() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        try "local M = {\nreturn M\n".write(
            to: directory.url.appendingPathComponent("rules/lib/unused.lua"), atomically: true, encoding: .utf8)
        let messages = check(directory)
        #expect(messages.contains { $0.hasPrefix("rules/lib/unused.lua:2: error:") }, "\(messages)")
    }

    @Test func aCatalogTooBigForALuaStateNamesTheFileAndTheSetting() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let config = directory.url.appendingPathComponent("config.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try text.replacingOccurrences(of: "memory_limit: 32MiB", with: "memory_limit: 1MiB").write(
            to: config, atomically: true, encoding: .utf8)
        let catalog = directory.url.appendingPathComponent("catalog.yaml")
        var products = try String(contentsOf: catalog, encoding: .utf8)
        products += "\n"
        let big = (0..<2000).map { i in
            "  - { id: bulk-\(i), name: \"Bulk item \(i)\", price: 1.00, currency: USD, facts: [\"\(String(repeating: "long fact ", count: 20))\"] }\n"
        }.joined()
        products = products.replacingOccurrences(of: "products:\n", with: "products:\n" + big)
        try products.write(to: catalog, atomically: true, encoding: .utf8)
        let messages = check(directory)
        #expect(
            messages.contains {
                $0.hasPrefix(
                    "catalog.yaml: error: the catalog does not fit in a Lua state: rules.memory_limit is 1MiB per state"
                )
            }, "\(messages)")
    }
}
