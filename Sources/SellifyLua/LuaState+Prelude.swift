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

    -- Nothing that reaches outside the state or breaks determinism.
    string.dump = nil
    math.random = nil
    math.randomseed = nil
    -- `("x"):upper()` keeps working; the string table behind it stays out of reach.
    getmetatable("").__metatable = false

    local function readonly(t, name)
      return setmetatable({}, {
        __index = t,
        __newindex = function(_, k)
          error("cannot assign to '" .. name .. "." .. tostring(k) .. "' (library tables are read-only)", 2)
        end,
        __pairs = function() return next, t, nil end,
        __len = function() return #t end,
        __metatable = false,
      })
    end

    local base = {}
    for _, name in next, {"assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
                          "rawlen", "select", "setmetatable", "getmetatable", "tonumber", "tostring",
                          "type", "xpcall", "_VERSION"} do
      base[name] = _G[name]
    end
    base.string = readonly(string, "string")
    base.table = readonly(table, "table")
    base.math = readonly(math, "math")
    base.utf8 = readonly(utf8, "utf8")

    local function new_env()
      return setmetatable({}, { __index = base })
    end

    -- After a file has loaded, move what it defined behind a read-only view.
    local function freeze(env, chunkname)
      local defined = {}
      for k, v in next, env do defined[k] = v end
      for k in next, defined do env[k] = nil end
      setmetatable(defined, { __index = base, __newindex = base, __metatable = false })
      setmetatable(env, {
        __index = defined,
        __newindex = function(_, k)
          error("assignment to global '" .. tostring(k) .. "' (globals are read-only after " .. chunkname .. " has loaded; use a local)", 2)
        end,
        __metatable = false,
      })
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
      add_library = function(name, source, chunkname) lib_sources[name] = { source, chunkname } end,
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
