public import SellifyYAML

/// The whole of `config.yaml`, decoded and defaulted. Every section has
/// defaults, so an empty mapping is a valid configuration; unknown keys are
/// errors. The reference is `docs/configuration.md`; keep the two in step.
public struct SellifyConfiguration: Sendable, Decodable, YAMLRecoverable {
    public var account = AccountConfiguration()
    public var server = ServerConfiguration()
    public var auth = AuthConfiguration()
    public var rateLimit = RateLimitConfiguration()
    public var quotas = QuotaConfiguration()
    public var channels = ChannelsConfiguration()
    public var conversation = ConversationConfiguration()
    public var rules = RulesConfiguration()
    public var catalog = CatalogConfiguration()
    public var ai = AIConfiguration()
    public var validation = ValidationConfiguration()
    public var audit = AuditConfiguration()
    public var alerts = AlertsConfiguration()
    public var store = StoreConfiguration()
    public var metrics = MetricsConfiguration()
    public var logging = LoggingConfiguration()
    public var businessHours = BusinessHoursConfiguration()
    public var license = LicenseConfiguration()

    public init() {}
    public static var yamlPlaceholder: Self { Self() }

    enum CodingKeys: String, CodingKey {
        case account, server, auth, rateLimit = "rate_limit", quotas, conversation, rules, catalog, ai
        case channels
        case validation, audit, alerts, store, metrics, logging
        case businessHours = "business_hours"
        case license
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        account = try c.decode(.account, default: account)
        server = try c.decode(.server, default: server)
        auth = try c.decode(.auth, default: auth)
        rateLimit = try c.decode(.rateLimit, default: rateLimit)
        quotas = try c.decode(.quotas, default: quotas)
        channels = try c.decode(.channels, default: channels)
        conversation = try c.decode(.conversation, default: conversation)
        rules = try c.decode(.rules, default: rules)
        catalog = try c.decode(.catalog, default: catalog)
        ai = try c.decode(.ai, default: ai)
        validation = try c.decode(.validation, default: validation)
        audit = try c.decode(.audit, default: audit)
        alerts = try c.decode(.alerts, default: alerts)
        store = try c.decode(.store, default: store)
        metrics = try c.decode(.metrics, default: metrics)
        logging = try c.decode(.logging, default: logging)
        businessHours = try c.decode(.businessHours, default: businessHours)
        license = try c.decode(.license, default: license)
    }
}

// MARK: - account

public struct AccountConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// Stable id of the seller account this deployment serves.
    public var id = "demo"
    public var name = "Demo Store"
    /// The account's local time: quota windows (days, weeks) follow it.
    public var timezone = TimeZoneName(yamlScalar: "America/Mexico_City")!
    /// The account's own phone numbers: the only ones an answer may contain.
    public var phoneNumbers: [String] = []

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case id, name, timezone, phoneNumbers = "phone_numbers" }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(.id, default: id)
        name = try c.decode(.name, default: name)
        timezone = try c.decode(.timezone, default: timezone)
        phoneNumbers = try c.decode(.phoneNumbers, default: phoneNumbers)
    }
}

// MARK: - server

public struct ServerConfiguration: Sendable, Decodable, YAMLRecoverable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Largest request body accepted (413 above it).
    public var bodyLimit = ByteSize(bytes: 64 << 10)
    /// A request still running after this is answered with 503.
    public var requestTimeout = ConfigDuration.seconds(10)
    /// Requests served at once; more are refused with 503 instead of queueing.
    public var maxConcurrentRequests = 256
    /// Deepest JSON nesting accepted in a request body.
    public var maxJSONDepth = 32
    /// How long a graceful shutdown waits for in-flight requests.
    public var shutdownTimeout = ConfigDuration.seconds(15)
    /// How far ahead of the server's clock a connector's `received_at` or
    /// `sent_at` may be before the request is refused (400 naming the field).
    /// The claim never decides a window or a cooldown; this only catches a
    /// connector whose clock or input is wrong.
    public var maxClockSkew = ConfigDuration.seconds(300)

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey {
        case host, port, bodyLimit = "body_limit", requestTimeout = "request_timeout"
        case maxConcurrentRequests = "max_concurrent_requests", maxJSONDepth = "max_json_depth"
        case shutdownTimeout = "shutdown_timeout", maxClockSkew = "max_clock_skew"
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.decode(.host, default: host)
        port = try c.decodeIfPresent(Port.self, forKey: .port)?.value ?? port
        bodyLimit = try c.decode(.bodyLimit, default: bodyLimit)
        requestTimeout = try c.decode(.requestTimeout, default: requestTimeout)
        maxConcurrentRequests = try c.decode(PositiveInt.self, .maxConcurrentRequests, default: maxConcurrentRequests)
        maxJSONDepth = try c.decode(PositiveInt.self, .maxJSONDepth, default: maxJSONDepth)
        shutdownTimeout = try c.decode(.shutdownTimeout, default: shutdownTimeout)
        maxClockSkew = try c.decode(.maxClockSkew, default: maxClockSkew)
    }
}

