import Foundation
import SellifyCore
import SellifyPlugins
import SellifyTestSupport
import SellifyYAML
import Testing

/// Business hours from the body of a `business_hours:` section, decoded from
/// YAML as `config.yaml` is.
private func businessHours(_ section: String, account zone: String = "America/Mexico_City") throws -> BusinessHours {
    let text = "account: { timezone: \(zone) }\nbusiness_hours:\n" + section
    return BusinessHours(
        try YAMLDecoder().decode(SellifyConfiguration.self, from: text, file: "config.yaml", environment: [:]))
}

private func ts(_ text: String?) -> Timestamp? { text.map { Timestamp(rfc3339: $0)! } }

/// Weekdays 09:00-19:00, Saturday morning, closed on Sunday.
private let office = """
      weekly:
        monday: ["09:00-19:00"]
        tuesday: ["09:00-19:00"]
        wednesday: ["09:00-19:00"]
        thursday: ["09:00-19:00"]
        friday: ["09:00-19:00"]
        saturday: ["10:00-14:00"]
    """

struct BusinessHoursTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var zone: String
        var at: String
        var open: Bool
        var closesAt: String?
        var nextOpen: String?
        var testDescription: String { "\(zone) \(at)" }
    }

    static let edgesAndWeekends: [Case] = [
        // New York, before the spring change (EST, UTC-5) and after it (EDT, UTC-4).
        Case(
            zone: "America/New_York", at: "2026-03-06T14:00:00Z", open: true, closesAt: "2026-03-07T00:00:00Z",
            nextOpen: "2026-03-07T15:00:00Z"),  // Friday 09:00 EST exactly: open
        Case(zone: "America/New_York", at: "2026-03-06T13:59:59.999Z", open: false, nextOpen: "2026-03-06T14:00:00Z"),
        // Saturday 14:00 EST: closed over the weekend and the change; Monday 09:00 is EDT.
        Case(zone: "America/New_York", at: "2026-03-07T19:00:00Z", open: false, nextOpen: "2026-03-09T13:00:00Z"),
        Case(zone: "America/New_York", at: "2026-03-08T18:00:00Z", open: false, nextOpen: "2026-03-09T13:00:00Z"),
        Case(
            zone: "America/New_York", at: "2026-03-09T13:00:00Z", open: true, closesAt: "2026-03-09T23:00:00Z",
            nextOpen: "2026-03-10T13:00:00Z"),
        Case(
            zone: "America/New_York", at: "2026-03-09T22:59:59.999Z", open: true, closesAt: "2026-03-09T23:00:00Z",
            nextOpen: "2026-03-10T13:00:00Z"),
        Case(zone: "America/New_York", at: "2026-03-09T23:00:00Z", open: false, nextOpen: "2026-03-10T13:00:00Z"),
        // The autumn change: Saturday 14:00 EDT, then Monday 09:00 EST.
        Case(zone: "America/New_York", at: "2026-10-31T18:00:00Z", open: false, nextOpen: "2026-11-02T14:00:00Z"),
        Case(
            zone: "America/New_York", at: "2026-11-02T14:00:00Z", open: true, closesAt: "2026-11-03T00:00:00Z",
            nextOpen: "2026-11-03T14:00:00Z"),
        Case(zone: "America/New_York", at: "2026-11-03T00:00:00Z", open: false, nextOpen: "2026-11-03T14:00:00Z"),
        // Madrid: CET (UTC+1) to CEST (UTC+2) on 2026-03-29, back on 2026-10-25.
        Case(zone: "Europe/Madrid", at: "2026-03-28T13:00:00Z", open: false, nextOpen: "2026-03-30T07:00:00Z"),
        Case(
            zone: "Europe/Madrid", at: "2026-03-28T12:59:00Z", open: true, closesAt: "2026-03-28T13:00:00Z",
            nextOpen: "2026-03-30T07:00:00Z"),
        Case(
            zone: "Europe/Madrid", at: "2026-03-30T07:00:00Z", open: true, closesAt: "2026-03-30T17:00:00Z",
            nextOpen: "2026-03-31T07:00:00Z"),
        Case(zone: "Europe/Madrid", at: "2026-03-30T06:59:59Z", open: false, nextOpen: "2026-03-30T07:00:00Z"),
        Case(zone: "Europe/Madrid", at: "2026-03-30T17:00:00Z", open: false, nextOpen: "2026-03-31T07:00:00Z"),
        Case(zone: "Europe/Madrid", at: "2026-10-24T12:00:00Z", open: false, nextOpen: "2026-10-26T08:00:00Z"),
        Case(
            zone: "Europe/Madrid", at: "2026-10-26T08:00:00Z", open: true, closesAt: "2026-10-26T18:00:00Z",
            nextOpen: "2026-10-27T08:00:00Z"),
        Case(zone: "Europe/Madrid", at: "2026-10-26T18:00:00Z", open: false, nextOpen: "2026-10-27T08:00:00Z"),
    ]

    @Test(arguments: edgesAndWeekends)
    func opensAtTheStartAndClosesAtTheEndAcrossDSTChanges(_ c: Case) throws {
        let status = try businessHours(office, account: c.zone).status(at: ts(c.at)!)
        #expect(status.open == c.open)
        #expect(status.closesAt == ts(c.closesAt))
        #expect(status.nextOpen == ts(c.nextOpen))
    }

    @Test(arguments: [
        ("America/New_York", "2026-03-07T19:00:00Z", "2026-03-09", 1),
        ("America/New_York", "2026-10-31T18:00:00Z", "2026-11-02", 1),
        ("Europe/Madrid", "2026-03-28T13:00:00Z", "2026-03-30", 1),
        ("Europe/Madrid", "2026-03-30T17:00:00Z", "2026-03-31", 2),
    ])
    func theNextOpeningReadsAsLocalTime(_ zone: String, _ at: String, _ date: String, _ weekday: Int) throws {
        let local = try #require(try businessHours(office, account: zone).status(at: ts(at)!).nextOpenLocal)
        #expect(local.date == date)
        #expect(local.time == "09:00")
        #expect(local.weekday == weekday)
    }

    /// Boundaries inside a skipped or a repeated hour: the first instant the
    /// local clock shows that time or later.
    @Test(arguments: [
        // New York 2026-03-08: 02:00 EST (07:00Z) jumps to 03:00 EDT.
        Case(
            zone: "America/New_York", at: "2026-03-08T06:59:59Z", open: false, nextOpen: "2026-03-08T07:00:00Z"),
        Case(
            zone: "America/New_York", at: "2026-03-08T07:00:00Z", open: true, closesAt: "2026-03-08T08:00:00Z",
            nextOpen: "2026-03-09T13:00:00Z"),
        // New York 2026-11-01: 02:00 EDT (06:00Z) goes back to 01:00 EST.
        Case(
            zone: "America/New_York", at: "2026-11-01T05:29:59Z", open: false, nextOpen: "2026-11-01T05:30:00Z"),
        Case(
            zone: "America/New_York", at: "2026-11-01T06:45:00Z", open: true, closesAt: "2026-11-01T08:00:00Z",
            nextOpen: "2026-11-02T14:00:00Z"),
        // Madrid 2026-03-29: 02:00 CET (01:00Z) jumps to 03:00 CEST.
        Case(zone: "Europe/Madrid", at: "2026-03-29T00:59:59Z", open: false, nextOpen: "2026-03-29T01:00:00Z"),
        Case(
            zone: "Europe/Madrid", at: "2026-03-29T01:00:00Z", open: true, closesAt: "2026-03-29T02:00:00Z",
            nextOpen: "2026-03-30T07:00:00Z"),
        // Madrid 2026-10-25: 03:00 CEST (01:00Z) goes back to 02:00 CET.
        Case(zone: "Europe/Madrid", at: "2026-10-25T00:29:59Z", open: false, nextOpen: "2026-10-25T00:30:00Z"),
        Case(
            zone: "Europe/Madrid", at: "2026-10-25T01:30:00Z", open: true, closesAt: "2026-10-25T03:00:00Z",
            nextOpen: "2026-10-26T08:00:00Z"),
    ])
    func aSundayRangeStartingInTheChangedHour(_ c: Case) throws {
        // 02:30 is skipped on the spring Sundays and shown twice on the autumn ones
        // in Madrid; 01:30 is shown twice in New York in November.
        let sunday = c.zone == "America/New_York" && c.at.hasPrefix("2026-11") ? "01:30-03:00" : "02:30-04:00"
        let hours = try businessHours(office + "\n    sunday: [\"\(sunday)\"]", account: c.zone)
        let status = hours.status(at: ts(c.at)!)
        #expect(status.open == c.open)
        #expect(status.closesAt == ts(c.closesAt))
        #expect(status.nextOpen == ts(c.nextOpen))
    }

    @Test func aRangeWhollyInsideTheSkippedHourDoesNotOpen() throws {
        let hours = try businessHours(
            """
              weekly:
                sunday: ["02:00-02:45", "05:00-06:00"]
            """, account: "America/New_York")
        let status = hours.status(at: ts("2026-03-08T06:30:00Z")!)  // 01:30 EST
        #expect(!status.open)
        #expect(status.nextOpen == ts("2026-03-08T09:00:00Z"))  // 05:00 EDT
        #expect(status.nextOpenLocal?.time == "05:00")
    }

    @Test func theRepeatedHourIsOpenOnceAndOnlyWhileTheRangeLasts() throws {
        let long = try businessHours(
            """
              weekly:
                sunday: ["00:00-02:00"]
            """, account: "America/New_York")
        // 00:00 EDT (04:00Z) to the first 02:00 on the clock, 02:00 EST (07:00Z): three real hours.
        #expect(long.status(at: ts("2026-11-01T06:30:00Z")!).open)  // the second 01:30
        #expect(long.status(at: ts("2026-11-01T04:00:00Z")!).closesAt == ts("2026-11-01T07:00:00Z"))

        let short = try businessHours(
            """
              weekly:
                sunday: ["00:00-01:30"]
            """, account: "America/New_York")
        // Closes at the first 01:30 (EDT) and stays closed when the clock shows 01:00 again.
        #expect(short.status(at: ts("2026-11-01T04:00:00Z")!).closesAt == ts("2026-11-01T05:30:00Z"))
        let again = short.status(at: ts("2026-11-01T06:15:00Z")!)  // 01:15 EST
        #expect(!again.open)
        #expect(again.nextOpen == ts("2026-11-08T05:00:00Z"))
    }

    @Test func mexicoCityKeepsUTCMinus6AllYear() throws {
        // No DST since 2022: 09:00 local is 15:00Z in April, July and November.
        let hours = try businessHours(office)
        for (monday, tuesday) in [
            ("2026-04-06", "2026-04-07"), ("2026-07-06", "2026-07-07"), ("2026-11-02", "2026-11-03"),
        ] {
            #expect(!hours.status(at: ts("\(monday)T14:59:59Z")!).open)
            let status = hours.status(at: ts("\(monday)T15:00:00Z")!)
            #expect(status.open)
            #expect(status.closesAt == ts("\(tuesday)T01:00:00Z"))
        }
        // Saturday 14:00 local to Monday 09:00 local, around the old DST dates.
        let weekend = hours.status(at: ts("2026-04-04T20:00:00Z")!)
        #expect(weekend.nextOpen == ts("2026-04-06T15:00:00Z"))
        #expect(weekend.nextOpenLocal?.weekday == 1)
        #expect(weekend.nextOpenLocal?.date == "2026-04-06")
    }

    static let holidays =
        office + """

              holidays:
                - 2026-12-25
                - { date: 2026-12-24, hours: ["09:00-13:00"] }
            """

    @Test(arguments: [
        // Mexico City, UTC-6. Thursday 24th: its own hours, 09:00-13:00.
        Case(
            zone: "America/Mexico_City", at: "2026-12-24T18:00:00Z", open: true, closesAt: "2026-12-24T19:00:00Z",
            nextOpen: "2026-12-26T16:00:00Z"),
        Case(zone: "America/Mexico_City", at: "2026-12-24T19:00:00Z", open: false, nextOpen: "2026-12-26T16:00:00Z"),
        // Friday 25th: closed all day; Saturday opens at 10:00.
        Case(zone: "America/Mexico_City", at: "2026-12-25T15:00:00Z", open: false, nextOpen: "2026-12-26T16:00:00Z"),
        Case(zone: "America/Mexico_City", at: "2026-12-25T20:00:00Z", open: false, nextOpen: "2026-12-26T16:00:00Z"),
        // The weekly hours again the week after.
        Case(
            zone: "America/Mexico_City", at: "2027-01-01T18:00:00Z", open: true, closesAt: "2027-01-02T01:00:00Z",
            nextOpen: "2027-01-02T16:00:00Z"),
    ])
    func holidaysReplaceTheWeeklyHours(_ c: Case) throws {
        let status = try businessHours(Self.holidays, account: c.zone).status(at: ts(c.at)!)
        #expect(status.open == c.open)
        #expect(status.closesAt == ts(c.closesAt))
        #expect(status.nextOpen == ts(c.nextOpen))
    }

    @Test func rangesEndingAt24ContinueIntoTheNextDay() throws {
        let hours = try businessHours(
            """
              timezone: Europe/Madrid
              weekly:
                friday: ["18:00-24:00"]
                saturday: ["00:00-02:00", "10:00-14:00"]
                sunday: ["20:00-24:00"]
            """)
        // Friday 2026-12-04 23:00 CET: one period until Saturday 02:00.
        let friday = hours.status(at: ts("2026-12-04T22:00:00Z")!)
        #expect(friday.open)
        #expect(friday.closesAt == ts("2026-12-05T01:00:00Z"))
        #expect(friday.nextOpen == ts("2026-12-05T09:00:00Z"))
        #expect(hours.status(at: ts("2026-12-04T23:00:00Z")!).open)  // midnight itself
        #expect(!hours.status(at: ts("2026-12-05T01:00:00Z")!).open)
        // Sunday 20:00-24:00 with Monday closed: closes at Monday 00:00.
        #expect(hours.status(at: ts("2026-12-06T22:00:00Z")!).closesAt == ts("2026-12-06T23:00:00Z"))
    }

    @Test func aNightAcrossTheSpringChangeIsOnePeriod() throws {
        let hours = try businessHours(
            """
              weekly:
                saturday: ["22:00-24:00"]
                sunday: ["00:00-04:00"]
            """, account: "America/New_York")
        // Saturday 22:00 EST (03:00Z) to Sunday 04:00 EDT (08:00Z): five real hours.
        let status = hours.status(at: ts("2026-03-08T03:00:00Z")!)
        #expect(status.open)
        #expect(status.closesAt == ts("2026-03-08T08:00:00Z"))
        #expect(status.nextOpen == ts("2026-03-15T02:00:00Z"))
    }

    @Test func touchingRangesAreOnePeriod() throws {
        let hours = try businessHours(
            """
              timezone: UTC
              weekly:
                monday: ["16:00-19:00", "09:00-14:00", "14:00-16:00"]
            """)
        let status = hours.status(at: ts("2026-12-07T10:00:00Z")!)
        #expect(status.closesAt == ts("2026-12-07T19:00:00Z"))
        #expect(status.nextOpen == ts("2026-12-14T09:00:00Z"))
    }

    @Test func withoutTheSectionTheBusinessIsAlwaysOpen() throws {
        let none = BusinessHours(try YAMLDecoder().decode(SellifyConfiguration.self, from: "{}", file: "config.yaml"))
        #expect(none.isAlwaysOpen)
        #expect(none.status(at: ts("2026-12-25T12:00:00Z")!) == BusinessHours.Status(open: true))
    }

    @Test func withoutWeeklyHoursOnlyHolidaysClose() throws {
        let hours = try businessHours(
            """
              holidays: [2026-12-25]
            """)
        #expect(!hours.isAlwaysOpen)
        let christmasEve = hours.status(at: ts("2026-12-24T12:00:00Z")!)
        #expect(christmasEve.open)
        #expect(christmasEve.closesAt == ts("2026-12-25T06:00:00Z"))  // local midnight, UTC-6
        #expect(christmasEve.nextOpen == ts("2026-12-26T06:00:00Z"))
    }

    @Test func theZoneDefaultsToTheAccountsAndEmptyMeansTheAccounts() throws {
        for section in ["  weekly: {}", "  timezone:\n  weekly: {}", "  timezone: \"\"\n  weekly: {}"] {
            #expect(try businessHours(section, account: "Europe/Madrid").timeZone.identifier == "Europe/Madrid")
        }
        let own = try businessHours("  timezone: Asia/Tokyo", account: "Europe/Madrid")
        #expect(own.timeZone.identifier == "Asia/Tokyo")
    }

    @Test func neverOpeningHasNoNextOpening() throws {
        let status = try businessHours("  weekly: {}").status(at: ts("2026-12-01T12:00:00Z")!)
        #expect(status == BusinessHours.Status(open: false))
        // Open only on a date more than `searchDays` ahead.
        let far = try businessHours("  weekly: {}\n  holidays: [{ date: 2028-01-03, hours: [\"09:00-10:00\"] }]")
        #expect(far.status(at: ts("2026-12-01T12:00:00Z")!).nextOpen == nil)
        #expect(far.status(at: ts("2027-12-01T12:00:00Z")!).nextOpen == ts("2028-01-03T15:00:00Z"))
    }

    @Test func openEveryDayAllDayButForAHolidayClosesOnTheHoliday() throws {
        let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        let weekly = days.map { "    \($0): [\"00:00-24:00\"]" }.joined(separator: "\n")
        let full = try businessHours("  timezone: UTC\n  weekly:\n" + weekly)
        #expect(full.isAlwaysOpen)
        let status = try businessHours("  timezone: UTC\n  holidays: [2027-06-01]\n  weekly:\n" + weekly)
            .status(at: ts("2026-12-01T12:00:00Z")!)
        #expect(status.closesAt == ts("2027-06-01T00:00:00Z"))
        #expect(status.nextOpen == ts("2027-06-02T00:00:00Z"))
        // Nothing closes within the search: no closing time.
        let later = try businessHours("  timezone: UTC\n  holidays: [2028-06-01]\n  weekly:\n" + weekly)
        #expect(later.status(at: ts("2026-12-01T12:00:00Z")!) == BusinessHours.Status(open: true))
    }

    /// Foundation's Calendar, asked for the first matching time from local
    /// midnight on (a skipped time moves to the next existing one, a repeated
    /// time takes its first showing), agrees with every opening on change days.
    @Test(arguments: [
        ("America/New_York", "2026-03-08"), ("America/New_York", "2026-11-01"),
        ("Europe/Madrid", "2026-03-29"), ("Europe/Madrid", "2026-10-25"),
        // Santiago changes at midnight: 24:00 of 04-04 is shown twice, 00:00-01:00 of 09-06 never.
        ("America/Santiago", "2026-04-04"), ("America/Santiago", "2026-09-06"),
        // Lord Howe goes back by half an hour. (Its skipped half hour on 2026-10-04 is
        // left out: there Calendar moves 02:00-02:25 to the next day; see below.)
        ("Australia/Lord_Howe", "2026-04-05"),
        ("America/Mexico_City", "2026-04-05"), ("Asia/Kolkata", "2026-06-01"),
    ])
    func openingsAgreeWithFoundationsCalendar(_ zone: String, _ date: String) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: zone))
        let day = try #require(BusinessHoursConfiguration.LocalDate(yamlScalar: date))
        let weekday = Weekday.allCases[((day.dayNumber % 7) + 3) % 7]  // 1970-01-01 was a Thursday
        let noon = try #require(
            calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12)))
        let dayBefore = Timestamp(milliseconds: Int64(noon.timeIntervalSince1970 - 86_400) * 1000)
        let midnight = calendar.startOfDay(for: noon)
        for minute in stride(from: 0, to: 1440, by: 5) {
            let range = try #require(BusinessHoursConfiguration.TimeRange(start: minute, end: 1440))
            let hours = BusinessHours(
                configuration: BusinessHoursConfiguration(weekly: .init([weekday: [range]])),
                accountTimeZone: try #require(TimeZoneName(yamlScalar: zone)))
            let expected = try #require(
                calendar.nextDate(
                    after: midnight.addingTimeInterval(-1),
                    matching: DateComponents(hour: minute / 60, minute: minute % 60), matchingPolicy: .nextTime,
                    repeatedTimePolicy: .first, direction: .forward))
            let nextOpen = hours.status(at: dayBefore).nextOpen
            #expect(nextOpen?.milliseconds == Int64(expected.timeIntervalSince1970) * 1000, "\(zone) \(date) \(range)")
        }
    }

    @Test func aSkippedHalfHourOpensWhenTheClockJumps() throws {
        // Lord Howe, 2026-10-04: 02:00 (+10:30) jumps to 02:30 (+11), at 2026-10-03T15:30Z.
        let hours = try businessHours(
            """
              weekly:
                sunday: ["02:15-03:00"]
            """, account: "Australia/Lord_Howe")
        let status = hours.status(at: ts("2026-10-03T15:00:00Z")!)
        #expect(status.nextOpen == ts("2026-10-03T15:30:00Z"))
        #expect(status.nextOpenLocal?.time == "02:30")
        #expect(hours.status(at: ts("2026-10-03T15:30:00Z")!).closesAt == ts("2026-10-03T16:00:00Z"))
    }

    // MARK: - configuration errors

    @Test(arguments: [
        (
            "  weekly: { monday: [\"09:00-14:00\", \"13:00-19:00\"] }",
            "config.yaml:3:37: error: business_hours.weekly.monday[1]: '13:00-19:00' overlaps '09:00-14:00'"
        ),
        (
            "  weekly: { tuesday: [\"25:00-26:00\"] }",
            "config.yaml:3:23: error: business_hours.weekly.tuesday[0]: '25:00' is not a time of day (00:00 to 24:00)"
        ),
        (
            "  weekly: { friday: [\"09:75-10:00\"] }",
            "config.yaml:3:22: error: business_hours.weekly.friday[0]: '09:75' is not a time of day (00:00 to 24:00)"
        ),
        (
            "  weekly: { friday: [\"19:00-09:00\"] }",
            "config.yaml:3:22: error: business_hours.weekly.friday[0]: '19:00-09:00' ends before it starts (a range "
                + "past midnight is written as two: '19:00-24:00' on one day, '00:00-09:00' on the next)"
        ),
        (
            "  weekly: { friday: [\"09:00-09:00\"] }",
            "config.yaml:3:22: error: business_hours.weekly.friday[0]: '09:00-09:00' is empty (the start must be "
                + "before the end)"
        ),
        (
            "  weekly: { sunday: [\"9-14\"] }",
            "config.yaml:3:22: error: business_hours.weekly.sunday[0]: expected a time range such as 09:00-14:00, "
                + "got \"9-14\""
        ),
        (
            "  weekly: { mondey: [\"09:00-14:00\"] }",
            "config.yaml:3:13: error: unknown key 'mondey' in 'business_hours.weekly' (did you mean 'monday'?)"
        ),
        (
            "  holidays: [2026-02-30]",
            "config.yaml:3:14: error: business_hours.holidays[0]: expected a date such as 2026-12-25 (yyyy-MM-dd), "
                + "got \"2026-02-30\""
        ),
        (
            "  holidays: [2026-12-25, { date: 2026-12-24 }, 2026-12-25]",
            "config.yaml:3:48: error: business_hours.holidays[2]: date '2026-12-25' is already listed at "
                + "business_hours.holidays[0]"
        ),
        (
            "  holidays: [{ date: 2026-12-24, hours: [\"09:00-13:00\", \"12:00-14:00\"] }]",
            "config.yaml:3:57: error: business_hours.holidays[0].hours[1]: '12:00-14:00' overlaps '09:00-13:00'"
        ),
        (
            "  holidays: [{ hours: [\"09:00-13:00\"] }]",
            "config.yaml:3:14: error: business_hours.holidays[0]: missing required key 'date'"
        ),
        (
            "  holidays: [{ date: 2026-12-24, hour: [\"09:00-13:00\"] }]",
            "config.yaml:3:34: error: unknown key 'hour' in 'business_hours.holidays[0]' (did you mean 'hours'?)"
        ),
        (
            "  timezone: Mars/Olympus",
            "config.yaml:3:13: error: business_hours.timezone: expected an IANA time zone such as America/Mexico_City, "
                + "or empty for account.timezone, got \"Mars/Olympus\""
        ),
        (
            "  holiday: [2026-12-25]",
            "config.yaml:3:3: error: unknown key 'holiday' in 'business_hours' (did you mean 'holidays'?)"
        ),
    ])
    func configurationErrorsNameTheField(_ section: String, _ message: String) {
        let error = #expect(throws: DiagnosticList.self) { try businessHours(section) }
        #expect(error?.description == message)
    }

    @Test func everyBadDayIsReported() {
        let error = #expect(throws: DiagnosticList.self) {
            try businessHours(
                """
                  weekly:
                    monday: ["09:00-14:00", "10:00-11:00"]
                    tuesday: ["08:00-12:00", "07:00-09:00"]
                """)
        }
        #expect(
            error?.description == """
                config.yaml:4:29: error: business_hours.weekly.monday[1]: '10:00-11:00' overlaps '09:00-14:00'
                config.yaml:5:15: error: business_hours.weekly.tuesday[0]: '08:00-12:00' overlaps '07:00-09:00'
                """)
    }

    /// The shipped config.yaml's hours: Monday–Friday 09:00–19:00, Saturday
    /// 10:00–14:00 in Mexico City, closed on Christmas.
    @Test func theShippedConfigYAMLHoursDecode() throws {
        let shipped = try LoadedConfiguration.load(
            path: repositoryRoot.appendingPathComponent("config.yaml").path, environment: [:], plugins: .builtin)
        let hours = BusinessHours(shipped.configuration)
        #expect(!hours.isAlwaysOpen)
        // Friday 2026-12-04 18:30 in Mexico City: open until 19:00, then Saturday 10:00.
        let friday = hours.status(at: ts("2026-12-05T00:30:00Z")!)
        #expect(friday.open)
        #expect(friday.closesAt == ts("2026-12-05T01:00:00Z"))
        #expect(friday.nextOpenLocal?.time == "10:00")
        #expect(!hours.status(at: ts("2026-12-25T18:00:00Z")!).open)
    }

    @Test func theDocumentedExampleDecodes() throws {
        let hours = try businessHours(
            """
              timezone: America/Mexico_City
              weekly:
                monday:    ["09:00-14:00", "16:00-19:00"]
                tuesday:   ["09:00-19:00"]
                saturday:  ["10:00-14:00"]
              holidays:
                - 2026-12-25
                - { date: 2026-12-24, hours: ["09:00-13:00"] }
            """)
        // Monday 2026-12-07 14:30 local: the lunch break.
        let lunch = hours.status(at: ts("2026-12-07T20:30:00Z")!)
        #expect(!lunch.open)
        #expect(lunch.nextOpen == ts("2026-12-07T22:00:00Z"))
        #expect(lunch.nextOpenLocal?.time == "16:00")
    }
}
