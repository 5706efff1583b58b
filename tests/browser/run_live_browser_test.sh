#!/usr/bin/env bash
# Browser test of the page of `kinoglaz live`: a loopback UDP stream of baby.mp4 (ffmpeg -re,
# MPEG-TS), served by `kinoglaz live`, opened in headless Chromium (live_test.mjs). Exit 77
# (ctest SKIP) when a tool or the footage is missing.
#
# usage: run_live_browser_test.sh WORKDIR KINOGLAZ_BINARY
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$1"
kinoglaz="$2"
media="${KINOGLAZ_MEDIA:-$here/../../../shared/media}"
# shellcheck source=common.sh
source "$here/common.sh"
require_browser_and ffmpeg
[ -f "$media/clips/baby.mp4" ] || skip "test footage clips/baby.mp4 not found (set KINOGLAZ_MEDIA)"

rm -rf "$work"
mkdir -p "$work"
port=$((20000 + RANDOM % 30000))
sender=""
live=""
cleanup() {
  [ -n "$live" ] && kill -INT "$live" 2>/dev/null && wait "$live" 2>/dev/null || true
  [ -n "$sender" ] && kill "$sender" 2>/dev/null && wait "$sender" 2>/dev/null || true
}
trap cleanup EXIT
ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i "$media/clips/baby.mp4" -an \
  -vf scale=640:360 -c:v libx264 -preset ultrafast -tune zerolatency -g 15 -f mpegts \
  "udp://127.0.0.1:$port?pkt_size=1316" &
sender=$!
sleep 0.3
"$kinoglaz" live "udp://127.0.0.1:$port" --listen 127.0.0.1:0 -o "$work/out" \
  >"$work/live.out" 2>"$work/live.err" &
live=$!
url=""
for _ in $(seq 150); do
  url="$(sed -n 's/^kinoglaz live: //p' "$work/live.out")"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/live.err"; echo "FAIL kinoglaz live printed no address"; exit 1; }
KINOGLAZ_SENDER_PID="$sender" node "$here/live_test.mjs" "$url" "$work/live-screenshot.png" \
  "$chromium"
ls "$work/out"/clip-*.mp4 >/dev/null || { echo "FAIL no clip in the output folder"; exit 1; }
