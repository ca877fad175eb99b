-- bench/wrk/decisions.lua — POST /api/v1/decisions with varied, realistic message events.
--
--   BENCH_API_KEY=<key> wrk -t2 -c64 -d15s --latency -s bench/wrk/decisions.lua \
--       http://127.0.0.1:PORT/api/v1/decisions -- <run-tag>
--
-- Every request carries a distinct message_id (<run-tag>-t<thread>-<n>), so no request is an
-- idempotent replay; the run tag keeps ids distinct across runs on one store. Conversations:
-- 2,000 per wrk thread ("bench:<tag>-t<thread>-c<k>"; not "wa:": one WhatsApp number may send
-- only 80 messages a second, and the rest would be deferred), visited round robin, so a conversation
-- gets its next message ~2,000 requests later (no two in flight at once, no commit conflicts)
-- and the same conversation sees different texts over the run. Texts: greetings, prices,
-- product info, purchases, image and video requests, human requests, complaints and small
-- talk in Spanish and English with the catalog's product names; opt-out words ("STOP", "ya no
-- quiero mensajes", …) only in 1 conversation in 25, because an opted-out conversation is
-- ignored from then on and would otherwise take over the mix. received_at is the current time.
--
-- Per response the script counts the status codes, the decided actions, fallbacks
-- ("fallback":true, a stage failed) and idempotent replays, and keeps the first 5 non-2xx
-- bodies; done() prints them (wrk's own "Non-2xx or 3xx responses" line is printed too).

local texts = {
  "Hola!", "hi there", "buenas tardes", "Good morning, I have a question",
  "¿Cuánto cuesta el Plan Premium?", "How much is the Aurora Mug?", "precio del Basic Plan",
  "How much is the Aurora Hoodie?", "cuanto cuesta?", "What's the price of the LED Desk Lamp?",
  "¿Tienen descuento en el Business Plan?", "How much does the Productivity Masterclass cost?",
  "What does the Business Plan include?", "¿Qué incluye la Productivity Masterclass?",
  "Tell me about the Dot Grid Notebook", "¿Tienen tallas de la Aurora Hoodie?",
  "Lo quiero, quiero comprar el Paper Planner", "I want to buy the Gel Pen Set",
  "send me a photo of the Aurora Mug", "¿Me mandas una foto del Canvas Tote Bag?",
  "¿Me mandas un video del Paper Planner?", "Do you have a video of the LED Desk Lamp?",
  "quiero hablar con una persona", "no funciona mi pedido", "I want a refund, it arrived broken",
  "muchas gracias", "qwerty", "ok", "¿Hacen envíos a Monterrey?", "info del Sticker Pack porfa",
}
local optouts = { "STOP", "ya no quiero mensajes", "unsubscribe me please", "dejen de escribirme" }

local conversations = 2000
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local key, tag, prefix
local n = 0
local last_second, stamp = -1, nil
-- results (read by done() through thread:get)
statuses = {}
actions = {}
fallbacks = 0
replayed = 0
errors = {}

function init(args)
  key = os.getenv("BENCH_API_KEY")
  if key == nil or key == "" then
    io.stderr:write("decisions.lua: set BENCH_API_KEY\n")
    os.exit(2)
  end
  tag = args[1] or tostring(os.time())
  prefix = tag .. "-t" .. tostring(id)
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local now = os.time()
  if now ~= last_second then
    last_second = now
    stamp = os.date("!%Y-%m-%dT%H:%M:%SZ", now)
  end
  local c = n % conversations
  local text
  -- (n / conversations) is the conversation's own message number: vary the text with it too.
  local round = math.floor(n / conversations)
  if c % 25 == 0 and round % 3 == 2 then
    text = optouts[(c / 25 + round) % #optouts + 1]
  else
    text = texts[(c * 7 + round * 3) % #texts + 1]
  end
  local body = '{"conversation_id":"bench:' .. prefix .. '-c' .. c .. '","message_id":"' .. prefix .. '-' .. n ..
      '","type":"text","text":"' .. text .. '","received_at":"' .. stamp .. '"}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 200 and status < 300 then
    local action = string.match(body, '"action":"(%a+)"')
    if action then actions[action] = (actions[action] or 0) + 1 end
    if string.find(body, '"fallback":true', 1, true) then fallbacks = fallbacks + 1 end
    if headers["Idempotent-Replayed"] then replayed = replayed + 1 end
  elseif #errors < 5 then
    errors[#errors + 1] = tostring(status) .. " " .. body
  end
end

function done(summary, latency, requests)
  local s, a, e, fb, rp = {}, {}, {}, 0, 0
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses") or {}) do s[k] = (s[k] or 0) + v end
    for k, v in pairs(thread:get("actions") or {}) do a[k] = (a[k] or 0) + v end
    for _, v in ipairs(thread:get("errors") or {}) do if #e < 5 then e[#e + 1] = v end end
    fb = fb + (thread:get("fallbacks") or 0)
    rp = rp + (thread:get("replayed") or 0)
  end
  local function line(t)
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. " " .. tostring(t[k]) end
    return table.concat(parts, ", ")
  end
  io.write("statuses: ", line(s), "\n")
  io.write("actions: ", line(a), "\n")
  io.write("fallbacks: ", fb, ", idempotent replays: ", rp, "\n")
  for i, v in ipairs(e) do io.write("error body ", i, ": ", v, "\n") end
end