// MARK: - auth

public enum Scope: String, ConfigEnum, Codable, Comparable {
    /// `sensitive`: reading customer text (`GET /api/v1/audit?include=sensitive`);
    /// no key has it unless it is given, and every use is audited.
    case decide, read, admin, sensitive
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// 64 lowercase or uppercase hex digits.
public struct SHA256Hex: YAMLScalarValue, Sendable, Hashable {
    public var hex: String
    public static let expectation = "a SHA-256 hash as 64 hex digits (see `sellify keys new`)"
    public init?(yamlScalar text: String) {
        guard text.utf8.count == 64, text.utf8.allSatisfy({ $0.isHexDigit }) else { return nil }
        hex = text.lowercased()
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}

public struct APIKeyConfiguration: Sendable, Decodable, YAMLRecoverable {
    public var name: String
    public var sha256: SHA256Hex
    public var scopes: [Scope]
    public var location: SourceLocation?

    public static var yamlPlaceholder: Self {
        Self(name: "", sha256: SHA256Hex(yamlScalar: String(repeating: "0", count: 64))!, scopes: [])
    }
    public init(name: String, sha256: SHA256Hex, scopes: [Scope]) {
        self.name = name
        self.sha256 = sha256
        self.scopes = scopes
    }
    enum CodingKeys: String, CodingKey { case name, sha256, scopes }
    public init(from decoder: any Decoder) throws {
        location = decoder.yamlLocation
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        sha256 = try c.decode(SHA256Hex.self, forKey: .sha256)
        scopes = try c.decode([Scope].self, forKey: .scopes)
    }
}

public struct AuthConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// Keys are stored as SHA-256 hashes only. With none configured, the first
    /// start generates one (printed once) and keeps its hash beside the store.
    public var apiKeys: [APIKeyConfiguration] = []

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case apiKeys = "api_keys" }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiKeys = try c.decode(.apiKeys, default: apiKeys)
    }
}

// MARK: - rate_limit

public struct RateLimitConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// Sustained requests per second per API key (token bucket refill rate).
    public var requestsPerSecond = 50
    /// Bucket size: how many requests a key may send at once.
    public var burst = 100

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case requestsPerSecond = "requests_per_second", burst }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requestsPerSecond = try c.decode(PositiveInt.self, .requestsPerSecond, default: requestsPerSecond)
        burst = try c.decode(PositiveInt.self, .burst, default: burst)
    }
}

// MARK: - quotas

public enum Weekday: String, ConfigEnum, Codable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday
    /// 1 = Monday … 7 = Sunday (ISO 8601).
    public var isoNumber: Int { Self.allCases.firstIndex(of: self)! + 1 }
}

public struct QuotaLimits: Sendable, Decodable, YAMLRecoverable, Equatable {
    public var messagesPerDay = 200
    public var messagesPerWeek = 1000
    public var imagesPerDay = 30
    public var videosPerWeek = 10

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey {
        case messagesPerDay = "messages_per_day", messagesPerWeek = "messages_per_week"
        case imagesPerDay = "images_per_day", videosPerWeek = "videos_per_week"
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        messagesPerDay = try c.decode(PositiveInt.self, .messagesPerDay, default: messagesPerDay)
        messagesPerWeek = try c.decode(PositiveInt.self, .messagesPerWeek, default: messagesPerWeek)
        imagesPerDay = try c.decode(NonNegativeInt.self, .imagesPerDay, default: imagesPerDay)
        videosPerWeek = try c.decode(NonNegativeInt.self, .videosPerWeek, default: videosPerWeek)
    }
}

