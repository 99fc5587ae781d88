#!/usr/bin/env bash
# bench/scale.sh: the scale targets of issue 4 in one run, on this machine: a million recipients,
# memory, start-up time, and two server threads.
#
# Builds obauth and bench/scale/load_recipients into ./build-scale, makes (once, then cached in
# $CACHE keyed by the count and the loader's inputs) three databases of one partner with $SMALL,
# $SPREAD and $BIG recipients with the bulk loader, waits for a quiet machine, then measures:
#
#   start-up    exec of `obauth serve` to its "listening on http://..." line on stdout, $STARTS
#               times each on a fresh (absent) database and on each loaded one (--threads 1)
#   memory      VmRSS (with RssAnon/RssFile and VmHWM, from /proc/PID/status; smaps_rollup kept)
#               idle $SETTLE s after each start, and again after the throughput runs
#   throughput  token issuance (client_secret_basic, bench/lua/bench.lua MODE=token) with one
#               client and round-robin over $SMALL and $SPREAD clients, and the admin read
#               GET /api/v1/recipients/{id} with the partner's bearer token round-robin over
#               $SMALL and $SPREAD ids (an even sample of each database's load): $SMALL-wide
#               runs on the $SMALL and $BIG databases, $SPREAD-wide ones on the $SPREAD and $BIG
#               databases, so each ratio compares one spread at two sizes. `--threads 1` servers
#               on CPU $SERVER_CPU with wrk -t1 -c$CONNS on CPU $WRK_CPU (as bench/run.sh places
#               them); each scenario also on the $BIG database with `--threads 2` on CPUs
#               $SERVER_CPU,$WRK_CPU and wrk -t2 -c$CONNS2 on the same two CPUs (wrk shares the
#               server's cores)
#
# All servers stay up together (idle when not measured; the --threads 2 one on its own copy of
# the big database) and each scenario runs on them back to back, in alternating order, so a
# drifting host speed biases no ratio. Each run is a warm-up then one measured run, keep-alive.
# Each server's answers are checked by hand first (loaded rows must serve a 200 read and a
# token; a wrong secret a 401). Raw wrk output, /proc snapshots, the loader's report, the
# environment and table.md go to bench/results/<UTC timestamp>-scale/. Every server started here
# is stopped on exit.
#
# Run as root the first time (installs wrk and friends, like bench/run.sh). About 4.5 minutes
# once built and loaded, plus any wait for a quiet machine. Loading 1,000,000 recipients takes
# about a minute and 0.8 GB in $CACHE; each run copies that database twice under /tmp.
# Environment (defaults in brackets):
#   SMALL [1000]  SPREAD [10000]  BIG [1000000]  recipients in the three databases; SMALL and
#                 SPREAD are also how many clients/ids the round-robin runs cycle through
#   WARMUP [5]  DURATION [10]  seconds per warm-up / measured run
#   CONNS [32]  connections with one server thread (wrk -t1); CONNS2 [64] with two (wrk -t2)
#   SERVER_CPU [0]  WRK_CPU [1]
#   STARTS [3]  start-ups measured per database   SETTLE [2]  seconds idle before reading VmRSS
#   LOAD_MAX [1.0]  LOAD_WAIT [900]  wait until the 1-minute load average is below LOAD_MAX,
#                                    polling every 30 s, at most LOAD_WAIT seconds
#   FOREIGN_MAX [10]  RETRIES [2]  a run during which other processes took more than
#                     FOREIGN_MAX% of a core is repeated (at most RETRIES times)
#   CACHE [/tmp/obauth-scale-cache]  loaded databases, reused while the loader, the schema and
#                     the secret hasher are unchanged (delete it to reload)
#   OUT [bench/results/<timestamp>-scale]
#   SOURCE_NOTE  what was built, for environment.txt (default: the git revision of this tree)
set -euo pipefail
shopt -s inherit_errexit  # a failed check inside $(...) stops the script too

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
LUA=$BENCH/lua/bench.lua
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$BENCH/results/$STAMP-scale}
BIG=${BIG:-1000000}
SMALL=${SMALL:-1000}
SPREAD=${SPREAD:-10000}
WARMUP=${WARMUP:-5}
DURATION=${DURATION:-10}
CONNS=${CONNS:-32}
CONNS2=${CONNS2:-64}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
STARTS=${STARTS:-3}
SETTLE=${SETTLE:-2}
LOAD_MAX=${LOAD_MAX:-1.0}
LOAD_WAIT=${LOAD_WAIT:-900}
FOREIGN_MAX=${FOREIGN_MAX:-10}
RETRIES=${RETRIES:-2}
CACHE=${CACHE:-/tmp/obauth-scale-cache}
BUILD_DIR=$ROOT/build-scale
BIN=$BUILD_DIR/obauth
BOTH_CPUS=$SERVER_CPU,$WRK_CPU
[ "$SPREAD" -le "$BIG" ] && [ "$SMALL" -le "$SPREAD" ] || {
  echo "need SMALL <= SPREAD <= BIG (got $SMALL, $SPREAD, $BIG)" >&2
  exit 1
}

