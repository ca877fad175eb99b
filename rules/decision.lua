-- rules/decision.lua — the decision policy: for one customer message, what do we do?
--
-- The host calls `decide(ctx)` once per incoming message, after it has normalized the
-- text, classified the intent (rules/intents.lua), found the catalog products mentioned,
-- and loaded the conversation, quota and cooldown state. `decide` returns ONE table:
--
--   action   "RespondText" | "RespondImage" | "RespondVideo" | "Escalate" | "Ignore"
--   rule     snake_case id of the rule that fired (shown in logs, metrics, audit, tests)
--   reason   one short human sentence (shown to operators, never to the customer)
--   template name of a text in rules/templates.yaml (RespondText only, required there),
--            or "faq.<id>": the answer of an entry of rules/faq.yaml
--   product  catalog product id (required for RespondImage/RespondVideo; for RespondText
--            it is the product the template's {product.*} placeholders talk about)
--   state    proposed next conversation state (optional; config decides which
--            transitions are allowed, a forbidden one is rejected by the host)
-- Any other field is an error. The host renders the text, checks it with the validator
-- (rules/forbidden_words.lua + catalog) and counts it against the quotas.
--
-- HOW THE POLICY IS WRITTEN
--   `decide` (below) is an ordered list of rules: one commented `if` block per rule,
--   checked top to bottom; the first block that returns wins. Each block returns through
--   a small builder — ignore / escalate / respond / send_media — whose first argument is
--   the rule id. The last block always answers, so `decide` always returns a decision.
--   (A plain if-chain rather than a table of rule functions: it reads the same and costs
--   less than half the time — see bench/lua/README.md.)
--
-- HOW TO CHANGE IT
--   * Move a block to change its priority; copy a block to add a case (give it a new,
--     unique snake_case id: rule tests in rules/tests/*.yaml refer to rules by id).
--   * Change a text: edit rules/templates.yaml, not this file.
--   * Then run `sellify check` (compiles the rules) and `sellify test` (rule tests).
--     A broken file never replaces the rules that are running: the error is reported
--     with file and line and the old rules stay.
--
-- RULES OF THE SANDBOX (the host enforces them)
--   * Decisions must be a pure function of ctx: no clocks, no randomness, no state kept
--     between calls (a pool of Lua states serves the calls; module-level tables here are
--     read-only constants). Build and return a NEW table every call.
--   * Globals are frozen after this file loads: declare helpers `local`; only `decide`
--     is global. Reading an undefined global (a typo) is an error at call time.
--   * Never depend on `pairs` order; use arrays and `ipairs` / numeric `for`.
--   * Available: string, table, math (no random), utf8, and the `sellify` table:
--       sellify.contains_any(text, list)   plain substring test
--       sellify.catalog.find(id)           product table or nil
--       sellify.log.info(...)              log line (use sparingly: it runs per message)
--       sellify.metrics.inc(name, labels)  custom counter, e.g.
--         sellify.metrics.inc("sellify_rule_custom_total", { rule = "vip_customer" })
--         (labels are strings from a small fixed set — never put text or ids in labels)
--
-- CTX FIELDS THIS POLICY READS (a missing sub-table reads as empty, never an error)
--   ctx.event.type, ctx.event.normalized, ctx.intent, ctx.media_request,
--   ctx.faq (id of the rules/faq.yaml entry the message asks, or nil),
--   ctx.quantity (how many of ctx.products[1] the message states, 1-12, or nil),
--   ctx.products[i].{id, in_stock, images, videos}, ctx.conversation.{state, opted_out},
--   ctx.conversation.product (the product talked about before: follow-ups such as
--   "send me a photo" or "I'll take it" name none), ctx.conversation.products,
--   ctx.conversation.fallbacks (messages in a row not understood),
--   ctx.quota.{messages_today, messages_week, images_today, videos_week}.remaining
--   (Also available but unused by default: ctx.event.local_date/local_time/weekday,
--   ctx.event.decided_at/received_at/age_seconds,
--   ctx.language, ctx.conversation.{language, last_intent, human_active} and counters,
--   ctx.cooldown, ctx.account — see the business-hours example at the end of this file.)
--
-- WHAT THE HOST DOES WHATEVER THIS FILE SAYS
--   * Opted out: an opted-out conversation gets nothing until the customer opts back
--     in (intent opt_in and a state out of "opted_out"): any other answer is turned
--     into Ignore, rule "opted_out_enforced".
--   * Handoff: Escalate sends the customer the "handoff" template (within the quotas),
--     notifies the team through the alert sinks and hands the conversation to a
--     person; until it is handed back (POST /api/v1/conversations/{id}/handback, or
--     conversation.handoff.idle_timeout without an agent message) every message is
--     Ignore, rule "human_active" — except an opt-out, which this file confirms.
--   * Cooldown: an answer inside the cooldown is deferred, not dropped: the connector
--     posts the message again when the cooldown ends and the messages of the burst
--     are answered together (ctx.event.text then holds them all, one per line).
--   * Quotas: an answer over a quota becomes Ignore, rule "quota_enforced".

local text = require "text"   -- rules/lib/text.lua

-- ── Settings (read-only constants) ───────────────────────────────────────────────────

-- Message types a human should look at (a voice note, a photo of a broken product…).
-- Every other non-text type (sticker, reaction, location, contact, or a type added to
-- the connector later) is ignored.
local CUSTOMER_MEDIA_TYPES = { audio = true, image = true, video = true }

-- Short "thank you / ok" messages: answering them only spends quota. A message is an
-- acknowledgement when its intent is "other", it mentions no product, has at most
-- ACK_MAX_WORDS words and contains one of these (normalized, whole words).
local ACKNOWLEDGEMENTS = {
  "ok", "okay", "okey", "thanks", "thank you", "thx", "great", "perfect", "cool",
  "gracias", "muchas gracias", "vale", "perfecto", "listo", "de acuerdo", "genial",
}
local ACK_MAX_WORDS = 4

-- The sales funnel, in order. The policy only proposes moving FORWARD along it (a
-- greeting in the middle of a purchase does not send the conversation back to
-- "greeting"). "escalated" and "opted_out" are outside the funnel and always proposed
-- when they apply.
local FUNNEL = { new = 1, greeting = 2, browsing = 3, interested = 4, negotiating = 5, closing = 6 }

-- Intents that talk about a specific product (used by the out_of_stock rule).
local COMMERCIAL = { price_question = true, product_question = true, purchase_intent = true }

-- Messages in a row the assistant did not understand before a person takes over:
-- the next one after this many fallbacks is handed over.
local FALLBACKS_BEFORE_HANDOFF = 2

-- Read-only stand-in for a missing sub-table of ctx, so a missing field reads as nil
-- instead of raising an error. Never written to.
local NONE = {}

-- ── Helpers ──────────────────────────────────────────────────────────────────────────

-- `target` if it is further along the funnel than `state`, else nil (nil = "propose no
-- state change"). From "escalated"/"opted_out" nothing is proposed.
local function advance(state, target)
  local now = FUNNEL[state]
  if now ~= nil and FUNNEL[target] > now then return target end
  return nil
end

-- true when a quota window ({ used, limit, remaining }) has nothing left; a window the
-- host did not send (nil) counts as not exhausted.
local function exhausted(q)
  return q ~= nil and q.remaining ~= nil and q.remaining <= 0
end

-- The first mentioned product with at least one item of `field` ("images" or
-- "videos"), or nil.
local function first_with(products, field)
  for i = 1, #products do
    local n = products[i][field]
    if n ~= nil and n > 0 then return products[i] end
  end
  return nil
end

-- Decision builders: the first argument is the rule id. Every call returns a NEW table.
local function ignore(rule, reason, state)
  return { action = "Ignore", rule = rule, reason = reason, state = state }
end

-- Hand over to a human; the conversation becomes "escalated" (the assistant then stays
-- silent in it, see rule "escalated", until a person hands it back).
local function escalate(rule, reason)
  return { action = "Escalate", rule = rule, reason = reason, state = "escalated" }
end

local function respond(rule, template, product, state, reason)
  return { action = "RespondText", rule = rule, template = template, reason = reason,
           state = state, product = product and product.id }
end

local function send_media(action, rule, product, state, reason)
  return { action = action, rule = rule, product = product.id, state = state, reason = reason }
end

-- ── The policy ───────────────────────────────────────────────────────────────────────
-- One `if` block per rule, checked top to bottom; the first block that returns wins.
-- The first argument of ignore/escalate/respond/send_media is the rule id.
-- To add a rule: copy a block, give it a new unique snake_case id, put it where its
-- priority belongs. The last block always answers, so decide always returns a decision.

function decide(ctx)
  local event    = ctx.event or NONE
  local conv     = ctx.conversation or NONE
  local quota    = ctx.quota or NONE
  local named    = ctx.products or NONE     -- the products this message names
  local intent   = ctx.intent
  local media    = ctx.media_request        -- "image" | "video" | nil
  local faq      = ctx.faq                  -- a rules/faq.yaml id | nil
  local quantity = ctx.quantity             -- 1..12 | nil
  local state    = conv.state or "new"
  -- The products this message is about: those it names, else (a follow-up such as
  -- "send me a photo", "I'll take it") those the conversation was about.
  local products = named
  if #products == 0 then products = conv.products or NONE end
  local product  = products[1]              -- the product the customer talks about (first mentioned)

  -- 1. Safety and consent ────────────────────────────────────────────────────────────

  -- opt_in: an opted-out customer asks to receive messages again ("START",
  -- "quiero volver a recibir mensajes"): confirm and start over.
  if intent == "opt_in" and (conv.opted_out or state == "opted_out") then
    return respond("opt_in", "opt_in_confirmation", nil, "new", "the customer asked to receive messages again")
  end

  -- already_opted_out: the customer opted out earlier; never write to them again.
  if conv.opted_out or state == "opted_out" then
    return ignore("already_opted_out", "the customer opted out earlier")
  end

  -- opt_out: the customer asks us to stop now; confirm it once and remember it.
  if intent == "opt_out" then
    return respond("opt_out", "opt_out_confirmation", nil, "opted_out",
                   "the customer asked to stop receiving messages")
  end

  -- escalated: a human agent has this conversation; the assistant stays out of it
  -- (the host enforces it too, as "human_active").
  if state == "escalated" then
    return ignore("escalated", "a human agent is handling this conversation")
  end

  -- human_request: the customer asks for a person.
  if intent == "human_request" then
    return escalate("human_request", "the customer asked to talk to a person")
  end

  -- complaint: something went wrong; a person must answer, not a sales template.
  if intent == "complaint" then
    return escalate("complaint", "complaint or order problem: a person should answer")
  end

  -- 2. Message types ────────────────────────────────────────────────────────────────
  local mtype = event.type

  if mtype ~= "text" then
    -- customer_media: voice notes, photos and videos from the customer; the assistant
    -- cannot hear or see them, a person should.
    if CUSTOMER_MEDIA_TYPES[mtype] then
      return escalate("customer_media", "the customer sent " .. mtype .. ": a person should look at it")
    end
    -- unsupported_message_type: stickers, reactions, locations, contacts (and any type
    -- this policy does not know): nothing to answer.
    return ignore("unsupported_message_type", "message type '" .. tostring(mtype) .. "' needs no answer")
  end

  -- empty_message: a text with no letters or digits ("??", only emoji).
  if text.is_blank(event.normalized) then
    return ignore("empty_message", "the message has no words")
  end

  -- 3. Anti-ban limits (the host enforces them too; these rules name the reason) ─────

  -- quota_exhausted: no messages left today or this week.
  if exhausted(quota.messages_today) or exhausted(quota.messages_week) then
    return ignore("quota_exhausted", "message quota reached for this day or week")
  end

  -- (No cooldown rule: the host defers an answer inside the cooldown and answers the
  -- burst of messages together when it ends. ctx.cooldown.active says it is on.)

  -- 4. Photos and videos asked for ("send me a photo of the mug") ───────────────────
  if media ~= nil then
    -- send_image: a mentioned product has photos and today's image quota has room.
    if media == "image" and not exhausted(quota.images_today) then
      local p = first_with(products, "images")
      if p then
        return send_media("RespondImage", "send_image", p, advance(state, "browsing"),
                          "the customer asked for a photo of a catalog product")
      end
    end
    -- send_video: a mentioned product has videos and this week's video quota has room.
    if media == "video" and not exhausted(quota.videos_week) then
      local p = first_with(products, "videos")
      if p then
        return send_media("RespondVideo", "send_video", p, advance(state, "browsing"),
                          "the customer asked for a video of a catalog product")
      end
    end
    -- media_without_product: no product named; ask which one.
    if product == nil then
      return respond("media_without_product", "ask_which_product", nil, advance(state, "browsing"),
                     "media requested without naming a product")
    end
    -- media_unavailable: the product has no photo/video of that kind, or the image/video
    -- quota is used up.
    return respond("media_unavailable", "media_unavailable", product, advance(state, "browsing"),
                   "no " .. media .. " available to send for this product now")
  end

  -- 5. Common questions (rules/faq.yaml) ────────────────────────────────────────────

  -- faq: shipping, payment methods, hours, returns… answered from rules/faq.yaml
  -- (template "faq.<id>"), when no product is in play (none named, none talked about
  -- before): "¿hacen envíos?", "¿cuánto cuesta el envío?", "¿cómo pago?" get the
  -- answer, not "which product?". With a product in play the sales rules below answer
  -- first ("lo quiero, ¿cómo pago?" after talking about the mug is a purchase), and
  -- faq_about_product answers what they leave ("¿la taza tiene envío gratis?" asks no
  -- price and wants nothing yet). Accepted trade-off: "¿cuánto cuesta el envío de la
  -- taza?" is a price question about the mug and gets its price.
  if faq ~= nil and product == nil then
    return respond("faq", "faq." .. faq, nil, nil, "a common question answered from rules/faq.yaml")
  end

  -- 6. Sales questions ───────────────────────────────────────────────────────────────

  -- price_multiple: the price of several products named at once ("precio de la
  -- libreta y de la taza"): one answer listing each with its price
  -- ({products.prices}, which says which are out of stock). Before out_of_stock, which
  -- looks at the first product only.
  if intent == "price_question" and #named >= 2 then
    return respond("price_multiple", "price_multiple", named[1], advance(state, "interested"),
                   "price question about several catalog products")
  end

  -- out_of_stock: asking about, pricing or buying a product we cannot deliver now.
  if product and not product.in_stock and COMMERCIAL[intent] then
    return respond("out_of_stock", "out_of_stock", product, advance(state, "browsing"),
                   "the product asked about is out of stock")
  end

  -- purchase_quantity: the message says how many it wants of the product it names
  -- ("quiero 3 tazas", "2 mugs please", "dos libretas"): an order even without a
  -- purchase phrase. The answer repeats the quantity and the unit price, never a total
  -- (the validator lets only catalog prices through). A product out of stock falls
  -- through to product_mentioned, which says so.
  if quantity and named[1] and named[1].in_stock and (intent == "purchase_intent" or intent == "other") then
    return respond("purchase_quantity", "purchase_quantity", named[1], advance(state, "closing"),
                   "the customer ordered a quantity of a catalog product")
  end

  if intent == "price_question" then
    -- price_question: the price of the product named.
    if product then
      return respond("price_question", "price", product, advance(state, "interested"),
                     "price question about a catalog product")
    end
    -- price_without_product: ask which product.
    return respond("price_without_product", "ask_which_product", nil, advance(state, "browsing"),
                   "price question without a product: ask which one")
  end

  if intent == "product_question" then
    -- product_question: one fact and the price of the product named.
    if product then
      return respond("product_question", "product_info", product, advance(state, "browsing"),
                     "question about a catalog product")
    end
    -- product_question_without_product: ask which product.
    return respond("product_question_without_product", "ask_which_product", nil,
                   advance(state, "browsing"), "product question without a product: ask which one")
  end

  if intent == "purchase_intent" then
    -- purchase_intent: the customer wants to buy the product named; a person confirms
    -- the order and payment afterwards (state "closing").
    if product then
      return respond("purchase_intent", "purchase", product, advance(state, "closing"),
                     "the customer wants to buy a catalog product")
    end
    -- purchase_without_product: ask which product.
    return respond("purchase_without_product", "ask_which_product", nil, advance(state, "interested"),
                   "the customer wants to buy but named no product: ask which one")
  end

  -- faq_about_product: a common question about a product in play that no sales rule
  -- took ("¿la taza tiene envío gratis?", "¿puedo devolver la libreta?", or "¿hacen
  -- envíos?" after talking about the mug): the FAQ answer, the product kept in focus.
  if faq ~= nil then
    return respond("faq_about_product", "faq." .. faq, product, advance(state, "browsing"),
                   "a common question about a product, answered from rules/faq.yaml")
  end

  -- 7. Everything else ───────────────────────────────────────────────────────────────

  -- greeting: "hola", "hi".
  if intent == "greeting" then
    return respond("greeting", "greeting", nil, advance(state, "greeting"), "greeting")
  end

  -- From here on the intent is "other".

  -- product_mentioned: no known phrase, but a product was named ("plan premium?"):
  -- describe it (or say it is out of stock).
  product = named[1]
  if product then
    if not product.in_stock then
      return respond("product_mentioned", "out_of_stock", product, advance(state, "browsing"),
                     "a product was named and it is out of stock")
    end
    return respond("product_mentioned", "product_info", product, advance(state, "browsing"),
                   "a catalog product was named without a question")
  end

  -- acknowledgement: "ok", "gracias", "thanks!"; no answer needed, save the quota.
  local normalized = event.normalized
  if text.word_count(normalized) <= ACK_MAX_WORDS and text.has_any_word(normalized, ACKNOWLEDGEMENTS) then
    return ignore("acknowledgement", "short acknowledgement, no answer needed")
  end

  -- repeated_fallback: the customer was not understood several times in a row; a
  -- person takes over instead of a third "sorry, I didn't get that".
  if (conv.fallbacks or 0) >= FALLBACKS_BEFORE_HANDOFF then
    return escalate("repeated_fallback", "the customer was not understood several times in a row")
  end

  -- fallback: nothing else matched; offer help (products, prices, photos, or a person).
  -- Deterministic and simple on purpose: the same message always gets the same answer.
  return respond("fallback", "fallback_help", nil, nil, "message not understood: offer help")
end

-- ── Example: business hours (not active) ────────────────────────────────────────────
-- ctx.event.local_time ("14:15", account timezone) and ctx.event.weekday (1 = Monday …
-- 7 = Sunday) come from the decision's time (the server's clock as the message arrived,
-- recorded with the decision), so this stays deterministic. To hand
-- sales over to people outside 09:00–19:59 Monday–Saturday, add this block to decide
-- right after "quota_exhausted" (the host then hands the conversation to a person,
-- who answers when they are in; conversation.handoff.idle_timeout gives it back):
--   -- outside_business_hours: people answer these in the morning.
--   if event.weekday == 7 or event.local_time < "09:00" or event.local_time >= "20:00" then
--     return { action = "Escalate", rule = "outside_business_hours",
--              reason = "message outside business hours" }
--   end
