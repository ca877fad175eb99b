import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A response as read off the socket.
struct HTTPTestResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (nil when it is not one).
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// The `code` of an error body of the exact shape `{"error":{"code","message"[,"details"]}}`,
    /// or nil when the body has any other shape.
    var errorCode: String? {
        guard let json, json.count == 1, let error = json["error"] as? [String: Any],
            let code = error["code"] as? String, let message = error["message"] as? String, !message.isEmpty,
            Set(error.keys).isSubset(of: ["code", "message", "details"])
        else { return nil }
        if let details = error["details"], !(details is [String: Any]) { return nil }
        return code
    }
}

enum HTTPTestError: Error, CustomStringConvertible {
    case connect(String)
    case noResponse(String)
    var description: String {
        switch self {
        case .connect(let m): "connect: \(m)"
        case .noResponse(let m): "no response: \(m)"
        }
    }
}

/// A deliberately small HTTP/1.1 client over a POSIX socket: one request per
/// connection (`Connection: close`), so tests can also send bytes no real
/// client would (garbage, huge headers, invalid UTF-8).
struct HTTPTestClient: Sendable {
    let port: Int
    var timeoutSeconds = 30

    func request(
        _ method: String, _ path: String, key: String? = nil, headers: [(String, String)] = [],
        body: [UInt8]? = nil, contentType: String? = "application/json"
    ) throws -> HTTPTestResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let key { head += "Authorization: Bearer \(key)\r\n" }
        if let body {
            if let contentType { head += "Content-Type: \(contentType)\r\n" }
            head += "Content-Length: \(body.count)\r\n"
        }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return try send(Array(head.utf8) + (body ?? []))
    }

    func json(_ method: String, _ path: String, key: String?, _ object: String) throws -> HTTPTestResponse {
        try request(method, path, key: key, body: Array(object.utf8))
    }

    /// Sends raw bytes, reads until the server closes, parses one response.
    func send(_ bytes: [UInt8]) throws -> HTTPTestResponse {
        let raw = try exchange(bytes)
        guard let response = Self.parse(raw) else {
            throw HTTPTestError.noResponse("\(raw.count) bytes: \(String(decoding: raw.prefix(200), as: UTF8.self))")
        }
        return response
    }

    func exchange(_ bytes: [UInt8]) throws -> [UInt8] {
        let connection = try HTTPTestConnection(port: port, timeoutSeconds: timeoutSeconds)
        connection.write(bytes)
        return connection.readToEnd()
    }

    /// Sends the head and `sentBytes` of `body` of a POST and leaves the rest
    /// unsent: the request is in the server's hands (its handler waits for the
    /// body) until the test calls `finish()` on the returned connection.
    func startPartialRequest(
        _ method: String, _ path: String, key: String?, body: String, sentBytes: Int
    ) throws -> PartialRequest {
        let bytes = Array(body.utf8)
        precondition(sentBytes < bytes.count, "a partial request leaves part of its body unsent")
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let key { head += "Authorization: Bearer \(key)\r\n" }
        head += "Content-Type: application/json\r\nContent-Length: \(bytes.count)\r\n\r\n"
        let connection = try HTTPTestConnection(port: port, timeoutSeconds: timeoutSeconds)
        connection.write(Array(head.utf8) + bytes[..<sentBytes])
        return PartialRequest(connection: connection, rest: Array(bytes[sentBytes...]))
    }
}

/// A request whose body is only partly sent (see `startPartialRequest`).
struct PartialRequest: Sendable {
    let connection: HTTPTestConnection
    let rest: [UInt8]

    /// Sends the rest of the body and reads the response.
    func finish() throws -> HTTPTestResponse {
        connection.write(rest)
        let raw = connection.readToEnd()
        guard let response = HTTPTestClient.parse(raw) else {
            throw HTTPTestError.noResponse("\(raw.count) bytes: \(String(decoding: raw.prefix(200), as: UTF8.self))")
        }
        return response
    }
}

/// One TCP connection to 127.0.0.1, closed when released.
final class HTTPTestConnection: Sendable {
    let fd: Int32

    init(port: Int, timeoutSeconds: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPTestError.connect("socket: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw HTTPTestError.connect("port \(port): errno \(code)")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a server that already answered and closed must not SIGPIPE the tests.
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            // The server may answer (e.g. 413, 400) and close before reading everything.
            if written <= 0 { break }
            offset += written
        }
    }

    /// Reads until the server closes (or the receive timeout).
    func readToEnd() -> [UInt8] {
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        return response
    }
}

extension HTTPTestClient {
    static func parse(_ raw: [UInt8]) -> HTTPTestResponse? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = raw.firstRange(of: separator) else { return nil }
        let head = String(decoding: raw[..<end.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Array(raw[end.upperBound...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased() == "chunked" }) {
            body = dechunk(body)
        } else if let length = headers.first(where: { $0.0.lowercased() == "content-length" }).flatMap({ Int($0.1) }) {
            body = Array(body.prefix(length))
        }
        return HTTPTestResponse(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < data.count {
            guard let lineEnd = data[index...].firstRange(of: [13, 10]) else { break }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            out += data[start..<min(start + size, data.count)]
            index = start + size + 2
        }
        return out
    }
}
