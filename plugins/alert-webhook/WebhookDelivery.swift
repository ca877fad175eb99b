import Foundation
public import SellifyCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One POST of a notification; throws a description of what failed and
/// whether it is worth retrying (network errors, timeouts, 429, 5xx).
public struct WebhookDelivery: Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var retryable: Bool
        public var description: String { message }
    }

    public let configuration: WebhookAlertSink.Configuration
    private let session: URLSession

    public init(configuration: WebhookAlertSink.Configuration) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = Double(configuration.timeout.milliseconds) / 1000
        sessionConfiguration.timeoutIntervalForResource = Double(configuration.timeout.milliseconds) / 1000
        session = URLSession(configuration: sessionConfiguration)
    }

    /// The blocking form, for a sink's own delivery thread: never needs a
    /// Swift concurrency thread, so a busy pool cannot delay alerts.
    public func postBlocking(_ notification: AlertNotification) throws(Failure) {
        let request = try request(for: notification)
        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        let task = session.dataTask(with: request) { _, response, error in
            outcome.set(response: response, error: error)
            done.signal()
        }
        task.resume()
        done.wait()
        let (response, error) = outcome.get()
        if let error {
            throw Failure(
                message: "POST \(Self.redacted(request.url!)): \(error.localizedDescription)", retryable: true)
        }
        try check(response, url: request.url!)
    }

    func request(for notification: AlertNotification) throws(Failure) -> URLRequest {
        guard let url = URL(string: configuration.url) else {
            throw Failure(message: "invalid URL \(configuration.url)", retryable: false)
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("sellify-alerts", forHTTPHeaderField: "User-Agent")
        request.httpBody = Data(WebhookAlertSink.body(notification, format: configuration.format).utf8)
        return request
    }

    func check(_ response: URLResponse?, url: URL) throws(Failure) {
        guard let http = response as? HTTPURLResponse else {
            throw Failure(message: "POST \(Self.redacted(url)): not an HTTP response", retryable: true)
        }
        guard (200..<300).contains(http.statusCode) else {
            throw Failure(
                message: "POST \(Self.redacted(url)): HTTP \(http.statusCode)",
                retryable: http.statusCode == 429 || http.statusCode >= 500)
        }
    }

    /// Scheme, host and port only: webhook paths often carry the secret.
    static func redacted(_ url: URL) -> String {
        "\(url.scheme ?? "http")://\(url.host ?? "?")\(url.port.map { ":\($0)" } ?? "")/…"
    }
}

/// The result of one data task, handed from URLSession's queue to the waiting thread.
private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var response: URLResponse?
    private var error: (any Error)?
    func set(response: URLResponse?, error: (any Error)?) {
        lock.withLock {
            self.response = response
            self.error = error
        }
    }
    func get() -> (URLResponse?, (any Error)?) { lock.withLock { (response, error) } }
}
