-- wrk: etcd's JSON gateway, POST /v3/kv/put with a unique base64 key per
-- request and a value the size of a fleet.
local counter = 0
local threads = {}
local b = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

local function base64(data)
  return ((data:gsub('.', function(x)
    local r, byte = '', x:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return b:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data % 3 + 1])
end

local value = base64(string.rep("v", 120))

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local key = base64(string.format("wrk/%d/%d", thread_id, counter))
  local body = string.format('{"key":"%s","value":"%s"}', key, value)
  return wrk.format("POST", "/v3/kv/put", {["Content-Type"] = "application/json"}, body)
end
