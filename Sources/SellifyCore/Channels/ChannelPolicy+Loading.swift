public import SellifyYAML

extension ChannelPolicy {
    /// Decodes `rules/channels.yaml` strictly: unknown keys, a missing limit, a
    /// bad duration or date, an empty source, tiers out of order — each an error
    /// naming the file, line and key. Like the other rules files it takes no
    /// `${VAR}`: the same files decide the same way everywhere.
    public static func decode(_ file: RuleSources.File) throws(DiagnosticList) -> ChannelPolicy {
        var policy = try YAMLDecoder().decode(
            ChannelPolicy.self, from: file.source, file: file.displayPath, environment: [:])
        policy.file = file.displayPath
        return policy
    }

    /// The rules folder's `channels.yaml` when it has one, else `builtIn`;
    /// either way checked against the operator's `channels` config section.
    public static func load(
        _ file: RuleSources.File?, configuration: ChannelsConfiguration, configFile: String
    ) throws(DiagnosticList) -> ChannelPolicy {
        var policy = builtIn
        if let file { policy = try decode(file) }
        let problems = policy.diagnose(configuration, configFile: configFile)
        guard problems.isEmpty else { throw DiagnosticList(problems) }
        return policy
    }

    /// What the operator's config says that these limits contradict: a
    /// portfolio tier WhatsApp does not have.
    public func diagnose(_ configuration: ChannelsConfiguration, configFile: String) -> [Diagnostic] {
        let tier = configuration.whatsapp.portfolioTier
        let tiers = whatsapp.businessInitiatedTiers.value
        guard !tiers.contains(tier) else { return [] }
        let written = configuration.whatsapp.portfolioTierLocation != nil
        return [
            Diagnostic(
                "channels.whatsapp.portfolio_tier: \(written ? "" : "the default ")\(tier) is not a WhatsApp tier in \(file ?? "the built-in channel limits")",
                at: configuration.whatsapp.portfolioTierLocation ?? SourceLocation(file: configFile, line: 0),
                hint: "expected one of " + tiers.map { "\($0)" }.joined(separator: ", "))
        ]
    }
}

extension ChannelPolicy {
    /// The line `sellify check` prints: which limits apply, how old the oldest
    /// check of them is, and the account's WhatsApp tier.
    func checkSummary(tier: PortfolioTier, rulesDirectory: String) -> String {
        let oldest = limits.map(\.asOf).min().map { "\($0)" } ?? "-"
        let ceiling = tier.ceiling.map { "\($0) unique users per 24h" } ?? "no ceiling"
        let what = "\(limits.count) limits, oldest checked \(oldest); WhatsApp portfolio tier \(tier) (\(ceiling))"
        guard let file else {
            return
                "channel limits: built in (no \(rulesDirectory)/\(RuleSources.channelsFile)): version \(version), \(what)"
        }
        return "\(file) (version \(version)): \(what)"
    }
}

// MARK: - Decoding

/// Thrown after the decoder has recorded the real error: it reports nothing more.
struct ChannelPolicyDecodingFailed: Error {}

extension ChannelPolicy: Decodable {
    enum CodingKeys: String, CodingKey { case version, whatsapp, instagram, telegram }

    // Every part is decoded on its own (`try?`; the decoder has already
    // recorded what went wrong), so one bad section does not hide the others.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try? c.decode(FormatVersion.self, forKey: .version)
        let whatsapp = try? c.decode(WhatsApp.self, forKey: .whatsapp)
        let instagram = try? c.decode(Instagram.self, forKey: .instagram)
        let telegram = try? c.decode(Telegram.self, forKey: .telegram)
        guard version != nil, let whatsapp, let instagram, let telegram else { throw ChannelPolicyDecodingFailed() }
        self.init(version: Self.formatVersion, whatsapp: whatsapp, instagram: instagram, telegram: telegram)
    }
}

extension ChannelPolicy.WhatsApp: Decodable {
    enum CodingKeys: String, CodingKey {
        case serviceWindow = "service_window", businessInitiatedTiers = "business_initiated_tiers"
        case messagesPerSecond = "messages_per_second"
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let window = try? c.decode(DecodedLimit<LimitDuration>.self, forKey: .serviceWindow)
        let tiers = try? c.decode(DecodedLimit<TierList>.self, forKey: .businessInitiatedTiers)
        let rate = try? c.decode(DecodedLimit<PositiveInt>.self, forKey: .messagesPerSecond)
        guard let window, let tiers, let rate else { throw ChannelPolicyDecodingFailed() }
        self.init(
            serviceWindow: window.limit(\.duration), businessInitiatedTiers: tiers.limit(\.tiers),
            messagesPerSecond: rate.limit(\.value))
    }
}

