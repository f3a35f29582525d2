-- wrk: PutItem that replaces a random preloaded item (PREFIX000000 ..
-- PREFIX(N-1), hash key only) with one of the same shape and size as the
-- preloaded ones (batchload.js with "counter":1): n, counter 0, updated, payload.
-- The reference UpdateItem (update.lua) is compared with.
-- Args (after --): TABLE N [PREFIX] [PAYLOAD_BYTES]
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")

local fmt, nkeys, prefix, n

function init(args)
  local tbl = args[1] or "ubench"
  nkeys, prefix = tonumber(args[2] or "10000"), args[3] or "u"
  local bytes = tonumber(args[4] or "100")
  local alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
  local payload = string.rep(alphabet, math.ceil(bytes / #alphabet)):sub(1, bytes)
  local body = '{"TableName":"' .. tbl .. '","Item":{"pk":{"S":"' .. string.rep("\1", #prefix + 6) .. '"},'
    .. '"n":{"N":"' .. string.rep("\3", 7) .. '"},"counter":{"N":"0"},'
    .. '"updated":{"N":"' .. string.rep("\2", 12) .. '"},"payload":{"S":"' .. payload .. '"}}}'
  fmt = ddb_request("PutItem", body):gsub("%%", "%%%%"):gsub("\1+", "%%s"):gsub("\3+", "%%s"):gsub("\2+", "%%s")
  math.randomseed(4000 + tid)
  n = 0
end

function request()
  n = n + 1
  local i = math.random(nkeys) - 1
  return string.format(fmt, string.format("%s%06d", prefix, i), string.format("1%06d", i),
    string.format("1%02d%09d", tid, n))
end
