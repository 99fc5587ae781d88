#!/usr/bin/env bash
# bench/lists.sh: the figures of issue 17 (lists that scale) in one run, on databases of one
# partner with $SIZES recipients (loaded once by bench/scale/load_recipients, cached like
# bench/scale.sh does).
#
# For each size, one `obauth serve` on its defaults, pinned to CPU $SERVER_CPU (so "one core"),
# with every client on CPU $CLIENT_CPU:
#
#   memory      VmRSS idle ($SETTLE s after start), sampled every 10 ms while $CONCURRENT
#               clients each GET the whole unpaged /api/v1/recipients at once (peak growth over
#               idle), and $SETTLE s after they finish; meanwhile one client asks for a token
#               (client_secret_basic) in a loop: how many it got, all 200, and their latency
#   throughput  the whole unpaged list alone, warm, $RUNS times: bytes / curl's time_total, MB/s
#               (10^6), the median run
#   pages       $PAGES pages of 100 starting at random places of the list (cursors made from
#               random rows of the database: created_at.rowid.0, base64url, as the server makes
#               them), on one keep-alive connection: p50 / p90 / p99 of curl's time_total
#
# Checks first that the whole list is exactly $n items and equals the pages of 1000 chained by
# their Link headers (with jq), so the figures are of a correct answer. Raw numbers and table.md
# go to bench/results/<UTC timestamp>-lists/. About 6 minutes with the default sizes once the
# databases are cached (loading 1,000,000 takes about a minute the first time).
#
# Environment (defaults in brackets):
#   SIZES ["200000 1000000"]  CONCURRENT [8]  PAGES [400]  SETTLE [2]  RUNS [5]
#   SERVER_CPU [0]  CLIENT_CPU [1]  CACHE [/tmp/obauth-scale-cache]  OUT [bench/results/...]
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$BENCH/results/$STAMP-lists}
SIZES=${SIZES:-200000 1000000}
CONCURRENT=${CONCURRENT:-8}
PAGES=${PAGES:-400}
SETTLE=${SETTLE:-2}
RUNS=${RUNS:-5}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
CACHE=${CACHE:-/tmp/obauth-scale-cache}
SPREAD=1000
BUILD_DIR=$ROOT/build-scale
BIN=$BUILD_DIR/obauth
mkdir -p "$OUT"
log() { echo "[lists $(date -u +%H:%M:%S)] $*" >&2; }

TMP=$(mktemp -d /tmp/obauth-lists.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in curl jq sqlite3 taskset; do
  command -v "$tool" >/dev/null || { echo "bench/lists.sh needs $tool" >&2; exit 1; }
done

log "building obauth and load_recipients into $BUILD_DIR"
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DOBAUTH_BUILD_BENCH=ON -DOBAUTH_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "${OBAUTH_JOBS:-2}" --target obauth load_recipients >&2
# shellcheck source=bench/scale/databases.sh
. "$BENCH/scale/databases.sh"

on_client() { taskset -c "$CLIENT_CPU" "$@"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
percentile() {  # percentile P < numbers (one per line)
  sort -g | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR - 1) * p / 100 + 0.5) + 1; print v[i] }'
}

