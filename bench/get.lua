-- wrk: GetItem of a random key among the preloaded k000000..k(N-1).
-- Args (after --): N, the number of preloaded keys.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")

local reqs, nkeys

function init(args)
  nkeys = tonumber(args[1] or "10000")
  reqs = {}
  for i = 1, nkeys do
    reqs[i] = ddb_request("GetItem",
      string.format('{"TableName":"bench","Key":{"pk":{"S":"k%06d"}}}', i - 1))
  end
  math.randomseed(1000 + tid)
end

function request()
  return reqs[math.random(nkeys)]
end
