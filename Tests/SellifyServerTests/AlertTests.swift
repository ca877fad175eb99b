import Foundation
import Logging
import SellifyAlertWebhook
import SellifyCore
import SellifyMetrics
import SellifyPluginKit
import Synchronization
import Testing

@testable import SellifyServer

/// A real HTTP receiver on 127.0.0.1: records every request body and answers
/// with the next scripted status (200 when the script is used up).
final class TestReceiver: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let state = Mutex<(bodies: [String], script: [Int])>(([], []))
    private let stopped = Atomic<Bool>(false)

    /// With `holdFirst`, the first request is held (read, not answered) until `releaseFirst()`.
    private let holdFirst: Bool
    private let released = DispatchSemaphore(value: 0)
    func releaseFirst() { released.signal() }

    init(script: [Int] = [], port requested: Int = 0, holdFirst: Bool = false) throws {
        self.holdFirst = holdFirst
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(requested).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            close(listener)
            throw HTTPTestError.connect("receiver bind/listen: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        fd = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        state.withLock { $0.script = script }
        Thread { [self] in self.serve() }.start()
    }

    var bodies: [String] { state.withLock { $0.bodies } }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    private func serve() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(fd, nil, nil)
            if client < 0 { return }
            var data = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 65536)
            var bodyStart: Int?
            var contentLength = 0
            while true {
                let count = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                data += buffer[0..<count]
                if bodyStart == nil, let end = data.firstRange(of: [13, 10, 13, 10]) {
                    bodyStart = end.upperBound
                    let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
                    if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }) {
                        contentLength = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
                if let start = bodyStart, data.count - start >= contentLength { break }
            }
            let body = bodyStart.map { String(decoding: data[$0...], as: UTF8.self) } ?? ""
            let (status, first) = state.withLock { state -> (Int, Bool) in
                state.bodies.append(body)
                return (state.script.isEmpty ? 200 : state.script.removeFirst(), state.bodies.count == 1)
            }
            if first && holdFirst { released.wait() }
            let response = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = response.withCString { write(client, $0, strlen($0)) }
            close(client)
        }
    }

    deinit { if !stopped.load(ordering: .relaxed) { stop() } }
}

/// A port nothing listens on (bound, then closed).
func deadPort() throws -> Int {
    let receiver = try TestReceiver()
    let port = receiver.port
    receiver.stop()
    return port
}

func notification(
    _ n: Int, status: AlertNotification.Status = .firing, severity: AlertEvent.Severity = .critical
) -> AlertNotification {
    AlertNotification(
        status: status,
        alert: AlertEvent(condition: "quota_reached", key: "messages_today", severity: severity, message: "alert \(n)"),
        startsAt: Timestamp(milliseconds: 1_764_525_600_000), account: "demo")
}

func webhookQueue(
    port: Int, format: WebhookAlertSink.Format = .json, retries: Int = 3, capacity: Int = 100, metrics: SellifyMetrics
)
    -> AlertSinkQueue
{
    let configuration = WebhookAlertSink.Configuration(
        url: "http://127.0.0.1:\(port)/hooks/secret", format: format, timeout: .seconds(60), maxRetries: retries,
        backoff: ConfigDuration(milliseconds: 50), queueSize: capacity)
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    return AlertSinkQueue(
        name: "webhook",
        sink: WebhookAlertSink.makeSink(configuration, context: AlertSinkContext(logger: logger, account: "demo")),
        metrics: metrics, logger: logger)
}

func value(_ metrics: SellifyMetrics, _ line: String) -> Double? {
    metrics.exposition().split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap {
        Double($0.split(separator: " ").last!)
    }
}

