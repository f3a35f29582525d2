#!/usr/bin/env bash
# Lambda benchmark: awsemu running the python_echo fixture (Runtime python3.12,
# Handler handler.handler, zipped) as a local process over the Runtime API.
# Also run by bench/run.sh as part `lambda` (BENCH_ONLY=lambda; in the default
# full run). Prints a table and writes bench/results/lambda.json.
#
# Three fresh `awsemu --port 0 --ephemeral` processes, one after the other:
#   cold    CreateFunction + first Invoke of fresh functions, one after the other
#           (BENCH_LAMBDA_COLD+1 of them): the first one in the process also
#           resolves the python3 interpreter; the floor is the median of the others
#   warm    function "echo": BENCH_LAMBDA_ROUNDS rounds of wrk -t1 -c1 without, then
#           with LogType Tail (the REPORT Duration of every Invoke read from the
#           responses); then wrk -t1 -c4; BENCH_DURATION seconds each; every wrk
#           response must be 200 with the echoed body; distinct payloads checked
#           before and after
#   memory  BENCH_LAMBDA_INSTANCES functions each invoked once, all idle-warm
#           (counted in GET /_awsemu/lambda/instances): VmRSS of awsemu alone
# Overhead of a warm Invoke = wrk's p50 at 1 connection minus the p50 of the
# REPORT Duration (event handed to the runtime -> result received: the
# runtime's own part) in the Tail run that follows it, paced the same way; of
# the rounds, the one with the lowest plain p50 (the least disturbed by other
# load) gives the figure. No peer: moto runs Lambda functions only in Docker, and
# dynalite is DynamoDB only.
#   BENCH_DURATION=10           seconds per wrk run
#   BENCH_LAMBDA_COLD=7         cold starts after the first one
#   BENCH_LAMBDA_ROUNDS=2       rounds of the two 1-connection runs
#   BENCH_LAMBDA_INSTANCES=20   warm instances for the memory figure
#   BENCH_PROFILE=auto|1|0      perf profile of the warm path: when the throughput
#                               floor fails (auto), always, never
#   AWSEMU_BIN=build/awsemu
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-10}
COLD=${BENCH_LAMBDA_COLD:-7}
ROUNDS=${BENCH_LAMBDA_ROUNDS:-2}
INSTANCES=${BENCH_LAMBDA_INSTANCES:-20}
PROFILE=${BENCH_PROFILE:-auto}
AWSEMU=${AWSEMU_BIN:-build/awsemu}
OUT=bench/results/lambda.json
CLK_TCK=$(getconf CLK_TCK)
FIXTURE=fixtures/lambda/python_echo
EXPECTED='{"hello": "world", "n": 1}'   # the echo handler's answer to lambda_invoke.lua's payload

tmp=$(mktemp -d)
records=$tmp/records.jsonl
pids=()

