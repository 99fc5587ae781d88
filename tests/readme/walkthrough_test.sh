#!/usr/bin/env bash
# The README's walkthrough, run as a reader runs it: every ```sh block from "## Walkthrough" up to
# "## Command line", in order and in one shell, against the real binary on a fresh database in
# a scratch directory, with the server started as scripts/serve.sh starts it. Only the address
# (127.0.0.1:8080 becomes the port the server picked) is changed. Before each block the test
# clock (OBAUTH_TEST_CLOCK_FILE) moves past an admin token's lifetime, as for a reader who reads
# slowly: a block that reused an expired $TOKEN instead of fetching a fresh one gets 401s, and
# fails here.
#
# Usage: walkthrough_test.sh OBAUTH_BINARY REPOSITORY
set -euo pipefail
binary=$1
repo=$2
work=$(mktemp -d)
server=
cleanup() {
  if [[ -n $server ]]; then kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "---- the walkthrough's output:" >&2
  cat "$work/out.txt" "$work/err.txt" >&2 2>/dev/null || true
  echo "---- the server's log:" >&2
  tail -n 40 "$work/serve.log" >&2 || true
  exit 1
}

cd "$work"
mkdir build
ln -s "$binary" build/obauth
export OBAUTH_TEST_CLOCK_FILE=$work/clock
echo 0 >clock

# As scripts/serve.sh: the sample catalogue, then the server.
build/obauth providers import --create --db ./data/obauth.db "$repo/examples/providers.json" \
  >/dev/null
build/obauth serve --listen 127.0.0.1:0 --db ./data/obauth.db >serve.out 2>serve.log &
server=$!
address=
for _ in $(seq 200); do
  line=$(head -n 1 serve.out 2>/dev/null || true)
  if [[ $line == "listening on http://"* ]]; then
    address=${line#listening on http://}
    break
  fi
  sleep 0.05
done
[[ -n $address ]] || fail "the server did not start"

# The blocks, each after a clock move of 301 s (admin tokens live 300 s).
{
  echo 'offset=0'
  echo 'advance_clock() { offset=$((offset + 301)); echo "$offset" >clock.new && mv clock.new clock; }'
  awk '/^## Walkthrough/ { on = 1 } /^## Command line/ { on = 0 }
       on && /^```sh$/ { inside = 1; print "advance_clock"; next }
       on && inside && /^```$/ { inside = 0; next }
       on && inside { print }' "$repo/README.md" | sed "s/127\.0\.0\.1:8080/$address/g"
} >walkthrough.sh
blocks=$(grep -c '^advance_clock$' walkthrough.sh)
[[ $blocks -ge 5 ]] || fail "found only $blocks sh blocks in the README's walkthrough"

# -e: a command that fails stops the run. Not pipefail: a reader's shell does not have it, and
# `curl ... | head` legitimately ends curl early (SIGPIPE) once head has its lines.
exec 9>trace.txt
BASH_XTRACEFD=9 bash -eux walkthrough.sh >out.txt 2>err.txt ||
  fail "a command of the walkthrough failed: $(grep -v '^+* *advance_clock\|^++* *offset=\|^++* *echo\|^++* *mv' trace.txt | tail -n 1)"

# What a reader sees: no refused token anywhere, the old secret refused once (step 5), the new
# one working, the registration activated, the recipient deleted by the CLI.
! grep -q 'Invalid Bearer Token' out.txt err.txt || fail "a call was refused for its token"
[[ $(grep -c 'invalid_client' out.txt) -eq 1 ]] || fail "expected exactly one invalid_client (step 5)"
grep -q '"access_token"' out.txt || fail "the new secret got no token (step 5)"
grep -q '"registration_status": "ACTIVE"' out.txt || fail "no ACTIVE registration"
grep -q 'Deleted recipient' out.txt || fail "recipients delete did not say so"
grep -q '"depositAccount"' out.txt || fail "the accounts list showed no deposit account"
grep -q '"depositTransaction"' out.txt || fail "no transaction was listed"
pdftotext statement.pdf - | grep -q 'Account statement' || fail "statement.pdf is not a statement"
grep -q '"code":602' out.txt || fail "the revoked connection's data call was not refused with 602"
grep -q 'shown only once' err.txt || fail "partner create did not say its secret is shown once"
echo "README walkthrough: $blocks blocks passed against $address"
