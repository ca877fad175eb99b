import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decodes `Decodable` types from YAML, reporting every error of a file at once with
/// compiler-style messages (`config.yaml:17:12: error: quotas.limits.messages_per_day: …`).
public struct YAMLDecoder: Sendable {
    /// Made available to the types being decoded as `decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    /// The environment of this process — the default for `${VAR}` substitution.
    public static var processEnvironment: [String: String] {
        ProcessInfo.processInfo.environment
    }

    /// Parses `text` (one YAML document) and decodes it.
    public func decode<T: Decodable>(
        _ type: T.Type,
        from text: String,
        file: String,
        environment: [String: String] = YAMLDecoder.processEnvironment
    ) throws(DiagnosticList) -> T {
        let node = try YAMLParser.parse(text, file: file, environment: environment)
        return try decode(type, from: node, file: file)
    }

    /// Decodes an already parsed tree; `nil` stands for an empty file. `codingPathPrefix`
    /// (e.g. `metrics.exporters[0]`) is where `node` sits in its file: messages read
    /// `metrics.exporters[0].port: …` and `unknown key 'x' in 'metrics.exporters[0]'`.
    public func decode<T: Decodable>(
        _ type: T.Type,
        from node: YAMLNode?,
        file: String,
        codingPathPrefix: String = ""
    ) throws(DiagnosticList) -> T {
        var info: [CodingUserInfoKey: Any] = [:]
        for (key, value) in userInfo { info[key] = value }
        let context = DecodingContext(file: file, userInfo: info, fileIsEmpty: node == nil)
        let root =
            node ?? YAMLNode(kind: .scalar("", style: .plain), location: SourceLocation(file: file, line: 1, column: 1))
        let value: T?
        do {
            value = try context.decodeValue(
                T.self, node: root, path: codingPathPrefix.isEmpty ? [] : [RawPathKey(codingPathPrefix)])
        } catch {
            value = nil
        }
        if !context.diagnostics.isEmpty {
            throw DiagnosticList(context.diagnostics).sortedAndDeduplicated()
        }
        guard let value else {
            throw DiagnosticList([Diagnostic(location: root.location, message: "cannot decode \(T.self)")])
        }
        return value
    }

    /// Reads, parses and decodes the file at `path`. Messages name the file `displayName`
    /// (default: `path`); a read failure is `config.yaml: error: cannot read file: <reason>`.
    public func decode<T: Decodable>(
        _ type: T.Type,
        contentsOf path: String,
        displayName: String? = nil,
        environment: [String: String] = YAMLDecoder.processEnvironment
    ) throws(DiagnosticList) -> T {
        let name = displayName ?? path
        let bytes: [UInt8]
        switch readFile(atPath: path) {
        case .success(let contents):
            bytes = contents
        case .failure(let reason):
            throw DiagnosticList([
                Diagnostic(
                    location: SourceLocation(file: name, line: 0),
                    message: "cannot read file: \(reason.message)")
            ])
        }
        let node = try YAMLParser.parse(bytes: bytes, file: name, environment: environment)
        return try decode(type, from: node, file: name)
    }
}

struct FileReadError: Error {
    let message: String
}

/// The whole file, or the `strerror` text of the failure.
func readFile(atPath path: String) -> Result<[UInt8], FileReadError> {
    func failure() -> Result<[UInt8], FileReadError> {
        .failure(FileReadError(message: String(cString: strerror(errno))))
    }
    guard let file = fopen(path, "rb") else { return failure() }
    defer { fclose(file) }
    var contents: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count > 0 { contents.append(contentsOf: chunk[0..<count]) }
        if count < chunk.count {
            if ferror(file) != 0 { return failure() }
            break
        }
    }
    return .success(contents)
}
