public import AsyncHTTPClient
import FoundationEssentials
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

    /// POSTs `body` as JSON to `url` with `headers` (the credential among
    /// them) and returns the 2xx answer's body; any other status is the
    /// failure it stands for, with the API's own `error.message` (both
    /// Chat Completions and Messages put it there).
    public static func postJSON(
        _ body: some Encodable, to url: String, headers: [(String, String)], client: HTTPClient, timeout: Duration
    ) async throws(ProviderFailure) -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let encoded: Data
        do { encoded = try JSONEncoder().encode(body) } catch { throw .malformed("cannot encode the request") }
        request.body = .bytes(ByteBuffer(bytes: encoded))
        let (status, responseHeaders, bytes) = try await send(request, client: client, timeout: timeout)
        guard (200..<300).contains(status) else {
            throw failure(status: status, headers: responseHeaders, message: errorMessage(bytes))
        }
        return bytes
    }

    struct ErrorAnswer: Decodable {
        struct Detail: Decodable { var message: String? }
        var error: Detail?
    }

    /// The API's `error.message`, or the body's start (200 characters at most).
    static func errorMessage(_ bytes: [UInt8]) -> String {
        if let error = try? JSONDecoder().decode(ErrorAnswer.self, from: Data(bytes)),
            let message = error.error?.message
        {
            return String(message.prefix(200))
        }
        return String(String(decoding: bytes.prefix(200), as: UTF8.self))
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

/// The checks every HTTP provider's options share, in `sellify check`'s
/// words: a URL, a model, one way to the key, bounded sampling, and no
/// credential among the extra headers.
public enum HTTPProviderOptions {
    public static func problems(
        baseURL: String, model: String, apiKeyEnv: String?, apiKeyFile: String?, maxTokens: Int,
        temperature: Double, maxTemperature: Double, headers: [String: String], credentialHeaders: Set<String>
    ) -> [String] {
        var problems: [String] = []
        if !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            problems.append("base_url: expected an http:// or https:// URL, got '\(baseURL)'")
        }
        if model.isEmpty { problems.append("model: expected a model name") }
        if apiKeyEnv != nil && apiKeyFile != nil {
            problems.append("api_key_env: give the key by api_key_env or by api_key_file, not both")
        }
        if !(1...8192).contains(maxTokens) { problems.append("max_tokens: expected 1…8192") }
        if !(0...maxTemperature).contains(temperature) {
            problems.append("temperature: expected 0…\(Int(maxTemperature))")
        }
        for name in headers.keys.sorted() where credentialHeaders.contains(name.lowercased()) {
            problems.append("headers.\(name): a credential goes in api_key_env or api_key_file, never in config")
        }
        return problems
    }

    /// `base_url` without its trailing slashes, then `path`.
    public static func endpoint(_ baseURL: String, _ path: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}
