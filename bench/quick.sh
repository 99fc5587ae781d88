#!/usr/bin/env bash
# bench/quick.sh: the token path's figures of issue 21 in one short run, for the check of each
# change (bench/run.sh is the full, slower table). Same method as bench/run.sh: every server
# pinned to CPU $SERVER_CPU, wrk -t1 on CPU $WRK_CPU, 32 connections:
#
#   nginx static token JSON, obauth client_credentials (client_secret_basic), obauth refresh
#   grant, and `openssl speed ecdsap256` on the server core before and after; then the token's
#   ratio to the signing bound 1 / (1/nginx + 1/signatures per second) of the same run.
#
# Needs build-bench/obauth (bench/run.sh builds it; BIN= another binary), wrk, nginx, curl, jq.
# BASE= a second binary (the tree before a change): measured in the same rounds on a copy of the
# database, so that a change's before and after come from one run of one host.
# Env: DURATION [8] seconds per measured run, WARMUP [3] seconds of warm-up before each, CONNS [32], RUNS [1]
#      rounds of the three measurements (their medians are printed), PERF [''] a file: the
#      obauth token run is recorded there with `perf record -g` (cpu-clock)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/build-bench/obauth}
LUA=$ROOT/bench/lua/bench.lua
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-32}
RUNS=${RUNS:-1}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
PERF=${PERF:-}
TICK=$(getconf CLK_TCK)
log() { echo "[quick $(date -u +%H:%M:%S)] $*" >&2; }
[ -x "$BIN" ] || { log "no $BIN: run bench/run.sh (or cmake --build build-bench) first"; exit 1; }

