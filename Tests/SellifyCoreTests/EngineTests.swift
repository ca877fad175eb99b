import Foundation
import SellifyCore
import Testing

func ts(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

struct TimestampTests {
    @Test(arguments: [
        ("2026-11-29T20:15:00Z", "2026-11-29T20:15:00Z"),
        ("2026-11-29T14:15:00-06:00", "2026-11-29T20:15:00Z"),
        ("2026-11-29T20:15:00.250Z", "2026-11-29T20:15:00.250Z"),
        ("2024-02-29T00:00:00+01:00", "2024-02-28T23:00:00Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
    ])
    func parsesAndPrints(_ input: String, _ canonical: String) {
        #expect(Timestamp(rfc3339: input)?.description == canonical)
    }

    @Test(arguments: [
        "2026-11-29", "2026-11-29 20:15:00Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-29T25:00:00Z", "2026-11-29T20:15:00", "2026-11-29T20:15:00+0600", "yesterday", "",
    ])
    func rejects(_ input: String) {
        #expect(Timestamp(rfc3339: input) == nil)
    }
}

struct QuotaCalendarTests {
    let mexico = QuotaCalendar(timeZone: TimeZone(identifier: "America/Mexico_City")!)
    let newYork = QuotaCalendar(timeZone: TimeZone(identifier: "America/New_York")!)

    @Test(arguments: [
        // Mexico City is UTC-6 all year (no DST since 2022).
        ("2026-11-30T05:59:59Z", "day:2026-11-29", "week:2026-W48"),
        ("2026-11-30T06:00:00Z", "day:2026-11-30", "week:2026-W49"),  // local Monday 00:00: new day and week
        ("2027-01-01T05:59:59Z", "day:2026-12-31", "week:2026-W53"),
        ("2027-01-04T06:00:00Z", "day:2027-01-04", "week:2027-W01"),
    ])
    func windowsRollAtLocalMidnight(_ at: String, _ day: String, _ week: String) {
        let windows = mexico.windows(at: ts(at))
        #expect(windows.day == day)
        #expect(windows.week == week)
    }

    @Test func daylightSavingTimeMovesMidnight() {
        // New York: EST (UTC-5) until 2026-03-08 02:00, then EDT (UTC-4).
        #expect(newYork.windows(at: ts("2026-03-08T04:59:59Z")).day == "day:2026-03-07")
        #expect(newYork.windows(at: ts("2026-03-08T05:00:00Z")).day == "day:2026-03-08")
        #expect(newYork.windows(at: ts("2026-03-09T03:59:59Z")).day == "day:2026-03-08")  // EDT now
        #expect(newYork.windows(at: ts("2026-03-09T04:00:00Z")).day == "day:2026-03-09")
        // Back to EST on 2026-11-01: that local day has 25 hours.
        #expect(newYork.windows(at: ts("2026-11-02T04:59:59Z")).day == "day:2026-11-01")
        #expect(newYork.windows(at: ts("2026-11-02T05:00:00Z")).day == "day:2026-11-02")
    }

    @Test func localTimeAndWeekday() {
        let local = mexico.local(ts("2026-11-29T20:15:00Z"))
        #expect(local.date == "2026-11-29")
        #expect(local.time == "14:15")
        #expect(local.weekday == 7)  // Sunday
    }

    @Test func weekCanStartOnSunday() {
        let calendar = QuotaCalendar(timeZone: TimeZone(identifier: "UTC")!, weekStart: .sunday)
        #expect(calendar.windows(at: ts("2026-11-28T23:59:59Z")).week == "week:2026-11-22")
        #expect(calendar.windows(at: ts("2026-11-29T00:00:00Z")).week == "week:2026-11-29")
        #expect(calendar.windows(at: ts("2026-12-05T12:00:00Z")).week == "week:2026-11-29")
    }

    @Test func schedulerReportsEachRolloverOnce() {
        let scheduler = QuotaScheduler()
        #expect(scheduler.observe(mexico.windows(at: ts("2026-11-29T20:00:00Z"))) == [])
        #expect(scheduler.observe(mexico.windows(at: ts("2026-11-29T21:00:00Z"))) == [])
        #expect(scheduler.observe(mexico.windows(at: ts("2026-11-30T06:00:00Z"))) == [.daily, .weekly])
        // A late event from the day before is not a roll-over back.
        #expect(scheduler.observe(mexico.windows(at: ts("2026-11-29T23:00:00Z"))) == [])
        #expect(scheduler.observe(mexico.windows(at: ts("2026-12-01T06:00:00Z"))) == [.daily])
    }
}

struct QuotaEngineTests {
    let calendar = QuotaCalendar(timeZone: TimeZone(identifier: "UTC")!)
    var engine: QuotaEngine {
        var limits = QuotaLimits()
        limits.messagesPerDay = 3
        limits.imagesPerDay = 1
        return QuotaEngine(limits: limits, calendar: calendar, warnRatio: 0.8)
    }

    @Test func responsesConsumeMessagesAndTheirMedia() {
        let w = calendar.windows(at: ts("2026-11-29T10:00:00Z"))
        #expect(engine.consumption(for: .ignore, w).isEmpty)
        #expect(
            engine.consumption(for: .respondText, w) == [
                QuotaCounterKey(window: w.day, counter: .messages): 1,
                QuotaCounterKey(window: w.week, counter: .messages): 1,
            ])
        #expect(engine.consumption(for: .respondImage, w)[QuotaCounterKey(window: w.day, counter: .images)] == 1)
        #expect(engine.consumption(for: .respondVideo, w)[QuotaCounterKey(window: w.week, counter: .videos)] == 1)
    }

    @Test(arguments: [(2, nil), (3, QuotaEngine.Quota.messagesToday)] as [(Int, QuotaEngine.Quota?)])
    func exactlyAtTheLimitIsTheLastOne(_ used: Int, _ blocked: QuotaEngine.Quota?) {
        let w = calendar.windows(at: ts("2026-11-29T10:00:00Z"))
        let usage = [QuotaCounterKey(window: w.day, counter: .messages): used]
        #expect(engine.exceeded(by: .respondText, usage: usage, w) == blocked)
        #expect(engine.exceeded(by: .escalate, usage: usage, w) == nil)
    }

    @Test func imageQuotaBlocksOnlyImages() {
        let w = calendar.windows(at: ts("2026-11-29T10:00:00Z"))
        let usage = [QuotaCounterKey(window: w.day, counter: .images): 1]
        #expect(engine.exceeded(by: .respondImage, usage: usage, w) == .imagesToday)
        #expect(engine.exceeded(by: .respondText, usage: usage, w) == nil)
    }
}

struct RateLimitEngineTests {
    var engine: RateLimitEngine {
        var cooldown = CooldownConfiguration()
        cooldown.minInterval = .seconds(10)
        cooldown.maxRepliesPerHour = 3
        return RateLimitEngine(configuration: cooldown)
    }

    @Test func minimumIntervalBetweenReplies() {
        var record = ConversationRecord(id: "c", state: "new")
        record.lastOutboundAt = ts("2026-11-29T10:00:00Z")
        record.recentReplies = [ts("2026-11-29T10:00:00Z")]
        let soon = engine.status(of: record, at: ts("2026-11-29T10:00:04Z"))
        #expect(soon.active)
        #expect(soon.secondsLeft == 6)
        #expect(soon.reason == "min_interval")
        #expect(!engine.status(of: record, at: ts("2026-11-29T10:00:10Z")).active)
    }

    @Test func maximumRepliesPerRollingHour() {
        var record = ConversationRecord(id: "c", state: "new")
        record.recentReplies = ["09:10", "09:30", "09:50"].map { ts("2026-11-29T\($0):00Z") }
        record.lastOutboundAt = record.recentReplies.last
        let full = engine.status(of: record, at: ts("2026-11-29T10:05:00Z"))
        #expect(full.active)
        #expect(full.reason == "max_replies_per_hour")
        #expect(full.secondsLeft == 300)  // until 09:10 leaves the hour at 10:10
        #expect(!engine.status(of: record, at: ts("2026-11-29T10:10:00Z")).active)
    }

    @Test func aNewConversationIsNeverCoolingDown() {
        #expect(!engine.status(of: nil, at: ts("2026-11-29T10:00:00Z")).active)
    }
}

struct ConversationEngineTests {
    let engine = ConversationEngine(configuration: ConversationConfiguration())

    @Test func policyProposesEngineEnforces() {
        var record = engine.receive(nil, conversationID: "c", at: ts("2026-11-29T10:00:00Z"))
        #expect(record.state == "new")
        #expect(record.inboundCount == 1)
        #expect(engine.propose("interested", to: &record))
        #expect(record.state == "interested")
        #expect(!engine.propose("new", to: &record))  // not in transitions.interested
        #expect(record.state == "interested")
        #expect(engine.propose("opted_out", to: &record))
        #expect(record.optedOut)
        #expect(!engine.propose("greeting", to: &record))  // opted_out: []
    }

    @Test func repliesAreCountedAndPruned() {
        var record = ConversationRecord(id: "c", state: "new")
        engine.recordReply(to: &record, at: ts("2026-11-29T09:00:00Z"))
        engine.recordReply(to: &record, at: ts("2026-11-29T09:30:00Z"))
        engine.recordReply(to: &record, at: ts("2026-11-29T10:05:00Z"))
        #expect(record.replyCount == 3)
        #expect(record.recentReplies == [ts("2026-11-29T09:30:00Z"), ts("2026-11-29T10:05:00Z")])
    }
}

struct MessageEventTests {
    static let good =
        #"{"conversation_id":"wa:1","message_id":"m1","type":"text","text":"hola","received_at":"2026-11-29T20:15:00Z"}"#

    @Test func parsesAGoodEvent() throws {
        let event = try MessageEvent.parse(json: Array(Self.good.utf8), maxTextLength: 100)
        #expect(event.conversationID == "wa:1")
        #expect(event.receivedAt == ts("2026-11-29T20:15:00Z"))
    }

    @Test(arguments: [
        (#"{"message_id":"m1","text":"hola","received_at":"2026-11-29T20:15:00Z"}"#, "conversation_id: missing"),
        (
            #"{"conversation_id":"","message_id":"m1","text":"hola","received_at":"2026-11-29T20:15:00Z"}"#,
            "conversation_id: must not be empty"
        ),
        (
            #"{"conversation_id":"c","message_id":"m1","text":"   ","received_at":"2026-11-29T20:15:00Z"}"#,
            "text: must not be empty for a text message"
        ),
        (
            #"{"conversation_id":"c","message_id":"m1","text":"aaaaaaaaaaa","received_at":"2026-11-29T20:15:00Z"}"#,
            "text: longer than 10 characters"
        ),
        (
            #"{"conversation_id":"c","message_id":"m1","type":"gif","text":"x","received_at":"2026-11-29T20:15:00Z"}"#,
            "type: unknown message type 'gif' (expected one of text, image, audio, video, sticker, location, contact, reaction)"
        ),
        (
            #"{"conversation_id":"c","message_id":"m1","text":"x","received_at":"yesterday"}"#,
            "received_at: expected an RFC 3339 timestamp such as 2026-11-29T20:15:00Z, got \"yesterday\""
        ),
        (
            #"{"conversation_id":7,"message_id":"m1","text":"x","received_at":"2026-11-29T20:15:00Z"}"#,
            "conversation_id: expected a string, got a number"
        ),
        (
            #"{"conversation_id":"c","message_id":"m1","text":"x","received_at":"2026-11-29T20:15:00Z","extra":1}"#,
            "extra: unknown field"
        ),
        (#"{"conversation_id":"c","message_id":"m1","text":"x""#, "invalid JSON: unexpected end of input at byte 51"),
        (#"[1,2]"#, "expected a JSON object (a message event)"),
    ])
    func badEventsAreRefusedNamingTheField(_ json: String, _ message: String) {
        let error = #expect(throws: EventError.self) {
            try MessageEvent.parse(json: Array(json.utf8), maxTextLength: 10)
        }
        #expect(error?.description == message)
    }
}

struct JSONTests {
    @Test(arguments: [
        ("{\"a\":1,\"a\":2}", "duplicate key 'a' at byte 11"),
        ("[[[[1]]]]", "nested deeper than 3 levels at byte 3"),
        ("\"\\ud800\"", "unpaired surrogate at byte 7"),
        ("{\"a\" 1}", "expected ':' at byte 5"),
        ("01", "unexpected data after the JSON value at byte 1"),
    ])
    func strictParser(_ json: String, _ message: String) {
        let error = #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(json.utf8), maxDepth: 3) }
        #expect(error?.message == message)
    }

    @Test func invalidUTF8IsRejected() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(bytes) }
    }

    @Test func writerSortsKeysAndEscapes() {
        var o = JSONObjectWriter()
        o["zeta"] = .int(1)
        o["alpha"] = .string("a\"b\n\u{01}é")
        o["mid"] = .array([.bool(true), .null])
        #expect(o.string == #"{"alpha":"a\"b\n\u0001é","mid":[true,null],"zeta":1}"#)
    }
}

/// Two requests of one conversation can be stamped in one order and
/// sequenced in the other (a few milliseconds apart): pacing never opens
/// because a reply was recorded later than the time being judged.
struct ClockOrderTests {
    var engine: RateLimitEngine {
        var cooldown = CooldownConfiguration()
        cooldown.minInterval = .seconds(10)
        cooldown.maxRepliesPerHour = 2
        return RateLimitEngine(configuration: cooldown)
    }

    @Test func aReplyRecordedAfterTheTimeJudgedIsStillACooldown() {
        var record = ConversationRecord(id: "c", state: "new")
        record.lastOutboundAt = ts("2026-11-29T10:00:00.050Z")
        record.recentReplies = [record.lastOutboundAt!]
        let status = engine.status(of: record, at: ts("2026-11-29T10:00:00Z"))
        #expect(status.active)
        #expect(status.reason == "min_interval")
        #expect(status.secondsLeft == 10)
    }

    @Test func laterRepliesCountInTheRollingHour() {
        var record = ConversationRecord(id: "c", state: "new")
        record.recentReplies = [ts("2026-11-29T10:00:00Z"), ts("2026-11-29T10:30:00Z")]
        record.lastOutboundAt = record.recentReplies.last
        let status = engine.status(of: record, at: ts("2026-11-29T10:20:00Z"))
        #expect(status.active)
        #expect(status.repliesLastHour == 2)
    }

    @Test func conversationTimesNeverMoveBackwards() {
        let conversations = ConversationEngine(configuration: ConversationConfiguration())
        var record = conversations.receive(nil, conversationID: "c", at: ts("2026-11-29T10:00:01Z"))
        record = conversations.receive(record, conversationID: "c", at: ts("2026-11-29T10:00:00Z"))
        #expect(record.lastInboundAt == ts("2026-11-29T10:00:01Z"))
        conversations.recordReply(to: &record, at: ts("2026-11-29T10:00:01Z"))
        conversations.recordReply(to: &record, at: ts("2026-11-29T10:00:00Z"))
        #expect(record.lastOutboundAt == ts("2026-11-29T10:00:01Z"))
        #expect(record.recentReplies == [ts("2026-11-29T10:00:00Z"), ts("2026-11-29T10:00:01Z")])
    }
}
