public import SellifyYAML

// MARK: - channels

/// The operator's facts about their accounts on each platform. The platforms'
/// own limits are data in `rules/channels.yaml`; this says where the account
/// stands among them.
public struct ChannelsConfiguration: Sendable, Decodable, YAMLRecoverable {
    public var whatsapp = WhatsAppChannelConfiguration()

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case whatsapp }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        whatsapp = try c.decode(.whatsapp, default: whatsapp)
    }
}

public struct WhatsAppChannelConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// The business portfolio's messaging limit as WhatsApp Manager shows it;
    /// one of `whatsapp.business_initiated_tiers` in `rules/channels.yaml`.
    /// New portfolios start at 250, hence the default.
    public var portfolioTier = PortfolioTier.users(250)
    /// Where `portfolio_tier` is written; nil when it takes the default.
    public var portfolioTierLocation: SourceLocation?

    public init() {}
    public init(portfolioTier: PortfolioTier) { self.portfolioTier = portfolioTier }
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case portfolioTier = "portfolio_tier" }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        portfolioTier = try c.decode(.portfolioTier, default: portfolioTier)
        portfolioTierLocation = decoder.yamlNode?["portfolio_tier"]?.location
    }
}
