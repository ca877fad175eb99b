import Foundation
import SellifyPlugins
import SellifyTestSupport
import SellifyYAML
import Testing

@testable import SellifyCore

/// `rules/channels.yaml`, its loader and the pure engine over it.
struct ChannelPolicyTests {
    static let start = Timestamp(rfc3339: "2026-11-30T18:00:00Z")!
    static let hour: Int64 = 3_600_000

    static func at(hours: Double) -> Timestamp {
        Timestamp(milliseconds: start.milliseconds + Int64(hours * Double(hour)))
    }

    static let engine = ChannelPolicyEngine(policy: .builtIn, portfolioTier: .users(250))

    // MARK: The shipped file

    @Test func theShippedFileLoadsAndEqualsTheBuiltInLimits() throws {
        let sources = try RuleSources.read(
            directory: repositoryRoot.appendingPathComponent("rules").path, displayDirectory: "rules")
        let file = try #require(sources.channels)
        #expect(file.displayPath == "rules/channels.yaml")
        let policy = try ChannelPolicy.decode(file)
        #expect(policy == .builtIn)
        #expect(policy.file == "rules/channels.yaml")
        #expect(policy.version == 1)
        #expect(policy.limits.map(\.name) == ChannelPolicy.builtIn.limits.map(\.name))
        #expect(policy.limits.allSatisfy { $0.location?.file == "rules/channels.yaml" && $0.location!.line > 0 })
        // A limit's location is its mapping: the line after its key.
        let keyLine = try #require(file.source.components(separatedBy: "\n").firstIndex { $0 == "  service_window:" })
        #expect(
            policy.whatsapp.serviceWindow.location
                == SourceLocation(file: file.displayPath, line: keyLine + 2, column: 5))
        #expect(
            policy.whatsapp.businessInitiatedTiers.value == [
                .users(250), .users(2000), .users(10_000), .users(100_000), .unlimited,
            ])
        #expect(policy.whatsapp.messagesPerSecond.value == 80)
        #expect(policy.instagram.humanAgentWindow.value == ConfigDuration(milliseconds: 7 * 24 * Self.hour))
        #expect(policy.telegram.perChatInterval.value == .seconds(1))
        // The file is part of the rules: its bytes are in the rules version.
        #expect(sources.allFiles.contains { $0.relativePath == "channels.yaml" })
    }

    @Test func theShippedConfigSetsTheLowestTier() throws {
        let loaded = try LoadedConfiguration.load(
            path: repositoryRoot.appendingPathComponent("config.yaml").path, environment: [:], plugins: .builtin)
        #expect(loaded.configuration.channels.whatsapp.portfolioTier == .users(250))
        #expect(loaded.configuration.channels.whatsapp.portfolioTierLocation != nil)
    }

    // MARK: Which channel

    @Test(arguments: [
        ("wa:5215512345678", Channel.whatsapp), ("ig:17841400000", .instagram), ("tg:123456", .telegram),
        ("web:abc", .other), ("WA:5215512345678", .other), ("wa", .other), ("", .other), ("5215512345678", .other),
    ])
    func channelFromTheConversationIDPrefix(_ id: String, _ channel: Channel) {
        #expect(Channel(conversationID: id) == channel)
        #expect(Channel(explicit: nil, conversationID: id) == channel)
    }

    @Test(arguments: [
        (Channel.telegram, "wa:1", Channel.telegram), (.whatsapp, "c-42", .whatsapp), (.other, "wa:1", .other),
        (.instagram, "ig:7", .instagram),
    ])
    func anExplicitChannelWinsOverThePrefix(_ explicit: Channel, _ id: String, _ channel: Channel) {
        #expect(Channel(explicit: explicit, conversationID: id) == channel)
    }

    // MARK: Service windows

    @Test(arguments: [
        (Channel.whatsapp, 23.0, true), (.whatsapp, 23.999, true), (.whatsapp, 24.0, false), (.whatsapp, 25.0, false),
        (.instagram, 23.0, true), (.instagram, 24.0, false), (.instagram, 25.0, false),
        (.telegram, 25.0, true), (.telegram, 720.0, true), (.other, 25.0, true),
    ])
    func freeFormOnlyInsideTheServiceWindow(_ channel: Channel, _ hours: Double, _ allowed: Bool) {
        let verdict = Self.engine.freeFormAllowed(channel, lastInboundAt: Self.start, at: Self.at(hours: hours))
        #expect(verdict.isAllowed == allowed)
        if !allowed { #expect(verdict.refusal?.reason == .serviceWindowClosed) }
    }

    @Test func theWindowClosesExactlyAt24Hours() {
        let oneMillisecondBefore = Timestamp(milliseconds: Self.start.milliseconds + 24 * Self.hour - 1)
        let exactly = Timestamp(milliseconds: Self.start.milliseconds + 24 * Self.hour)
        #expect(Self.engine.freeFormAllowed(.whatsapp, lastInboundAt: Self.start, at: oneMillisecondBefore).isAllowed)
        #expect(!Self.engine.freeFormAllowed(.whatsapp, lastInboundAt: Self.start, at: exactly).isAllowed)
        #expect(Self.engine.serviceWindow(for: .whatsapp) == ConfigDuration(milliseconds: 24 * Self.hour))
        #expect(Self.engine.serviceWindow(for: .telegram) == nil)
        #expect(Self.engine.serviceWindow(for: .other) == nil)
    }

    @Test func aRefusalNamesTheLimitItsSourceAndDate() throws {
        let verdict = Self.engine.freeFormAllowed(.whatsapp, lastInboundAt: Self.start, at: Self.at(hours: 25))
        let refusal = try #require(verdict.refusal)
        #expect(refusal.channel == .whatsapp)
        #expect(refusal.limit.name == "whatsapp.service_window")
        #expect(refusal.limit.value == "24h")
        #expect(refusal.limit.asOf.description == "2026-12-02")
        #expect(
            refusal.description
                == "WhatsApp allows free-form messages only within 24h of the customer's last message, which was at 2026-11-30T18:00:00Z; only an approved template may be sent (whatsapp.service_window = 24h (built-in channel limits, as of 2026-12-02: https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages#customer-service-windows))"
        )
    }

    @Test(arguments: [(Channel.whatsapp, false), (.instagram, false), (.telegram, true), (.other, true)])
    func aCustomerWhoNeverWroteOpenedNoWindow(_ channel: Channel, _ allowed: Bool) {
        let verdict = Self.engine.freeFormAllowed(channel, lastInboundAt: nil, at: Self.start)
        #expect(verdict.isAllowed == allowed)
        if !allowed { #expect(verdict.refusal?.reason == .noInboundMessage) }
    }

    @Test(arguments: [
        (Channel.instagram, 25.0, true), (.instagram, 167.999, true), (.instagram, 168.0, false),
        (.instagram, 192.0, false), (.whatsapp, 23.0, true), (.whatsapp, 25.0, false),
    ])
    func aPersonMayAnswerOnInstagramForSevenDays(_ channel: Channel, _ hours: Double, _ allowed: Bool) {
        let verdict = Self.engine.humanAgentReplyAllowed(channel, lastInboundAt: Self.start, at: Self.at(hours: hours))
        #expect(verdict.isAllowed == allowed)
        if !allowed {
            #expect(verdict.refusal?.reason == (channel == .instagram ? .humanAgentWindowClosed : .serviceWindowClosed))
        }
    }

    @Test func automationGetsOnlyTheStandardWindowOnInstagram() {
        #expect(!Self.engine.freeFormAllowed(.instagram, lastInboundAt: Self.start, at: Self.at(hours: 25)).isAllowed)
        #expect(Self.engine.humanAgentWindow(for: .instagram) == ConfigDuration(milliseconds: 7 * 24 * Self.hour))
        #expect(Self.engine.humanAgentWindow(for: .whatsapp) == nil)
    }

    // MARK: Pace

    @Test func telegramAllowsOneMessagePerSecondPerChat() {
        #expect(Self.engine.minimumInterval(for: .telegram) == .seconds(1))
        for channel in [Channel.whatsapp, .instagram, .other] {
            #expect(Self.engine.minimumInterval(for: channel) == nil)
        }
    }

    @Test(arguments: [
        (Channel.telegram, Int64(3000), Int64(3000)), (.telegram, 500, 1000), (.telegram, 0, 1000),
        (.telegram, 1000, 1000), (.whatsapp, 500, 500), (.other, 0, 0),
    ])
    func theStricterIntervalWins(_ channel: Channel, _ operatorMilliseconds: Int64, _ expected: Int64) {
        let effective = Self.engine.effectiveMinimumInterval(
            for: channel, operatorMinimum: ConfigDuration(milliseconds: operatorMilliseconds))
        #expect(effective.milliseconds == expected)
    }

    @Test func whatsappSendsAtMost80MessagesPerSecond() {
        #expect(Self.engine.messagesPerSecond(for: .whatsapp) == 80)
        #expect(Self.engine.messagesPerSecond(for: .telegram) == nil)
    }

    // MARK: The WhatsApp portfolio messaging limit

    @Test(arguments: [
        (PortfolioTier.users(250), 250 as Int?), (.users(2000), 2000), (.users(100_000), 100_000), (.unlimited, nil),
        // Not a tier (the loader refuses it): the nearest listed tier below.
        (.users(5000), 2000), (.users(10), 250),
    ])
    func theCeilingOfATier(_ tier: PortfolioTier, _ ceiling: Int?) {
        #expect(Self.engine.portfolioCeiling(tier) == ceiling)
    }

    @Test func thePortfolioCeilingHoldsAt250UniqueUsers() {
        // 250 users, one a minute from the start; the first also twice more.
        var sends = (0..<250).map { (conversationID: "wa:\($0)", at: Self.at(hours: Double($0) / 60)) }
        sends.append((conversationID: "wa:0", at: Self.at(hours: 5)))
        sends.append((conversationID: "wa:0", at: Self.at(hours: 6)))
        let now = Self.at(hours: 6)
        let window = Self.engine.portfolioWindow(sends: sends, at: now)
        #expect(window.uniqueUsers == 250)
        #expect(window.remainingNewUsers == 0)
        #expect(!window.allows("wa:new"))
        #expect(window.allows("wa:249"))

        let refused = Self.engine.businessInitiatedAllowed(.whatsapp, to: "wa:new", sends: sends, at: now)
        #expect(refused.refusal?.reason == .portfolioLimitReached)
        #expect(refused.refusal?.limit.name == "whatsapp.business_initiated_tiers")
        #expect(refused.refusal?.description.contains("250 unique users") == true)
        #expect(Self.engine.businessInitiatedAllowed(.whatsapp, to: "wa:17", sends: sends, at: now).isAllowed)

        // 24 h after wa:1's send (at 1 min) it no longer counts; wa:0 does (sent again at 5 h).
        let later = Self.at(hours: 24 + 1.0 / 60)
        let rolled = Self.engine.portfolioWindow(sends: sends, at: later)
        #expect(rolled.uniqueUsers == 249)
        #expect(rolled.counted.contains("wa:0"))
        #expect(!rolled.counted.contains("wa:1"))
        #expect(Self.engine.businessInitiatedAllowed(.whatsapp, to: "wa:new", sends: sends, at: later).isAllowed)
    }

    @Test func aSendExactly24HoursOldNoLongerCounts() {
        let window = PortfolioWindow(
            ceiling: 1, sends: [(conversationID: "wa:1", at: Self.start)], at: Self.at(hours: 24))
        #expect(window.uniqueUsers == 0)
        #expect(window.allows("wa:2"))
        let justBefore = PortfolioWindow(
            ceiling: 1, sends: [(conversationID: "wa:1", at: Self.start)], at: Self.at(hours: 23.999))
        #expect(!justBefore.allows("wa:2"))
    }

    @Test func onlyWhatsAppCountsAndUnlimitedHasNoCeiling() {
        let sends = (0..<300).map { (conversationID: "wa:\($0)", at: Self.start) }
        #expect(Self.engine.businessInitiatedAllowed(.instagram, to: "ig:1", sends: sends, at: Self.start).isAllowed)
        let unlimited = ChannelPolicyEngine(policy: .builtIn, portfolioTier: .unlimited)
        #expect(unlimited.businessInitiatedAllowed(.whatsapp, to: "wa:new", sends: sends, at: Self.start).isAllowed)
        #expect(unlimited.portfolioWindow(sends: sends, at: Self.start).remainingNewUsers == nil)
    }

    // MARK: Loader errors

    /// A small valid file; each case changes one thing.
    static let valid = """
        version: 1
        whatsapp:
          service_window: { value: 24h, source: "meta", as_of: 2026-12-02 }
          business_initiated_tiers: { value: [250, 2000, unlimited], source: "meta", as_of: 2026-12-02 }
          messages_per_second: { value: 80, source: "meta", as_of: 2026-12-02 }
        instagram:
          service_window: { value: 24h, source: "meta", as_of: 2026-12-02 }
          human_agent_window: { value: 7d, source: "meta", as_of: 2026-12-02 }
        telegram:
          per_chat_interval: { value: 1s, source: "telegram faq", as_of: 2026-12-02 }

        """

    static func decode(_ text: String) throws(DiagnosticList) -> ChannelPolicy {
        try ChannelPolicy.decode(
            RuleSources.File(displayPath: "rules/channels.yaml", relativePath: "channels.yaml", source: text))
    }

    @Test func theSmallFileIsValid() throws {
        let policy = try Self.decode(Self.valid)
        #expect(policy.whatsapp.businessInitiatedTiers.value == [.users(250), .users(2000), .unlimited])
        #expect(policy.telegram.perChatInterval.source == "telegram faq")
        #expect(
            policy.whatsapp.serviceWindow.location == SourceLocation(file: "rules/channels.yaml", line: 3, column: 19))
    }

    struct Broken: Sendable, CustomTestStringConvertible {
        let replace: String
        let with: String
        let expected: [String]
        var testDescription: String { expected.first ?? "" }
    }

    static let broken: [Broken] = [
        Broken(
            replace: "telegram:\n", with: "telegram:\n  per_chat_limit: { value: 1, source: x, as_of: 2026-12-02 }\n",
            expected: [
                "rules/channels.yaml:10:3: error: unknown key 'per_chat_limit' in 'telegram' (expected 'per_chat_interval')"
            ]),
        Broken(
            replace: "version: 1\n", with: "version: 1\nfacebook: {}\n",
            expected: [
                "rules/channels.yaml:2:1: error: unknown key 'facebook' at the top level (expected one of 'version', 'whatsapp', 'instagram', 'telegram')"
            ]),
        Broken(
            replace: "value: 80, source", with: "value: 80, note: x, source",
            expected: [
                "rules/channels.yaml:5:37: error: unknown key 'note' in 'whatsapp.messages_per_second' (expected one of 'value', 'source', 'as_of')"
            ]),
        Broken(
            replace: "human_agent_window:", with: "human_agent_windw:",
            expected: [
                "rules/channels.yaml:7:3: error: instagram: missing required key 'human_agent_window' (is 'human_agent_windw' at line 8 a misspelling?)"
            ]),
        Broken(
            replace: "telegram:\n  per_chat_interval: { value: 1s, source: \"telegram faq\", as_of: 2026-12-02 }\n",
            with: "",
            expected: ["rules/channels.yaml:1:1: error: missing required key 'telegram'"]),
        Broken(
            replace: "{ value: 24h, source: \"meta\", as_of: 2026-12-02 }\n  business",
            with: "{ value: 24 hours, source: \"meta\", as_of: 2026-12-02 }\n  business",
            expected: [
                "rules/channels.yaml:3:28: error: whatsapp.service_window.value: expected a duration greater than 0 such as 1s, 24h or 7d, got \"24 hours\""
            ]),
        Broken(
            replace: "value: 1s", with: "value: 0s",
            expected: [
                "rules/channels.yaml:10:31: error: telegram.per_chat_interval.value: expected a duration greater than 0 such as 1s, 24h or 7d, got \"0s\""
            ]),
        Broken(
            replace: "value: 7d, source: \"meta\", as_of: 2026-12-02",
            with: "value: 7d, source: \"meta\", as_of: 2026-02-30",
            expected: [
                "rules/channels.yaml:8:59: error: instagram.human_agent_window.as_of: expected a date such as 2026-12-02, got \"2026-02-30\""
            ]),
        Broken(
            replace: "value: 1s, source: \"telegram faq\", as_of: 2026-12-02",
            with: "value: 1s, source: \"telegram faq\", as_of: last week",
            expected: [
                "rules/channels.yaml:10:66: error: telegram.per_chat_interval.as_of: expected a date such as 2026-12-02, got \"last week\""
            ]),
        Broken(
            replace: "value: 80, source: \"meta\"", with: "value: 80, source: \"  \"",
            expected: [
                "rules/channels.yaml:5:45: error: whatsapp.messages_per_second.source: expected the URL or the name of the document the value comes from, got \"  \""
            ]),
        Broken(
            replace: "value: 80, source: \"meta\"", with: "value: 80, source: ",
            expected: [
                "rules/channels.yaml:5:45: error: whatsapp.messages_per_second.source: expected the URL or the name of the document the value comes from, got null"
            ]),
        Broken(
            replace: "value: 80,", with: "value: 0,",
            expected: [
                "rules/channels.yaml:5:33: error: whatsapp.messages_per_second.value: expected a positive integer, got \"0\""
            ]),
        Broken(
            replace: "[250, 2000, unlimited]", with: "[250, unlimited, 2000]",
            expected: [
                "rules/channels.yaml:4:55: error: whatsapp.business_initiated_tiers.value[2]: tiers must increase, lowest first (2000 after unlimited)"
            ]),
        Broken(
            replace: "[250, 2000, unlimited]", with: "[250, 250]",
            expected: [
                "rules/channels.yaml:4:44: error: whatsapp.business_initiated_tiers.value[1]: tiers must increase, lowest first (250 after 250)"
            ]),
        Broken(
            replace: "[250, 2000, unlimited]", with: "[250, 2K, unlimited]",
            expected: [
                "rules/channels.yaml:4:44: error: whatsapp.business_initiated_tiers.value[1]: expected a number of users such as 250, or 'unlimited', got \"2K\""
            ]),
        Broken(
            replace: "[250, 2000, unlimited]", with: "[]",
            expected: [
                "rules/channels.yaml:4:38: error: whatsapp.business_initiated_tiers.value: expected at least one tier, lowest first"
            ]),
        Broken(
            replace: "version: 1", with: "version: 2",
            expected: [
                "rules/channels.yaml:1:10: error: version: expected 1 (the layout of this file that this build reads), got \"2\""
            ]),
        // Several mistakes: every one is reported, in file order.
        Broken(
            replace: "version: 1\nwhatsapp:\n  service_window: { value: 24h,",
            with: "version: 1\nwhatsapp:\n  service_window: { value: 1 day,",
            expected: [
                "rules/channels.yaml:3:28: error: whatsapp.service_window.value: expected a duration greater than 0 such as 1s, 24h or 7d, got \"1 day\"",
                "rules/channels.yaml:10:31: error: telegram.per_chat_interval.value: expected a duration greater than 0 such as 1s, 24h or 7d, got \"-1s\"",
            ]),
    ]

    @Test(arguments: broken)
    func aBrokenFileNamesTheLineAndTheKey(_ broken: Broken) throws {
        #expect(Self.valid.contains(broken.replace), "fixture text not found")
        var text = Self.valid.replacingOccurrences(of: broken.replace, with: broken.with)
        if broken.expected.count > 1 { text = text.replacingOccurrences(of: "value: 1s", with: "value: -1s") }
        let error = #expect(throws: DiagnosticList.self) { try Self.decode(text) }
        #expect(error?.diagnostics.map(\.description) == broken.expected)
    }

    @Test func anEmptyFileIsAnError() {
        let error = #expect(throws: DiagnosticList.self) { try Self.decode("# nothing yet\n") }
        #expect(
            error?.description == "rules/channels.yaml:1:1: error: the file is empty (expected a mapping)")
    }

    // MARK: The operator's tier

    static func channelsConfiguration(_ yaml: String) throws -> ChannelsConfiguration {
        try LoadedConfiguration.decode(
            yaml, path: "config.yaml", directory: "/srv/sellify", environment: [:], plugins: .builtin
        ).configuration.channels
    }

    @Test func aTierWhatsAppDoesNotHaveIsAnErrorInTheConfig() throws {
        let configuration = try Self.channelsConfiguration("channels:\n  whatsapp:\n    portfolio_tier: 5000\n")
        #expect(configuration.whatsapp.portfolioTier == .users(5000))
        let error = #expect(throws: DiagnosticList.self) {
            try ChannelPolicy.load(nil, configuration: configuration, configFile: "config.yaml")
        }
        #expect(
            error?.description
                == "config.yaml:3:21: error: channels.whatsapp.portfolio_tier: 5000 is not a WhatsApp tier in the built-in channel limits (expected one of 250, 2000, 10000, 100000, unlimited)"
        )
        // The file's tiers decide: 5000 is fine once the file lists it.
        let file = RuleSources.File(
            displayPath: "rules/channels.yaml", relativePath: "channels.yaml",
            source: Self.valid.replacingOccurrences(of: "[250, 2000, unlimited]", with: "[250, 5000]"))
        let policy = try ChannelPolicy.load(file, configuration: configuration, configFile: "config.yaml")
        #expect(ChannelPolicyEngine(policy: policy, configuration: configuration).portfolioCeiling == 5000)
    }

    @Test func theDefaultTierMustBeListedToo() throws {
        let file = RuleSources.File(
            displayPath: "rules/channels.yaml", relativePath: "channels.yaml",
            source: Self.valid.replacingOccurrences(of: "[250, 2000, unlimited]", with: "[1000, unlimited]"))
        let error = #expect(throws: DiagnosticList.self) {
            try ChannelPolicy.load(file, configuration: ChannelsConfiguration(), configFile: "config.yaml")
        }
        #expect(
            error?.description
                == "config.yaml: error: channels.whatsapp.portfolio_tier: the default 250 is not a WhatsApp tier in rules/channels.yaml (expected one of 1000, unlimited)"
        )
    }

    @Test(arguments: ["portfolio_tier: lots", "portfolio_tier: 0", "portfolio_tier: -250", "tier: 250"])
    func aBadTierValueIsAConfigError(_ line: String) throws {
        #expect(throws: DiagnosticList.self) { try Self.channelsConfiguration("channels:\n  whatsapp:\n    \(line)\n") }
    }

    // MARK: sellify check

    func check(_ directory: TemporaryDirectory) -> Checker.Report {
        Checker(plugins: .builtin, environment: [:], luacheck: nil)
            .check(configPath: directory.url.appendingPathComponent("config.yaml").path)
    }

    func messages(_ report: Checker.Report, _ directory: TemporaryDirectory) -> [String] {
        // Without luacheck, check notes that it skipped it: not what these tests are about.
        report.diagnostics.filter { $0.severity != .note }.map {
            $0.description.replacingOccurrences(of: directory.url.path + "/", with: "")
        }
    }

    @Test func checkSaysWhichLimitsApply() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let report = check(directory)
        #expect(report.isClean)
        #expect(
            report.summary.contains {
                $0.hasSuffix(
                    "rules/channels.yaml (version 1): 6 limits, oldest checked 2026-12-02; WhatsApp portfolio tier 250 (250 unique users per 24h)"
                )
            }, "\(report.summary)")
    }

    @Test func withoutTheFileCheckSaysTheBuiltInLimitsApply() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("rules/channels.yaml"))
        let report = check(directory)
        #expect(messages(report, directory) == [])
        #expect(
            report.summary.contains {
                $0.hasPrefix("channel limits: built in (no ")
                    && $0.hasSuffix(
                        "rules/channels.yaml): version 1, 6 limits, oldest checked 2026-12-02; WhatsApp portfolio tier 250 (250 unique users per 24h)"
                    )
            }, "\(report.summary)")
        let deployment = try Deployment.load(
            configPath: directory.url.appendingPathComponent("config.yaml").path, plugins: .builtin, environment: [:],
            poolSize: 1)
        #expect(deployment.channels == .builtIn)
        #expect(deployment.channels.file == nil)
    }

    @Test func checkReportsABrokenFileWithItsLineAndKey() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let path = directory.url.appendingPathComponent("rules/channels.yaml")
        let original = try String(contentsOf: path, encoding: .utf8)
        let lines = original.components(separatedBy: "\n")
        let line = try #require(lines.firstIndex { $0.hasPrefix("    value: 7d") }) + 1
        try original.replacingOccurrences(of: "    value: 7d", with: "    value: 7days")
            .write(to: path, atomically: true, encoding: .utf8)
        // A broken rule file in the same folder is reported in the same run.
        let decision = directory.url.appendingPathComponent("rules/decision.lua")
        try (try String(contentsOf: decision, encoding: .utf8))
            .replacingOccurrences(of: "function decide(ctx)", with: "function decide(ctx")
            .write(to: decision, atomically: true, encoding: .utf8)

        let report = check(directory)
        #expect(!report.isClean)
        let found = messages(report, directory)
        #expect(
            found.contains(
                "rules/channels.yaml:\(line):12: error: instagram.human_agent_window.value: expected a duration greater than 0 such as 1s, 24h or 7d, got \"7days\""
            ), "\(found)")
        #expect(found.contains { $0.hasPrefix("rules/decision.lua:") }, "\(found)")
    }

    @Test func theFileIsInTheRulesVersion() throws {
        let directory = try TemporaryDirectory()
        try directory.copyShippedDeployment()
        let rules = directory.url.appendingPathComponent("rules")
        let before = try RuleSources.read(directory: rules.path, displayDirectory: "rules").version
        let path = rules.appendingPathComponent("channels.yaml")
        try (try String(contentsOf: path, encoding: .utf8)).replacingOccurrences(of: "value: 80", with: "value: 1000")
            .write(to: path, atomically: true, encoding: .utf8)
        let after = try RuleSources.read(directory: rules.path, displayDirectory: "rules")
        #expect(after.version != before)
        #expect(try ChannelPolicy.decode(try #require(after.channels)).whatsapp.messagesPerSecond.value == 1000)
    }
}
