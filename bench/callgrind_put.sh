#!/usr/bin/env bash
# Instructions per PutItem under callgrind: starts awsemu (one worker) under valgrind with
# instrumentation off, creates a table, warms up, then counts instructions over N PutItems of
# a ~150-byte item on one keep-alive connection (bench/put.lua's item).
#   N=2000 AWSEMU_BIN=build/awsemu OP=PutItem|GetItem|UpdateItem STREAM=1 bench/callgrind_put.sh
# Prints instructions per request; leaves callgrind.out in $OUT (default /tmp/cg.out).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}; BIN=${AWSEMU_BIN:-build/awsemu}; OUT=${OUT:-/tmp/cg.out}; OP=${OP:-PutItem}
PORT=$((20000 + RANDOM % 20000))
rm -f "$OUT" /tmp/cg.stdout
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT" \
  "$BIN" --port $PORT --ephemeral --log-level error --threads 1 >/tmp/cg.stdout 2>/tmp/cg.stderr &
VPID=$!
for i in $(seq 100); do grep -q ready /tmp/cg.stdout 2>/dev/null && break; sleep 0.2; done
/usr/bin/python3 - "$PORT" "$N" "$VPID" "$OP" "${STREAM:-0}" <<'PY'
import http.client, json, subprocess, sys
port, n, pid, op, stream = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5] == "1"
c = http.client.HTTPConnection("127.0.0.1", port)
auth = ("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64)
def call(o, body):
    c.request("POST", "/", body, {"Content-Type": "application/x-amz-json-1.0",
              "X-Amz-Target": "DynamoDB_20120810." + o, "X-Amz-Date": "20240101T000000Z",
              "Authorization": auth})
    r = c.getresponse(); d = r.read()
    assert r.status == 200, (r.status, d)
    return d
t = {"TableName": "bench", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
     "BillingMode": "PAY_PER_REQUEST"}
if stream:
    t["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
call("CreateTable", json.dumps(t))
def put(k):
    return ('{"TableName":"bench","Item":{"pk":{"S":"%s"},"owner":{"S":"user-0042"},'
            '"count":{"N":"12345"},"active":{"BOOL":true},"payload":{"S":"%s"}}}' % (k, "x" * 96))
def get(k):
    return '{"TableName":"bench","Key":{"pk":{"S":"%s"}}}' % k
def update(k, i):  # bench/update.lua's request: a condition, ADD and SET
    return ('{"TableName":"bench","Key":{"pk":{"S":"%s"}},'
            '"UpdateExpression":"ADD #c :one SET updated = :t",'
            '"ConditionExpression":"attribute_exists(pk)",'
            '"ExpressionAttributeNames":{"#c":"counter"},'
            '"ExpressionAttributeValues":{":one":{"N":"1"},":t":{"N":"1%011d"}}}' % (k, i))
def body(i, prefix):
    if op == "PutItem":
        return put("%s%012d" % (prefix, i))
    if op == "UpdateItem":
        return update("warm%012d" % (i % 300), i)
    return get("warm%012d" % (i % 300))
for i in range(300): call("PutItem", put("warm%012d" % i))
for i in range(300): call(op, body(i, "w2"))
subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
for i in range(n): call(op, body(i, "key"))
subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
PY
kill -INT $VPID; wait $VPID || true
TOTAL=$(callgrind_annotate "$OUT" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
echo "$OP: total $TOTAL Ir, $((TOTAL / N)) Ir/request (N=$N)"
