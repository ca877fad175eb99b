-- rules/forbidden_words.lua — what the assistant must NEVER say.
--
-- The validator (anti-hallucination stage) checks every OUTGOING text — template or
-- AI-written — against this list before it is sent. It is not applied to what the
-- customer writes. On a "block" hit the text is not sent: the AI is asked to rewrite it
-- (a few times), then the host falls back to a template or hands over to a human.
-- A "warn" hit is sent but counted and logged, so an operator can review it.
--
-- HOW MATCHING WORKS
--   * Matching runs on the NORMALIZED outgoing text: lowercase, accents removed,
--     whitespace collapsed, obfuscations undone ("g4rant1zado" → "garantizado",
--     "g.u.a.r.a.n.t.e.e.d" → "guaranteed"). Write entries normalized: lowercase, no
--     accents ("ultima oportunidad", not "Última oportunidad").
--   * `phrase` = plain text, matched at word boundaries (like rules/intents.lua):
--     "no risk" matches "there is no risk" but not "no risky". Inflections are separate
--     entries ("garantizado", "garantizada").
--   * A `phrase` is ALSO found written apart, squeezed of everything but letters and
--     digits: "gu ar an te ed", "guar·an·teed", "*g*uaranteed", "guarant€€d", "r!sk-free",
--     "100 percent safe" — still starting and ending at word boundaries and within one
--     sentence, so "no. Risk" is not "no risk". Prefer phrases (one per inflection).
--   * Look-alike letters of other scripts (Cyrillic "а", small capitals "ɢᴜᴀʀᴀɴᴛᴇᴇᴅ"),
--     invisible and filler characters, dashes of every kind are undone before matching.
--   * `pattern` = a Lua pattern, for the few cases a phrase cannot express. Use them
--     sparingly (they are slower, and see only the normalized text, never the squeezed
--     one) and escape magic characters: "%%" is a literal "%", "%-" a literal "-".
--     `%f[%w]word%f[%W]` is the whole-word idiom (it keeps "cure" from matching inside
--     "secure").
--   * Each entry has exactly one of `phrase` / `pattern`, a `category` (a label used in
--     metrics and reports — keep the set small) and a `severity`: "block" or "warn".
--
-- HOW TO CHANGE IT
--   Add or remove a row, then run `sellify check` (compiles and checks every entry) and
--   `sellify test`. Try a text by hand with `sellify validate "some text"`.
--   The templates in rules/templates.yaml must never trip this list (`sellify check`
--   renders every template and validates it).
--
-- Categories:
--   false_claims         promises nobody can keep ("guaranteed", "risk free", "miracle")
--   medical              health claims (cure, weight loss, "no side effects")
--   financial            get-rich / easy-money claims
--   pressure             high-pressure sales language (warn: allowed, but reviewed)
--   contact_offplatform  moving the customer or the payment off the official channel

