#!/usr/bin/env bash
# Makes every micro-motion film set of docs/optical-unconscious.md ("All together": the 27 own
# films, seeds 91-94, the --spec dev films d101-d108, seeds 121-124, 131-134, 141-144 and the
# hand-held films with a shaking roll, 151-154) with
# benchmarks/make_micro_film.py, analyses each with `kinoglaz analyze --no-reveal`, and prints
# each set's micro-averaged gesture precision and recall (kinoglaz eval), events in motionless
# stretches, recall by amplitude (< 0.3, 0.3-0.5, 0.5-1, >= 1 px) and found / gestures per film.
#   benchmarks/micro_sets_eval.sh WORKDIR
# The films are kept in WORKDIR and reused when present (making all 55 takes ~1 h on 2
# cores: the hand-held ones are slow); each run's analyses go to WORKDIR/out (removed first).
# Uses $KINOGLAZ_MEDIA (default ../shared/media), KINOGLAZ_BIN (default build/bin/kinoglaz) and
# a python3 with numpy (Debian python3-numpy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export KINOGLAZ_MEDIA=${KINOGLAZ_MEDIA:-$root/../shared/media}
bin=${KINOGLAZ_BIN:-$root/build/bin/kinoglaz}
py=python3
$py -c 'import numpy' 2>/dev/null || py=/usr/bin/python3
work=${1:?usage: micro_sets_eval.sh WORKDIR}
mkdir -p "$work"
films="$work/films.txt"
cat >"$films" <<'LIST'
micro_film_1 --seed 1 --base jar --size 1280x720 --fps 24000/1001 --duration 12 --noise 1.0 --crf 20
micro_film_2 --seed 2 --base rock --size 854x480 --fps 30 --duration 12 --noise 3.0 --crf 23
micro_film_3 --seed 3 --base jar --size 720x576 --fps 25 --duration 12 --noise 2.5 --crf 23
micro_film_4 --seed 4 --base deer --size 1920x1080 --fps 50 --duration 6 --noise 1.5 --crf 20
micro_film_5 --seed 5 --base leaf --size 1280x544 --fps 24 --duration 12 --noise 1.5 --handheld 3.0 --crf 21
micro_film_6 --seed 6 --base jar --size 640x360 --fps 25 --duration 12 --noise 4.0 --crf 28
h31 --seed 31 --base deer --size 960x540 --fps 30 --duration 10 --noise 2 --crf 22
h32 --seed 32 --base jar --size 800x450 --fps 25 --duration 10 --noise 2 --handheld 1.5 --crf 24
h33 --seed 33 --base rock --size 1280x720 --fps 24 --duration 10 --noise 1.5 --crf 21
h41 --seed 41 --base rock --size 960x540 --fps 60 --duration 8 --noise 2 --crf 22
h42 --seed 42 --base jar --size 1440x1080 --fps 24000/1001 --duration 10 --noise 1.5 --crf 21
h43 --seed 43 --base leaf --size 854x480 --fps 30 --duration 10 --noise 5 --crf 26
h51 --seed 51 --base deer --size 1280x720 --fps 25 --duration 10 --noise 2 --crf 21
h52 --seed 52 --base leaf --size 1024x576 --fps 30000/1001 --duration 10 --noise 3 --crf 23
h53 --seed 53 --base jar --size 960x540 --fps 24 --duration 10 --noise 1.5 --crf 20
h54 --seed 54 --base rock --size 640x480 --fps 50 --duration 8 --noise 2.5 --crf 22
h61 --seed 61 --base deer --size 1024x576 --fps 25 --duration 10 --noise 3 --crf 23
h62 --seed 62 --base jar --size 1280x720 --fps 30 --duration 10 --noise 2 --crf 20
h63 --seed 63 --base leaf --size 720x480 --fps 30000/1001 --duration 10 --noise 4 --crf 25
h71 --seed 71 --base jar --size 1280x720 --fps 60 --duration 8 --noise 2 --crf 22
h72 --seed 72 --base deer --size 854x480 --fps 50 --duration 8 --noise 3 --crf 24
h73 --seed 73 --base leaf --size 1280x720 --fps 60000/1001 --duration 8 --noise 1.5 --crf 20
h74 --seed 74 --base rock --size 1024x576 --fps 48 --duration 8 --noise 2 --crf 21
h81 --seed 81 --base deer --size 1280x720 --fps 30 --duration 10 --noise 2 --crf 22
h82 --seed 82 --base jar --size 854x480 --fps 25 --duration 10 --noise 2.5 --crf 23
h83 --seed 83 --base leaf --size 1920x1080 --fps 50 --duration 8 --noise 1.5 --crf 21
h84 --seed 84 --base rock --size 720x404 --fps 24000/1001 --duration 10 --noise 3 --crf 24
h91 --seed 91 --base leaf --size 1024x576 --fps 25 --duration 10 --noise 3 --crf 23 --handheld 1.5
h92 --seed 92 --base deer --size 1280x720 --fps 30 --duration 10 --noise 2 --crf 20
h93 --seed 93 --base jar --size 720x480 --fps 30000/1001 --duration 10 --noise 4 --crf 25
h94 --seed 94 --base rock --size 800x600 --fps 50 --duration 8 --noise 3 --crf 22
d101 --spec dev --seed 101 --base jar --size 1920x1080 --fps 24 --noise 2 --crf 20
d102 --spec dev --seed 102 --base leaf --size 1280x720 --fps 30 --noise 3 --crf 22
d103 --spec dev --seed 103 --base deer --size 960x540 --fps 25 --noise 2 --crf 23 --handheld 1.5
d104 --spec dev --seed 104 --base rock --size 854x480 --fps 30000/1001 --noise 4 --crf 25
d105 --spec dev --seed 105 --base jar --size 640x360 --fps 25 --noise 1 --crf 20
d106 --spec dev --seed 106 --base leaf --size 1024x576 --fps 50 --noise 3 --crf 23
d107 --spec dev --seed 107 --base deer --size 1440x1080 --fps 24 --noise 2 --crf 21
d108 --spec dev --seed 108 --base rock --size 1280x720 --fps 60 --noise 2 --crf 22 --handheld 1
k121 --spec dev --seed 121 --base deer --size 1152x648 --fps 25 --noise 3 --crf 24 --handheld 1
k122 --seed 122 --base rock --size 1366x768 --fps 30 --noise 2 --crf 22
k123 --spec dev --seed 123 --base jar --size 720x576 --fps 25 --noise 4 --crf 26
k124 --seed 124 --base leaf --size 960x720 --fps 48 --noise 3 --crf 22
s131 --spec dev --seed 131 --base leaf --size 1600x900 --fps 30 --noise 2.5 --crf 22
s132 --spec dev --seed 132 --base deer --size 1280x720 --fps 50 --noise 2 --crf 23
s133 --seed 133 --base rock --size 1920x1080 --fps 24 --noise 2 --crf 21
s134 --spec dev --seed 134 --base rock --size 1024x768 --fps 60 --noise 3 --crf 22
p141 --spec dev --seed 141 --base deer --size 1920x1080 --fps 25 --noise 2 --crf 21
p142 --seed 142 --base leaf --size 1280x720 --fps 24 --noise 2.5 --crf 22
p143 --spec dev --seed 143 --base rock --size 1600x900 --fps 30 --noise 3 --crf 23
p144 --seed 144 --base jar --size 1280x720 --fps 50 --noise 1.5 --crf 20
r151 --seed 151 --base deer --size 1280x720 --fps 25 --noise 2 --crf 22 --handheld 1.5 --roll-tremor 0.05
r152 --seed 152 --base leaf --size 1024x576 --fps 30 --noise 2.5 --crf 23 --handheld 1 --roll-tremor 0.05
r153 --spec dev --seed 153 --base rock --size 1600x900 --fps 24 --noise 2 --crf 21 --handheld 1.5 --roll-tremor 0.05
r154 --spec dev --seed 154 --base jar --size 1280x720 --fps 25 --noise 1.5 --crf 21 --handheld 1 --roll-tremor 0.05
LIST
while read -r name args; do
    [ -f "$work/$name.mp4" ] && [ -f "$work/$name.truth.json" ] && continue
    # shellcheck disable=SC2086  # the generator's arguments, split on purpose
    $py "$root/benchmarks/make_micro_film.py" $args "$work/$name.mp4" >&2
