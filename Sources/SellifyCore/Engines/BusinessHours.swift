public import Foundation

/// Whether someone is there to answer at an instant, and when the next opening
/// is, from `business_hours` in its time zone. A pure function of the instant
/// and the configuration (it reads no clock). Built once per configuration; a
/// call allocates no formatter or calendar and asks the zone only for its
/// offset and its next offset change (the way `QuotaCalendar` does local time).
///
/// A local time becomes an instant by one rule: the first instant at which the
/// local clock shows that time or later. Across DST changes this means:
/// - spring forward (New York, 2026-03-08, 02:00 → 03:00): a time in the
///   skipped hour (02:30) falls when the clock jumps (03:00 EDT, 07:00Z), and a
///   range wholly inside it (`02:00-03:00`) does not open that day;
/// - fall back (New York, 2026-11-01, 02:00 → 01:00): a time in the repeated
///   hour (01:30) is its first showing (01:30 EDT). `00:00-02:00` stays open
///   through both 01:00s (three real hours); `00:00-01:30` closes at the first
///   01:30 and does not open again when the clock shows 01:00 a second time.
///
/// Ranges that touch form one open period: `09:00-14:00` with `14:00-19:00`,
/// and `22:00-24:00` with the next day's `00:00-02:00`.
public struct BusinessHours: Sendable {
    /// How far ahead `status` looks for an opening or a closing, in days.
    public static let searchDays = 366

    /// A local date and time: `weekday` 1 = Monday … 7 = Sunday, `date`
    /// `2026-12-25`, `time` `09:00`.
    public typealias LocalTime = QuotaCalendar.LocalTime

    public struct Status: Sendable, Equatable {
        public var open: Bool
        /// When the current open period ends; `nil` when closed, when always
        /// open, or when it does not end within `searchDays`.
        public var closesAt: Timestamp?
        /// The start of the next open period after the instant asked about:
        /// when closed, the next opening; when open, the reopening after
        /// `closesAt`. `nil` when always open or when nothing opens within
        /// `searchDays`.
        public var nextOpen: Timestamp?
        /// `nextOpen` on the local clock.
        public var nextOpenLocal: LocalTime?

        public init(open: Bool, closesAt: Timestamp? = nil, nextOpen: Timestamp? = nil, nextOpenLocal: LocalTime? = nil)
        {
            self.open = open
            self.closesAt = closesAt
            self.nextOpen = nextOpen
            self.nextOpenLocal = nextOpenLocal
        }
    }

    public let timeZone: TimeZone
    /// Without `business_hours` (or with every day `00:00-24:00` and no
    /// holidays) the business never closes.
    public let isAlwaysOpen: Bool
    private let neverOpens: Bool
    private let calendar: QuotaCalendar
    /// Index 0 = Monday; each day sorted, overlapping and touching ranges merged.
    private let weekly: [[BusinessHoursConfiguration.TimeRange]]
    /// Sorted by day; one entry per date (the first listed wins).
    private let holidays: [DayHours]

    struct DayHours: Sendable {
        var day: Int
        var hours: [BusinessHoursConfiguration.TimeRange]
    }

    /// `accountTimeZone` is used when the configuration names no zone.
    public init(configuration: BusinessHoursConfiguration, accountTimeZone: TimeZoneName) {
        timeZone = (configuration.timezone ?? accountTimeZone).timeZone
        calendar = QuotaCalendar(timeZone: timeZone)
        let allDay = [BusinessHoursConfiguration.TimeRange(start: 0, end: 1440)!]
        weekly = Weekday.allCases.map { day in
            configuration.weekly.map { Self.normalized($0[day]) } ?? allDay
        }
        var seen = Set<Int>()
        holidays = configuration.holidays
            .filter { seen.insert($0.date.dayNumber).inserted }
            .map { DayHours(day: $0.date.dayNumber, hours: Self.normalized($0.hours)) }
            .sorted { $0.day < $1.day }
        isAlwaysOpen = holidays.isEmpty && weekly.allSatisfy { $0 == allDay }
        neverOpens = weekly.allSatisfy(\.isEmpty) && holidays.allSatisfy(\.hours.isEmpty)
    }

    /// The account's business hours: `business_hours` with `account.timezone`
    /// as the zone's default.
    public init(_ configuration: SellifyConfiguration) {
        self.init(configuration: configuration.businessHours, accountTimeZone: configuration.account.timezone)
    }

    public func status(at t: Timestamp) -> Status {
        if isAlwaysOpen { return Status(open: true) }
        if neverOpens { return Status(open: false) }
        let now = t.milliseconds
        let seconds = now >= 0 ? now / 1000 : (now - 999) / 1000
        // No range of an earlier local day reaches an instant of this one.
        let today = calendar.local(t).dayNumber
        var periods = OpenPeriods(
            hours: self, firstDay: today, lastDay: today + Self.searchDays,
            // Four days back: nothing before it can show a local time of today.
            clock: LocalClock(timeZone, from: seconds - 4 * 86_400))
        while let period = periods.next() {
            if period.end * 1000 <= now { continue }
            if period.start * 1000 > now { return opening(period.start, open: false) }
            var status = periods.next().map { opening($0.start, open: true) } ?? Status(open: true)
            status.closesAt = period.endsInSearch ? Timestamp(milliseconds: period.end * 1000) : nil
            return status
        }
        return Status(open: false)
    }

