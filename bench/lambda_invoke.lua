-- wrk: synchronous Invoke (RequestResponse) of one Lambda function, the same
-- small JSON payload every time. Every response body is compared with the
-- echo handler's answer; mismatches are counted in the BENCHJSON line.
-- Args (after --): function name, expected body (Python's json.dumps of the
-- payload), and "tail" to ask for LogType Tail: then the REPORT line's Duration
-- of every Invoke is read from X-Amz-Log-Result (wrk takes a response's latency
-- before this callback runs, so decoding it is not counted in the latency) and
-- its p50/p99 are added to the BENCHJSON line.

local payload = '{"hello":"world","n":1}'
local req, expected, tail
bad, nodur, durs = 0, 0, {}   -- per thread; read by done() through thread:get

function init(args)
  tail = args[3] == "tail"
  local headers = { ["Content-Type"] = "application/json" }
  if tail then headers["X-Amz-Log-Type"] = "Tail" end
  req = wrk.format("POST", "/2015-03-31/functions/" .. (args[1] or "echo") .. "/invocations", headers, payload)
  expected = args[2] or '{"hello": "world", "n": 1}'
end

function request() return req end

local b64 = {}
do
  local abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  for i = 1, 64 do b64[abc:byte(i)] = i - 1 end
end
local function b64decode(s)
  local out, n, acc, bits = {}, 0, 0, 0
  for i = 1, #s do
    local v = b64[s:byte(i)]
    if v then
      acc, bits = acc * 64 + v, bits + 6
      if bits >= 8 then
        bits = bits - 8
        local c = math.floor(acc / 2 ^ bits)
        acc = acc - c * 2 ^ bits
        n = n + 1
        out[n] = string.char(c)
      end
    end
  end
  return table.concat(out)
end

function response(status, headers, body)
  if status == 200 and body ~= expected then
    bad = bad + 1
    if bad == 1 then io.stderr:write("unexpected body: " .. tostring(body):sub(1, 200) .. "\n") end
  end
  if tail then
    local log = headers["X-Amz-Log-Result"]
    local d = log and b64decode(log):match("\tDuration: ([%d.]+) ms")
    if d then
      local k = math.floor(tonumber(d) * 100 + 0.5)   -- 10 us buckets (the REPORT line's precision)
      durs[k] = (durs[k] or 0) + 1
    else
      nodur = nodur + 1
    end
  end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

-- the p-th percentile (0-100) of the bucketed Durations, in ms; -1 when none
local function dur_percentile(all, total, p)
  local keys = {}
  for k in pairs(all) do keys[#keys + 1] = k end
  table.sort(keys)
  local want, seen = math.max(1, math.ceil(total * p / 100)), 0
  for _, k in ipairs(keys) do
    seen = seen + all[k]
    if seen >= want then return k / 100 end
  end
  return -1
end

function done(summary, latency, requests)
  local nbad, nnodur, all, total = 0, 0, {}, 0
  for _, t in ipairs(threads) do
    nbad = nbad + (t:get("bad") or 0)
    nnodur = nnodur + (t:get("nodur") or 0)
    for k, c in pairs(t:get("durs") or {}) do all[k] = (all[k] or 0) + c; total = total + c end
  end
  local e = summary.errors
  local tailjson = ""
  if total > 0 or nnodur > 0 then
    tailjson = string.format('"tail":{"durations":%d,"missing":%d,"duration_p50_ms":%.2f,"duration_p99_ms":%.2f},',
      total, nnodur, dur_percentile(all, total, 50), dur_percentile(all, total, 99))
  end
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%.0f,"p99_us":%.0f,"mean_us":%.1f,"bad_bodies":%d,%s'
    .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean, nbad, tailjson,
    e.connect, e.read, e.write, e.status, e.timeout))
end