done <"$films"
rm -rf "$work/out"
while read -r name _; do
    "$bin" analyze "$work/$name.mp4" -o "$work/out/$name" --no-reveal --quiet >/dev/null
done <"$films"
score() {
    local label=$1 args=()
    shift
    for n in "$@"; do args+=(--truth "$work/$n.truth.json" --pred "$work/out/$n/analysis.json"); done
    "$bin" eval "${args[@]}" | grep '^{' | LABEL=$label $py -c '
import json, os, sys
d = json.load(sys.stdin)
e = d["events"]
amp = " ".join("%d/%d" % (b["found"], b["total"]) for b in e["recall_by_amplitude"])
print("%-9s P %.2f R %.2f (tp %d fp %d fn %d), in motionless stretches %d, by amplitude %s" % (
    os.environ["LABEL"], e["precision"], e["recall"], e["tp"], e["fp"], e["fn"],
    e["in_quiet_ranges"], amp))
print("   ", " ".join("%s %d/%d" % (os.path.basename(f["truth"]).split(".")[0], f["events"]["tp"],
                                   f["events"]["tp"] + f["events"]["fn"]) for f in d["files"]))'
}
# shellcheck disable=SC2046  # film names, one word each
score own27 $(sed -n '1,27p' "$films" | cut -d' ' -f1)
score 91-94 h91 h92 h93 h94
score dev-spec d101 d102 d103 d104 d105 d106 d107 d108
score 121-124 k121 k122 k123 k124
score 131-134 s131 s132 s133 s134
score 141-144 p141 p142 p143 p144
score 151-154 r151 r152 r153 r154
