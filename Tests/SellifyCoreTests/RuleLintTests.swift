import Foundation
import SellifyPlugins
import SellifyTestSupport
import SellifyYAML
import Testing

@testable import SellifyCore

/// A copy of the shipped deployment with edits to its rules, checked by `sellify check`'s checker.
struct EditedRules {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
    }

    func source(_ file: String) throws -> String {
        try String(contentsOf: directory.url.appendingPathComponent(file), encoding: .utf8)
    }

    /// Replaces the first `old` found on a line containing `anchor` (the
    /// whole file when nil); returns where the replacement starts (1-based
    /// line and character column).
    @discardableResult
    func replace(
        _ old: String, with new: String, onLineContaining anchor: String? = nil, in file: String = "rules/decision.lua"
    )
        throws -> (line: Int, column: Int)
    {
        var lines = try source(file).components(separatedBy: "\n")
        let index = try #require(
            lines.firstIndex { ($0.contains(anchor ?? old)) && $0.contains(old) }, "no line with \(old)")
        let range = try #require(lines[index].range(of: old))
        let column = lines[index].distance(from: lines[index].startIndex, to: range.lowerBound) + 1
        lines[index].replaceSubrange(range, with: new)
        try directory.write(file, lines.joined(separator: "\n"))
        return (index + 1, column)
    }

    func append(_ text: String, to file: String = "rules/decision.lua") throws {
        try directory.write(file, try source(file) + text)
    }

    /// `sellify check`'s report, without luacheck unless asked for.
    func check(luacheck: Luacheck? = nil) -> Checker.Report {
        Checker(plugins: .builtin, environment: [:], luacheck: luacheck)
            .check(configPath: directory.url.appendingPathComponent("config.yaml").path)
    }

    /// As printed, with paths relative to the config's folder (the temporary folder stripped).
    func describe(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { $0.description.replacingOccurrences(of: directory.url.path + "/", with: "") }
    }

    func diagnostics(luacheck: Luacheck? = nil) -> [String] {
        describe(check(luacheck: luacheck).diagnostics)
    }

    func errors(luacheck: Luacheck? = nil) -> [String] {
        describe(check(luacheck: luacheck).diagnostics.filter { $0.severity == .error })
    }

    /// The errors of the static checks (they name a column; the sample calls' errors do not).
    func staticErrors(luacheck: Luacheck? = nil) -> [String] {
        describe(
            check(luacheck: luacheck).diagnostics.filter { $0.severity == .error && ($0.location?.column ?? 0) > 0 })
    }
}

/// luacheck must be installed for these tests (`scripts/install-deps.sh --test`): they fail, never skip, without it.
func installedLuacheck() throws -> Luacheck {
    try #require(
        Luacheck.find(environment: ProcessInfo.processInfo.environment),
        "luacheck is not on PATH: install it with scripts/install-deps.sh --test (Debian package lua-check)")
}

struct RuleLintTests {
    static let states =
        "conversation.states: new, greeting, browsing, interested, negotiating, closing, escalated, opted_out"
    /// The answers of rules/faq.yaml, which are templates too.
    static let faqTemplates =
        "faq.business_hours, faq.digital_delivery, faq.payment_methods, faq.returns, faq.shipping"

    /// The typo that went live: an untested branch proposing state "browsng".
    @Test func aMisspelledStateInAnUntestedBranchFailsTheCheck() throws {
        let rules = try EditedRules()
        let at = try rules.replace(
            #"advance(state, "browsing")"#, with: #"advance(state, "browsng")"#,
            onLineContaining: #"respond("product_mentioned", "out_of_stock""#)
        let column = at.column + #"advance(state, "#.count
        #expect(
            rules.errors() == [
                "rules/decision.lua:\(at.line):\(column): error: unknown state 'browsng' (did you mean 'browsing'? \(Self.states))"
            ])
    }

    struct Typo: Sendable, CustomTestStringConvertible {
        var anchor: String
        var old: String
        var new: String
        /// Characters from the start of `old` to the literal's opening quote.
        var offset: Int
        var message: String
        var testDescription: String { message }
    }

