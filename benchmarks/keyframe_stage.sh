#!/usr/bin/env bash
# Two kinoglaz builds side by side on `analyze --no-reveal` of FILE: their runs alternate,
# ROUNDS each after one warm-up, each timed whole by /usr/bin/time, with the keyframe stage's
# wall time read from its progress bar ("done in"; the bar draws only on a terminal, which
# `script` provides). Prints every run (wall, user, sys, stage) and each build's medians, and
# says whether the two builds' analysis.json and keyframe JPEGs are byte-identical.
#   benchmarks/keyframe_stage.sh BIN_BEFORE BIN_AFTER FILE [ROUNDS=3]
set -euo pipefail
before="${1:?usage: keyframe_stage.sh BIN_BEFORE BIN_AFTER FILE [ROUNDS]}"
after="${2:?usage: keyframe_stage.sh BIN_BEFORE BIN_AFTER FILE [ROUNDS]}"
file="${3:?usage: keyframe_stage.sh BIN_BEFORE BIN_AFTER FILE [ROUNDS]}"
rounds="${4:-3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# One timed run of build $1 (before/after) with binary $2: appends "wall user sys stage".
run() {
  local name="$1" bin="$2" cmd
  printf -v cmd '%q ' /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$bin" analyze "$file" \
    -o "$tmp/$name" --no-reveal --force
  script -q -e -c "$cmd" /dev/null | tr '\r' '\n' >"$tmp/log"
  local stage
  stage="$(grep -a '^keyframes .*done in' "$tmp/log" | tail -1 | sed 's/.*done in \([0-9.]*\) s.*/\1/')"
  echo "$(cat "$tmp/t") ${stage:-?}" >>"$tmp/$name.runs"
  echo "$name $(cat "$tmp/t") stage ${stage:-?}"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run before "$before" >/dev/null # warm-up: the binaries and the file in the page cache
run after "$after" >/dev/null
rm -f "$tmp"/*.runs
for ((i = 1; i <= rounds; i++)); do
  run before "$before"
  run after "$after"
done
for name in before after; do
  printf '%s medians: wall %s s, CPU %s s (user + sys), keyframe stage %s s\n' "$name" \
    "$(awk '{ print $1 }' "$tmp/$name.runs" | median)" \
    "$(awk '{ print $2 + $3 }' "$tmp/$name.runs" | median)" \
    "$(awk '{ print $4 }' "$tmp/$name.runs" | median)"
done
if cmp -s "$tmp/before/analysis.json" "$tmp/after/analysis.json" &&
  diff -rq "$tmp/before/keyframes" "$tmp/after/keyframes" >/dev/null; then
  echo "analysis.json and keyframes byte-identical"
else
  echo "analysis.json or keyframes DIFFER"
fi