struct WebhookSinkTests {
    @Test(arguments: WebhookAlertSink.Format.allCases)
    func deliversTheNotificationInEachFormat(_ format: WebhookAlertSink.Format) throws {
        let receiver = try TestReceiver()
        let metrics = SellifyMetrics()
        let sink = webhookQueue(port: receiver.port, format: format, metrics: metrics)
        sink.start()
        defer { sink.stop() }
        sink.enqueue(notification(1))
        #expect(eventually { receiver.bodies.count == 1 })
        let body = try #require(receiver.bodies.first)
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8))
        switch format {
        case .json:
            let object = json as? [String: Any]
            #expect(object?["status"] as? String == "firing")
            #expect(object?["condition"] as? String == "quota_reached")
            #expect(object?["account"] as? String == "demo")
        case .slack:
            #expect(
                ((json as? [String: Any])?["text"] as? String)?.contains(
                    "[FIRING] critical quota_reached (messages_today)") == true)
        case .alertmanager:
            let alert = (json as? [[String: Any]])?.first
            #expect((alert?["labels"] as? [String: String])?["alertname"] == "sellify_quota_reached")
            #expect(alert?["startsAt"] as? String == "2025-11-30T18:00:00Z")
        }
        #expect(eventually { value(metrics, #"sellify_alerts_sent_total{severity="critical"}"#) == 1 })
    }

    @Test func retriesAfterA500() throws {
        let receiver = try TestReceiver(script: [500, 503])
        let metrics = SellifyMetrics()
        let sink = webhookQueue(port: receiver.port, metrics: metrics)
        sink.start()
        defer { sink.stop() }
        sink.enqueue(notification(1))
        #expect(eventually { receiver.bodies.count == 3 })
        #expect(eventually { value(metrics, #"sellify_alerts_sent_total{severity="critical"}"#) == 1 })
        #expect(value(metrics, #"sellify_alert_delivery_failures_total{sink="webhook"}"#) ?? 0 == 0)
    }

    @Test func aClientErrorIsNotRetriedAndCountsAsAFailure() throws {
        let receiver = try TestReceiver(script: [404])
        let metrics = SellifyMetrics()
        let sink = webhookQueue(port: receiver.port, metrics: metrics)
        sink.start()
        defer { sink.stop() }
        sink.enqueue(notification(1))
        #expect(eventually { value(metrics, #"sellify_alert_delivery_failures_total{sink="webhook"}"#) == 1 })
        #expect(receiver.bodies.count == 1)
    }

    @Test func whileTheReceiverHangsTheOldestAreDroppedAndTheNewestDelivered() throws {
        // The receiver holds its first request until the test lets it go (a receiver
        // that is down or overloaded): the sink's thread is stuck on notification 1 meanwhile.
        let receiver = try TestReceiver(holdFirst: true)
        let metrics = SellifyMetrics()
        let sink = webhookQueue(port: receiver.port, retries: 0, capacity: 3, metrics: metrics)
        sink.start()
        defer { sink.stop() }
        sink.enqueue(notification(1))
        #expect(eventually { sink.pending == 0 })  // taken by the delivery thread
        for n in 2...10 { sink.enqueue(notification(n)) }
        #expect(sink.pending == 3)
        #expect(value(metrics, #"sellify_alerts_dropped_total{sink="webhook"}"#) == 6)  // 2…7 dropped, oldest first
        #expect(eventually { receiver.bodies.count == 1 })  // notification 1 is at the receiver, held
        receiver.releaseFirst()
        #expect(eventually { receiver.bodies.count == 4 })
        let delivered = receiver.bodies.compactMap { body in
            (1...10).first { body.contains("\"alert \($0)\"") }
        }
        #expect(delivered == [1, 8, 9, 10])
        #expect(eventually { value(metrics, #"sellify_alerts_sent_total{severity="critical"}"#) == 4 })
    }
}

extension TestReceiver {
    /// A receiver on a given (free) port.
    convenience init(onPort port: Int) throws {
        try self.init(script: [], port: port)
    }
}

struct AlertTrackerTests {
    let t = Timestamp(milliseconds: 1_764_525_600_000)
    func at(_ seconds: Int64) -> Timestamp { Timestamp(milliseconds: t.milliseconds + seconds * 1000) }
    let reached = AlertEvent(condition: "quota_reached", key: "messages_today", severity: .critical, message: "reached")

