public import SellifyYAML

// MARK: - business_hours

/// When someone is there to answer: a weekly schedule and holidays, written in
/// local time. Without the section (the default) the business is always open.
/// Checked while decoding: every error names its field, e.g.
/// `business_hours.weekly.monday[1]: '10:00-12:00' overlaps '09:00-14:00'`.
public struct BusinessHoursConfiguration: Sendable, Decodable, YAMLRecoverable, Equatable {
    /// The zone the hours are written in; `nil` (absent or empty) means `account.timezone`.
    public var timezone: TimeZoneName?
    /// Opening hours per weekday; a day not listed is closed. `nil` (no `weekly`
    /// key) means open all day, every day, except on holidays.
    public var weekly: Weekly?
    /// Local dates whose hours replace the weekly ones: closed all day, or open
    /// with their own hours.
    public var holidays: [Holiday] = []

    public init(timezone: TimeZoneName? = nil, weekly: Weekly? = nil, holidays: [Holiday] = []) {
        self.timezone = timezone
        self.weekly = weekly
        self.holidays = holidays
    }
    public static var yamlPlaceholder: Self { Self() }

    enum CodingKeys: String, CodingKey { case timezone, weekly, holidays }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        timezone = try c.decodeIfPresent(ZoneOverride.self, forKey: .timezone)?.zone
        weekly = try c.decodeIfPresent(Weekly.self, forKey: .weekly)
        holidays = try c.decode(.holidays, default: holidays)

        // A date listed twice would make one of its entries silently win.
        var diagnostics: [Diagnostic] = []
        var first: [LocalDate: Int] = [:]
        let path = renderedPath(decoder.codingPath + [CodingKeys.holidays])
        for (index, holiday) in holidays.enumerated() {
            if let earlier = first[holiday.date] {
                diagnostics.append(
                    Diagnostic(
                        "\(path)[\(index)]: date '\(holiday.date)' is already listed at \(path)[\(earlier)]",
                        at: decoder.yamlNode?["holidays"]?[index]?.location))
            } else {
                first[holiday.date] = index
            }
        }
        if !diagnostics.isEmpty { throw DiagnosticList(diagnostics) }
    }

    /// `"09:00-14:00"`: from `start` up to (not including) `end`, in minutes
    /// since local midnight. `end` may be 1440 (`24:00`, the end of the day);
    /// a range past midnight is written as two, one on each day.
    public struct TimeRange: Sendable, Hashable, Decodable, CustomStringConvertible {
        /// 0…1439.
        public let start: Int
        /// start + 1…1440.
        public let end: Int

        /// `nil` unless 0 ≤ start < end ≤ 1440.
        public init?(start: Int, end: Int) {
            guard 0 <= start, start < end, end <= 1440 else { return nil }
            self.start = start
            self.end = end
        }

        /// `"09:00-14:00"`; `nil` when the text is not a valid range.
        public init?(_ text: String) {
            guard case .success(let range) = Self.parse(text) else { return nil }
            self = range
        }

        public var description: String { Self.clock(start) + "-" + Self.clock(end) }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            switch Self.parse(text) {
            case .success(let range): self = range
            case .failure(let problem):
                throw DecodingError.dataCorruptedError(in: container, debugDescription: problem.message)
            }
        }

        struct Problem: Error { var message: String }

        static func parse(_ text: String) -> Result<Self, Problem> {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]) else {
                return .failure(Problem(message: "expected a time range such as 09:00-14:00, got \"\(text)\""))
            }
            if let bad = [(start, parts[0]), (end, parts[1])].first(where: { $0.0 > 1440 }) {
                return .failure(Problem(message: "'\(bad.1)' is not a time of day (00:00 to 24:00)"))
            }
            if end == start {
                return .failure(Problem(message: "'\(text)' is empty (the start must be before the end)"))
            }
            guard let range = Self(start: start, end: end) else {
                return .failure(
                    Problem(
                        message: "'\(text)' ends before it starts (a range past midnight is written as two: "
                            + "'\(parts[0])-24:00' on one day, '00:00-\(parts[1])' on the next)"))
            }
            return .success(range)
        }

        /// Minutes since midnight of `HH:MM` (two digits each); past 24:00 (`25:00`,
        /// `09:75`) it is 1441, for `parse` to report as out of range.
        private static func minutes(_ text: Substring) -> Int? {
            let b = Array(text.utf8)
            guard b.count == 5, b[2] == UInt8(ascii: ":") else { return nil }
            var digits: [Int] = []
            for i in [0, 1, 3, 4] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { return nil }
                digits.append(Int(b[i] - UInt8(ascii: "0")))
            }
            let hour = digits[0] * 10 + digits[1]
            let minute = digits[2] * 10 + digits[3]
            return minute > 59 || hour * 60 + minute > 1440 ? 1441 : hour * 60 + minute
        }

        static func clock(_ minutes: Int) -> String {
            let h = minutes / 60
            let m = minutes % 60
            return (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
        }
    }

    /// `weekly:` — the opening hours of each weekday listed.
    public struct Weekly: Sendable, Decodable, YAMLRecoverable, Equatable {
        public var days: [Weekday: [TimeRange]]

        public init(_ days: [Weekday: [TimeRange]] = [:]) { self.days = days }
        public static var yamlPlaceholder: Self { Self() }

        /// The ranges of `day`; empty (closed) when it is not listed.
        public subscript(day: Weekday) -> [TimeRange] { days[day] ?? [] }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case monday, tuesday, wednesday, thursday, friday, saturday, sunday
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            days = [:]
            var diagnostics: [Diagnostic] = []
            for key in CodingKeys.allCases {
                guard let ranges = try c.decodeIfPresent([TimeRange].self, forKey: key) else { continue }
                days[Weekday(rawValue: key.rawValue)!] = ranges
                diagnostics += overlaps(
                    ranges, path: renderedPath(decoder.codingPath + [key]), node: decoder.yamlNode?[key.rawValue])
            }
            if !diagnostics.isEmpty { throw DiagnosticList(diagnostics) }
        }
    }

    /// A local date, closed all day (`hours` empty) or open with its own hours.
    /// Written `2026-12-25` or `{ date: 2026-12-24, hours: ["09:00-13:00"] }`.
    public struct Holiday: Sendable, Decodable, Equatable {
        public var date: LocalDate
        public var hours: [TimeRange]

        public init(date: LocalDate, hours: [TimeRange] = []) {
            self.date = date
            self.hours = hours
        }

        enum CodingKeys: String, CodingKey { case date, hours }
        public init(from decoder: any Decoder) throws {
            // Decide the shape before asking for a container: a failed probe
            // would already be reported.
            let isScalar =
                decoder.yamlNode.map { $0.scalar != nil }
                ?? ((try? decoder.singleValueContainer().decode(String.self)) != nil)
            if isScalar {
                date = try decoder.singleValueContainer().decode(LocalDate.self)
                hours = []
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            date = try c.decode(LocalDate.self, forKey: .date)
            hours = try c.decode(.hours, default: [])
            let diagnostics = overlaps(
                hours, path: renderedPath(decoder.codingPath + [CodingKeys.hours]), node: decoder.yamlNode?["hours"])
            if !diagnostics.isEmpty { throw DiagnosticList(diagnostics) }
        }
    }

    /// An ISO 8601 calendar date, `yyyy-MM-dd`.
    public struct LocalDate: YAMLScalarValue, Sendable, Hashable, Comparable, CustomStringConvertible {
        public var year: Int
        public var month: Int
        public var day: Int

        public init?(year: Int, month: Int, day: Int) {
            guard (0...9999).contains(year), (1...12).contains(month), (1...Timestamp.daysIn(year, month)).contains(day)
            else { return nil }
            self.year = year
            self.month = month
            self.day = day
        }

        public static let expectation = "a date such as 2026-12-25 (yyyy-MM-dd)"
        public init?(yamlScalar text: String) {
            let b = Array(text.utf8)
            guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for i in range {
                    guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { return nil }
                    value = value * 10 + Int(b[i] - UInt8(ascii: "0"))
                }
                return value
            }
            guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
            self.init(year: y, month: m, day: d)
        }

        /// Days since 1970-01-01.
        public var dayNumber: Int { Timestamp.daysFromCivil(year: year, month: month, day: day)! }
        public var description: String { QuotaCalendar.LocalTime.date(year, month, day) }
        public static func < (a: Self, b: Self) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
    }
}

