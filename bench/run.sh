#!/usr/bin/env bash
# bench/run.sh: the load benchmark of issue 4, in one run, on this machine.
#
# Installs what it needs (Debian: wrk, nginx-light, time, plus obauth's build packages through
# scripts/setup.sh; npm: oidc-provider pinned by bench/peers' package-lock.json), builds
# obauth into ./build-bench, waits for a quiet machine, then measures side by side, every server
# on 127.0.0.1 with all its threads pinned to CPU $SERVER_CPU and wrk pinned to CPU $WRK_CPU:
#
#   nginx       static token-shaped JSON (the HTTP ceiling; bench/peers/nginx/nginx.conf, 1 worker)
#   obauth      token issuance, client_secret_basic and client_secret_post
#   obauth      GET /api/v1/recipients/{id} with a bearer token
#   obauth      GET /api/fdx/5/accounts with the connection's token (the sandbox's accounts, lightweight)
#   obauth hub  the same read through a second obauth instance whose provider is the first
#               behind an fdx connector (plain http on 127.0.0.1; compare its p50 at 1
#               connection with the direct read's: the hub's added latency)
#   obauth      durable secret rotation, POST /api/v1/recipients/{id}/secret (SQLite, FULL sync)
#   obauth      the refresh_token grant of a connection made through the sandbox's pages
#   obauth      the authorization_code grant, each code once (durable single-use writes; the
#               codes are written into the database beforehand by bench/make_codes.py)
#   oidc-prov.  client_credentials, JWT ES256 access tokens, client_secret_basic
#
# each at $CONNS connections and at 1 connection (keep-alive), after one warm-up, and prints a
# table of req/s, p50/p99 and the ratio to nginx. Raw wrk output, the environment and the table
# go to bench/results/<UTC timestamp>/. Every server started here is stopped on exit.
#
# Run as root (it installs packages). Takes about 4 minutes once installed and built.
# Environment (defaults in brackets):
#   WARMUP [5]  DURATION [10]  seconds per warm-up / measured run
#   CONNS [32]  connections of the concurrent run (the other run uses 1)
#   SERVER_CPU [0]  WRK_CPU [1]
#   LOAD_MAX [0.7]  LOAD_WAIT [900]  wait until the 1-minute load average is below LOAD_MAX,
#                                    polling every 30 s, at most LOAD_WAIT seconds
#   RECIPIENTS [64]  recipients the admin read and the rotation are spread over
#   CODES [150000]  authorization codes written for the code-exchange scenario
#   FOREIGN_MAX [10]  RETRIES [2]  a run during which other processes took more than
#                     FOREIGN_MAX% of a core is repeated (at most RETRIES times)
#   SKIP ['']  any of: nginx obauth oidc
#   OUT  [bench/results/<timestamp>]  PEERS [bench/peers]: nginx/ and oidc-provider/ set-ups
#   SOURCE_NOTE  what was built, for environment.txt (default: the git revision of this tree)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
LUA=$BENCH/lua/bench.lua
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$BENCH/results/$STAMP}
WARMUP=${WARMUP:-5}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
LOAD_MAX=${LOAD_MAX:-0.7}
LOAD_WAIT=${LOAD_WAIT:-900}
RECIPIENTS=${RECIPIENTS:-64}
FOREIGN_MAX=${FOREIGN_MAX:-10}
RETRIES=${RETRIES:-2}
SKIP=${SKIP:-}
BUILD_DIR=$ROOT/build-bench
PEERS=${PEERS:-$BENCH/peers}
[ -f "$PEERS/nginx/nginx.conf" ] && [ -f "$PEERS/oidc-provider/package-lock.json" ] || {
  echo "PEERS=$PEERS lacks nginx/nginx.conf or oidc-provider/package-lock.json" >&2
  exit 1
}

TICK=$(getconf CLK_TCK)
LOAD_AT_SCRIPT_START=$(cat /proc/loadavg)
skipped() { [[ " $SKIP " == *" $1 "* ]]; }
log() { echo "[bench $(date -u +%H:%M:%S)] $*" >&2; }

