-- wrk: etcd's JSON gateway, POST /v3/kv/range of one key (a linearizable
-- read, etcd's default), the key `bench-key` (base64 below).
function request()
  return wrk.format("POST", "/v3/kv/range", {["Content-Type"] = "application/json"},
    '{"key":"YmVuY2gta2V5"}')
end
