-- wrk: etcd's JSON gateway, POST /v3/kv/put with a unique base64 key per
-- request and a value the size of a fleet.
local counter = 0
thread_id = 0 -- global: setup() sets it per thread
local threads = {}
local digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
-- The value: 120 bytes, base64 (160 characters).
local value = string.rep("dnZ2", 40)

-- A unique key per request without encoding work in the client (so that
-- wrk's own CPU does not hold etcd back): the number written in base64's
-- digits, 12 of them (9 bytes decoded); every 4-character group decodes to
-- 3 bytes, so distinct numbers are distinct keys.
local function key_of(n)
  local out = {}
  for i = 12, 1, -1 do
    local d = n % 64
    out[i] = digits:sub(d + 1, d + 1)
    n = (n - d) / 64
  end
  return table.concat(out)
end

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local key = key_of(thread_id * 2 ^ 40 + counter)
  local body = string.format('{"key":"%s","value":"%s"}', key, value)
  return wrk.format("POST", "/v3/kv/put", {["Content-Type"] = "application/json"}, body)
end