############################################################ processes we start
TMP=$(mktemp -d /tmp/obauth-bench.XXXXXX)
STARTED=()
stop_pid() {  # stop one server by PID (TERM, then KILL after 10 s) and wait for it
  local pid=$1 sig=${2:-TERM} i
  kill -"$sig" "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "pid $pid did not exit after SIG$sig; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local i
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    # nginx (master) stops gracefully on QUIT; obauth and node on TERM.
    stop_pid "${STARTED[$i]%%:*}" "${STARTED[$i]#*:}"
  done
  STARTED=()
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
forget() {  # forget PID after stopping it by hand
  local keep=() s
  for s in "${STARTED[@]}"; do [ "${s%%:*}" = "$1" ] || keep+=("$s"); done
  STARTED=("${keep[@]}")
}
stop_server() { stop_pid "$1" "$2"; forget "$1"; }

free_port() {  # a free TCP port on 127.0.0.1 (bound, read and released by node)
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_http() {  # until something answers on URL (any status), at most 10 s
  local i
  for i in $(seq 1 100); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  log "nothing answers on $1"
  return 1
}

############################################################ install
install_packages() {
  "$ROOT/scripts/setup.sh"
  local want=(wrk curl jq time util-linux procps) missing=() p
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ! command -v nginx >/dev/null; then missing+=(nginx-light); fi
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
      # Debian 13 has no nginx-light: take nginx instead.
      missing=("${missing[@]/nginx-light/nginx}")
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
  fi
  command -v node >/dev/null || { log "Node.js 20 or later is required (oidc-provider 9)"; exit 1; }
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then log "Node.js $major found; oidc-provider 9 needs 20 or later"; exit 1; fi
  if ! skipped oidc; then
    log "npm ci oidc-provider (pinned by the peers' package-lock.json) into $TMP/oidc-provider"
    cp -r "$PEERS/oidc-provider" "$TMP/oidc-provider"
    chmod -R u+w "$TMP/oidc-provider"
    (cd "$TMP/oidc-provider" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

############################################################ build
# Own build directory (others use build/, build-unit/, build-e2e/), RelWithDebInfo like
# scripts/build.sh: the -O2 binary that scripts/serve.sh ships, with symbols for profiles.
build_obauth() {
  # What is built, recorded now: the tree may move while the script waits for a quiet machine.
  if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    BUILT_REV="git $(git -C "$ROOT" rev-parse --short HEAD)"
    git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || BUILT_REV="$BUILT_REV + uncommitted src changes"
  else
    BUILT_REV="$ROOT (not a git checkout)"
  fi
  log "building obauth ($BUILT_REV) into $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOBAUTH_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD_DIR" -j "${OBAUTH_JOBS:-2}" --target obauth >&2
}

############################################################ quiet machine
wait_for_quiet() {
  local waited=0 load
  while :; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$load" -v m="$LOAD_MAX" 'BEGIN { exit !(l < m) }'; then return 0; fi
    if [ "$waited" -ge "$LOAD_WAIT" ]; then
      log "WARNING: 1-minute load $load is still >= $LOAD_MAX after ${waited}s; measuring anyway"
      echo "WARNING: load $load >= $LOAD_MAX at measurement start" >> "$OUT/environment.txt"
      return 0
    fi
    log "1-minute load average $load >= $LOAD_MAX (others build here); waiting 30 s (${waited}s so far)"
    sleep 30
    waited=$((waited + 30))
  done
}

############################################################ measuring
cpu_ticks() {  # "utime stime" in clock ticks, summed over the given PIDs and their children
  local user=0 sys=0 p f
  for p in $(for r in "$@"; do echo "$r"; ps -o pid= --ppid "$r" 2>/dev/null || true; done); do
    if [ -r "/proc/$p/stat" ]; then
      f=$(sed -e 's/^.*) //' "/proc/$p/stat")
      set -- $f
      user=$((user + ${12}))
      sys=$((sys + ${13}))
    fi
  done
  echo "$user $sys"
}

pin() {  # every thread of the PIDs and their children onto SERVER_CPU
  local p
  for p in $(for r in "$@"; do echo "$r"; ps -o pid= --ppid "$r" 2>/dev/null || true; done); do
    taskset -a -p -c "$SERVER_CPU" "$p" >/dev/null
  done
}

cpu_busy() {  # user+nice+system clock ticks of all CPUs, from /proc/stat
  awk '/^cpu[0-9]+ / { b += $2 + $3 + $4 } END { print b }' /proc/stat
}

wait_for_idle_cpus() {  # until all CPUs together are <= 5% busy over 5 s; at most 5 minutes
  local i b0 b1
  for i in $(seq 1 60); do
    b0=$(cpu_busy); sleep 5; b1=$(cpu_busy)
    awk -v d=$((b1 - b0)) -v t="$TICK" 'BEGIN { exit !(d / t / 5 * 100 <= 5) }' && return 0
  done
  log "CPUs still busy after 5 minutes; going on"
}

# measure LABEL URL PID... (request shape in the MODE/AUTH/... environment for bench.lua)
# One warm-up, then a run at CONNS and one at 1 connection. A run during which other processes
# used more than FOREIGN_MAX% of a core (from /proc/stat, minus the server's and wrk's own CPU)
# is kept as *-disturbed-N.txt and repeated, at most RETRIES times, once the CPUs are idle.
# Appends to rows.tsv: label conns rps p50_us p99_us p999_us non2xx sock_errors server_cpu_pct
# cpu_us_per_req wrk_cpu_pct kernel_pct (of the server's CPU) other_cpu_pct attempts
measure() {
  local label=$1 url=$2; shift 2
  local pids=("$@") conns raw t0 t1 b0 b1 res wt row other attempt
  pin "${pids[@]}"
  log "$label: warm-up ${WARMUP}s"
  taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP}s" -s "$LUA" "$url" \
    > "$OUT/$label-warmup.txt" 2>&1 || true
  for conns in "$CONNS" 1; do
    for ((attempt = 1; attempt <= RETRIES + 1; attempt++)); do
      raw=$OUT/$label-c$conns.txt
      log "$label: wrk -t1 -c$conns -d${DURATION}s"
      {
        echo "# $label  $(date -u +%FT%TZ)  loadavg: $(cat /proc/loadavg)"
        echo "# taskset -c $WRK_CPU wrk -t1 -c$conns -d${DURATION}s --latency -s bench/lua/bench.lua $url"
        echo "# MODE=${MODE:-} AUTH=${AUTH:-} SCOPE=${SCOPE:-} server pids: ${pids[*]} on CPU $SERVER_CPU"
      } > "$raw"
      t0=$(cpu_ticks "${pids[@]}")
      b0=$(cpu_busy)
      /usr/bin/time -f 'WRKTIME %e %U %S' -a -o "$raw.time" \
        taskset -c "$WRK_CPU" wrk -t1 -c"$conns" -d"${DURATION}s" --latency -s "$LUA" "$url" \
        >> "$raw" 2>&1
      b1=$(cpu_busy)
      t1=$(cpu_ticks "${pids[@]}")
      cat "$raw.time" >> "$raw" && rm -f "$raw.time"
      res=$(grep '^RESULT' "$raw" || true)
      wt=$(grep '^WRKTIME' "$raw" | tail -1)
      if [ -z "$res" ]; then log "$label: wrk printed no RESULT line (see $raw)"; return 1; fi
      row=$(awk -v label="$label" -v conns="$conns" -v res="$res" -v wt="$wt" -v t0="$t0" \
          -v t1="$t1" -v b0="$b0" -v b1="$b1" -v tick="$TICK" -v attempt="$attempt" 'BEGIN {
        n = split(res, kv, " ")
        for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
        split(wt, w, " ")
        split(t0, a, " "); split(t1, b, " ")
        el = w[2]; srv_t = b[1] + b[2] - a[1] - a[2]; srv_s = srv_t / tick
        kern = srv_t > 0 ? (b[2] - a[2]) / srv_t * 100 : 0
        srv = el > 0 ? srv_s / el * 100 : 0
        per = v["requests"] > 0 ? srv_s * 1e6 / v["requests"] : 0
        wrk = el > 0 ? (w[3] + w[4]) / el * 100 : 0
        other = el > 0 ? ((b1 - b0) / tick - srv_s - (w[3] + w[4])) / el * 100 : 0
        if (other < 0) other = 0
        sock = v["connect_err"] + v["read_err"] + v["write_err"] + v["timeout"]
        printf "%s\t%s\t%.0f\t%d\t%d\t%d\t%d\t%d\t%.0f\t%.1f\t%.0f\t%.0f\t%.0f\t%d\n", label, conns,
          v["rps"], v["p50_us"], v["p99_us"], v["p999_us"], v["non2xx"], sock, srv, per, wrk, kern,
          other, attempt
      }')
      awk -F'\t' '{ printf "  -> %s c%s: %s req/s, p50 %.2f ms, p99 %.2f ms, non-2xx %s, server CPU %s%% (%s%% kernel), wrk CPU %s%%, other processes %s%%\n", $1, $2, $3, $4/1000, $5/1000, $7, $9, $12, $11, $13 }' <<<"$row" >&2
      other=$(cut -f13 <<<"$row")
      if [ "$other" -gt "$FOREIGN_MAX" ] && [ "$attempt" -le "$RETRIES" ]; then
        mv "$raw" "${raw%.txt}-disturbed-$attempt.txt"
        log "$label c$conns: other processes used ${other}% of a core (> ${FOREIGN_MAX}%); repeating once the CPUs are idle"
        wait_for_idle_cpus
        continue
      fi
      echo "$row" >> "$OUT/rows.tsv"
      break
    done
  done
}

check() {  # check NAME EXPECTED_STATUS curl-args...: one request by hand before the load
  local name=$1 want=$2 code; shift 2
  code=$(curl -s -o "$TMP/$name-check.json" -w '%{http_code}' --max-time 5 "$@")
  log "$name check: HTTP $code $(head -c 100 "$TMP/$name-check.json")"
  [ "$code" = "$want" ] || { log "$name: expected HTTP $want"; return 1; }
}

# start_obauth DIR DB: `obauth serve` on DB, pinned to SERVER_CPU, at a free port on 127.0.0.1;
# stdout and stderr (one log line per request, appended: truncated between runs) into DIR. Sets
# STARTED_PID and STARTED_URL.
start_obauth() {
  local dir=$1 db=$2 i
  taskset -c "$SERVER_CPU" "$BUILD_DIR/obauth" serve --listen 127.0.0.1:0 --db "$db" --threads 1 \
    --token-ttl 3600 --fdx-requests-per-minute 0 > "$dir/stdout" 2>> "$dir/stderr" &
  STARTED_PID=$!
  STARTED+=("$STARTED_PID:TERM")
  STARTED_URL=""
  for i in $(seq 1 100); do
    STARTED_URL=$(sed -n '1s#^listening on \(http://.*\)$#\1#p' "$dir/stdout")
    [ -n "$STARTED_URL" ] && break
    kill -0 "$STARTED_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$STARTED_URL" ] || { log "obauth did not start:"; cat "$dir/stderr" >&2; return 1; }
  case $STARTED_URL in
    http://127.0.0.1:*) ;;
    *) log "obauth listens on $STARTED_URL, not 127.0.0.1"; return 1 ;;
  esac
}

# approve_at_sandbox JAR BASE AUTHORIZE_URL: alice through the sandbox's pages at BASE (the
# sign-in and consent forms, as the README does without a browser), every account shared;
# prints where the consent sends the browser back to.
approve_at_sandbox() {
  local jar=$1 base=$2 page accounts
  field() { sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p" | head -n 1; }
  page=$(curl -s -c "$jar" -b "$jar" "$3")
  page=$(curl -s -c "$jar" -b "$jar" "$base/api/v1/authorize/login" -d username=alice \
    -d password=sandbox -d "transaction=$(field transaction <<<"$page")" \
    -d "csrf=$(field csrf <<<"$page")")
  accounts=$(grep -o 'name="account" value="[^"]*"' <<<"$page" | sed 's/.*value="/-d account=/; s/"$//')
  # shellcheck disable=SC2086
  curl -s -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" \
    "$base/api/v1/authorize/consent" $accounts -d decision=approve \
    -d "transaction=$(field transaction <<<"$page")" -d "csrf=$(field csrf <<<"$page")"
}

############################################################ servers
run_nginx() {
  local port conf
  port=$(free_port)
  mkdir -p "$TMP/nginx"
  conf=$TMP/nginx/nginx.conf
  # The peers' config, with our own port, paths, and the master kept in the foreground (so its
  # PID is ours to stop).
  sed -e "s#/tmp/nginx-bench#$TMP/nginx#g" -e "s#daemon on;#daemon off;#" \
      -e "s#listen 127.0.0.1:8080;#listen 127.0.0.1:$port;#" \
      "$PEERS/nginx/nginx.conf" > "$conf"
  grep -q "listen 127.0.0.1:$port;" "$conf" || { log "nginx.conf has no listen line to adapt"; return 1; }
  taskset -c "$SERVER_CPU" nginx -c "$conf" -g 'worker_processes 1;' &
  local pid=$!
  STARTED+=("$pid:QUIT")
  wait_http "http://127.0.0.1:$port/token"
  check nginx 200 -u bench-basic:x -d grant_type=client_credentials "http://127.0.0.1:$port/token"
  MODE=token AUTH=basic SCOPE=read measure nginx-static "http://127.0.0.1:$port/token" "$pid"
  stop_server "$pid" QUIT
}

run_obauth() {
  local db=$TMP/obauth/obauth.db bin=$BUILD_DIR/obauth pid url partner i
  mkdir -p "$TMP/obauth"
  partner=$("$bin" partner create --create --db "$db" --name "Bench Partner")
  "$bin" providers import --db "$db" "$ROOT/examples/providers.json" > /dev/null
  local partner_id partner_secret
  partner_id=$(jq -r .client_id <<<"$partner")
  partner_secret=$(jq -r .client_secret <<<"$partner")
  start_obauth "$TMP/obauth" "$db"
  pid=$STARTED_PID url=$STARTED_URL
  log "obauth pid $pid at $url"

  check obauth-partner-token 200 -u "$partner_id:$partner_secret" \
    -d grant_type=client_credentials -d scope=client:admin "$url/api/v1/token"
  local token
  token=$(jq -r .access_token "$TMP/obauth-partner-token-check.json")
  local body='{"name":"Bench Recipient","scope":["ACCOUNT_BASIC"],"redirect_uris":["https://x.example/cb"]}'
  create_recipient() {
    curl -s --max-time 5 -X POST "$url/api/v1/recipients" -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' -d "$body"
  }
  # One recipient issues the tokens; RECIPIENTS more are read and rotated.
  local tok_recipient tok_id tok_secret ids=()
  tok_recipient=$(create_recipient)
  tok_id=$(jq -r .client_id <<<"$tok_recipient")
  tok_secret=$(jq -r .client_secret <<<"$tok_recipient")
  for i in $(seq 1 "$RECIPIENTS"); do ids+=("$(create_recipient | jq -r .client_id)"); done
  local id_list
  id_list=$(IFS=,; echo "${ids[*]}")
  log "created $((RECIPIENTS + 1)) recipients"

  # The token recipient, ACTIVE with the sandbox bank (9000), connects alice once (the consent
  # pages' two forms, as the README does without a browser): the refresh scenario's token.
  curl -s --max-time 5 -X POST -H "Authorization: Bearer $token" \
    "$url/api/v1/recipients/providers/requests/$tok_id/9000" > /dev/null
  "$bin" registrations approve --db "$db" "$tok_id" 9000 > /dev/null
  "$bin" registrations activate --db "$db" "$tok_id" 9000 > /dev/null
  local code refresh exchange fdx_token
  code=$(approve_at_sandbox "$TMP/obauth/cookies" "$url" \
    "$url/api/v1/authorize?response_type=code&client_id=$tok_id&redirect_uri=https%3A%2F%2Fx.example%2Fcb&scope=ACCOUNT_BASIC&provider_id=9000&state=s" |
    sed 's/.*[?&]code=\([^&]*\).*/\1/')
  exchange=$(curl -s -u "$tok_id:$tok_secret" "$url/api/v1/token" -d grant_type=authorization_code \
    -d "code=$code" -d redirect_uri=https://x.example/cb)
  refresh=$(jq -r .refresh_token <<<"$exchange")
  fdx_token=$(jq -r .access_token <<<"$exchange")
  [ -n "$refresh" ] && [ "$refresh" != null ] || { log "no refresh token from the consent flow"; return 1; }
  check obauth-refresh 200 -u "$tok_id:$tok_secret" -d grant_type=refresh_token \
    -d "refresh_token=$refresh" "$url/api/v1/token"
  python3 "$BENCH/make_codes.py" "$db" "$db.key" "$tok_id" "${CODES:-150000}" \
    https://x.example/cb "$TMP/obauth/codes"
  : > "$TMP/obauth/codes-state"
  log "wrote ${CODES:-150000} authorization codes"

  check obauth-token-basic 200 -u "$tok_id:$tok_secret" -d grant_type=client_credentials \
    -d scope=ACCOUNT_BASIC "$url/api/v1/token"
  check obauth-token-post 200 -d grant_type=client_credentials -d scope=ACCOUNT_BASIC \
    -d client_id="$tok_id" -d client_secret="$tok_secret" "$url/api/v1/token"
  check obauth-get 200 -H "Authorization: Bearer $token" "$url/api/v1/recipients/${ids[0]}"
  check obauth-fdx-accounts 200 -H "Authorization: Bearer $fdx_token" "$url/api/fdx/5/accounts"
  check obauth-rotate 200 -X POST -H "Authorization: Bearer $token" \
    "$url/api/v1/recipients/${ids[0]}/secret"

  local run
  for run in token-basic token-post get fdx rotate refresh code; do
    : > "$TMP/obauth/stderr"
    case $run in
      token-basic) MODE=token AUTH=basic CLIENT_ID=$tok_id CLIENT_SECRET=$tok_secret \
                     SCOPE=ACCOUNT_BASIC measure obauth-token-basic "$url/api/v1/token" "$pid" ;;
      token-post) MODE=token AUTH=post CLIENT_ID=$tok_id CLIENT_SECRET=$tok_secret \
                     SCOPE=ACCOUNT_BASIC measure obauth-token-post "$url/api/v1/token" "$pid" ;;
      get) MODE=get BEARER=$token IDS=$id_list measure obauth-get-recipient "$url" "$pid" ;;
      fdx) MODE=get BEARER=$fdx_token PREFIX=/api/fdx/5/ IDS=accounts \
             measure obauth-fdx-accounts "$url" "$pid" ;;
      rotate) MODE=rotate BEARER=$token IDS=$id_list measure obauth-rotate-secret "$url" "$pid" ;;
      refresh) MODE=refresh CLIENT_ID=$tok_id CLIENT_SECRET=$tok_secret REFRESH=$refresh \
                 measure obauth-refresh "$url/api/v1/token" "$pid" ;;
      code) MODE=code CLIENT_ID=$tok_id CLIENT_SECRET=$tok_secret REDIRECT_URI=https://x.example/cb \
              CODES_FILE=$TMP/obauth/codes CODES_STATE=$TMP/obauth/codes-state \
              measure obauth-code-exchange "$url/api/v1/token" "$pid" ;;
    esac
    # Keep a sample of the access log and every line that is not a 200.
    {
      echo "# obauth stderr during $run: $(wc -l < "$TMP/obauth/stderr") lines; first 3, then up to 50 not status=200"
      head -3 "$TMP/obauth/stderr"
      grep -v 'status=200' "$TMP/obauth/stderr" | head -50 || true
    } > "$OUT/obauth-$run-log-sample.txt"
  done
  run_hub "$url" "$token"
  stop_server "$pid" TERM
}