{
  echo "# Lists at scale ($STAMP)"
  echo
  echo "obauth $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), server on its defaults pinned to CPU $SERVER_CPU, clients on CPU $CLIENT_CPU; $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)."
  echo
  echo "| recipients | whole list | idle RSS | peak RSS growth, $CONCURRENT concurrent whole lists | RSS after | tokens during the burst (max latency) | whole list alone (median of $RUNS) | page of 100, p50 / p90 / p99 |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$OUT/table.md"

for n in $SIZES; do
  cache=$(prepare_db "$n")
  dir=$TMP/n$n
  mkdir -p "$dir"
  cp "$cache/obauth.db" "$cache/obauth.db.key" "$dir/"
  fifo=$dir/stdout.fifo
  mkfifo "$fifo"
  taskset -c "$SERVER_CPU" "$BIN" serve --listen 127.0.0.1:0 --db "$dir/obauth.db" \
    > "$fifo" 2> "$dir/stderr" &
  pid=$!
  PIDS+=("$pid")
  exec {fd}< "$fifo"
  IFS= read -r -t 60 line <&"$fd" || { tail -5 "$dir/stderr" >&2; exit 1; }
  url=${line#listening on }
  log "n=$n: obauth pid $pid at $url"
  partner=$(jq -r .client_id "$cache/partner.json")
  psecret=$(jq -r .client_secret "$cache/partner.json")
  token=$(curl -sf -u "$partner:$psecret" -d grant_type=client_credentials -d scope=client:admin \
    "$url/api/v1/token" | jq -r .access_token)
  auth="Authorization: Bearer $token"
  IFS=$'\t' read -r rid rsecret < <(head -1 "$cache/credentials.tsv")

  # Correctness first: the whole list is n items, the same as the chained pages of 1000.
  on_client curl -sf -H "$auth" "$url/api/v1/recipients" | jq -r '.[].client_id' > "$dir/whole.txt"
  : > "$dir/paged.txt"
  next="/api/v1/recipients?limit=1000"
  while [ -n "$next" ]; do
    on_client curl -sf -D "$dir/headers" -H "$auth" "$url$next" | jq -r '.[].client_id' >> "$dir/paged.txt"
    next=$(sed -n 's/^[Ll]ink: <\([^>]*\)>; rel="next".*/\1/p' "$dir/headers" | tr -d '\r')
  done
  [ "$(wc -l < "$dir/whole.txt")" -eq "$n" ] || { log "whole list: $(wc -l < "$dir/whole.txt") items, expected $n"; exit 1; }
  cmp -s "$dir/whole.txt" "$dir/paged.txt" || { log "whole list differs from the chained pages"; exit 1; }
  log "n=$n: whole list = chained pages = $n items"

  # Memory: idle, peak during CONCURRENT whole lists (with tokens asked meanwhile), after.
  sleep "$SETTLE"
  idle=$(rss_kb "$pid")
  ( while :; do rss_kb "$pid"; sleep 0.01; done ) > "$dir/rss.txt" &
  sampler=$!
  ( while :; do
      on_client curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -u "$rid:$rsecret" \
        -d grant_type=client_credentials -d scope=ACCOUNT_BASIC "$url/api/v1/token"
    done ) > "$dir/tokens.txt" &
  asker=$!
  lists=()
  for ((i = 0; i < CONCURRENT; i++)); do
    on_client curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' \
      -H "$auth" "$url/api/v1/recipients" > "$dir/list-$i.txt" &
    lists+=("$!")
  done
  wait "${lists[@]}"
  kill "$asker" "$sampler"
  wait "$asker" "$sampler" 2>/dev/null || true
  cat "$dir"/list-*.txt > "$OUT/n$n-burst-lists.txt"
  cp "$dir/tokens.txt" "$OUT/n$n-burst-tokens.txt"
  cp "$dir/rss.txt" "$OUT/n$n-burst-rss-kb.txt"
  awk '$1 != 200 { bad = 1 } END { exit bad }' "$OUT/n$n-burst-lists.txt" || { log "a list failed"; exit 1; }
  peak=$(sort -n "$dir/rss.txt" | tail -1)
  sleep "$SETTLE"
  after=$(rss_kb "$pid")
  tokens=$(wc -l < "$dir/tokens.txt")
  tokens_ok=$(awk '$1 == 200' "$dir/tokens.txt" | wc -l)
  token_max=$(awk '{ print $2 * 1000 }' "$dir/tokens.txt" | sort -g | tail -1)
  burst_s=$(awk '{ if ($3 > m) m = $3 } END { print m }' "$OUT/n$n-burst-lists.txt")
  log "n=$n: idle ${idle} kB, peak ${peak} kB, after ${after} kB; $tokens_ok/$tokens tokens (max ${token_max} ms) during ${burst_s} s"

  # Throughput of one whole list, warm: $RUNS runs one after the other, the median.
  for ((i = 0; i < RUNS; i++)); do
    on_client curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' -H "$auth" "$url/api/v1/recipients"
  done > "$OUT/n$n-whole-list.txt"
  awk '$1 != 200 { bad = 1 } END { exit bad }' "$OUT/n$n-whole-list.txt" || { log "whole list failed"; exit 1; }
  read -r code bytes secs < <(sort -k3 -g "$OUT/n$n-whole-list.txt" | sed -n "$(((RUNS + 1) / 2))p")
  mbs=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f", b / s / 1e6 }')
  log "n=$n: whole list $bytes bytes, median of $RUNS runs $secs s: $mbs MB/s ($(awk -v b="$bytes" '{ printf "%.0f ", b / $3 / 1e6 }' "$OUT/n$n-whole-list.txt")MB/s)"

  # Pages of 100 from random places, on one connection.
  sqlite3 "$dir/obauth.db" "SELECT created_at || '.' || rowid || '.0' FROM clients WHERE partner_id = '$partner' AND retired_at IS NULL ORDER BY random() LIMIT $PAGES" |
    while read -r position; do
      printf 'url = "%s/api/v1/recipients?limit=100&after=%s"\n' "$url" "$(printf %s "$position" | base64 -w0 | tr '+/' '-_' | tr -d '=')"
      echo 'output = "/dev/null"'
    done > "$dir/pages.curl"
  on_client curl -s -K "$dir/pages.curl" -H "$auth" -w '%{http_code} %{size_download} %{time_total}\n' > "$OUT/n$n-pages.txt"
  awk '$1 != 200 { bad = 1 } END { exit bad }' "$OUT/n$n-pages.txt" || { log "a page failed"; exit 1; }
  awk '{ print $3 * 1000 }' "$OUT/n$n-pages.txt" > "$dir/pages-ms.txt"
  p50=$(percentile 50 < "$dir/pages-ms.txt")
  p90=$(percentile 90 < "$dir/pages-ms.txt")
  p99=$(percentile 99 < "$dir/pages-ms.txt")
  log "n=$n: pages of 100: p50 $p50 ms, p90 $p90 ms, p99 $p99 ms"

  awk -v n="$n" -v bytes="$bytes" -v idle="$idle" -v peak="$peak" -v after="$after" \
    -v c="$CONCURRENT" -v t="$tokens" -v ok="$tokens_ok" -v tmax="$token_max" -v burst="$burst_s" \
    -v secs="$secs" -v mbs="$mbs" -v p50="$p50" -v p90="$p90" -v p99="$p99" 'BEGIN {
      printf "| %d | %.1f MB | %.1f MiB | %.1f MiB (peak %.1f MiB; %d lists in %.1f s) | %.1f MiB | %d of %d answered 200 (%.1f ms) | %.2f s, %d MB/s | %.2f / %.2f / %.2f ms |\n",
        n, bytes / 1e6, idle / 1024, (peak - idle) / 1024, peak / 1024, c, burst, after / 1024,
        ok, t, tmax, secs, mbs, p50, p90, p99 }' >> "$OUT/table.md"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  exec {fd}<&-
done
log "results in $OUT"
cat "$OUT/table.md"
