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

local json = __flotilla_json
__flotilla_json = nil

local safe_os = { time = os.time, date = os.date }

-- Argo CD preloads "os" (its safe subset) and "json"; nothing else loads.
local function require_from(modules)
  return function(name)
    local m = modules[name]
    if m == nil then
      error("module '" .. tostring(name) .. "' not found: health scripts may require only \"os\" and \"json\"", 2)
    end
    return m
  end
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
  local env_os = copy(safe_os)
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
    require = require_from({ os = env_os, json = copy(json) }),
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
    os = env_os,
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
