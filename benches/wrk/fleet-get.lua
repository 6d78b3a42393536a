-- wrk: GET /v1/fleets/$FLEET_ID (a consistent read by id).
local path = "/v1/fleets/" .. os.getenv("FLEET_ID")
local headers = {["Authorization"] = "Bearer " .. os.getenv("CLUSTERDB_API_KEY")}

function request()
  return wrk.format("GET", path, headers)
end
