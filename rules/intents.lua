-- rules/intents.lua — what the customer wants, from the words in the message.
--
-- This file is DATA, not code: it defines three tables (`intents`, `media`, `languages`)
-- that the host compiles into one fast native matcher. Nothing in here runs per message.
--
-- HOW MATCHING WORKS
--   * Matching runs on the NORMALIZED message: lowercase, accents removed (á → a, ñ → n),
--     Unicode NFKC, whitespace collapsed to single spaces, obfuscations undone
--     ("pr3c10" → "precio"). So "¿Cuánto CUESTA?" is matched as "¿cuanto cuesta?".
--   * A phrase matches at WORD BOUNDARIES: "hi" matches "hi there" but not "this";
--     "precio" matches "el precio?" but not "preciosa".
--   * Write every phrase already normalized: lowercase ASCII letters, digits and single
--     spaces. No accents (write "cuanto", not "cuánto"), no apostrophes (write "dont" AND
--     "do not", since customers type both), no punctuation.
--   * Inflections are separate phrases: "cuesta" does not match "cuestan".
--
-- PRIORITY
--   `intents` is an ORDERED list. The first intent (top to bottom) with ANY matching
--   phrase wins; if nothing matches, the intent is "other". Safety first: opting out,
--   asking for a human and complaining are checked before anything commercial, so
--   "stop asking me about prices, how much is it" is an opt-out, and
--   "hola, no funciona mi pedido" is a complaint, not a greeting.
--   Greeting is last, so "hola, ¿cuánto cuesta?" is a price question.
--
-- HOW TO CHANGE IT
--   * Add a phrase: append it to the right list (keep it normalized, see above), then
--     run `sellify check` (syntax + phrase sanity) and `sellify test` (rules/tests).
--   * A phrase that causes wrong matches: make it longer ("baja" → "darme de baja").
--   * Do not add, rename or remove intents: the set is fixed (greeting, price_question,
--     product_question, purchase_intent, complaint, human_request, opt_out, opt_in,
--     other) and
--     rules/decision.lua branches on these names.
--
-- Catalog products mentioned in the message (names and aliases from catalog.yaml) are
-- found separately by the host; they are not listed here. Nor are common questions
-- (shipping, payment methods, hours, returns): their phrases are in rules/faq.yaml,
-- matched the same way and reported beside the intent (ctx.faq).

