import Foundation
import SellifyCore
import SellifyStore
import Testing

/// The roll-over scheduler with an injected clock: DST changes in three
/// zones, a restart spanning a roll-over, a clock that jumps backwards.
struct RolloverTests {
    /// Local date by Foundation's calendar — independent of QuotaCalendar's own arithmetic.
    static func localDate(_ t: Timestamp, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents(
            [.year, .month, .day], from: Date(timeIntervalSince1970: Double(t.milliseconds) / 1000))
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    static func isMonday(_ t: Timestamp, _ zone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.component(.weekday, from: Date(timeIntervalSince1970: Double(t.milliseconds) / 1000)) == 2
    }

    static func tracker(_ zone: String, store: any DecisionStore) throws -> RolloverTracker {
        try RolloverTracker(
            calendar: QuotaCalendar(timeZone: TimeZone(identifier: zone)!, weekStart: .monday), store: store)
    }

    @Test(arguments: [
        ("America/New_York", "2026-03-08T12:00:00Z"),  // spring forward: 23-hour day
        ("America/New_York", "2026-11-01T12:00:00Z"),  // fall back: 25-hour day
        ("Europe/Madrid", "2026-03-29T12:00:00Z"),
        ("Europe/Madrid", "2026-10-25T12:00:00Z"),
        ("America/Mexico_City", "2026-04-05T12:00:00Z"),  // no DST since 2022: an ordinary Sunday
        ("America/Mexico_City", "2026-11-01T12:00:00Z"),
    ])
    func exactlyOneRolloverPerLocalMidnightAcrossDST(_ zone: String, _ change: String) throws {
        let timeZone = TimeZone(identifier: zone)!
        let tracker = try Self.tracker(zone, store: try SQLiteStore.inMemory())
        let center = Timestamp(rfc3339: change)!
        var dailies: [Rollover] = []
        var weeklies: [Rollover] = []
        var expectedDays = 0
        var expectedWeeks = 0
        var previous: Timestamp?
        // Every 10 minutes for four days around the change.
        for step in stride(from: -2 * 144, through: 2 * 144, by: 1) {
            let now = Timestamp(milliseconds: center.milliseconds + Int64(step) * 600_000)
            let rollovers = try tracker.tick(now: now)
            dailies += rollovers.filter { $0.type == .daily }
            weeklies += rollovers.filter { $0.type == .weekly }
            if let previous, Self.localDate(previous, timeZone) != Self.localDate(now, timeZone) {
                expectedDays += 1
                if Self.isMonday(now, timeZone) { expectedWeeks += 1 }
            }
            previous = now
        }
        #expect(dailies.count == expectedDays)
        #expect(expectedDays == 4)
        #expect(weeklies.count == expectedWeeks)
        for rollover in dailies {
            // Seen on the first tick of the new local day, named by it.
            #expect(rollover.window == "day:" + Self.localDate(rollover.observedAt, timeZone))
            let before = Timestamp(milliseconds: rollover.observedAt.milliseconds - 600_000)
            #expect(Self.localDate(before, timeZone) != Self.localDate(rollover.observedAt, timeZone))
        }
    }

    @Test func aRestartSpanningMidnightCountsTheRolloverOnceAndRecordsIt() throws {
        try withTemporaryDirectory { folder in
            let path = folder + "/s.db"
            let zone = "America/Mexico_City"  // UTC-6
            do {
                let store = try SQLiteStore(configuration: .init(path: path))
                let before = try Self.tracker(zone, store: store)
                // 23:50 local, Nov 29
                #expect(try before.tick(now: Timestamp(rfc3339: "2026-11-30T05:50:00Z")!).isEmpty)
                try store.close()
            }
            // Down over midnight; the new process starts at 00:10 local.
            let store = try SQLiteStore(configuration: .init(path: path))
            let after = try Self.tracker(zone, store: store)
            let rollovers = try after.tick(now: Timestamp(rfc3339: "2026-11-30T06:10:00Z")!)
            #expect(rollovers.map(\.type) == [.daily, .weekly])  // Monday Nov 30
            #expect(rollovers.map(\.window) == ["day:2026-11-30", "week:2026-W49"])
            // Another restart the same day: nothing new.
            let again = try Self.tracker(zone, store: store)
            #expect(try again.tick(now: Timestamp(rfc3339: "2026-11-30T06:20:00Z")!).isEmpty)
            let audit = try store.auditRecords(AuditQuery(kind: "quota_rollover", limit: 10))
            #expect(
                audit.map(\.entry.summary) == [
                    #"{"reset_type":"daily","trigger":"rollover","window":"day:2026-11-30"}"#,
                    #"{"reset_type":"weekly","trigger":"rollover","window":"week:2026-W49"}"#,
                ])
            #expect(try store.verifyAudit(batchSize: 100).isIntact)
        }
    }

    @Test func aClockJumpingBackwardsNeitherRepeatsNorInventsARollover() throws {
        let tracker = try Self.tracker("Europe/Madrid", store: try SQLiteStore.inMemory())
        func tick(_ time: String) throws -> [QuotaScheduler.ResetType] {
            try tracker.tick(now: Timestamp(rfc3339: time)!).map(\.type)
        }
        #expect(try tick("2026-12-01T22:50:00Z").isEmpty)  // 23:50 local, Dec 1 (seeds)
        #expect(try tick("2026-12-01T23:10:00Z") == [.daily])  // 00:10 Dec 2
        #expect(try tick("2026-12-01T22:55:00Z").isEmpty)  // the clock jumped back to Dec 1
        #expect(try tick("2026-12-01T23:15:00Z").isEmpty)  // Dec 2 again: already counted
        #expect(try tick("2026-12-02T23:05:00Z") == [.daily])  // Dec 3
    }
}

/// A scratch folder removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let directory = try TemporaryDirectory()
    return try body(directory.url.path)
}
