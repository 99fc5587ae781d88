#!/usr/bin/env bash
# bench/profile.sh: where a token request and an admin read spend their time.
#
#   1. callgrind (exact, repeatable instruction counts; --collect-systime adds the time spent in
#      system calls): obauth --threads 1 under valgrind, counters zeroed after set-up, then
#      N token requests (client_secret_basic) over one keep-alive connection, dumped; then N
#      GET /api/v1/recipients/{id} with a bearer token, dumped. callgrind_annotate tables of
#      self and inclusive cost for each.
#   2. perf sampling on the cpu-clock software event (this VM exposes no hardware counters, so
#      `perf stat -e instructions` is unsupported and `perf record -g` has no cycles): the
#      server pinned to CPU 0 under `wrk -t1 -c32` on CPU 1 for PERF_SECONDS, flat profile by
#      DSO and by symbol, kernel included (system calls, scheduler, futex wake-ups).
#
# Needs build-bench/obauth (bench/run.sh builds it), valgrind, linux-perf, wrk, curl, jq.
# Env: N [2000] requests per callgrind phase, PERF_SECONDS [10], OUT [bench/results/<ts>-profile]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build-bench/obauth
N=${N:-2000}
PERF_SECONDS=${PERF_SECONDS:-10}
OUT=${OUT:-$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)-profile}
LUA=$ROOT/bench/lua/bench.lua
log() { echo "[profile $(date -u +%H:%M:%S)] $*" >&2; }

for tool in valgrind callgrind_control callgrind_annotate perf wrk curl jq taskset; do
  command -v "$tool" >/dev/null || {
    log "missing $tool (apt-get install valgrind linux-perf wrk curl jq util-linux)"
    exit 1
  }
done
[ -x "$BIN" ] || { log "no $BIN: run bench/run.sh (or cmake --build build-bench) first"; exit 1; }
mkdir -p "$OUT"
: > "$OUT/callgrind-summary.txt"
TMP=$(mktemp -d /tmp/obauth-profile.XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ]; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server PREFIX...: obauth serve on a fresh port, prefixed by e.g. valgrind; sets PID, URL.
start_server() {
  : > "$TMP/stdout"
  "$@" "$BIN" serve --listen 127.0.0.1:0 --db "$TMP/obauth.db" --threads 1 --token-ttl 3600 \
    > "$TMP/stdout" 2> "$TMP/stderr" &
  PID=$!
  local i
  URL=""
  for i in $(seq 1 600); do
    URL=$(sed -n '1s#^listening on \(http://127\.0\.0\.1:[0-9]*\)$#\1#p' "$TMP/stdout")
    [ -n "$URL" ] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  log "obauth did not start"; cat "$TMP/stderr" >&2; exit 1
}
stop_server() {
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=""
}

# Fixtures shared by both phases (the database outlives the servers).
partner=$("$BIN" partner create --create --db "$TMP/obauth.db" --name "Profile Partner")
PARTNER_ID=$(jq -r .client_id <<<"$partner")
PARTNER_SECRET=$(jq -r .client_secret <<<"$partner")
partner_token() {  # tokens name the server's address as issuer: get one per server start
  TOKEN=$(curl -s -u "$PARTNER_ID:$PARTNER_SECRET" -d grant_type=client_credentials \
    -d scope=client:admin "$URL/api/v1/token" | jq -r .access_token)
}
setup_clients() {
  partner_token
  local created
  created=$(curl -s -X POST "$URL/api/v1/recipients" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d '{"name":"Profile Recipient","scope":["ACCOUNT_BASIC"],"redirect_uris":["https://x.example/cb"]}')
  RID=$(jq -r .client_id <<<"$created")
  RSECRET=$(jq -r .client_secret <<<"$created")
  [ -n "$RID" ] && [ "$RID" != null ] || { log "could not create a recipient: $created"; exit 1; }
}

# N requests over one keep-alive connection (curl reuses it for every URL of one invocation).
repeat_urls() {
  local i
  for ((i = 0; i < N; i++)); do printf 'url = "%s"\noutput = "/dev/null"\n' "$1"; done
}

############################################################ 1. callgrind
log "callgrind: starting obauth under valgrind (slow start)"
start_server valgrind --tool=callgrind --collect-systime=nsec --callgrind-out-file="$OUT/callgrind.out.%p"
setup_clients
# Warm the connection pool, the prepared statements and the allocator before counting.
curl -s -u "$RID:$RSECRET" -d grant_type=client_credentials -d scope=ACCOUNT_BASIC \
  --config <(N=20 repeat_urls "$URL/api/v1/token")
curl -s -H "Authorization: Bearer $TOKEN" \
  --config <(N=20 repeat_urls "$URL/api/v1/recipients/$RID")
