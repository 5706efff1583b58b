#!/usr/bin/env bash
# CPU seconds of `kinoglaz analyze FILE --no-reveal`, per stage: the command runs under script(1)
# so that its progress bar is drawn, and the process's user + system time is read from /proc
# every 0.2 s together with the bar's stage name (analysing, gestures, keyframes, writing; "?"
# before the first bar). The companion of rss_by_stage.sh.
#
# Usage: benchmarks/cpu_by_stage.sh FILE [WORKDIR]   (KINOGLAZ_BIN: the build to measure;
# EXTRA: more options for analyze). WORKDIR (default a temporary folder) keeps the analysis
# (out/), the samples (cpu.txt: seconds, CPU seconds, stage) and the bar's log.
set -euo pipefail
FILE=$1
WORK=${2:-$(mktemp -d)}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN=${KINOGLAZ_BIN:-$ROOT/build/bin/kinoglaz}
mkdir -p "$WORK"
rm -rf "$WORK/out" "$WORK/cpu.txt"
script -qfec "$BIN analyze $FILE -o $WORK/out --no-reveal ${EXTRA:-}" "$WORK/bar.log" \
    >/dev/null 2>&1 &
runner=$!
pid=""
for _ in $(seq 50); do
    pid=$(pgrep -f "^$BIN analyze $FILE -o $WORK/out" || true)
    [[ -n "$pid" ]] && break
    sleep 0.05
done
tck=$(getconf CLK_TCK)
while [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; do
    t=$(awk -v t="$tck" '{print ($14 + $15) / t}' "/proc/$pid/stat" 2>/dev/null || true)
    stage=$(tail -c 300 "$WORK/bar.log" | tr '\r' '\n' | grep -a . | tail -1 | awk '{print $1}' || true)
    echo "$(date +%s.%N) ${t:-0} ${stage:-?}" >>"$WORK/cpu.txt"
    sleep 0.2
done
wait "$runner" || true
awk '{ if (NR > 1 && $2 > 0) { cpu[$3] += $2 - pc; wall[$3] += $1 - pw } pc = $2; pw = $1 }
     END { for (s in cpu) printf "%-10s cpu %6.2f s wall %6.2f s\n", s, cpu[s], wall[s] }' \
    "$WORK/cpu.txt"
