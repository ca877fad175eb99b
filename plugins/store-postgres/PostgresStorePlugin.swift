import Foundation
import NIOSSL
import PostgresNIO
public import SellifyCore
public import SellifyPluginKit

/// `store.postgres`: quotas, conversations, idempotency records and the
/// audit chain in one PostgreSQL database, shared by every `sellify serve`
/// behind a load balancer.
///
/// ```yaml
/// store:
///   type: postgres
///   url: postgres://sellify@db.internal:5432/sellify
///   password_env: SELLIFY_DB_PASSWORD
///   pool_size: 10
///   tls: require
/// ```
public enum PostgresStorePlugin: StorePlugin {
    public static let id = PluginID(kind: "store", name: "postgres")

    /// How the connection uses TLS (libpq's `sslmode`, the useful subset).
    public enum TLSMode: String, ConfigEnum, Equatable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without checking its certificate.
        case prefer
        /// TLS always, without checking the certificate (encryption only).
        case require
        /// TLS always; the certificate must chain to `tls_ca_file` (or the
        /// system's roots) and name the host.
        case verifyFull = "verify-full"
    }

    public struct Configuration: Decodable, Sendable, Equatable {
        /// Connections per instance (decisions commit over one at a time; reads use the rest).
        public var poolSize: Int
        /// The password from this environment variable (else `password_file`, else the URL's).
        public var passwordEnv: String?
        /// The password from this file (first line), relative to the config file.
        public var passwordFile: String?
        public var tls: TLSMode
        /// PEM file of the CA that signed the server's certificate (`verify-full`).
        public var tlsCAFile: String?
        /// Longest a statement may run (the server's `statement_timeout`; the client gives up 2 s later).
        public var statementTimeout: ConfigDuration
        public var connectTimeout: ConfigDuration
        /// Longest a caller waits for a free connection of the pool.
        public var poolTimeout: ConfigDuration

        public init(
            poolSize: Int = 10, passwordEnv: String? = nil, passwordFile: String? = nil, tls: TLSMode = .prefer,
            tlsCAFile: String? = nil, statementTimeout: ConfigDuration = .seconds(5),
            connectTimeout: ConfigDuration = .seconds(5), poolTimeout: ConfigDuration = .seconds(5)
        ) {
            self.poolSize = poolSize
            self.passwordEnv = passwordEnv
            self.passwordFile = passwordFile
            self.tls = tls
            self.tlsCAFile = tlsCAFile
            self.statementTimeout = statementTimeout
            self.connectTimeout = connectTimeout
            self.poolTimeout = poolTimeout
        }

        enum CodingKeys: String, CodingKey {
            case poolSize = "pool_size", passwordEnv = "password_env", passwordFile = "password_file", tls
            case tlsCAFile = "tls_ca_file", statementTimeout = "statement_timeout"
            case connectTimeout = "connect_timeout", poolTimeout = "pool_timeout"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            poolSize = try c.decode(PositiveInt.self, .poolSize, default: 10)
            passwordEnv = try c.decodeIfPresent(String.self, forKey: .passwordEnv)
            passwordFile = try c.decodeIfPresent(String.self, forKey: .passwordFile)
            tls = try c.decode(.tls, default: .prefer)
            tlsCAFile = try c.decodeIfPresent(String.self, forKey: .tlsCAFile)
            statementTimeout = try c.decode(.statementTimeout, default: .seconds(5))
            connectTimeout = try c.decode(.connectTimeout, default: .seconds(5))
            poolTimeout = try c.decode(.poolTimeout, default: .seconds(5))
        }
    }

    public static func validate(_ configuration: Configuration) -> [String] {
        var problems: [String] = []
        if configuration.poolSize > 500 { problems.append("pool_size: at most 500") }
        if configuration.passwordEnv != nil, configuration.passwordFile != nil {
            problems.append("password_env and password_file: give one of them")
        }
        if configuration.tlsCAFile != nil, configuration.tls != .verifyFull {
            problems.append("tls_ca_file: only used with tls: verify-full")
        }
        for (name, value) in [
            ("statement_timeout", configuration.statementTimeout), ("connect_timeout", configuration.connectTimeout),
            ("pool_timeout", configuration.poolTimeout),
        ] where value.milliseconds < 100 {
            problems.append("\(name): must be at least 100ms")
        }
        return problems
    }

    public static func openStore(
        _ configuration: Configuration, context: StoreContext
    ) throws(PluginError) -> any DecisionStore {
        try open(
            url: context.configuration.url ?? "", options: configuration, auditKeys: context.auditKeys,
            resolve: context.resolve)
    }

    /// Opens (and migrates) the store at `url` — also what `sellify store
    /// copy --to URL` writes to.
    public static func open(
        url: String, options configuration: Configuration = Configuration(), auditKeys: AuditKeyring?,
        resolve: (String) -> String = { $0 }
    ) throws(PluginError) -> PostgresStore {
        let target = try PostgresURL(url)
        let password = try password(configuration, url: target.password, resolve: resolve)
        var connection: PostgresConnection.Configuration
        if let socket = target.socketPath {
            connection = .init(
                unixSocketPath: socket, username: target.user, password: password, database: target.database)
        } else {
            connection = .init(
                host: target.host, port: target.port, username: target.user, password: password,
                database: target.database, tls: try tls(configuration, resolve: resolve))
        }
        connection.options.connectTimeout = .milliseconds(configuration.connectTimeout.milliseconds)
        do {
            return try PostgresStore(
                configuration: .init(
                    connection: connection, endpoint: target.endpoint, poolSize: configuration.poolSize,
                    statementTimeout: configuration.statementTimeout.duration,
                    poolTimeout: configuration.poolTimeout.duration, auditKeys: auditKeys))
        } catch {
            throw PluginError(error.message)
        }
    }

    /// `url` with its password replaced by `***`, for messages and reports.
    public static func redacted(_ url: String) -> String { PostgresURL.redacted(url) }

    private static func password(
        _ configuration: Configuration, url: String?, resolve: (String) -> String
    ) throws(PluginError) -> String? {
        if let name = configuration.passwordEnv {
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw PluginError("password_env: the environment variable \(name) is not set")
            }
            return value
        }
        if let file = configuration.passwordFile {
            let path = resolve(file)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw PluginError("password_file: cannot read '\(path)'")
            }
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !line.isEmpty else { throw PluginError("password_file: '\(path)' is empty") }
            return line
        }
        return url
    }

    private static func tls(
        _ configuration: Configuration, resolve: (String) -> String
    ) throws(PluginError) -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch configuration.tls {
        case .disable:
            return .disable
        case .prefer, .require:
            tls.certificateVerification = .none
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            if let file = configuration.tlsCAFile {
                let path = resolve(file)
                do {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
                } catch {
                    throw PluginError("tls_ca_file: cannot read the certificates in '\(path)': \(error)")
                }
            }
        }
        let sslContext: NIOSSLContext
        do {
            sslContext = try NIOSSLContext(configuration: tls)
        } catch {
            throw PluginError("tls: cannot set up TLS: \(error)")
        }
        return configuration.tls == .prefer ? .prefer(sslContext) : .require(sslContext)
    }
}

