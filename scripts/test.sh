#!/usr/bin/env bash
# The whole test suite: installs the Debian packages if missing, builds, runs every test
# (doctest unit tests and pytest end-to-end tests) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure -j"${VIDPIPE_TEST_JOBS:-2}" --timeout 900