public struct QuotaConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// The zone quota windows follow; defaults to `account.timezone`.
    public var timezone: TimeZoneName?
    /// Usage ratio at which the quota warning alert fires.
    public var warnRatio = 0.8
    /// First day of the weekly window.
    public var weekStartsOn = Weekday.monday
    public var limits = QuotaLimits()

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey {
        case timezone, warnRatio = "warn_ratio", weekStartsOn = "week_starts_on", limits
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        timezone = try c.decodeIfPresent(TimeZoneName.self, forKey: .timezone)
        warnRatio = try c.decodeIfPresent(Ratio.self, forKey: .warnRatio)?.value ?? warnRatio
        weekStartsOn = try c.decode(.weekStartsOn, default: weekStartsOn)
        limits = try c.decode(.limits, default: limits)
    }
}

// MARK: - conversation

public struct CooldownConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// Minimum time between two replies in one conversation.
    public var minInterval = ConfigDuration.seconds(3)
    /// Most replies one conversation gets in a rolling hour.
    public var maxRepliesPerHour = 30

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case minInterval = "min_interval", maxRepliesPerHour = "max_replies_per_hour" }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minInterval = try c.decode(.minInterval, default: minInterval)
        maxRepliesPerHour = try c.decode(PositiveInt.self, .maxRepliesPerHour, default: maxRepliesPerHour)
    }
}

public struct ConversationConfiguration: Sendable, Decodable, YAMLRecoverable {
    public static let defaultStates = [
        "new", "greeting", "browsing", "interested", "negotiating", "closing", "escalated", "opted_out",
    ]
    public static let defaultTransitions: [String: [String]] = [
        "new": ["greeting", "browsing", "interested", "closing", "escalated", "opted_out"],
        "greeting": ["browsing", "interested", "closing", "escalated", "opted_out"],
        "browsing": ["greeting", "interested", "closing", "escalated", "opted_out"],
        "interested": ["browsing", "negotiating", "closing", "escalated", "opted_out"],
        "negotiating": ["interested", "closing", "escalated", "opted_out"],
        "closing": ["interested", "browsing", "escalated", "opted_out"],
        "escalated": ["browsing", "interested", "opted_out"],
        "opted_out": ["new"],
    ]

    /// Every state a conversation can be in; the first message starts in `initial_state`.
    public var states = Self.defaultStates
    public var initialState = "new"
    /// Allowed moves: state → states it may move to (staying is always allowed).
    public var transitions = Self.defaultTransitions
    public var cooldown = CooldownConfiguration()
    public var handoff = HandoffConfiguration()
    /// Where values were written, for errors found after decoding.
    public var location: SourceLocation?
    public var initialStateLocation: SourceLocation?
    /// `from` → location of the key; `from/to` → location of each target.
    public var transitionLocations: [String: SourceLocation] = [:]

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case states, initialState = "initial_state", transitions, cooldown, handoff }
    public init(from decoder: any Decoder) throws {
        location = decoder.yamlLocation
        let c = try decoder.container(keyedBy: CodingKeys.self)
        states = try c.decode(.states, default: states)
        initialState = try c.decode(.initialState, default: initialState)
        transitions = try c.decode(.transitions, default: transitions)
        cooldown = try c.decode(.cooldown, default: cooldown)
        handoff = try c.decode(.handoff, default: handoff)
        let node = decoder.yamlNode
        initialStateLocation = node?["initial_state"]?.location
        for (key, value) in node?["transitions"]?.pairs ?? [] {
            guard let from = key.scalar else { continue }
            transitionLocations[from] = key.location
            for target in value.items ?? [] {
                if let to = target.scalar { transitionLocations["\(from)/\(to)"] = target.location }
            }
        }
    }
}

