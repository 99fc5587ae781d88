#!/usr/bin/env bash
# Configures and builds obauth into ./build (Release with debug info, Ninja, -j2).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "${OBAUTH_JOBS:-2}"
