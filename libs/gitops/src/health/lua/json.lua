-- JSON for health scripts, as Argo CD's `require("json")` (layeh.com/gopher-json)
-- provides it: decode turns null into nil and arrays into 1-based tables; encode
-- writes a table with keys 1..n as an array (an empty table too) and any other
-- as an object with sorted keys. Loaded by the host before sandbox.lua.
local string, table, math, type, tostring, tonumber, error, pairs, ipairs, next, rawget, rawlen, utf8 =
  string, table, math, type, tostring, tonumber, error, pairs, ipairs, next, rawget, rawlen, utf8

local json = {}
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
    -- gopher-lua's Append skips nil, so a null closes up like the object's arrays do.
    if v ~= nil then
      n = n + 1
      out[n] = v
    end
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

return json
