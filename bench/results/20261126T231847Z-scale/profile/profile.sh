#!/bin/bash
# By-hand profile behind bench/RESULTS.md's Scale section (run after bench/scale.sh, machine
# quiet). Needs perf, gdb, wrk, jq. Usage: profile.sh BUILD_DIR DB10K_DIR DB1M_DIR OUT_DIR
# Each DB dir holds a copy of a bench/scale.sh cached database (obauth.db, obauth.db.key,
# partner.json, credentials.tsv).
set -uo pipefail
B=$1; D10K=$2; D1M=$3; OUT=$4
L=$(cd "$(dirname "$0")/../../../lua" && pwd)/bench.lua  # bench/lua/bench.lua of this tree
start() {  # start DIR THREADS CPUS
  taskset -c "$3" "$B/obauth" serve --listen 127.0.0.1:0 --db "$1/obauth.db" --threads "$2" \
    --token-ttl 3600 > "$1/out.txt" 2> /dev/null &
  SP=$!
  for i in $(seq 50); do URL=$(sed -n 's/^listening on //p' "$1/out.txt"); [ -n "$URL" ] && break; sleep 0.1; done
  TOK=$(curl -s -u "$(jq -r .client_id "$1/partner.json"):$(jq -r .client_secret "$1/partner.json")" \
    -d grant_type=client_credentials -d scope=client:admin "$URL/api/v1/token" | jq -r .access_token)
  cut -f1 "$1/credentials.tsv" > "$1/ids10k.txt"; head -1000 "$1/ids10k.txt" > "$1/ids1k.txt"
  IFS=$'\t' read -r ID SEC < <(head -1 "$1/credentials.tsv")
}
stop() { kill "$SP"; wait "$SP" 2>/dev/null; }
# load NAME SCENARIO WRK_CPUS WRK_THREADS CONNS SECONDS [perf-args...]: wrk run with perf around it
load() {
  local name=$1 sc=$2 wc=$3 wt=$4 cc=$5 secs=$6 dir=$7; shift 7
  local env=() url=$URL
  case $sc in
    token1) env=(MODE=token AUTH=basic SCOPE=ACCOUNT_BASIC CLIENT_ID=$ID CLIENT_SECRET=$SEC); url=$URL/api/v1/token ;;
    token10k) env=(MODE=token AUTH=basic SCOPE=ACCOUNT_BASIC CREDS_FILE=$dir/credentials.tsv); url=$URL/api/v1/token ;;
    get1k) env=(MODE=get BEARER=$TOK IDS_FILE=$dir/ids1k.txt) ;;
    get10k) env=(MODE=get BEARER=$TOK IDS_FILE=$dir/ids10k.txt) ;;
  esac
  env "${env[@]}" taskset -c "$wc" wrk -t"$wt" -c"$cc" -d5s -s "$L" "$url" > /dev/null
  "$@" -p "$SP" -- sleep "$secs" > /dev/null 2>&1 &
  local pp=$!
  env "${env[@]}" taskset -c "$wc" wrk -t"$wt" -c"$cc" -d"${secs}s" -s "$L" "$url" | grep RESULT > "$OUT/$name.wrk.txt"
  wait $pp
  echo "$name: $(cut -d' ' -f2-3 "$OUT/$name.wrk.txt")"
}
EV='syscalls:sys_enter_pread64,syscalls:sys_enter_pwrite64,syscalls:sys_enter_fdatasync,syscalls:sys_enter_futex,context-switches,cpu-migrations'
# 1. System calls per request on a cache-missing spread: 10,000 ids/clients at 10k vs 1M rows.
for d in "10k:$D10K" "1M:$D1M"; do
  for sc in get10k token10k; do
    start "${d#*:}" 1 0
    load "stat-$sc-${d%%:*}" "$sc" 1 1 32 8 "${d#*:}" perf stat -e "$EV" -o "$OUT/stat-$sc-${d%%:*}.txt"
    stop
  done
done
# 2. Where a 1M token-10k run spends the server's CPU, by library and by thread.
start "$D1M" 1 0
load "perf-token10k-1M" token10k 1 1 32 8 "$D1M" perf record -F 1999 -g -o "$OUT/perf-token10k-1M.data"
# 3. SQLite's own heap after the spread runs (gdb calls sqlite3_memory_used in the live server).
load "after-token10k-get10k-1M" get10k 1 1 32 5 "$D1M" true
{ grep -E 'VmRSS|RssAnon|RssFile' /proc/$SP/status
  gdb -p "$SP" -batch -ex 'print (long long)sqlite3_memory_used()' -ex 'print (long long)sqlite3_memory_highwater(0)' 2>/dev/null | grep '^\$'
} > "$OUT/memory-sqlite-1M.txt"
stop
# 4. --threads 1 (CPU 0, wrk on CPU 1) vs --threads 2 (CPUs 0,1 shared with wrk -t2 -c64).
for sc in token1 get1k; do
  start "$D1M" 1 0
  load "stat-$sc-t1" "$sc" 1 1 32 8 "$D1M" perf stat -e "$EV" -o "$OUT/stat-$sc-t1.txt"
  stop
  start "$D1M" 2 0,1
  load "stat-$sc-t2" "$sc" 0,1 2 64 8 "$D1M" perf stat -e "$EV" -o "$OUT/stat-$sc-t2.txt"
  stop
done
