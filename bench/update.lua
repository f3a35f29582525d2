-- wrk: UpdateItem with a condition and ADD on a random preloaded key
-- (PREFIX000000 .. PREFIX(N-1), hash key only):
--   UpdateExpression    ADD #c :one SET updated = :t   (#c = counter, a reserved word)
--   ConditionExpression attribute_exists(pk)            (holds for preloaded keys only)
-- Args (after --): TABLE N [PREFIX]
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")

local fmt, nkeys, prefix, n

function init(args)
  local tbl = args[1] or "ubench"
  nkeys, prefix = tonumber(args[2] or "10000"), args[3] or "u"
  -- Fixed-width key and timestamp: one pre-formatted request (and its
  -- Content-Length) serves for all; \1... and \2... mark where they go.
  local body = '{"TableName":"' .. tbl .. '","Key":{"pk":{"S":"' .. string.rep("\1", #prefix + 6) .. '"}},'
    .. '"UpdateExpression":"ADD #c :one SET updated = :t",'
    .. '"ConditionExpression":"attribute_exists(pk)",'
    .. '"ExpressionAttributeNames":{"#c":"counter"},'
    .. '"ExpressionAttributeValues":{":one":{"N":"1"},":t":{"N":"' .. string.rep("\2", 12) .. '"}}}'
  fmt = ddb_request("UpdateItem", body):gsub("%%", "%%%%"):gsub("\1+", "%%s"):gsub("\2+", "%%s")
  math.randomseed(3000 + tid)
  n = 0
end

function request()
  n = n + 1
  return string.format(fmt, string.format("%s%06d", prefix, math.random(nkeys) - 1),
    string.format("1%02d%09d", tid, n))
end