callgrind_control -z "$PID" >/dev/null 2>&1

log "callgrind: $N token requests (client_secret_basic)"
curl -s -u "$RID:$RSECRET" -d grant_type=client_credentials -d scope=ACCOUNT_BASIC \
  -w '%{http_code}\n' --config <(repeat_urls "$URL/api/v1/token") | grep -c '^200$' > "$TMP/ok" || true
log "  $(cat "$TMP/ok") tokens issued"
callgrind_control -d token "$PID" >/dev/null 2>&1
log "callgrind: $N admin reads (GET /api/v1/recipients/{id}, bearer)"
curl -s -H "Authorization: Bearer $TOKEN" -w '%{http_code}\n' --config <(repeat_urls "$URL/api/v1/recipients/$RID") \
  | grep -c '^200$' > "$TMP/ok" || true
log "  $(cat "$TMP/ok") recipients read"
callgrind_control -d admin-get "$PID" >/dev/null 2>&1
stop_server

for phase in token admin-get; do
  file=$(grep -l "^desc: Trigger: .*dump $phase\$" "$OUT"/callgrind.out.* | head -1)
  [ -n "$file" ] || { log "no callgrind dump for $phase"; exit 1; }
  # callgrind 3.19 writes "calls=0" for calls still on the stack when a dump is taken (the
  # worker threads' loops); callgrind_annotate then books their whole inclusive cost as the
  # caller's self cost (clone/start_thread at ~90%). Counting such a call once fixes that.
  sed 's/^calls=0 /calls=1 /' "$file" > "$OUT/callgrind-$phase.out"
  rm -f "$file"
  annotate() {  # annotate LINES NAME OPTIONS...: the first LINES lines, cut to 260 columns
    local lines=$1 name=$2; shift 2
    callgrind_annotate "$@" "$OUT/callgrind-$phase.out" > "$TMP/annotate.txt" 2>/dev/null
    grep -v '^$' "$TMP/annotate.txt" | cut -c1-260 | sed -n "1,${lines}p" \
      > "$OUT/callgrind-$phase-$name.txt"
  }
  annotate 80 self --show=Ir --threshold=98
  annotate 150 inclusive --inclusive=yes --show=Ir --threshold=99.9
  annotate 60 syscalls --show=sysCount,sysCpuTime --sort=sysCount --threshold=99.9
  awk -v n="$N" -v phase="$phase" '/^summary:/ {
      printf "%s: per request %.0f instructions, %.1f system calls, %.1f us system CPU (under valgrind)\n",
        phase, $2 / n, $3 / n, $5 / n / 1000 }' "$OUT/callgrind-$phase.out" >> "$OUT/callgrind-summary.txt"
done
rm -f "$OUT"/callgrind.out.*

gzip -f "$OUT"/callgrind-*.out

############################################################ 2. perf cpu-clock
start_server taskset -c 0
partner_token
for phase in token admin-get; do
  log "perf: obauth pinned to CPU 0, wrk -t1 -c32 on CPU 1, $phase, ${PERF_SECONDS}s"
  if [ "$phase" = token ]; then
    export MODE=token AUTH=basic CLIENT_ID=$RID CLIENT_SECRET=$RSECRET SCOPE=ACCOUNT_BASIC
    target=$URL/api/v1/token
  else
    export MODE=get BEARER=$TOKEN IDS=$RID
    target=$URL
  fi
  taskset -c 1 wrk -t1 -c32 -d3s -s "$LUA" "$target" > /dev/null
  taskset -c 1 wrk -t1 -c32 -d"${PERF_SECONDS}s" --latency -s "$LUA" "$target" \
    > "$OUT/perf-$phase-wrk.txt" &
  wrk_pid=$!
  perf record -e cpu-clock -F 2000 -p "$PID" -o "$TMP/perf.data" -- sleep "$((PERF_SECONDS - 1))" \
    > "$OUT/perf-$phase-record.txt" 2>&1
  wait "$wrk_pid"
  if ! grep -q '^RESULT.* non2xx=0 ' "$OUT/perf-$phase-wrk.txt"; then
    log "perf $phase: some responses were not 2xx (see $OUT/perf-$phase-wrk.txt)"
    exit 1
  fi
  report() {  # report LINES NAME OPTIONS...
    local lines=$1 name=$2; shift 2
    perf report -i "$TMP/perf.data" --stdio "$@" > "$TMP/report.txt" 2>/dev/null
    grep -v '^$' "$TMP/report.txt" | cut -c1-200 | sed -n "1,${lines}p" > "$OUT/perf-$phase-$name.txt"
  }
  report 40 by-dso --sort dso
  report 80 by-symbol --sort dso,sym
  report 20 by-thread --sort pid
done
stop_server
log "done: $OUT"
ls "$OUT"
