-- bench/lua/decide_standalone.lua — the floor: what `decide(ctx)` costs in plain lua5.4,
-- with no host, no sandbox, no budget hook and no Swift ↔ Lua crossing.
--
-- Run from the repository root:
--     lua5.4 bench/lua/decide_standalone.lua [iterations] [runs]
-- (defaults: 1000000 iterations, median of 5 runs)
--
-- Measures, with os.clock (process CPU time):
--   (a) build a fresh, realistic ctx table (a price question about one product, the same
--       shape the host builds) and call decide — what the host pays per message on the
--       Lua side;
--   (b) call decide with one prebuilt ctx — the policy alone;
--   and the empty loop, to show the measurement overhead (not subtracted).
-- Prints ns per call for each: the median of the runs, plus min and max.

local ITERATIONS = tonumber(arg[1]) or 1000000
local RUNS = tonumber(arg[2]) or 5

local f = io.open("rules/decision.lua", "r")
if f == nil then
  io.stderr:write("run me from the repository root: lua5.4 bench/lua/decide_standalone.lua\n")
  os.exit(2)
end
f:close()

-- `require "text"` in the rules loads rules/lib/text.lua, like the host does.
package.path = "rules/lib/?.lua;" .. package.path

-- A minimal stand-in for the host API: same functions, no side effects.
local PRODUCTS = {
  ["premium-plan"] = { id = "premium-plan", name = "Premium Plan", price = 49.00, currency = "USD",
                       in_stock = true, images = 1, videos = 1 },
}
sellify = {
  contains_any = function(text, list)
    for i = 1, #list do
      if string.find(text, list[i], 1, true) then return true end
    end
    return false
  end,
  catalog = { find = function(id) return PRODUCTS[id] end },
  log = { info = function(...) end },
  metrics = { inc = function(name, labels) end },
}

dofile("rules/decision.lua")
local decide = decide
assert(type(decide) == "function", "rules/decision.lua did not define decide(ctx)")

-- The ctx of "Hola, ¿cuánto cuesta el Plan Premium?" as the host would build it.
local function build_ctx()
  return {
    event = {
      conversation_id = "wa:5215512345678", message_id = "wamid.HBgLNTIxNTUxMjM0NTY3OBUCABIYFjNFQjA",
      type = "text", text = "Hola, ¿cuánto cuesta el Plan Premium?",
      normalized = "hola, ¿cuanto cuesta el plan premium?",
      received_at = "2026-11-29T20:15:00Z", local_date = "2026-11-29", local_time = "14:15", weekday = 7,
    },
    intent = "price_question",
    language = "es",
    media_request = nil,
    products = {
      { id = "premium-plan", name = "Premium Plan", price = 49.00, currency = "USD",
        in_stock = true, images = 1, videos = 1 },
    },
    conversation = { state = "greeting", opted_out = false, inbound_count = 2, reply_count = 1,
                     seconds_since_last_reply = 95 },
    quota = {
      messages_today = { used = 46, limit = 200, remaining = 154 },
      messages_week = { used = 310, limit = 1000, remaining = 690 },
      images_today = { used = 3, limit = 30, remaining = 27 },
      videos_week = { used = 1, limit = 10, remaining = 9 },
    },
    cooldown = { active = false, seconds_left = 0, replies_last_hour = 1, max_replies_per_hour = 20 },
    account = { id = "demo", name = "Aurora Studio" },
  }
end

-- Sanity check: the benchmark measures the branch it claims to.
do
  local d = decide(build_ctx())
  assert(d.action == "RespondText" and d.rule == "price_question" and d.template == "price",
         "unexpected decision: " .. tostring(d.action) .. " / " .. tostring(d.rule))
end

local clock = os.clock
local sink -- keeps results alive so nothing is optimized away (Lua does not, but be explicit)

local function bench_build_and_decide(n)
  local t0 = clock()
  for _ = 1, n do sink = decide(build_ctx()) end
  return (clock() - t0) / n * 1e9
end

local PREBUILT = build_ctx()
local function bench_prebuilt(n)
  local ctx = PREBUILT
  local t0 = clock()
  for _ = 1, n do sink = decide(ctx) end
  return (clock() - t0) / n * 1e9
end

local function bench_empty(n)
  local t0 = clock()
  for _ = 1, n do sink = n end
  return (clock() - t0) / n * 1e9
end

local function stats(fn)
  fn(ITERATIONS // 10)                       -- warm-up
  local xs = {}
  for r = 1, RUNS do
    collectgarbage("collect")                -- every run starts from the same heap
    xs[r] = fn(ITERATIONS)
  end
  table.sort(xs)
  return xs[(RUNS + 1) // 2], xs[1], xs[RUNS]
end

print(("%s, %d iterations, median of %d runs (os.clock CPU time)"):format(_VERSION, ITERATIONS, RUNS))
local rows = {
  { "(a) build ctx + decide", bench_build_and_decide },
  { "(b) decide, prebuilt ctx", bench_prebuilt },
  { "    empty loop (overhead)", bench_empty },
}
for _, row in ipairs(rows) do
  local median, lo, hi = stats(row[2])
  print(("%-28s %8.1f ns/call   (min %.1f, max %.1f)"):format(row[1], median, lo, hi))
end
