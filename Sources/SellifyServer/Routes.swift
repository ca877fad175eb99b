import Foundation
public import HTTPTypes
import Hummingbird
import Logging
public import SellifyCore
import SellifyMetrics
import SellifyYAML
import Prometheus

/// One route of the API: method, path template, the scope it needs (nil =
/// public) and its handler. `SellifyServer.routes` is the one table the
/// router is built from (and that the OpenAPI test compares with openapi.yaml).
public struct Route: Sendable {
    public var method: HTTPRequest.Method
    public var path: String
    public var scope: Scope?
    let handler: @Sendable (Request, SellifyRequestContext) async throws -> Response

    /// `GET /api/v1/quota`: how the route is written in openapi.yaml too.
    public var operation: String { "\(method.rawValue) \(path)" }
}

extension SellifyServer {
    /// Every route, in the order of SPEC §6.
    public var routes: [Route] {
        var routes = [
            Route(method: .get, path: "/health", scope: nil) { _, _ in self.health() },
            Route(method: .get, path: "/ready", scope: nil) { _, _ in try await self.ready() },
        ]
        if metricsOnAPIListener {
            routes.append(Route(method: .get, path: "/metrics", scope: nil) { _, _ in self.metricsResponse() })
        }
        routes += [
            Route(method: .get, path: "/openapi.yaml", scope: nil) { _, _ in self.openAPI() },
            Route(method: .post, path: "/api/v1/decisions", scope: .decide) { r, c in try await self.decide(r, c) },
            Route(method: .post, path: "/api/v1/validate", scope: .decide) { r, c in try await self.validate(r, c) },
            Route(method: .post, path: "/api/v1/generate", scope: .decide) { r, c in try await self.generate(r, c) },
            Route(method: .post, path: "/api/v1/messages", scope: .decide) { r, c in try await self.outbound(r, c) },
            Route(method: .get, path: "/api/v1/quota", scope: .read) { r, c in try await self.quota(r, c) },
            Route(method: .post, path: "/api/v1/quota/reset", scope: .admin) { r, c in try await self.resetQuota(r, c) },
            Route(method: .get, path: "/api/v1/conversations/{id}", scope: .read) { r, c in try await self.conversation(r, c) },
            Route(method: .get, path: "/api/v1/audit", scope: .read) { r, c in try await self.audit(r, c) },
            Route(method: .get, path: "/api/v1/rules", scope: .read) { r, c in self.rulesStatus() },
            Route(method: .post, path: "/api/v1/rules/reload", scope: .admin) { r, c in try await self.reloadRules(r, c) },
        ]
        return routes
    }

    func buildRouter() -> Router<SellifyRequestContext> {
        let router = Router(context: SellifyRequestContext.self)
        for route in routes {
            let scope = route.scope
            let handler = route.handler
            router.on(RouterPath(route.path), method: route.method) { request, context in
                var context = context
                if let scope { context.apiKey = try self.authorize(request, scope: scope) }
                return try await handler(request, context)
            }
        }
        return router
    }

    // MARK: - Auth and rate limits

