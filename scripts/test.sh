#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite: installs the packages,
# builds, and runs every test (unit and end-to-end, on SQLite and on a throwaway PostgreSQL)
# with CTest. Then, in CI (CI=true) or with OBAUTH_SANITIZERS=1, the unit and SQLite end-to-end
# tests once more built with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
(cd build && ctest --output-on-failure --timeout 300 -j 2)

default_sanitize=0
[ "${CI:-}" = "true" ] && default_sanitize=1
if [ "${OBAUTH_SANITIZERS:-$default_sanitize}" = "1" ]; then
  flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOBAUTH_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
  cmake --build build-asan -j "${OBAUTH_JOBS:-2}"
  # A sanitizer report fails the test: the server aborts, or exits non-zero on a leak.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 \
    ctest --output-on-failure --timeout 600 -j 2 -E "postgres|Postgres")
fi
