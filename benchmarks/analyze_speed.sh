#!/usr/bin/env bash
# The full analysis against bare decoding: `kinoglaz analyze --no-reveal` of FILE and
# `ffmpeg -threads 2 -i FILE -map 0:v:0 -f null -` (decode every picture, nothing else) run in
# turn, ROUNDS times after one warm-up each, as whole processes timed by /usr/bin/time. Prints
# each round's wall and CPU (user + sys) seconds and analyze's peak RSS, the ratios
# analyze/ffmpeg round by round and their medians: pairs taken side by side, so that a ratio
# holds when a shared machine's speed drifts (quote those, not single times).
#   benchmarks/analyze_speed.sh FILE [ROUNDS=3] [THREADS=0: all cores]
# KINOGLAZ_BIN picks the kinoglaz binary (default: the build's), to compare two builds.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${KINOGLAZ_BUILD_DIR:-$here/build}"
bin="${KINOGLAZ_BIN:-$build/bin/kinoglaz}"
file="${1:?usage: analyze_speed.sh FILE [ROUNDS] [THREADS]}"
rounds="${2:-3}"
threads="${3:-0}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

analyze=("$bin" analyze "$file" -o "$tmp/out" --no-reveal --force --quiet --threads "$threads")
decode=(ffmpeg -nostdin -v error -threads 2 -i "$file" -map 0:v:0 -f null -)
# One timed run of the command after $1 (appending "wall cpu peak_kb" to the file $1).
timed() {
  local into="$1"
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "$@" >/dev/null
  awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }' "$tmp/t" >>"$into"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

"${analyze[@]}" >/dev/null # warm-up: the binaries and the file in the page cache
"${decode[@]}"
: >"$tmp/a"
: >"$tmp/d"
for ((i = 1; i <= rounds; i++)); do
  timed "$tmp/a" "${analyze[@]}"
  timed "$tmp/d" "${decode[@]}"
done
size="$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height,nb_frames \
  -of csv=p=0 "$file")"
echo "$(basename "$file") [$size] analyze --threads $threads vs ffmpeg -threads 2, $rounds rounds"
paste -d' ' "$tmp/a" "$tmp/d" | awk '{ printf "round %d: analyze %.2f s wall %.2f s CPU %d MB | ffmpeg %.2f s wall %.2f s CPU | ratio wall %.2f CPU %.2f\n", NR, $1, $2, $3 / 1024, $4, $5, $1 / $4, $2 / $5 }' | tee "$tmp/rounds"
echo "median: ratio wall $(awk '{ print $(NF - 2) }' "$tmp/rounds" | median)," \
  "CPU $(awk '{ print $NF }' "$tmp/rounds" | median);" \
  "analyze $(awk '{ print $1 }' "$tmp/a" | median) s wall, $(awk '{ print $2 }' "$tmp/a" | median) s CPU;" \
  "ffmpeg $(awk '{ print $1 }' "$tmp/d" | median) s wall, $(awk '{ print $2 }' "$tmp/d" | median) s CPU;" \
  "analyze peak RSS $(awk '{ print int($3 / 1024) }' "$tmp/a" | sort -n | tail -1) MB"
