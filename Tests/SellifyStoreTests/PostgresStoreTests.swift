import Crypto
import Foundation
import SellifyCore
import SellifyTestSupport
import Synchronization
import Testing

@testable import SellifyStorePostgres

/// What only the PostgreSQL store does: its URL and options, migrations
/// shared by instances, audit keys that must match, heartbeats, and the
/// errors an operator reads. (The contract it shares with SQLite is in
/// StoreConformanceTests.)
@Suite("PostgreSQL store")
struct PostgresStoreTests {
    static func open(_ database: String, keys: AuditKeyring? = nil) throws -> PostgresStore {
        let cluster = try PostgresCluster.shared.get()
        return try PostgresStorePlugin.open(
            url: cluster.url(database: database), options: .init(tls: .disable), auditKeys: keys)
    }

    @Test(
        "URLs name the user, host, port, database or socket",
        arguments: [
            ("postgres://sellify@db.internal:6543/sales", "db.internal:6543", "sellify", "sales", nil as String?),
            ("postgresql://a%40b:p%3Ass@10.0.0.5/x", "10.0.0.5:5432", "a@b", "x", "p:ss"),
            (
                "postgres://sellify@/sales?host=/run/postgresql", "/run/postgresql/.s.PGSQL.5432", "sellify", "sales",
                nil
            ),
        ])
    func urls(url: String, endpoint: String, user: String, database: String, password: String?) throws {
        let parsed = try PostgresURL(url)
        #expect(parsed.endpoint == endpoint)
        #expect(parsed.user == user)
        #expect(parsed.database == database)
        #expect(parsed.password == password)
    }

    @Test(
        "a bad URL names what is wrong",
        arguments: [
            ("", "needs a URL such as postgres://"),
            ("mysql://u@h/db", "expected postgres://user@host:port/database"),
            ("postgres://h:5432/db", "names no user"),
            ("postgres://u@h:5432/", "names no database"),
            ("postgres://u@h:5432/db?sslmode=require&application_name=x", "unknown parameter 'application_name'"),
            ("postgres://u@:5432/db", "names no host"),
        ])
    func badURLs(url: String, message: String) {
        #expect {
            try PostgresURL(url)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func passwordsNeverAppearInMessages() {
        #expect(PostgresStorePlugin.redacted("postgres://u:secret@h/db") == "postgres://u:***@h/db")
        #expect(PostgresStorePlugin.redacted("postgres://u@h/db") == "postgres://u@h/db")
    }

    @Test func optionsAreChecked() {
        #expect(PostgresStorePlugin.validate(.init()) == [])
        let problems = PostgresStorePlugin.validate(
            .init(
                poolSize: 900, passwordEnv: "A", passwordFile: "b", tls: .prefer, tlsCAFile: "ca.pem",
                statementTimeout: .init(milliseconds: 10)))
        #expect(
            problems == [
                "pool_size: at most 500", "password_env and password_file: give one of them",
                "tls_ca_file: only used with tls: verify-full", "statement_timeout: must be at least 100ms",
            ])
    }

