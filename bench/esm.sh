#!/usr/bin/env bash
# Event source mapping benchmark: DynamoDB stream records delivered to a Python handler
# (fixtures/lambda/python_stream_log, Handler stream_log.latency: one line "<pk> <time.time()>"
# per record received, appended to a file). Also run by bench/run.sh as part `esm`
# (BENCH_ONLY=esm; in the default full run). Prints a table and writes bench/results/esm.json.
#
# Two fresh `awsemu --port 0 --ephemeral` processes, one after the other; in each a table
# whose stream (KEYS_ONLY) is mapped (LATEST, BatchSize 100) to the function:
#   latency    BENCH_ESM_WARMUP PutItems (instance started, paths warm) then BENCH_ESM_N
#              single PutItems on one keep-alive connection, BENCH_ESM_SPACING_MS apart: per
#              record, the handler's time.time() on receipt minus the writer's clock right
#              after the PutItem response (same machine clock). Floors: p50 < 5 ms, p99 < 20 ms
#   sustained  PutItems paced at BENCH_ESM_RATE/s over BENCH_ESM_CONNS keep-alive connections
#              for BENCH_ESM_SECONDS; each second written (answered) vs delivered (lines in the
#              handler's file); floors: writes/s >= 95% of the rate, delivered/s >= 95% of
#              writes/s, backlog at the end < 1 s of writes, its trend over the second half
#              < 2% of the rate, drained within 2 s of the last write
# Everything is bounded: each helper call by `timeout`, each server stopped by PID.
#   BENCH_ESM_N=500  BENCH_ESM_SPACING_MS=4  BENCH_ESM_WARMUP=20
#   BENCH_ESM_RATE=5000  BENCH_ESM_SECONDS=20  BENCH_ESM_CONNS=8
#   AWSEMU_BIN=build/awsemu
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."

N=${BENCH_ESM_N:-500}
SPACING=${BENCH_ESM_SPACING_MS:-4}
WARMUP=${BENCH_ESM_WARMUP:-20}
RATE=${BENCH_ESM_RATE:-5000}
SECONDS_RUN=${BENCH_ESM_SECONDS:-20}
CONNS=${BENCH_ESM_CONNS:-8}
BATCH=100
AWSEMU=${AWSEMU_BIN:-build/awsemu}
OUT=bench/results/esm.json
FIXTURE=fixtures/lambda/python_stream_log
CLK_TCK=$(getconf CLK_TCK)

tmp=$(mktemp -d)
records=$tmp/records.jsonl
pids=()

