#!/usr/bin/env bash
# The dev set's montage and scene films boxed whole, as letterboxed and windowboxed releases
# are: the same pictures and the same truth, between black bars that never change; and the
# same films printed in one tone (black and white, sepia). Scores
# `kinoglaz analyze --no-reveal` on each (and on the films as they are) with `kinoglaz eval`,
# micro-averaged per boxing: transitions over the seven films, montage (scenes, alternations,
# set-ups) over the three scene films, whose truth has them.
#   benchmarks/boxed_films_eval.sh [WORKDIR]
# The films are kept in WORKDIR (default: a temporary folder, removed afterwards) and reused
# when present. Uses $KINOGLAZ_MEDIA (default ../shared/media); KINOGLAZ_BIN picks the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
media=${KINOGLAZ_MEDIA:-$root/../shared/media}
bin=${KINOGLAZ_BIN:-$root/build/bin/kinoglaz}
if [ $# -ge 1 ]; then
    work=$1
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

# name  filter (the dev films are 640x360)
boxings=(
    "as_is null"
    "letterbox_4x3 pad=640:480:0:60"
    "letterbox_tall pad=640:720:0:180"
    "pillarbox scale=480:360,pad=640:360:80:0"
    "windowbox scale=384:216,pad=640:360:128:72"
    "portrait scale=720:-2,pad=720:1280:0:(oh-ih)/2"
    "black_and_white hue=s=0"
    "sepia colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:.272:.534:.131"
)
films=(dev_montage_01 dev_montage_02 dev_montage_03 dev_montage_04 dev_scenes_01 dev_scenes_02
    dev_scenes_03)

for boxing in "${boxings[@]}"; do
    read -r name filter <<<"$boxing"
    args=()
    for film in "${films[@]}"; do
        out=$work/${film}_$name.mp4
        # The dev films' own group of pictures (a codec keyframe every 50 frames), so that only
        # the bars differ.
        [ -f "$out" ] || ffmpeg -v error -y -i "$media/dev/$film.mp4" -vf "$filter" \
            -c:v libx264 -preset veryfast -crf 18 -g 50 -sc_threshold 0 -an "$out"
        "$bin" analyze "$out" -o "$work/${film}_$name" --no-reveal --quiet >/dev/null
        args+=(--truth "$media/dev/$film.truth.json" --pred "$work/${film}_$name/analysis.json")
    done
    echo "== $name"
    "$bin" eval "${args[@]}" --quiet | grep -E '^  (cuts|gradual|all|scenes|alternat|set-ups) '
done
