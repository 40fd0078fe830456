--- JSON (RFC 8259) for container state files and `cfs state`: an encoder
-- with sorted object keys, so the same state always prints the same way,
-- and a strict decoder. It lives here so the single cfs binary needs no
-- Lua library from the host.
--
-- Lua tables do not say whether they are arrays or objects. A table with
-- the keys 1..n (n >= 1) encodes as an array, one with string keys as an
-- object, and an empty table as an object unless it was made by
-- `json.array()`. Decoded arrays are marked the same way, so they encode
-- back as arrays even when empty. JSON null decodes to `json.null`.
local errors = require "cfs.errors"

local M = {}

--- The value JSON null decodes to, and encodes from.
M.null = setmetatable({}, {
  __tostring = function()
    return "null"
  end,
})

local ARRAY = { __name = "json.array" }

--- Mark t (default: a new table) as an array, so it encodes as [] even when empty.
function M.array(t)
  return setmetatable(t or {}, ARRAY)
end

local MAX_DEPTH = 200

local ESCAPES = {
  ['"'] = '\\"',
  ["\\"] = "\\\\",
  ["\b"] = "\\b",
  ["\f"] = "\\f",
  ["\n"] = "\\n",
  ["\r"] = "\\r",
  ["\t"] = "\\t",
}

local function escape_char(c)
  return ESCAPES[c] or string.format("\\u%04x", c:byte())
end

