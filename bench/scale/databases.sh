# bench/scale/databases.sh: sourced by bench/scale.sh and bench/lists.sh. Needs ROOT, BENCH,
# BIN (obauth), BUILD_DIR (holding load_recipients), CACHE, SPREAD (credentials sampled) and a
# log function.
#
# prepare_db N: prints the cache folder of a database with one partner and N loaded recipients
# (obauth.db, obauth.db.key, partner.json, ids.txt, credentials.tsv, load.txt), loading it first
# when absent. The key covers everything that decides what the loader writes.
prepare_db() {
  local n=$1 key dir tmp sample partner
  key=$(cat "$BENCH/scale/load_recipients.cpp" "$ROOT/src/store/sqlite/migrations.hpp" \
    "$ROOT/src/store/sqlite/queries.hpp" "$ROOT/src/crypto/client_secret.cpp" \
    "$ROOT/src/crypto/hash.cpp" | sha256sum | cut -c1-12)
  dir=$CACHE/n$n-$key
  if [ -f "$dir/complete" ]; then
    log "database with $n recipients: cached in $dir ($(tail -1 "$dir/load.txt"))"
    echo "$dir"
    return 0
  fi
  mkdir -p "$CACHE"
  rm -rf "$CACHE/n$n-"* "$CACHE/.n$n."*  # older versions of the same size
  tmp=$(mktemp -d "$CACHE/.n$n.XXXXXX")
  sample=$SPREAD
  [ "$n" -lt "$sample" ] && sample=$n
  "$BIN" partner create --create --db "$tmp/obauth.db" --name "Bench Partner" > "$tmp/partner.json"
  partner=$(jq -r .client_id "$tmp/partner.json")
  log "loading $n recipients of $partner into $tmp (bench/scale/load_recipients)"
  /usr/bin/time -f 'load_recipients: %e s wall, %U s user, %S s system, max RSS %M kB' \
    "$BUILD_DIR/load_recipients" --db "$tmp/obauth.db" --partner "$partner" --count "$n" \
    --ids-out "$tmp/ids.txt" --credentials-out "$tmp/credentials.tsv" --sample "$sample" \
    > "$tmp/load.txt" 2>&1 || { cat "$tmp/load.txt" >&2; return 1; }
  # The summary line last, for the cached message above.
  { grep -v '^loaded ' "$tmp/load.txt"; grep '^loaded ' "$tmp/load.txt"; } > "$tmp/load.sorted"
  mv "$tmp/load.sorted" "$tmp/load.txt"
  tail -1 "$tmp/load.txt" >&2
  mv "$tmp" "$dir"
  sed -i "s#$tmp#$dir#g" "$dir/load.txt"
  touch "$dir/complete"
  echo "$dir"
}
