import HTTPTypes
import Hummingbird
import Logging
import Prometheus
import SellifyCore
import SellifyMetrics
import Synchronization

/// Wraps the router: request ids, the concurrency limit, JSON errors for
/// everything (unknown routes included), HTTP metrics with the route
/// template as `endpoint`, and the access log.
struct SellifyResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == SellifyRequestContext {
    typealias Context = SellifyRequestContext

    let inner: Inner
    let metrics: SellifyMetrics
    let inFlight: InFlightLimiter

    static var requestIDHeader: HTTPField.Name { HTTPField.Name("X-Request-ID")! }

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        let requestID = Self.requestID(from: request)
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(requestID)
        var response: Response
        let limited = request.uri.path.hasPrefix("/api/")
        if limited && !inFlight.enter() {
            response =
                APIError(
                    .serviceUnavailable, "overloaded",
                    "more than server.max_concurrent_requests requests are in flight; retry shortly",
                    headers: [.retryAfter: "1"]
                ).response
        } else {
            do {
                response = try await inner.respond(to: request, context: context)
            } catch let error as APIError {
                response = error.response
            } catch let error as HTTPError {
                response =
                    APIError(error.status, Self.code(for: error.status), error.body ?? error.status.reasonPhrase)
                    .response
            } catch {
                // Only a bug gets here: bad input is answered with a 4xx above.
                context.logger.error("internal error", metadata: ["error": "\(error)"])
                response =
                    APIError(.internalServerError, "internal_error", "internal error (request id \(requestID))")
                    .response
            }
            if limited { inFlight.leave() }
        }
        var endpoint = context.endpointPath ?? "unmatched"
        if endpoint == "NotFound" || response.status == .notFound && context.endpointPath == nil {
            endpoint = "unmatched"
            if response.status == .notFound {
                response =
                    APIError(
                        .notFound, "not_found", "no route for \(request.method.rawValue) \(request.uri.path)"
                    ).response
            }
        }
        response.headers[Self.requestIDHeader] = requestID
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.counter(MetricCatalog.httpRequests, endpoint, String(response.status.code)).increment()
        metrics.histogram(MetricCatalog.httpDuration, endpoint).record(seconds)
        let level: Logger.Level = response.status.code >= 500 ? .error : .debug
        context.logger.log(
            level: level, "request",
            metadata: [
                "method": "\(request.method.rawValue)", "endpoint": "\(endpoint)", "status": "\(response.status.code)",
                "duration_ms": "\(Int(seconds * 1000))",
            ])
        return response
    }

    /// The caller's `X-Request-ID` when it is a sane token (≤ 128 visible
    /// ASCII characters), else a fresh random one.
    static func requestID(from request: Request) -> String {
        if let given = request.headers[requestIDHeader], !given.isEmpty, given.utf8.count <= 128,
            given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            return given
        }
        var generator = SystemRandomNumberGenerator()
        return APIKeyRing.hex((0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 413: "body_too_large"
        case 415: "unsupported_media_type"
        default: status.code < 500 ? "bad_request" : "internal_error"
        }
    }
}

/// At most `limit` API requests at once; the next gets 503 instead of a queue.
final class InFlightLimiter: Sendable {
    let limit: Int
    private let count = Atomic<Int>(0)
    init(limit: Int) { self.limit = limit }

    func enter() -> Bool {
        let now = count.add(1, ordering: .relaxed).newValue
        if now > limit {
            count.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { count.subtract(1, ordering: .relaxed) }
    var current: Int { count.load(ordering: .relaxed) }
}

/// `GET /metrics`: the exposition, text format 0.0.4.
enum MetricsEndpoint {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func response(_ metrics: SellifyMetrics) -> Response {
        Response(
            status: .ok, headers: [.contentType: contentType],
            body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
    }
}