/// `postgres://user[:password]@host[:port]/database`, or a Unix socket's
/// folder as `postgres://user@/database?host=/run/postgresql`.
struct PostgresURL: Equatable {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    /// The socket file (`<folder>/.s.PGSQL.<port>`) when `host` is a folder.
    var socketPath: String?

    var endpoint: String { socketPath ?? "\(host):\(port)" }

    init(_ text: String) throws(PluginError) {
        guard !text.isEmpty else {
            throw PluginError("url: a PostgreSQL store needs a URL such as postgres://sellify@localhost:5432/sellify")
        }
        guard let parts = URLComponents(string: text), let scheme = parts.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw PluginError("url: expected postgres://user@host:port/database, got \"\(Self.redacted(text))\"")
        }
        guard let user = parts.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw PluginError("url: names no user (postgres://USER@host/database)")
        }
        self.user = user
        password = parts.percentEncodedPassword?.removingPercentEncoding
        port = parts.port ?? 5432
        guard (1...65535).contains(port) else { throw PluginError("url: port \(port) is out of range") }
        let name = String(parts.path.drop(while: { $0 == "/" }))
        guard !name.isEmpty, !name.contains("/") else {
            throw PluginError("url: names no database (postgres://user@host:port/DATABASE)")
        }
        database = name.removingPercentEncoding ?? name
        let query = parts.queryItems ?? []
        for item in query where !["host", "sslmode"].contains(item.name) {
            throw PluginError(
                "url: unknown parameter '\(item.name)' (only host=<socket folder>; TLS is the store's tls option)")
        }
        if let folder = query.first(where: { $0.name == "host" })?.value, folder.hasPrefix("/") {
            host = folder
            socketPath = (folder as NSString).appendingPathComponent(".s.PGSQL.\(port)")
        } else if let hostName = parts.host, !hostName.isEmpty {
            host = hostName
            socketPath = nil
        } else {
            throw PluginError("url: names no host (postgres://user@HOST:port/database)")
        }
    }

    /// The URL with its password replaced, for messages.
    static func redacted(_ text: String) -> String {
        guard var parts = URLComponents(string: text), parts.password != nil else { return text }
        parts.password = "***"
        return parts.string ?? "postgres://***"
    }
}