// MARK: - rules

public enum Action: String, ConfigEnum, Codable, Comparable {
    case respondText = "RespondText"
    case respondImage = "RespondImage"
    case respondVideo = "RespondVideo"
    case escalate = "Escalate"
    case ignore = "Ignore"
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    /// Actions that send something to the customer and so consume quota.
    public var isResponse: Bool { self == .respondText || self == .respondImage || self == .respondVideo }
}

public enum ReloadMode: String, ConfigEnum, Codable { case watch, poll, off }

public struct ReloadConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// `watch` (inotify), `poll` (compare file stamps every `poll_interval`) or `off`.
    public var mode = ReloadMode.watch
    public var pollInterval = ConfigDuration.seconds(2)
    /// Wait this long after the last change before reloading (editors write in bursts).
    public var debounce = ConfigDuration(milliseconds: 300)

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case mode, pollInterval = "poll_interval", debounce }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decode(.mode, default: mode)
        pollInterval = try c.decode(.pollInterval, default: pollInterval)
        debounce = try c.decode(.debounce, default: debounce)
    }
}

public struct FallbackConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// What a failing stage decides instead (never a crash, never a lost event).
    public var action = Action.escalate
    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case action }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        action = try c.decode(.action, default: action)
    }
}

public struct RulesConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// The rules folder; relative to the config file.
    public var directory = "rules"
    /// Lua states compiled from the rules; 0 = one per CPU core.
    public var poolSize = 0
    /// Lua instructions one call into the rules may run.
    public var instructionBudget = 1_000_000
    /// Memory one Lua state may hold.
    public var memoryLimit = ByteSize(bytes: 32 << 20)
    /// Steps one string.find/match/gmatch/gsub call may take.
    public var patternStepBudget = 1_000_000
    /// Wall time one call into the rules may take: a backstop behind the
    /// (deterministic) instruction budget, for work it cannot count.
    public var callDeadline = ConfigDuration.seconds(1)
    public var reload = ReloadConfiguration()
    /// Run rules/tests before a reload takes effect.
    public var reloadRequiresTests = false
    /// The least share (0…1) of `decide()`'s lines the rule tests must reach:
    /// below it `sellify test` fails, and so does a reload that runs the tests.
    /// 0 = no floor.
    public var coverageFloor = 0.0
    /// Refuse to start with broken rules instead of serving the last good copy.
    public var failClosed = false
    public var fallback = FallbackConfiguration()

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey {
        case directory, poolSize = "pool_size", instructionBudget = "instruction_budget"
        case memoryLimit = "memory_limit", patternStepBudget = "pattern_step_budget", callDeadline = "call_deadline",
            reload
        case reloadRequiresTests = "reload_requires_tests", coverageFloor = "coverage_floor", failClosed = "fail_closed"
        case fallback
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        directory = try c.decode(.directory, default: directory)
        poolSize = try c.decode(NonNegativeInt.self, .poolSize, default: poolSize)
        instructionBudget = try c.decode(PositiveInt.self, .instructionBudget, default: instructionBudget)
        memoryLimit = try c.decode(.memoryLimit, default: memoryLimit)
        patternStepBudget = try c.decode(PositiveInt.self, .patternStepBudget, default: patternStepBudget)
        callDeadline = try c.decode(.callDeadline, default: callDeadline)
        reload = try c.decode(.reload, default: reload)
        reloadRequiresTests = try c.decode(.reloadRequiresTests, default: reloadRequiresTests)
        coverageFloor = try c.decodeIfPresent(Ratio.self, forKey: .coverageFloor)?.value ?? coverageFloor
        failClosed = try c.decode(.failClosed, default: failClosed)
        fallback = try c.decode(.fallback, default: fallback)
    }
}

// MARK: - catalog

public struct CatalogConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// The product catalog; relative to the config file.
    public var path = "catalog.yaml"
    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case path }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(.path, default: path)
    }
}

// MARK: - license

