-- rules/lib/text.lua — small text helpers for the rules.
--
-- Load it from a rule file with:   local text = require "text"
-- (`require "name"` loads rules/lib/name.lua and nothing else; a module is a file that
-- RETURNS a table of functions. Keep everything `local`: a module must not define
-- globals, and must not keep state between calls — decisions may not depend on history.)
--
-- All helpers expect NORMALIZED text (ctx.event.normalized): lowercase, no accents,
-- single spaces. They never modify their arguments.

local M = {}

local byte, find = string.byte, string.find

-- true when byte `b` is part of a word: ASCII letter or digit. Anything else (space,
-- punctuation, emoji bytes, start/end of text) is a word boundary. Normalized text has
-- no accented letters left, so ASCII is enough here.
local function is_word_byte(b)
  return b ~= nil and ((b >= 97 and b <= 122) or (b >= 48 and b <= 57) or (b >= 65 and b <= 90))
end

--- is_blank(s) → true when `s` is nil, empty, or only spaces/punctuation/emoji
--- (no letter or digit at all). Example: is_blank("?? ") → true, is_blank("ok") → false.
function M.is_blank(s)
  return s == nil or find(s, "%w") == nil
end

--- has_word(s, phrase) → true when `phrase` occurs in `s` at word boundaries
--- (plain text, no patterns). Example: has_word("ok gracias", "gracias") → true,
--- has_word("book", "ok") → false.
function M.has_word(s, phrase)
  if s == nil or phrase == "" then return false end
  local init = 1
  while true do
    local i, j = find(s, phrase, init, true)
    if i == nil then return false end
    if not is_word_byte(byte(s, i - 1)) and not is_word_byte(byte(s, j + 1)) then
      return true
    end
    init = i + 1
  end
end

--- has_any_word(s, list) → true when any phrase of the array `list` occurs in `s` at
--- word boundaries. (sellify.contains_any is faster but matches plain substrings:
--- "ok" would match inside "book".)
function M.has_any_word(s, list)
  for i = 1, #list do
    if M.has_word(s, list[i]) then return true end
  end
  return false
end

--- word_count(s) → number of words (runs of letters/digits). word_count("ok, gracias!") → 2
function M.word_count(s)
  if s == nil then return 0 end
  local n = 0
  for _ in string.gmatch(s, "%w+") do n = n + 1 end
  return n
end

return M
