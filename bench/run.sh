#!/usr/bin/env bash
# Load benchmark: awsemu and dynalite (in-memory), one after the other, with
# wrk + Lua at 1 and 16 keep-alive connections. Four parts, all by default:
#   core    PutItem and GetItem, plus awsemu's startup time and memory
#   query   Query of 100 consecutive ~1 KB items in a 100,000-item partition
#           (and the size part below)
#   size    awsemu alone: the same Query on a 10k-item and a 1M-item table
#   update  UpdateItem (condition + ADD) vs PutItem of the same item size
#   lambda  awsemu alone: bench/lambda.sh (Invoke of a Python handler: overhead,
#           Invokes/s, cold start, RSS with 20 warm instances); its own table
#           and bench/results/lambda.json
#   esm     awsemu alone: bench/esm.sh (stream record -> Python handler through
#           an event source mapping: latency, sustained 5,000 writes/s); its own
#           table and bench/results/esm.json
# Run from anywhere; `make bench` builds awsemu first.
# Prints a table and writes bench/results/latest.json.
#   BENCH_ONLY=core,query,size,update,lambda,esm  parts to run (comma-separated; default all)
#   BENCH_DURATION=10      seconds per wrk run
#   BENCH_SKIP_DYNALITE=1  measure awsemu alone (no ratios)
#   BENCH_SKIP_AWSEMU=1    measure dynalite alone
#   BENCH_BULK=200000      items for awsemu's RSS-after-load figure
#   BENCH_QUERY_ITEMS=100000  items in the queried partition (query part)
#   BENCH_SIZE_LARGE=1000000  items in the large table (size part)
#   BENCH_SIZE_ROUNDS=2    alternating small/large rounds (size part)
#   AWSEMU_BIN=build/awsemu
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-10}
ONLY=${BENCH_ONLY:-all}
PRELOAD=10000               # keys GetItem reads at random
BULK=${BENCH_BULK:-200000}  # items loaded for the RSS-after-load figure
STARTS=5                    # awsemu cold starts; the median is reported
QUERY_ITEMS=${BENCH_QUERY_ITEMS:-100000}  # items in the queried partition
QUERY_BYTES=1000            # payload per queried item (~1 KB items)
SIZE_SMALL=10000            # items in the small table (size part)
SIZE_LARGE=${BENCH_SIZE_LARGE:-1000000}   # items in the large table
SIZE_HOT=5000               # ~1 KB items of the queried partition, in both tables (5 MB: more than SQLite's 2 MB page cache)
SIZE_FILL_BYTES=20          # payload of the other (filler) items
SIZE_FILL_PER=100           # filler items per partition
SIZE_ROUNDS=${BENCH_SIZE_ROUNDS:-2}
UPDATE_KEYS=10000           # preloaded items UpdateItem and PutItem pick from
UPDATE_BYTES=100            # their payload
AWSEMU=${AWSEMU_BIN:-build/awsemu}
AUTH='AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000'
CLK_TCK=$(getconf CLK_TCK)
export BENCH_DIR=bench   # where the wrk scripts find common.lua

# The parts to run; `query` includes `size`.
parts=()
for p in ${ONLY//,/ }; do
  case $p in
    all) parts+=(core query size update lambda esm) ;;
    query) parts+=(query size) ;;
    core | size | update | lambda | esm) parts+=("$p") ;;
    *) echo "bench: BENCH_ONLY: unknown part '$p' (core, query, size, update, lambda, esm)" >&2; exit 2 ;;
  esac