public struct LicenseConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// The signed license file, relative to the config file; none: the community edition.
    public var file: String?
    /// How long decisions go on after the license expires.
    public var gracePeriod = ConfigDuration(milliseconds: 14 * 86_400_000)
    public var location: SourceLocation?
    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case file, gracePeriod = "grace_period" }
    public init(from decoder: any Decoder) throws {
        location = decoder.yamlLocation
        let c = try decoder.container(keyedBy: CodingKeys.self)
        file = try c.decodeIfPresent(String.self, forKey: .file)
        gracePeriod = try c.decode(.gracePeriod, default: gracePeriod)
    }
}

// MARK: - ai

public struct AIConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// The wording provider plugin of the template answers: `template`
    /// (built in, no network) or a wording plugin's name.
    public var provider = "template"
    /// How long a network provider may take per request, unless its entry of
    /// `providers` says otherwise.
    public var timeout = ConfigDuration.seconds(10)
    /// How many times a generative provider is re-asked after its text fails
    /// validation (also read as `max_retries`, its earlier name).
    public var maxReasks = 2
    /// The provider's own options (e.g. `model`), decoded strictly by the
    /// provider plugin: an option it does not know is an error.
    public var options: YAMLNode?
    /// The generative providers AI-worded answers are asked of, in order
    /// (`template` last, always the last resort, implied when absent).
    public var providers: [AIProviderEntry] = []
    /// The most an AI-worded answer may wait for its text, re-asks included;
    /// then the fallback answers.
    public var deadline = ConfigDuration.seconds(15)
    /// What answers when no provider gives a text that passes validation.
    public var fallback = AIFallback.template
    public var location: SourceLocation?

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey {
        case provider, timeout, maxRetries = "max_retries", maxReasks = "max_reasks", options, providers, deadline
        case fallback
    }
    public init(from decoder: any Decoder) throws {
        location = decoder.yamlLocation
        let c = try decoder.container(keyedBy: CodingKeys.self)
        provider = try c.decode(.provider, default: provider)
        timeout = try c.decode(.timeout, default: timeout)
        maxReasks = try c.decode(
            NonNegativeInt.self, .maxReasks, default: c.decode(NonNegativeInt.self, .maxRetries, default: maxReasks))
        options = try c.decodeIfPresent(YAMLNode.self, forKey: .options)
        providers = try c.decode(.providers, default: [])
        deadline = try c.decode(.deadline, default: deadline)
        fallback = try c.decode(.fallback, default: fallback)
    }

    /// `provider` with `options`, as a plugin selection.
    public var selection: PluginSelection {
        var selection = PluginSelection(type: provider, options: options)
        selection.location = options?.location ?? location
        return selection
    }

    /// The generative providers, without the closing `template` entry.
    public var generative: [AIProviderEntry] { providers.filter { $0.selection.type != "template" } }
}

/// What answers an AI-worded decision when no provider gives a valid text.
public enum AIFallback: String, ConfigEnum {
    /// The rule's template (the decision stays what the rules chose).
    case template
    /// A person: the answer becomes `Escalate` (with the handoff acknowledgement).
    case escalate
}

/// One entry of `ai.providers`: `type` names the plugin; the host reads the
/// keys every provider shares, the plugin decodes the rest strictly.
public struct AIProviderEntry: Sendable, Decodable, YAMLRecoverable, YAMLAllowsUnknownKeys {
    public var selection: PluginSelection
    /// How metrics, the audit and alerts name this entry (default: its
    /// `type`); two entries of one type (OpenAI and a local server) need two.
    public var name: String?
    /// nil: `ai.timeout`.
    public var timeout: ConfigDuration?
    public var retries = 2
    public var backoff = ConfigDuration(milliseconds: 200)
    public var maxBackoff = ConfigDuration.seconds(5)
    public var maxConcurrency = 4
    public var circuit = CircuitConfiguration()

    public static var yamlPlaceholder: Self { Self(selection: PluginSelection(type: "")) }
    init(selection: PluginSelection) { self.selection = selection }