extension ChannelPolicy.Instagram: Decodable {
    enum CodingKeys: String, CodingKey {
        case serviceWindow = "service_window", humanAgentWindow = "human_agent_window"
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let window = try? c.decode(DecodedLimit<LimitDuration>.self, forKey: .serviceWindow)
        let human = try? c.decode(DecodedLimit<LimitDuration>.self, forKey: .humanAgentWindow)
        guard let window, let human else { throw ChannelPolicyDecodingFailed() }
        self.init(serviceWindow: window.limit(\.duration), humanAgentWindow: human.limit(\.duration))
    }
}

extension ChannelPolicy.Telegram: Decodable {
    enum CodingKeys: String, CodingKey { case perChatInterval = "per_chat_interval" }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let interval = try c.decode(DecodedLimit<LimitDuration>.self, forKey: .perChatInterval)
        self.init(perChatInterval: interval.limit(\.duration))
    }
}

/// `{ value: …, source: …, as_of: … }` with the value in its written form.
struct DecodedLimit<Written: Decodable>: Decodable {
    var value: Written
    var source: String
    var asOf: CalendarDate
    var location: SourceLocation?

    enum CodingKeys: String, CodingKey { case value, source, asOf = "as_of" }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let value = try? c.decode(Written.self, forKey: .value)
        let source = try? c.decode(SourceName.self, forKey: .source)
        let asOf = try? c.decode(CalendarDate.self, forKey: .asOf)
        guard let value, let source, let asOf else { throw ChannelPolicyDecodingFailed() }
        self.value = value
        self.source = source.text
        self.asOf = asOf
        location = decoder.yamlLocation
    }

    func limit<V>(_ stored: (Written) -> V) -> ChannelPolicy.Limit<V> {
        ChannelPolicy.Limit(value: stored(value), source: source, asOf: asOf, location: location)
    }
}

/// `version: 1`: the only layout this build reads.
struct FormatVersion: YAMLScalarValue {
    static let expectation = "\(ChannelPolicy.formatVersion) (the layout of this file that this build reads)"
    init?(yamlScalar text: String) {
        guard Int(text) == ChannelPolicy.formatVersion else { return nil }
    }
}

/// A window or an interval: a duration greater than zero.
struct LimitDuration: YAMLScalarValue {
    var duration: ConfigDuration
    static let expectation = "a duration greater than 0 such as 1s, 24h or 7d"
    init?(yamlScalar text: String) {
        guard let duration = ConfigDuration(yamlScalar: text), duration.milliseconds > 0 else { return nil }
        self.duration = duration
    }
}

/// Where a value comes from: a URL or a document's name, never blank.
struct SourceName: YAMLScalarValue {
    var text: String
    static let expectation = "the URL or the name of the document the value comes from"
    init?(yamlScalar text: String) {
        guard text.contains(where: { !$0.isWhitespace }) else { return nil }
        self.text = text
    }
}

/// WhatsApp's tiers, lowest first, each larger than the one before
/// (`unlimited` can only come last).
struct TierList: Decodable {
    var tiers: [PortfolioTier]

    init(from decoder: any Decoder) throws {
        tiers = try decoder.singleValueContainer().decode([PortfolioTier].self)
        let items = decoder.yamlNode?.items ?? []
        let path = Self.render(decoder.codingPath)
        guard !tiers.isEmpty else {
            throw Diagnostic("\(path): expected at least one tier, lowest first", at: decoder.yamlLocation)
        }
        for index in tiers.indices.dropFirst() where tiers[index] <= tiers[index - 1] {
            throw Diagnostic(
                "\(path)[\(index)]: tiers must increase, lowest first (\(tiers[index]) after \(tiers[index - 1]))",
                at: index < items.count ? items[index].location : decoder.yamlLocation)
        }
    }

    /// `whatsapp.business_initiated_tiers.value`, as the decoder names keys
    /// (also what business_hours errors print).
    static func render(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }
}
