#!/usr/bin/env bash
# Installs every Debian 12 package obauth needs to build, run and test. Idempotent: prints
# nothing and installs nothing when all packages are present. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libpq-dev libcli11-dev libspdlog-dev libfmt-dev
  libctemplate-dev # the customer's pages: templates with automatic HTML escaping
  libhpdf-dev poppler-utils # the sandbox's statements as PDF; pdftotext checks them in tests
  postgresql-15 # the server the tests start on 127.0.0.1 (scripts/pg-test-cluster.sh)
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format curl jq sqlite3 openssl # openssl: certificates for the CLI's https tests
  clang libclang-rt-14-dev # the sanitizer builds and the libFuzzer drivers (scripts/test.sh)
  nginx-light # the proxy in front of two instances in tests/e2e/behind_nginx_test.cpp
  python3-authlib python3-requests # a real OAuth client in tests/clients/
  chromium chromium-driver python3-selenium # the consent pages in a real browser (tests/browser/)
)
# Node and npm for tests/contract (Prism) and tests/clients (openid-client, jose), whose packages
# `npm ci` installs in the test run (tests/npm_ci.sh). Debian's only when no npm is on PATH: a
# Node from elsewhere (e.g. nodesource's nodejs, which bundles npm) conflicts with Debian's npm.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