extension SellifyConfiguration {
    /// The zone business hours are written in.
    public var businessHoursTimeZone: TimeZoneName { businessHours.timezone ?? account.timezone }
}

/// `timezone:` — an IANA zone, or empty for the account's.
private struct ZoneOverride: YAMLScalarValue {
    var zone: TimeZoneName?
    static let expectation = TimeZoneName.expectation + ", or empty for account.timezone"
    init?(yamlScalar text: String) {
        if text.isEmpty { return }
        guard let zone = TimeZoneName(yamlScalar: text) else { return nil }
        self.zone = zone
    }
}

/// One error per range that overlaps an earlier-starting one of the same list
/// (ranges that only touch, `09:00-14:00` and `14:00-19:00`, are fine).
private func overlaps(
    _ ranges: [BusinessHoursConfiguration.TimeRange], path: String, node: YAMLNode?
) -> [Diagnostic] {
    let order = ranges.indices.sorted { (ranges[$0].start, $0) < (ranges[$1].start, $1) }
    var diagnostics: [Diagnostic] = []
    var latest: Int?  // the index, in order so far, of the range that ends last
    for index in order {
        if let latest, ranges[index].start < ranges[latest].end {
            diagnostics.append(
                Diagnostic(
                    "\(path)[\(index)]: '\(ranges[index])' overlaps '\(ranges[latest])'",
                    at: node?[index]?.location))
        }
        if latest.map({ ranges[index].end > ranges[$0].end }) ?? true { latest = index }
    }
    return diagnostics
}

/// `business_hours.weekly.monday`: a coding path as the decoder prints it.
private func renderedPath(_ path: [any CodingKey]) -> String { TierList.render(path) }