# A hub: a second obauth instance (same core) whose provider 7000 is the first one's sandbox
# (9000) behind an fdx connector, registered there as a recipient; a connection made through it
# (the provider's pages by curl), then the accounts read through it.
run_hub() {
  local a_url=$1 a_admin=$2 db=$TMP/hub/hub.db bin=$BUILD_DIR/obauth pid url
  mkdir -p "$TMP/hub"
  cat > "$TMP/hub/catalogue.json" <<JSON
[{"provider_id": 7000, "name": "Bank A", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
  "data_inventory": {}, "availableAccountTypes": {"depositAccounts": "true"},
  "connector": {"type": "fdx", "issuer": "$a_url", "fdx_base_url": "$a_url/api/fdx/5",
                "authorize_params": {"provider_id": "9000"}}}]
JSON
  "$bin" providers import --create --db "$db" "$TMP/hub/catalogue.json" > /dev/null
  local partner partner_id partner_secret
  partner=$("$bin" partner create --db "$db" --name "Hub Partner")
  partner_id=$(jq -r .client_id <<<"$partner")
  partner_secret=$(jq -r .client_secret <<<"$partner")
  start_obauth "$TMP/hub" "$db"
  pid=$STARTED_PID url=$STARTED_URL
  log "hub pid $pid at $url"
  # The hub as a recipient at A, ACTIVE with the sandbox; its client stored at the hub.
  local at_a at_a_id
  at_a=$(curl -s --max-time 5 -X POST "$a_url/api/v1/recipients" \
    -H "Authorization: Bearer $a_admin" -H 'Content-Type: application/json' \
    -d "{\"name\":\"Hub\",\"scope\":[\"ACCOUNT_BASIC\"],\"redirect_uris\":[\"$url/api/v1/authorize/callback\"]}")
  at_a_id=$(jq -r .client_id <<<"$at_a")
  curl -s --max-time 5 -X POST -H "Authorization: Bearer $a_admin" \
    "$a_url/api/v1/recipients/providers/requests/$at_a_id/9000" > /dev/null
  "$bin" registrations approve --db "$TMP/obauth/obauth.db" "$at_a_id" 9000 > /dev/null
  "$bin" registrations activate --db "$TMP/obauth/obauth.db" "$at_a_id" 9000 > /dev/null
  jq -r .client_secret <<<"$at_a" | "$bin" providers connect --db "$db" 7000 \
    --client-id "$at_a_id" > /dev/null
  # The app at the hub, ACTIVE with 7000.
  local admin app app_id app_secret
  admin=$(curl -s -u "$partner_id:$partner_secret" -d grant_type=client_credentials \
    -d scope=client:admin "$url/api/v1/token" | jq -r .access_token)
  app=$(curl -s --max-time 5 -X POST "$url/api/v1/recipients" -H "Authorization: Bearer $admin" \
    -H 'Content-Type: application/json' \
    -d '{"name":"App","scope":["ACCOUNT_BASIC"],"redirect_uris":["https://x.example/cb"]}')
  app_id=$(jq -r .client_id <<<"$app")
  app_secret=$(jq -r .client_secret <<<"$app")
  curl -s --max-time 5 -X POST -H "Authorization: Bearer $admin" \
    "$url/api/v1/recipients/providers/requests/$app_id/7000" > /dev/null
  "$bin" registrations approve --db "$db" "$app_id" 7000 > /dev/null
  "$bin" registrations activate --db "$db" "$app_id" 7000 > /dev/null
  # The customer: the hub sends the browser to A, A's pages, back to the hub, back to the app.
  local hub_jar=$TMP/hub/cookies to_a back code token
  to_a=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$hub_jar" -b "$hub_jar" \
    "$url/api/v1/authorize?response_type=code&client_id=$app_id&redirect_uri=https%3A%2F%2Fx.example%2Fcb&scope=ACCOUNT_BASIC&provider_id=7000&state=s")
  back=$(approve_at_sandbox "$TMP/hub/a-cookies" "$a_url" "$to_a")
  code=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$hub_jar" -b "$hub_jar" "$back" |
    sed 's/.*[?&]code=\([^&]*\).*/\1/')
  token=$(curl -s -u "$app_id:$app_secret" "$url/api/v1/token" -d grant_type=authorization_code \
    -d "code=$code" -d redirect_uri=https://x.example/cb | jq -r .access_token)
  check obauth-hub-fdx-accounts 200 -H "Authorization: Bearer $token" "$url/api/fdx/5/accounts"
  : > "$TMP/hub/stderr"
  MODE=get BEARER=$token PREFIX=/api/fdx/5/ IDS=accounts measure obauth-hub-fdx-accounts "$url" "$pid"
  stop_server "$pid" TERM
}

