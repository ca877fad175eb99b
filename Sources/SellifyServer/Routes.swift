import Foundation
public import HTTPTypes
import Hummingbird
import Logging
import Prometheus
public import SellifyCore
import SellifyMetrics
import SellifyYAML

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
    /// Every route, in the order openapi.yaml lists them.
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
            Route(method: .post, path: "/api/v1/quota/reset", scope: .admin) { r, c in try await self.resetQuota(r, c)
            },
            Route(method: .get, path: "/api/v1/conversations/{id}", scope: .read) { r, c in
                try await self.conversation(r, c)
            },
            Route(method: .post, path: "/api/v1/conversations/{id}/handback", scope: .decide) { r, c in
                try await self.handBack(r, c)
            },
            Route(method: .get, path: "/api/v1/audit", scope: .read) { r, c in try await self.audit(r, c) },
            Route(method: .get, path: "/api/v1/rules", scope: .read) { r, c in self.rulesStatus() },
            Route(method: .post, path: "/api/v1/rules/reload", scope: .admin) { r, c in try await self.reloadRules(r, c)
            },
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

    // MARK: - Public

    func health() -> Response {
        var body = JSONObjectWriter()
        body["status"] = .string("ok")
        body["version"] = .string(SellifyVersion.current)
        return JSONResponse.make(.ok, body)
    }

    func ready() async throws -> Response {
        let engine = service.snapshot
        var checks = JSONObjectWriter()
        var ready = !isDraining
        let status = self.engine.currentStatus
        // A failed reload's problems, filed under the file they are in: the
        // config file's under `config`, everything else under `rules`.
        let failure = status.staleSince == nil ? [] : status.lastError?.diagnostics ?? []
        let configFile = engine.deployment.loaded.path
        let inConfig = failure.filter { Self.isIn(configFile, $0) }
        let inRules = failure.filter { !Self.isIn(configFile, $0) }
        var rules = JSONObjectWriter()
        rules["version"] = .string(engine.rulesVersion)
        // The running rules no longer match the files (whatever the broken file is).
        rules["status"] = .string(status.staleSince == nil ? "ok" : "degraded")
        if !inRules.isEmpty { rules["last_error"] = .array(inRules.map { .string($0.description) }) }
        checks["rules"] = .object(rules)
        var config = JSONObjectWriter()
        config["status"] = .string(inConfig.isEmpty ? "ok" : "error")
        if !inConfig.isEmpty { config["last_error"] = .array(inConfig.map { .string($0.description) }) }
        if !status.restartRequired.isEmpty {
            config["restart_required"] = .array(status.restartRequired.map { .string($0) })
        }
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
        // The license never makes the instance unready: decisions go on through the
        // grace period and after it; operators read it here and in the metrics.
        let summary = engine.deployment.licenseSummary(at: service.clock.now())
        var license = JSONObjectWriter()
        license["status"] = .string(summary.status)
        if summary.status != "community" {
            license["licensee"] = .string(summary.licensee)
            license["key_id"] = .string(summary.keyID)
        }
        if let expires = summary.expires { license["expires"] = .string(expires.description) }
        var limits = JSONObjectWriter()
        for (name, value) in engine.deployment.licenseLimits { limits[name] = .int(value) }
        license["limits"] = .object(limits)
        checks["license"] = .object(license)
        var body = JSONObjectWriter()
        body["checks"] = .object(checks)
        if isDraining {
            body["status"] = .string("shutting_down")
        } else {
            body["status"] = .string(ready ? (status.staleSince == nil ? "ready" : "degraded") : "not_ready")
        }
        return JSONResponse.make(ready ? .ok : .serviceUnavailable, body)
    }

    /// Whether a diagnostic is about the config file (by its location, or a
    /// location-less message naming it).
    static func isIn(_ configFile: String, _ diagnostic: Diagnostic) -> Bool {
        let name = (configFile as NSString).lastPathComponent
        if let file = diagnostic.location?.file {
            return file == configFile || (file as NSString).lastPathComponent == name && !file.contains("/rules/")
        }
        return diagnostic.message.hasPrefix(configFile) || diagnostic.message.hasPrefix(name)
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
        let configuration = service.snapshot.deployment.configuration
        let event: MessageEvent
        do {
            event = try MessageEvent.parse(
                json: bytes, maxTextLength: configuration.validation.maxLength * 4, maxDepth: body.maxDepth)
        } catch {
            if error.field.isEmpty { throw APIError.malformedJSON(error.message) }
            throw APIError.invalidField(error.field, error.message)
        }
        let trace = request.uri.queryParameters["trace"].map { $0 == "true" || $0 == "1" } ?? false
        let service = self.service
        var result = try await call {
            try service.decide(event, at: decidedAt, trace: trace, deferringAIWording: true)
        }
        if let need = result.wording {
            // The rule wants AI wording: the providers are asked here, outside
            // the decision's serial section (a slow one delays only this
            // answer), then the message is decided with what they gave.
            let prepared = await service.word(need)
            result = try await call { try service.decide(event, at: decidedAt, trace: trace, prepared: prepared) }
        }
        if let until = result.decision?.deferredUntil {
            // Not final: post the same event again at `deferred_until`
            // (Retry-After says in how many seconds); it is answered then.
            let seconds = max(1, (until.milliseconds - decidedAt.milliseconds + 999) / 1000)
            return JSONResponse.make(.accepted, bytes: result.bytes, headers: [.retryAfter: String(seconds)])
        }
        let headers: HTTPFields = result.replayed ? [HTTPField.Name("Idempotent-Replayed")!: "true"] : [:]
        return JSONResponse.make(.ok, bytes: result.bytes, headers: headers)
    }

    /// Runs a use case off the event loop; its refusals become API errors.
    func call<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await blocking.run { try body() }
        } catch let error as ServiceError {
            throw APIError(error)
        }
    }

    // MARK: - Validate and generate

    func validate(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let fields = try Fields(try await body.object(request), allowed: ["text", "product_ids"])
        let text = try fields.requiredString("text")
        let productIDs = try fields.strings("product_ids")
        let caller = context.apiKey?.name ?? ""
        let service = self.service
        let (result, _) = try await call { try service.validate(text, productIDs: productIDs, by: caller) }
        return JSONResponse.make(.ok, result.jsonObject)
    }

    func generate(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let fields = try Fields(
            try await body.object(request), allowed: ["template", "product_id", "language", "brief", "message"])
        let asked = GenerationRequest(
            template: try fields.requiredString("template"), productID: try fields.string("product_id"),
            language: try fields.string("language"), brief: try fields.string("brief", maxLength: 500),
            message: try fields.string("message", maxLength: 4096))
        let caller = context.apiKey?.name ?? ""
        let service = self.service
        // The model is asked first, outside the blocking executor (it waits on the network).
        let prepared: PreparedWording?
        do { prepared = try await service.prepareGeneration(asked) } catch { throw APIError(error) }
        let generation = try await call { try service.generate(asked, prepared: prepared, by: caller) }
        var body = JSONObjectWriter()
        body["text"] = .string(generation.text)
        body["template"] = .string(generation.template)
        body["language"] = .string(generation.language)
        body["provider"] = .string(generation.provider)
        body["attempts"] = .int(generation.attempts)
        body["valid"] = .bool(true)
        body["wording"] = .string(generation.wording)
        if let fallback = generation.fallback { body["fallback"] = .string(fallback.rawValue) }
        if let product = generation.product { body["product_id"] = .string(product.id) }
        return JSONResponse.make(.ok, body)
    }

    // MARK: - Outbound messages

    /// A message a person sent outside a decision: counted toward the quotas
    /// (409 `quota_exhausted` with `check_quota` when it would exceed one),
    /// in the conversation's sequence; idempotent by `message_id`.
    func outbound(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let recordedAt = clock.now()
        let fields = try Fields(
            try await body.object(request),
            allowed: [
                "conversation_id", "message_id", "type", "sent_at", "sent_by", "check_quota", "sender", "template",
                "channel",
            ])
        let checkQuota: Bool
        switch fields.values["check_quota"] {
        case nil, .null?: checkQuota = false
        case .bool(let value)?: checkQuota = value
        case let other?: throw APIError.invalidField("check_quota", "expected a boolean, got \(other.kindDescription)")
        }
        let typeName = try fields.string("type") ?? "text"
        guard let kind = OutboundMessage.Kind(rawValue: typeName) else {
            throw APIError.invalidField("type", "expected text, image or video, got '\(typeName)'")
        }
        guard let sentAt = try fields.timestamp("sent_at") else { throw APIError.invalidField("sent_at", "missing") }
        let senderName = try fields.string("sender") ?? "assistant"
        guard let sender = OutboundMessage.Sender(rawValue: senderName) else {
            throw APIError.invalidField("sender", "expected assistant or agent, got '\(senderName)'")
        }
        var channel: Channel?
        if let name = try fields.string("channel") {
            guard let value = Channel(rawValue: name) else {
                let known = Channel.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.invalidField("channel", "unknown channel '\(name)' (expected one of \(known))")
            }
            channel = value
        }
        let template = try fields.string("template")
        if let template, template.isEmpty { throw APIError.invalidField("template", "must not be empty") }
        let message = OutboundMessage(
            conversationID: try fields.requiredString("conversation_id"),
            messageID: try fields.requiredString("message_id"),
            kind: kind, sentAt: sentAt, sentBy: try fields.string("sent_by"), checkQuota: checkQuota, sender: sender,
            template: template, channel: channel)
        let service = self.service
        let receipt = try await call { try service.recordOutbound(message, at: recordedAt) }
        let headers: HTTPFields = receipt.replayed ? [HTTPField.Name("Idempotent-Replayed")!: "true"] : [:]
        return JSONResponse.make(.ok, bytes: receipt.bytes, headers: headers)
    }

    // MARK: - Quota

    func quotaTime(_ request: Request) throws -> Timestamp? {
        guard let at = request.uri.queryParameters["at"] else { return nil }
        guard let time = Timestamp(rfc3339: String(at)) else {
            throw APIError.invalidParameter("at", "expected an RFC 3339 timestamp, got \"\(at)\"")
        }
        return time
    }

    func quota(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let at = try quotaTime(request)
        let service = self.service
        let report = try await call { try service.quotaStatus(at: at) }
        var body = JSONObjectWriter()
        body["at"] = .string(report.at.description)
        body["timezone"] = .string(report.timeZone)
        body["warn_ratio"] = .raw(String(report.warnRatio))
        var windows = JSONObjectWriter()
        windows["day"] = .string(report.windows.day)
        windows["week"] = .string(report.windows.week)
        body["windows"] = .object(windows)
        var quotas = JSONObjectWriter()
        for (name, status, window) in report.quotas {
            var item = status.jsonObject
            item["window"] = .string(window)
            quotas[name.rawValue] = .object(item)
        }
        body["quotas"] = .object(quotas)
        return JSONResponse.make(.ok, body)
    }

    func resetQuota(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let fields = try Fields(try await body.object(request), allowed: ["window", "at"])
        let window = try fields.requiredString("window")
        guard let type = QuotaScheduler.ResetType(rawValue: window) else {
            throw APIError.invalidField("window", "expected daily or weekly, got '\(window)'")
        }
        // `at` picks the window to reset; the audit record carries the real time.
        let windowTime = try fields.timestamp("at")
        let caller = context.apiKey?.name ?? ""
        let service = self.service
        let receipt = try await call { try service.resetQuota(type, windowTime: windowTime, by: caller) }
        context.logger.notice("quota reset", metadata: ["reset_type": "\(type.rawValue)", "by": "\(caller)"])
        var body = JSONObjectWriter()
        body["reset_type"] = .string(type.rawValue)
        var before = JSONObjectWriter()
        for (name, used) in receipt.previous { before[name.rawValue] = .int(used) }
        body["previous"] = .object(before)
        body["at"] = .string(receipt.windowTime.description)
        return JSONResponse.make(.ok, body)
    }

    // MARK: - Conversations and audit

    /// The `{id}` path parameter; they arrive percent-encoded (`wa%3A1`, `jos%C3%A9`).
    func conversationID(_ context: SellifyRequestContext) throws -> String {
        guard let raw = context.parameters.get("id"), !raw.isEmpty else {
            throw APIError.invalidParameter("id", "missing")
        }
        guard let id = raw.removingPercentEncoding, !id.isEmpty else {
            throw APIError.invalidParameter("id", "invalid percent-encoding in '\(raw)'")
        }
        return id
    }

    /// Ends a handoff: the assistant answers the conversation again. The body
    /// is optional: `{"by": "ana"}` names who handed it back (audited).
    func handBack(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let at = clock.now()
        let id = try conversationID(context)
        var by: String?
        if request.headers[.contentType] != nil {
            let bytes = try await body.bytes(request)
            if !bytes.isEmpty {
                let fields = try Fields(try BodyReader.object(bytes, maxDepth: body.maxDepth), allowed: ["by"])
                by = try fields.string("by")
            }
        }
        let caller = by ?? context.apiKey?.name
        let service = self.service
        let receipt = try await call { try service.handBack(id, by: caller, at: at) }
        var o = receipt.conversation.jsonObject
        o["handed_back_at"] = .string(at.description)
        return JSONResponse.make(.ok, o)
    }

    func conversation(_ request: Request, _ context: SellifyRequestContext) async throws -> Response {
        let id = try conversationID(context)
        let service = self.service
        let record = try await call { try service.conversation(id: id) }
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
            throw APIError(
                .forbidden, "forbidden",
                "the key '\(key.name)' lacks the 'sensitive' scope (needed for include=sensitive)")
        }
        let reader = context.apiKey?.name ?? ""
        let queryText = request.uri.query ?? ""
        let service = self.service
        let records = try await call { [query] in
            try service.auditRecords(query, sensitive: sensitive, by: reader, queryText: queryText)
        }
        let keys = sensitive ? service.auditKeys : nil
        var body = JSONObjectWriter()
        body["records"] = .array(records.map { .object($0.jsonObject(opening: keys)) })
        body["next_after"] = records.count == query.limit ? .int(Int(records.last!.sequence)) : .null
        return JSONResponse.make(.ok, body)
    }

    // MARK: - Rules

    func rulesStatus() -> Response {
        let engine = service.snapshot
        let status = self.engine.currentStatus
        var body = JSONObjectWriter()
        body["version"] = .string(engine.deployment.rules.version)
        body["directory"] = .string(engine.deployment.loaded.display(engine.deployment.configuration.rules.directory))
        body["loaded_at"] = .string(engine.loadedAt.description)
        body["files"] = .array(
            engine.fileDigests.map { file in
                var item = JSONObjectWriter()
                item["path"] = .string(file.path)
                item["sha256"] = .string(file.sha256)
                return .object(item)
            })
        body["pool_size"] = .int(engine.deployment.rules.poolSize)
        body["stale_since"] = status.staleSince.map { .string($0.description) } ?? .null
        if let failure = status.lastError {
            var error = JSONObjectWriter()
            error["at"] = .string(failure.at.description)
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
        for (rule, count) in self.hits.counts { hits[rule] = .int(count) }
        body["hits"] = .object(hits)
        body["shadow"] = .object(shadowStatus(engine))
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
            details["running_version"] = .string(service.snapshot.rulesVersion)
            throw APIError(
                .unprocessableContent, "rules_invalid",
                "the new rules were not loaded (\(diagnostics.count) problem(s)); the running rules stay",
                details: details)
        }
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
        var m = JSONObjectWriter()
        m["products"] = .array(memory.products.map { .string($0) })
        m["language"] = memory.language.map { .string($0) } ?? .null
        m["last_intent"] = memory.lastIntent.map { .string($0) } ?? .null
        m["fallbacks"] = .int(memory.fallbacks)
        o["memory"] = .object(m)
        if let handoff = memory.handoff {
            var h = JSONObjectWriter()
            h["since"] = .string(handoff.since.description)
            h["rule"] = .string(handoff.rule)
            h["reason"] = .string(handoff.reason)
            h["return_state"] = .string(handoff.returnState)
            h["last_agent_at"] = handoff.lastAgentAt.map { .string($0.description) } ?? .null
            o["handoff"] = .object(h)
        } else {
            o["handoff"] = .null
        }
        o["pending_messages"] = .int(pending.count)
        o["version"] = .int(version)
        return o
    }
}
