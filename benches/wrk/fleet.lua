-- wrk: POST /v1/fleets with a unique name per request (durable creates of a
-- 1-capacity fleet). Each wrk thread numbers its own requests.
-- FLEET_PREFIX (default `wrk`) keeps names of runs against one store apart.
local prefix = os.getenv("FLEET_PREFIX") or "wrk"
local counter = 0
thread_id = 0 -- global: setup() sets it per thread
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"%s-%d-%d","capacity":1,"instance_type":"t3.medium","tags":{"environment":"load"}}',
    prefix, thread_id, counter)
  return wrk.format("POST", "/v1/fleets",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("CLUSTERDB_API_KEY")},
    body)
end