run_oidc() {
  local port pid
  port=$(free_port)
  (cd "$TMP/oidc-provider" && NODE_ENV=production PORT=$port TOKEN_FORMAT=jwt JWT_ALG=ES256 \
     exec taskset -c "$SERVER_CPU" node server.mjs) > "$TMP/oidc.log" 2>&1 &
  pid=$!
  STARTED+=("$pid:TERM")
  wait_http "http://127.0.0.1:$port/.well-known/openid-configuration"
  check oidc-es256 200 -u bench-basic:bench-secret-basic-0123456789abcdef \
    -d 'grant_type=client_credentials&scope=read' "http://127.0.0.1:$port/token"
  MODE=token AUTH=basic CLIENT_ID=bench-basic CLIENT_SECRET=bench-secret-basic-0123456789abcdef \
    SCOPE=read measure oidc-provider-es256-basic "http://127.0.0.1:$port/token" "$pid"
  stop_server "$pid" TERM
}

############################################################ core speed
# openssl speed on the server core, at the start and at the end: how fast this (virtual) core is
# during the run, and the signing bound 1 / (1/nginx + 1/signatures per second) of the issue.
calibrate() {  # calibrate NAME
  taskset -c "$SERVER_CPU" openssl speed -seconds 1 ed25519 ecdsap256 > "$OUT/openssl-speed-$1.txt" 2>/dev/null
  awk -v when="$1" '/bits EdDSA \(Ed25519\) / { ed = $(NF - 1); edv = $NF } /bits ecdsa \(nistp256\) / { es = $(NF - 1); esv = $NF }
    END { printf "openssl speed (%s, CPU core of the server): Ed25519 %d sign/s %d verify/s, ECDSA P-256 %d sign/s %d verify/s\n", when, ed, edv, es, esv }' \
    "$OUT/openssl-speed-$1.txt" | tee -a "$OUT/environment.txt" >&2
}

