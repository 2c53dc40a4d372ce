#!/usr/bin/env bash
# The whole test suite: installs the Debian packages if missing, builds, runs every test
# (doctest unit tests and pytest end-to-end tests) through ctest. Then a second build with
# AddressSanitizer + UBSan (build-asan) runs the unit tests and the end-to-end tests that move
# pixels through every buffer (VIDPIPE_SANITIZE_E2E in tests/CMakeLists.txt); any sanitizer
# report fails. That build keeps assertions (no NDEBUG), so library checks such as
# nlohmann::json's operator[] on a const object with a missing key abort too.
# VIDPIPE_SANITIZE=0 skips that stage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
(cd build && ctest --output-on-failure -j"${VIDPIPE_TEST_JOBS:-2}" --timeout 900)
if [ "${VIDPIPE_SANITIZE:-1}" != 0 ]; then
  # No Python package there: an instrumented module needs the ASan runtime loaded before the
  # interpreter starts (the Release stage tests the package).
  source scripts/compiler-cache.sh
  cmake -S . -B build-asan -G Ninja "${VIDPIPE_LAUNCHER_ARGS[@]}" -DVIDPIPE_SANITIZE=ON -DVIDPIPE_BENCH=OFF -DVIDPIPE_PYTHON_PACKAGE=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-Og -g1" >/dev/null
  cmake --build build-asan -j"${VIDPIPE_JOBS:-2}"
  (cd build-asan && ctest --output-on-failure -j"${VIDPIPE_TEST_JOBS:-2}" --timeout 900)
fi