    @Test func aMissingPasswordVariableIsNamed() throws {
        let cluster = try PostgresCluster.shared.get()
        #expect {
            try PostgresStorePlugin.open(
                url: cluster.url, options: .init(passwordEnv: "SELLIFY_TEST_NO_SUCH_VARIABLE", tls: .disable),
                auditKeys: nil)
        } throws: { error in
            "\(error)".contains("the environment variable SELLIFY_TEST_NO_SUCH_VARIABLE is not set")
        }
    }

    @Test func anUnreachableServerIsNamedWithItsReason() throws {
        let port = try LocalModelServer.freePort()
        #expect {
            try PostgresStorePlugin.open(
                url: "postgres://sellify@127.0.0.1:\(port)/db", options: .init(tls: .disable), auditKeys: nil)
        } throws: { error in
            let text = "\(error)"
            return text.contains("cannot connect to PostgreSQL at 127.0.0.1:\(port)")
                && text.lowercased().contains("connection refused")
        }
    }

    @Test func tlsRequiredOfAServerWithoutItIsRefused() throws {
        let cluster = try PostgresCluster.shared.get()
        #expect {
            try PostgresStorePlugin.open(url: cluster.url, options: .init(tls: .require), auditKeys: nil)
        } throws: { error in
            "\(error)".contains("does not support TLS")
        }
    }

    @Test func instancesStartingTogetherMigrateOnce() throws {
        let database = try PostgresCluster.shared.get().createDatabase("migrate")
        // Four openers at once, on four threads, on a database with no schema yet.
        let opened = try concurrentlyOpen(4) { try Self.open(database) }
        defer { for store in opened { try? store.close() } }
        for store in opened {
            #expect(try store.appliedMigrations() == PostgresSchema.migrations.map(\.id))
        }
        // Opening again applies nothing.
        #expect(try opened[0].migrate() == [])
    }

    @Test func aDatabaseFromANewerSellifyIsRefused() throws {
        let cluster = try PostgresCluster.shared.get()
        let database = try cluster.createDatabase("newer")
        try Self.open(database).close()
        try cluster.psql("INSERT INTO sellify_migrations (id) VALUES ('v99-future')", database: database)
        #expect {
            try Self.open(database)
        } throws: { error in
            "\(error)".contains("written by a newer Sellify (unknown migrations: v99-future)")
        }
    }

    @Test func everyInstanceMustSealWithTheSameKeys() throws {
        let database = try PostgresCluster.shared.get().createDatabase("keys")
        let first = AuditKeyring(keys: [.init(id: "local", key: SymmetricKey(size: .bits256))])
        try Self.open(database, keys: first).close()
        // The same key again (a second instance, a restart): fine.
        try Self.open(database, keys: first).close()
        // Another key under the same id (each machine generated its own): refused.
        let other = AuditKeyring(keys: [.init(id: "local", key: SymmetricKey(size: .bits256))])
        #expect {
            try Self.open(database, keys: other)
        } throws: { error in
            "\(error)".contains("audit key 'local' is not the key of that id the store's records are sealed with")
        }
        // A new key id (rotation: the new key first, the old one kept) is fine.
        let rotated = AuditKeyring(keys: [.init(id: "k2027", key: SymmetricKey(size: .bits256))] + first.keys)
        try Self.open(database, keys: rotated).close()
    }

    @Test func heartbeatsShowTheOtherInstances() throws {
        let database = try PostgresCluster.shared.get().createDatabase("beat")
        let store = try Self.open(database)
        defer { try? store.close() }
        let t = Timestamp(milliseconds: 1_800_000_000_000)
        let a = InstanceReport(name: "a:1", rulesVersion: "sha256:aa", catalogDigest: "c1", seenAt: t)
        let b = InstanceReport(name: "b:2", rulesVersion: "sha256:bb", catalogDigest: "c1", seenAt: t)
        #expect(try store.heartbeat(a, othersSince: t) == [])
        #expect(try store.heartbeat(b, othersSince: t) == [a])
        // Later: a reported long ago is no longer among the live ones.
        let later = Timestamp(milliseconds: t.milliseconds + 60_000)
        var b2 = b
        b2.seenAt = later
        #expect(try store.heartbeat(b2, othersSince: Timestamp(milliseconds: later.milliseconds - 30_000)) == [])
    }

    @Test func instancesShareACounterUpToItsCeilingWithoutRefusingEachOther() throws {
        let database = try PostgresCluster.shared.get().createDatabase("ceiling")
        let a = try Self.open(database)
        let b = try Self.open(database)
        defer {
            try? a.close()
            try? b.close()
        }
        // Both instances read used = 0.
        let readA = try a.state(conversationID: "ca", counters: [messages])
        let readB = try b.state(conversationID: "cb", counters: [messages])
        var first = decisionCommit(message: "m-a", conversation: "ca", read: readA, consume: [messages: 1])
        first.usageCeilings = [messages: 2]
        #expect(try a.commit(first) == .committed)
        // B's read is stale (0, now 1) but the counter has room under the ceiling.
        var second = decisionCommit(message: "m-b", conversation: "cb", read: readB, consume: [messages: 1])
        second.usageCeilings = [messages: 2]
        #expect(try b.commit(second) == .committed)
        // A third on the same stale read would pass the ceiling: refused, nothing written.
        var third = decisionCommit(message: "m-c", conversation: "cc", read: readB, consume: [messages: 1])
        third.usageCeilings = [messages: 2]
        #expect(try b.commit(third) == .conflict)
        #expect(try a.usage(of: [messages]) == [messages: 2])
        // Without ceilings a stale counter is a conflict, as on every store.
        let stale = decisionCommit(message: "m-d", conversation: "cd", read: readA)
        #expect(try a.commit(stale) == .conflict)
    }

    @Test func twoInstancesWithFourDecidersEachStopExactlyAtTheLimit() throws {
        let database = try PostgresCluster.shared.get().createDatabase("limit")
        let instances = [try Self.open(database), try Self.open(database)]
        defer { for store in instances { try? store.close() } }
        let limit = 40
        let committed = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            let store = instances[thread % 2]
            for index in 0..<20 {
                for _ in 0..<DecisionPipeline.maxAttempts {
                    guard let read = try? store.state(conversationID: "c\(thread)", counters: [messages]),
                        let used = read.usage[messages], used < limit
                    else { return }
                    var commit = decisionCommit(
                        message: "t\(thread)-\(index)", conversation: "c\(thread)", read: read, consume: [messages: 1])
                    commit.usageCeilings = [messages: limit]
                    if (try? store.commit(commit)) == .committed {
                        committed.withLock { $0 += 1 }
                        break
                    }
                }
            }
        }
        #expect(try instances[0].usage(of: [messages]) == [messages: limit])
        #expect(committed.withLock { $0 } == limit)
        #expect(try instances[1].verifyAudit(batchSize: 1000).records == limit)
    }

    /// Opens `count` stores on `count` threads started together.
    func concurrentlyOpen(
        _ count: Int, _ open: @escaping @Sendable () throws -> PostgresStore
    ) throws
        -> [PostgresStore]
    {
        let group = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var results: [Result<PostgresStore, any Error>] = Array(
            repeating: .failure(StoreError("not run")), count: count)
        let lock = NSLock()
        for index in 0..<count {
            group.enter()
            Thread {
                start.wait()
                let result = Result { try open() }
                lock.withLock { results[index] = result }
                group.leave()
            }.start()
        }
        for _ in 0..<count { start.signal() }
        group.wait()
        return try results.map { try $0.get() }
    }
}
