-- The host side of a health-script VM. This chunk runs once per VM with the
-- full standard library, keeps what scripts may use as local copies, and leaves
-- two entry points in the global table: __flotilla_compile and __flotilla_run.
-- Scripts never see this global table: each run gets a fresh environment.
--
-- What scripts get matches Argo CD (gopher-lua, Lua 5.1): the base functions
-- without load/dofile/loadfile, and the table, string, math and coroutine
-- libraries; `os` with only time and date; `require` for "os" and "json" only.
-- A few Lua 5.1 names are added back (unpack, table.getn, math.pow, ...), since
-- Argo CD's scripts are written for 5.1.

local expired = __flotilla_expired
__flotilla_expired = nil

local load, pcall, xpcall, error, type, rawget, rawset, rawequal, rawlen =
  load, pcall, xpcall, error, type, rawget, rawset, rawequal, rawlen
local setmetatable, getmetatable, pairs, ipairs, next, select, tostring, tonumber, assert =
  setmetatable, getmetatable, pairs, ipairs, next, select, tostring, tonumber, assert
local string, table, math, coroutine, os, utf8 = string, table, math, coroutine, os, utf8
local TIMEOUT = "health script timed out"

-- Bytecode is never loaded, but there is no reason to hand it out either; the
-- string metatable is shared with every string, so it stays out of reach.
string.dump = nil
getmetatable("").__metatable = false

-- After the deadline, an error caught by pcall, xpcall or coroutine.resume is
-- raised again, so a script cannot swallow its own timeout and loop on.
local function pass(ok, ...)
  if not ok and expired() then
    error(TIMEOUT, 0)
  end
  return ok, ...
end

local function safe_setmetatable(t, mt)
  -- A finalizer would run during some later allocation, outside any limit.
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not allowed in health scripts", 2)
  end
  return setmetatable(t, mt)
end

local function copy(lib)
  local out = {}
  for k, v in pairs(lib) do
    out[k] = v
  end
  return out
end