forbidden = {
  -- false_claims ─────────────────────────────────────────────────────────────────────
  -- Every inflection is its own phrase: phrases are also found written apart
  -- ("gu ar an te ed", "risk-free", "100 percent safe"), which patterns are not.
  { phrase = "guaranteed",            category = "false_claims", severity = "block" },
  { phrase = "guarantee",             category = "false_claims", severity = "block" },
  { phrase = "guarantees",            category = "false_claims", severity = "block" },
  { phrase = "guaranteeing",          category = "false_claims", severity = "block" },
  { phrase = "garantizado",           category = "false_claims", severity = "block" },
  { phrase = "garantizada",           category = "false_claims", severity = "block" },
  { phrase = "garantizados",          category = "false_claims", severity = "block" },
  { phrase = "garantizadas",          category = "false_claims", severity = "block" },
  { phrase = "garantizamos",          category = "false_claims", severity = "block" },
  { phrase = "garantizo",             category = "false_claims", severity = "block" },
  { phrase = "garantiza",             category = "false_claims", severity = "block" },
  { phrase = "garantizan",            category = "false_claims", severity = "block" },
  { phrase = "100% safe",             category = "false_claims", severity = "block" },
  { phrase = "100% seguro",           category = "false_claims", severity = "block" },
  { phrase = "100% segura",           category = "false_claims", severity = "block" },
  { phrase = "100% seguros",          category = "false_claims", severity = "block" },
  { phrase = "100% seguras",          category = "false_claims", severity = "block" },
  { phrase = "risk free",             category = "false_claims", severity = "block" },
  { phrase = "no risk",               category = "false_claims", severity = "block" },
  { phrase = "zero risk",             category = "false_claims", severity = "block" },
  { phrase = "sin riesgo",            category = "false_claims", severity = "block" },
  { phrase = "sin riesgos",           category = "false_claims", severity = "block" },
  { phrase = "cero riesgo",           category = "false_claims", severity = "block" },
  { phrase = "cero riesgos",          category = "false_claims", severity = "block" },
  { phrase = "miracle",               category = "false_claims", severity = "block" },
  { phrase = "miracles",              category = "false_claims", severity = "block" },
  { phrase = "miraculous",            category = "false_claims", severity = "block" },
  { phrase = "milagro",               category = "false_claims", severity = "block" },
  { phrase = "milagros",              category = "false_claims", severity = "block" },
  { phrase = "milagroso",             category = "false_claims", severity = "block" },
  { phrase = "milagrosa",             category = "false_claims", severity = "block" },
  { phrase = "milagrosos",            category = "false_claims", severity = "block" },
  { phrase = "milagrosas",            category = "false_claims", severity = "block" },
  { phrase = "instant results",       category = "false_claims", severity = "block" },
  { phrase = "resultados inmediatos", category = "false_claims", severity = "block" },

  -- medical ──────────────────────────────────────────────────────────────────────────
  { phrase = "cure",                  category = "medical", severity = "block" },
  { phrase = "cures",                 category = "medical", severity = "block" },
  { phrase = "cured",                 category = "medical", severity = "block" },
  { phrase = "cura",                  category = "medical", severity = "block" },
  { phrase = "curas",                 category = "medical", severity = "block" },
  { phrase = "curamos",               category = "medical", severity = "block" },
  { phrase = "lose weight fast",      category = "medical", severity = "block" },
  { phrase = "peso rapido",           category = "medical", severity = "block" },  -- "baja de peso rápido"
  { phrase = "no side effects",       category = "medical", severity = "block" },
  { phrase = "sin efectos secundarios", category = "medical", severity = "block" },
  -- Only "warn": true for some products, but must be checked by a person each time.
  { phrase = "clinically proven",     category = "medical", severity = "warn" },
  { phrase = "clinicamente probado",  category = "medical", severity = "warn" },
  { phrase = "clinicamente comprobado", category = "medical", severity = "warn" },

  -- financial ────────────────────────────────────────────────────────────────────────
  { phrase = "free money",            category = "financial", severity = "block" },
  { phrase = "easy money",            category = "financial", severity = "block" },
  { phrase = "dinero facil",          category = "financial", severity = "block" },
  { phrase = "get rich",              category = "financial", severity = "block" },
  { phrase = "hazte rico",            category = "financial", severity = "block" },
  { phrase = "double your money",     category = "financial", severity = "block" },
  { phrase = "duplica tu dinero",     category = "financial", severity = "block" },

  -- pressure (warn) ──────────────────────────────────────────────────────────────────
  { phrase = "last chance",           category = "pressure", severity = "warn" },
  { phrase = "ultima oportunidad",    category = "pressure", severity = "warn" },
  { phrase = "act now",               category = "pressure", severity = "warn" },
  { phrase = "only today",            category = "pressure", severity = "warn" },
  { phrase = "solo por hoy",          category = "pressure", severity = "warn" },

  -- contact_offplatform ──────────────────────────────────────────────────────────────
  { phrase = "whatsapp me at",        category = "contact_offplatform", severity = "block" },
  { phrase = "escribeme al",          category = "contact_offplatform", severity = "block" },
  { phrase = "my personal number",    category = "contact_offplatform", severity = "block" },
  { phrase = "mi numero personal",    category = "contact_offplatform", severity = "block" },
  -- also catches "transfer to my personal account"
  { phrase = "my personal account",   category = "contact_offplatform", severity = "block" },
  { phrase = "mi cuenta personal",    category = "contact_offplatform", severity = "block" },
}

-- ── Optional custom check ─────────────────────────────────────────────────────────────
-- `check(text, ctx)` is OPTIONAL: delete it and the list above still works. The host
-- calls it once per outgoing text, after the list, with:
--   text  the outgoing text AS WRITTEN (not normalized: case and accents are visible)
--   ctx   the decision context (may be nil when validating a text on its own, e.g.
--         `sellify validate`), so never rely on it being there
-- It returns nil (nothing found) or an array of violations:
--   { code = "snake_case_id", message = "human sentence", start = i, finish = j }
-- where start/finish are 1-based inclusive BYTE offsets into `text`.
-- Same sandbox rules as decision.lua: local helpers, no state kept between calls.
--
-- Example shipped: SHOUTING. A stretch of text with no lowercase letter and more than
-- SHOUT_MIN_LETTERS capital letters (spaces, digits and punctuation do not break it)
-- looks aggressive on WhatsApp. Only ASCII letters are considered, so "AÑO" counts 2
-- capitals and does not break the stretch.

local SHOUT_MIN_LETTERS = 21   -- "longer than 20 letters"

function check(text, ctx)
  local found = nil
  -- Each stretch between lowercase ASCII letters: ()…() capture byte positions.
  for from, stretch in string.gmatch(text, "()([^a-z]+)") do
    local _, capitals = string.gsub(stretch, "%u", "")
    if capitals >= SHOUT_MIN_LETTERS then
      -- Trim to the first and last capital letter of the stretch (bytes >= 128 count
      -- as letters here, so a leading "Ú" or trailing "Ñ" is kept whole).
      local first = string.find(stretch, "[%u\128-\255]")
      local last = string.find(stretch, "[%u\128-\255][^%u\128-\255]*$")
      found = found or {}
      found[#found + 1] = {
        code = "shouting",
        message = "text in capital letters (" .. capitals .. " letters) reads as shouting",
        start = from + first - 1,
        finish = from + last - 1,
      }
    end
  end
  return found
end
