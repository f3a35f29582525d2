-- wrk: PutItem with a unique key per request, ~150-byte items.
-- Args (after --): run tag, so keys never repeat across runs.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")

local head, tail, n, tag

function init(args)
  tag = args[1] or "p"
  -- The key has a fixed width, so one pre-formatted request (and its
  -- Content-Length) serves for every key: only the key is spliced in.
  local key = string.rep("#", #tag + 12)
  local body = '{"TableName":"bench","Item":{"pk":{"S":"' .. key .. '"},'
    .. '"owner":{"S":"user-0042"},"count":{"N":"12345"},"active":{"BOOL":true},'
    .. '"payload":{"S":"' .. string.rep("x", 96) .. '"}}}'
  local req = ddb_request("PutItem", body)
  local at = req:find(key, 1, true)
  head, tail = req:sub(1, at - 1), req:sub(at + #key)
  n = 0
end

function request()
  n = n + 1
  return head .. string.format("%s%02d%010d", tag, tid, n) .. tail
end
