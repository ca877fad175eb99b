public import Foundation

/// Local dates and quota windows in the account's time zone. Windows are
/// named by local date (`day:2026-11-29`) and week (`week:2026-W48` for
/// ISO weeks starting Monday, `week:2026-11-29` — the first day — otherwise),
/// so a roll-over is a change of name and can never be missed while the
/// process is down. DST-correct: the offset is the zone's at that instant.
public struct QuotaCalendar: Sendable {
    public let timeZone: TimeZone
    public let weekStart: Weekday

    public init(timeZone: TimeZone, weekStart: Weekday = .monday) {
        self.timeZone = timeZone
        self.weekStart = weekStart
    }

    public struct LocalTime: Sendable, Equatable {
        public var year: Int
        public var month: Int
        public var day: Int
        public var hour: Int
        public var minute: Int
        /// 1 = Monday … 7 = Sunday.
        public var weekday: Int
        /// Days since 1970-01-01 of the local date.
        public var dayNumber: Int

        /// `2026-11-29`
        public var date: String { Self.date(year, month, day) }
        /// `14:15`
        public var time: String { pad(hour) + ":" + pad(minute) }

        static func date(_ y: Int, _ m: Int, _ d: Int) -> String {
            let year = String(y)
            return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + pad(m) + "-" + pad(d)
        }
    }

    public struct Windows: Sendable, Hashable {
        public var day: String
        public var week: String
        public init(day: String, week: String) {
            self.day = day
            self.week = week
        }
    }

    public func local(_ t: Timestamp) -> LocalTime {
        let utcSeconds = t.milliseconds >= 0 ? t.milliseconds / 1000 : (t.milliseconds - 999) / 1000
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcSeconds)))
        let localSeconds = utcSeconds + Int64(offset)
        let days = Int(localSeconds >= 0 ? localSeconds / 86_400 : (localSeconds - 86_399) / 86_400)
        let secondOfDay = Int(localSeconds - Int64(days) * 86_400)
        let (y, m, d) = Timestamp.civilFromDays(days)
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = ((days % 7) + 7 + 3) % 7 + 1
        return LocalTime(
            year: y, month: m, day: d, hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60,
            weekday: weekday, dayNumber: days)
    }

    public func windows(at t: Timestamp) -> Windows {
        windows(for: local(t))
    }

    public func windows(for local: LocalTime) -> Windows {
        let day = "day:" + local.date
        if weekStart == .monday {
            return Windows(day: day, week: "week:" + Self.isoWeek(local))
        }
        let back = (local.weekday - weekStart.isoNumber + 7) % 7
        let (y, m, d) = Timestamp.civilFromDays(local.dayNumber - back)
        return Windows(day: day, week: "week:" + LocalTime.date(y, m, d))
    }

    /// `2026-W48`: the ISO 8601 week-numbering year and week.
    static func isoWeek(_ local: LocalTime) -> String {
        // The week belongs to the year of its Thursday.
        let thursday = local.dayNumber - (local.weekday - 1) + 3
        let (year, _, _) = Timestamp.civilFromDays(thursday)
        let jan1 = Timestamp.daysFromCivil(year: year, month: 1, day: 1)!
        let week = (thursday - jan1) / 7 + 1
        return "\(year)-W" + pad(week)
    }
}

private func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
