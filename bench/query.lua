-- wrk: Query of exactly 100 consecutive items (sort keys s000000...) of one
-- partition, at a random offset.
-- Args (after --): TABLE PK N MODE [COUNT]
--   N      items in partition PK (sort keys s000000 .. s(N-1))
--   MODE   between: KeyConditionExpression pk = :p AND sk BETWEEN :a AND :b
--          limit:   pk = :p, Limit COUNT, ExclusiveStartKey just before the offset
--   COUNT  items per Query (100)
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")

local fmt, nitems, count, mode

function init(args)
  local tbl, pk = args[1] or "qbench", args[2] or "hot"
  nitems, mode, count = tonumber(args[3] or "100000"), args[4] or "between", tonumber(args[5] or "100")
  local body
  -- Sort keys have a fixed width, so one pre-formatted request (and its
  -- Content-Length) serves for every offset: "@@@@@@@" and "$$$$$$$" mark the
  -- two keys, replaced by %s in a format string.
  if mode == "between" then
    body = '{"TableName":"' .. tbl .. '","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b",'
      .. '"ExpressionAttributeValues":{":p":{"S":"' .. pk .. '"},":a":{"S":"@@@@@@@"},":b":{"S":"$$$$$$$"}}}'
  elseif mode == "limit" then
    body = '{"TableName":"' .. tbl .. '","KeyConditionExpression":"pk = :p","Limit":' .. count .. ','
      .. '"ExclusiveStartKey":{"pk":{"S":"' .. pk .. '"},"sk":{"S":"@@@@@@@"}},'
      .. '"ExpressionAttributeValues":{":p":{"S":"' .. pk .. '"}}}'
  else
    error("query.lua: MODE must be between or limit, not " .. tostring(mode))
  end
  fmt = ddb_request("Query", body):gsub("%%", "%%%%"):gsub("@@@@@@@", "%%s"):gsub("%$%$%$%$%$%$%$", "%%s")
  math.randomseed(2000 + tid)
end

function request()
  if mode == "between" then
    local o = math.random(0, nitems - count)          -- items s(o) .. s(o+count-1)
    return string.format(fmt, string.format("s%06d", o), string.format("s%06d", o + count - 1))
  end
  local o = math.random(1, nitems - count)            -- start after s(o-1): s(o) .. s(o+count-1)
  return string.format(fmt, string.format("s%06d", o - 1))
end
