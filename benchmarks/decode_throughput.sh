#!/usr/bin/env bash
# Decode throughput of kinoglaz next to plain ffmpeg, on one file, in one run.
#
# Usage: benchmarks/decode_throughput.sh FILE [THREADS]     (THREADS default: all cores)
# Environment: KINOGLAZ_BUILD_DIR (default <repo>/build), ROUNDS (default 3).
#
# Variants, run alternately ROUNDS times (best wall time kept, so background load hurts
# every variant alike):
#   ffmpeg           ffmpeg -threads N -i FILE -map 0:v:0 -f null -   (decode only)
#   ffmpeg-skiplf    the same with -skip_loop_filter all (no H.264/HEVC deblocking)
#   ffmpeg-refonly   the same, also with -skip_frame noref: decodes only the pictures that others
#                    refer to (a bound for skipping the rest, not an exact analysis: its "fps"
#                    counts all the film's frames, of which it delivers only those pictures)
#   decode/off       bench_pipeline --mode decode: VideoDecoder::next only, FastDecode::off
#   pipeline/off     bench_pipeline: run_pipeline (decode + proxy + basic features), no-op consumer
#   pipeline/auto    the same with FastDecode::auto_ (skips deblocking for H.264/HEVC)
#   scdet            ffmpeg with its scene-change filter (-vf scdet), for comparison
#   cuts, cuts/exact `kinoglaz cuts` (default fast decode / --exact-decode)
#   analyze          `kinoglaz analyze --no-reveal`
# Pick them with VARIANTS="..." (default: the first five; "ffmpeg" is always the reference).
# Prints, per variant: best wall time and fps (frames / wall time of the whole process, start-up
# included), best CPU time (user + sys) and frames per CPU-second, peak RSS (/usr/bin/time), and
# ratios against ffmpeg. On a shared, loaded machine the CPU-time figures are the stabler ones.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${KINOGLAZ_BUILD_DIR:-$ROOT/build}"
BENCH="$BUILD_DIR/bin/bench_pipeline"
ROUNDS="${ROUNDS:-3}"

if (($# < 1 || $# > 2)); then
    echo "usage: benchmarks/decode_throughput.sh FILE [THREADS]" >&2
    exit 2
fi
FILE="$1"
THREADS="${2:-$(nproc)}"
[[ -r "$FILE" ]] || { echo "decode_throughput.sh: $FILE: cannot read" >&2; exit 1; }
[[ -x "$BENCH" ]] || { echo "decode_throughput.sh: $BENCH missing (build with tools/bootstrap.sh)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "decode_throughput.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }

FRAMES="$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets \
    -of csv=p=0 "$FILE" | head -n 1)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

KINOGLAZ="$BUILD_DIR/bin/kinoglaz"
# VARIANTS picks the set, e.g. VARIANTS="ffmpeg scdet cuts cuts/exact" for the transition
# detector against decode-only and FFmpeg's scene-change filter.
read -r -a variants <<<"${VARIANTS:-ffmpeg ffmpeg-skiplf decode/off pipeline/off pipeline/auto}"
command_for() {
    case "$1" in
        ffmpeg) echo ffmpeg -nostdin -v error -threads "$THREADS" -i "$FILE" -map 0:v:0 -f null - ;;
        ffmpeg-skiplf) echo ffmpeg -nostdin -v error -skip_loop_filter all -threads "$THREADS" -i "$FILE" -map 0:v:0 -f null - ;;
        decode/off) echo "$BENCH" "$FILE" --threads "$THREADS" --mode decode --fast off ;;
        pipeline/off) echo "$BENCH" "$FILE" --threads "$THREADS" --fast off ;;
        pipeline/auto) echo "$BENCH" "$FILE" --threads "$THREADS" --fast auto ;;
        ffmpeg-refonly) echo ffmpeg -nostdin -v error -skip_loop_filter all -skip_frame noref -threads "$THREADS" -i "$FILE" -map 0:v:0 -f null - ;;
        scdet) echo ffmpeg -nostdin -v error -threads "$THREADS" -i "$FILE" -map 0:v:0 -vf scdet -f null - ;;
        cuts) echo "$KINOGLAZ" cuts "$FILE" --threads "$THREADS" --quiet --json ;;
        cuts/exact) echo "$KINOGLAZ" cuts "$FILE" --threads "$THREADS" --quiet --json --exact-decode ;;
        analyze) echo "$KINOGLAZ" analyze "$FILE" -o "$tmp/analysis" --threads "$THREADS" --quiet --no-reveal ;;
    esac
}

declare -A best_s best_cpu rss_kb
for ((round = 1; round <= ROUNDS; ++round)); do
    for v in "${variants[@]}"; do
        read -r -a cmd <<<"$(command_for "$v")"
        /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "${cmd[@]}" >"$tmp/out" 2>"$tmp/err" || {
            echo "decode_throughput.sh: $v failed:" >&2
            cat "$tmp/err" >&2
            exit 1
        }
        read -r wall kb user sys <"$tmp/time"
        cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
        if [[ -z "${best_cpu[$v]:-}" ]] || awk -v a="$cpu" -v b="${best_cpu[$v]}" 'BEGIN { exit !(a < b) }'; then
            best_cpu[$v]="$cpu"
        fi
        if [[ -z "${best_s[$v]:-}" ]] || awk -v a="$wall" -v b="${best_s[$v]}" 'BEGIN { exit !(a < b) }'; then
            best_s[$v]="$wall"
        fi
        if [[ -z "${rss_kb[$v]:-}" ]] || ((kb > rss_kb[$v])); then rss_kb[$v]="$kb"; fi
        if [[ "$v" == bench* || "$v" == decode/* || "$v" == pipeline/* ]]; then
            got="$(grep -o 'frames=[0-9]*' "$tmp/out" | cut -d= -f2)"
            [[ "$got" == "$FRAMES" ]] || echo "note: $v delivered $got frames, packets: $FRAMES" >&2
        fi
    done
done

info="$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height -of csv=p=0 "$FILE")"
echo "file: $FILE ($info, $FRAMES frames), threads: $THREADS, best of $ROUNDS, $(nproc) cores"
printf '%-15s %8s %8s %9s %8s %10s %9s %8s\n' variant wall_s fps vs_ffmpeg cpu_s fps_per_cpu vs_ffmpeg rss_MB
for v in "${variants[@]}"; do
    awk -v v="$v" -v s="${best_s[$v]}" -v c="${best_cpu[$v]}" -v f="$FRAMES" -v base="${best_s[ffmpeg]}" \
        -v cbase="${best_cpu[ffmpeg]}" -v kb="${rss_kb[$v]}" 'BEGIN {
        s = (s > 0 ? s : 0.01); b = (base > 0 ? base : 0.01); c = (c > 0 ? c : 0.01); cb = (cbase > 0 ? cbase : 0.01)
        printf "%-15s %8.2f %8.1f %8.2fx %8.2f %10.1f %8.2fx %8.1f\n", v, s, f / s, b / s, c, f / c, cb / c, kb / 1024 }'
done