intents = {
  -- ── 1. opt_out ────────────────────────────────────────────────────────────────────
  -- The customer does not want any more messages. Decision: never answer again.
  -- A false positive silences a customer, a false negative risks a spam report and a
  -- banned number; we prefer to err on the side of silence. "stop" alone is kept on
  -- purpose (the keyword customers know from SMS).
  { name = "opt_out", phrases = {
      -- English
      "stop", "unsubscribe", "opt out", "remove me", "dont message me",
      "do not message me", "dont text me", "dont contact me", "do not contact me",
      "leave me alone", "no more messages",
      -- Español (México)
      "no me escribas", "no me escriban", "dejen de escribirme", "deja de escribirme",
      "darme de baja", "dar de baja", "dame de baja", "no me manden mensajes",
      "ya no quiero mensajes", "no quiero mas mensajes", "no me contacten",
      "borrame de la lista", "sacame de la lista",
  } },

  -- ── 2. human_request ──────────────────────────────────────────────────────────────
  -- The customer asks for a person. Decision: Escalate (hand over to a human agent).
  -- "persona" alone is NOT a phrase: "un plan para una persona" is not a request.
  { name = "human_request", phrases = {
      -- English
      "agent", "human", "real person", "talk to a person", "speak to a person",
      "talk to someone", "speak to someone", "customer service", "representative",
      "operator", "call me",
      -- Español (México)
      "asesor", "asesora", "agente", "humano", "persona real",
      "hablar con una persona", "hablar con alguien",
      "atencion a clientes", "atencion al cliente", "operador", "llamame",
      "me pueden llamar", "ejecutivo",
  } },

  -- ── 3. complaint ──────────────────────────────────────────────────────────────────
  -- Something went wrong (product, order, payment). Decision: Escalate; an angry customer
  -- must never get a canned sales answer. Order problems ("where is my order",
  -- "cancelar mi pedido") are here on purpose: a human has to look at the order.
  { name = "complaint", phrases = {
      -- English
      "not working", "doesnt work", "broken", "refund", "scam", "never arrived",
      "charged twice", "damaged", "money back", "where is my order",
      "cancel my order",
      -- Español (México)
      "no funciona", "no sirve", "no me llego", "no ha llegado", "reembolso",
      "devolucion", "queja", "estafa", "fraude", "mal servicio",
      "me cobraron doble", "defectuoso", "donde esta mi pedido", "no llego",
      "nadie me responde", "nadie me contesta",
      "cancelar mi pedido",
  } },

  -- ── 4. purchase_intent ────────────────────────────────────────────────────────────
  -- The customer wants to buy or pay. Decision: purchase template (or ask which product).
  -- Checked before price_question: "lo quiero, ¿cuánto es?" is a purchase.
  { name = "purchase_intent", phrases = {
      -- English
      "i want it", "buy", "ill take it", "i will take it", "how do i pay",
      "how can i pay", "where do i pay", "place an order", "i want to order",
      "checkout", "sign me up", "purchase",
      -- Español (México)
      "lo quiero", "la quiero", "los quiero", "quiero comprar", "quiero comprarlo",
      "como compro", "donde compro", "donde pago", "como pago", "quiero pagar",
      "me lo llevo", "apartalo", "hacer un pedido",
  } },

  -- ── 5. price_question ─────────────────────────────────────────────────────────────
  -- Questions about price, cost, discounts. Decision: price template (or ask which
  -- product). "cuanto" alone is NOT a phrase: "¿cuánto tarda el envío?" is not about
  -- price. Known, accepted false positive: "me cuesta entenderlo" ("it is hard for me")
  -- matches "cuesta"; the answer is then "which product?", which is harmless.
  { name = "price_question", phrases = {
      -- English
      "how much", "price", "prices", "pricing", "cost", "costs", "discount",
      "discounts", "fee", "expensive",
      -- Español (México)
      "cuanto cuesta", "cuesta", "cuestan", "cuanto vale", "cuanto sale",
      "cuanto es", "en cuanto", "cuanto cobran", "precio", "precios", "costo",
      "costos", "tarifa", "descuento", "promocion",
  } },

  -- ── 6. product_question ───────────────────────────────────────────────────────────
  -- What a product is, includes, how it works, sizes, availability.
  -- Decision: product_info template (or out_of_stock / ask which product).
  { name = "product_question", phrases = {
      -- English
      "what is included", "include", "info", "information", "details",
      "features", "how does it work", "do you have", "available", "in stock",
      "tell me about", "sizes",
      -- Español (México)
      "incluye", "informacion", "detalles", "caracteristicas", "como funciona",
      "tienen", "tienes", "disponible", "en existencia", "talla", "tallas",
      "colores", "garantia",
  } },

  -- ── 7. opt_in ──────────────────────────────────────────────────────────────────────
  -- The customer asks to receive messages again after opting out. Only this intent
  -- lifts an opt-out (the host refuses any other way out of "opted_out"). Keep the
  -- phrases explicit: a false positive writes to someone who asked us to stop.
  -- Just before greeting, so "when does the course start, how much?" stays a price
  -- question; in a conversation that never opted out the policy treats it as "other".
  { name = "opt_in", phrases = {
      -- English
      "start", "unstop", "resume messages", "opt in", "subscribe me again",
      "send me messages again",
      -- Español (México)
      "quiero volver a recibir mensajes", "volver a recibir mensajes",
      "quiero recibir mensajes", "reactivar mensajes", "activar mensajes",
  } },

  -- ── 8. greeting ───────────────────────────────────────────────────────────────────
  -- Hello and nothing more specific. Decision: greeting template.
  -- Last on purpose: any other intent in the same message wins.
  { name = "greeting", phrases = {
      -- English
      "hi", "hello", "hey", "good morning", "good afternoon",
      "good evening", "greetings",
      -- Español (México)
      "hola", "holaa", "holi", "ola", "buenas", "buen dia", "buenos dias",
      "buenas tardes", "buenas noches", "que tal", "que onda", "saludos",
  } },
}

-- MEDIA REQUESTS ───────────────────────────────────────────────────────────────────────
-- Independent of the intent: "send me a photo of the mug" is intent "other" (or whatever
-- else matches) AND media_request = "image". Same matching rules as above (normalized,
-- word boundaries). A message matching both kinds is reported as "image" (the host
-- checks image first; `media` is a keyed table, so order cannot come from here).
media = {
  image = {
    "photo", "photos", "picture", "pictures", "pic", "pics", "image", "images",
    "what does it look like",
    "foto", "fotos", "fotito", "imagen", "imagenes", "como se ve", "como luce",
  },
  video = {
    "video", "videos", "clip", "demo video",
    "un video", "videito",
  },
}

-- LANGUAGE GUESS ───────────────────────────────────────────────────────────────────────
-- The reply language: the language with the most matching words in the message wins;
-- a tie or no match gives `default`. Only list words that are typical of ONE language
-- (not "no", "me", "a", "plan", "video": they exist in both). Templates exist for
-- exactly these languages (rules/templates.yaml has an `en` and an `es` text for each).
languages = {
  default = "es",
  es = {
    "hola", "buenas", "buenos", "cuanto", "cuesta", "precio", "quiero", "que",
    "el", "la", "los", "las", "de", "del", "por", "favor", "gracias", "tienen",
    "tienes", "como", "donde", "necesito", "para", "con", "mi", "es", "esta",
    "una", "un", "y", "pero", "tambien", "envio", "comprar", "puedo", "foto",
  },
  en = {
    "hello", "hi", "hey", "how", "much", "price", "want", "the", "is", "are",
    "please", "thanks", "thank", "you", "what", "have", "can", "i", "my", "for",
    "with", "do", "does", "it", "this", "buy", "order", "need", "send", "photo",
    "and", "of",
  },
}