############################################################ table
print_table() {
  awk -F'\t' -v conns="$CONNS" '
    { key = $1 SUBSEP $2; rps[key] = $3; p50[key] = $4; p99[key] = $5; bad[key] = $7 + $8
      cpu[key] = $10; kern[key] = $12; wrk[key] = $11; other[key] = $13; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    function ms(us) { return sprintf("%.2f", us / 1000) }
    function ratio(l, c) {
      k0 = "nginx-static" SUBSEP c
      return (k0 in rps && rps[k0] > 0) ? sprintf("%.3f", rps[l SUBSEP c] / rps[k0]) : "-"
    }
    END {
      printf "| scenario | c%s req/s | p50 ms | p99 ms | x nginx | c1 req/s | p50 ms | p99 ms | x nginx | server CPU us/req (c%s) | kernel share | wrk CPU | other CPU (c%s/c1) | errors (c%s/c1) |\n", conns, conns, conns, conns
      print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      for (i = 1; i <= n; i++) {
        l = order[i]; a = l SUBSEP conns; b = l SUBSEP 1
        printf "| %s | %d | %s | %s | %s | %d | %s | %s | %s | %s | %s%% | %s%% | %s%%/%s%% | %d/%d |\n", l,
          rps[a], ms(p50[a]), ms(p99[a]), ratio(l, conns), rps[b], ms(p50[b]), ms(p99[b]),
          ratio(l, 1), cpu[a], kern[a], wrk[a], other[a], other[b], bad[a], bad[b]
      }
    }' "$OUT/rows.tsv"
  # The hub's added latency (issue 20): its median at one connection over the direct read's.
  awk -F'\t' '$2 == 1 && $1 == "obauth-fdx-accounts" { d = $4 }
    $2 == 1 && $1 == "obauth-hub-fdx-accounts" { h = $4 }
    END { if (d != "" && h != "") printf "\nThrough the hub, GET /api/fdx/5/accounts at 1 connection: p50 %.3f ms vs %.3f ms direct, %.3f ms added (target <= 1 ms).\n", h / 1000, d / 1000, (h - d) / 1000 }' "$OUT/rows.tsv"
  # The signing bound of the issue, with this run's nginx figure and core speed.
  awk -F'\t' -v conns="$CONNS" 'FNR == NR { if ($2 == conns) rate[$1] = $3; if ($1 == "nginx-static" && $2 == conns) ng = $3; next }
    /bits EdDSA \(Ed25519\) / { k = split($0, f, " "); ed += f[k - 1]; n++ }
    /bits ecdsa \(nistp256\) / { k = split($0, f, " "); es += f[k - 1] }
    /bits EdDSA \(Ed25519\) / { k = split($0, f, " "); if (lo == "" || f[k - 1] < lo) lo = f[k - 1]; if (f[k - 1] > hi) hi = f[k - 1] }
    END { if (n > 1 && lo > 0 && (hi - lo) / lo > 0.10)
            printf "\nWARNING: the server core ran %.0f%% faster at one end of the run than at the other (openssl speed ed25519 %d vs %d sign/s): the host was busy; repeat the run before trusting its ratios.\n", (hi - lo) / lo * 100, lo, hi
          if (ng > 0 && n > 0) { ed /= n; es /= n
      printf "\nSigning bound at c%s, 1 / (1/nginx + 1/sign rate) with the mean openssl speed of the run: Ed25519 %.0f req/s = %.3fx nginx; ES256 %.0f req/s = %.3fx nginx.\n",
        conns, 1 / (1 / ng + 1 / ed), 1 / (1 / ng + 1 / ed) / ng, 1 / (1 / ng + 1 / es), 1 / (1 / ng + 1 / es) / ng
      # Issue 21: the token path against the ES256 bound and against oidc-provider.
      bound = 1 / (1 / ng + 1 / es)
      printf "Issue 21 at c%s: of the ES256 bound, token (Basic) %.3f, token (post) %.3f, refresh grant %.3f (target for tokens >= 0.65)", conns,
        rate["obauth-token-basic"] / bound, rate["obauth-token-post"] / bound, rate["obauth-refresh"] / bound
      if (rate["oidc-provider-es256-basic"] > 0) printf "; token (Basic) %.2fx oidc-provider ES256 (target >= 6)", rate["obauth-token-basic"] / rate["oidc-provider-es256-basic"]
      printf ".\n" } }' \
    "$OUT/rows.tsv" "$OUT"/openssl-speed-*.txt
}

############################################################ main
mkdir -p "$OUT"
install_packages
build_obauth
log "waiting for the 1-minute load average to drop below $LOAD_MAX (at most ${LOAD_WAIT}s)"
wait_for_quiet
{
  echo "date: $(date -u +%FT%TZ)"
  echo "loadavg at script start: $LOAD_AT_SCRIPT_START"
  echo "loadavg at measurement start: $(cat /proc/loadavg)"
  echo "host: $(uname -srm)"
  echo "cpus: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "placement: servers on CPU $SERVER_CPU (taskset -a), wrk -t1 on CPU $WRK_CPU"
  echo "runs: warm-up ${WARMUP}s, then ${DURATION}s at c$CONNS and ${DURATION}s at c1, keep-alive"
  echo "obauth: ${SOURCE_NOTE:-$BUILT_REV} (at build time), RelWithDebInfo, --threads 1, SQLite on $(df -T "$TMP" | awk 'NR == 2 {print $2}') ($TMP)"
  echo "wrk: $(dpkg-query -W -f='${Version}' wrk)  nginx: $(nginx -v 2>&1 | sed 's/.*: //')  node: $(node --version)"
  if [ -f "$TMP/oidc-provider/node_modules/oidc-provider/package.json" ]; then
    echo "oidc-provider: $(node -p "require('$TMP/oidc-provider/node_modules/oidc-provider/package.json').version")"
  fi
} | tee "$OUT/environment.txt" >&2
: > "$OUT/rows.tsv"

calibrate start
skipped nginx || run_nginx
skipped obauth || run_obauth
skipped oidc || run_oidc
calibrate end

print_table > "$OUT/table.md"
echo "loadavg at end: $(cat /proc/loadavg)" >> "$OUT/environment.txt"
echo
echo "Results in ${OUT#"$ROOT"/} (load average at start: $LOAD_AT_SCRIPT_START)"
echo
cat "$OUT/table.md"
