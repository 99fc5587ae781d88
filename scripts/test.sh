#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite: installs the packages,
# builds, and runs every test (unit and end-to-end, on SQLite and on a throwaway PostgreSQL)
# with CTest. Then, in CI (CI=true) or with OBAUTH_SANITIZERS=1, the sanitizer passes (clang):
#   build-sanitizers/  AddressSanitizer + UndefinedBehaviorSanitizer: the unit tests, the real
#                      clients and the contract run, the libFuzzer drivers of tests/fuzz (their
#                      seeds and regressions, then OBAUTH_FUZZ_SECONDS of fuzzing each), and the
#                      SQLite end-to-end suite against an instrumented server;
#   build-tsan/        ThreadSanitizer: the unit tests of the concurrent libraries, and the SQLite
#                      end-to-end suite against a ThreadSanitizer build of the server.
# The end-to-end driver is the main build's in both (only the server it starts is instrumented),
# and the sanitizer builds carry line tables only (-gline-tables-only: reports keep file:line),
# which keeps the whole run well inside CI's 30 minutes.
# A sanitizer report fails its test: the process aborts, or exits non-zero at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
(cd build && ctest --output-on-failure --timeout 300 -j 2)

default_sanitize=0
[ "${CI:-}" = "true" ] && default_sanitize=1
[ "${OBAUTH_SANITIZERS:-$default_sanitize}" = "1" ] || exit 0
jobs="${OBAUTH_JOBS:-2}"

common=(-G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only
  -DOBAUTH_BUILD_BENCH=OFF -DOBAUTH_BUILD_E2E=OFF -DCMAKE_CXX_COMPILER=clang++)

asan="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-sanitizers "${common[@]}" -DOBAUTH_BUILD_FUZZERS=ON \
  -DOBAUTH_FUZZ_SECONDS="${OBAUTH_FUZZ_SECONDS:-10}" \
  -DCMAKE_CXX_FLAGS="$asan -fsanitize=fuzzer-no-link" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build build-sanitizers -j "$jobs"
(cd build-sanitizers && ASAN_OPTIONS=detect_leaks=1 \
  ctest --output-on-failure --timeout 600 -j 2 -E "postgres|Postgres")
(cd build && ASAN_OPTIONS=detect_leaks=1 OBAUTH_TEST_BINARY="$PWD/../build-sanitizers/obauth" \
  ctest --output-on-failure --timeout 600 -j 2 -R "^e2e\.[A-Z]")

tsan="-fsanitize=thread -O1 -fno-omit-frame-pointer"
cmake -S . -B build-tsan "${common[@]}" \
  -DCMAKE_CXX_FLAGS="$tsan" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build build-tsan -j "$jobs" --target obauth unit_store unit_oauth unit_app unit_http
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1 \
  ctest --output-on-failure --timeout 600 -j 2 -R "^unit\." -E "postgres|Postgres|NOT_BUILT")
(cd build && OBAUTH_TEST_BINARY="$PWD/../build-tsan/obauth" \
  ctest --output-on-failure --timeout 600 -j 2 -R "^e2e\.[A-Z]")
