import PostgresNIO
import SellifyCore

/// The PostgreSQL store's schema: one named migration per change, applied in
/// order and recorded in `sellify_migrations`. Append new ones at the end;
/// never edit a released one.
enum PostgresSchema {
    /// The migrations' `pg_advisory_lock` key (a namespace, "SELL" in ASCII,
    /// and a number), held for the session while migrating. (Write
    /// transactions lock the `audit_head` row instead: see `PostgresStore`.)
    static let lockNamespace: Int32 = 0x5345_4C4C
    static let migrationLock: Int32 = 1

    static let migrations: [(id: String, sql: String)] = [
        (
            "v1",
            """
            CREATE TABLE conversations (
                id text PRIMARY KEY,
                state text NOT NULL,
                opted_out boolean NOT NULL DEFAULT false,
                inbound_count bigint NOT NULL DEFAULT 0,
                reply_count bigint NOT NULL DEFAULT 0,
                last_inbound_at_ms bigint,
                last_outbound_at_ms bigint,
                -- reply times (ms) within the last hour, a JSON array of integers
                recent_replies text NOT NULL DEFAULT '[]',
                -- what follow-ups resolve against (JSON: products in focus, language, handoff…)
                memory text NOT NULL DEFAULT '{}',
                -- messages deferred by the cooldown (JSON array, sealed with the audit key)
                pending_key_id text,
                pending bytea,
                version bigint NOT NULL
            );
            CREATE INDEX conversations_state ON conversations (state);

            CREATE TABLE quota_counters (
                quota_window text NOT NULL,
                counter text NOT NULL,
                used bigint NOT NULL CHECK (used >= 0),
                PRIMARY KEY (quota_window, counter)
            );

            -- Idempotency: one row per decided message id, the decision's bytes as answered.
            CREATE TABLE decisions (
                message_id text PRIMARY KEY,
                conversation_id text NOT NULL,
                decision bytea NOT NULL,
                created_at_ms bigint NOT NULL
            );

            -- The hash-chained audit log: one chain for every instance.
            CREATE TABLE audit_log (
                seq bigint PRIMARY KEY,
                kind text NOT NULL,
                at_ms bigint NOT NULL,
                conversation_id text,
                message_id text,
                summary text NOT NULL,
                rules_version text,
                input_digest text,
                key_id text,
                sealed bytea,
                prev_hash text NOT NULL,
                hash text NOT NULL
            );
            CREATE INDEX audit_log_at ON audit_log (at_ms);
            CREATE INDEX audit_log_conversation ON audit_log (conversation_id, seq);
            -- Where the chain starts: moved forward by retention purges.
            CREATE TABLE audit_anchor (
                id integer PRIMARY KEY CHECK (id = 1),
                first_seq bigint NOT NULL,
                prev_hash text NOT NULL
            );
            INSERT INTO audit_anchor (id, first_seq, prev_hash) VALUES (1, 1, '\(AuditChain.genesis)');
            -- The last record appended (kept through purges: deleting the newest
            -- records shows as "records are missing at the end").
            CREATE TABLE audit_head (
                id integer PRIMARY KEY CHECK (id = 1),
                seq bigint NOT NULL,
                hash text NOT NULL
            );
            INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\(AuditChain.genesis)');

            -- The quota windows the roll-over scheduler saw last (one row).
            CREATE TABLE scheduler_state (
                id integer PRIMARY KEY CHECK (id = 1),
                day_window text NOT NULL,
                week_window text NOT NULL
            );
            """
        ),
        (
            "v2-instances",
            """
            -- What each instance decides with (heartbeats every 10 s), to show instances that disagree.
            CREATE TABLE sellify_instances (
                name text PRIMARY KEY,
                rules_version text NOT NULL,
                catalog_digest text NOT NULL,
                seen_at_ms bigint NOT NULL
            );
            -- One fingerprint per audit key id: an instance whose key of that id differs is refused.
            CREATE TABLE audit_keys (
                key_id text PRIMARY KEY,
                fingerprint text NOT NULL
            );
            """
        ),
    ]
}
