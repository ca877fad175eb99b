public import SellifyYAML

/// The platforms' own limits, as data (`rules/channels.yaml`): each value with
/// the document it comes from and the date it was last checked, so an operator
/// can update a limit when a platform changes it, without a new build. The
/// host enforces these under the operator's own quotas; the stricter wins.
public struct ChannelPolicy: Sendable, Equatable {
    /// The layout of `channels.yaml` this build reads (its `version:` field).
    public static let formatVersion = 1

    /// One limit: its value, where it comes from and when that was last checked.
    public struct Limit<Value: Sendable & Equatable>: Sendable, Equatable {
        public var value: Value
        /// A URL or the name of the platform's document.
        public var source: String
        /// When someone last checked `value` against `source`.
        public var asOf: CalendarDate
        /// Where the limit is written; nil for the built-in copy. Not compared.
        public var location: SourceLocation?

        public init(value: Value, source: String, asOf: CalendarDate, location: SourceLocation? = nil) {
            self.value = value
            self.source = source
            self.asOf = asOf
            self.location = location
        }

        public static func == (a: Self, b: Self) -> Bool {
            a.value == b.value && a.source == b.source && a.asOf == b.asOf
        }
    }

    public struct WhatsApp: Sendable, Equatable {
        /// Free-form messages only this long after the customer's last message;
        /// outside it, only approved templates.
        public var serviceWindow: Limit<ConfigDuration>
        /// Unique users a business portfolio may send business-initiated
        /// messages to in a rolling 24 hours, lowest tier first.
        public var businessInitiatedTiers: Limit<[PortfolioTier]>
        /// Messages per second per business phone number.
        public var messagesPerSecond: Limit<Int>

        public init(
            serviceWindow: Limit<ConfigDuration>, businessInitiatedTiers: Limit<[PortfolioTier]>,
            messagesPerSecond: Limit<Int>
        ) {
            self.serviceWindow = serviceWindow
            self.businessInitiatedTiers = businessInitiatedTiers
            self.messagesPerSecond = messagesPerSecond
        }
    }

    public struct Instagram: Sendable, Equatable {
        /// Messages only this long after the customer's last message.
        public var serviceWindow: Limit<ConfigDuration>
        /// With the HUMAN_AGENT tag, a person (never automation) may answer this long after it.
        public var humanAgentWindow: Limit<ConfigDuration>

        public init(serviceWindow: Limit<ConfigDuration>, humanAgentWindow: Limit<ConfigDuration>) {
            self.serviceWindow = serviceWindow
            self.humanAgentWindow = humanAgentWindow
        }
    }

    public struct Telegram: Sendable, Equatable {
        /// At most one message per this interval in one chat.
        public var perChatInterval: Limit<ConfigDuration>

        public init(perChatInterval: Limit<ConfigDuration>) {
            self.perChatInterval = perChatInterval
        }
    }

    public var version: Int
    public var whatsapp: WhatsApp
    public var instagram: Instagram
    public var telegram: Telegram
    /// The file it was read from (`rules/channels.yaml`); nil for `builtIn`. Not compared.
    public var file: String?

    public init(
        version: Int = ChannelPolicy.formatVersion, whatsapp: WhatsApp, instagram: Instagram, telegram: Telegram,
        file: String? = nil
    ) {
        self.version = version
        self.whatsapp = whatsapp
        self.instagram = instagram
        self.telegram = telegram
        self.file = file
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.version == b.version && a.whatsapp == b.whatsapp && a.instagram == b.instagram && a.telegram == b.telegram
    }

    /// Every limit by its key in the file (`whatsapp.service_window`), in file order.
    public var limits: [ChannelLimitReference] {
        [
            reference("whatsapp.service_window", whatsapp.serviceWindow),
            reference("whatsapp.business_initiated_tiers", whatsapp.businessInitiatedTiers),
            reference("whatsapp.messages_per_second", whatsapp.messagesPerSecond),
            reference("instagram.service_window", instagram.serviceWindow),
            reference("instagram.human_agent_window", instagram.humanAgentWindow),
            reference("telegram.per_chat_interval", telegram.perChatInterval),
        ]
    }

