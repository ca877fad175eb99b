extension LuaState {
    /// Trusted Lua that runs once in every new state, with the real globals,
    /// before any rule: it builds the sandbox and then empties `_G`, so rule
    /// code can reach only what is listed here.
    ///
    /// Shape of the sandbox:
    /// - `base`: the allowed standard functions and read-only views of the
    ///   `string`, `table`, `math` and `utf8` libraries plus the `sellify`
    ///   host table. Reading a name it lacks is an error naming the name.
    /// - one environment per rule file: while the file loads, its top-level
    ///   code may define globals; afterwards they are frozen (any assignment
    ///   to a global is an error), so calls cannot leave state behind in
    ///   globals.
    /// Receives `contains_any` (C); returns the host table, the log buffer and
    /// the metric buffer.
    static let prelude = #"""
        local contains_any = ...
        local _G, next, type, tostring, error, select, load, setmetatable, getmetatable, rawget =
              _G, next, type, tostring, error, select, load, setmetatable, getmetatable, rawget
        local string, table, math, utf8, concat = string, table, math, utf8, table.concat
        local tointeger, find = math.tointeger, string.find
        local pairs = pairs   -- honours the read-only views' __pairs (host.globals)

        -- Nothing that reaches outside the state or breaks determinism.
        string.dump = nil
        math.random = nil
        math.randomseed = nil
        -- `("x"):upper()` keeps working; the string table behind it stays out of reach.
        getmetatable("").__metatable = false

        -- Library functions whose cost is a loop in C, where the instruction budget
        -- cannot see it: replaced in the real tables (method calls on strings reach
        -- those), by Lua versions the budget counts or by checked wrappers.
        local rep = string.rep
        string.rep = function(s, n, sep)
          -- An empty result is built by looping n times without allocating: neither
          -- the budget nor the memory cap would stop rep("", math.maxinteger).
          if s == "" and (sep == nil or sep == "") and tointeger(n) ~= nil then return "" end
          return rep(s, n, sep)
        end

        local function checkint(value, position, fname)
          local n = tointeger(value)
          if n == nil then
            error("bad argument #" .. position .. " to '" .. fname .. "' (number has no integer representation)", 3)
          end
          return n
        end

        table.move = function(a1, f, e, t, a2)
          if a2 == nil then a2 = a1 end
          f, e, t = checkint(f, 2, "move"), checkint(e, 3, "move"), checkint(t, 4, "move")
          if e >= f then
            if not (f > 0 or e < math.maxinteger + f) then error("bad argument #3 to 'move' (too many elements to move)", 2) end
            if t > math.maxinteger - (e - f) then error("bad argument #4 to 'move' (destination wrap around)", 2) end
            if t > e or t <= f or a1 ~= a2 then
              for i = 0, e - f do a2[t + i] = a1[f + i] end
            else
              for i = e - f, 0, -1 do a2[t + i] = a1[f + i] end
            end
          end
          return a2
        end

        table.insert = function(t, ...)
          local count = select("#", ...)
          local e = #t + 1
          if count == 1 then
            t[e] = ...
            return
          elseif count ~= 2 then
            error("wrong number of arguments to 'insert'", 2)
          end
          local pos, value = ...
          pos = checkint(pos, 2, "insert")
          if pos < 1 or pos > e then error("bad argument #2 to 'insert' (position out of bounds)", 2) end
          for i = e, pos + 1, -1 do t[i] = t[i - 1] end
          t[pos] = value
        end

        table.remove = function(t, pos)
          local size = #t
          if pos == nil then pos = size else pos = checkint(pos, 2, "remove") end
          if pos ~= size and (pos < 1 or pos > size + 1) then
            error("bad argument #2 to 'remove' (position out of bounds)", 2)
          end
          local value = t[pos]
          while pos < size do
            t[pos] = t[pos + 1]
            pos = pos + 1
          end
          t[pos] = nil
          return value
        end

        -- A read-only view: reads go to `t`, which no rule can reach (not even
        -- through `pairs`, whose iterator gets the view, not the table).
        local function readonly(t, name)
          local function iterate(_, k) return next(t, k) end
          return setmetatable({}, {
            __index = t,
            __newindex = function(_, k)
              error("cannot assign to '" .. name .. "." .. tostring(k) .. "' (library tables are read-only)", 2)
            end,
            __pairs = function(view) return iterate, view, nil end,
            __len = function() return #t end,
            __metatable = false,
          })
        end

        local base = {}
        for _, name in next, {"assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
                              "rawlen", "select", "getmetatable", "tonumber", "tostring",
                              "type", "_VERSION"} do
          base[name] = _G[name]
        end
        -- Lua calls xpcall's handler where the error happened, before unwinding;
        -- when the budget hook raised the error, hooks are off there, so a handler
        -- that loops would never stop. This one runs the handler after unwinding,
        -- under the budget like everything else.
        local pcall, pack, unpack = pcall, table.pack, table.unpack
        base.xpcall = function(f, handler, ...)
          if type(handler) ~= "function" then error("bad argument #2 to 'xpcall' (function expected)", 2) end
          local result = pack(pcall(f, ...))
          if result[1] then return unpack(result, 1, result.n) end
          local _, value = pcall(handler, result[2])
          return false, value
        end
        -- Finalizers run with hooks off, outside every budget and at any later
        -- allocation: a table can never get one. (Lua marks a table for finalization
        -- only when its metatable has `__gc` at setmetatable time.)
        base.setmetatable = function(t, mt)
          if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
            error("setmetatable: metatables with '__gc' are not allowed in rules (finalizers would run outside the budget)", 2)
          end
          return setmetatable(t, mt)
        end
        base.string = readonly(string, "string")
        base.table = readonly(table, "table")
        base.math = readonly(math, "math")
        base.utf8 = readonly(utf8, "utf8")

        -- A rule file's environment; its metatable is hidden from the rules and
        -- kept here, so `freeze` can change it in place.
        local env_meta = setmetatable({}, { __mode = "k" })
        local function new_env()
          local mt = { __index = base, __metatable = false }
          local env = setmetatable({}, mt)
          env_meta[env] = mt
          return env
        end

        -- After a file has loaded, move what it defined behind a read-only view.
        local function freeze(env, chunkname)
          local defined = {}
          for k, v in next, env do defined[k] = v end
          for k in next, defined do env[k] = nil end
          setmetatable(defined, { __index = base, __newindex = base, __metatable = false })
          local mt = env_meta[env]
          mt.__index = defined
          mt.__newindex = function(_, k)
            error("assignment to global '" .. tostring(k) .. "' (globals are read-only after " .. chunkname .. " has loaded; use a local)", 2)
          end
          env_meta[env] = nil
          return defined
        end

        -- `load`: text chunks only, in the sandbox.
        base.load = function(chunk, name, mode, env)
          if type(chunk) ~= "string" then
            error("bad argument #1 to 'load' (string expected: only text chunks may be loaded)", 2)
          end
          return load(chunk, name or "=(load)", "t", env or new_env())
        end

        -- `require`: modules under rules/lib/ only, given by the host as sources.
        local lib_sources, loaded = {}, {}
        base.require = function(name)
          if type(name) ~= "string" then error("bad argument #1 to 'require' (string expected)", 2) end
          local cached = loaded[name]
          if cached ~= nil then return cached end
          local source = lib_sources[name]
          if source == nil then
            error("module '" .. name .. "' not found (require loads only files in rules/lib/)", 2)
          end
          local env = new_env()
          local chunk, err = load(source[1], "@" .. source[2], "t", env)
          if chunk == nil then error(err, 0) end
          local result = chunk(name)
          freeze(env, source[2])
          if result == nil then result = true end
          loaded[name] = result
          return result
        end

        -- The host API: the one `sellify` table.
        local logs, metrics = {}, {}
        local max_log_lines, max_log_length, max_metric_events = 100, 1000, 1000
        local function log_line(level, ...)
          if #logs >= max_log_lines then return end
          local parts = {}
          for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
          local line = concat(parts, " ")
          if #line > max_log_length then line = line:sub(1, max_log_length) .. "…" end
          logs[#logs + 1] = level
          logs[#logs + 1] = line
        end

        local catalog = {}
        local function copy(value)
          if type(value) ~= "table" then return value end
          local result = {}
          for k, v in next, value do result[k] = copy(v) end
          return result
        end

        local sellify = {
          contains_any = contains_any,
          catalog = readonly({
            find = function(id)
              local product = catalog[id]
              if product == nil then return nil end
              return copy(product)
            end,
          }, "sellify.catalog"),
          log = readonly({
            info = function(...) log_line("info", ...) end,
            warn = function(...) log_line("warning", ...) end,
          }, "sellify.log"),
          metrics = readonly({
            inc = function(name, labels)
              if type(name) ~= "string" then error("bad argument #1 to 'inc' (metric name expected)", 2) end
              if labels ~= nil and type(labels) ~= "table" then error("bad argument #2 to 'inc' (table of labels expected)", 2) end
              if #metrics >= max_metric_events then return end
              local copied = {}
              if labels ~= nil then
                for k, v in next, labels do
                  if type(k) ~= "string" then error("bad argument #2 to 'inc' (label names must be strings)", 2) end
                  copied[k] = tostring(v)
                end
              end
              metrics[#metrics + 1] = { name, copied }
            end,
          }, "sellify.metrics"),
        }
        base.sellify = readonly(sellify, "sellify")
        base.print = sellify.log.info

        -- From here on, base is complete: reading a name it lacks is an error.
        setmetatable(base, {
          __index = function(_, k) error("unknown global '" .. tostring(k) .. "'", 2) end,
          __newindex = function(_, k) error("assignment to undeclared global '" .. tostring(k) .. "'", 2) end,
          __metatable = false,
        })

        local envs = {}
        local host = {
          -- Every library is compiled when it is added, used or not, so a broken
          -- file is an error at load time. Returns the syntax error, if any.
          add_library = function(name, source, chunkname)
            local chunk, err = load(source, "@" .. chunkname, "t", {})
            if chunk == nil then return err end
            lib_sources[name] = { source, chunkname }
            return nil
          end,
          -- Every match of several patterns (at most 100 each), with the budgeted
          -- `find` captured above: nothing a rule does can change what it matches.
          find_all = function(s, patterns)
            local out = {}
            for k = 1, #patterns do
              local list, init = {}, 1
              while init <= #s + 1 and #list < 200 do
                local i, j = find(s, patterns[k], init)
                if i == nil then break end
                if j >= i then list[#list + 1] = i; list[#list + 1] = j end
                if j >= i then init = j + 1 else init = i + 1 end
              end
              out[k] = list
            end
            return out
          end,
          -- Returns the syntax error message, if any; runtime errors are raised.
          load_file = function(id, source, chunkname)
            local env = new_env()
            local chunk, err = load(source, "@" .. chunkname, "t", env)
            if chunk == nil then return err end
            chunk()
            envs[id] = freeze(env, chunkname)
            return nil
          end,
          get = function(id, name)
            local defined = envs[id]
            if defined == nil then return nil end
            return rawget(defined, name)
          end,
          -- What rule code can read, for the linter `sellify check` runs: each
          -- name → true, or the table of its fields (the libraries, `sellify`).
          globals = function()
            local function shape(value, depth)
              if type(value) ~= "table" or depth > 3 then return true end
              local fields = {}
              for k, v in pairs(value) do
                if type(k) == "string" then fields[k] = shape(v, depth + 1) end
              end
              return fields
            end
            return shape(base, 0)
          end,
          set_catalog = function(products) catalog = products end,
          clear = function()
            for i = #logs, 1, -1 do logs[i] = nil end
            for i = #metrics, 1, -1 do metrics[i] = nil end
          end,
        }

        for k in next, _G do _G[k] = nil end
        return host, logs, metrics
        """#
}
