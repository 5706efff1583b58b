#!/usr/bin/env bash
# The stills of docs/optical-unconscious.md: for guitar.mp4 (the strings) and baby.mp4 (the
# chest), one picture before and after phase-based magnification, and a space-time slice (one
# column of pixels through the moving part, every frame side by side left to right) of the
# original above the magnified one. Needs a built kinoglaz and the shared footage.
#   tools/reveal_stills.sh [OUTDIR=docs]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${KINOGLAZ_BUILD_DIR:-$here/build}"
media="${KINOGLAZ_MEDIA:-$here/../shared/media}"
out="${1:-$here/docs}"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# still NAME CLIP "REVEAL OPTIONS" FRAME CROP(w:h:x:y) COLUMN ROWS(h:y) SLICE_ZOOM
still() {
  local name=$1 clip=$2 options=$3 frame=$4 crop=$5 column=$6 rows=$7 zoom=$8
  # The processed view alone, at the source's size, one picture per source frame.
  # shellcheck disable=SC2086
  "$build/bin/kinoglaz" reveal "$clip" -o "$tmp/$name" --clean --slow 1 --quiet $options
  local magnified
  magnified="$(ls "$tmp/$name"/*.mp4)"
  local n
  n="$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
    -of csv=p=0 "$magnified")"
  # Before | after: the same frame, cropped to the moving part.
  ffmpeg -v error -y -i "$clip" -i "$magnified" -filter_complex \
    "[0:v]select=eq(n\,$frame),crop=$crop,pad=iw+8:ih:0:0:white[a];
     [1:v]select=eq(n\,$frame),crop=$crop[b];[a][b]hstack" \
    -frames:v 1 -update 1 "$out/reveal_${name}.png"
  # Space-time slices: column COLUMN, rows ROWS, every frame; original above magnified.
  ffmpeg -v error -y -i "$clip" -i "$magnified" -filter_complex \
    "[0:v]format=rgb24,crop=1:${rows%:*}:$column:${rows#*:},tile=${n}x1,
          scale=iw*$zoom:ih*$zoom:flags=neighbor,pad=iw:ih+6:0:0:white[a];
     [1:v]format=rgb24,crop=1:${rows%:*}:$column:${rows#*:},tile=${n}x1,
          scale=iw*$zoom:ih*$zoom:flags=neighbor[b];[a][b]vstack" \
    -frames:v 1 -update 1 "$out/reveal_${name}_slice.png"
  ls -l "$out/reveal_${name}.png" "$out/reveal_${name}_slice.png"
}

# Guitar: strings vibrating by a fraction of a pixel; column 180 crosses all six of them.
still guitar "$media/clips/guitar.mp4" "--magnify 20" 150 "300:150:20:10" 180 "110:20" 2
# Baby: breathing, 0.4-3 Hz; column 500 crosses the chest's upper edge.
still baby "$media/clips/baby.mp4" "--magnify 20 --band 0.4:3" 150 "360:260:320:130" 500 \
  "220:140" 2
