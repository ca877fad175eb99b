import Foundation
import SellifyTestSupport
import Testing

/// Bad input of every kind is a 4xx, never a 5xx, and the server stays healthy.
struct RobustnessTests {
    static let paths = [
        "/api/v1/decisions", "/api/v1/validate", "/api/v1/generate", "/api/v1/messages", "/api/v1/quota/reset",
    ]

    /// One malformed request of kind `index % 12`, as raw bytes.
    static func malformed(_ index: Int, port: Int, rng: inout SeededGenerator) -> (kind: String, bytes: [UInt8]) {
        let path = paths[Int(rng.next() % UInt64(paths.count))]
        let valid = Array(event("wa:f", "f\(index)", "¿cuánto cuesta el Plan Premium?").utf8)
        func post(
            _ body: [UInt8], type: String = "application/json", extra: String = "", target: String? = nil
        ) -> [UInt8] {
            Array(
                "POST \(target ?? path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nAuthorization: Bearer \(TestKey.admin)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\n\(extra)\r\n"
                    .utf8) + body
        }
        switch index % 12 {
        case 0:
            // Random bytes instead of a request.
            return (
                "random bytes", (0..<(1 + Int(rng.next() % 300))).map { _ in UInt8.random(in: 0...255, using: &rng) }
            )
        case 1:
            return ("truncated JSON", post(Array(valid.prefix(Int(rng.next() % UInt64(valid.count - 1))))))
        case 2:
            let bodies = [
                #"{"conversation_id":true,"message_id":"x","text":"a","received_at":"2026-11-30T18:00:00Z"}"#,
                #"{"text":12,"product_ids":"premium-plan"}"#, #"{"template":[],"language":{}}"#,
                #"{"conversation_id":"c","message_id":"m","type":"fax","sent_at":"2026-11-30T18:00:00Z"}"#,
                #"{"window":7}"#,
                #"null"#, #""just a string""#, "[]",
            ]
            return ("wrong types", post(Array(bodies[Int(rng.next() % UInt64(bodies.count))].utf8)))
        case 3:
            let digits = String(repeating: "9", count: 400 + Int(rng.next() % 4000))
            return (
                "huge numbers",
                post(Array(#"{"conversation_id":\#(digits),"message_id":1e999999,"text":-\#(digits).5e-99999}"#.utf8))
            )
        case 4:
            let depth = 33 + Int(rng.next() % 20_000)
            return (
                "deep nesting",
                post(Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8))
            )
        case 5:
            var body = valid
            let at = body.firstIndex(of: "¿".utf8.first!) ?? 40
            body.insert(contentsOf: [0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80], at: at)
            return ("invalid UTF-8", post(body))
        case 6:
            let types = ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/jsonx", ""]
            return ("wrong content type", post(valid, type: types[Int(rng.next() % UInt64(types.count))]))
        case 7:
            let size = 90_000 + Int(rng.next() % 50_000)
            return ("huge header", post(valid, extra: "X-Padding: \(String(repeating: "p", count: size))\r\n"))
        case 8:
            return (
                "huge body",
                post(Array(repeating: UInt8(ascii: " "), count: 70_000 + Int(rng.next() % 100_000)) + valid)
            )
        case 9:
            // A body longer than its Content-Length says, then garbage as a "second request".
            return (
                "lying content length",
                Array(
                    "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer \(TestKey.admin)\r\nContent-Length: 5\r\n\r\n"
                        .utf8) + valid
            )
        case 10:
            let targets = [
                "/api/v1/%ZZ", "/api/v1/conversations/", "/../../etc/passwd", "/api/v1/audit?since=%00&limit=-1",
                "/api/v1/quota?at=\u{7F}",
            ]
            return (
                "bad targets",
                Array(
                    "GET \(targets[Int(rng.next() % UInt64(targets.count))]) HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer \(TestKey.admin)\r\n\r\n"
                        .utf8)
            )
        default:
            let objects = [
                #"{"conversation_id":"c","conversation_id":"d","message_id":"m","text":"t","received_at":"2026-11-30T18:00:00Z"}"#,
                #"{"conversation_id":"","message_id":"m","text":"t","received_at":"2026-11-30T18:00:00Z"}"#,
                #"{"conversation_id":"c","message_id":"m","text":"t","received_at":"2026-13-45T99:00:00Z"}"#,
                #"{"text":"\ud800"}"#, #"{"text":"a\u0000b"}"#,
                "{\"text\":\"\(String(repeating: "x", count: 60_000))\"}",
            ]
            return (
                "bad values",
                post(Array(objects[Int(rng.next() % UInt64(objects.count))].utf8), target: "/api/v1/decisions")
            )
        }
    }

    @Test func thousandMalformedRequestsAreAll4xxAndTheServerStaysHealthy() throws {
        let deployment = try ServerDeployment(edits: [
            ("requests_per_second: 50", "requests_per_second: 100000"), ("burst: 100", "burst: 100000"),
        ])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let client = server.client
        var rng = SeededGenerator(state: 0x5E11_1F7)
        // Warm up, then take the memory baseline.
        for i in 0..<50 {
            _ = try client.json("POST", "/api/v1/decisions", key: TestKey.admin, event("wa:w", "w\(i)", "hola"))
        }
        let baseline = try #require(server.residentKiB)
        var byKind: [String: [Int]] = [:]
        for index in 0..<1000 {
            let (kind, bytes) = Self.malformed(index, port: server.port, rng: &rng)
            let raw = try client.exchange(bytes)
            let response = HTTPTestClient.parse(raw)
            // A response is required; a request the HTTP parser rejects gets a bare 400.
            let status = response?.status ?? 0
            byKind[kind, default: []].append(status)
            #expect(
                (400..<500).contains(status),
                "request \(index) (\(kind)): \(String(decoding: raw.prefix(300), as: UTF8.self))")
            if let response, status >= 400, !response.body.isEmpty,
                response.header("Content-Type")?.hasPrefix("application/json") == true
            {
                #expect(
                    response.errorCode != nil,
                    "request \(index) (\(kind)): error body shape: \(response.text.prefix(300))")
            }
        }
        #expect(byKind.count == 12)
        #expect(try client.request("GET", "/health").status == 200)
        #expect(
            try client.json("POST", "/api/v1/decisions", key: TestKey.admin, event("wa:after", "after", "hola")).status
                == 200)
        let after = try #require(server.residentKiB)
        // Bounded memory: 1,000 bad requests (some of ~150 KB) must not leave more than 64 MiB behind.
        #expect(after - baseline < 64 * 1024, "RSS grew from \(baseline) KiB to \(after) KiB")
        let metrics = try client.request("GET", "/metrics").text
        #expect(
            !metrics.contains("status=\"5"),
            "a 5xx was counted:\n\(metrics.split(separator: "\n").filter { $0.contains("status=\"5") }.joined(separator: "\n"))"
        )
        #expect(server.stop() == 0)
    }
}
