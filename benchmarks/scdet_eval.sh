#!/usr/bin/env bash
# Scores FFmpeg's scdet scene-change filter and kinoglaz side by side on the same files
# with `kinoglaz eval` (same matching rules, same truth).
#   benchmarks/scdet_eval.sh [THRESHOLD]       (scdet's default threshold is 10)
# Uses $KINOGLAZ_MEDIA (default ../shared/media) dev montages and the clips that have truth.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
media=${KINOGLAZ_MEDIA:-$root/../shared/media}
bin=$root/build/bin/kinoglaz
threshold=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

files=()
for t in "$media"/dev/dev_montage_*.truth.json "$media"/clips/*.truth.json; do
    [ -f "$t" ] && files+=("${t%.truth.json}")
done
[ ${#files[@]} -gt 0 ] || { echo "no truth files under $media" >&2; exit 1; }

scd_args=() kg_args=()
for base in "${files[@]}"; do
    name=$(basename "$base")
    # scdet marks a frame as a scene change; its frame number is the first frame of the new
    # shot, which is the contract's cut convention.
    ffmpeg -hide_banner -nostdin -i "$base.mp4" -vf "scdet=threshold=$threshold,metadata=mode=print:key=lavfi.scd.time:file=-" \
        -f null - 2>/dev/null |
        python3 -c '
import json, re, sys
cuts = []
for line in sys.stdin:
    m = re.match(r"frame:(\d+)\s+pts:\S+\s+pts_time:(\S+)", line)
    if m:
        f, t = int(m.group(1)), float(m.group(2))
        cuts.append({"type": "cut", "start_frame": f, "end_frame": f, "start_time": t, "end_time": t, "confidence": 1})
json.dump({"schema": "kinoglaz.analysis/1", "source": {}, "transitions": cuts}, sys.stdout)
' >"$work/$name.scdet.json"
    "$bin" cuts "$base.mp4" --json --quiet >"$work/$name.kinoglaz.json"
    scd_args+=(--truth "$base.truth.json" --pred "$work/$name.scdet.json")
    kg_args+=(--truth "$base.truth.json" --pred "$work/$name.kinoglaz.json")
done

echo "== FFmpeg scdet (threshold $threshold)"
"$bin" eval "${scd_args[@]}" --quiet | sed -n '/micro-average/,$p' | grep -v '^{'
echo "== kinoglaz cuts"
"$bin" eval "${kg_args[@]}" --quiet | sed -n '/micro-average/,$p' | grep -v '^{'
