import Synchronization

/// The application layer: every use case of Sellify in one place — decide,
/// record an outbound message, validate, word (generate), quota status and
/// reset, conversation and audit lookups, the roll-over tick. The HTTP
/// routes, the CLI commands and the rule tests call it; they only parse,
/// call and encode.
///
/// Every method is synchronous and may block on the store or on Lua: call
/// it off the event loop. After-commit effects leave through the observers
/// (`ServiceEvent`), never by hand in a front end.
public final class DecisionService: Sendable {
    public let store: any DecisionStore
    /// The server's time of day: decisions' `decided_at`, audit records' times, roll-over ticks.
    public let clock: any WallClock
    public let rollovers: RolloverTracker
    /// Opens sealed audit text (`include=sensitive`); nil when no key is configured.
    public let auditKeys: AuditKeyring?
    let observers: [any ServiceObserver]
    /// The generative providers of `ai.providers` (nil: templates only).
    public let gateway: AIGateway?
    private let current: Mutex<EngineSnapshot>

    public init(
        snapshot: EngineSnapshot, store: any DecisionStore, clock: any WallClock, rollovers: RolloverTracker,
        auditKeys: AuditKeyring? = nil, observers: [any ServiceObserver] = [], gateway: AIGateway? = nil
    ) {
        self.gateway = gateway
        current = Mutex(snapshot)
        self.store = store
        self.clock = clock
        self.rollovers = rollovers
        self.auditKeys = auditKeys
        self.observers = observers
    }

    /// The rules snapshot new requests use.
    public var snapshot: EngineSnapshot { current.withLock { $0 } }

    /// Swaps in a reloaded snapshot (requests already running finish on theirs).
    public func install(_ snapshot: EngineSnapshot) {
        current.withLock { $0 = snapshot }
    }

    public func notify(_ event: ServiceEvent) {
        for observer in observers { observer.observe(event) }
    }

    // MARK: - Decide

    /// Decides `event` at the server's `decidedAt` (read once as the event
    /// arrived): the stored decision for a repeated message id, else a new
    /// one, durable before it is returned. `checkingClaims: false` decides
    /// even when `received_at` is further ahead than `server.max_clock_skew`
    /// (the rule tests pin what the rules do with any claim).
    public func decide(
        _ event: MessageEvent, at decidedAt: Timestamp, trace: Bool = false, checkingClaims: Bool = true,
        prepared: PreparedWording? = nil, deferringAIWording: Bool = false
    )
        throws(ServiceError) -> DecisionPipeline.Result
    {
        let snapshot = self.snapshot
        if checkingClaims {
            do {
                try event.receivedAt.checkClaim(
                    field: "received_at", now: decidedAt, maxSkew: snapshot.deployment.configuration.server.maxClockSkew
                )
            } catch {
                throw .invalidField(error.field, error.message)
            }
        }
        let result: DecisionPipeline.Result
        do {
            result = try snapshot.pipeline.decide(
                event, at: decidedAt, trace: trace, prepared: prepared,
                deferringAIWording: deferringAIWording && gateway != nil)
        } catch {
            notify(.storeFailed(error))
            throw .store(error)
        }
        if result.wording != nil { return result }
        if result.replayed {
            // The same message id from another conversation is a connector bug, not a retry.
            if case .object(let stored)? = try? JSONValue.parse(result.bytes),
                case .string(let storedConversation)? = stored["conversation_id"],
                storedConversation != event.conversationID
            {
                var details = JSONObjectWriter()
                details["message_id"] = .string(event.messageID)
                details["stored_conversation_id"] = .string(storedConversation)
                throw ServiceError(
                    .conflict, "idempotency_conflict",
                    "message_id '\(event.messageID)' was already decided for another conversation", details: details)
            }
            return result
        }
        notify(.decided(result))
        if !result.resets.isEmpty, let windows = result.windows {
            let found = result.resets.map { type in
                Rollover(type: type, window: type == .daily ? windows.day : windows.week, observedAt: decidedAt)
            }
            recordRollovers(found, source: .decision)
        }
        return result
    }

    // MARK: - Roll-overs

