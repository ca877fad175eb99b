local rspamd_trie = require "rspamd_trie"
-- bench/peer.sh: the 200-word list (SELLIFY_PEER_WORDS) in rspamd's Aho–Corasick trie, and one
-- symbol of score 10 when a text part holds one of them; the action follows from the score.
local words = {}
for line in io.lines(os.getenv("SELLIFY_PEER_WORDS")) do
  if #line > 0 then words[#words + 1] = line end
end
local trie = rspamd_trie.create(words)
rspamd_config:register_symbol({
  name = "FORBIDDEN_WORD", score = 10.0, group = "sellify",
  callback = function(task)
    local hit = false
    for _, part in ipairs(task:get_text_parts() or {}) do
      local content = part:get_content()
      if content and trie:match(content, function() hit = true; return true end) then break end
      if hit then break end
    end
    if hit then return true end
    return false
  end,
})