log() { echo "esm bench: $*" >&2; }
record() { printf '%s\n' "$1" >>"$records"; }
note() { record "{\"kind\":\"note\",\"text\":$(jq -Rn --arg t "$1" '$t')}"; }
running() { local s; read -r s 2>/dev/null <"/proc/$1/stat" && [[ ${s##*) } != Z* ]]; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
cpu_ticks() {  # utime + stime of a process (all its threads), in clock ticks
  local s; read -r s 2>/dev/null <"/proc/$1/stat" || { echo 0; return; }
  s=${s##*) }
  set -- $s; echo $((${12} + ${13}))
}
tree_pids() {  # tree_pids PID...: the processes and all their descendants
  local p c
  for p in "$@"; do
    echo "$p"
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
  done
}
children_ticks() {  # CPU ticks of everything below PID (the handler instances)
  local p t=0
  for p in $(tree_pids $(cat /proc/"$1"/task/*/children 2>/dev/null)); do t=$((t + $(cpu_ticks "$p"))); done
  echo "$t"
}

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

# start_awsemu: a fresh server on a free port; waits (10 s at most) for its ready line.
# Sets srv_pid, srv_url, srv_fd (kept open while it runs).
start_awsemu() {
  local fifo=$tmp/awsemu.$RANDOM.out line
  mkfifo "$fifo"
  "$bin" --port 0 --ephemeral --log-level error --runtimes "$PWD/handlers/runtimes" >"$fifo" 2>>"$tmp/awsemu.err" &
  srv_pid=$!
  pids+=("$srv_pid")
  exec {srv_fd}<"$fifo"
  srv_url=
  while IFS= read -r -t 10 -u "$srv_fd" line; do
    if [[ $line == *ready* && $line =~ http://127\.0\.0\.1:[0-9]+ ]]; then srv_url=${BASH_REMATCH[0]}; break; fi
  done
  [[ -n $srv_url ]] || { log "awsemu printed no ready line; its stderr:"; tail -n 20 "$tmp/awsemu.err" >&2; return 1; }
}
stop_awsemu() { stop_pid "$srv_pid"; exec {srv_fd}<&-; }

# js CMD ARGS...: bench/esm.js, 200 s at most; prints its JSON line; fails (logging) unless ok
js() {
  local out rc=0
  out=$(timeout 200 node bench/esm.js "$@") || rc=$?
  printf '%s\n' "$out"
  if ((rc)) || [[ $out != '{"ok":true'* ]]; then log "esm.js $1 failed (exit $rc): ${out:0:400}"; return 1; fi
}

setup() {  # setup LOGFILE: table "esm", function "rec", the mapping
  js setup "$srv_url" esm rec "$tmp/fn.zip" "$1" stream_log.latency "$BATCH" >/dev/null
}

part_latency() {
  local out
  start_awsemu
  setup "$tmp/latency.log"
  out=$(js latency "$srv_url" esm "$tmp/latency.log" "$N" "$SPACING" "$WARMUP") || true
  [[ -n $out ]] || out='{"ok":false,"error":"esm.js printed nothing"}'
  record "{\"kind\":\"result\",\"name\":\"latency\",\"value\":$out}"
  log "latency: $(jq -c '{p50_ms, p99_ms, max_ms, before_response, error}' <<<"$out")"
  stop_awsemu
}

part_sustained() {
  local out c0 c1 h0 h1 t0 t1
  start_awsemu
  setup "$tmp/sustained.log"
  # the instance warm first: one record delivered
  js latency "$srv_url" esm "$tmp/sustained.log" 1 1 1 >/dev/null
  c0=$(cpu_ticks "$srv_pid") h0=$(children_ticks "$srv_pid") t0=$EPOCHREALTIME
  out=$(js sustained "$srv_url" esm "$tmp/sustained.log" "$RATE" "$SECONDS_RUN" "$CONNS" 30) || true
  c1=$(cpu_ticks "$srv_pid") h1=$(children_ticks "$srv_pid") t1=$EPOCHREALTIME
  [[ -n $out ]] || out='{"ok":false,"error":"esm.js printed nothing"}'
  record "{\"kind\":\"result\",\"name\":\"sustained\",\"value\":$out}"
  local wall; wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  sustained_cpu=$(awk -v t=$((c1 - c0)) -v k="$CLK_TCK" -v w="$wall" 'BEGIN { printf "%.0f", 100 * t / k / w }')
  sustained_hcpu=$(awk -v t=$((h1 - h0)) -v k="$CLK_TCK" -v w="$wall" 'BEGIN { printf "%.0f", 100 * t / k / w }')
  log "sustained: $(jq -c '{writes_per_s, delivered_per_s, backlog_end, backlog_max, backlog_slope_per_s, drain_s, error}' <<<"$out"); awsemu CPU ${sustained_cpu}%, handlers ${sustained_hcpu}%"
  stop_awsemu
}

# ---- tools and inputs
for tool in node jq zip; do command -v $tool >/dev/null || { log "$tool not found"; exit 1; }; done
[[ -x $AWSEMU ]] || { log "$AWSEMU not found: run make first"; exit 1; }
# A copy (with awsemu-launch beside it): a rebuild during the run must not mix binaries.
bin=$tmp/awsemu
cp "$AWSEMU" "$bin"
[[ -x $(dirname "$AWSEMU")/awsemu-launch ]] && cp "$(dirname "$AWSEMU")/awsemu-launch" "$tmp/"
(cd "$FIXTURE" && zip -q -X "$tmp/fn.zip" stream_log.py)
python=$(command -v python3 || echo none)
load_before=$(loadavg)
log "load average before: $load_before"

sustained_cpu=null sustained_hcpu=null
t0=$EPOCHREALTIME
part_latency
part_sustained
record "{\"kind\":\"meta\",\"date\":\"$(date -u +%FT%TZ)\",\"commit\":\"$(git describe --always --dirty 2>/dev/null || echo none)\",\"awsemu_sha256\":\"$(sha256sum "$bin" | cut -c1-12)\",\"cores\":$(nproc),\"python\":\"$python ($(python3 -V 2>&1))\",\"node\":\"$(node -v)\",\"batch\":$BATCH,\"n\":$N,\"spacing_ms\":$SPACING,\"warmup\":$WARMUP,\"rate\":$RATE,\"seconds\":$SECONDS_RUN,\"conns\":$CONNS,\"sustained_cpu_pct\":$sustained_cpu,\"sustained_handler_cpu_pct\":$sustained_hcpu,\"load_before\":\"$load_before\",\"load_after\":\"$(loadavg)\",\"wall_s\":$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')}"
note "peer: none measured (dynalite has no streams-to-Lambda; LocalStack and moto run Lambda functions in Docker)"
[[ $(sha256sum "$AWSEMU" | cut -c1-12) == $(sha256sum "$bin" | cut -c1-12) ]] ||
  note "$AWSEMU changed during the run: the figures are of the copy taken at the start"

echo
node bench/esm.js report "$records" "$OUT"