    /// `limit` as messages show it, under its key in the file.
    func reference<V>(_ name: String, _ limit: Limit<V>) -> ChannelLimitReference {
        let value =
            switch limit.value {
            case let tiers as [PortfolioTier]: "[" + tiers.map(\.description).joined(separator: ", ") + "]"
            case let duration as ConfigDuration: Self.text(of: duration)
            default: "\(limit.value)"
            }
        return ChannelLimitReference(
            name: name, value: value, source: limit.source, asOf: limit.asOf, file: file, location: limit.location)
    }

    /// A duration the way platforms state them: `24h` (not `1d`), `7d`, `1s`.
    static func text(of duration: ConfigDuration) -> String {
        let day: Int64 = 86_400_000
        let hour: Int64 = 3_600_000
        if duration.milliseconds >= 2 * day && duration.milliseconds % day == 0 {
            return "\(duration.milliseconds / day)d"
        }
        if duration.milliseconds >= hour && duration.milliseconds % hour == 0 {
            return "\(duration.milliseconds / hour)h"
        }
        return "\(duration)"
    }

    /// The limits that apply when the rules folder has no `channels.yaml`: the
    /// same data as the shipped file (a test keeps the two equal).
    public static let builtIn: ChannelPolicy = {
        let checked = CalendarDate(year: 2026, month: 12, day: 2)!
        let meta = "https://developers.facebook.com/documentation/business-messaging/whatsapp/"
        return ChannelPolicy(
            whatsapp: WhatsApp(
                serviceWindow: Limit(
                    value: ConfigDuration(milliseconds: 24 * 3_600_000),
                    source: meta + "messages/send-messages#customer-service-windows", asOf: checked),
                businessInitiatedTiers: Limit(
                    value: [.users(250), .users(2000), .users(10_000), .users(100_000), .unlimited],
                    source: meta + "messaging-limits", asOf: checked),
                messagesPerSecond: Limit(value: 80, source: meta + "throughput", asOf: checked)),
            instagram: Instagram(
                serviceWindow: Limit(
                    value: ConfigDuration(milliseconds: 24 * 3_600_000),
                    source:
                        "https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/",
                    asOf: checked),
                humanAgentWindow: Limit(
                    value: ConfigDuration(milliseconds: 7 * 86_400_000),
                    source: "https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags/",
                    asOf: checked)),
            telegram: Telegram(
                perChatInterval: Limit(
                    value: ConfigDuration(milliseconds: 1000),
                    source: "https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this",
                    asOf: checked)))
    }()
}

/// One limit as messages and `sellify check` show it.
public struct ChannelLimitReference: Sendable, Equatable, CustomStringConvertible {
    /// The key in the file: `whatsapp.service_window`.
    public var name: String
    /// The value as written: `24h`, `[250, 2000, …]`, `80`.
    public var value: String
    public var source: String
    public var asOf: CalendarDate
    /// The file it was read from; nil for the built-in copy.
    public var file: String?
    public var location: SourceLocation?

    /// `whatsapp.service_window = 24h (rules/channels.yaml:12, as of 2026-12-02: https://…)`
    public var description: String {
        let place = location.map { "\($0)" } ?? file ?? "built-in channel limits"
        return "\(name) = \(value) (\(place), as of \(asOf): \(source))"
    }
}

/// A WhatsApp messaging-limit tier: how many unique users a business portfolio
/// may send business-initiated messages to in a rolling 24 hours.
public enum PortfolioTier: YAMLScalarValue, Sendable, Hashable, Comparable, CustomStringConvertible {
    case users(Int)
    case unlimited

    public static let expectation = "a number of users such as 250, or 'unlimited'"
    public init?(yamlScalar text: String) {
        if text == "unlimited" {
            self = .unlimited
        } else if let users = PositiveInt(yamlScalar: text) {
            self = .users(users.value)
        } else {
            return nil
        }
    }

    /// The most unique users per rolling 24 hours; nil when unlimited.
    public var ceiling: Int? {
        if case .users(let count) = self { return count }
        return nil
    }

    public var description: String {
        switch self {
        case .users(let count): "\(count)"
        case .unlimited: "unlimited"
        }
    }

    public static func < (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.users(let x), .users(let y)): x < y
        case (.users, .unlimited): true
        case (.unlimited, _): false
        }
    }
}

/// A calendar date written `2026-12-02` (no time, no zone): when a limit was checked.
public struct CalendarDate: YAMLScalarValue, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...Timestamp.daysIn(year, month)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public static let expectation = "a date such as 2026-12-02"
    public init?(yamlScalar text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (a: Self, b: Self) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
}
