#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite: installs the packages,
# builds, and runs every test (unit and end-to-end) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cd build
ctest --output-on-failure --timeout 300 -j 2