    /// The clock's look at the quota windows (at start and every few seconds).
    @discardableResult
    public func tick(now: Timestamp? = nil) -> [Rollover] {
        do {
            let now = now ?? clock.now()
            let found = try rollovers.tick(now: now)
            if !found.isEmpty { notify(.rolledOver(found, source: .clock, quotas: try usage(at: now))) }
            return found
        } catch {
            notify(.storeFailed(error))
            return []
        }
    }

    /// Roll-overs a decision revealed: saved (with their audit records), then reported.
    func recordRollovers(_ found: [Rollover], source: RolloverSource) {
        do {
            try rollovers.persist(found)
            notify(.rolledOver(found, source: source, quotas: try usage(at: found[0].observedAt)))
        } catch {
            notify(.storeFailed(error))
        }
    }

    func usage(at time: Timestamp) throws(StoreError) -> [QuotaEngine.Quota: Decision.QuotaStatus] {
        let quota = snapshot.quota
        let windows = quota.calendar.windows(at: time)
        return quota.status(usage: try store.usage(of: quota.counters(windows)), windows)
    }

    // MARK: - Audit outside decisions

    /// Appends records outside a decision, durably, before the caller answers.
    public func appendAudit(_ entries: [AuditEntry]) throws(ServiceError) {
        do {
            try store.appendAudit(entries)
        } catch {
            notify(.storeFailed(error))
            throw .store(error)
        }
        notify(.audited(count: entries.count))
    }

    /// Audit records matching `query`; `sensitive` opens the sealed text,
    /// and that reading is itself on the record (who, what, how much).
    public func auditRecords(
        _ query: AuditQuery, sensitive: Bool, by reader: String, queryText: String
    )
        throws(ServiceError) -> [AuditRecord]
    {
        if sensitive && auditKeys == nil {
            throw ServiceError(
                .unprocessable, "no_audit_key", "no audit key is configured: sealed text cannot be opened")
        }
        let records: [AuditRecord]
        do {
            records = try store.auditRecords(query)
        } catch {
            notify(.storeFailed(error))
            throw .store(error)
        }
        if sensitive {
            var summary = JSONObjectWriter()
            summary["key"] = .string(reader)
            summary["records"] = .int(records.count)
            summary["opened"] = .int(records.filter { $0.sealed != nil }.count)
            summary["first_seq"] = records.first.map { .int(Int($0.sequence)) } ?? .null
            summary["last_seq"] = records.last.map { .int(Int($0.sequence)) } ?? .null
            summary["query"] = .string(queryText)
            try appendAudit([
                AuditEntry(
                    kind: "sensitive_read", at: clock.now(), conversationID: query.conversationID, messageID: nil,
                    summary: summary.string)
            ])
        }
        return records
    }

    // MARK: - Conversations

    public func conversation(id: String) throws(ServiceError) -> ConversationRecord {
        let record: ConversationRecord?
        do {
            record = try store.conversation(id: id)
        } catch {
            notify(.storeFailed(error))
            throw .store(error)
        }
        guard let record else {
            throw ServiceError(.notFound, "conversation_not_found", "no conversation with id '\(id)'")
        }
        return record
    }
}

extension DecisionService {
    /// The application for one deployment outside a server (`sellify decide`,
    /// the rule tests): the same snapshot, roll-over tracking and observers
    /// the server wires, without reloads.
    public static func open(
        _ deployment: Deployment, store: any DecisionStore, clock: any WallClock, hooks: [any StageHook] = [],
        auditKeys: AuditKeyring? = nil, observers: [any ServiceObserver] = []
    ) throws -> DecisionService {
        let rollovers = try RolloverTracker(calendar: deployment.configuration.quotaCalendar, store: store)
        let snapshot = try EngineSnapshot(
            deployment: deployment, store: store, hooks: hooks, scheduler: rollovers.scheduler,
            sequencer: DecisionSequencer(), loadedAt: clock.now())
        return DecisionService(
            snapshot: snapshot, store: store, clock: clock, rollovers: rollovers, auditKeys: auditKeys,
            observers: observers)
    }
}