    @Test func sameAlertIsSentOncePerCooldownAndResolvedOnce() {
        let tracker = AlertTracker(cooldownMilliseconds: 600_000, account: "demo")
        #expect(tracker.raise(reached, at: at(0))?.status == .firing)
        #expect(tracker.raise(reached, at: at(10)) == nil)
        #expect(tracker.raise(reached, at: at(599)) == nil)
        let again = tracker.raise(reached, at: at(600))
        #expect(again?.status == .firing && again?.startsAt == at(0))
        let resolved = tracker.resolve(condition: "quota_reached", at: at(700))
        #expect(resolved.map(\.status) == [.resolved])
        #expect(resolved.first?.endsAt == at(700))
        #expect(tracker.resolve(condition: "quota_reached", at: at(701)).isEmpty)
        #expect(tracker.raise(reached, at: at(702))?.startsAt == at(702))
    }

    @Test func errorAlertsResolveAfterAQuietCooldown() {
        let tracker = AlertTracker(cooldownMilliseconds: 60_000, account: "demo")
        let error = AlertEvent(condition: "rule_error", key: "decision", severity: .critical, message: "boom")
        _ = tracker.raise(error, at: at(0))
        _ = tracker.raise(reached, at: at(0))
        _ = tracker.raise(error, at: at(50))
        #expect(tracker.sweep(at: at(100)).isEmpty)  // seen 50 s ago
        let resolved = tracker.sweep(at: at(110))
        #expect(resolved.map(\.alert.condition) == ["rule_error"])
        #expect(tracker.activeAlerts.map(\.condition) == ["quota_reached"])  // resolves only by its own condition
    }

    @Test func ratioWindowNeedsEnoughEventsAndForgetsOldOnes() {
        let window = RatioWindow(RatioConditionConfiguration())  // 0.2 over 5 min, 20 events at least
        for i in 0..<19 { window.record(failed: i < 10, at: at(Int64(i))) }
        #expect(window.isOver(at: at(20)) == nil)
        window.record(failed: false, at: at(20))
        #expect(window.isOver(at: at(21)) == true)  // 10 of 20
        #expect(window.isOver(at: at(400)) == false)  // all outside the window
    }
}

/// A listener that accepts connections and never answers (a hung receiver).
final class BlackHole: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        listen(listener, 128)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        fd = listener
        port = Int(UInt16(bigEndian: address.sin_port))
    }
    deinit { close(fd) }
}

struct AlertingServerTests {
    @Test func aHungWebhookNeverSlowsDecisions() throws {
        let hole = try BlackHole()
        let deployment = try ServerDeployment(edits: [
            ("  cooldown: 10m ", "  cooldown: 0s "),
            (
                "    - type: log                     # alerts go to the service log\n",
                """
                    - type: log
                    - type: webhook
                      url: http://127.0.0.1:\(hole.port)/hooks/secret-token
                      timeout: 120s
                      max_retries: 3
                      queue_size: 5

                """
            ),
        ])
        // A rule that fails for "boom": every such decision raises a rule_error alert.
        try deployment.edit(
            [
                (
                    "function decide(ctx)\n",
                    """
                    function decide(ctx)
                      if (ctx.event or {}).text == "boom" then error("boom on purpose") end

                    """
                )
            ], file: "rules/decision.lua")
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let started = Date()
        for i in 0..<30 {
            let response = try server.client.json(
                "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:b\(i)", "b\(i)", "boom"))
            #expect(response.status == 200)
            #expect(response.json?["action"] as? String == "Escalate")
        }
        // 30 alerts against a receiver that holds each for 120 s × 4 attempts: waiting
        // for even one would take far longer than this generous bound.
        #expect(Date().timeIntervalSince(started) < 60, "decisions waited for the webhook")
        let metrics = try server.client.request("GET", "/metrics").text
        let dropped = metrics.split(separator: "\n").first {
            $0.hasPrefix(#"sellify_alerts_dropped_total{sink="webhook"}"#)
        }
        #expect(
            (dropped.flatMap { Double($0.split(separator: " ").last!) } ?? 0) >= 20, "\(String(describing: dropped))")
        // The log sink delivered them; the secret in the URL never reaches the log.
        #expect(eventually { server.stderr.contains("alert firing") })
        server.stop()  // the whole log, then: the secret is nowhere in it
        #expect(!server.stderr.contains("secret-token"))
    }
}
