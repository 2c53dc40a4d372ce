#!/usr/bin/env bash
# Installs the Debian packages if missing, then configures and builds vidpipe in ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/compiler-cache.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${VIDPIPE_LAUNCHER_ARGS[@]}" >/dev/null
cmake --build build -j"${VIDPIPE_JOBS:-2}"
