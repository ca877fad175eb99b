-- bench/wrk/peer.lua — one text load, three targets: rspamd's scan and sellify's validate
-- and decisions, for bench/peer.sh.
--
--   wrk -t2 -c64 -d10s --latency -s bench/wrk/peer.lua URL -- <target> <run-tag> <word>
--
--   target rspamd:    POST /checkv2, the text as the body of a small mail
--   target validate:  POST /api/v1/validate {"text": …}          (BENCH_API_KEY)
--   target decisions: POST /api/v1/decisions, the text as a customer message, a new
--                     message id each, 2,000 conversations per thread round robin
--
-- Texts: twelve ~200-character chat messages in Spanish and English; one in ten carries
-- <word>, an entry of the 200-word list both servers were given, so both find a match
-- that often. Per response the status codes are counted; done() prints them.

local texts = {
  "Hola, buenas tardes. Quería saber cuánto cuesta el Plan Premium y si incluye soporte por WhatsApp, porque somos un equipo pequeño y necesitamos algo sencillo de usar todos los días.",
  "Hi there! I saw your Aurora Mug on Instagram and I love the colors. How much is it, do you ship to Texas, and how long does delivery usually take for an order of two or three mugs?",
  "Buenas, ¿me pueden mandar una foto del Canvas Tote Bag en azul? Lo quiero para regalo y necesito saber si llega antes del viernes a Monterrey, y cuánto sale el envío hasta allá.",
  "Good morning. What does the Business Plan include exactly? We are comparing options for our shop and need to know about invoices, the number of users and whether there is a yearly price.",
  "Hola!! quiero comprar el Paper Planner y el Gel Pen Set juntos, ¿tienen algún descuento si pido los dos? También quisiera saber qué formas de pago aceptan y si puedo pagar en tienda.",
  "Hello, I ordered the LED Desk Lamp last week and it has not arrived yet. Can someone check my order please? I paid by card and I have the confirmation number if you need it.",
  "¿Qué incluye la Productivity Masterclass? Me interesa pero no sé si es para principiantes o si hace falta experiencia previa. ¿Cuánto dura y se puede ver desde el teléfono?",
  "Hey, do you have a video of the Dot Grid Notebook? I want to see the paper before buying. Also, is there a version with more pages, and what is the price of a pack of three?",
  "Buenas noches, tengo una duda sobre la Aurora Hoodie: ¿qué tallas tienen y cómo es el corte? Normalmente uso M pero a veces L. ¿Hacen cambios si no me queda bien la talla?",
  "Hi! Quick question about the Basic Plan: can I upgrade later to Premium without losing my data? And is the monthly price the same if I pay for a whole year at once?",
  "Quiero hablar con una persona, por favor. Tengo un problema con mi pedido de Sticker Pack: llegó incompleto y faltan varias piezas. Ya escribí ayer y nadie me ha contestado todavía.",
  "Thanks a lot for the help yesterday! The mug arrived today and it looks great. I would like to order another one for my sister, the green one this time, same address as before.",
}

local threads = {}
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local target, tag, word, prefix
local n = 0
statuses = {}

function init(args)
  target, tag, word = args[1], args[2] or tostring(os.time()), args[3] or "word"
  prefix = tag .. "-t" .. tostring(id)
  wrk.method = "POST"
  if target == "rspamd" then
    wrk.headers["Content-Type"] = "text/plain"
  else
    local key = os.getenv("BENCH_API_KEY")
    if key == nil or key == "" then io.stderr:write("peer.lua: set BENCH_API_KEY\n"); os.exit(2) end
    wrk.headers["Authorization"] = "Bearer " .. key
    wrk.headers["Content-Type"] = "application/json"
  end
end

function request()
  n = n + 1
  local text = texts[n % #texts + 1]
  if n % 10 == 0 then text = text .. " " .. word end
  local body
  if target == "rspamd" then
    body = "From: customer@example.com\r\nSubject: chat\r\nMessage-ID: <" .. prefix .. "-" .. n ..
        "@bench>\r\n\r\n" .. text .. "\r\n"
  elseif target == "validate" then
    body = '{"text":"' .. text .. '"}'
  else
    body = '{"conversation_id":"bench:' .. prefix .. '-c' .. (n % 2000) .. '","message_id":"' .. prefix .. '-' .. n ..
        '","type":"text","text":"' .. text .. '","received_at":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ") .. '"}'
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local s = {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses") or {}) do s[k] = (s[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(s) do parts[#parts + 1] = tostring(k) .. " " .. tostring(v) end
  table.sort(parts)
  io.write("statuses: ", table.concat(parts, ", "), "\n")
end
