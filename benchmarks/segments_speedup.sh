#!/usr/bin/env bash
# Speed-up of `kinoglaz cuts --segments N` (or `analyze --segments N`) over one pass, and a
# check that both give the same result.
#
# Usage: [COMMAND=cuts|analyze] benchmarks/segments_speedup.sh [N] [FILE...]
#   N      segments (default 2)
#   FILE   films to time (default: a generated 3-minute 640x360 film with a cut every 4 s,
#          plus /work/shared/media/dev/dev_montage_0*.mp4 or $KINOGLAZ_MEDIA/dev/... if present)
# Environment: KINOGLAZ_BUILD_DIR (default <repo>/build), ROUNDS (default 2), THREADS
# (default: all cores; both variants get the same total), COMMAND (default cuts; analyze
# compares the whole analysis.json, written with --no-reveal).
#
# Method: each variant runs ROUNDS times, alternating, and the best wall time is kept, so that
# background load hurts both alike. Speed-up = single wall time / segmented wall time. The
# transitions (type, frames, times, confidence) of `cuts --json`, or for analyze the bytes of
# analysis.json (shots, montage, events included), must be identical; any difference is
# reported and makes the script exit 1.
#
# Expected scaling: with D frames, N segments, a warm-up of W and a look-ahead of L frames per
# join (W = max_delay + 33, L = max_delay + 8 frames, max_delay = the fade detector's
# 2 x 4 s + 2 frames: W + L = 445 frames at 25 fps, about 18 s of film), the segmented pass
# decodes D + (N - 1)(W + L) frames on N independent decoders, plus a demux-only pass per
# segment to index timestamps. With P cores and a single pass that keeps c cores busy, the
# bound is  S(N) ~ min(N, P / c) x D / (D + (N - 1)(W + L)).  The single pass is limited by its
# serial stages (the decode stage and the ordered detector stage); segments run those
# serial stages in parallel, so the gain is largest on many cores, long films and cheap
# per-frame features. On a 2-core machine where the single pass already uses both cores
# (FFmpeg frame threads + TBB), expect at most ~1.0-1.3x; films shorter than 2 x (W + L) per
# segment are decoded as fewer segments (no gain, no loss).
# `analyze` adds per-frame work on the parallel stage (camera motion by sparse flow) that
# already keeps 2 cores busy, and its segments run on past their look-ahead to the next cut
# (where the montage and event consumers restart): on 2 cores expect no gain; on many cores
# the single pass is bound by its serial stages (decode, detectors, montage collector, event
# finder), which segments multiply.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${KINOGLAZ_BUILD_DIR:-$ROOT/build}"
BIN="$BUILD_DIR/bin/kinoglaz"
ROUNDS="${ROUNDS:-2}"
THREADS="${THREADS:-$(nproc)}"
N="${1:-2}"
COMMAND="${COMMAND:-cuts}"
[[ "$COMMAND" == cuts || "$COMMAND" == analyze ]] || { echo "COMMAND must be cuts or analyze" >&2; exit 1; }
shift || true
[[ -x "$BIN" ]] || { echo "segments_speedup.sh: build kinoglaz first ($BIN)" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

FILES=("$@")
if ((${#FILES[@]} == 0)); then
    # A generated film: 45 shots of 4 s, a moving test pattern alternating with its mirrored
    # negative (cheap to generate; every shot moves).
    ffmpeg -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=640x360:rate=25:duration=180" \
        -filter_complex "[0]split[a][b];[b]hflip,negate[c];[a][c]overlay=enable='gte(mod(t\,8)\,4)'[v]" \
        -map "[v]" -c:v libx264 -preset veryfast -pix_fmt yuv420p "$TMP/generated.mp4"
    FILES+=("$TMP/generated.mp4")
    MEDIA="${KINOGLAZ_MEDIA:-$ROOT/../shared/media}"
    [[ -d "$MEDIA/dev" ]] || MEDIA=/work/shared/media
    for f in "$MEDIA"/dev/dev_montage_0*.mp4; do [[ -r "$f" ]] && FILES+=("$f"); done
fi

best() { sort -n | head -1; }
# run SEGMENTS OUTPUT FILE: one timed run; the result (cuts JSON or analysis.json) in OUTPUT.
run() {
    if [[ "$COMMAND" == cuts ]]; then
        /usr/bin/time -f %e -o "$TMP/t" "$BIN" cuts "$3" --json --quiet --threads "$THREADS" \
            --segments "$1" >"$2"
    else
        rm -rf "$TMP/out"
        /usr/bin/time -f %e -o "$TMP/t" "$BIN" analyze "$3" -o "$TMP/out" --no-reveal --quiet \
            --threads "$THREADS" --segments "$1" >/dev/null
        cp "$TMP/out/analysis.json" "$2"
    fi
}
status=0
printf "%-24s %8s %9s %9s %8s %s\n" file frames single_s seg${N}_s speedup same
for f in "${FILES[@]}"; do
    : >"$TMP/single.t"
    : >"$TMP/seg.t"
    for ((r = 0; r < ROUNDS; r++)); do
        run 1 "$TMP/single.json" "$f"
        cat "$TMP/t" >>"$TMP/single.t"
        run "$N" "$TMP/seg.json" "$f"
        cat "$TMP/t" >>"$TMP/seg.t"
    done
    s1=$(best <"$TMP/single.t")
    s2=$(best <"$TMP/seg.t")
    same=$(python3 -c "
import json,sys
a=json.load(open('$TMP/single.json')); b=json.load(open('$TMP/seg.json'))
if '$COMMAND' == 'cuts':
    ok=a['transitions']==b['transitions'] and a['source']['frame_count']==b['source']['frame_count']
else:
    ok=open('$TMP/single.json','rb').read()==open('$TMP/seg.json','rb').read()
print('yes' if ok else 'NO'); print(a['source']['frame_count'], file=sys.stderr)" 2>"$TMP/frames")
    [[ "$same" == yes ]] || status=1
    printf "%-24s %8s %9s %9s %7.2fx %s\n" "$(basename "$f")" "$(cat "$TMP/frames")" "$s1" "$s2" \
        "$(python3 -c "print($s1/$s2)")" "$same"
done
exit $status
