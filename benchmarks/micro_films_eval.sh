#!/usr/bin/env bash
# Builds the micro-motion test films of benchmarks/make_micro_film.py (gestures of 0.2-2 px
# injected into real base shots at other sizes and frame rates than the dev set, with sensor
# noise, heavy compression or a hand-held camera) and scores `kinoglaz analyze`'s events on
# them with `kinoglaz eval`: per film, micro-averaged, and recall by amplitude band.
#   benchmarks/micro_films_eval.sh [WORKDIR]
# The films are kept in WORKDIR (default: a temporary folder, removed afterwards) and reused
# when present.  Uses $KINOGLAZ_MEDIA (default ../shared/media) as the footage, and a python3
# with numpy (Debian python3-numpy).
# With MICRO_ORACLE=1 it also makes each film again without its gestures (WORKDIR/quiet/) and
# prints, per gesture, what of it survives the encode (benchmarks/micro_signal.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export KINOGLAZ_MEDIA=${KINOGLAZ_MEDIA:-$root/../shared/media}
bin=${KINOGLAZ_BIN:-$root/build/bin/kinoglaz}
py=python3
$py -c 'import numpy' 2>/dev/null || py=/usr/bin/python3
if [ $# -ge 1 ]; then
    work=$1
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

# seed  base  size  frame rate  duration  sensor noise  hand-held wander  x264 CRF
films=(
    "1 jar  1280x720  24000/1001 12 1.0 0   20"
    "2 rock 854x480   30         12 3.0 0   23"
    "3 jar  720x576   25         12 2.5 0   23"
    "4 deer 1920x1080 50         6  1.5 0   20"
    "5 leaf 1280x544  24         12 1.5 3.0 21"
    "6 jar  640x360   25         12 4.0 0   28"
)
args=()
for f in "${films[@]}"; do
    read -r seed base size fps dur noise hand crf <<<"$f"
    name=micro_film_$seed
    if [ ! -f "$work/$name.mp4" ] || [ ! -f "$work/$name.truth.json" ]; then
        $py "$root/benchmarks/make_micro_film.py" --seed "$seed" --base "$base" --size "$size" \
            --fps "$fps" --duration "$dur" --noise "$noise" --handheld "$hand" --crf "$crf" \
            "$work/$name.mp4" >&2
    fi
    "$bin" analyze "$work/$name.mp4" -o "$work/$name.out" --no-reveal --quiet
    args+=(--truth "$work/$name.truth.json" --pred "$work/$name.out/analysis.json")
done
"$bin" eval "${args[@]}"
[ "${MICRO_ORACLE:-0}" = 1 ] || exit 0
mkdir -p "$work/quiet"
for f in "${films[@]}"; do
    read -r seed base size fps dur noise hand crf <<<"$f"
    name=micro_film_$seed
    gen=(--seed "$seed" --base "$base" --size "$size" --fps "$fps" --duration "$dur")
    [ -f "$work/quiet/$name.mp4" ] ||
        $py "$root/benchmarks/make_micro_film.py" "${gen[@]}" --noise "$noise" --handheld "$hand" \
            --crf "$crf" --no-gestures "$work/quiet/$name.mp4" >&2
    $py "$root/benchmarks/micro_signal.py" "$work/$name.mp4" "$work/quiet/$name.mp4" "${gen[@]}" \
        --pred "$work/$name.out/analysis.json"
done