log() { echo "lambda bench: $*" >&2; }
record() { printf '%s\n' "$1" >>"$records"; }
note() { record "{\"kind\":\"note\",\"text\":$(jq -Rn --arg t "$1" '$t')}"; }
usec() { local s=${1%[.,]*} f=${1#*[.,]}; echo $((s * 1000000 + 10#$f)); }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() {  # utime + stime of a process (all its threads), in clock ticks
  local s; read -r s 2>/dev/null <"/proc/$1/stat" || { echo 0; return; }
  s=${s##*) }
  set -- $s; echo $((${12} + ${13}))
}
ctx_switches() {  # voluntary + involuntary context switches of all a process's threads
  cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches:/ { n += $2 } END { print n + 0 }'
}
running() { local s; read -r s 2>/dev/null <"/proc/$1/stat" && [[ ${s##*) } != Z* ]]; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

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

# start_awsemu [ARGS...]: a fresh server on a free port; waits (10 s at most) for
# its ready line. Sets srv_pid, srv_url, srv_fd (kept open while it runs).
start_awsemu() {
  local fifo=$tmp/awsemu.$RANDOM.out line
  mkfifo "$fifo"
  "$bin" --port 0 --ephemeral --log-level error --runtimes "$PWD/handlers/runtimes" "$@" >"$fifo" 2>>"$tmp/awsemu.err" &
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

# js CMD ARGS...: bench/lambda.js, 120 s at most; fails (logging its error) unless it succeeded
js() {
  local out rc=0
  out=$(timeout 120 node bench/lambda.js "$@") || rc=$?
  if ((rc)) || [[ $out == '{"ok":false'* ]]; then log "lambda.js $1 failed (exit $rc): $out"; return 1; fi
  printf '%s\n' "$out"
}
instances() { curl -sS --max-time 10 "$srv_url/_awsemu/lambda/instances"; }
tree_pids() {  # tree_pids PID...: the processes and all their descendants
  local p c
  for p in "$@"; do
    echo "$p"
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
  done
}
# an instance's pid (awsemu-launch, when present, with the runtime as its child) and its descendants
handler_pids() { tree_pids $(instances | jq -r '.instances[].pid'); }
handlers_ticks() { local p t=0; for p in $(handler_pids); do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }

# ---- cold: CreateFunction + first Invoke of fresh functions
part_cold() {
  local names=() i out
  for ((i = 0; i <= COLD; i++)); do names+=("cold$i"); done
  start_awsemu
  out=$(js cold "$srv_url" "$tmp/echo.zip" "${names[@]}") || {
    record '{"kind":"check","name":"cold starts answer their payload","result":{"ok":false,"error":"see the log"}}'; stop_awsemu; return 0; }
  record "{\"kind\":\"metric\",\"name\":\"cold_starts\",\"value\":$(jq -sc . <<<"$out")}"
  record "{\"kind\":\"check\",\"name\":\"cold starts answer their payload\",\"result\":{\"ok\":true,\"functions\":$((COLD + 1))}}"
  log "cold starts (ms): $(jq -r .total_ms <<<"$out" | paste -sd' ')"
  stop_awsemu
  # What the first one pays extra: awsemu resolves the interpreter with
  # popen("'python3' -c 'import sys; print(sys.executable)'") (pool.c); timed
  # here through sh, as popen runs it (median of 3).
  local t ts=() resolved
  for i in 1 2 3; do
    t=$EPOCHREALTIME
    resolved=$(timeout 10 sh -c "'python3' -c 'import sys; print(sys.executable)' 2>/dev/null") || resolved=
    ts+=($(($(usec "$EPOCHREALTIME") - $(usec "$t"))))
  done
  record "{\"kind\":\"metric\",\"name\":\"python_probe_ms\",\"value\":$(awk -v u="$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 2p)" 'BEGIN { printf "%.1f", u / 1000 }')}"
  # The first cold start of a process started with --python set to that path:
  # the probe then runs the interpreter itself, not the pyenv shim.
  if [[ $resolved == /* ]]; then
    start_awsemu --python "$resolved"
    if out=$(js cold "$srv_url" "$tmp/echo.zip" resolved0); then
      record "{\"kind\":\"metric\",\"name\":\"cold_first_resolved\",\"value\":$(jq -c --arg p "$resolved" '. + {python: $p}' <<<"$out")}"
      log "first cold start with --python $resolved: $(jq -r .total_ms <<<"$out") ms"
    fi
    stop_awsemu
  fi
}

# wrk_run OP CONNS [tail]: wrk -t1 against function echo, with the CPU time of
# awsemu and of its handler processes over the run; with "tail", LogType Tail and
# the REPORT Durations read from the responses
wrk_run() {
  local op=$1 conns=$2 mode=${3:-} out=$tmp/wrk-$1-$2.log c0 c1 h0 h1 x0 x1 json non2xx
  c0=$(cpu_ticks "$srv_pid") h0=$(handlers_ticks) x0=$(ctx_switches "$srv_pid")
  timeout $((DURATION + 30)) wrk -t1 -c"$conns" -d"${DURATION}s" --latency \
    -s bench/lambda_invoke.lua "$srv_url/" -- echo "$EXPECTED" $mode >"$out" 2>&1 || { log "wrk failed:"; cat "$out" >&2; return 1; }
  c1=$(cpu_ticks "$srv_pid") h1=$(handlers_ticks) x1=$(ctx_switches "$srv_pid")
  json=$(sed -n 's/^BENCHJSON {//p' "$out")
  non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$out")
  [[ -n $json ]] || { log "wrk printed no result:"; cat "$out" >&2; return 1; }
  # handler CPU: the instances alive at the end (one started during the run counts from 0)
  record "{\"kind\":\"run\",\"op\":\"$op\",\"conns\":$conns,\"round\":${ROUND:-0},\"threads\":1,\"cpu_ticks\":$((c1 - c0)),\"child_cpu_ticks\":$((h1 - h0)),\"ctx_switches\":$((x1 - x0)),\"clk_tck\":$CLK_TCK,\"non2xx\":${non2xx:-0},$json"
  log "$op c$conns${ROUND:+ round $ROUND}: $(sed -n 's/^Requests\/sec: *//p' "$out") req/s, p50 $(sed -n 's/^ *50% *//p' "$out")${non2xx:+, $non2xx non-2xx responses!}"
  grep -q '^unexpected body' "$out" && log "$(grep -m1 '^unexpected body' "$out")"
  return 0
}

check_run() {  # check_run NAME JS-ARGS...: a lambda.js run recorded as a check
  local name=$1 out
  shift
  if out=$(js "$@"); then
    record "{\"kind\":\"check\",\"name\":$(jq -Rn --arg t "$name" '$t'),\"result\":$out}"
  else
    record "{\"kind\":\"check\",\"name\":$(jq -Rn --arg t "$name" '$t'),\"result\":{\"ok\":false,\"error\":\"see the log\"}}"
  fi
}

# ---- warm: one function; wrk at 1 connection with Tail, then at 1 and 4 without
part_warm() {
  local out
  start_awsemu
  js create "$srv_url" "$tmp/echo.zip" echo >/dev/null
  # four instances warm before anything is timed (a -c4 run needs four)
  check_run "warm: 200 distinct payloads echoed, 4 connections" check "$srv_url" echo 200 4
  js check "$srv_url" echo 500 1 >/dev/null   # warm-up at 1 connection
  local r
  for ((r = 1; r <= ROUNDS; r++)); do
    ROUND=$r wrk_run Invoke 1
    ROUND=$r wrk_run InvokeTail 1 tail
  done
  wrk_run Invoke 4
  record "{\"kind\":\"metric\",\"name\":\"warm_instances\",\"value\":$(instances | jq '.instances | length')}"
  check_run "warm: 200 distinct payloads echoed after the runs, 4 connections" check "$srv_url" echo 200 4
  rps4=$(jq -s 'map(select(.kind == "run" and .conns == 4))[0] | .requests / (.duration_us / 1e6)' "$records")
  stop_awsemu
}

# ---- memory: INSTANCES functions, each invoked once, all idle-warm
part_memory() {
  local names=() i n idle rss hr=0 p out
  for ((i = 0; i < INSTANCES; i++)); do names+=("mem$i"); done
  start_awsemu
  record "{\"kind\":\"metric\",\"name\":\"rss_idle_kb\",\"value\":$(rss_kb "$srv_pid")}"
  js create "$srv_url" "$tmp/echo.zip" "${names[@]}" >/dev/null
  js warm "$srv_url" "${names[@]}" >/dev/null
  sleep 0.5   # let the last instance settle into idle
  out=$(instances)
  n=$(jq '.instances | length' <<<"$out") idle=$(jq '[.instances[] | select(.state == "idle")] | length' <<<"$out")
  rss=$(rss_kb "$srv_pid")
  for p in $(tree_pids $(jq -r '.instances[].pid' <<<"$out")); do hr=$((hr + $(rss_kb "$p" 2>/dev/null || echo 0))); done
  record "{\"kind\":\"metric\",\"name\":\"rss_warm_kb\",\"value\":$rss}"
  record "{\"kind\":\"metric\",\"name\":\"instances_idle\",\"value\":$idle}"
  record "{\"kind\":\"metric\",\"name\":\"handlers_rss_kb\",\"value\":$hr}"
  if ((n == INSTANCES && idle == INSTANCES)) && [[ $(jq -r '[.instances[].function] | unique | length' <<<"$out") == "$INSTANCES" ]]; then
    record "{\"kind\":\"check\",\"name\":\"memory: $INSTANCES instances, one per function, all idle\",\"result\":{\"ok\":true,\"instances\":$n,\"idle\":$idle}}"
  else
    record "{\"kind\":\"check\",\"name\":\"memory: $INSTANCES instances, one per function, all idle\",\"result\":{\"ok\":false,\"error\":\"$n instances, $idle idle\"}}"
  fi
  log "memory: awsemu VmRSS $rss kB with $n instances ($idle idle); handlers $hr kB"
  stop_awsemu
}

# ---- profile: the warm path at 4 connections with awsemu under perf
part_profile() {
  local data=$tmp/perf.data url line pid
  command -v perf >/dev/null || { note "profile: perf not found"; return 0; }
  local fifo=$tmp/perf.out
  mkfifo "$fifo"
  timeout $((DURATION + 60)) perf record -q -e cpu-clock -g -o "$data" -- \
    "$bin" --port 0 --ephemeral --log-level error --runtimes "$PWD/handlers/runtimes" >"$fifo" 2>>"$tmp/perf.err" &
  pid=$!
  pids+=("$pid")
  exec {pfd}<"$fifo"
  url=
  while IFS= read -r -t 10 -u "$pfd" line; do
    [[ $line =~ http://127\.0\.0\.1:[0-9]+ ]] && { url=${BASH_REMATCH[0]}; break; }
  done
  if [[ -n $url ]]; then
    js create "$url" "$tmp/echo.zip" echo >/dev/null && js check "$url" echo 200 4 >/dev/null &&
      timeout $((DURATION + 30)) wrk -t1 -c4 -d"${DURATION}s" -s bench/lambda_invoke.lua "$url/" -- echo "$EXPECTED" >"$tmp/perf-wrk.log" 2>&1 || true
  fi
  # stop awsemu (timeout -> perf -> awsemu) with TERM, so it exits cleanly; perf then writes its data
  local p q
  for p in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
    for q in $(cat "/proc/$p/task/$p/children" 2>/dev/null); do
      [[ $(cat "/proc/$q/comm" 2>/dev/null) == awsemu ]] && kill -TERM "$q" 2>/dev/null
    done
  done
  for ((i = 0; i < 100; i++)); do running "$pid" || break; sleep 0.1; done
  stop_pid "$pid"
  exec {pfd}<&-
  mkdir -p bench/results
  {
    echo "# perf record -e cpu-clock -g of awsemu and its handler processes; wrk -t1 -c4 for ${DURATION}s"
    echo "# $(sed -n 's/^Requests\/sec: *//p' "$tmp/perf-wrk.log") Invokes/s under perf"
    echo "## CPU time per command (awsemu's threads, the python handlers, ...)"
    perf report -i "$data" --no-children --sort comm -g none --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -20
    # awsemu's threads are named awsemu (main, engine) and MHD-single (HTTP workers)
    echo "## awsemu process (threads awsemu, MHD-single): self time by thread and library"
    perf report -i "$data" --no-children --comms awsemu,MHD-single --sort comm,dso -g none --stdio 2>/dev/null |
      grep -v '^#' | grep -v '^$' | head -20
    echo "## awsemu process: top symbols, self time"
    perf report -i "$data" --no-children --comms awsemu,MHD-single --sort comm,dso,symbol -g none --stdio 2>/dev/null |
      grep -v '^#' | grep -v '^$' | head -40
    echo "## awsemu process: inclusive time by symbol, with callers"
    perf report -i "$data" --children --comms awsemu,MHD-single --sort symbol -g caller,2,callee --stdio 2>/dev/null |
      grep -v '^$' | head -200
  } >bench/results/lambda-profile.txt || true
  note "profile (awsemu process under perf, wrk -c4): bench/results/lambda-profile.txt"
}

# ---- tools and inputs
command -v wrk >/dev/null || { log "wrk not found (bench/run.sh installs it)"; exit 1; }
command -v jq >/dev/null || { log "jq not found"; exit 1; }
command -v zip >/dev/null || { log "zip not found"; exit 1; }
[[ -x $AWSEMU ]] || { log "$AWSEMU not found: run make first"; exit 1; }
# A copy: a rebuild of build/awsemu during the run must not mix binaries. With
# it, awsemu-launch (the first process of each handler instance, found next to
# the binary) when there is one.
bin=$tmp/awsemu
cp "$AWSEMU" "$bin"
[[ -x $(dirname "$AWSEMU")/awsemu-launch ]] && cp "$(dirname "$AWSEMU")/awsemu-launch" "$tmp/"
(cd "$FIXTURE" && zip -q -X "$tmp/echo.zip" handler.py)
python=$(command -v python3 || echo none)
load_before=$(loadavg)
launcher=$([[ -x $tmp/awsemu-launch ]] && echo true || echo false)
record "{\"kind\":\"meta\",\"launcher\":$launcher,\"date\":\"$(date -u +%FT%TZ)\",\"commit\":\"$(git describe --always --dirty 2>/dev/null || echo none)\",\"awsemu_sha256\":\"$(sha256sum "$bin" | cut -c1-12)\",\"duration_s\":$DURATION,\"cold_later\":$COLD,\"rounds\":$ROUNDS,\"instances\":$INSTANCES,\"cores\":$(nproc),\"wrk\":\"$(wrk -v 2>&1 | awk 'NR==1 { print $2 }')\",\"python\":\"$python ($(python3 -V 2>&1))\",\"load_before\":\"$load_before\"}"
if timeout 10 docker info >/dev/null 2>&1; then
  note "peer: a Docker daemon answers here, but moto's Lambda is not measured by this script"
else
  note "peer: none measured. moto (python3 -m moto.server) runs Lambda functions only in Docker containers, and no Docker daemon answers here; dynalite is DynamoDB only"
fi
log "load average before: $load_before"

t0=$EPOCHREALTIME
rps4=
part_cold
part_warm
part_memory
if [[ $PROFILE == 1 || ($PROFILE == auto && -n $rps4 && $(awk -v r="$rps4" 'BEGIN { print (r < 2000) }') == 1) ]]; then
  part_profile
fi
record "{\"kind\":\"metric\",\"name\":\"seconds\",\"value\":$(awk -v a="$(usec "$t0")" -v b="$(usec "$EPOCHREALTIME")" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')}"
# load_after goes into meta (a second meta record would be ignored: patch the first)
sed -i "1s/}\$/,\"load_after\":\"$(loadavg)\"}/" "$records"
[[ $(sha256sum "$AWSEMU" | cut -c1-12) == $(sha256sum "$bin" | cut -c1-12) ]] ||
  record "{\"kind\":\"warning\",\"text\":\"$AWSEMU changed during the run: the figures are of the copy taken at the start\"}"

echo
node bench/lambda.js report "$records" "$OUT"