    static let hostKeys: Set<String> = [
        "type", "name", "timeout", "retries", "backoff", "max_backoff", "max_concurrency", "circuit",
    ]
    enum CodingKeys: String, CodingKey {
        case type, name, timeout, retries, backoff, maxBackoff = "max_backoff", maxConcurrency = "max_concurrency",
            circuit
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        selection = PluginSelection(type: try c.decode(String.self, forKey: .type))
        selection.location = decoder.yamlLocation
        name = try c.decodeIfPresent(String.self, forKey: .name)
        if let node = decoder.yamlNode, let pairs = node.pairs {
            let rest = pairs.filter { !Self.hostKeys.contains($0.key.scalar ?? "") }
            selection.options = YAMLNode(kind: .mapping(rest), location: node.location, tag: node.tag)
        }
        timeout = try c.decodeIfPresent(ConfigDuration.self, forKey: .timeout)
        retries = try c.decode(NonNegativeInt.self, .retries, default: retries)
        backoff = try c.decode(.backoff, default: backoff)
        maxBackoff = try c.decode(.maxBackoff, default: maxBackoff)
        maxConcurrency = try c.decode(PositiveInt.self, .maxConcurrency, default: maxConcurrency)
        circuit = try c.decode(.circuit, default: circuit)
    }

    /// The entry's name: `name`, else its `type`.
    public var label: String { name ?? selection.type }

    /// The gateway's policy for this provider.
    public func policy(defaultTimeout: ConfigDuration) -> ProviderPolicy {
        ProviderPolicy(
            retries: retries, backoff: backoff.duration, maxBackoff: maxBackoff.duration,
            maxConcurrency: maxConcurrency, timeout: (timeout ?? defaultTimeout).duration,
            breaker: CircuitBreaker.Configuration(
                failures: circuit.failures, failureRatio: circuit.failureRatio, window: circuit.window,
                minimumCalls: circuit.minimumCalls, coolDown: circuit.coolDown.duration))
    }
}

/// `ai.providers[i].circuit`: when a provider counts as dead.
public struct CircuitConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// Consecutive failures that open the circuit.
    public var failures = 5
    /// Or this share of failures among the last `window` calls (at least `min_calls` of them).
    public var failureRatio = 0.5
    public var window = 20
    public var minimumCalls = 10
    /// How long the circuit stays open before one probe call.
    public var coolDown = ConfigDuration.seconds(30)

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey {
        case failures, failureRatio = "failure_ratio", window, minimumCalls = "min_calls", coolDown = "cool_down"
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        failures = try c.decode(PositiveInt.self, .failures, default: failures)
        failureRatio = try c.decodeIfPresent(Ratio.self, forKey: .failureRatio)?.value ?? failureRatio
        window = try c.decode(PositiveInt.self, .window, default: window)
        minimumCalls = try c.decode(PositiveInt.self, .minimumCalls, default: minimumCalls)
        coolDown = try c.decode(.coolDown, default: coolDown)
    }
}

// MARK: - validation

public struct ValidationConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// Longest answer, in characters.
    public var maxLength = 1000
    /// Domains (and their subdomains) an answer may link to.
    public var allowedDomains: [String] = ["sellify.example"]
    /// Largest discount an answer may promise, in percent.
    public var maxDiscountPercent = 20.0
    /// Names an answer may use that are not products (brands, services,
    /// channels): never reported as `unknown_product`.
    public var allowedNames: [String] = []

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey {
        case maxLength = "max_length", allowedDomains = "allowed_domains", maxDiscountPercent = "max_discount_percent"
        case allowedNames = "allowed_names"
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxLength = try c.decode(PositiveInt.self, .maxLength, default: maxLength)
        allowedDomains = try c.decode(.allowedDomains, default: allowedDomains)
        maxDiscountPercent =
            try c.decodeIfPresent(Percentage.self, forKey: .maxDiscountPercent)?.value ?? maxDiscountPercent
        allowedNames = try c.decode(.allowedNames, default: allowedNames)
    }
}

// MARK: - audit

public struct AuditKeyConfiguration: Sendable, Decodable, YAMLRecoverable, Equatable {
    /// Key id stored with each record, so old records stay readable after a rotation.
    public var id: String
    /// Where the 32-byte key comes from: a file (raw or base64) or an environment variable (base64).
    public var file: String?
    public var env: String?
    public var location: SourceLocation?

