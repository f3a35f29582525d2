-- Shared by put.lua and get.lua (wrk scripts). Loaded with dofile(); the
-- directory comes from $BENCH_DIR (set by run.sh).

-- The same headers for both servers: JSON 1.0, a target, and a well-formed
-- (unchecked) SigV4 Authorization so both parse an SDK-shaped request.
function ddb_request(op, body)
  local headers = {
    ["Content-Type"]  = "application/x-amz-json-1.0",
    ["X-Amz-Target"]  = "DynamoDB_20120810." .. op,
    ["X-Amz-Date"]    = "20240101T000000Z",
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
                     .. "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" .. string.rep("0", 64),
  }
  return wrk.format("POST", "/", headers, body)
end

-- Each wrk thread gets its own id (global `tid` in its environment).
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

-- One machine-readable line for run.sh; wrk's own text report stays above it.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%.0f,"p99_us":%.0f,"mean_us":%.1f,'
    .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