    private func opening(_ seconds: Int64, open: Bool) -> Status {
        let at = Timestamp(milliseconds: seconds * 1000)
        return Status(open: open, nextOpen: at, nextOpenLocal: calendar.local(at))
    }

    fileprivate func hours(of day: Int, holiday cursor: inout Int) -> [BusinessHoursConfiguration.TimeRange] {
        while cursor < holidays.count, holidays[cursor].day < day { cursor += 1 }
        if cursor < holidays.count, holidays[cursor].day == day { return holidays[cursor].hours }
        // 1970-01-01 (day 0) was a Thursday: index 3 counting from Monday.
        return weekly[((day % 7) + 7 + 3) % 7]
    }

    /// The index of the first holiday on or after `day`.
    fileprivate func firstHoliday(from day: Int) -> Int {
        var low = 0
        var high = holidays.count
        while low < high {
            let mid = (low + high) / 2
            if holidays[mid].day < day { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func normalized(
        _ ranges: [BusinessHoursConfiguration.TimeRange]
    ) -> [BusinessHoursConfiguration.TimeRange] {
        var merged: [BusinessHoursConfiguration.TimeRange] = []
        for range in ranges.sorted(by: { $0.start < $1.start }) {
            if let last = merged.last, range.start <= last.end {
                merged[merged.count - 1] = .init(start: last.start, end: max(last.end, range.end))!
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}

/// Open periods as instants (seconds), in order, from the ranges of
/// `firstDay`…`lastDay`: touching ranges merged, ranges lost in a skipped
/// hour dropped.
private struct OpenPeriods {
    struct Period {
        var start: Int64
        var end: Int64
        /// False when the period runs to the end of `lastDay`: its real end is
        /// beyond the search.
        var endsInSearch = true
    }

    let hours: BusinessHours
    let lastDay: Int
    var clock: LocalClock
    var day: Int
    var ranges: [BusinessHoursConfiguration.TimeRange]
    var index = 0
    var holiday: Int
    var pending: Period?
    /// The last range produced ends at 24:00 of `lastDay`.
    var reachedLastDay = false

    init(hours: BusinessHours, firstDay: Int, lastDay: Int, clock: LocalClock) {
        self.hours = hours
        self.lastDay = lastDay
        self.clock = clock
        day = firstDay
        holiday = hours.firstHoliday(from: firstDay)
        ranges = hours.hours(of: firstDay, holiday: &holiday)
    }

    mutating func next() -> Period? {
        guard var period = pending ?? nextRange() else { return nil }
        pending = nil
        while let range = nextRange() {
            guard range.start <= period.end else {
                pending = range
                return period
            }
            period.end = max(period.end, range.end)
        }
        // Out of ranges: `period` holds the last one produced.
        period.endsInSearch = !reachedLastDay
        return period
    }

    /// The next range as instants; local times only grow, as `LocalClock` needs.
    private mutating func nextRange() -> Period? {
        while day <= lastDay {
            guard index < ranges.count else {
                day += 1
                index = 0
                if day <= lastDay { ranges = hours.hours(of: day, holiday: &holiday) }
                continue
            }
            let range = ranges[index]
            index += 1
            let midnight = Int64(day) * 86_400
            let start = clock.instant(showing: midnight + Int64(range.start) * 60)
            let end = clock.instant(showing: midnight + Int64(range.end) * 60)
            guard start < end else { continue }  // wholly inside a skipped hour
            reachedLastDay = day == lastDay && range.end == 1440
            return Period(start: start, end: end)
        }
        return nil
    }
}

/// Local wall-clock seconds (seconds since 1970-01-01 00:00 local) to instants
/// (seconds since the epoch), walking the zone's offset changes forward: one
/// offset lookup per change crossed, no calendar arithmetic.
private struct LocalClock {
    let zone: TimeZone
    /// `offset` holds on `start..<end`.
    var start: Int64
    var end: Int64
    var offset: Int64

    init(_ zone: TimeZone, from instant: Int64) {
        self.zone = zone
        start = instant
        offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
        end = Self.nextChange(zone, after: instant)
    }

    /// The first instant, from the clock's start on, at which the local clock
    /// shows `local` or later. `local` must not decrease from call to call.
    mutating func instant(showing local: Int64) -> Int64 {
        while true {
            // Jumped over (a skipped hour): the moment of the jump.
            if local <= start + offset { return start }
            if local - offset < end { return local - offset }
            start = end
            offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(start))))
            end = Self.nextChange(zone, after: start)
        }
    }

    /// The next change of the zone's offset, DST or not (Foundation reports
    /// both, e.g. Mexico City's end of DST in 2022).
    private static func nextChange(_ zone: TimeZone, after instant: Int64) -> Int64 {
        guard
            let change = zone.nextDaylightSavingTimeTransition(
                after: Date(timeIntervalSince1970: TimeInterval(instant)))
        else { return .max }
        return Int64(change.timeIntervalSince1970.rounded(.up))
    }
}