    /// 401 without a key or with an unknown one, 403 without the scope,
    /// 429 over the key's rate.
    func authorize(_ request: Request, scope: Scope) throws -> APIKeyEntry {
        let presented: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError(.unauthorized, "unauthorized", "Authorization must be 'Bearer <key>'",
                               headers: [.wwwAuthenticate: "Bearer"])
            }
            presented = String(parts[1]).trimmingCharacters(in: .whitespaces)
        } else {
            presented = request.headers[HTTPField.Name("X-API-Key")!]
        }
        guard let presented, !presented.isEmpty else {
            throw APIError(.unauthorized, "unauthorized", "an API key is required (Authorization: Bearer <key> or X-API-Key)",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let key = keys.authenticate(presented) else {
            throw APIError(.unauthorized, "unauthorized", "unknown API key", headers: [.wwwAuthenticate: "Bearer"])
        }
        guard key.scopes.contains(scope) else {
            throw APIError(.forbidden, "forbidden", "the key '\(key.name)' lacks the '\(scope.rawValue)' scope")
        }
        if let retryAfter = limiter.acquire(key.name) {
            throw APIError(
                .tooManyRequests, "rate_limited",
                "the key '\(key.name)' is over rate_limit.requests_per_second; retry after \(retryAfter)s",
                headers: [.retryAfter: String(retryAfter)])
        }
        return key
    }

    // MARK: - Public

    func health() -> Response {
        var body = JSONObjectWriter()
        body["status"] = .string("ok")
        body["version"] = .string(SellifyVersion.current)
        return JSONResponse.make(.ok, body)
    }

    func ready() async throws -> Response {
        let engine = engine.snapshot
        var checks = JSONObjectWriter()
        var ready = !isDraining
        var rules = JSONObjectWriter()
        rules["version"] = .string(engine.deployment.rules.version)
        let status = self.engine.currentStatus
        rules["status"] = .string(status.staleSince == nil ? "ok" : "degraded")
        if let failure = status.lastError, status.staleSince != nil {
            rules["last_error"] = .array(failure.diagnostics.map { .string($0.description) })
        }
        checks["rules"] = .object(rules)
        var config = JSONObjectWriter()
        config["status"] = .string("ok")
        checks["config"] = .object(config)
        var store = JSONObjectWriter()
        do {
            let snapshotStore = self.store
            try await blocking.run { try snapshotStore.ping() }
            store["status"] = .string("ok")
        } catch {
            ready = false
            store["status"] = .string("error")
            store["message"] = .string("\(error)")
        }
        checks["store"] = .object(store)
        var body = JSONObjectWriter()
        body["checks"] = .object(checks)
        if isDraining {
            body["status"] = .string("shutting_down")
        } else {
            body["status"] = .string(ready ? (status.staleSince == nil ? "ready" : "degraded") : "not_ready")
        }
        return JSONResponse.make(ready ? .ok : .serviceUnavailable, body)
    }

    func metricsResponse() -> Response {
        MetricsEndpoint.response(metrics)
    }

    func openAPI() -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml + "\n")))
    }

    // MARK: - Decide

    func decide(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        // The decision's time is the server's, read once as the request arrives.
        let decidedAt = clock.now()
        let bytes = try await body.bytes(request)
        let engine = engine.snapshot
        let configuration = engine.deployment.configuration
        let event: MessageEvent
        do {
            event = try MessageEvent.parse(
                json: bytes, maxTextLength: configuration.validation.maxLength * 4, maxDepth: body.maxDepth)
            try event.receivedAt.checkClaim(
                field: "received_at", now: decidedAt, maxSkew: configuration.server.maxClockSkew)
        } catch {
            if error.field.isEmpty { throw APIError.malformedJSON(error.message) }
            throw APIError.invalidField(error.field, error.message)
        }
        let trace = request.uri.queryParameters["trace"].map { $0 == "true" || $0 == "1" } ?? false
        let result: DecisionPipeline.Result
        do {
            result = try await blocking.run { try engine.pipeline.decide(event, at: decidedAt, trace: trace) }
        } catch let error as StoreError {
            if configuration.alerts.conditions.storeErrors {
                alerts.raise([AlertEvent(condition: "store_error", key: "store", severity: .critical, message: error.message)])
            }
            throw APIError.store(error)
        }
        metrics.record(result, quota: engine.pipeline.quota)
        if let decision = result.decision, !result.replayed { self.engine.recordHit(decision.rule) }
        alerts.raise(result.alerts)
        if let validation = result.validation { alerts.recordValidation(valid: validation.valid) }
        if !result.resets.isEmpty {
            let windows = engine.pipeline.calendar.windows(at: decidedAt)
            let found = result.resets.map { type in
                Rollover(type: type, window: type == .daily ? windows.day : windows.week, observedAt: decidedAt)
            }
            await observeRollovers(now: decidedAt, source: "decision", found: found)
        }
        var headers: HTTPFields = [:]
        if result.replayed {
            // The same message id from another conversation is a connector bug, not a retry.
            if case .object(let stored)? = try? JSONValue.parse(result.bytes),
               case .string(let storedConversation)? = stored["conversation_id"], storedConversation != event.conversationID
            {
                var details = JSONObjectWriter()
                details["message_id"] = .string(event.messageID)
                details["stored_conversation_id"] = .string(storedConversation)
                throw APIError(
                    .conflict, "idempotency_conflict",
                    "message_id '\(event.messageID)' was already decided for another conversation", details: details)
            }
            headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
        }
        return JSONResponse.make(.ok, bytes: result.bytes, headers: headers)
    }

    // MARK: - Validate and generate

    func validate(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let fields = try Fields(try await body.object(request), allowed: ["text", "product_ids"])
        let text = try fields.requiredString("text")
        let engine = engine.snapshot
        let products = try products(fields.strings("product_ids"), field: "product_ids", engine: engine)
        let result = try await runValidation(text, products: products, engine: engine)
        var summary = JSONObjectWriter()
        summary["valid"] = .bool(result.valid)
        summary["violations"] = .array(result.violations.map { .string($0.code) })
        summary["product_ids"] = .array(products.map { .string($0.id) })
        summary["by"] = .string(context.apiKey?.name ?? "")
        var sensitive = JSONObjectWriter()
        sensitive["text"] = .string(text)
        try await audit(AuditEntry(
            kind: "validation", at: clock.now(), conversationID: nil, messageID: nil, summary: summary.string,
            rulesVersion: engine.deployment.rules.version, sensitive: sensitive.string))
        return JSONResponse.make(.ok, result.jsonObject)
    }

    func products(_ ids: [String], field: String, engine: EngineSnapshot) throws -> [Product] {
        try ids.map { id in
            guard let product = engine.deployment.catalog.product(id: id) else {
                throw APIError.invalidField(field, "unknown product '\(id)'")
            }
            return product
        }
    }

    func runValidation(_ text: String, products: [Product], engine: EngineSnapshot) async throws -> ValidationResult {
        let result: ValidationResult
        do {
            result = try await blocking.run { try engine.validator.validate(text, products: products, context: nil) }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.unprocessableContent, "rule_error", "the validation rules failed: \(error)")
        }
        metrics.counter(MetricCatalog.validationResults, result.valid ? "valid" : "invalid").increment()
        let forbidden = result.violations.filter { $0.code == "forbidden_word" || $0.code == "forbidden_pattern" }
        if !forbidden.isEmpty { metrics.counter(MetricCatalog.forbiddenWords).increment(by: Int64(forbidden.count)) }
        return result
    }

    /// The provider words an answer (the `template` provider renders
    /// `rules/templates.yaml`), the validator checks it, and an invalid text
    /// is re-asked up to `ai.max_retries` times; still invalid → 422.
    func generate(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let fields = try Fields(try await body.object(request), allowed: ["template", "product_id", "language"])
        let template = try fields.requiredString("template")
        let engine = engine.snapshot
        let product = try fields.string("product_id").map { try products([$0], field: "product_id", engine: engine)[0] }
        let language = try fields.string("language") ?? engine.responses.defaultLanguage
        guard let variants = engine.deployment.rules.templates.texts[template] else {
            throw APIError.invalidField("template", "unknown template '\(template)' (see rules/templates.yaml)")
        }
        guard variants[language] != nil else {
            throw APIError.invalidField(
                "language", "template '\(template)' has no '\(language)' text (it has \(variants.keys.sorted().joined(separator: ", ")))")
        }
        let attempts = engine.deployment.configuration.ai.maxRetries + 1
        var last: ValidationResult?
        for attempt in 1...attempts {
            let started = ContinuousClock.now
            let text: String
            do {
                text = try engine.responses.render(template: template, language: language, product: product)
                metrics.counter(MetricCatalog.aiRequests, "ok").increment()
                alerts.recordAI(ok: true)
            } catch {
                metrics.counter(MetricCatalog.aiRequests, "error").increment()
                alerts.recordAI(ok: false)
                throw APIError(.unprocessableContent, "generation_failed", error.description)
            }
            let elapsed = ContinuousClock.now - started
            metrics.histogram(MetricCatalog.aiGenerationDuration).record(
                Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
            let result = try await runValidation(text, products: product.map { [$0] } ?? [], engine: engine)
            alerts.recordValidation(valid: result.valid)
            var summary = JSONObjectWriter()
            summary["template"] = .string(template)
            summary["language"] = .string(language)
            summary["attempt"] = .int(attempt)
            summary["valid"] = .bool(result.valid)
            summary["provider"] = .string(engine.deployment.configuration.ai.provider)
            if let product { summary["product_id"] = .string(product.id) }
            var sensitive = JSONObjectWriter()
            sensitive["text"] = .string(text)
            try await audit(AuditEntry(
                kind: "generation", at: clock.now(), conversationID: nil, messageID: nil, summary: summary.string,
                rulesVersion: engine.deployment.rules.version, sensitive: sensitive.string))
            if result.valid {
                var body = JSONObjectWriter()
                body["text"] = .string(text)
                body["template"] = .string(template)
                body["language"] = .string(language)
                body["provider"] = .string(engine.deployment.configuration.ai.provider)
                body["attempts"] = .int(attempt)
                body["valid"] = .bool(true)
                if let product { body["product_id"] = .string(product.id) }
                return JSONResponse.make(.ok, body)
            }
            last = result
        }
        var details = last?.jsonObject ?? JSONObjectWriter()
        details["attempts"] = .int(attempts)
        throw APIError(
            .unprocessableContent, "validation_failed",
            "the generated text failed validation after \(attempts) attempt(s)", details: details)
    }

    /// Appends one record outside a decision (validations, generations), durably, before answering.
    func audit(_ entry: AuditEntry) async throws {
        let store = self.store
        do {
            try await blocking.run { try store.appendAudit([entry]) }
        } catch let error as StoreError {
            throw APIError.store(error)
        }
        metrics.counter(MetricCatalog.auditLogs).increment()
    }

    // MARK: - Outbound messages

    /// A message a person sent outside a decision: it counts toward the
    /// quotas (409 `quota_exhausted` when it would exceed one), updates the
    /// conversation, and is audited; idempotent by `message_id`.
    func outbound(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let recordedAt = clock.now()
        let fields = try Fields(
            try await body.object(request),
            allowed: ["conversation_id", "message_id", "type", "sent_at", "sent_by", "check_quota"])
        let checkQuota: Bool
        switch fields.values["check_quota"] {
        case nil, .null?: checkQuota = false
        case .bool(let value)?: checkQuota = value
        case let other?: throw APIError.invalidField("check_quota", "expected a boolean, got \(other.kindDescription)")
        }
        let conversationID = try fields.requiredString("conversation_id")
        let messageID = try fields.requiredString("message_id")
        for (name, id) in [("conversation_id", conversationID), ("message_id", messageID)]
        where id.utf8.count > MessageEvent.maxIDLength {
            throw APIError.invalidField(name, "longer than \(MessageEvent.maxIDLength) bytes")
        }
        let typeName = try fields.string("type") ?? "text"
        let action: Action
        switch typeName {
        case "text": action = .respondText
        case "image": action = .respondImage
        case "video": action = .respondVideo
        default: throw APIError.invalidField("type", "expected text, image or video, got '\(typeName)'")
        }
        guard let sentAt = try fields.timestamp("sent_at") else { throw APIError.invalidField("sent_at", "missing") }
        let sentBy = try fields.string("sent_by")
        let engine = engine.snapshot
        do {
            try sentAt.checkClaim(
                field: "sent_at", now: recordedAt, maxSkew: engine.deployment.configuration.server.maxClockSkew)
        } catch {
            throw APIError.invalidField(error.field, error.message)
        }
        let outcome: OutboundOutcome
        do {
            outcome = try await blocking.run {
                try Self.recordOutbound(
                    engine: engine, conversationID: conversationID, messageID: messageID, action: action, type: typeName,
                    sentAt: sentAt, recordedAt: recordedAt, sentBy: sentBy, checkQuota: checkQuota)
            }
        } catch let error as StoreError {
            throw APIError.store(error)
        }
        switch outcome {
        case .recorded(let bytes, let status):
            metrics.counter(MetricCatalog.auditLogs).increment()
            metrics.setQuotaGauges(status)
            for (quota, value) in status where value.used > value.limit {
                metrics.counter(MetricCatalog.quotaLimitReached, quota.rawValue).increment()
            }
            return JSONResponse.make(.ok, bytes: bytes)
        case .replayed(let bytes):
            return JSONResponse.make(.ok, bytes: bytes, headers: [HTTPField.Name("Idempotent-Replayed")!: "true"])
        case .exhausted(let quota, let status):
            metrics.counter(MetricCatalog.quotaLimitReached, quota.rawValue).increment()
            var details = JSONObjectWriter()
            details["quota"] = .string(quota.rawValue)
            details["used"] = .int(status.used)
            details["limit"] = .int(status.limit)
            throw APIError(
                .conflict, "quota_exhausted",
                "\(quota.rawValue) is at its limit (\(status.used)/\(status.limit)); the message would exceed it",
                details: details)
        }
    }

    enum OutboundOutcome: Sendable {
        case recorded([UInt8], [QuotaEngine.Quota: Decision.QuotaStatus])
        case replayed([UInt8])
        case exhausted(QuotaEngine.Quota, Decision.QuotaStatus)
    }

    static func recordOutbound(
        engine: EngineSnapshot, conversationID: String, messageID: String, action: Action, type: String,
        sentAt: Timestamp, recordedAt: Timestamp, sentBy: String?, checkQuota: Bool
    ) throws(StoreError) -> OutboundOutcome {
        let pipeline = engine.pipeline
        let store = pipeline.store
        // Counted in the windows of the server's time, like a decision: `sent_at`
        // is the connector's claim, recorded beside it.
        let windows = pipeline.calendar.windows(at: recordedAt)
        let counters = pipeline.quota.counters(windows)
        let key = "outbound:" + messageID
        for _ in 0..<DecisionPipeline.maxAttempts {
            let state = try store.state(conversationID: conversationID, counters: counters)
            // Asking first (`check_quota`): refuse what would exceed a quota. Otherwise the
            // message was already sent, so it is counted even over the limit (the channel saw it).
            if checkQuota, let exceeded = pipeline.quota.exceeded(by: action, usage: state.usage, windows) {
                if let stored = try store.storedDecision(messageID: key) { return .replayed(stored) }
                return .exhausted(exceeded, pipeline.quota.status(usage: state.usage, windows)[exceeded]!)
            }
            var conversation = state.conversation
                ?? ConversationRecord(id: conversationID, state: engine.deployment.configuration.conversation.initialState)
            pipeline.conversations.recordReply(to: &conversation, at: recordedAt)
            conversation.version = (state.conversation?.version ?? 0) + 1
            let consumption = pipeline.quota.consumption(for: action, windows)
            let status = pipeline.quota.status(usage: state.usage, consumption: consumption, windows)
            var body = JSONObjectWriter()
            body["conversation_id"] = .string(conversationID)
            body["message_id"] = .string(messageID)
            body["type"] = .string(type)
            body["sent_at"] = .string(sentAt.description)
            body["recorded_at"] = .string(recordedAt.description)
            body["counted"] = .bool(true)
            let over = status.filter { $0.value.used > $0.value.limit }.keys.map(\.rawValue).sorted()
            body["over_limit"] = .array(over.map { .string($0) })
            var quota = JSONObjectWriter()
            for (name, value) in status { quota[name.rawValue] = .object(value.jsonObject) }
            body["quota"] = .object(quota)
            var summary = JSONObjectWriter()
            summary["type"] = .string(type)
            summary["sent_at"] = .string(sentAt.description)
            if let sentBy { summary["sent_by"] = .string(sentBy) }
            let commit = DecisionCommit(
                messageID: key, decidedAt: recordedAt, conversation: conversation, expectedConversationVersion: state.conversation?.version,
                expectedUsage: state.usage, consumption: consumption, decision: Array(body.string.utf8),
                audit: [AuditEntry(
                    kind: "outbound_message", at: recordedAt, conversationID: conversationID, messageID: messageID,
                    summary: summary.string)])
            switch try store.commit(commit) {
            case .committed: return .recorded(Array(body.string.utf8), status)
            case .duplicate(let bytes): return .replayed(bytes)
            case .conflict: continue
            }
        }
        throw StoreError("record outbound message '\(messageID)': still contended after \(DecisionPipeline.maxAttempts) attempts")
    }

    // MARK: - Quota

    func quotaTime(_ request: Request) throws -> Timestamp {
        if let at = request.uri.queryParameters["at"] {
            guard let time = Timestamp(rfc3339: String(at)) else {
                throw APIError.invalidParameter("at", "expected an RFC 3339 timestamp, got \"\(at)\"")
            }
            return time
        }
        return clock.now()
    }

    func quota(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let at = try quotaTime(request)
        let engine = engine.snapshot
        let quota = engine.pipeline.quota
        let windows = quota.calendar.windows(at: at)
        let usage: [QuotaCounterKey: Int]
        do {
            usage = try await blocking.run { try engine.pipeline.store.usage(of: quota.counters(windows)) }
        } catch let error as StoreError {
            throw APIError.store(error)
        }
        let status = quota.status(usage: usage, windows)
        var body = JSONObjectWriter()
        body["at"] = .string(at.description)
        body["timezone"] = .string(engine.deployment.configuration.quotaTimeZone.identifier)
        body["warn_ratio"] = .raw(String(engine.deployment.configuration.quotas.warnRatio))
        var windowsObject = JSONObjectWriter()
        windowsObject["day"] = .string(windows.day)
        windowsObject["week"] = .string(windows.week)
        body["windows"] = .object(windowsObject)
        var quotas = JSONObjectWriter()
        for (name, value) in status {
            var item = value.jsonObject
            item["window"] = .string(quota.key(name, windows).window)
            quotas[name.rawValue] = .object(item)
        }
        body["quotas"] = .object(quotas)
        return JSONResponse.make(.ok, body)
    }

    func resetQuota(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let fields = try Fields(try await body.object(request), allowed: ["window", "at"])
        let window = try fields.requiredString("window")
        guard let reset = QuotaScheduler.ResetType(rawValue: window) else {
            throw APIError.invalidField("window", "expected daily or weekly, got '\(window)'")
        }
        let now = clock.now()
        // `at` picks the window to reset; the audit record carries the real time.
        let at = try fields.timestamp("at") ?? now
        let engine = engine.snapshot
        let quota = engine.pipeline.quota
        let windows = quota.calendar.windows(at: at)
        let (names, keys, audit) = quota.manualReset(reset, windowTime: at, now: now, by: context.apiKey?.name ?? "")
        let previous: [QuotaCounterKey: Int]
        do {
            previous = try await blocking.run { try engine.pipeline.store.resetUsage(of: keys, audit: audit) }
        } catch let error as StoreError {
            throw APIError.store(error)
        }
        metrics.counter(MetricCatalog.quotaResets, reset.rawValue).increment()
        metrics.gauge(MetricCatalog.quotaLastReset, reset.rawValue).set(to: Double(now.milliseconds) / 1000)
        metrics.counter(MetricCatalog.auditLogs).increment()
        var zeroed: [QuotaEngine.Quota: Decision.QuotaStatus] = [:]
        for name in names { zeroed[name] = Decision.QuotaStatus(used: 0, limit: quota.limit(name)) }
        metrics.setQuotaGauges(zeroed)
        for name in names {
            alerts.resolve(condition: "quota_warning", key: name.rawValue)
            alerts.resolve(condition: "quota_reached", key: name.rawValue)
        }
        context.logger.notice("quota reset", metadata: ["reset_type": "\(reset.rawValue)", "by": "\(context.apiKey?.name ?? "")"])
        var body = JSONObjectWriter()
        body["reset_type"] = .string(reset.rawValue)
        var before = JSONObjectWriter()
        for name in names { before[name.rawValue] = .int(previous[quota.key(name, windows)] ?? 0) }
        body["previous"] = .object(before)
        body["at"] = .string(at.description)
        return JSONResponse.make(.ok, body)
    }

    // MARK: - Conversations and audit

    func conversation(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        // Path parameters arrive percent-encoded (`wa%3A1`, `jos%C3%A9`): decode them.
        guard let raw = context.parameters.get("id"), !raw.isEmpty else {
            throw APIError.invalidParameter("id", "missing")
        }
        guard let id = raw.removingPercentEncoding, !id.isEmpty else {
            throw APIError.invalidParameter("id", "invalid percent-encoding in '\(raw)'")
        }
        let store = self.store
        let record: ConversationRecord?
        do {
            record = try await blocking.run { try store.conversation(id: id) }
        } catch let error as StoreError {
            throw APIError.store(error)
        }
        guard let record else {
            throw APIError(.notFound, "conversation_not_found", "no conversation with id '\(id)'")
        }
        return JSONResponse.make(.ok, record.jsonObject)
    }

    func audit(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        var query = AuditQuery()
        for (name, value) in [("since", parameters["since"]), ("until", parameters["until"])] {
            guard let value else { continue }
            guard let time = Timestamp(rfc3339: String(value)) else {
                throw APIError.invalidParameter(name, "expected an RFC 3339 timestamp, got \"\(value)\"")
            }
            if name == "since" { query.since = time } else { query.until = time }
        }
        query.conversationID = parameters["conversation"].map(String.init)
        query.kind = parameters["kind"].map(String.init)
        if let after = parameters["after"] {
            guard let value = Int64(after), value >= 0 else {
                throw APIError.invalidParameter("after", "expected a sequence number, got \"\(after)\"")
            }
            query.after = value
        }
        if let limit = parameters["limit"] {
            guard let value = Int(limit), (1...1000).contains(value) else {
                throw APIError.invalidParameter("limit", "expected 1…1000, got \"\(limit)\"")
            }
            query.limit = value
        }
        let include = parameters["include"].map(String.init)
        guard include == nil || include == "sensitive" else {
            throw APIError.invalidParameter("include", "expected 'sensitive', got \"\(include!)\"")
        }
        let sensitive = include == "sensitive"
        if sensitive, let key = context.apiKey, !key.scopes.contains(.sensitive) {
            throw APIError(.forbidden, "forbidden", "the key '\(key.name)' lacks the 'sensitive' scope (needed for include=sensitive)")
        }
        let keys = sensitive ? auditKeys : nil
        if sensitive && keys == nil {
            throw APIError(.unprocessableContent, "no_audit_key", "no audit key is configured: sealed text cannot be opened")
        }
        let store = self.store
        let records: [AuditRecord]
        do {
            records = try await blocking.run { [query] in try store.auditRecords(query) }
            if sensitive {
                // Reading customer text is itself on the record: who, what and how much.
                var summary = JSONObjectWriter()
                summary["key"] = .string(context.apiKey?.name ?? "")
                summary["records"] = .int(records.count)
                summary["opened"] = .int(records.filter { $0.sealed != nil }.count)
                summary["first_seq"] = records.first.map { .int(Int($0.sequence)) } ?? .null
                summary["last_seq"] = records.last.map { .int(Int($0.sequence)) } ?? .null
                summary["query"] = .string(request.uri.query ?? "")
                let entry = AuditEntry(
                    kind: "sensitive_read", at: clock.now(), conversationID: query.conversationID, messageID: nil,
                    summary: summary.string)
                try await blocking.run { try store.appendAudit([entry]) }
                metrics.counter(MetricCatalog.auditLogs).increment()
            }
        } catch let error as StoreError {
            throw APIError.store(error)
        }
        var body = JSONObjectWriter()
        body["records"] = .array(records.map { .object($0.jsonObject(opening: keys)) })
        body["next_after"] = records.count == query.limit ? .int(Int(records.last!.sequence)) : .null
        return JSONResponse.make(.ok, body)
    }

    // MARK: - Rules

    func rulesStatus() -> Response {
        let engine = engine.snapshot
        let status = self.engine.currentStatus
        var body = JSONObjectWriter()
        body["version"] = .string(engine.deployment.rules.version)
        body["directory"] = .string(engine.deployment.loaded.display(engine.deployment.configuration.rules.directory))
        body["loaded_at"] = .string(Self.iso8601(engine.loadedAt))
        body["files"] = .array(engine.fileDigests.map { file in
            var item = JSONObjectWriter()
            item["path"] = .string(file.path)
            item["sha256"] = .string(file.sha256)
            return .object(item)
        })
        body["pool_size"] = .int(engine.deployment.rules.poolSize)
        body["stale_since"] = status.staleSince.map { .string(Self.iso8601($0)) } ?? .null
        if let failure = status.lastError {
            var error = JSONObjectWriter()
            error["at"] = .string(Self.iso8601(failure.at))
            error["diagnostics"] = .array(failure.diagnostics.map { .string($0.description) })
            body["last_error"] = .object(error)
        } else {
            body["last_error"] = .null
        }
        body["restart_required"] = .array(status.restartRequired.map { .string($0) })
        var reloads = JSONObjectWriter()
        reloads["ok"] = .int(status.reloads.ok)
        reloads["error"] = .int(status.reloads.error)
        body["reloads"] = .object(reloads)
        var watch = JSONObjectWriter()
        watch["mode"] = .string(engine.deployment.configuration.rules.reload.mode.rawValue)
        watch["scans"] = .int(watcherScanCount)
        body["watch"] = .object(watch)
        var hits = JSONObjectWriter()
        for (rule, count) in self.engine.ruleHits { hits[rule] = .int(count) }
        body["hits"] = .object(hits)
        return JSONResponse.make(.ok, body)
    }

    func reloadRules(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let outcome = try await reload(trigger: "api", logger: context.logger)
        switch outcome {
        case .reloaded(let snapshot, let changed, let restart):
            var body = JSONObjectWriter()
            body["result"] = .string("ok")
            body["version"] = .string(snapshot.deployment.rules.version)
            body["changed"] = .bool(changed)
            body["restart_required"] = .array(restart.map { .string($0) })
            return JSONResponse.make(.ok, body)
        case .failed(let diagnostics):
            var details = JSONObjectWriter()
            details["diagnostics"] = .array(diagnostics.map { .string($0.description) })
            details["running_version"] = .string(engine.snapshot.deployment.rules.version)
            throw APIError(
                .unprocessableContent, "rules_invalid",
                "the new rules were not loaded (\(diagnostics.count) problem(s)); the running rules stay", details: details)
        }
    }

    /// A reload from any trigger (API, SIGHUP), logged with its outcome.
    func reload(trigger: String, logger: Logger) async throws -> Engine.ReloadOutcome {
        let engine = self.engine
        let store = self.store
        let outcome = try await reloadExecutor.run {
            let outcome = engine.reload()
            // Every reload, good or not, is in the audit chain.
            var summary = JSONObjectWriter()
            summary["trigger"] = .string(trigger)
            let version: String
            switch outcome {
            case .reloaded(let snapshot, let changed, _):
                summary["result"] = .string("ok")
                summary["changed"] = .bool(changed)
                version = snapshot.deployment.rules.version
            case .failed(let diagnostics):
                summary["result"] = .string("error")
                summary["diagnostics"] = .array(diagnostics.prefix(20).map { .string($0.description) })
                version = engine.snapshot.deployment.rules.version
            }
            let now = self.clock.now()
            try? store.appendAudit([AuditEntry(
                kind: "rules_reload", at: now, conversationID: nil, messageID: nil, summary: summary.string,
                rulesVersion: version)])
            return outcome
        }
        switch outcome {
        case .reloaded(let snapshot, let changed, let restart):
            logger.notice("rules reloaded", metadata: [
                "trigger": "\(trigger)", "version": "\(snapshot.deployment.rules.version)", "changed": "\(changed)",
            ])
            if !restart.isEmpty {
                logger.warning(
                    "changed settings need a restart to take effect",
                    metadata: ["settings": "\(restart.joined(separator: ", "))"])
            }
            alerts.resolve(condition: "reload_failure")
        case .failed(let diagnostics):
            logger.error("rules reload failed; the running rules stay", metadata: [
                "trigger": "\(trigger)", "diagnostics": "\(diagnostics.map(\.description).joined(separator: "; "))",
            ])
            if engine.snapshot.deployment.configuration.alerts.conditions.reloadFailures {
                alerts.raise([AlertEvent(
                    condition: "reload_failure", key: "rules", severity: .critical,
                    message: "rules reload failed: \(diagnostics.first?.description ?? "unknown error")")])
            }
        }
        return outcome
    }

    static func iso8601(_ date: Date) -> String {
        Timestamp(date: date).description
    }
}

extension Decision.QuotaStatus {
    var jsonObject: JSONObjectWriter {
        var o = JSONObjectWriter()
        o["used"] = .int(used)
        o["limit"] = .int(limit)
        o["remaining"] = .int(max(0, limit - used))
        return o
    }
}

extension ConversationRecord {
    var jsonObject: JSONObjectWriter {
        var o = JSONObjectWriter()
        o["id"] = .string(id)
        o["state"] = .string(state)
        o["opted_out"] = .bool(optedOut)
        o["inbound_count"] = .int(inboundCount)
        o["reply_count"] = .int(replyCount)
        o["last_inbound_at"] = lastInboundAt.map { .string($0.description) } ?? .null
        o["last_outbound_at"] = lastOutboundAt.map { .string($0.description) } ?? .null
        o["replies_last_hour"] = .int(recentReplies.count)
        o["version"] = .int(version)
        return o
    }
}

