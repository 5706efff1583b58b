#!/usr/bin/env bash
# Reveal speed against FFmpeg's motion-compensated slow motion: `kinoglaz reveal` of a stretch
# of guitar.mp4 at its defaults (slowed 4x by flow interpolation, magnified x10 phase-based,
# side by side with the original, at the source's size) and `ffmpeg -vf minterpolate=mi_mode=mci`
# slowing the same stretch by the same factor (one view, no magnification), both encoded with
# libx264 veryfast CRF 18. The two commands run in turn, ROUNDS times, and every run's wall
# time is printed with the medians: whole processes, start-up and decoding included.
#   benchmarks/reveal_speed.sh [CLIP=guitar.mp4] [START=2] [SECONDS=3] [ROUNDS=5] [THREADS=2]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${KINOGLAZ_BUILD_DIR:-$here/build}"
media="${KINOGLAZ_MEDIA:-$here/../shared/media}"
clip="${1:-$media/clips/guitar.mp4}"
start="${2:-2}"
seconds="${3:-3}"
rounds="${4:-5}"
threads="${5:-2}"
slow=4
end="$(awk -v s="$start" -v d="$seconds" 'BEGIN { print s + d }')"
fps="$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$clip")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

kinoglaz() {
  "$build/bin/kinoglaz" reveal "$clip" -o "$tmp/reveal" --force --quiet --threads "$threads" \
    --start "$start" --end "$end"
}
minterpolate() {
  ffmpeg -nostdin -v error -y -threads "$threads" -filter_threads "$threads" -ss "$start" \
    -t "$seconds" -i "$clip" -an -vf "setpts=$slow*PTS,minterpolate=fps=$fps:mi_mode=mci" \
    -c:v libx264 -preset veryfast -crf 18 "$tmp/mci.mp4"
}
wall() {  # wall seconds of one run of the function $1
  local t0 t1
  t0=$(date +%s.%N)
  "$1"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

kinoglaz >/dev/null  # warm-up: the binaries and the clip in the page cache
minterpolate
: >"$tmp/k.txt"
: >"$tmp/m.txt"
for ((i = 1; i <= rounds; i++)); do
  wall kinoglaz >>"$tmp/k.txt"
  wall minterpolate >>"$tmp/m.txt"
done
frames() { ffprobe -v error -count_frames -select_streams v:0 -show_entries \
  stream=width,height,nb_read_frames -of csv=p=0 "$1"; }
echo "$(basename "$clip") ${start}-${end} s, slowed ${slow}x, $threads threads, $rounds rounds"
echo "kinoglaz reveal     [w,h,frames $(frames "$(ls "$tmp"/reveal/*.mp4)")] wall s: $(tr '\n' ' ' <"$tmp/k.txt")median $(median <"$tmp/k.txt")"
echo "ffmpeg minterpolate [w,h,frames $(frames "$tmp/mci.mp4")] wall s: $(tr '\n' ' ' <"$tmp/m.txt")median $(median <"$tmp/m.txt")"
