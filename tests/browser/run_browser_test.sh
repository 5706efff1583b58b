#!/usr/bin/env bash
# Browser test of report.html: makes a short synthetic film with ffmpeg, writes an analysis
# folder for it, opens the report in headless Chromium and checks the contact sheet, the player
# and keyboard use. Exit 77 (ctest SKIP) when a tool is missing.
#
# usage: run_browser_test.sh MAKE_REPORT_BINARY WORKDIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
make_report="$1"
work="$2"
chromium="${KINOGLAZ_CHROMIUM:-/usr/bin/chromium}"

skip() { echo "SKIP: $*"; exit 77; }
[ -x "$chromium" ] || skip "no Chromium at $chromium (apt-get install chromium)"
command -v node >/dev/null || skip "node is not installed (apt-get install nodejs npm)"
[ -d "$here/node_modules/playwright-core" ] || skip "playwright-core missing: run 'npm ci' in $here"
command -v ffmpeg >/dev/null || skip "ffmpeg is not installed"

rm -rf "$work"
mkdir -p "$work"
# 24 s at 25 fps: the synthetic analysis's 600 frames. H.264 in MP4, as most films arrive.
ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc2=size=320x180:rate=25:duration=24" \
  -c:v libx264 -pix_fmt yuv420p -preset ultrafast -movflags +faststart "$work/film.mp4"
ffmpeg -nostdin -loglevel error -f lavfi -i "testsrc=size=160x120:rate=25:duration=2" \
  -c:v libx264 -pix_fmt yuv420p -preset ultrafast -movflags +faststart "$work/reveal.mp4"
"$make_report" "$work/out" "$work/film.mp4" "$work/reveal.mp4" >/dev/null
exec node "$here/report_test.mjs" "$work/out/report.html" "$work/report-screenshot.png" "$chromium"
