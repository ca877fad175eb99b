/// The engines built from one rules snapshot — the composition root of a
/// decision. Each is built once here and shared by the pipeline's stages and
/// the snapshot's other use cases (validation, wording, quota status), so
/// the validator that checks a decision's answer is the one `/validate` uses.
public struct PipelineComponents: Sendable {
    public let rules: RuleSet
    public let catalog: Catalog
    public let configuration: SellifyConfiguration
    public let calendar: QuotaCalendar
    public let quota: QuotaEngine
    public let conversations: ConversationEngine
    public let validator: TextValidator
    public let wording: any WordingProvider
    public let alerts: AlertEngine
    /// The platforms' limits (`rules/channels.yaml`) under the operator's tier.
    public let channels: ChannelPolicyEngine
    /// When a person is in (`business_hours`).
    public let businessHours: BusinessHours
    /// The candidate policy compared on every decision, never enforced (nil: none).
    public let shadow: ShadowRules?

    /// `wording` nil: the rules' own templates (`ResponseEngine`, always
    /// available — the last resort of every provider).
    public init(
        rules: RuleSet, catalog: Catalog, configuration: SellifyConfiguration, wording: (any WordingProvider)? = nil,
        channels: ChannelPolicy = .builtIn, shadow: ShadowRules? = nil
    ) {
        self.rules = rules
        self.shadow = shadow
        self.catalog = catalog
        self.configuration = configuration
        calendar = configuration.quotaCalendar
        quota = QuotaEngine(
            limits: configuration.quotas.limits, calendar: calendar, warnRatio: configuration.quotas.warnRatio)
        conversations = ConversationEngine(configuration: configuration.conversation)
        validator = TextValidator(
            rules: rules, catalog: catalog, validation: configuration.validation, account: configuration.account)
        self.wording =
            wording
            ?? ResponseEngine(
                templates: rules.templates, account: configuration.account,
                defaultLanguage: rules.intents.defaultLanguage)
        alerts = AlertEngine(conditions: configuration.alerts.conditions, warnRatio: configuration.quotas.warnRatio)
        self.channels = ChannelPolicyEngine(policy: channels, configuration: configuration.channels)
        businessHours = BusinessHours(configuration)
    }
}
