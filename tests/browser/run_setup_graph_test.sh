#!/usr/bin/env bash
# Browser test of the report's set-up graph and scene bands on a 40-shot film (the synthetic
# analysis of five scenes and twelve set-ups, with a short film made by ffmpeg for the player),
# opened in headless Chromium 1400 px wide. Saves WORKDIR/setup-graph.png. Exit 77 (ctest SKIP)
# when a tool is missing.
#
# usage: run_setup_graph_test.sh MAKE_REPORT_BINARY WORKDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
make_report="$1"
work="$2"
# shellcheck source=common.sh
source "$here/common.sh"
require_browser_and ffmpeg dot

rm -rf "$work"
mkdir -p "$work"
# The synthetic film lasts 103.04 s; a small picture keeps the encode to a second or two.
ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc2=size=160x90:rate=25:duration=103.04" \
  -c:v libx264 -pix_fmt yuv420p -preset ultrafast -movflags +faststart "$work/film.mp4"
"$make_report" --scenes "$work/out" "$work/film.mp4" >/dev/null
exec node "$here/setup_graph_test.mjs" "$work/out/report.html" "$work/setup-graph.png" "$chromium"
