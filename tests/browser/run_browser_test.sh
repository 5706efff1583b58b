#!/usr/bin/env bash
# Browser test of report.html, opened in headless Chromium, checking the contact sheet, the
# player and keyboard use, twice: on the demo's output (the embedded sample film made by
# tools/make_sample.sh and analysed by `kinoglaz analyze`, as tools/demo.sh does), and on a
# larger synthetic analysis of a short film made with ffmpeg. Exit 77 (ctest SKIP) when a tool
# is missing.
#
# usage: run_browser_test.sh MAKE_REPORT_BINARY WORKDIR KINOGLAZ_BINARY
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
make_report="$1"
work="$2"
kinoglaz="$3"
# shellcheck source=common.sh
source "$here/common.sh"
require_browser_and ffmpeg python3

rm -rf "$work"
mkdir -p "$work"
# The demo's output.
"$here/../../tools/make_sample.sh" "$work/sample/sample.mp4"
"$kinoglaz" analyze "$work/sample/sample.mp4" -o "$work/sample/analysis" --quiet >/dev/null
echo "== the demo's output (embedded sample)"
node "$here/report_test.mjs" "$work/sample/analysis/report.html" "$work/demo-screenshot.png" \
  "$chromium"
echo "== a synthetic analysis"
# 24 s at 25 fps: the synthetic analysis's 600 frames. H.264 in MP4, as most films arrive.
ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc2=size=320x180:rate=25:duration=24" \
  -c:v libx264 -pix_fmt yuv420p -preset ultrafast -movflags +faststart "$work/film.mp4"
ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc=size=160x120:rate=25:duration=2" \
  -c:v libx264 -pix_fmt yuv420p -preset ultrafast -movflags +faststart "$work/reveal.mp4"
"$make_report" "$work/out" "$work/film.mp4" "$work/reveal.mp4" >/dev/null
exec node "$here/report_test.mjs" "$work/out/report.html" "$work/report-screenshot.png" "$chromium"
