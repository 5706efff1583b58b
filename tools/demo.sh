#!/usr/bin/env bash
# Installs missing packages, builds, generates the embedded sample film (if missing) and
# analyses it. Prints where the results and the report are.
#
# Usage: tools/demo.sh [INPUT]   (default INPUT: out/sample/sample.mp4, generated)
# Environment: as tools/bootstrap.sh (KINOGLAZ_BUILD_DIR ...).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${KINOGLAZ_BUILD_DIR:-$ROOT/build}"

"$ROOT/tools/bootstrap.sh"

if (($# >= 1)); then
    input="$1"
    out_dir="$ROOT/out/$(basename "${input%.*}")/analysis"
else
    input="$ROOT/out/sample/sample.mp4"
    out_dir="$ROOT/out/sample/analysis"
    if [[ ! -s "$input" || ! -s "$input.truth.json" ]]; then
        echo "demo.sh: generating the embedded sample film $input" >&2
        "$ROOT/tools/make_sample.sh" "$input"
    fi
fi

"$BUILD_DIR/bin/kinoglaz" analyze "$input" -o "$out_dir"

echo
echo "demo.sh: analysed $input"
echo "  results:  $out_dir/analysis.json (plus shots.csv, cuts.edl, timeline.otio, ...)"
if [[ -f "$out_dir/report.html" ]]; then
    echo "  report:   $out_dir/report.html"
fi
if [[ -f "$input.truth.json" ]]; then
    echo "  truth:    $input.truth.json"
    echo "  compare:  $BUILD_DIR/bin/kinoglaz eval --truth $input.truth.json --pred $out_dir/analysis.json"
fi
