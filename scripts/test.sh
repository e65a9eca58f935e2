#!/bin/sh
# Builds with the given preset (default: ci) and runs every test under ctest.
# The README's test command and .ci/run both come here.
set -eu
cd "$(dirname "$0")/.."
preset="${1:-ci}"
scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"