-- JSON, as Argo CD's `require("json")` (layeh.com/gopher-json) provides it.
local json = {}
do
  local escapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

  local function fail(s, i, what)
    error(string.format("json: %s at position %d", what, i), 0)
  end

  local function skip(s, i)
    return string.find(s, "[^ \t\r\n]", i) or #s + 1
  end

  local value

  local function str(s, i)
    local parts, j = {}, i + 1
    while true do
      local a, b = string.find(s, '[\\"]', j)
      if not a then
        fail(s, i, "unterminated string")
      end
      parts[#parts + 1] = string.sub(s, j, a - 1)
      if string.sub(s, a, a) == '"' then
        return table.concat(parts), b + 1
      end
      local e = string.sub(s, a + 1, a + 1)
      if e == "u" then
        local hex = string.match(s, "^%x%x%x%x", a + 2)
        if not hex then
          fail(s, a, "bad unicode escape")
        end
        local code, nextj = tonumber(hex, 16), a + 6
        local low = code >= 0xD800 and code <= 0xDBFF and string.match(s, "^\\u(%x%x%x%x)", nextj)
        if low then
          code = 0x10000 + (code - 0xD800) * 0x400 + (tonumber(low, 16) - 0xDC00)
          nextj = nextj + 6
        end
        parts[#parts + 1] = utf8.char(code)
        j = nextj
      elseif escapes[e] then
        parts[#parts + 1] = escapes[e]
        j = a + 2
      else
        fail(s, a, "bad escape")
      end
    end
  end

  local function arr(s, i)
    local out, n = {}, 0
    i = skip(s, i + 1)
    if string.sub(s, i, i) == "]" then
      return out, i + 1
    end
    while true do
      local v
      v, i = value(s, i)
      n = n + 1
      out[n] = v
      i = skip(s, i)
      local c = string.sub(s, i, i)
      if c == "]" then
        return out, i + 1
      elseif c ~= "," then
        fail(s, i, "expected ',' or ']'")
      end
      i = skip(s, i + 1)
    end
  end

  local function obj(s, i)
    local out = {}
    i = skip(s, i + 1)
    if string.sub(s, i, i) == "}" then
      return out, i + 1
    end
    while true do
      if string.sub(s, i, i) ~= '"' then
        fail(s, i, "expected a key")
      end
      local k, v
      k, i = str(s, i)
      i = skip(s, i)
      if string.sub(s, i, i) ~= ":" then
        fail(s, i, "expected ':'")
      end
      v, i = value(s, skip(s, i + 1))
      out[k] = v
      i = skip(s, i)
      local c = string.sub(s, i, i)
      if c == "}" then
        return out, i + 1
      elseif c ~= "," then
        fail(s, i, "expected ',' or '}'")
      end
      i = skip(s, i + 1)
    end
  end

  value = function(s, i)
    i = skip(s, i)
    local c = string.sub(s, i, i)
    if c == "{" then
      return obj(s, i)
    elseif c == "[" then
      return arr(s, i)
    elseif c == '"' then
      return str(s, i)
    elseif string.sub(s, i, i + 3) == "true" then
      return true, i + 4
    elseif string.sub(s, i, i + 4) == "false" then
      return false, i + 5
    elseif string.sub(s, i, i + 3) == "null" then
      return nil, i + 4
    end
    local num = string.match(s, "^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    if num and #num > 0 and tonumber(num) then
      return tonumber(num), i + #num
    end
    fail(s, i, "unexpected character")
  end

  function json.decode(s)
    if type(s) ~= "string" then
      error("json.decode expects a string", 2)
    end
    local v, i = value(s, 1)
    if skip(s, i) <= #s then
      fail(s, i, "trailing data")
    end
    return v
  end

  local encode
  local function quote(s)
    return '"' .. string.gsub(s, '[%c"\\]', function(c)
      local named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
      return named[c] or string.format("\\u%04x", string.byte(c))
    end) .. '"'
  end

  encode = function(v, depth)
    if depth > 100 then
      error("json.encode: nested too deeply", 0)
    end
    local t = type(v)
    if t == "nil" then
      return "null"
    elseif t == "boolean" then
      return tostring(v)
    elseif t == "number" then
      if v ~= v or v == math.huge or v == -math.huge then
        error("json.encode: cannot encode " .. tostring(v), 0)
      end
      if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 2 ^ 53 then
        return string.format("%d", v)
      end
      return tostring(v)
    elseif t == "string" then
      return quote(v)
    elseif t ~= "table" then
      error("json.encode: cannot encode a " .. t, 0)
    end
    local n = rawlen(v)
    if n > 0 or next(v) == nil then
      local out = {}
      for i = 1, n do
        out[i] = encode(rawget(v, i), depth + 1)
      end
      return "[" .. table.concat(out, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do
      if type(k) ~= "string" then
        error("json.encode: object keys must be strings", 0)
      end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    local out = {}
    for i, k in ipairs(keys) do
      out[i] = quote(k) .. ":" .. encode(rawget(v, k), depth + 1)
    end
    return "{" .. table.concat(out, ",") .. "}"
  end

  function json.encode(v)
    return encode(v, 0)
  end
end

local safe_os = { time = os.time, date = os.date }
local modules = { os = safe_os, json = json }

local function safe_require(name)
  local m = modules[name]
  if m == nil then
    error("module '" .. tostring(name) .. "' not found: health scripts may require only \"os\" and \"json\"", 2)
  end
  return m
end

local function new_env()
  local t = copy(table)
  t.getn = function(list)
    return #list
  end
  t.maxn = function(list)
    local n = 0
    for k in pairs(list) do
      if type(k) == "number" and k > n then
        n = k
      end
    end
    return n
  end
  local m = copy(math)
  -- Lua 5.1 has one number type; keep whole powers of integers whole, so
  -- they print as "8" and not "8.0".
  m.pow = function(x, y)
    local r = x ^ y
    if math.type(x) == "integer" and math.type(y) == "integer" and y >= 0 and math.abs(r) < 2 ^ 53 then
      return math.tointeger(r)
    end
    return r
  end
  m.mod = math.fmod
  m.log10 = function(x)
    return math.log(x, 10)
  end
  m.ldexp = function(x, e)
    return x * 2.0 ^ e
  end
  local co = copy(coroutine)
  co.resume = function(c, ...)
    return pass(coroutine.resume(c, ...))
  end
  local env = {
    _VERSION = _VERSION,
    assert = assert,
    error = error,
    getmetatable = getmetatable,
    ipairs = ipairs,
    next = next,
    pairs = pairs,
    pcall = function(f, ...)
      return pass(pcall(f, ...))
    end,
    print = function() end,
    rawequal = rawequal,
    rawget = rawget,
    rawlen = rawlen,
    rawset = rawset,
    require = safe_require,
    select = select,
    setmetatable = safe_setmetatable,
    tonumber = tonumber,
    tostring = tostring,
    type = type,
    unpack = table.unpack,
    xpcall = function(f, handler, ...)
      return pass(xpcall(f, handler, ...))
    end,
    coroutine = co,
    math = m,
    os = copy(safe_os),
    string = copy(string),
    table = t,
    utf8 = copy(utf8),
  }
  env._G = env
  return env
end

-- Compiles a script once into a function of its environment, so each run can
-- get a fresh one. The prefix shares the script's first line, which keeps the
-- line numbers of error messages right.
function __flotilla_compile(source, chunkname)
  local chunk, err = load("return function(_ENV, ...) " .. source .. "\nend", chunkname, "t", {})
  if chunk == nil then
    return nil, err
  end
  local ok, fn = pcall(chunk)
  if not ok then
    return nil, fn
  end
  if type(fn) ~= "function" then
    return nil, chunkname:sub(2) .. ": the script does not compile to a single chunk"
  end
  return fn
end

-- Runs a compiled script on one object. Returns the type of what the script
-- returned and, for a table, its raw status and message fields.
function __flotilla_run(fn, obj)
  local env = new_env()
  env.obj = obj
  local result = fn(env)
  if type(result) ~= "table" then
    return type(result)
  end
  return "table", rawget(result, "status"), rawget(result, "message")
end

-- Nothing else in the global table is needed once the locals above hold it.
for _, name in ipairs({
  "io", "os", "debug", "package", "load", "loadfile", "dofile", "require", "collectgarbage",
  "string", "table", "math", "coroutine", "utf8",
}) do
  _G[name] = nil
end