-- JSON text must be UTF-8: each invalid byte becomes U+FFFD, as Go's and
-- Python's encoders do with their replacement modes.
local function valid_utf8(s)
  local parts, i = {}, 1
  while true do
    local _, bad = utf8.len(s, i)
    if not bad then
      parts[#parts + 1] = s:sub(i)
      return table.concat(parts)
    end
    parts[#parts + 1] = s:sub(i, bad - 1)
    parts[#parts + 1] = "\u{FFFD}"
    i = bad + 1
  end
end

local function encode_string(s)
  return '"' .. valid_utf8(s):gsub('[%c"\\]', escape_char) .. '"'
end

-- The shortest "%.Ng" form that reads back as the same float.
local function encode_float(x)
  if x ~= x then
    errors.raise("cannot encode NaN as JSON", { context = "json" })
  elseif x == math.huge or x == -math.huge then
    errors.raise("cannot encode an infinity as JSON", { context = "json" })
  end
  for digits = 15, 17 do
    local text = string.format("%." .. digits .. "g", x)
    if tonumber(text) == x then
      return text
    end
  end
end

local function is_array(t)
  if getmetatable(t) == ARRAY then
    return true
  end
  local n = #t
  if n == 0 then
    return false
  end
  local count = 0
  for _ in pairs(t) do
    count = count + 1
  end
  return count == n
end

local encode_value

local function encode_table(t, indent, depth, out)
  if depth > MAX_DEPTH then
    errors.raise("value nests too deep (a cycle?)", { context = "json" })
  end
  local newline = indent and ("\n" .. indent:rep(depth)) or ""
  local inner = indent and ("\n" .. indent:rep(depth + 1)) or ""
  local colon = indent and ": " or ":"

  if is_array(t) then
    if #t == 0 then
      out[#out + 1] = "[]"
      return
    end
    out[#out + 1] = "["
    for i = 1, #t do
      out[#out + 1] = (i > 1 and "," or "") .. inner
      encode_value(t[i], indent, depth + 1, out)
    end
    out[#out + 1] = newline .. "]"
    return
  end

  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" then
      errors.raise(string.format("object key %s is a %s, expected a string", tostring(k),
        type(k)), { context = "json" })
    end
    keys[#keys + 1] = k
  end
  if #keys == 0 then
    out[#out + 1] = "{}"
    return
  end
  table.sort(keys)
  out[#out + 1] = "{"
  for i, k in ipairs(keys) do
    out[#out + 1] = (i > 1 and "," or "") .. inner .. encode_string(k) .. colon
    encode_value(t[k], indent, depth + 1, out)
  end
  out[#out + 1] = newline .. "}"
end

encode_value = function(v, indent, depth, out)
  local kind = type(v)
  if v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif kind == "boolean" then
    out[#out + 1] = tostring(v)
  elseif kind == "number" then
    out[#out + 1] = math.type(v) == "integer" and string.format("%d", v) or encode_float(v)
  elseif kind == "string" then
    out[#out + 1] = encode_string(v)
  elseif kind == "table" then
    encode_table(v, indent, depth, out)
  else
    errors.raise(string.format("cannot encode a %s as JSON", kind), { context = "json" })
  end
end

--- Encode a value as JSON text.
-- @param value nil, boolean, number, string, json.null or a table of these
-- @tparam[opt] table opts indent = "  " for one key or item per line
-- @treturn string
-- @raise cfs.Error for functions, NaN, infinities, non-string keys and cycles
function M.encode(value, opts)
  local out = {}
  encode_value(value, opts and opts.indent, 0, out)
  return table.concat(out)
end

-- Decoding: each function takes the text and a 1-based position and
-- returns the value and the position after it.

local function fail(text, pos, what)
  local near = text:sub(pos, pos + 9)
  errors.raise(string.format("invalid JSON at byte %d: %s%s", pos, what,
    near ~= "" and string.format(" near '%s'", near) or " at the end"), { context = "json" })
end

local function skip_space(text, pos)
  return text:find("[^ \t\r\n]", pos) or #text + 1
end

local decode_value

local UNESCAPES = {
  ['"'] = '"',
  ["\\"] = "\\",
  ["/"] = "/",
  b = "\b",
  f = "\f",
  n = "\n",
  r = "\r",
  t = "\t",
}

-- Decode \uXXXX at pos (the "u"), joining a surrogate pair into one code point.
local function decode_unicode(text, pos)
  local hex = text:match("^%x%x%x%x", pos + 1)
  if not hex then
    fail(text, pos, "expected four hex digits after \\u")
  end
  local code, after = tonumber(hex, 16), pos + 5
  if code >= 0xD800 and code <= 0xDBFF then
    local low = text:match("^\\u([Dd][C-Fc-f]%x%x)", after)
    if low then
      code = 0x10000 + ((code - 0xD800) << 10) + (tonumber(low, 16) - 0xDC00)
      after = after + 6
    else
      code = 0xFFFD -- a lone high surrogate has no character
    end
  elseif code >= 0xDC00 and code <= 0xDFFF then
    code = 0xFFFD
  end
  return utf8.char(code), after
end

local function decode_string(text, pos)
  local parts, i = {}, pos + 1
  while true do
    local plain_end = text:find('["\\\0-\31]', i)
    if not plain_end then
      fail(text, pos, "unterminated string")
    end
    parts[#parts + 1] = text:sub(i, plain_end - 1)
    local c = text:sub(plain_end, plain_end)
    if c == '"' then
      local s = table.concat(parts)
      if not utf8.len(s) then
        fail(text, pos, "string is not valid UTF-8")
      end
      return s, plain_end + 1
    elseif c == "\\" then
      local e = text:sub(plain_end + 1, plain_end + 1)
      if e == "u" then
        parts[#parts + 1], i = decode_unicode(text, plain_end + 1)
      elseif UNESCAPES[e] then
        parts[#parts + 1], i = UNESCAPES[e], plain_end + 2
      else
        fail(text, plain_end, "invalid escape")
      end
    else
      fail(text, plain_end, "control character in string")
    end
  end
end

local function decode_number(text, pos)
  local int = text:match("^-?%d+", pos)
  if not int or int:match("^-?0%d") then
    fail(text, pos, "invalid number")
  end
  local i = pos + #int
  local frac = text:match("^%.%d+", i) or ""
  i = i + #frac
  local exp = text:match("^[eE][-+]?%d+", i) or ""
  i = i + #exp
  if text:find("^[.eE]", i) then
    fail(text, pos, "invalid number")
  end
  local value = tonumber(int .. frac .. exp)
  if frac == "" and exp == "" then
    value = math.tointeger(value) or value
  end
  return value, i
end

local function decode_array(text, pos, depth)
  local list, i = M.array(), skip_space(text, pos + 1)
  if text:sub(i, i) == "]" then
    return list, i + 1
  end
  while true do
    list[#list + 1], i = decode_value(text, i, depth + 1)
    i = skip_space(text, i)
    local c = text:sub(i, i)
    if c == "]" then
      return list, i + 1
    elseif c ~= "," then
      fail(text, i, "expected ',' or ']'")
    end
    i = skip_space(text, i + 1)
  end
end

local function decode_object(text, pos, depth)
  local object, i = {}, skip_space(text, pos + 1)
  if text:sub(i, i) == "}" then
    return object, i + 1
  end
  while true do
    if text:sub(i, i) ~= '"' then
      fail(text, i, "expected a string key")
    end
    local key
    key, i = decode_string(text, i)
    i = skip_space(text, i)
    if text:sub(i, i) ~= ":" then
      fail(text, i, "expected ':'")
    end
    object[key], i = decode_value(text, skip_space(text, i + 1), depth + 1)
    i = skip_space(text, i)
    local c = text:sub(i, i)
    if c == "}" then
      return object, i + 1
    elseif c ~= "," then
      fail(text, i, "expected ',' or '}'")
    end
    i = skip_space(text, i + 1)
  end
end

local LITERALS = { ["true"] = true, ["false"] = false, null = M.null }

decode_value = function(text, pos, depth)
  if depth > MAX_DEPTH then
    fail(text, pos, "nesting too deep")
  end
  local c = text:sub(pos, pos)
  if c == "{" then
    return decode_object(text, pos, depth)
  elseif c == "[" then
    return decode_array(text, pos, depth)
  elseif c == '"' then
    return decode_string(text, pos)
  elseif c == "-" or c:match("%d") then
    return decode_number(text, pos)
  end
  local word = text:match("^%a+", pos)
  if word and LITERALS[word] ~= nil then
    return LITERALS[word], pos + #word
  end
  fail(text, pos, "expected a value")
end

--- Decode JSON text.
-- @tparam string text
-- @return the value: tables for objects and arrays, json.null for null
-- @raise cfs.Error "invalid JSON at byte N: ..." for text that is not one JSON value
function M.decode(text)
  if type(text) ~= "string" then
    error(string.format("bad argument #1 to 'decode' (string expected, got %s)", type(text)), 2)
  end
  local value, pos = decode_value(text, skip_space(text, 1), 0)
  pos = skip_space(text, pos)
  if pos <= #text then
    fail(text, pos, "unexpected text after the value")
  end
  return value
end

return M
