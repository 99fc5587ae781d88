#!/usr/bin/env bash
# Configures and builds obauth into ./build (Release with debug info, Ninja, -j2).
# Arguments name the targets to build (default: everything, tests and benchmarks included);
# scripts/serve.sh builds only the server binary: `scripts/build.sh obauth`.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for target in "$@"; do targets+=(--target "$target"); done
cmake --build build -j "${OBAUTH_JOBS:-2}" "${targets[@]}"