    @Test(arguments: [
        Typo(
            anchor: #"respond("price_question", "price""#, old: #""price""#, new: #""prise""#, offset: 0,
            message: "unknown template 'prise' (did you mean 'price'? rules/templates.yaml and rules/faq.yaml: "
                + "ask_which_product, fallback_help, \(faqTemplates), greeting, handoff, handoff_closed, media_unavailable, "
                + "opt_in_confirmation, opt_out_confirmation, out_of_stock, price, price_multiple, product_info, purchase, "
                + "purchase_quantity)"),
        // ctx.faq holds an id of rules/faq.yaml.
        Typo(
            anchor: "if faq ~= nil and product == nil then", old: "faq ~= nil", new: #"faq == "shiping""#, offset: 7,
            message: "unknown FAQ entry 'shiping' (did you mean 'shipping'? ids in rules/faq.yaml: returns, "
                + "digital_delivery, shipping, payment_methods, business_hours)"),
        Typo(
            anchor: #"if intent == "complaint" then"#, old: #""complaint""#, new: #""complain""#, offset: 0,
            message: "unknown intent 'complain' (did you mean 'complaint'? intents: greeting, price_question, "
                + "product_question, purchase_intent, complaint, human_request, opt_out, opt_in, other)"),
        Typo(
            anchor: #"if state == "escalated" then"#, old: #""escalated""#, new: #""escalted""#, offset: 0,
            message: "unknown state 'escalted' (did you mean 'escalated'? \(states))"),
        Typo(
            anchor: #"send_media("RespondImage""#, old: #""RespondImage""#, new: #""RespondImg""#, offset: 0,
            message: "unknown action 'RespondImg' (did you mean 'RespondImage'? actions: RespondText, RespondImage, "
                + "RespondVideo, Escalate, Ignore)"),
        Typo(
            anchor: #"if mtype ~= "text" then"#, old: #""text""#, new: #""txt""#, offset: 0,
            message: "unknown message type 'txt' (did you mean 'text'? message types: text, image, audio, video, "
                + "sticker, location, contact, reaction)"),
        Typo(
            anchor: #"if media == "image""#, old: #""image""#, new: #""imag""#, offset: 0,
            message: "unknown media request 'imag' (did you mean 'image'? media requests: image, video)"),
        // The default of `conv.state or "new"` is a state too.
        Typo(
            anchor: #"conv.state or "new""#, old: #""new""#, new: #""nwe""#, offset: 0,
            message: "unknown state 'nwe' (did you mean 'new'? \(states))"),
        // A key of FUNNEL, whose keys are states.
        Typo(
            anchor: "local FUNNEL = {", old: "browsing = 3", new: "browsng = 3", offset: 0,
            message: "unknown state 'browsng' (did you mean 'browsing'? \(states))"),
    ])
    func aMisspelledNameIsAnErrorWithAHint(_ typo: Typo) throws {
        let rules = try EditedRules()
        let at = try rules.replace(typo.old, with: typo.new, onLineContaining: typo.anchor)
        // Some typos also break a sample call (reported without a column); the static check names the literal.
        #expect(
            rules.staticErrors() == ["rules/decision.lua:\(at.line):\(at.column + typo.offset): error: \(typo.message)"]
        )
    }

    /// Commented-out code, long comments and strings that hold code are text, not code.
    @Test func literalsInCommentsAndStringsAreNotChecked() throws {
        let rules = try EditedRules()
        try rules.append(
            #"""

            -- return respond("x", "no_such_template", nil, advance(state, "browsng"), "…")
            --[[ if intent == "complain" then return escalate("x", "y") end ]]
            --[==[
              ctx.conversation.state == "browsng" ]] still a comment
            ]==]
            local EXAMPLE = [[ return { action = "Reply", template = "nope", state = "browsng" } ]]
            local QUOTED = "if intent == \"complain\" then -- not code" .. 'state == "browsng"'
            local _ = { EXAMPLE, QUOTED }

            """#)
        let report = rules.check()
        #expect(report.diagnostics == [Luacheck.skippedNote])
        #expect(report.isClean)
    }

    /// A helper in rules/lib receives the template name: the literal at the call is checked.
    @Test func literalsPassedToALibraryHelperAreChecked() throws {
        let rules = try EditedRules()
        try rules.replace(
            "return M",
            with: """
                --- reply(rule, template) → a RespondText decision
                function M.reply(rule, template)
                  return { action = "RespondText", rule = rule, reason = "from the library", template = template }
                end

                return M
                """, in: "rules/lib/text.lua")
        let at = try rules.replace(
            #"return ignore("acknowledgement", "short acknowledgement, no answer needed")"#,
            with: #"return text.reply("acknowledgement", "thanks_reply")"#)
        #expect(
            rules.staticErrors() == [
                "rules/decision.lua:\(at.line):\(at.column + #"return text.reply("acknowledgement", "#.count): error: "
                    + "unknown template 'thanks_reply' (rules/templates.yaml and rules/faq.yaml: ask_which_product, "
                    + "fallback_help, \(Self.faqTemplates), greeting, handoff, handoff_closed, media_unavailable, opt_in_confirmation, "
                    + "opt_out_confirmation, out_of_stock, price, price_multiple, product_info, purchase, purchase_quantity)"
            ])
    }

    @Test func theShippedRulesUseOnlyKnownNames() throws {
        let shipped = try Shipped()
        let result = RuleLint(vocabulary: .init(rules: shipped.rules, configuration: shipped.loaded.configuration))
            .check(shipped.rules.sources)
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.files == 3)
        // Every state, template, intent and action literal of decision.lua is placed, e.g. 56 at this writing.
        #expect(result.literals > 40, "\(result.literals)")
    }
}

struct LuaTokenizerTests {
    @Test(arguments: [
        (#"a = "x" -- "comment""#, ["x"]),
        ("--[[ \"a\" ]] b = 'c'", ["c"]),
        ("--[==[ ]] \"a\" ]=] ]==] 'b'", ["b"]),
        ("--[= not long: 'a'\n'b'", ["b"]),
        ("x = [[\nline1\nline2]]", ["line1\nline2"]),
        ("x = [=[a]]b]=]", ["a]]b"]),
        (#"x = "a\tb\65\x42\u{48}\z     c""#, ["a\tbABHc"]),
        (#"x = 'it\'s' .. "say \"hi\"""#, ["it's", "say \"hi\""]),
        ("x = \"a\\\nb\"", ["a\nb"]),
        (#"x = "\u{7FF}\u{10FFFF}""#, ["\u{7FF}\u{10FFFF}"]),
    ])
    func stringsAreReadLikeLua(_ source: String, _ strings: [String]) throws {
        let tokens = try LuaTokenizer.tokens(source)
        #expect(tokens.filter { $0.kind == .string }.map(\.text) == strings)
    }

    @Test func positionsCountCharactersAndLines() throws {
        let tokens = try LuaTokenizer.tokens("-- ñ\nlocal s = \"ñ\" .. x\n  --[[\n]] y")
        let named = tokens.filter { $0.kind == .name }.map { "\($0.text)@\($0.position)" }
        #expect(named == ["s@2:7", "x@2:18", "y@4:4"])
    }

    @Test(arguments: ["x = \"open", "x = [[open", "--[[ open", "x = '\\q'"])
    func malformedInputIsAnError(_ source: String) {
        #expect(throws: LuaSyntaxError.self) { try LuaTokenizer.tokens(source) }
    }

    /// Every shipped rule file parses (the checks would otherwise skip it with a warning).
    @Test(arguments: ["decision.lua", "intents.lua", "forbidden_words.lua", "lib/text.lua"])
    func theShippedRulesParse(_ file: String) throws {
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("rules/\(file)"), encoding: .utf8)
        #expect(throws: Never.self) { try LuaParser.parse(source) }
    }

    @Test(arguments: [
        "local x <const> = 1 goto done ::done::",
        "local t = { [1] = 2; a = 3, 'x' } local y = t.a // 2 ~ 1 << 3 .. 'a'",
        "local function f(...) return select('#', ...) end",
        "local o = {} function o:m(a) return self, a end o:m(1)",
        "for i = 1, 10, 2 do end for k, v in pairs({}) do end repeat local z = 1 until z",
        "local s = ('x'):rep(2) local n = -2 ^ 2 local b = not nil == true",
        "f{1} f'x' f\"y\" f[[z]]",
    ])
    func lua54SyntaxParses(_ source: String) {
        #expect(throws: Never.self) { try LuaParser.parse(source) }
    }
}

struct LuacheckTests {
    @Test func theShippedRulesPassLuacheckCleanly() throws {
        let rules = try EditedRules()
        let report = rules.check(luacheck: try installedLuacheck())
        #expect(report.diagnostics.map(\.description) == [])
        #expect(report.summary.contains("luacheck: 4 files, 0 warnings"))
    }

    /// A misspelled helper is an undefined global: an error naming the line, with a hint.
    @Test func aMisspelledHelperIsAnUndefinedGlobal() throws {
        let rules = try EditedRules()
        let at = try rules.replace(
            #"advance(state, "browsing")"#, with: #"advnce(state, "browsing")"#,
            onLineContaining: #"respond("product_mentioned", "out_of_stock""#)
        #expect(
            rules.staticErrors(luacheck: try installedLuacheck()) == [
                "rules/decision.lua:\(at.line):\(at.column): error: accessing undefined variable 'advnce' "
                    + "(luacheck W113; did you mean 'advance'?)"
            ])
    }

    /// luacheck knows the sandbox's globals: only what rules can read is defined.
    @Test(arguments: [
        (
            "sellify.catalog.fnd(id)",
            "accessing undefined field 'catalog.fnd' of global 'sellify' (luacheck W143; did you mean 'sellify.catalog.find'?)"
        ),
        (
            "string.frmat(id)",
            "accessing undefined field 'frmat' of global 'string' (luacheck W143; did you mean 'string.format'?)"
        ),
        ("os.time()", "accessing undefined variable 'os' (luacheck W113)"),
        ("math.random(1)", "accessing undefined field 'random' of global 'math' (luacheck W143)"),
    ])
    func onlyTheSandboxsGlobalsAreDefined(_ call: String, _ message: String) throws {
        let rules = try EditedRules()
        try rules.replace(
            "return M", with: "function M.probe(id)\n  return \(call)\nend\n\nreturn M", in: "rules/lib/text.lua")
        let errors = rules.staticErrors(luacheck: try installedLuacheck())
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasSuffix(": error: \(message)") == true, "\(errors)")
    }

    /// Unused variables are warnings: reported, and the check still passes.
    @Test func anUnusedVariableIsAWarningOnly() throws {
        let rules = try EditedRules()
        let at = try rules.replace(
            "  local mtype = event.type", with: "  local unused_count = 0\n  local mtype = event.type")
        let luacheck = try installedLuacheck()
        #expect(
            rules.diagnostics(luacheck: luacheck) == [
                "rules/decision.lua:\(at.line):9: warning: unused variable 'unused_count' (luacheck W211)"
            ])
        #expect(rules.check(luacheck: luacheck).isClean)
    }

    /// Assigning a global at call time is an error in the sandbox (globals are frozen), so it is one here.
    @Test func settingAGlobalInsideAFunctionIsAnError() throws {
        let rules = try EditedRules()
        let at = try rules.replace(
            "  local mtype = event.type", with: "  last_event = event\n  local mtype = event.type")
        #expect(
            rules.staticErrors(luacheck: try installedLuacheck()) == [
                "rules/decision.lua:\(at.line):3: error: setting non-standard global variable 'last_event' (luacheck W111)"
            ])
    }

    @Test func withoutLuacheckTheCheckSaysItSkippedIt() throws {
        let rules = try EditedRules()
        let report = rules.check(luacheck: nil)
        #expect(report.diagnostics == [Luacheck.skippedNote])
        #expect(report.isClean)

        // The command: one note on stderr, success on stdout, exit 0.
        let result = try runSellify(["check"], in: rules.directory.url, environment: ["PATH": "/nonexistent"])
        #expect(result.status == 0)
        #expect(result.stderr == Luacheck.skippedNote.description + "\n")
        #expect(result.stdout.hasSuffix("check passed\n"))
        #expect(!result.stdout.contains("luacheck:"))
    }

    @Test func theCommandPrintsErrorsOnStderrAndFails() throws {
        let rules = try EditedRules()
        let at = try rules.replace(
            #"advance(state, "browsing")"#, with: #"advance(state, "browsng")"#,
            onLineContaining: #"respond("product_mentioned", "out_of_stock""#)
        let result = try runSellify(["check"], in: rules.directory.url)
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(
            result.stderr == """
                rules/decision.lua:\(at.line):\(at.column + 15): error: unknown state 'browsng' (did you mean 'browsing'? \(RuleLintTests.states))
                check failed: 1 error

                """)
    }
}
