import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
public import SellifyCore

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

    public func post(_ notification: AlertNotification) async throws(Failure) {
        guard let url = URL(string: configuration.url) else {
            throw Failure(message: "invalid URL \(configuration.url)", retryable: false)
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("sellify-alerts", forHTTPHeaderField: "User-Agent")
        request.httpBody = Data(WebhookAlertSink.body(notification, format: configuration.format).utf8)
        let response: URLResponse
        do {
            (_, response) = try await session.data(for: request)
        } catch {
            throw Failure(message: "POST \(Self.redacted(url)): \(error.localizedDescription)", retryable: true)
        }
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
