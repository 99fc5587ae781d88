#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on 127.0.0.1 only, with fsync off (test data).
#
#   scripts/pg-test-cluster.sh start STATE_DIR   # STATE_DIR/url: postgresql://obauth@127.0.0.1:PORT
#   scripts/pg-test-cluster.sh stop STATE_DIR    # stops it and removes its files
#   scripts/pg-test-cluster.sh halt STATE_DIR    # stops the server, keeping its data and port
#   scripts/pg-test-cluster.sh resume STATE_DIR  # starts a halted server again
#
# The cluster lives in a new directory under /tmp; STATE_DIR only records where. PostgreSQL
# refuses to run as root, so as root the server runs as the user `nobody`. ctest runs `start` and
# `stop` as the fixtures of every test that needs PostgreSQL (tests/CMakeLists.txt).
set -euo pipefail

usage() { echo "usage: $0 start|stop|halt|resume STATE_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
state=$2

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "$0: PostgreSQL server binaries not found (scripts/setup.sh installs them)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

stop() {
  [ -f "$state/datadir" ] || return 0
  local data
  data=$(cat "$state/datadir")
  if [ -f "$data/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$data/data" -m immediate -w stop >/dev/null || true
  fi
  rm -rf "$data" "$state"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

run_server() {  # run_server DATA PORT: starts the server, waiting until it accepts connections
  as_owner "$bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $2 -k $1 -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=300" start > /dev/null
}

halt() {
  as_owner "$bin/pg_ctl" -D "$(cat "$state/datadir")/data" -m fast -w stop > /dev/null
}

resume() {
  run_server "$(cat "$state/datadir")" "$(cat "$state/port")"
}

start() {
  stop
  mkdir -p "$state"
  local data port attempt
  data=$(mktemp -d /tmp/obauth-pg.XXXXXX)
  echo "$data" > "$state/datadir"
  chmod 755 "$data"
  [ "$(id -u)" -ne 0 ] || chown nobody "$data"
  as_owner "$bin/initdb" -D "$data/data" -U obauth -A trust -E UTF8 --locale=C --no-sync \
    > "$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    port_free "$port" || continue
    if run_server "$data" "$port"; then
      echo "$port" > "$state/port"
      echo "postgresql://obauth@127.0.0.1:$port" > "$state/url"
      echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($data)"
      return 0
    fi
    echo "$0: start on port $port failed (attempt $attempt):" >&2
    tail -5 "$data/server.log" >&2 || true
  done
  exit 1
}

case $cmd in
  start) start ;;
  stop) stop ;;
  halt) halt ;;
  resume) resume ;;
  *) usage ;;
esac
