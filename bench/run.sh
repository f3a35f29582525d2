#!/usr/bin/env bash
# Load benchmark: awsemu and dynalite (in-memory), one after the other, PutItem
# and GetItem at 1 and 16 keep-alive connections (wrk + Lua), plus awsemu's
# startup time and memory. Run from anywhere; `make bench` builds awsemu first.
# Prints a table and writes bench/results/latest.json.
#   BENCH_DURATION=10      seconds per wrk run
#   BENCH_SKIP_DYNALITE=1  measure awsemu alone (no ratios)
#   BENCH_SKIP_AWSEMU=1    measure dynalite alone
#   BENCH_BULK=200000      items for awsemu's RSS-after-load figure
#   AWSEMU_BIN=build/awsemu
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-10}
PRELOAD=10000               # keys GetItem reads at random
BULK=${BENCH_BULK:-200000}  # items loaded for the RSS-after-load figure
STARTS=5                    # awsemu cold starts; the median is reported
AWSEMU=${AWSEMU_BIN:-build/awsemu}
AUTH='AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000'
CLK_TCK=$(getconf CLK_TCK)
export BENCH_DIR=bench   # where the wrk scripts find common.lua

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
running() { local s; read -r s 2>/dev/null <"/proc/$1/stat" && [[ ${s##*) } != Z* ]]; }

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
stop_server() { stop_pid "$srv_pid"; exec {srv_fd}<&-; }

ddb() {  # ddb URL OP JSON: POST one DynamoDB request, print the reply; fail unless 200
  local code
  code=$(curl -sS --max-time 10 -o "$tmp/reply" -w '%{http_code}' -X POST "$1/" \
    -H 'Content-Type: application/x-amz-json-1.0' -H "X-Amz-Target: DynamoDB_20120810.$2" \
    -H 'X-Amz-Date: 20240101T000000Z' -H "Authorization: $AUTH" --data-binary "$3")
  if [[ $code != 200 ]]; then log "$2 -> HTTP $code: $(cat "$tmp/reply")"; return 1; fi
  cat "$tmp/reply"
}

create_table() {  # table "bench", hash key pk (S), on-demand; waits until ACTIVE
  local i
  ddb "$1" CreateTable '{"TableName":"bench","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}' >/dev/null
  for ((i = 0; i < 100; i++)); do
    [[ $(ddb "$1" DescribeTable '{"TableName":"bench"}') =~ \"TableStatus\"\ *:\ *\"ACTIVE\" ]] && return 0
    sleep 0.05
  done
  log "table bench not ACTIVE after 5 s"
  return 1
}

# wrk_run SERVER URL PID OP CONNS SCRIPT ARG: one wrk run, with the server's
# CPU time (utime+stime delta) over it, appended to the records.
wrk_run() {
  local server=$1 url=$2 pid=$3 op=$4 conns=$5 script=$6 arg=$7
  local threads=$((conns > 1 ? 2 : 1)) out=$tmp/wrk-$1-$4-$5.log c0 c1 json non2xx
  c0=$(cpu_ticks "$pid")
  timeout $((DURATION + 30)) wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency \
    -s "bench/$script" "$url/" -- "$arg" >"$out" 2>&1 || { log "wrk failed:"; cat "$out" >&2; return 1; }
  c1=$(cpu_ticks "$pid")
  json=$(sed -n 's/^BENCHJSON {//p' "$out")
  non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$out")
  [[ -n $json ]] || { log "wrk printed no result:"; cat "$out" >&2; return 1; }
  record "{\"kind\":\"run\",\"server\":\"$server\",\"op\":\"$op\",\"conns\":$conns,\"cpu_ticks\":$((c1 - c0)),\"clk_tck\":$CLK_TCK,\"non2xx\":${non2xx:-0},$json"
  log "$server $op c$conns: $(sed -n 's/^Requests\/sec: *//p' "$out") req/s${non2xx:+, $non2xx non-2xx responses!}"
}

bench_server() {  # bench_server NAME URL PID: table, preload, the four wrk runs
  local name=$1 url=$2 pid=$3 conns
  create_table "$url"
  node bench/load.js "$url" "$PRELOAD" 16 60 >/dev/null
  [[ $(ddb "$url" GetItem '{"TableName":"bench","Key":{"pk":{"S":"k009999"}}}') == *payload* ]] ||
    { log "$name: a preloaded item is missing"; return 1; }
  for conns in 1 16; do wrk_run "$name" "$url" "$pid" GetItem "$conns" get.lua "$PRELOAD"; done
  for conns in 1 16; do wrk_run "$name" "$url" "$pid" PutItem "$conns" put.lua "p$conns"; done
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
record "{\"kind\":\"meta\",\"date\":\"$(date -u +%FT%TZ)\",\"commit\":\"$(git rev-parse --short HEAD 2>/dev/null || echo none)\",\"duration_s\":$DURATION,\"preload\":$PRELOAD,\"bulk\":$BULK,\"cores\":$(nproc),\"wrk\":\"$(wrk -v 2>&1 | awk 'NR==1 { print $2 }')\"}"

# ---- awsemu
if [[ ${BENCH_SKIP_AWSEMU:-0} != 1 ]]; then
  [[ -x $AWSEMU ]] || { log "$AWSEMU not found: run make first"; exit 1; }
  emu=("$AWSEMU" --port 0 --ephemeral --log-level error)
  starts=() rss=()
  for ((n = 0; n < STARTS; n++)); do
    start_server awsemu ready "${emu[@]}"
    starts+=("$srv_us") rss+=("$(rss_kb "$srv_pid")")
    stop_server
  done
  samples=$(for s in "${starts[@]}"; do ms "$s"; echo; done | paste -sd,)
  record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"startup_ms\",\"value\":$(ms "$(median "${starts[@]}")")}"
  record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"startup_samples_ms\",\"value\":[$samples]}"
  record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"idle_rss_kb\",\"value\":$(median "${rss[@]}")}"
  log "awsemu: startup $(ms "$(median "${starts[@]}")") ms, idle RSS $(median "${rss[@]}") kB"

  start_server awsemu ready "${emu[@]}"
  create_table "$srv_url"
  loaded=$(node bench/load.js "$srv_url" "$BULK" 16 120)
  printf -v last 'k%06d' $((BULK - 1))
  [[ $(ddb "$srv_url" GetItem "{\"TableName\":\"bench\",\"Key\":{\"pk\":{\"S\":\"$last\"}}}") == *payload* ]] ||
    { log "awsemu: the last bulk item is missing"; exit 1; }
  record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"rss_loaded_kb\",\"value\":$(rss_kb "$srv_pid")}"
  record "{\"kind\":\"metric\",\"server\":\"awsemu\",\"name\":\"load_s\",\"value\":$(sed 's/.*"seconds":\([0-9.]*\).*/\1/' <<<"$loaded")}"
  log "awsemu: $BULK items loaded: $loaded, RSS $(rss_kb "$srv_pid") kB"
  stop_server

  start_server awsemu ready "${emu[@]}"
  bench_server awsemu "$srv_url" "$srv_pid"
  stop_server
fi

# ---- dynalite (in-memory: no --path)
if [[ ${BENCH_SKIP_DYNALITE:-0} != 1 ]]; then
  port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
  start_server dynalite listening bench/node_modules/.bin/dynalite --host 127.0.0.1 --port "$port"
  record "{\"kind\":\"metric\",\"server\":\"dynalite\",\"name\":\"startup_ms\",\"value\":$(ms "$srv_us")}"
  record "{\"kind\":\"metric\",\"server\":\"dynalite\",\"name\":\"idle_rss_kb\",\"value\":$(rss_kb "$srv_pid")}"
  bench_server dynalite "$srv_url" "$srv_pid"
  stop_server
fi

echo
node bench/report.js "$records" bench/results/latest.json
