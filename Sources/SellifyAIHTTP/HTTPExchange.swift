public import AsyncHTTPClient
import NIOCore
public import NIOHTTP1
public import SellifyCore

/// One request of a generative provider over async-http-client, with the
/// failures every HTTP API shares mapped to `ProviderFailure`: a deadline for
/// the whole exchange, a bounded body, 429 with `Retry-After`, 5xx, 4xx, and
/// connection errors — described without the request's headers (they carry
/// the key).
public enum HTTPExchange {
    /// Longest answer body read; a larger one is `malformed`.
    public static let maxBody = 1 << 20

    public static func send(
        _ request: HTTPClientRequest, client: HTTPClient, timeout: Duration
    )
        async throws(ProviderFailure) -> (status: Int, headers: HTTPHeaders, body: [UInt8])
    {
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let deadline = NIODeadline.now() + .nanoseconds(max(1, nanoseconds))
        do {
            let response = try await client.execute(request, deadline: deadline)
            let body = try await response.body.collect(upTo: maxBody)
            return (Int(response.status.code), response.headers, Array(body.readableBytesView))
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                throw .timeout
            case .remoteConnectionClosed:
                throw .transport("the server closed the connection")
            default:
                throw .transport(String(describing: error))
            }
        } catch is NIOTooManyBytesError {
            throw .malformed("the answer is larger than \(maxBody) bytes")
        } catch let error as ChannelError {
            throw error == .connectTimeout(.zero) ? .timeout : .transport(String(describing: error))
        } catch {
            throw .transport(String(describing: error))
        }
    }

    /// The failure of a non-2xx answer.
    public static func failure(status: Int, headers: HTTPHeaders, message: String) -> ProviderFailure {
        switch status {
        case 429: .rateLimited(retryAfter: retryAfter(headers))
        case 500...599: .unavailable(status: status)
        default: .rejected(status: status, message: message)
        }
    }

    /// `Retry-After` in seconds (an HTTP date is not read: the back-off applies).
    public static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers.first(name: "retry-after"), let seconds = Int(value.trimmingCharacters(in: " ")),
            seconds >= 0
        else { return nil }
        return .seconds(min(seconds, 3600))
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
