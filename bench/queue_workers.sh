#!/usr/bin/env bash
# Search on a BullMQ queue, on this one machine: the same search (same config and seed) trained by
# 1 worker process and by 3, interleaved (1, 3, 1, 3, ...), wall time of each; then a run in which
# one of two workers is killed with kill -9 while it trains a candidate, with both workers' lines
# and the coordinator's log checked for every candidate exactly once.
#
#   bash bench/queue_workers.sh [config] [rounds]     (default bench/search-queue.json, 2)
#
# Needs the build (npm run build) and Debian's redis-server; starts its own redis-server on a free
# loopback port and removes everything it made on exit. On a machine with c cores, n workers can
# be at most min(n, c)x faster than one, less the share of the cores one worker already uses.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:-bench/search-queue.json}
ROUNDS=${2:-2}
CLI=(node dist/src/cli/main.js)
work=$(mktemp -d /tmp/naslung-queue-bench.XXXXXX)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  sleep 0.3
  if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "redis-server 127.0.0.1:$port; config $CONFIG; $(nproc) cores; commit $(git rev-parse --short HEAD)"

# scores <log folder>: "strategy id validation-metrics" per logged candidate, sorted (latency is
# timed, so it differs from run to run; the scores do not).
scores() {
  cat "$1"/*.jsonl | node -e 'let t="";process.stdin.on("data",(d)=>(t+=d)).on("end",()=>{
    for (const l of t.trim().split("\n")) { const r = JSON.parse(l); console.log(r.strategy, r.id, JSON.stringify(r.val)); }
  })' | sort
}

# proposals <log folder>: the POP log's candidate ids in proposal order.
proposals() {
  node -e 'const rs = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
    for (const r of rs.sort((a, b) => a.proposal - b.proposal)) console.log(r.id)' "$(ls "$1"/*-pop.jsonl)"
}

# run <workers> <tag> [worker options...]: one search with its own queue and log folder.
run() {
  local n=$1 tag=$2
  shift 2
  local queue="redis://127.0.0.1:$port/0?queue=$tag"
  local wp=()
  for i in $(seq "$n"); do
    "${CLI[@]}" worker --queue "$queue" --concurrency 1 "$@" >"$work/$tag.worker$i.log" 2>&1 &
    wp+=($!)
    pids+=($!)
  done
  local t0 t1
  t0=$(date +%s.%N)
  "${CLI[@]}" search --config "$CONFIG" --queue "$queue" --slots 3 --out-dir "$work/$tag" >"$work/$tag.coordinator.log" 2>&1
  t1=$(date +%s.%N)
  # CPU seconds the workers used (utime + stime of the process and its threads), before they stop.
  local ticks=0
  for p in "${wp[@]}"; do ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  for p in "${wp[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  local logged
  logged=$(cat "$work/$tag"/*.jsonl | wc -l)
  local secs
  secs=$(echo "$t1 - $t0" | bc)
  echo "$n $secs" >>"$work/times"
  printf '%-12s %d worker(s)  %6.1f s  %s candidates logged  workers used %.2f cores\n' "$tag" "$n" "$secs" "$logged" \
    "$(echo "$ticks / $(getconf CLK_TCK) / $secs" | bc -l)"
}

echo "== 1 worker vs 3 workers, interleaved =="
for r in $(seq "$ROUNDS"); do
  run 1 "one-r$r"
  run 3 "three-r$r"
done
# Training is deterministic: a candidate trained in both runs has the same validation scores. The
# POP path (which candidates are proposed) also depends on the timed latency, which 3 workers
# training on 2 cores inflate, so it may part after a few proposals; the script reports where.
for r in $(seq "$ROUNDS"); do
  if ! join <(scores "$work/one-r$r" | awk '{print $1":"$2, $3}' | sort) <(scores "$work/three-r$r" | awk '{print $1":"$2, $3}' | sort) |
    awk '$2 != $3 {bad = 1; print "  " $1 " scores differ: " $2 " vs " $3} END {exit bad}'; then
    echo "round $r: a candidate trained by 1 and by 3 workers has different scores" >&2
    exit 1
  fi
  both=$(join <(scores "$work/one-r$r" | awk '{print $1":"$2}' | sort) <(scores "$work/three-r$r" | awk '{print $1":"$2}' | sort) | wc -l)
  same=$(paste -d' ' <(proposals "$work/one-r$r") <(proposals "$work/three-r$r") | awk '$1 != $2 {exit} {n++} END {print n + 0}')
  echo "round $r: $both candidates trained in both runs, same scores; the POP runs agree on the first $same of $(proposals "$work/one-r$r" | wc -l) proposals"
done
median() { grep "^$1 " "$work/times" | cut -d' ' -f2 | sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
m1=$(median 1)
m3=$(median 3)
printf 'median: 1 worker %.1f s, 3 workers %.1f s: speed-up %.2fx\n' "$m1" "$m3" "$(echo "$m1 / $m3" | bc -l)"

echo "== kill -9 of a worker mid-candidate (2 workers, lock 5 s) =="
queue="redis://127.0.0.1:$port/0?queue=kill"
"${CLI[@]}" worker --queue "$queue" --concurrency 1 --lock-seconds 5 >"$work/kill.worker1.log" 2>&1 &
victim=$!
pids+=($victim)
"${CLI[@]}" worker --queue "$queue" --concurrency 1 --lock-seconds 5 >"$work/kill.worker2.log" 2>&1 &
survivor=$!
pids+=($survivor)
"${CLI[@]}" search --config "$CONFIG" --queue "$queue" --slots 3 --out-dir "$work/kill" >"$work/kill.coordinator.log" 2>&1 &
coordinator=$!
pids+=($coordinator)
# The victim dies a second into its second candidate (its first has been sent back).
for _ in $(seq 1200); do
  [ "$(grep -c ' candidate ' "$work/kill.worker1.log" || true)" -ge 2 ] && break
  sleep 0.1
done
sleep 1
if [ "$(tail -n 1 "$work/kill.worker1.log" | grep -c ' done in ')" != 0 ]; then
  echo "worker 1 finished its candidate before the kill; use a config with longer candidates" >&2
  exit 1
fi
kill -9 "$victim"
echo "$(date +%T) kill -9 worker 1 (pid $victim) while it trains: $(grep ' candidate ' "$work/kill.worker1.log" | tail -1)"
wait "$coordinator"
kill "$survivor" 2>/dev/null || true
wait "$survivor" 2>/dev/null || true
echo "-- worker 1 (killed)"; cat "$work/kill.worker1.log"
echo "-- worker 2"; cat "$work/kill.worker2.log"
echo "-- coordinator"; tail -n 15 "$work/kill.coordinator.log"
total=$(scores "$work/kill" | wc -l)
distinct=$(scores "$work/kill" | cut -d' ' -f1,2 | sort -u | wc -l)
echo "log: $total candidate lines, $distinct distinct"
[ "$total" = "$distinct" ] || { echo "a candidate is logged more than once" >&2; exit 1; }
