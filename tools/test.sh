#!/usr/bin/env bash
# Installs missing packages, builds, and runs the whole test suite with ctest.
#
# Usage: tools/test.sh [extra ctest arguments, e.g. -L media or -R Decoder]
# Environment: as tools/bootstrap.sh (KINOGLAZ_BUILD_DIR ...), plus
#   KINOGLAZ_TEST_JOBS  parallel test processes (default 2)
#   KINOGLAZ_MEDIA      test footage folder (default <repo>/../shared/media; tests skip if absent)
# Exits non-zero when the build or any test fails; prints a one-line summary last.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${KINOGLAZ_BUILD_DIR:-$ROOT/build}"

if ! "$ROOT/tools/bootstrap.sh"; then
    echo "test.sh: FAIL — package installation or build failed (see above)" >&2
    exit 1
fi

log_file="$BUILD_DIR/ctest-last.log"
start=$(date +%s)
status=0
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "${KINOGLAZ_TEST_JOBS:-2}" "$@" \
    2>&1 | tee "$log_file" || status=$?
# pipefail gives ctest's status; the log check also fails a run in which no test ran.
if ((status == 0)) && ! grep -q '100% tests passed' "$log_file"; then
    status=1
fi
elapsed=$(($(date +%s) - start))
summary="$(grep -E 'tests passed|tests failed' "$log_file" | tail -n 1 || true)"
skipped="$(grep -c '\*\*\*Skipped' "$log_file" || true)"
if ((status == 0)); then
    echo "test.sh: PASS — ${summary:-no tests found} (${skipped} skipped) in ${elapsed}s; log: $log_file"
else
    echo "test.sh: FAIL — ${summary:-ctest did not run} in ${elapsed}s; log: $log_file" >&2
    exit 1
fi
