#!/usr/bin/env bash
# How `kinoglaz cuts` and `kinoglaz analyze --no-reveal` scale with threads, next to plain
# ffmpeg decoding on as many threads, on one file, in one run.
#
# Usage: benchmarks/scaling.sh FILE [THREADS...]        (THREADS default: 1 and all cores)
# Environment: KINOGLAZ_BUILD_DIR (default <repo>/build), ROUNDS (default 3),
#              VARIANTS (default "ffmpeg cuts analyze"; also "ffmpeg-skiplf" (no deblocking, as
#              kinoglaz decodes), "ffmpeg-refonly" (also -skip_frame noref: only the pictures
#              others refer to, a bound for skipping the rest, not an exact analysis),
#              "cuts-seg1", "cuts-seg2": `cuts --segments 1|2`),
#              EXTRA_CUTS_ARGS (appended to every cuts).
#
# Every variant at every thread count runs once per round, in turn (A B C A B C ...), so
# background load drifts over all of them alike. Prints, per variant and thread count, the
# median wall time, median CPU time (user + sys), peak RSS, frames per second, wall speed
# relative to ffmpeg on the same threads (higher is faster), and the speed-up over the
# variant's own run on the fewest threads. The wall-time ratios are the ones that matter
# for a user; on a loaded machine the CPU times are the stabler figures.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${KINOGLAZ_BUILD_DIR:-$ROOT/build}"
KINOGLAZ="$BUILD_DIR/bin/kinoglaz"
ROUNDS="${ROUNDS:-3}"

if (($# < 1)); then
    echo "usage: benchmarks/scaling.sh FILE [THREADS...]" >&2
    exit 2
fi
FILE="$1"
shift
if (($# > 0)); then threads_list=("$@"); else threads_list=(1 "$(nproc)"); fi
[[ -r "$FILE" ]] || { echo "scaling.sh: $FILE: cannot read" >&2; exit 1; }
[[ -x "$KINOGLAZ" ]] || { echo "scaling.sh: $KINOGLAZ missing (build with tools/bootstrap.sh)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "scaling.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
read -r -a variants <<<"${VARIANTS:-ffmpeg cuts analyze}"
read -r -a extra_cuts <<<"${EXTRA_CUTS_ARGS:-}"

FRAMES="$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets \
    -of csv=p=0 "$FILE" | head -n 1)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

command_for() {  # VARIANT THREADS
    local t="$2"
    case "$1" in
        ffmpeg) echo ffmpeg -nostdin -v error -threads "$t" -i "$FILE" -map 0:v:0 -f null - ;;
        ffmpeg-skiplf) echo ffmpeg -nostdin -v error -skip_loop_filter all -threads "$t" -i "$FILE" -map 0:v:0 -f null - ;;
        ffmpeg-refonly) echo ffmpeg -nostdin -v error -skip_loop_filter all -skip_frame noref -threads "$t" -i "$FILE" -map 0:v:0 -f null - ;;
        cuts) echo "$KINOGLAZ" cuts "$FILE" --threads "$t" --quiet --json "${extra_cuts[@]}" ;;
        cuts-seg1) echo "$KINOGLAZ" cuts "$FILE" --threads "$t" --quiet --json --segments 1 "${extra_cuts[@]}" ;;
        cuts-seg2) echo "$KINOGLAZ" cuts "$FILE" --threads "$t" --quiet --json --segments 2 "${extra_cuts[@]}" ;;
        analyze) echo "$KINOGLAZ" analyze "$FILE" -o "$tmp/analysis" --threads "$t" --quiet --no-reveal ;;
        *) echo "scaling.sh: unknown variant $1" >&2; exit 2 ;;
    esac
}

for ((round = 1; round <= ROUNDS; ++round)); do
    for t in "${threads_list[@]}"; do
        for v in "${variants[@]}"; do
            read -r -a cmd <<<"$(command_for "$v" "$t")"
            rm -rf "$tmp/analysis"
            /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "${cmd[@]}" >"$tmp/out" 2>"$tmp/err" || {
                echo "scaling.sh: $v (threads $t) failed:" >&2
                cat "$tmp/err" >&2
                exit 1
            }
            read -r wall user sys kb <"$tmp/time"
            echo "$v $t $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') $kb" \
                >>"$tmp/runs"
        done
    done
done

median() {  # VARIANT THREADS COLUMN
    awk -v v="$1" -v t="$2" -v c="$3" '$1 == v && $2 == t { print $c }' "$tmp/runs" | sort -g |
        awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

info="$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height -of csv=p=0 "$FILE")"
echo "file: $FILE ($info, $FRAMES frames), median of $ROUNDS alternating rounds, $(nproc) cores"
printf '%-14s %7s %8s %8s %8s %7s %10s %11s\n' variant threads wall_s cpu_s fps rss_MB vs_ffmpeg vs_1st_thr
for v in "${variants[@]}"; do
    for t in "${threads_list[@]}"; do
        w="$(median "$v" "$t" 3)" c="$(median "$v" "$t" 4)" kb="$(median "$v" "$t" 5)"
        base="$(median ffmpeg "$t" 3)"
        first="$(median "$v" "${threads_list[0]}" 3)"
        awk -v v="$v" -v t="$t" -v w="$w" -v c="$c" -v kb="$kb" -v f="$FRAMES" -v b="${base:-0}" \
            -v first="$first" 'BEGIN {
            w = (w > 0 ? w : 0.01)
            vs = (b > 0 ? sprintf("%.2fx", b / w) : "-")
            printf "%-14s %7d %8.2f %8.2f %8.1f %7.1f %10s %10.2fx\n", v, t, w, c, f / w, kb / 1024, vs, first / w }'
    done
done