TICK=$(getconf CLK_TCK)
LOAD_AT_SCRIPT_START=$(cat /proc/loadavg)
LOAD_WARNING=""
log() { echo "[scale $(date -u +%H:%M:%S)] $*" >&2; }

############################################################ processes we start
TMP=$(mktemp -d /tmp/obauth-scale.XXXXXX)
STARTED=()
SRV_PID=""
SRV_FD=""
stop_pid() {  # stop one process by PID (TERM, then KILL after 10 s) and wait for it
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "pid $pid did not exit after SIGTERM; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local i
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do stop_pid "${STARTED[$i]}"; done
  STARTED=()
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

############################################################ install and build
install_packages() {
  "$ROOT/scripts/setup.sh"
  local want=(wrk curl jq time util-linux procps openssl) missing=() p
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Own build directory (others use build/, build-bench/, ...); RelWithDebInfo like
# scripts/build.sh. Only the two targets this script runs, at most two compile jobs.
build() {
  if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    BUILT_REV="git $(git -C "$ROOT" rev-parse --short HEAD)"
    git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || BUILT_REV="$BUILT_REV + uncommitted src changes"
  else
    BUILT_REV="$ROOT (not a git checkout)"
  fi
  log "building obauth and load_recipients ($BUILT_REV) into $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOBAUTH_BUILD_BENCH=ON -DOBAUTH_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD_DIR" -j "${OBAUTH_JOBS:-2}" --target obauth load_recipients >&2
}

############################################################ databases
# prepare_db N (bench/scale/databases.sh): the cache folder of a loaded database.
# shellcheck source=bench/scale/databases.sh
. "$BENCH/scale/databases.sh"

# copy_db CACHE_DIR NAME: prints the folder of a private copy to run a server on (servers write
# to it: the signing key, secret usage), so every run starts from the same rows.
copy_db() {
  mkdir -p "$TMP/$2"
  cp "$1/obauth.db" "$1/obauth.db.key" "$TMP/$2/"
  echo "$TMP/$2"
}

############################################################ quiet machine
wait_for_quiet() {
  local waited=0 load
  while :; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v l="$load" -v m="$LOAD_MAX" 'BEGIN { exit !(l < m) }'; then return 0; fi
    if [ "$waited" -ge "$LOAD_WAIT" ]; then
      log "WARNING: 1-minute load $load is still >= $LOAD_MAX after ${waited}s; measuring anyway"
      LOAD_WARNING="WARNING: load $load >= $LOAD_MAX at measurement start"
      return 0
    fi
    log "1-minute load average $load >= $LOAD_MAX; waiting 30 s (${waited}s so far)"
    sleep 30
    waited=$((waited + 30))
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

############################################################ the servers
# Servers by name: fresh (start-up only), small, mid, big (--threads 1 on SERVER_CPU) and bigt2
# (--threads 2 on both CPUs, its own copy of the big database). All but fresh stay up together,
# idle when not measured, so every scenario runs on each of them back to back.
declare -A SRV_PID SRV_URL SRV_DIR SRV_FD SRV_TOKEN SRV_CACHE SRV_THREADS
STARTS_DONE=0

# start_obauth NAME DIR THREADS CPUS: starts `obauth serve` on DIR/obauth.db pinned to CPUS. The
# start-up time runs from just before the fork to the moment the "listening on" line is read
# from the server's stdout (a FIFO, so no polling); it includes the fork and taskset's exec
# (~1 ms). Appends "name start# threads ms" to startup.tsv.
start_obauth() {
  local name=$1 dir=$2 threads=$3 cpus=$4 fifo=$TMP/stdout-$1.fifo line t0 t1 fd pid
  rm -f "$fifo"
  mkfifo "$fifo"
  t0=$EPOCHREALTIME
  taskset -c "$cpus" "$BIN" serve --listen 127.0.0.1:0 --db "$dir/obauth.db" \
    --threads "$threads" --token-ttl 3600 > "$fifo" 2>> "$dir/stderr" &
  pid=$!
  STARTED+=("$pid")
  exec {fd}< "$fifo"
  if ! IFS= read -r -t 60 line <&"$fd"; then
    log "obauth did not start on $dir:"
    tail -5 "$dir/stderr" >&2
    return 1
  fi
  t1=$EPOCHREALTIME
  SRV_PID[$name]=$pid
  SRV_FD[$name]=$fd
  SRV_DIR[$name]=$dir
  SRV_THREADS[$name]=$threads
  SRV_URL[$name]=${line#listening on }
  case ${SRV_URL[$name]} in http://127.0.0.1:*) ;; *) log "unexpected first line: $line"; return 1 ;; esac
  STARTS_DONE=$((STARTS_DONE + 1))
  awk -v db="$name" -v n="$STARTS_DONE" -v th="$threads" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%s\t%d\t%d\t%.1f\n", db, n, th, (b - a) * 1000 }' >> "$OUT/startup.tsv"
  log "obauth $name pid $pid (--threads $threads, CPUs $cpus) at ${SRV_URL[$name]} after $(tail -1 "$OUT/startup.tsv" | cut -f4) ms"
}

stop_obauth() {  # stop_obauth NAME
  local pid=${SRV_PID[$1]} fd=${SRV_FD[$1]} keep=() p
  stop_pid "$pid"
  exec {fd}<&-
  for p in "${STARTED[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  STARTED=("${keep[@]}")
  unset "SRV_PID[$1]"
}

# memory NAME LABEL: the server's memory to memory.tsv (label, VmRSS, RssAnon, RssFile,
# RssShmem, VmHWM in kB, threads); the raw status and smaps_rollup are kept.
memory() {
  local pid=${SRV_PID[$1]} label=$2
  cat "/proc/$pid/status" > "$OUT/mem-$label-status.txt"
  cat "/proc/$pid/smaps_rollup" > "$OUT/mem-$label-smaps_rollup.txt"
  awk -v l="$label" '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
    /^RssShmem:/ { s = $2 } /^VmHWM:/ { h = $2 } /^Threads:/ { t = $2 }
    END { printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", l, r, a, f, s, h, t }' \
    "$OUT/mem-$label-status.txt" >> "$OUT/memory.tsv"
  awk -F'\t' '{ printf "  -> memory %s: VmRSS %.1f MiB (anon %.1f, file %.1f), VmHWM %.1f MiB, %d threads\n", $1, $2 / 1024, $3 / 1024, $4 / 1024, $6 / 1024, $7 }' \
    <<<"$(tail -1 "$OUT/memory.tsv")" >&2
}

# starts NAME DIR THREADS CPUS COUNT: COUNT start-ups, VmRSS idle SETTLE s after each; the last
# server is left running.
starts() {
  local name=$1 dir=$2 threads=$3 cpus=$4 count=$5 k
  for ((k = 1; k <= count; k++)); do
    start_obauth "$name" "$dir" "$threads" "$cpus"
    sleep "$SETTLE"
    memory "$name" "$name-idle-$k"
    if [ "$k" -lt "$count" ]; then stop_obauth "$name"; fi
  done
}

check() {  # check NAME EXPECTED_STATUS curl-args...: one request by hand before the load
  local name=$1 want=$2 code; shift 2
  code=$(curl -s -o "$TMP/$name.json" -w '%{http_code}' --max-time 5 "$@")
  echo "$name: HTTP $code $(head -c 160 "$TMP/$name.json")" >> "$OUT/checks.txt"
  log "$name: HTTP $code"
  [ "$code" = "$want" ] || { log "$name: expected HTTP $want: $(head -c 300 "$TMP/$name.json")"; return 1; }
}

# verify NAME CACHE_DIR: checks by hand that the loaded rows work through the running server
# (reads of the first sampled and the last loaded id, a token for a loaded recipient, 401 for a
# wrong secret), and keeps the partner's bearer token in SRV_TOKEN[NAME].
verify() {
  local name=$1 cache=$2 url=${SRV_URL[$1]} pid psecret token id secret id2
  SRV_CACHE[$name]=$cache
  pid=$(jq -r .client_id "$cache/partner.json")
  psecret=$(jq -r .client_secret "$cache/partner.json")
  check "$name-partner-token" 200 -u "$pid:$psecret" -d grant_type=client_credentials \
    -d scope=client:admin "$url/api/v1/token"
  token=$(jq -r .access_token "$TMP/$name-partner-token.json")
  IFS=$'\t' read -r id secret < <(head -1 "$cache/credentials.tsv")
  id2=$(tail -1 "$cache/ids.txt")
  check "$name-read-loaded" 200 -H "Authorization: Bearer $token" "$url/api/v1/recipients/$id"
  check "$name-read-last-loaded" 200 -H "Authorization: Bearer $token" "$url/api/v1/recipients/$id2"
  check "$name-token-loaded" 200 -u "$id:$secret" -d grant_type=client_credentials \
    -d scope=ACCOUNT_BASIC "$url/api/v1/token"
  check "$name-token-wrong-secret" 401 -u "$id:x$secret" -d grant_type=client_credentials \
    -d scope=ACCOUNT_BASIC "$url/api/v1/token"
  SRV_TOKEN[$name]=$token
}

############################################################ measuring
cpu_ticks() {  # "utime stime" of one process (all its threads), in clock ticks
  local f
  f=$(sed -e 's/^.*) //' "/proc/$1/stat")
  set -- $f
  echo "${12} ${13}"
}

# measure NAME SCENARIO URL (request shape in the MODE/AUTH/... environment for bench.lua): a
# warm-up, then one measured run against server NAME; wrk -t1 -cCONNS on WRK_CPU for a
# --threads 1 server, wrk -t2 -cCONNS2 on both CPUs for --threads 2. A run during which other
# processes used more than FOREIGN_MAX% of a core is kept as *-disturbed-N.txt and repeated once
# the CPUs are idle, at most RETRIES times. Appends to rows.tsv: server threads scenario conns
# rps p50_us p99_us non2xx sock_errors server_cpu_pct cpu_us_per_req wrk_cpu_pct other_cpu_pct
# attempts
measure() {
  local name=$1 scenario=$2 url=$3 pid=${SRV_PID[$1]} threads=${SRV_THREADS[$1]}
  local label=$1-$2 wcpus=$WRK_CPU wthreads=1 conns=$CONNS raw t0 t1 b0 b1 res wt row other attempt
  if [ "$threads" -ge 2 ]; then wcpus=$BOTH_CPUS; wthreads=2; conns=$CONNS2; fi
  log "$label: warm-up ${WARMUP}s"
  taskset -c "$wcpus" wrk -t"$wthreads" -c"$conns" -d"${WARMUP}s" -s "$LUA" "$url" \
    > "$OUT/$label-warmup.txt" 2>&1 || true
  for ((attempt = 1; attempt <= RETRIES + 1; attempt++)); do
    raw=$OUT/$label.txt
    : > "${SRV_DIR[$name]}/stderr"
    log "$label: wrk -t$wthreads -c$conns -d${DURATION}s on CPUs $wcpus"
    {
      echo "# $label  $(date -u +%FT%TZ)  loadavg: $(cat /proc/loadavg)"
      echo "# taskset -c $wcpus wrk -t$wthreads -c$conns -d${DURATION}s --latency -s bench/lua/bench.lua $url"
      echo "# MODE=${MODE:-} AUTH=${AUTH:-} SCOPE=${SCOPE:-} CREDS_FILE=${CREDS_FILE:+$(wc -l < "$CREDS_FILE") lines} IDS_FILE=${IDS_FILE:+$(wc -l < "$IDS_FILE") lines} server pid $pid --threads $threads"
    } > "$raw"
    t0=$(cpu_ticks "$pid")
    b0=$(cpu_busy)
    /usr/bin/time -f 'WRKTIME %e %U %S' -a -o "$raw.time" \
      taskset -c "$wcpus" wrk -t"$wthreads" -c"$conns" -d"${DURATION}s" --latency -s "$LUA" "$url" \
      >> "$raw" 2>&1
    b1=$(cpu_busy)
    t1=$(cpu_ticks "$pid")
    cat "$raw.time" >> "$raw" && rm -f "$raw.time"
    res=$(grep '^RESULT' "$raw" || true)
    wt=$(grep '^WRKTIME' "$raw" | tail -1)
    if [ -z "$res" ]; then log "$label: wrk printed no RESULT line (see $raw)"; return 1; fi
    row=$(awk -v db="$name" -v th="$threads" -v sc="$scenario" -v conns="$conns" -v res="$res" \
        -v wt="$wt" -v t0="$t0" -v t1="$t1" -v b0="$b0" -v b1="$b1" -v tick="$TICK" \
        -v attempt="$attempt" 'BEGIN {
      n = split(res, kv, " ")
      for (i = 2; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
      split(wt, w, " "); split(t0, a, " "); split(t1, b, " ")
      el = w[2]; srv_s = (b[1] + b[2] - a[1] - a[2]) / tick
      srv = el > 0 ? srv_s / el * 100 : 0
      per = v["requests"] > 0 ? srv_s * 1e6 / v["requests"] : 0
      wrk = el > 0 ? (w[3] + w[4]) / el * 100 : 0
      other = el > 0 ? ((b1 - b0) / tick - srv_s - (w[3] + w[4])) / el * 100 : 0
      if (other < 0) other = 0
      sock = v["connect_err"] + v["read_err"] + v["write_err"] + v["timeout"]
      printf "%s\t%s\t%s\t%s\t%.0f\t%d\t%d\t%d\t%d\t%.0f\t%.1f\t%.0f\t%.0f\t%d\n", db, th, sc, conns,
        v["rps"], v["p50_us"], v["p99_us"], v["non2xx"], sock, srv, per, wrk, other, attempt
    }')
    awk -F'\t' '{ printf "  -> %s req/s, p50 %.2f ms, p99 %.2f ms, non-2xx %s, socket errors %s, server CPU %s%% (%s us/req), wrk CPU %s%%, other processes %s%%\n", $5, $6 / 1000, $7 / 1000, $8, $9, $10, $11, $12, $13 }' <<<"$row" >&2
    other=$(cut -f13 <<<"$row")
    if [ "$other" -gt "$FOREIGN_MAX" ] && [ "$attempt" -le "$RETRIES" ]; then
      mv "$raw" "${raw%.txt}-disturbed-$attempt.txt"
      log "$label: other processes used ${other}% of a core (> ${FOREIGN_MAX}%); repeating once the CPUs are idle"
      wait_for_idle_cpus
      continue
    fi
    echo "$row" >> "$OUT/rows.tsv"
    break
  done
  # A sample of the access log and every line that is not a 200.
  {
    echo "# obauth stderr during $label: $(wc -l < "${SRV_DIR[$name]}/stderr") lines; first 3, then up to 50 not status=200"
    head -3 "${SRV_DIR[$name]}/stderr"
    grep -v 'status=200' "${SRV_DIR[$name]}/stderr" | head -50 || true
  } > "$OUT/$label-log-sample.txt"
}

# run NAME SCENARIO: one scenario against server NAME. Scenarios: token-1client (the first
# sampled credential, one static request as in bench/run.sh), token-<k>clients and get-<k>ids
# (round-robin over the first k lines of the database's credentials sample).
run() {
  local name=$1 sc=$2 cache=${SRV_CACHE[$1]} url=${SRV_URL[$1]} k id secret
  case $sc in
    token-1client)
      IFS=$'\t' read -r id secret < <(head -1 "$cache/credentials.tsv")
      MODE=token AUTH=basic SCOPE=ACCOUNT_BASIC CLIENT_ID=$id CLIENT_SECRET=$secret \
        measure "$name" "$sc" "$url/api/v1/token" ;;
    token-*clients)
      k=${sc#token-}; k=${k%clients}
      head -n "$k" "$cache/credentials.tsv" > "$TMP/$name-creds-$k.tsv"
      [ "$(wc -l < "$TMP/$name-creds-$k.tsv")" -eq "$k" ] || { log "$name has fewer than $k credentials"; return 1; }
      MODE=token AUTH=basic SCOPE=ACCOUNT_BASIC CREDS_FILE=$TMP/$name-creds-$k.tsv \
        measure "$name" "$sc" "$url/api/v1/token" ;;
    get-*ids)
      k=${sc#get-}; k=${k%ids}
      head -n "$k" "$cache/credentials.tsv" | cut -f1 > "$TMP/$name-ids-$k.txt"
      [ "$(wc -l < "$TMP/$name-ids-$k.txt")" -eq "$k" ] || { log "$name has fewer than $k ids"; return 1; }
      MODE=get BEARER=${SRV_TOKEN[$name]} IDS_FILE=$TMP/$name-ids-$k.txt \
        measure "$name" "$sc" "$url" ;;
    *) log "unknown scenario $sc"; return 1 ;;
  esac
}

############################################################ core speed
calibrate() {  # calibrate NAME: openssl speed on the server core
  taskset -c "$SERVER_CPU" openssl speed -seconds 1 ed25519 ecdsap256 > "$OUT/openssl-speed-$1.txt" 2>/dev/null
  awk -v when="$1" '/bits EdDSA \(Ed25519\) / { ed = $(NF - 1) } /bits ecdsa \(nistp256\) / { es = $(NF - 1); esv = $NF }
    END { printf "openssl speed (%s, CPU %s): Ed25519 %d sign/s, ECDSA P-256 %d sign/s %d verify/s\n", when, cpu, ed, es, esv }' \
    cpu="$SERVER_CPU" "$OUT/openssl-speed-$1.txt" | tee -a "$OUT/environment.txt" >&2
}

############################################################ table
print_table() {
  local names="small=$SMALL recipients;mid=$SPREAD recipients;big=$BIG recipients;bigt2=$BIG recipients;fresh=fresh (absent) database"
  echo "### Memory: VmRSS of \`obauth serve\` (MiB)"
  echo
  echo "| server, database | when | VmRSS | RssAnon | RssFile | VmHWM | threads | target |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
  awk -F'\t' -v names="$names" -v s="$SETTLE" '
    BEGIN { n = split(names, kv, ";"); for (i = 1; i <= n; i++) { split(kv[i], p, "="); nm[p[1]] = p[2] } }
    { split($1, p, "-"); db = p[1]; th = db == "bigt2" ? "--threads 2" : "--threads 1"
      when = p[2] == "idle" ? "idle " s " s after start-up " p[3] : "after its throughput runs"
      target = "-"
      if (p[2] == "idle" && db == "fresh") target = ($2 <= 32768 ? "<= 32 MiB: met" : "<= 32 MiB: MISSED")
      if (p[2] == "idle" && db == "big") target = ($2 <= 131072 ? "<= 128 MiB: met" : "<= 128 MiB: MISSED")
      if (p[2] == "after" && (db == "big" || db == "bigt2")) target = ($2 <= 131072 ? "(<= 128 MiB: yes)" : "(<= 128 MiB: no)")
      line[db, ++c[db]] = sprintf("| %s, %s | %s | %.1f | %.1f | %.1f | %.1f | %d | %s |", th, nm[db], when,
        $2 / 1024, $3 / 1024, $4 / 1024, $6 / 1024, $7, target) }
    END { n = split("fresh small mid big bigt2", order, " ")
      for (i = 1; i <= n; i++) for (k = 1; k <= c[order[i]]; k++) print line[order[i], k] }' "$OUT/memory.tsv"
  echo
  echo "### Start-up: exec to the \"listening on\" line (ms)"
  echo
  echo "| server, database | each start | median | target |"
  echo "|---|---|---:|---|"
  awk -F'\t' -v names="$names" '
    BEGIN { n = split(names, kv, ";"); for (i = 1; i <= n; i++) { split(kv[i], p, "="); nm[p[1]] = p[2] } }
    { if (!($1 in c)) order[++m] = $1; t[$1, ++c[$1]] = $4; list[$1] = list[$1] (c[$1] > 1 ? ", " : "") $4; th[$1] = $3 }
    END { for (i = 1; i <= m; i++) { db = order[i]; k = c[db]
      for (a = 1; a <= k; a++) v[a] = t[db, a]
      for (a = 1; a <= k; a++) for (b = a + 1; b <= k; b++) if (v[b] < v[a]) { x = v[a]; v[a] = v[b]; v[b] = x }
      med = k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
      label = nm[db] (db == "fresh" ? " (creates schema, key file, signing key)" : "")
      tg = db == "big" ? (med < 2000 ? "< 2 s: met" : "< 2 s: MISSED") : (db == "fresh" ? "(< 2 s: " (med < 2000 ? "yes)" : "no)") : "-")
      printf "| --threads %d, %s | %s | %.1f | %s |\n", th[db], label, list[db], med, tg } }' "$OUT/startup.tsv"
  echo
  echo "### Throughput (req/s)"
  echo
  echo "\`--threads 1\`: server on CPU $SERVER_CPU, \`wrk -t1 -c$CONNS\` on CPU $WRK_CPU. \`--threads 2\`: server on CPUs $BOTH_CPUS and \`wrk -t2 -c$CONNS2\` **on the same two CPUs** (wrk shares the server's cores). ${WARMUP} s warm-up, ${DURATION} s measured, keep-alive; the servers of one scenario are measured back to back, in alternating order. \"server CPU\" is the server's CPU time per wall second (100% = one core), and per request; \"other\" is the CPU other processes used. Token requests use \`client_secret_basic\`; reads are \`GET /api/v1/recipients/{id}\` with the partner's bearer token."
  echo
  echo "| database | server | scenario | conns | req/s | p50 ms | p99 ms | server CPU | us/req | wrk CPU | other | errors |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' -v names="$names" '
    BEGIN { n = split(names, kv, ";"); for (i = 1; i <= n; i++) { split(kv[i], p, "="); nm[p[1]] = p[2] } }
    function sc(s,   x) { if (s == "token-1client") return "token, 1 client"
      x = s; if (s ~ /^token-/) { sub(/^token-/, "", x); sub(/clients$/, "", x); return "token, " x " clients" }
      sub(/^get-/, "", x); sub(/ids$/, "", x); return "read, " x " ids" }
    { if (!($3 in seen)) { seen[$3] = 1; scen[++m] = $3 }
      line[$3, $1] = sprintf("| %s | --threads %s | %s | %s | %d | %.2f | %.2f | %s%% | %s | %s%% | %s%% | %d |",
        nm[$1], $2, sc($3), $4, $5, $6 / 1000, $7 / 1000, $10, $11, $12, $13, $8 + $9) }
    END { n = split("small mid big bigt2", order, " ")
      for (j = 1; j <= m; j++) for (i = 1; i <= n; i++) if ((scen[j], order[i]) in line) print line[scen[j], order[i]] }' \
    "$OUT/rows.tsv"
  echo
  echo "### Ratios"
  echo
  echo "| comparison | value | target |"
  echo "|---|---:|---|"
  awk -F'\t' -v small="$SMALL" -v mid="$SPREAD" -v big="$BIG" '
    { r[$1, $3] = $5 }
    function ratio(a, b, what, min,   v) {
      if (!(a in r) || !(b in r) || r[b] == 0) return
      v = r[a] / r[b]
      printf "| %s | %.3f | %s |\n", what, v, min == "" ? "-" : ">= " min (v >= min ? ": met" : ": MISSED") }
    END {
      S = SUBSEP
      ratio("big" S "token-1client", "small" S "token-1client", "**token, 1 client: " big " / " small " recipients** (one client, as bench/run.sh)", "0.90")
      ratio("big" S "get-" mid "ids", "small" S "get-" small "ids", "**read: " mid " ids of " big " / all " small " ids of " small "**", "0.90")
      ratio("big" S "token-" mid "clients", "small" S "token-" small "clients", "token: " mid " clients of " big " / all " small " clients of " small, "0.90")
      ratio("big" S "token-" small "clients", "small" S "token-" small "clients", "token, " small " clients each: " big " / " small " recipients (same spread, mostly cache hits)", "")
      ratio("big" S "get-" small "ids", "small" S "get-" small "ids", "read, " small " ids each: " big " / " small " recipients (same spread, mostly cache hits)", "")
      ratio("big" S "token-" mid "clients", "mid" S "token-" mid "clients", "token, " mid " clients each: " big " / " mid " recipients (same spread, many cache misses)", "")
      ratio("big" S "get-" mid "ids", "mid" S "get-" mid "ids", "read, " mid " ids each: " big " / " mid " recipients (same spread, many cache misses)", "")
      n = split("token-1client token-" small "clients token-" mid "clients get-" small "ids get-" mid "ids", list, " ")
      for (i = 1; i <= n; i++) {
        x = list[i]; d = x; sub(/^token-/, "token, ", d); sub(/^get-/, "read, ", d); sub(/clients$/, " clients", d); sub(/client$/, " client", d); sub(/ids$/, " ids", d)
        ratio("bigt2" S x, "big" S x, "--threads 2 / --threads 1 (" big " recipients), " d " (wrk on the server cores)", "")
      }
    }' "$OUT/rows.tsv"
  # Drift of the server core between the start and the end of the run.
  awk '/bits ecdsa \(nistp256\) / { k = split($0, f, " "); v = f[k - 1]; if (lo == "" || v < lo) lo = v; if (v > hi) hi = v; n++ }
    END { if (n > 1 && lo > 0 && (hi - lo) / lo > 0.10)
      printf "\nWARNING: the server core ran %.0f%% faster at one end of the run than at the other (openssl speed ecdsap256 %d vs %d sign/s): the host was busy; repeat the run before trusting its ratios.\n", (hi - lo) / lo * 100, lo, hi }' \
    "$OUT"/openssl-speed-*.txt
}

############################################################ main
mkdir -p "$OUT"
install_packages
build
SMALL_CACHE=$(prepare_db "$SMALL")
MID_CACHE=$(prepare_db "$SPREAD")
BIG_CACHE=$(prepare_db "$BIG")
# The loader's report, without the sample secrets it prints.
for pair in "$SMALL:$SMALL_CACHE" "$SPREAD:$MID_CACHE" "$BIG:$BIG_CACHE"; do
  sed -E 's/( secret )[A-Za-z0-9_-]+$/\1***/' "${pair#*:}/load.txt" > "$OUT/load-${pair%%:*}.txt"
done
# Private copies made now, and written back to disk before measuring, so no write-back of
# gigabytes runs under the measurements.
SMALL_DIR=$(copy_db "$SMALL_CACHE" small)
MID_DIR=$(copy_db "$MID_CACHE" mid)
BIG_DIR=$(copy_db "$BIG_CACHE" big)
BIGT2_DIR=$(copy_db "$BIG_CACHE" bigt2)
sync
log "waiting for the 1-minute load average to drop below $LOAD_MAX (at most ${LOAD_WAIT}s), then for idle CPUs"
wait_for_quiet
wait_for_idle_cpus
{
  echo "date: $(date -u +%FT%TZ)"
  echo "loadavg at script start: $LOAD_AT_SCRIPT_START"
  echo "loadavg at measurement start: $(cat /proc/loadavg)"
  echo "host: $(uname -srm)"
  echo "cpus: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "obauth: ${SOURCE_NOTE:-$BUILT_REV} (at build time), RelWithDebInfo, SQLite on $(df -T "$TMP" | awk 'NR == 2 {print $2}') ($TMP)"
  echo "databases: $SMALL, $SPREAD and $BIG recipients of one partner, loaded by bench/scale/load_recipients (cache $CACHE); $(du -h "$BIG_CACHE/obauth.db" | cut -f1) for $BIG; copied to $TMP before use, so in the page cache"
  echo "runs: warm-up ${WARMUP}s, then ${DURATION}s; --threads 1 on CPU $SERVER_CPU with wrk -t1 -c$CONNS on CPU $WRK_CPU; --threads 2 and wrk -t2 -c$CONNS2 both on CPUs $BOTH_CPUS"
  echo "wrk: $(dpkg-query -W -f='${Version}' wrk)"
  [ -z "$LOAD_WARNING" ] || echo "$LOAD_WARNING"
} | tee "$OUT/environment.txt" >&2
: > "$OUT/rows.tsv"
: > "$OUT/memory.tsv"
: > "$OUT/startup.tsv"
: > "$OUT/checks.txt"

calibrate start

# 1. Start-up and idle memory: fresh (absent) databases, then each loaded one. Every server but
#    the fresh ones stays up (idle) for the throughput runs.
for ((i = 1; i <= STARTS; i++)); do
  mkdir -p "$TMP/fresh-$i"
  start_obauth fresh "$TMP/fresh-$i" 1 "$SERVER_CPU"
  sleep "$SETTLE"
  memory fresh "fresh-idle-$i"
  stop_obauth fresh
done
starts small "$SMALL_DIR" 1 "$SERVER_CPU" "$STARTS"
starts mid "$MID_DIR" 1 "$SERVER_CPU" "$STARTS"
starts big "$BIG_DIR" 1 "$SERVER_CPU" "$STARTS"
starts bigt2 "$BIGT2_DIR" 2 "$BOTH_CPUS" 1
verify small "$SMALL_CACHE"
verify mid "$MID_CACHE"
verify big "$BIG_CACHE"
verify bigt2 "$BIG_CACHE"

# 2. Throughput: each scenario on its servers back to back, the order reversed every other
#    scenario so that a drifting host favours no database.
plan=(
  "token-1client small big bigt2"
  "token-${SMALL}clients small big bigt2"
  "token-${SPREAD}clients mid big bigt2"
  "get-${SMALL}ids small big bigt2"
  "get-${SPREAD}ids mid big bigt2"
)
flip=0
for entry in "${plan[@]}"; do
  read -r sc servers <<<"$entry"
  read -r -a order <<<"$servers"
  if [ $flip -eq 1 ]; then
    for ((i = ${#order[@]} - 1; i >= 0; i--)); do run "${order[$i]}" "$sc"; done
  else
    for name in "${order[@]}"; do run "$name" "$sc"; done
  fi
  flip=$((1 - flip))
done
for name in small mid big bigt2; do
  memory "$name" "$name-after"
  stop_obauth "$name"
done

calibrate end
print_table > "$OUT/table.md"
echo "loadavg at end: $(cat /proc/loadavg)" >> "$OUT/environment.txt"
echo
echo "Results in ${OUT#"$ROOT"/} (load average at start: $LOAD_AT_SCRIPT_START)"
echo
cat "$OUT/table.md"