    public static var yamlPlaceholder: Self { Self(id: "") }
    public init(id: String, file: String? = nil, env: String? = nil) {
        self.id = id
        self.file = file
        self.env = env
    }
    enum CodingKeys: String, CodingKey { case id, file, env }
    public init(from decoder: any Decoder) throws {
        location = decoder.yamlLocation
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        file = try c.decodeIfPresent(String.self, forKey: .file)
        env = try c.decodeIfPresent(String.self, forKey: .env)
    }
}

public struct AuditConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// Records older than this many days are purged (the purge itself is audited).
    public var retentionDays = 365
    /// Encryption keys for customer text; the first is used for new records.
    /// With none, the first start creates a key file beside the store.
    public var keys: [AuditKeyConfiguration] = []

    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case retentionDays = "retention_days", keys }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        retentionDays = try c.decode(PositiveInt.self, .retentionDays, default: retentionDays)
        keys = try c.decode(.keys, default: keys)
    }
}

// MARK: - alerts

public struct RatioConditionConfiguration: Sendable, Decodable, YAMLRecoverable {
    public var threshold = 0.2
    public var window = ConfigDuration(milliseconds: 5 * 60_000)
    /// Below this many events in the window the ratio is not judged.
    public var minEvents = 20
    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case threshold, window, minEvents = "min_events" }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try c.decodeIfPresent(Ratio.self, forKey: .threshold)?.value ?? threshold
        window = try c.decode(.window, default: window)
        minEvents = try c.decode(PositiveInt.self, .minEvents, default: minEvents)
    }
}

public struct AlertConditionsConfiguration: Sendable, Decodable, YAMLRecoverable {
    public var quotaWarning = true
    public var quotaReached = true
    public var validationFailures = RatioConditionConfiguration()
    public var ruleErrors = true
    public var reloadFailures = true
    /// The failure ratio of the generative providers' requests.
    public var aiErrors = RatioConditionConfiguration()
    /// A generative provider's circuit breaker opened (resolved when it closes).
    public var aiCircuitOpen = true
    public var storeErrors = true
    /// A conversation handed to a person: the team gets the handoff packet.
    public var handoff = true
    /// The license nears its end: 30, 7 and 1 day before `expires`, the grace period, past it.
    public var licenseExpiry = true
    /// More in use than the license (or the community edition) allows, e.g. instances.
    public var licenseLimits = true
    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey {
        case quotaWarning = "quota_warning", quotaReached = "quota_reached", validationFailures = "validation_failures"
        case ruleErrors = "rule_errors", reloadFailures = "reload_failures", aiErrors = "ai_errors"
        case aiCircuitOpen = "ai_circuit_open", storeErrors = "store_errors", handoff
        case licenseExpiry = "license_expiry", licenseLimits = "license_limits"
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        quotaWarning = try c.decode(.quotaWarning, default: quotaWarning)
        quotaReached = try c.decode(.quotaReached, default: quotaReached)
        validationFailures = try c.decode(.validationFailures, default: validationFailures)
        ruleErrors = try c.decode(.ruleErrors, default: ruleErrors)
        reloadFailures = try c.decode(.reloadFailures, default: reloadFailures)
        aiErrors = try c.decode(.aiErrors, default: aiErrors)
        aiCircuitOpen = try c.decode(.aiCircuitOpen, default: aiCircuitOpen)
        storeErrors = try c.decode(.storeErrors, default: storeErrors)
        handoff = try c.decode(.handoff, default: handoff)
        licenseExpiry = try c.decode(.licenseExpiry, default: licenseExpiry)
        licenseLimits = try c.decode(.licenseLimits, default: licenseLimits)
    }
}

public struct AlertsConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// The same alert (same condition and key) is sent at most once per cooldown.
    public var cooldown = ConfigDuration(milliseconds: 10 * 60_000)
    public var conditions = AlertConditionsConfiguration()
    /// Alert sink plugins, each `{type: <plugin>, …its options}`.
    public var sinks: [PluginSelection] = [PluginSelection(type: "log")]
    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case cooldown, conditions, sinks }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cooldown = try c.decode(.cooldown, default: cooldown)
        conditions = try c.decode(.conditions, default: conditions)
        sinks = try c.decode(.sinks, default: sinks)
    }
}

