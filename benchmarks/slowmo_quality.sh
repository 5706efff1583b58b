#!/usr/bin/env bash
# Slow-motion quality, side by side with ffmpeg's motion-compensated interpolation:
# drop every other frame of real clips, rebuild the dropped frames by interpolation, score
# them against the originals (PSNR, SSIM on luma; the same code scores both), and time both.
#   benchmarks/slowmo_quality.sh [BUILD_DIR=build] [FRAMES=60] [CLIP...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
frames="${2:-60}"
shift $(( $# > 2 ? 2 : $# )) || true
media="${KINOGLAZ_MEDIA:-$here/../shared/media}"
clips=("$@")
if [ ${#clips[@]} -eq 0 ]; then
  clips=("$media/clips/issue-195-aspect-ratio.mp4" "$media/clips/baby.mp4"
         "$media/clips/guitar.mp4" "$media/clips/goldeneye-vfr-drop3.mp4"
         "$media/dev/dev_montage_01.mp4")
fi
bench="$build/bin/bench_slowmo"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for clip in "${clips[@]}"; do
  [ -f "$clip" ] || { echo "skip $clip (missing)"; continue; }
  name="$(basename "$clip")"
  fps="$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$clip")"
  # The first FRAMES frames, losslessly, then every other one of them (half rate).
  ffmpeg -v error -y -i "$clip" -frames:v "$frames" -an -c:v ffv1 "$tmp/orig.mkv"
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