TMP=$(mktemp -d /tmp/obauth-quick.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_seconds() {  # user+system CPU seconds of one PID
  awk -v t="$TICK" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat"
}

# measure LABEL URL PID: warm-up, then one run; appends "label rps cpu_us_per_req" to rows
measure() {
  local label=$1 url=$2 pid=$3 c0 c1 res rps n perf_pid=""
  taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP}s" -s "$LUA" "$url" > /dev/null
  c0=$(cpu_seconds "$pid")
  if [ -n "$PERF" ] && [ "$label" = obauth-token ]; then
    perf record -g -e cpu-clock -F 2000 -p "$pid" -o "$PERF" -- sleep "$((DURATION - 1))" \
      > /dev/null 2>&1 &
    perf_pid=$!
  fi
  res=$(taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$LUA" "$url" | grep '^RESULT')
  [ -z "$perf_pid" ] || wait "$perf_pid"
  c1=$(cpu_seconds "$pid")
  grep -q ' non2xx=0 ' <<<"$res" || { log "$label: some answers were not 2xx: $res"; exit 1; }
  rps=$(sed 's/.* rps=\([0-9.]*\) .*/\1/' <<<"$res")
  n=$(sed 's/.* requests=\([0-9]*\) .*/\1/' <<<"$res")
  awk -v l="$label" -v r="$rps" -v n="$n" -v a="$c0" -v b="$c1" \
    'BEGIN { printf "%s %.0f %.1f\n", l, r, (b - a) * 1e6 / n }' | tee -a "$TMP/rows" >&2
}

speed() {  # ECDSA P-256 signatures per second on the server core
  taskset -c "$SERVER_CPU" openssl speed -seconds 2 ecdsap256 2>/dev/null |
    awk '/bits ecdsa \(nistp256\) / { print $(NF - 1) }' | tee -a "$TMP/speed" >&2
}

# start BINARY DB NAME: `serve` on DB pinned to the server core, on a free port; sets
# STARTED_PID and STARTED_URL
start() {
  local i
  taskset -c "$SERVER_CPU" "$1" serve --listen 127.0.0.1:0 --db "$2" --threads 1 \
    --token-ttl 3600 > "$TMP/$3-stdout" 2> "$TMP/$3-stderr" &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  STARTED_URL=""
  for i in $(seq 1 100); do
    STARTED_URL=$(sed -n '1s#^listening on \(http://.*\)$#\1#p' "$TMP/$3-stdout")
    [ -n "$STARTED_URL" ] && return 0
    sleep 0.1
  done
  log "$1 did not start"; cat "$TMP/$3-stderr" >&2; exit 1
}

# nginx: the peers' config on a port of our own
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
mkdir -p "$TMP/nginx"
sed -e "s#/tmp/nginx-bench#$TMP/nginx#g" -e "s#daemon on;#daemon off;#" \
  -e "s#listen 127.0.0.1:8080;#listen 127.0.0.1:$port;#" "$ROOT/bench/peers/nginx/nginx.conf" \
  > "$TMP/nginx/nginx.conf"
taskset -c "$SERVER_CPU" nginx -c "$TMP/nginx/nginx.conf" -g 'worker_processes 1;' &
PIDS+=($!)
sleep 0.5
nginx_worker=$(pgrep -P "${PIDS[0]}" | head -1)

# obauth: a partner, a recipient, one connection through the sandbox's pages (the refresh token)
db=$TMP/obauth.db
partner=$("$BIN" partner create --create --db "$db" --name "Quick Partner")
"$BIN" providers import --db "$db" "$ROOT/examples/providers.json" > /dev/null
start "$BIN" "$db" obauth
pid=$STARTED_PID url=$STARTED_URL
token=$(curl -s -u "$(jq -r .client_id <<<"$partner"):$(jq -r .client_secret <<<"$partner")" \
  -d grant_type=client_credentials -d scope=client:admin "$url/api/v1/token" | jq -r .access_token)
recipient=$(curl -s -X POST "$url/api/v1/recipients" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d '{"name":"Quick Recipient","scope":["ACCOUNT_BASIC"],"redirect_uris":["https://x.example/cb"]}')
rid=$(jq -r .client_id <<<"$recipient")
rsecret=$(jq -r .client_secret <<<"$recipient")
curl -s -X POST -H "Authorization: Bearer $token" \
  "$url/api/v1/recipients/providers/requests/$rid/9000" > /dev/null
"$BIN" registrations approve --db "$db" "$rid" 9000 > /dev/null
"$BIN" registrations activate --db "$db" "$rid" 9000 > /dev/null
field() { sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p" | head -n 1; }
jar=$TMP/cookies
page=$(curl -s -c "$jar" -b "$jar" "$url/api/v1/authorize?response_type=code&client_id=$rid&redirect_uri=https%3A%2F%2Fx.example%2Fcb&scope=ACCOUNT_BASIC&provider_id=9000&state=s")
page=$(curl -s -c "$jar" -b "$jar" "$url/api/v1/authorize/login" -d username=alice \
  -d password=sandbox -d "transaction=$(field transaction <<<"$page")" -d "csrf=$(field csrf <<<"$page")")
account=$(grep -o 'name="account" value="[^"]*"' <<<"$page" | head -1 | sed 's/.*value="//; s/"$//')
code=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" "$url/api/v1/authorize/consent" \
  -d "account=$account" -d decision=approve -d "transaction=$(field transaction <<<"$page")" \
  -d "csrf=$(field csrf <<<"$page")" | sed 's/.*[?&]code=\([^&]*\).*/\1/')
refresh=$(curl -s -u "$rid:$rsecret" "$url/api/v1/token" -d grant_type=authorization_code \
  -d "code=$code" -d redirect_uri=https://x.example/cb | jq -r .refresh_token)
[ -n "$refresh" ] && [ "$refresh" != null ] || { log "no refresh token from the consent flow"; exit 1; }

if [ -n "${BASE:-}" ]; then
  python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' \
    "$db" "$TMP/base.db"
  cp "$db.key" "$TMP/base.db.key"
  start "$BASE" "$TMP/base.db" base
  base_pid=$STARTED_PID base_url=$STARTED_URL
fi

speed
for _ in $(seq 1 "$RUNS"); do
  MODE=token AUTH=basic SCOPE=read measure nginx "http://127.0.0.1:$port/token" "$nginx_worker"
  for side in base obauth; do
    if [ "$side" = base ]; then
      [ -n "${BASE:-}" ] || continue
      u=$base_url p=$base_pid
    else
      u=$url p=$pid
    fi
    MODE=token AUTH=basic CLIENT_ID=$rid CLIENT_SECRET=$rsecret SCOPE=ACCOUNT_BASIC \
      measure "$side-token" "$u/api/v1/token" "$p"
    MODE=refresh CLIENT_ID=$rid CLIENT_SECRET=$rsecret REFRESH=$refresh \
      measure "$side-refresh" "$u/api/v1/token" "$p"
  done
done
speed

awk 'FILENAME ~ /speed$/ { s += $1; ns++; next }
  { v[$1] = v[$1] " " $2; c[$1] = c[$1] " " $3 }
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    s /= ns; ng = median(v["nginx"]); bound = 1 / (1 / ng + 1 / s)
    printf "nginx %.0f req/s (%.1f us/req) | ES256 %.0f sign/s | bound %.0f req/s\n", ng, median(c["nginx"]), s, bound
    split("base obauth", sides, " ")
    for (i = 1; i <= 2; i++) {
      side = sides[i]
      if (!((side "-token") in v)) continue
      tk = median(v[side "-token"]); rf = median(v[side "-refresh"])
      printf "%-6s token %.0f req/s (%.1f us/req) = %.3f of the bound | refresh %.0f req/s (%.1f us/req) = %.3f\n",
        side, tk, median(c[side "-token"]), tk / bound, rf, median(c[side "-refresh"]), rf / bound
    }
  }' "$TMP/speed" "$TMP/rows"
