#!/usr/bin/env bash
# Slow-motion quality, side by side with ffmpeg's motion-compensated interpolation:
# drop every other frame of real clips, rebuild the dropped frames by interpolation, score
# them against the originals (the same code scores both, on the clip's own 4:2:0 samples), and
# time both. CLIP@N starts at the clip's frame N (default: its first frame).
#   benchmarks/slowmo_quality.sh [BUILD_DIR=build] [FRAMES=60] [CLIP[@N]...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
frames="${2:-60}"
shift $(( $# > 2 ? 2 : $# )) || true
media="${KINOGLAZ_MEDIA:-$here/../shared/media}"
clips=("$@")
if [ ${#clips[@]} -eq 0 ]; then
  # Every real clip, two of them at a second place, and stretches of the dev set: still and
  # moving shots, grain, typed text, cuts, fades.
  clips=("$media/clips/issue-195-aspect-ratio.mp4" "$media/clips/issue-195-aspect-ratio.mp4@150"
         "$media/clips/baby.mp4" "$media/clips/baby.mp4@150" "$media/clips/guitar.mp4"
         "$media/clips/goldeneye-vfr-drop3.mp4" "$media/clips/testvideo.mp4@30"
         "$media/clips/fades.mp4" "$media/dev/dev_montage_01.mp4"
         "$media/dev/dev_montage_02.mp4@200" "$media/dev/dev_montage_03.mp4"
         "$media/dev/dev_montage_03.mp4@600" "$media/dev/dev_montage_04.mp4@400"
         "$media/dev/dev_micro_01.mp4" "$media/dev/dev_micro_02.mp4@100")
fi
bench="$build/bin/bench_slowmo"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for spec in "${clips[@]}"; do
  clip="${spec%@*}"
  first=0
  [ "$clip" != "$spec" ] && first="${spec##*@}"
  [ -f "$clip" ] || { echo "skip $clip (missing)"; continue; }
  name="$(basename "$clip")"
  [ "$first" -gt 0 ] && name="$name from frame $first"
  fps="$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$clip")"
  # FRAMES frames from the first one asked for, losslessly, then every other one of them
  # (half rate).
  ffmpeg -v error -y -i "$clip" -vf "select=gte(n\,$first)" -vsync 0 -frames:v "$frames" -an \
    -c:v ffv1 "$tmp/orig.mkv"
  ffmpeg -v error -y -i "$tmp/orig.mkv" -vf framestep=2 -an -c:v ffv1 "$tmp/half.mkv"
  start=$(date +%s.%N)
  ffmpeg -v error -y -threads 2 -i "$tmp/half.mkv" -vf "minterpolate=fps=$fps:mi_mode=mci" \
    -an -c:v ffv1 "$tmp/mci.mkv"
  end=$(date +%s.%N)
  n_interp=$(( frames / 2 ))
  echo "== $name ($frames frames, $fps fps)"
  "$bench" "$tmp/orig.mkv" "$tmp/mci.mkv" "$frames" | sed 's/^other    /minterp  /'
  awk -v s="$start" -v e="$end" -v n="$n_interp" \
    'BEGIN { printf "minterp  wall %.1f ms per interpolated frame (whole ffmpeg run)\n", 1000 * (e - s) / n }'
done
