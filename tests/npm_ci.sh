#!/usr/bin/env bash
# Installs the Node packages of the tests (tests/package.json, pinned by the committed
# tests/package-lock.json) into tests/node_modules with `npm ci`. Run by the CTest fixture
# `node_modules`, never by the build. Skips the install when node_modules was installed from
# the same lock file by the same node, so the build/ and build-sanitizers/ runs share one.
set -euo pipefail
cd "$(dirname "$0")"
exec 9>.npm-ci.lock
flock 9
stamp=node_modules/.obauth-installed
want="node $(node --version) lock $(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "npm ci: node_modules is already installed from this lock file ($want)"
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "npm ci: installed ($want)"
