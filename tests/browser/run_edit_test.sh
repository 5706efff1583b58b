#!/usr/bin/env bash
# Browser test of the report's correction panel: a small film with hard cuts is analysed, its
# report.html is edited in headless Chromium (a cut marked wrong, a cut added with the keyboard,
# a shot relabelled), the edited analysis.json and shots.csv are downloaded and fed to
# `kinoglaz rebuild`, and the change is looked for in the EDL, the OTIO, the EAF and the new
# report. Exit 77 (ctest SKIP) when a tool is missing.
#
# usage: run_edit_test.sh WORKDIR KINOGLAZ_BINARY
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$1"
kinoglaz="$2"
# shellcheck source=common.sh
source "$here/common.sh"
require_browser_and ffmpeg

rm -rf "$work"
mkdir -p "$work"
# 16 s at 25 fps: four test patterns, hard cuts at 4, 8 and 12 s.
ffmpeg -nostdin -loglevel error -filter_complex \
  "testsrc2=size=320x180:rate=25:duration=4[a];smptebars=size=320x180:rate=25:duration=4[b];
   rgbtestsrc=size=320x180:rate=25:duration=4[c];mandelbrot=size=320x180:rate=25,trim=duration=4[d];
   [a][b][c][d]concat=n=4:v=1:a=0,format=yuv420p[v]" -map "[v]" \
  -c:v libx264 -preset ultrafast -movflags +faststart "$work/film.mp4"
"$kinoglaz" analyze "$work/film.mp4" -o "$work/analysis" --no-reveal --quiet >/dev/null
exec node "$here/edit_test.mjs" "$work/analysis" "$work" "$kinoglaz" "$chromium"
