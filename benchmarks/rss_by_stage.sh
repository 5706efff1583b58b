#!/usr/bin/env bash
# Peak resident memory of `kinoglaz analyze FILE --no-reveal`, whole and per stage: the command
# runs under script(1) so that its progress bar is drawn, and VmRSS is read from /proc once a
# second together with the bar's stage name (analysing, gestures, keyframes, writing).
#
# Usage: benchmarks/rss_by_stage.sh FILE [WORKDIR]   (KINOGLAZ_BIN: the build to measure)
# Prints each stage's largest sample and /usr/bin/time's peak (which sees spikes between samples);
# WORKDIR (default a temporary folder) keeps rss.txt (seconds, kB, stage) and the bar's log.
set -euo pipefail
FILE=$1
WORK=${2:-$(mktemp -d)}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN=${KINOGLAZ_BIN:-$ROOT/build/bin/kinoglaz}
mkdir -p "$WORK"
rm -rf "$WORK/out" "$WORK/rss.txt"
script -qfec "/usr/bin/time -v $BIN analyze $FILE -o $WORK/out --no-reveal" "$WORK/bar.log" \
    >/dev/null 2>&1 &
runner=$!
pid=""
for _ in $(seq 50); do
    pid=$(pgrep -f "^$BIN analyze $FILE -o $WORK/out" || true)
    [[ -n "$pid" ]] && break
    sleep 0.1
done
start=$(date +%s)
while [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
    stage=$(tail -c 300 "$WORK/bar.log" | tr '\r' '\n' | grep -a . | tail -1 | awk '{print $1}' || true)
    echo "$(($(date +%s) - start)) ${rss:-0} ${stage:-?}" >>"$WORK/rss.txt"
    sleep 1
done
wait "$runner" || true
for stage in analysing gestures keyframes writing; do
    awk -v s="$stage" '$3 == s && $2 > m { m = $2 } END { if (m) printf "%-10s %8d kB\n", s, m }' \
        "$WORK/rss.txt"
done
grep -a -E "Maximum resident|Elapsed|User time|System time" "$WORK/bar.log" | tr -d '\r'
