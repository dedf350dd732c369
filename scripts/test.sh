#!/usr/bin/env bash
# Builds cardd and runs every test tier: unit, integration (real daemon on
# temp sockets), unit-file checks, and fuzz corpora as regression tests.
#   scripts/test.sh            dev preset (Debug, warnings are errors)
#   PRESET=asan scripts/test.sh   the same under ASan + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${PRESET:-dev}

scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
ctest --preset "$preset"
