import SellifyYAML

// Swift Testing also exports a `SourceLocation`; a module-level alias makes the name mean ours
// in every test file.
typealias SourceLocation = SellifyYAML.SourceLocation

// Small config-like types written the way the real config structs are: explicit snake_case
// CodingKeys and `decodeIfPresent ?? default` for optional settings.

struct PositiveInt: YAMLScalarValue, Equatable {
    var value: Int
    static var expectation: String { "a positive integer" }
    init?(yamlScalar: String) {
        guard let value = Int(yamlScalar), value > 0 else { return nil }
        self.value = value
    }
}

struct ServerConfig: Decodable, Equatable {
    var host: String = "127.0.0.1"
    var port: Int = 8080
    var rateLimit: Int = 100
    var tls: Bool = false

    enum CodingKeys: String, CodingKey {
        case host, port, tls
        case rateLimit = "rate_limit"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? "127.0.0.1"
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 8080
        rateLimit = try c.decodeIfPresent(Int.self, forKey: .rateLimit) ?? 100
        tls = try c.decodeIfPresent(Bool.self, forKey: .tls) ?? false
    }
}

struct APIKey: Decodable, Equatable {
    var name: String
    var sha256: String
    var scopes: [String]

    enum CodingKeys: String, CodingKey {
        case name, sha256, scopes
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        sha256 = try c.decode(String.self, forKey: .sha256)
        scopes = try c.decodeIfPresent([String].self, forKey: .scopes) ?? []
    }
}

struct AuthConfig: Decodable, Equatable {
    var enabled = false
    var apiKeys: [APIKey] = []

    enum CodingKeys: String, CodingKey {
        case enabled
        case apiKeys = "api_keys"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? false
        apiKeys = try c.decodeIfPresent([APIKey].self, forKey: .apiKeys) ?? []
    }
}

struct LimitsConfig: Decodable, Equatable {
    var messagesPerDay: PositiveInt?
    var perChannel: [String: PositiveInt] = [:]

    enum CodingKeys: String, CodingKey {
        case messagesPerDay = "messages_per_day"
        case perChannel = "per_channel"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        messagesPerDay = try c.decodeIfPresent(PositiveInt.self, forKey: .messagesPerDay)
        perChannel = try c.decodeIfPresent([String: PositiveInt].self, forKey: .perChannel) ?? [:]
    }
}

struct QuotasConfig: Decodable, Equatable {
    var limits = LimitsConfig()

    enum CodingKeys: String, CodingKey {
        case limits
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        limits = try c.decodeIfPresent(LimitsConfig.self, forKey: .limits) ?? LimitsConfig()
    }
}

/// Every section optional.
struct Config: Decodable, Equatable {
    var server = ServerConfig()
    var auth = AuthConfig()
    var quotas = QuotasConfig()
    var tags: [String] = []
    var env: [String: String] = [:]
    var timeout: Double = 1.5
    var motd: String?

    enum CodingKeys: String, CodingKey {
        case server, auth, quotas, tags, env, timeout, motd
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        server = try c.decodeIfPresent(ServerConfig.self, forKey: .server) ?? ServerConfig()
        auth = try c.decodeIfPresent(AuthConfig.self, forKey: .auth) ?? AuthConfig()
        quotas = try c.decodeIfPresent(QuotasConfig.self, forKey: .quotas) ?? QuotasConfig()
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        env = try c.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        timeout = try c.decodeIfPresent(Double.self, forKey: .timeout) ?? 1.5
        motd = try c.decodeIfPresent(String.self, forKey: .motd)
    }
}

/// A required section and a required scalar.
struct StrictConfig: Decodable {
    var server: ServerConfig
    var name: String

    enum CodingKeys: String, CodingKey {
        case server, name
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        server = try c.decode(ServerConfig.self, forKey: .server)
        name = try c.decode(String.self, forKey: .name)
    }
}

/// Synthesized Decodable: every property required.
struct Endpoint: Decodable, Equatable {
    var url: String
    var retries: Int
    var weight: Double
    var enabled: Bool
    var labels: [String: String]
    var note: String?
}

/// A recoverable section: after an error inside it the parent keeps decoding.
struct Webhook: Decodable, Equatable, YAMLRecoverable {
    var url: String
    var secret: String

    static var yamlPlaceholder: Webhook { Webhook(url: "", secret: "") }

    init(url: String, secret: String) {
        self.url = url
        self.secret = secret
    }

    enum CodingKeys: String, CodingKey {
        case url, secret
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decode(String.self, forKey: .url)
        secret = try c.decode(String.self, forKey: .secret)
        guard url.hasPrefix("https://") else {
            throw DecodingError.dataCorruptedError(forKey: .url, in: c, debugDescription: "must start with 'https://'")
        }
    }
}

struct Hooks: Decodable {
    var primary: Webhook
    var fallback: Webhook
    var retries: Int

    enum CodingKeys: String, CodingKey {
        case primary, fallback, retries
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        primary = try c.decode(Webhook.self, forKey: .primary)
        fallback = try c.decode(Webhook.self, forKey: .fallback)
        retries = try c.decode(Int.self, forKey: .retries)
    }
}
