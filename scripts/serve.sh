#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running server: installs the packages,
# builds, and starts obauth on its embedded SQLite default (./data/obauth.db, 127.0.0.1:8080).
# Extra arguments go to `obauth serve`, e.g. scripts/serve.sh --listen 0.0.0.0:8080
# On the default database it first loads the sample Data Providers catalogue
# (examples/providers.json: three fictional institutions and the sandbox bank; an idempotent
# upsert), creating the database on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh obauth  # the server binary only; scripts/test.sh builds the rest
case " $* " in
  *" --db "* | *" --db="*) ;;
  *) build/obauth providers import --create --db ./data/obauth.db examples/providers.json >&2 ;;
esac
exec build/obauth serve "$@"
