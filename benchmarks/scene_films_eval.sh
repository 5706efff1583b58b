#!/usr/bin/env bash
# Builds the scene and montage test films of benchmarks/make_scene_film.py (other sizes, frame
# rates and aspect ratios than the dev set) and scores `kinoglaz cuts` on them with
# `kinoglaz eval`, per film and micro-averaged.
#   benchmarks/scene_films_eval.sh [WORKDIR]
# The films are kept in WORKDIR (default: a temporary folder, removed afterwards) and reused
# when present.  Uses $KINOGLAZ_MEDIA (default ../shared/media) as the footage.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export KINOGLAZ_MEDIA=${KINOGLAZ_MEDIA:-$root/../shared/media}
bin=${KINOGLAZ_BIN:-$root/build/bin/kinoglaz}
if [ $# -ge 1 ]; then
    work=$1
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

# seed  storage size  sample aspect ratio  frame rate
films=(
    "1 1280x720 1:1 25"
    "2 854x480 1:1 24000/1001"
    "3 720x576 64:45 50"
    "4 1080x1920 1:1 30000/1001"
    "5 720x576 16:15 25"
    "6 1920x800 1:1 24000/1001"
    "201 1024x436 1:1 24"
    "202 640x480 1:1 30000/1001"
    "203 1440x1080 4:3 25"
)
args=()
for f in "${films[@]}"; do
    read -r seed size sar fps <<<"$f"
    name=scene_film_$seed
    if [ ! -f "$work/$name.mp4" ] || [ ! -f "$work/$name.truth.json" ]; then
        python3 "$root/benchmarks/make_scene_film.py" --seed "$seed" --size "$size" --sar "$sar" \
            --fps "$fps" "$work/$name.mp4" >&2
    fi
    "$bin" cuts "$work/$name.mp4" --json --quiet >"$work/$name.pred.json"
    args+=(--truth "$work/$name.truth.json" --pred "$work/$name.pred.json")
done
"$bin" eval "${args[@]}"