done
want() { [[ " ${parts[*]} " == *" $1 "* ]]; }
(( ${#parts[@]} )) || { echo "bench: BENCH_ONLY names no part" >&2; exit 2; }

tmp=$(mktemp -d)
records=$tmp/records.jsonl
pids=()

log() { echo "bench: $*" >&2; }
record() { printf '%s\n' "$1" >>"$records"; }
usec() { local s=${1%[.,]*} f=${1#*[.,]}; echo $((s * 1000000 + 10#$f)); }
ms() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1000 }'; }  # µs -> ms
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() {  # utime + stime of a process (all its threads), in clock ticks
  local s; read -r s <"/proc/$1/stat"; s=${s##*) }
  set -- $s; echo $((${12} + ${13}))
}
thread_ticks() {  # "TID TICKS" per thread of a process (utime + stime)
  local t s
  for t in /proc/$1/task/*; do
    read -r s 2>/dev/null <"$t/stat" || continue
    s=${s##*) }
    set -- $s
    echo "${t##*/} $((${12} + ${13}))"
  done
}
busy_threads() {  # busy_threads BEFORE AFTER: threads with >= 10% of the CPU time between the two
  awk 'NR == FNR { t0[$1] = $2; next } { d[$1] = $2 - t0[$1]; total += d[$1] }
    END { for (k in d) if (total > 0 && d[k] * 10 >= total) n++; print n + 0 }' "$1" "$2"
}
running() { local s; read -r s 2>/dev/null <"/proc/$1/stat" && [[ ${s##*) } != Z* ]]; }
count_label() {  # 10000 -> 10k, 1000000 -> 1M
  if (($1 % 1000000 == 0)); then echo "$(($1 / 1000000))M"
  elif (($1 % 1000 == 0)); then echo "$(($1 / 1000))k"
  else echo "$1"; fi
}
json_field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }  # json_field NAME JSON: a number

stop_pid() {  # stop a server this script started: TERM, KILL after 5 s
  local pid=$1 i keep=() p
  if kill -TERM "$pid" 2>/dev/null; then
    for ((i = 0; i < 50; i++)); do running "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  for p in "${pids[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
  pids=("${keep[@]}")
}
cleanup() { while ((${#pids[@]})); do stop_pid "${pids[0]}"; done; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME PATTERN CMD...: runs CMD with stdout on a FIFO and waits
# (10 s at most) for a line containing PATTERN and http://127.0.0.1:PORT.
# Sets srv_pid, srv_url, srv_fd (keep it open while the server runs), srv_us.
start_server() {
  local name=$1 pattern=$2 fifo=$tmp/$1.$RANDOM.out t0 t1 line
  shift 2
  mkfifo "$fifo"
  t0=$EPOCHREALTIME
  "$@" >"$fifo" 2>>"$tmp/$name.err" &
  srv_pid=$!
  pids+=("$srv_pid")
  exec {srv_fd}<"$fifo"
  srv_url=
  while IFS= read -r -t 10 -u "$srv_fd" line; do
    if [[ $line == *"$pattern"* && $line =~ http://127\.0\.0\.1:[0-9]+ ]]; then
      srv_url=${BASH_REMATCH[0]}
      break
    fi
  done
  t1=$EPOCHREALTIME
  srv_us=$(($(usec "$t1") - $(usec "$t0")))
  if [[ -z $srv_url ]]; then
    log "$name printed no '$pattern' line with its URL; its stderr:"
    tail -n 20 "$tmp/$name.err" >&2
    return 1
  fi
}
stop_server() { stop_pid "${1:-$srv_pid}"; local fd=${2:-$srv_fd}; exec {fd}<&-; }

emu=("$AWSEMU" --port 0 --ephemeral --log-level error)
start_awsemu() { start_server awsemu ready "${emu[@]}"; }
start_dynalite() {  # in-memory: no --path
  local port
  port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
  start_server dynalite listening bench/node_modules/.bin/dynalite --host 127.0.0.1 --port "$port"
}
servers() {  # the servers to measure, in order
  [[ ${BENCH_SKIP_AWSEMU:-0} == 1 ]] || echo awsemu
  [[ ${BENCH_SKIP_DYNALITE:-0} == 1 ]] || echo dynalite
}

ddb() {  # ddb URL OP JSON: POST one DynamoDB request, print the reply; fail unless 200
  local code
  code=$(curl -sS --max-time 10 -o "$tmp/reply" -w '%{http_code}' -X POST "$1/" \
    -H 'Content-Type: application/x-amz-json-1.0' -H "X-Amz-Target: DynamoDB_20120810.$2" \
    -H 'X-Amz-Date: 20240101T000000Z' -H "Authorization: $AUTH" --data-binary "$3")
  if [[ $code != 200 ]]; then log "$2 -> HTTP $code: $(cat "$tmp/reply")"; return 1; fi
  cat "$tmp/reply"
}

# create_table URL NAME [RANGE]: hash key pk (S), with RANGE=1 range key sk (S),
# on-demand; waits until ACTIVE
create_table() {
  local url=$1 name=$2 attrs='{"AttributeName":"pk","AttributeType":"S"}' keys='{"AttributeName":"pk","KeyType":"HASH"}' i
  if [[ ${3:-0} == 1 ]]; then
    attrs+=',{"AttributeName":"sk","AttributeType":"S"}' keys+=',{"AttributeName":"sk","KeyType":"RANGE"}'
  fi
  ddb "$url" CreateTable "{\"TableName\":\"$name\",\"AttributeDefinitions\":[$attrs],\"KeySchema\":[$keys],\"BillingMode\":\"PAY_PER_REQUEST\"}" >/dev/null
  for ((i = 0; i < 100; i++)); do
    [[ $(ddb "$url" DescribeTable "{\"TableName\":\"$name\"}") =~ \"TableStatus\"\ *:\ *\"ACTIVE\" ]] && return 0
    sleep 0.05
  done
  log "table $name not ACTIVE after 5 s"
  return 1
}

# batchload URL CONCURRENCY TIME_LIMIT SPEC: BatchWriteItem loader (batchload.js);
# prints its {"items":...,"seconds":...}
batchload() { node bench/batchload.js "$1" "$4" "$2" "$3"; }

# check PART SERVER NAME CMD...: runs check.js CMD..., records the outcome;
# a failed check is logged (report.js then marks the part's figures invalid).
# Sets check_out to its JSON line.
check() {
  local part=$1 server=$2 name=$3
  shift 3
  check_out=$(node bench/check.js "$@") || true
  [[ -n $check_out ]] || check_out='{"ok":false,"error":"check.js printed nothing"}'
  record "{\"kind\":\"check\",\"part\":\"$part\",\"server\":\"$server\",\"name\":\"$name\",\"result\":$check_out}"
  [[ $check_out == '{"ok":true'* ]] || log "$server: check $name FAILED: $check_out"
}

# wrk_run PART SERVER URL PID OP CONNS SCRIPT ARGS...: one wrk run, with the
# server's CPU time (utime+stime delta) over it and how many of its threads did
# >= 10% of that, appended to the records.
# Sets wrk_requests. The optional ROUND (env) tags repeated runs.
wrk_run() {
  local part=$1 server=$2 url=$3 pid=$4 op=$5 conns=$6 script=$7
  shift 7
  local threads=$((conns > 1 ? 2 : 1)) out=$tmp/wrk-$part-$server-$op-$conns-${ROUND:-0}.log c0 c1 json non2xx
  thread_ticks "$pid" >"$out.t0"
  c0=$(cpu_ticks "$pid")
  timeout $((DURATION + 30)) wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency \
    -s "bench/$script" "$url/" -- "$@" >"$out" 2>&1 || { log "wrk failed:"; cat "$out" >&2; return 1; }
  c1=$(cpu_ticks "$pid")
  thread_ticks "$pid" >"$out.t1"
  json=$(sed -n 's/^BENCHJSON {//p' "$out")
  non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$out")
  [[ -n $json ]] || { log "wrk printed no result:"; cat "$out" >&2; return 1; }
  wrk_requests=$(json_field requests "{$json")
  record "{\"kind\":\"run\",\"part\":\"$part\",\"server\":\"$server\",\"op\":\"$op\",\"conns\":$conns,\"round\":${ROUND:-0},\"cpu_ticks\":$((c1 - c0)),\"threads_busy\":$(busy_threads "$out.t0" "$out.t1"),\"clk_tck\":$CLK_TCK,\"non2xx\":${non2xx:-0},$json"
  log "$server $op c$conns${ROUND:+ round $ROUND}: $(sed -n 's/^Requests\/sec: *//p' "$out") req/s${non2xx:+, $non2xx non-2xx responses!}"
}

part_t0=
part_begin() { part_t0=$EPOCHREALTIME; log "---- part $1"; }
part_end() {
  record "{\"kind\":\"part\",\"name\":\"$1\",\"seconds\":$(awk -v a="$(usec "$part_t0")" -v b="$(usec "$EPOCHREALTIME")" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')}"
}

# ---- core: GetItem and PutItem on table "bench" (hash key only)
core_server() {  # core_server NAME URL PID: table, preload, the four wrk runs
  local name=$1 url=$2 pid=$3 conns
  create_table "$url" bench
  node bench/load.js "$url" "$PRELOAD" 16 60 >/dev/null
  [[ $(ddb "$url" GetItem '{"TableName":"bench","Key":{"pk":{"S":"k009999"}}}') == *payload* ]] ||
    { log "$name: a preloaded item is missing"; return 1; }
  for conns in 1 16; do wrk_run core "$name" "$url" "$pid" GetItem "$conns" get.lua "$PRELOAD"; done
  for conns in 1 16; do wrk_run core "$name" "$url" "$pid" PutItem "$conns" put.lua "p$conns"; done
}

part_core() {
  local server n starts rss samples loaded last
  for server in $(servers); do
    if [[ $server == awsemu ]]; then
      starts=() rss=()
      for ((n = 0; n < STARTS; n++)); do
        start_awsemu
        starts+=("$srv_us") rss+=("$(rss_kb "$srv_pid")")
        stop_server
      done
      samples=$(for s in "${starts[@]}"; do ms "$s"; echo; done | paste -sd,)
      record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"startup_ms\",\"value\":$(ms "$(median "${starts[@]}")")}"
      record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"startup_samples_ms\",\"value\":[$samples]}"
      record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"idle_rss_kb\",\"value\":$(median "${rss[@]}")}"
      log "awsemu: startup $(ms "$(median "${starts[@]}")") ms, idle RSS $(median "${rss[@]}") kB"

      start_awsemu
      create_table "$srv_url" bench
      loaded=$(node bench/load.js "$srv_url" "$BULK" 16 120)
      printf -v last 'k%06d' $((BULK - 1))
      [[ $(ddb "$srv_url" GetItem "{\"TableName\":\"bench\",\"Key\":{\"pk\":{\"S\":\"$last\"}}}") == *payload* ]] ||
        { log "awsemu: the last bulk item is missing"; exit 1; }
      record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"rss_loaded_kb\",\"value\":$(rss_kb "$srv_pid")}"
      record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"load_s\",\"value\":$(json_field seconds "$loaded")}"
      log "awsemu: $BULK items loaded: $loaded, RSS $(rss_kb "$srv_pid") kB"
      stop_server

      start_awsemu
    else
      start_dynalite
      record "{\"kind\":\"metric\",\"server\":\"dynalite\",\"name\":\"startup_ms\",\"value\":$(ms "$srv_us")}"
      record "{\"kind\":\"metric\",\"server\":\"dynalite\",\"name\":\"idle_rss_kb\",\"value\":$(rss_kb "$srv_pid")}"
    fi
    core_server "$server" "$srv_url" "$srv_pid"
    stop_server
  done
}

# ---- query: table "qbench" (pk, sk), one partition "hot" of QUERY_ITEMS ~1 KB
# items, Query of 100 consecutive items at a random offset
part_query() {
  local server loaded conns
  for server in $(servers); do
    "start_$server"
    create_table "$srv_url" qbench 1
    loaded=$(batchload "$srv_url" 16 240 "{\"table\":\"qbench\",\"prefix\":\"hot\",\"count\":$QUERY_ITEMS,\"bytes\":$QUERY_BYTES}")
    record "{\"kind\":\"metric\",\"server\":\"$server\",\"name\":\"query_load_s\",\"value\":$(json_field seconds "$loaded")}"
    log "$server: $QUERY_ITEMS ~1 KB items loaded into one partition: $loaded"
    check query "$server" "Query returns 100 consecutive items" query "$srv_url" qbench hot "$QUERY_ITEMS" 20
    for conns in 1 16; do
      wrk_run query "$server" "$srv_url" "$srv_pid" Query "$conns" query.lua qbench hot "$QUERY_ITEMS" between 100
    done
    wrk_run query "$server" "$srv_url" "$srv_pid" QueryLimit 16 query.lua qbench hot "$QUERY_ITEMS" limit 100
    stop_server
  done
}

# ---- size: awsemu alone; table "qbench" with a partition "hot" of SIZE_HOT ~1 KB
# items plus small filler items (partitions of SIZE_FILL_PER, half of them
# sorting before "hot", half after) up to SIZE_SMALL and SIZE_LARGE items in two
# instances; the 100-item Query at 1 connection, alternating between the two.
size_load() {  # size_load URL TOTAL: prints the load time in seconds
  local url=$1 total=$2 fill=$(($2 - SIZE_HOT)) a b t=0 out
  create_table "$url" qbench 1
  out=$(batchload "$url" 16 120 "{\"table\":\"qbench\",\"prefix\":\"hot\",\"count\":$SIZE_HOT,\"bytes\":$QUERY_BYTES}")
  t=$(awk -v a="$t" -v b="$(json_field seconds "$out")" 'BEGIN { print a + b }')
  a=$((fill / 2)) b=$((fill - fill / 2))
  out=$(batchload "$url" 64 300 "{\"table\":\"qbench\",\"prefix\":\"a-\",\"count\":$a,\"per\":$SIZE_FILL_PER,\"bytes\":$SIZE_FILL_BYTES}")
  t=$(awk -v a="$t" -v b="$(json_field seconds "$out")" 'BEGIN { print a + b }')
  out=$(batchload "$url" 64 300 "{\"table\":\"qbench\",\"prefix\":\"z-\",\"count\":$b,\"per\":$SIZE_FILL_PER,\"bytes\":$SIZE_FILL_BYTES}")
  awk -v a="$t" -v b="$(json_field seconds "$out")" 'BEGIN { print a + b }'
}

part_size() {
  [[ ${BENCH_SKIP_AWSEMU:-0} == 1 ]] && { log "size: awsemu skipped, nothing to measure"; return 0; }
  local small_pid small_fd small_url large_pid large_fd large_url s l r t
  s=$(count_label "$SIZE_SMALL") l=$(count_label "$SIZE_LARGE")
  start_awsemu
  small_pid=$srv_pid small_fd=$srv_fd small_url=$srv_url
  t=$(size_load "$small_url" "$SIZE_SMALL")
  log "awsemu: $s-item table loaded in $t s"
  start_awsemu
  large_pid=$srv_pid large_fd=$srv_fd large_url=$srv_url
  t=$(size_load "$large_url" "$SIZE_LARGE")
  log "awsemu: $l-item table loaded in $t s, RSS $(rss_kb "$large_pid") kB"
  record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"size_large_load_s\",\"value\":$t}"
  record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"size_large_rss_kb\",\"value\":$(rss_kb "$large_pid")}"
  check size awsemu "Query returns 100 consecutive items ($s table)" query "$small_url" qbench hot "$SIZE_HOT" 20
  check size awsemu "Query returns 100 consecutive items ($l table)" query "$large_url" qbench hot "$SIZE_HOT" 20
  for ((r = 1; r <= SIZE_ROUNDS; r++)); do
    ROUND=$r wrk_run size awsemu "$small_url" "$small_pid" "Query@$s" 1 query.lua qbench hot "$SIZE_HOT" between 100
    ROUND=$r wrk_run size awsemu "$large_url" "$large_pid" "Query@$l" 1 query.lua qbench hot "$SIZE_HOT" between 100
  done
  stop_server "$small_pid" "$small_fd"
  stop_server "$large_pid" "$large_fd"
}

# ---- update: table "ubench" (hash key only), UPDATE_KEYS preloaded items; PutItem
# replacing random ones with same-size items, then UpdateItem (condition + ADD)
# on random ones, at 16 connections
part_update() {
  local server out sum items requests
  for server in $(servers); do
    "start_$server"
    create_table "$srv_url" ubench
    out=$(batchload "$srv_url" 16 120 "{\"table\":\"ubench\",\"prefix\":\"u\",\"count\":$UPDATE_KEYS,\"range\":0,\"counter\":1,\"bytes\":$UPDATE_BYTES}")
    log "$server: $UPDATE_KEYS items loaded: $out"
    # PutItem first: it writes counter 0, so every counter is 0 before UpdateItem.
    wrk_run update "$server" "$srv_url" "$srv_pid" PutItem 16 replace.lua ubench "$UPDATE_KEYS" u "$UPDATE_BYTES"
    check update "$server" "one UpdateItem adds 1 to counter" increment "$srv_url" ubench u000000
    wrk_run update "$server" "$srv_url" "$srv_pid" UpdateItem 16 update.lua ubench "$UPDATE_KEYS" u
    requests=$wrk_requests
    # Every counted UpdateItem added 1; up to one request per connection may have
    # been in flight when wrk stopped (answered, not counted); plus the check's 1.
    out=$(node bench/check.js counters "$srv_url" ubench) || true
    sum=$(json_field sum "$out") items=$(json_field items "$out")
    if [[ -n $sum && $items == "$UPDATE_KEYS" ]] && ((sum >= requests + 1 && sum <= requests + 1 + 16)); then
      out="{\"ok\":true,\"items\":$items,\"counter_sum\":$sum,\"requests\":$requests}"
    else
      out="{\"ok\":false,\"error\":\"counter sum not in [requests+1, requests+17]\",\"scan\":${out:-null},\"requests\":$requests}"
    fi
    record "{\"kind\":\"check\",\"part\":\"update\",\"server\":\"$server\",\"name\":\"sum of counters = UpdateItems answered (+ <=16 in flight)\",\"result\":$out}"
    [[ $out == '{"ok":true'* ]] || log "$server: counter check FAILED: $out"
    stop_server
  done
}

# ---- tools
if ! command -v wrk >/dev/null; then
  log "installing wrk"
  apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
fi
if [[ ${BENCH_SKIP_DYNALITE:-0} != 1 && ! -x bench/node_modules/.bin/dynalite ]]; then
  log "installing dynalite"
  npm ci --prefix bench --no-audit --no-fund --loglevel=error >&2
fi
if [[ ${BENCH_SKIP_AWSEMU:-0} != 1 && ! -x $AWSEMU ]]; then log "$AWSEMU not found: run make first"; exit 1; fi
bin_sum() { [[ -e $AWSEMU ]] && sha256sum "$AWSEMU" | cut -c1-12 || echo none; }
bin_at_start=$(bin_sum)
parts_json=$(printf '"%s",' "${parts[@]}")
record "{\"kind\":\"meta\",\"date\":\"$(date -u +%FT%TZ)\",\"commit\":\"$(git describe --always --dirty 2>/dev/null || echo none)\",\"awsemu_sha256\":\"$bin_at_start\",\"parts\":[${parts_json%,}],\"duration_s\":$DURATION,\"preload\":$PRELOAD,\"bulk\":$BULK,\"query_items\":$QUERY_ITEMS,\"query_bytes\":$QUERY_BYTES,\"size_small\":$SIZE_SMALL,\"size_large\":$SIZE_LARGE,\"size_hot\":$SIZE_HOT,\"size_rounds\":$SIZE_ROUNDS,\"update_keys\":$UPDATE_KEYS,\"cores\":$(nproc),\"wrk\":\"$(wrk -v 2>&1 | awk 'NR==1 { print $2 }')\"}"

t_all=$EPOCHREALTIME
for part in core query size update; do
  want "$part" || continue
  part_begin "$part"
  "part_$part"
  part_end "$part"
done
lambda_rc=0
if want lambda && [[ ${BENCH_SKIP_AWSEMU:-0} != 1 ]]; then  # its own servers, table and results file (bench/lambda.sh)
  part_begin lambda
  AWSEMU_BIN=$AWSEMU BENCH_DURATION=$DURATION bench/lambda.sh >"$tmp/lambda.txt" || lambda_rc=$?
  part_end lambda
fi
esm_rc=0
if want esm && [[ ${BENCH_SKIP_AWSEMU:-0} != 1 ]]; then  # its own servers, table and results file (bench/esm.sh)
  part_begin esm
  AWSEMU_BIN=$AWSEMU bench/esm.sh >"$tmp/esm.txt" || esm_rc=$?
  part_end esm
fi
# Fresh awsemu processes start in every part: a rebuild meanwhile mixes binaries.
[[ $(bin_sum) == "$bin_at_start" ]] ||
  record "{\"kind\":\"warning\",\"text\":\"$AWSEMU changed during the run (sha256 $bin_at_start -> $(bin_sum)): parts may have measured different builds\"}"
log "all parts: $(awk -v a="$(usec "$t_all")" -v b="$(usec "$EPOCHREALTIME")" 'BEGIN { printf "%.0f", (b - a) / 1e6 }') s"

rc=0
others=0  # parts that report.js summarises (lambda and esm print their own tables)
for p in "${parts[@]}"; do [[ $p == lambda || $p == esm ]] || others=1; done
if ((others)); then
  echo
  node bench/report.js "$records" bench/results/latest.json || rc=$?
fi
[[ -s $tmp/lambda.txt ]] && cat "$tmp/lambda.txt"
[[ -s $tmp/esm.txt ]] && { echo; cat "$tmp/esm.txt"; }
((rc)) || rc=$lambda_rc
((rc)) || rc=$esm_rc
exit "$rc"
