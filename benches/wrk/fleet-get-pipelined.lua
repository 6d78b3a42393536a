-- wrk: GET /v1/fleets/$FLEET_ID, PIPELINE requests (default 16) written
-- back to back on each connection before the answers are read (HTTP/1.1
-- pipelining); wrk counts each answer as a request.
local depth = tonumber(os.getenv("PIPELINE") or "16")
local path = "/v1/fleets/" .. os.getenv("FLEET_ID")
local headers = {["Authorization"] = "Bearer " .. os.getenv("CLUSTERDB_API_KEY")}
local batch

function init(args)
  local requests = {}
  for i = 1, depth do
    requests[i] = wrk.format("GET", path, headers)
  end
  batch = table.concat(requests)
end

function request()
  return batch
end