// MARK: - store

public enum SynchronousMode: String, ConfigEnum, Codable { case full, normal }

public struct StoreConfiguration: Sendable, Decodable, YAMLRecoverable, YAMLAllowsUnknownKeys {
    /// The store plugin: `sqlite` (embedded, the default) or another store plugin's name.
    public var type = "sqlite"
    /// SQLite database file; relative to the config file. Its folder also
    /// holds the generated audit key, the bootstrap API key's hash and the
    /// last good rules, whatever the store plugin.
    public var path = "data/sellify.db"
    /// A server store's connection URL, e.g. `${DATABASE_URL}`.
    public var url: String?
    /// SQLite durability: `full` survives power loss, `normal` only process crashes.
    public var synchronous = SynchronousMode.full
    /// Every other key: the store plugin's own options, decoded strictly by it.
    public var options: YAMLNode?
    public var location: SourceLocation?
    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey, CaseIterable { case type, path, url, synchronous }
    public init(from decoder: any Decoder) throws {
        location = decoder.yamlLocation
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(.type, default: type)
        path = try c.decode(.path, default: path)
        url = try c.decodeIfPresent(String.self, forKey: .url)
        synchronous = try c.decode(.synchronous, default: synchronous)
        if let node = decoder.yamlNode, let pairs = node.pairs {
            let known = Set(CodingKeys.allCases.map(\.rawValue))
            let rest = pairs.filter { !known.contains($0.key.scalar ?? "") }
            options = YAMLNode(kind: .mapping(rest), location: node.location, tag: node.tag)
        }
    }

    /// `type` with the plugin's options, as a plugin selection.
    public var selection: PluginSelection {
        var selection = PluginSelection(type: type, options: options)
        selection.location = location
        return selection
    }
}

// MARK: - metrics

public struct CustomMetricConfiguration: Sendable, Decodable, YAMLRecoverable, Equatable {
    /// Counter name rules may increment with `sellify.metrics.inc(name, labels)`.
    public var name: String
    public var help: String
    /// Label names, in this order; rules must give exactly these.
    public var labels: [String]
    /// Distinct label sets kept; increments beyond are dropped and counted.
    public var maxSeries: Int
    public var location: SourceLocation?
    public static var yamlPlaceholder: Self { Self(name: "", help: "", labels: [], maxSeries: 1) }
    public init(name: String, help: String, labels: [String], maxSeries: Int) {
        self.name = name
        self.help = help
        self.labels = labels
        self.maxSeries = maxSeries
    }
    enum CodingKeys: String, CodingKey { case name, help, labels, maxSeries = "max_series" }
    public init(from decoder: any Decoder) throws {
        location = decoder.yamlLocation
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        help = try c.decode(String.self, forKey: .help)
        labels = try c.decode(.labels, default: [])
        maxSeries = try c.decode(PositiveInt.self, .maxSeries, default: 100)
    }
}

public struct MetricsConfiguration: Sendable, Decodable, YAMLRecoverable {
    /// Exporter plugins, each `{type: http|textfile|stdout, …its options}`.
    public var exporters: [PluginSelection] = [PluginSelection(type: "http")]
    /// Counters the rules may increment.
    public var custom: [CustomMetricConfiguration] = []
    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case exporters, custom }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        exporters = try c.decode(.exporters, default: exporters)
        custom = try c.decode(.custom, default: custom)
    }
}

// MARK: - logging

public enum LogLevel: String, ConfigEnum, Codable { case trace, debug, info, notice, warning, error, critical }
public enum LogFormat: String, ConfigEnum, Codable { case text, json }

public struct LoggingConfiguration: Sendable, Decodable, YAMLRecoverable {
    public var level = LogLevel.info
    public var format = LogFormat.text
    public init() {}
    public static var yamlPlaceholder: Self { Self() }
    enum CodingKeys: String, CodingKey { case level, format }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        level = try c.decode(.level, default: level)
        format = try c.decode(.format, default: format)
    }
}
