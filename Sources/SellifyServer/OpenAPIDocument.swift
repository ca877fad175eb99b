// swift-format-ignore-file
// Generated from openapi.yaml by scripts/embed-openapi.sh — do not edit.
// A test checks that this copy equals openapi.yaml.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: Sellify Core API
  version: 0.1.0
  summary: The deterministic engine of an AI sales assistant.
  description: |
    A channel connector posts each customer message to `POST /api/v1/decisions` and gets a
    decision back (`RespondText`, `RespondImage`, `RespondVideo`, `Escalate`, `Ignore`).

    Every response body is JSON with keys in sorted order. Every error has the shape
    `{"error":{"code":"…","message":"…","details":{…}}}`; `code` is stable, `message` is for
    people, `details` is present when there is more to say (the field, the diagnostics…).
    Bad input of any kind is a 4xx, never a 5xx. Every response carries `X-Request-ID`
    (the caller's when it sent a sane one, else a fresh one); it is on every log line too.

    Authentication: `Authorization: Bearer <key>` or `X-API-Key: <key>`. Keys are configured
    as SHA-256 hashes with scopes `decide`, `read`, `admin` (`sellify keys new`).
    `/health`, `/ready`, `/metrics` and `/openapi.yaml` are public.
servers:
  - url: http://127.0.0.1:8080
security:
  - bearer: []
  - apiKey: []
tags:
  - name: probes
  - name: decisions
  - name: quota
  - name: state
  - name: rules
paths:
  /health:
    get:
      tags: [probes]
      summary: Liveness
      operationId: health
      security: []
      responses:
        "200":
          description: The process is up.
          content:
            application/json:
              schema:
                type: object
                required: [status, version]
                properties:
                  status: { type: string, const: ok }
                  version: { type: string }
  /ready:
    get:
      tags: [probes]
      summary: Readiness (rules loaded, store answering, not shutting down)
      operationId: ready
      security: []
      responses:
        "200":
          description: Ready. `status` is `degraded` when the last rules reload failed and the last good rules are serving.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Readiness" }
        "503":
          description: Not ready; `checks` says which part is not.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Readiness" }
  /metrics:
    get:
      tags: [probes]
      summary: Prometheus exposition (when the `http` exporter serves on the API listener)
      operationId: metrics
      security: []
      responses:
        "200":
          description: Text format 0.0.4; no customer data.
          content:
            text/plain; version=0.0.4; charset=utf-8:
              schema: { type: string }
  /openapi.yaml:
    get:
      tags: [probes]
      summary: This document
      operationId: openapi
      security: []
      responses:
        "200":
          description: OpenAPI 3.1 in YAML.
          content:
            application/yaml:
              schema: { type: string }
  /api/v1/decisions:
    post:
      tags: [decisions]
      summary: Run the pipeline for one message event (scope `decide`)
      description: |
        The decision is durable (quota consumption, conversation, audit record) before it is
        returned. Posting the same `message_id` again returns the stored decision byte for byte
        (with `Idempotent-Replayed: true`) and consumes nothing. `?trace=true` adds the stage trace.
        Every window and cooldown is judged on the server's clock as the request arrives
        (`decided_at` in the answer); `received_at` is the connector's claim, recorded and given
        to the rules, and refused (400, field `received_at`) when further ahead of the server's
        clock than `server.max_clock_skew`.

        **Deferral (202).** An answer that falls inside the conversation's cooldown, or past the
        channel's messages per second (WhatsApp: 80 per number), is not dropped:
        the answer is `202 Accepted` with `action: Ignore`, `rule: cooldown_deferred` (or
        `throughput_deferred`),
        `deferred_until` and a `Retry-After` header (seconds). Nothing is sent; post the same event
        again at that time. The messages deferred in a row (a burst) are answered together by the
        first of them posted after the cooldown, or by the next new message: that decision lists
        the others in `merged_message_ids`, and posting one of those afterwards returns
        `Ignore`, rule `burst_merged` (stored, idempotent). A deferral is not an idempotency
        record: only the final decision is.

        **AI wording.** When the rule asks for it (`wording = "ai"` with a `brief`), the
        `text` of a `RespondText` is written by the generative providers of `ai.providers`
        outside the decision's serial section — grounded in the catalog facts, validated, re-asked
        with its violations — and is the rule's template when none passes (or, with
        `ai.fallback: escalate`, the answer becomes `Escalate`). Such an answer may take up to
        `ai.deadline`; the action, rule, state and quota never depend on the model. Every
        attempt is audited in a record of kind `generation`.
      operationId: decide
      parameters:
        - { name: trace, in: query, required: false, schema: { type: boolean } }
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/MessageEvent" }
            example: { conversation_id: "wa:5215550001", message_id: "wamid.1", type: text, text: "¿cuánto cuesta el Plan Premium?", received_at: "2026-11-30T18:00:00Z" }
      responses:
        "200":
          description: The decision.
          headers:
            Idempotent-Replayed: { schema: { type: string, const: "true" }, description: Present when this is a stored decision. }
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Decision" }
        "202":
          description: Deferred by the cooldown (not final) — post the same event again at `deferred_until`.
          headers:
            Retry-After: { schema: { type: integer }, description: Seconds until the cooldown (or the channel's rate) allows the answer. }
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Decision" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "409": { $ref: "#/components/responses/Conflict" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "429": { $ref: "#/components/responses/RateLimited" }
        "503": { $ref: "#/components/responses/Unavailable" }
  /api/v1/validate:
    post:
      tags: [decisions]
      summary: Validate a text against forbidden words and catalog facts (scope `decide`)
      operationId: validate
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [text]
              properties:
                text: { type: string, minLength: 1 }
                product_ids: { type: array, items: { type: string }, description: Products in context; prices must match these. }
      responses:
        "200":
          description: The verdict (also when invalid).
          content:
            application/json:
              schema: { $ref: "#/components/schemas/ValidationResult" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Unprocessable" }
        "429": { $ref: "#/components/responses/RateLimited" }
        "503": { $ref: "#/components/responses/Unavailable" }
  /api/v1/generate:
    post:
      tags: [decisions]
      summary: Word an answer (a template, or the AI providers with a brief), validate it, re-ask on failure (scope `decide`)
      description: |
        Without `brief`: the provider (`ai.provider`; `template` renders `rules/templates.yaml`)
        words the template; the validator checks it; a provider that gives a new text is asked
        again up to `ai.max_reasks` times. With `brief`: the generative providers of
        `ai.providers` write the text from the system prompt (`rules/ai_prompt.md`), the brief,
        the `message` and the product's catalog facts only; each refused text is re-asked with
        its violations; when none passes the template answers (`wording: template` and
        `fallback`). Every text asked for is audited (kind `generation`). Still invalid: 422
        `validation_failed` with the violations; a brief without a generative provider: 422
        `no_generative_provider`.
      operationId: generate
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [template]
              properties:
                template: { type: string, description: "Also the fallback of an AI-worded text." }
                product_id: { type: string }
                language: { type: string, description: "Default: the rules' default language." }
                brief: { type: string, minLength: 1, maxLength: 500, description: "The task for the AI providers (AI wording)." }
                message: { type: string, minLength: 1, maxLength: 4096, description: "The customer's message the text answers." }
      responses:
        "200":
          description: A validated text.
          content:
            application/json:
              schema:
                type: object
                required: [text, template, language, provider, attempts, valid, wording]
                properties:
                  text: { type: string }
                  template: { type: string }
                  language: { type: string }
                  provider: { type: string }
                  attempts: { type: integer, minimum: 1, description: "Texts asked for: the AI providers' and the template's." }
                  valid: { type: boolean, const: true }
                  product_id: { type: string }
                  wording: { type: string, enum: [ai, template] }
                  fallback: { type: string, enum: [validation, providers_failed, deadline], description: "Why the template answered a request with a brief." }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Unprocessable" }
        "429": { $ref: "#/components/responses/RateLimited" }
        "503": { $ref: "#/components/responses/Unavailable" }
  /api/v1/messages:
    post:
      tags: [decisions]
      summary: Record an outbound message sent outside a decision (scope `decide`)
      description: |
        A message sent outside a decision: it counts toward the quotas, updates the conversation
        and is audited. `sender: agent` marks a person of the team: the conversation becomes
        theirs (the assistant answers `Ignore`, rule `human_active`) until
        `POST /api/v1/conversations/{id}/handback` or `conversation.handoff.idle_timeout`
        without an agent message. The platform's windows (rules/channels.yaml) apply: on
        WhatsApp and Instagram a free-form message more than 24 h after the customer's last
        message is refused with 409 `outside_service_window` (on Instagram a person's reply may
        come up to 7 days after); name an approved WhatsApp template in `template` to send
        outside the window. Such a business-initiated message counts toward the WhatsApp
        portfolio's unique users per rolling 24 h (`channels.whatsapp.portfolio_tier`); a new
        user over that ceiling is refused with 409 `portfolio_limit_reached`. Refusals name the
        limit, its value, source and as-of date in `details`, and record nothing. The
        assistant (`sender: assistant`) sends nothing to a conversation that opted out: 409
        `opted_out` until the customer opts back in.
        Post before sending: a refusal means do not send. Idempotent by `message_id`. It is counted even over a limit (the channel saw
        it; `over_limit` names the quotas now exceeded). To ask before sending, set
        `check_quota: true`: then 409 `quota_exhausted` when it would exceed a quota, and nothing
        is recorded. It is counted in the windows of the server's time (`recorded_at`); `sent_at`
        is the connector's claim, kept, and refused (400) when further ahead of the server's
        clock than `server.max_clock_skew`.
      operationId: recordMessage
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [conversation_id, message_id, sent_at]
              properties:
                conversation_id: { type: string, minLength: 1, maxLength: 256 }
                message_id: { type: string, minLength: 1, maxLength: 256 }
                type: { type: string, enum: [text, image, video], default: text }
                sent_at: { type: string, format: date-time, description: "When the connector says it was sent (a claim: kept, never used for a window)." }
                sent_by: { type: string, description: Who sent it (kept in the audit record). }
                check_quota: { type: boolean, default: false, description: "Refuse (409) instead of recording when a quota would be exceeded." }
                sender: { type: string, enum: [assistant, agent], default: assistant, description: "agent: a person of the team wrote it (the conversation is theirs until handed back)." }
                template: { type: string, minLength: 1, description: "The approved WhatsApp template it uses: allowed outside the customer-service window." }
                channel: { type: string, enum: [whatsapp, instagram, telegram, other], description: "The platform; default from the conversation id's prefix (wa:, ig:, tg:)." }
      responses:
        "200":
          description: Recorded (or the stored answer for a repeated message id).
          content:
            application/json:
              schema:
                type: object
                required: [conversation_id, message_id, type, sent_at, recorded_at, counted, over_limit, quota]
                properties:
                  conversation_id: { type: string }
                  message_id: { type: string }
                  type: { type: string }
                  sent_at: { type: string, format: date-time }
                  recorded_at: { type: string, format: date-time, description: "The server's time it was counted at." }
                  counted: { type: boolean }
                  over_limit: { type: array, items: { type: string }, description: Quotas now over their limit. }
                  quota: { $ref: "#/components/schemas/QuotaMap" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "409": { $ref: "#/components/responses/Conflict" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "429": { $ref: "#/components/responses/RateLimited" }
        "503": { $ref: "#/components/responses/Unavailable" }
  /api/v1/quota:
    get:
      tags: [quota]
      summary: Usage and limits in every window (scope `read`)
      operationId: quota
      parameters:
        - { name: at, in: query, required: false, schema: { type: string, format: date-time }, description: "The time whose windows to show (default: now)." }
      responses:
        "200":
          description: Usage per quota.
          content:
            application/json:
              schema:
                type: object
                required: [at, timezone, warn_ratio, windows, quotas]
                properties:
                  at: { type: string, format: date-time }
                  timezone: { type: string }
                  warn_ratio: { type: number }
                  windows:
                    type: object
                    properties: { day: { type: string }, week: { type: string } }
                  quotas: { $ref: "#/components/schemas/QuotaMap" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "429": { $ref: "#/components/responses/RateLimited" }
        "503": { $ref: "#/components/responses/Unavailable" }
  /api/v1/quota/reset:
    post:
      tags: [quota]
      summary: Reset the daily or weekly counters (scope `admin`; audited)
      operationId: resetQuota
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [window]
              properties:
                window: { type: string, enum: [daily, weekly] }
                at: { type: string, format: date-time, description: "A time inside the window to reset (default: now)." }
      responses:
        "200":
          description: Reset; `previous` holds the usage before.
          content:
            application/json:
              schema:
                type: object
                required: [reset_type, previous, at]
                properties:
                  reset_type: { type: string, enum: [daily, weekly] }
                  previous: { type: object, additionalProperties: { type: integer } }
                  at: { type: string, format: date-time }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "429": { $ref: "#/components/responses/RateLimited" }
        "503": { $ref: "#/components/responses/Unavailable" }
  /api/v1/conversations/{id}:
    get:
      tags: [state]
      summary: State and counters of one conversation (scope `read`)
      operationId: conversation
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: The conversation.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Conversation" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/NotFound" }
        "429": { $ref: "#/components/responses/RateLimited" }
        "503": { $ref: "#/components/responses/Unavailable" }
  /api/v1/conversations/{id}/handback:
    post:
      tags: [state]
      summary: Give a handed-over conversation back to the assistant (scope `decide`)
      description: |
        Ends the handoff that an escalation (or an agent's message) started: the assistant
        answers again, from the state the conversation was in before. Audited (`handback`).
        The body is optional; `{"by": "ana"}` names who handed it back (default: the API key's
        name). 409 `not_handed_over` when no person has the conversation.
      operationId: handBack
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      requestBody:
        required: false
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              properties:
                by: { type: string }
      responses:
        "200":
          description: Handed back; the conversation after it.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Conversation" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { $ref: "#/components/responses/Conflict" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "429": { $ref: "#/components/responses/RateLimited" }
        "503": { $ref: "#/components/responses/Unavailable" }
  /api/v1/audit:
    get:
      tags: [state]
      summary: Query audit records, oldest first, with paging (scope `read`)
      operationId: audit
      parameters:
        - { name: since, in: query, schema: { type: string, format: date-time }, description: "Records at or after this time." }
        - { name: until, in: query, schema: { type: string, format: date-time }, description: "Records before this time." }
        - { name: conversation, in: query, schema: { type: string } }
        - { name: kind, in: query, schema: { type: string, examples: [decision, generation, outbound_message, quota_reset] } }
        - { name: after, in: query, schema: { type: integer, minimum: 0 }, description: "Records after this sequence number (the previous page's next_after)." }
        - { name: include, in: query, schema: { type: string, enum: [sensitive] }, description: "Open the sealed customer text with the server's audit keys: needs the `sensitive` scope (403 without), 422 `no_audit_key` with no key configured; each use is audited (`sensitive_read`)." }
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 1000, default: 100 } }
      responses:
        "200":
          description: A page of records; `next_after` is null on the last page.
          content:
            application/json:
              schema:
                type: object
                required: [records, next_after]
                properties:
                  records: { type: array, items: { $ref: "#/components/schemas/AuditRecord" } }
                  next_after: { type: [integer, "null"] }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "422": { $ref: "#/components/responses/Unprocessable" }
        "429": { $ref: "#/components/responses/RateLimited" }
        "503": { $ref: "#/components/responses/Unavailable" }
  /api/v1/rules:
    get:
      tags: [rules]
      summary: The loaded rules, their files, load time and last reload error (scope `read`)
      operationId: rules
      responses:
        "200":
          description: Rules status.
          content:
            application/json:
              schema:
                type: object
                required: [version, directory, files, loaded_at, pool_size, stale_since, last_error, reloads, watch, hits, restart_required, shadow]
                properties:
                  version: { type: string }
                  directory: { type: string }
                  files:
                    type: array
                    items:
                      type: object
                      properties: { path: { type: string }, sha256: { type: string } }
                  loaded_at: { type: string, format: date-time }
                  pool_size: { type: integer }
                  stale_since: { type: [string, "null"], format: date-time }
                  last_error:
                    oneOf:
                      - type: "null"
                      - type: object
                        properties:
                          at: { type: string, format: date-time }
                          diagnostics: { type: array, items: { type: string } }
                  reloads:
                    type: object
                    properties: { ok: { type: integer }, error: { type: integer } }
                  watch:
                    type: object
                    description: |
                      The file watcher (`rules.reload.mode`). `scans` counts its completed looks at the
                      files (each look includes the reload it leads to); it stays 0 with mode `off`.
                    properties:
                      mode: { type: string, enum: [watch, poll, "off"] }
                      scans: { type: integer }
                  restart_required: { type: array, items: { type: string } }
                  hits:
                    type: object
                    description: Decisions per rule (the decision's `rule`) since the server started.
                    additionalProperties: { type: integer }
                  shadow:
                    type: object
                    description: |
                      The shadow rules (`rules/shadow/decision.lua`): a candidate `decide(ctx)` run on every
                      decision beside the enforced one and compared, never enforced. `{"present": false}`
                      without one. The counts are since the running rules and this candidate were loaded: a
                      reload that changes either starts them again (one that changes neither, e.g. config
                      only, keeps counting). `agreements + disagreements + errors = compared`.
                    required: [present]
                    properties:
                      present: { type: boolean }
                      file: { type: string, description: "The candidate's path as configured, e.g. `rules/shadow/decision.lua`." }
                      sha256: { type: string, description: SHA-256 (hex) of the candidate file. }
                      version: { type: string, description: "The rules version the folder will have once the candidate is promoted (moved over `decision.lua`); the enforced `version` never includes the shadow." }
                      compared: { type: integer, description: Decisions on which the candidate ran. }
                      agreements: { type: integer, description: "Same action, rule, template, product and state (the reason is not compared)." }
                      disagreements: { type: integer, description: Another decision in at least one of those fields. }
                      errors: { type: integer, description: "The candidate failed (Lua error, budget, bad return value); the decision stood." }
                      agreement_ratio: { type: [number, "null"], description: "`agreements / compared`; null before the first comparison." }
                      top_disagreeing_rules:
                        type: array
                        description: The enforced rules whose decisions the candidate most often did not agree with (at most 10, most first).
                        items:
                          type: object
                          required: [rule, disagreements, errors]
                          properties:
                            rule: { type: string, description: The enforced decision's rule. }
                            disagreements: { type: integer }
                            errors: { type: integer }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "429": { $ref: "#/components/responses/RateLimited" }
  /api/v1/rules/reload:
    post:
      tags: [rules]
      summary: Reload rules, catalog and config now (scope `admin`)
      description: |
        Compiles the rules folder into a fresh pool, runs the sample calls of `sellify check`,
        and swaps atomically. On any problem the running rules stay and the answer is 422
        `rules_invalid` with every diagnostic (file:line). SIGHUP does the same.
      operationId: reloadRules
      responses:
        "200":
          description: Reloaded.
          content:
            application/json:
              schema:
                type: object
                required: [result, version, changed, restart_required]
                properties:
                  result: { type: string, const: ok }
                  version: { type: string }
                  changed: { type: boolean }
                  restart_required:
                    type: array
                    items: { type: string }
                    description: "Changed settings the running server cannot apply (server, store, metrics.exporters, auth.api_keys, alerts.sinks, rate_limit); everything else took effect."
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "422": { $ref: "#/components/responses/Unprocessable" }
        "429": { $ref: "#/components/responses/RateLimited" }
        "503": { $ref: "#/components/responses/Unavailable" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
    apiKey: { type: apiKey, in: header, name: X-API-Key }
  responses:
    BadRequest:
      description: "Malformed JSON (`malformed_json`), a bad field (`invalid_field`, details.field) or query parameter (`invalid_parameter`)."
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    Unauthorized:
      description: "No key or an unknown key (`unauthorized`)."
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    Forbidden:
      description: "The key lacks the route's scope (`forbidden`)."
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    NotFound:
      description: "No such route (`not_found`) or conversation (`conversation_not_found`)."
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    Conflict:
      description: "The message would exceed a quota (`quota_exhausted`; details.quota, used, limit), or a `message_id` already decided for another conversation (`idempotency_conflict`)."
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    TooLarge:
      description: "The body is larger than `server.body_limit` (`body_too_large`)."
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    UnsupportedMediaType:
      description: "The body is not `application/json` (`unsupported_media_type`)."
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    Unprocessable:
      description: "Well-formed but refused: `validation_failed`, `rules_invalid`, `generation_failed`, `rule_error`."
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    RateLimited:
      description: "Over the key's rate (`rate_limited`); wait `Retry-After` seconds."
      headers:
        Retry-After: { schema: { type: integer } }
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    Unavailable:
      description: "`overloaded` (too many requests in flight), `timeout`, `store_unavailable` or `shutting_down`; retry after `Retry-After`."
      headers:
        Retry-After: { schema: { type: integer } }
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message]
          properties:
            code: { type: string, examples: [quota_exhausted, invalid_field, unauthorized] }
            message: { type: string }
            details: { type: object }
    Readiness:
      type: object
      required: [status, checks]
      properties:
        status: { type: string, enum: [ready, degraded, not_ready, shutting_down] }
        checks:
          type: object
          properties:
            config:
              type: object
              description: "`status` ok, or error when the last reload failed in the config file (its diagnostics in `last_error`); `restart_required` names changed settings only a restart applies."
              properties:
                status: { type: string, enum: [ok, error] }
                last_error: { type: array, items: { type: string } }
                restart_required: { type: array, items: { type: string } }
            rules:
              type: object
              description: "`status` degraded while the running rules no longer match the files (a failed reload); `last_error` holds a rules file's diagnostics."
              properties:
                status: { type: string, enum: [ok, degraded] }
                version: { type: string }
                last_error: { type: array, items: { type: string } }
            store: { type: object }
            license:
              type: object
              description: "The license (never makes the instance unready: decisions go on through the grace period and after it). `community` when none is configured."
              properties:
                status: { type: string, enum: [valid, grace, expired, community] }
                licensee: { type: string }
                key_id: { type: string }
                expires: { type: string, format: date-time }
                limits:
                  type: object
                  description: "The limits in force (the license's, or the community edition's `instances: 1`); exceeding one raises the `license_limit` alert, never refuses a decision."
                  additionalProperties: { type: integer }
    MessageEvent:
      type: object
      additionalProperties: false
      required: [conversation_id, message_id, received_at]
      properties:
        conversation_id: { type: string, minLength: 1, maxLength: 256 }
        message_id: { type: string, minLength: 1, maxLength: 256, description: The idempotency key. }
        type: { type: string, enum: [text, image, audio, video, sticker, location, contact, reaction], default: text }
        text: { type: string, description: Required for type text. }
        received_at: { type: string, format: date-time, description: "When the connector says it received the message (a claim: recorded and given to rules, never used for a window or a cooldown)." }
        channel: { type: string, enum: [whatsapp, instagram, telegram, other], description: "The platform; default from the conversation id's prefix (wa:, ig:, tg:)." }
    QuotaStatus:
      type: object
      required: [used, limit]
      properties:
        used: { type: integer }
        limit: { type: integer }
        remaining: { type: integer }
        window: { type: string }
    QuotaMap:
      type: object
      properties:
        messages_today: { $ref: "#/components/schemas/QuotaStatus" }
        messages_week: { $ref: "#/components/schemas/QuotaStatus" }
        images_today: { $ref: "#/components/schemas/QuotaStatus" }
        videos_week: { $ref: "#/components/schemas/QuotaStatus" }
    Decision:
      type: object
      required: [decision_id, conversation_id, message_id, decided_at, action, rule, reason, conversation, quota, rules_version]
      properties:
        decision_id: { type: string }
        conversation_id: { type: string }
        message_id: { type: string }
        decided_at: { type: string, format: date-time, description: "The server's time of the decision, read as the request arrived; windows and cooldowns follow it." }
        action: { type: string, enum: [RespondText, RespondImage, RespondVideo, Escalate, Ignore] }
        rule: { type: string }
        reason: { type: string }
        text: { type: string }
        media: { type: object }
        product: { type: string }
        language: { type: string }
        intent: { type: string }
        conversation:
          type: object
          properties: { state: { type: string }, previous_state: { type: string } }
        quota: { $ref: "#/components/schemas/QuotaMap" }
        rules_version: { type: string }
        fallback: { type: boolean }
        deferred_until: { type: string, format: date-time, description: "Deferred by the cooldown (HTTP 202): post the event again at this time." }
        merged_message_ids: { type: array, items: { type: string }, description: "Earlier messages of a burst this decision answers too." }
        handoff: { type: boolean, description: "This decision handed the conversation to a person (the team was notified)." }
        trace: { type: array, items: { type: object } }
    ValidationResult:
      type: object
      required: [valid, violations]
      properties:
        valid: { type: boolean }
        violations:
          type: array
          items:
            type: object
            required: [code, message, severity, start, end]
            properties:
              code: { type: string }
              message: { type: string }
              severity: { type: string }
              start: { type: integer }
              end: { type: integer }
    Conversation:
      type: object
      properties:
        id: { type: string }
        state: { type: string }
        opted_out: { type: boolean }
        inbound_count: { type: integer }
        reply_count: { type: integer }
        last_inbound_at: { type: [string, "null"], format: date-time }
        last_outbound_at: { type: [string, "null"], format: date-time }
        replies_last_hour: { type: integer }
        memory:
          type: object
          description: What follow-ups resolve against.
          properties:
            products: { type: array, items: { type: string }, description: "Products in focus, most recent first." }
            language: { type: [string, "null"] }
            last_intent: { type: [string, "null"] }
            fallbacks: { type: integer, description: "Messages in a row not understood." }
        handoff:
          type: [object, "null"]
          description: Set while a person handles the conversation.
          properties:
            since: { type: string, format: date-time }
            rule: { type: string }
            reason: { type: string }
            return_state: { type: string }
            last_agent_at: { type: [string, "null"], format: date-time }
        pending_messages: { type: integer, description: "Messages deferred by the cooldown, waiting for one answer." }
        handed_back_at: { type: string, format: date-time, description: "Only in the answer of a handback." }
        version: { type: integer }
    AuditRecord:
      type: object
      required: [seq, kind, at, conversation_id, message_id, summary, prev_hash, hash, sealed]
      properties:
        seq: { type: integer }
        kind: { type: string, examples: [decision, generation, shadow, outbound_message, quota_reset, quota_rollover, rules_reload, audit_purge] }
        at: { type: string, format: date-time }
        conversation_id: { type: [string, "null"] }
        message_id: { type: [string, "null"] }
        summary: { type: object, description: No customer text. }
        rules_version: { type: string }
        input_digest: { type: string, description: SHA-256 of the canonical input event. }
        key_id: { type: string }
        sealed: { type: boolean, description: Whether the record has sealed customer text. }
        sensitive: { type: object, description: "The opened sealed part (only with include=sensitive)." }
        sensitive_error: { type: string }
        prev_hash: { type: string }
        hash: { type: string, description: "SHA-256 over the record and prev_hash (docs/audit.md)." }
"""#
}
