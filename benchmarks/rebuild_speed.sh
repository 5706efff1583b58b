#!/usr/bin/env bash
# `kinoglaz rebuild` of a feature-length film's analysis against `kinoglaz analyze` of the film.
#
# Usage: benchmarks/rebuild_speed.sh [WORKDIR]
# Environment: KINOGLAZ_BUILD_DIR (default <repo>/build), KINOGLAZ_MEDIA (default
#   ../shared/media), MINUTES (length of the long film, default 120), ANALYZE_MINUTES (the
#   stretch analyze is timed on, default 10; set it to MINUTES for a full measurement), EVERY
#   (one cut removed and one added every EVERY shots, default 20).
#
# Method: dev/dev_montage_01.mp4 (40.28 s, 640x360, 25 fps) is looped with `ffmpeg
# -stream_loop -c copy` into a MINUTES-long film and an ANALYZE_MINUTES-long one. The short
# film is analysed once; synth_long_analysis repeats its analysis (montage cache, transitions,
# keyframes) as the loop repeats the film and builds the long analysis folder from it, as
# analyze would. The long folder's shots.csv is then edited as a person would (every EVERY-th
# shot merged with the next, and another one split in the middle) and `rebuild` is timed on
# it, with the new keyframes decoded from the long film; and once on the unedited file.
# `analyze --no-reveal` (reveal clips cost the same whatever the length, so they are left
# out, which favours analyze) is timed on the ANALYZE_MINUTES film and scaled linearly to
# MINUTES (analyze decodes every frame: its time grows with the frame count).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${KINOGLAZ_BUILD_DIR:-$ROOT/build}"
BIN="$BUILD_DIR/bin/kinoglaz"
SYNTH="$BUILD_DIR/bin/synth_long_analysis"
MEDIA="${KINOGLAZ_MEDIA:-$ROOT/../shared/media}"
MINUTES="${MINUTES:-120}"
ANALYZE_MINUTES="${ANALYZE_MINUTES:-10}"
EVERY="${EVERY:-20}"
WORK="${1:-/tmp/kinoglaz-rebuild-bench}"
BASE="$MEDIA/dev/dev_montage_01.mp4"
[ -f "$BASE" ] || { echo "no $BASE (set KINOGLAZ_MEDIA)" >&2; exit 1; }
rm -rf "$WORK" && mkdir -p "$WORK"

loops() { python3 -c "import math; print(math.ceil($1 * 60 / 40.28))"; }
seconds() { python3 -c "import sys; print(f'{float(sys.argv[1]):.2f}')" "$1"; }
timed() {  # timed LABEL COMMAND...: wall seconds into $T
    local start end
    start=$(date +%s.%N)
    "${@:2}"
    end=$(date +%s.%N)
    T=$(python3 -c "print($end - $start)")
    echo "$1: $(seconds "$T") s" >&2
}

K=$(loops "$MINUTES")
KA=$(loops "$ANALYZE_MINUTES")
ffmpeg -nostdin -loglevel error -stream_loop $((K - 1)) -i "$BASE" -map 0:v:0 -c copy "$WORK/long.mp4"
ffmpeg -nostdin -loglevel error -stream_loop $((KA - 1)) -i "$BASE" -map 0:v:0 -c copy "$WORK/stretch.mp4"

"$BIN" analyze "$BASE" -o "$WORK/short" --no-reveal --quiet >/dev/null
"$SYNTH" "$WORK/short" "$K" "$WORK/long.mp4" "$WORK/long" >&2

# The person's corrections: every EVERY-th shot merged with the next (a cut removed) and the
# shot EVERY/2 after it split in the middle (a cut added), in shots.csv.
python3 - "$WORK/long/shots.csv" "$WORK/edited.csv" "$EVERY" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body, every = rows[0], rows[1:], int(sys.argv[3])
out, i = [], 0
while i < len(body):
    r = list(body[i])
    if i % every == 0 and i + 1 < len(body) and int(body[i + 1][1]) == int(r[2]):
        r[2] = body[i + 1][2]          # merged with the next shot: its cut removed
        out.append(r); i += 2; continue
    a, b = int(r[1]), int(r[2])
    if i % every == every // 2 and b - a >= 10:
        m = (a + b) // 2               # split in the middle: a cut added
        out.append(r[:2] + [str(m)] + r[3:]); out.append([r[0], str(m)] + r[2:])
    else:
        out.append(r)
    i += 1
csv.writer(open(sys.argv[2], "w", newline="")).writerows([head] + out)
PY

timed "rebuild (unedited shots.csv, $MINUTES min)" "$BIN" rebuild "$WORK/long" --from "$WORK/long/shots.csv" -o "$WORK/same" --quiet >/dev/null
T_SAME=$T
cmp -s "$WORK/long/analysis.json" "$WORK/same/analysis.json" && echo "unedited rebuild: analysis.json identical" >&2
timed "rebuild (edited shots.csv, $MINUTES min)" "$BIN" rebuild "$WORK/long" --from "$WORK/edited.csv" -o "$WORK/edited" >/dev/null
T_EDIT=$T
timed "analyze --no-reveal ($ANALYZE_MINUTES min)" "$BIN" analyze "$WORK/stretch.mp4" -o "$WORK/stretch-analysis" --no-reveal --quiet >/dev/null
T_AN=$T
python3 - "$T_SAME" "$T_EDIT" "$T_AN" "$MINUTES" "$ANALYZE_MINUTES" "$WORK/edited/analysis.json" <<'PY'
import json, sys
same, edit, an, m, am = (float(x) for x in sys.argv[1:6])
a = json.load(open(sys.argv[6]))
user = sum(1 for t in a["transitions"] if t.get("source") == "user")
full = an * m / am
print(f"film: {m:.0f} min, {a['source']['frame_count']} frames, {len(a['shots'])} shots; "
      f"{user} cuts added, {len(a.get('removed_transitions', []))} removed")
print(f"analyze --no-reveal: {an:.1f} s for {am:.0f} min -> {full:.0f} s for {m:.0f} min"
      + (" (measured)" if m == am else " (projected linearly)"))
print(f"rebuild, unedited: {same:.2f} s = {100 * same / full:.2f} % of analyze")
print(f"rebuild, edited:   {edit:.2f} s = {100 * edit / full:.2f} % of analyze")
PY
