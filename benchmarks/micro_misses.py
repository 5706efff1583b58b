#!/usr/bin/env python3
"""Which injected gestures the finder missed, and recall by amplitude and by frequency.

    benchmarks/micro_misses.py TRUTH_DIR OUT_DIR [--skip-base jar] [--still-only]

TRUTH_DIR holds films of benchmarks/make_micro_film.py with their NAME.truth.json (as
micro_sets_eval.sh leaves them); OUT_DIR/NAME/analysis.json is `kinoglaz analyze`'s output for
each. Gestures are matched one to one as `kinoglaz eval` matches them (frames overlap, and the
boxes' IoU is at least 0.1 or the predicted box's centre lies in the true one; larger IoU
first). Prints each missed gesture, then found / gestures by amplitude band and by the
gesture's frequency in cycles per measured frame: Hz over the frame rate divided by the
finder's stride (round(fps / 30), so every other frame at 50-60 fps)."""

import argparse
import collections
import glob
import json
import os
from fractions import Fraction


def iou(a, b):
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def centre_inside(p, t):
    cx, cy = p[0] + p[2] / 2, p[1] + p[3] / 2
    return t[0] <= cx < t[0] + t[2] and t[1] <= cy < t[1] + t[3]


def found_flags(truth, predicted):
    pairs = []
    for i, t in enumerate(truth):
        for j, p in enumerate(predicted):
            if p["start_frame"] < t["end_frame"] and t["start_frame"] < p["end_frame"]:
                o = iou(t["bbox"], p["bbox"])
                if o >= 0.1 or centre_inside(p["bbox"], t["bbox"]):
                    pairs.append((-o, i, j))
    used_t, used_p = set(), set()
    for _, i, j in sorted(pairs):
        if i not in used_t and j not in used_p:
            used_t.add(i)
            used_p.add(j)
    return [i in used_t for i in range(len(truth))]


def band(value, edges, names):
    for edge, name in zip(edges, names):
        if value < edge:
            return name
    return names[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("truth_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--skip-base", action="append", default=[], help="leave out this base shot")
    ap.add_argument("--still-only", action="store_true", help="leave out hand-held films")
    args = ap.parse_args()
    amp_names = ["< 0.3 px", "0.3-0.5 px", ">= 0.5 px"]
    rel_names = ["< 0.15", "0.15-0.25", ">= 0.25"]
    table = collections.defaultdict(lambda: [0, 0])
    print("missed:")
    for truth_path in sorted(glob.glob(os.path.join(args.truth_dir, "*.truth.json"))):
        name = os.path.basename(truth_path)[: -len(".truth.json")]
        pred_path = os.path.join(args.out_dir, name, "analysis.json")
        if not os.path.exists(pred_path):
            continue
        truth = json.load(open(truth_path))
        gen = truth["generator"]
        if gen["base"] in args.skip_base or (args.still_only and gen.get("handheld_px", 0) > 0):
            continue
        predicted = [e for e in json.load(open(pred_path))["events"]
                     if e.get("kind", "gesture") == "gesture"]
        fps = float(Fraction(gen["fps"]))
        measured_fps = fps / max(1, round(fps / 30))
        for t, found in zip(truth["events"], found_flags(truth["events"], predicted)):
            rel = t["freq_hz"] / measured_fps
            cell = table[(band(t["amplitude_px"], [0.3, 0.5], amp_names),
                          band(rel, [0.15, 0.25], rel_names))]
            cell[0] += found
            cell[1] += 1
            if not found:
                print(f"  {name:14} {gen['base']:5} {gen['size']:10} {gen['fps']:>10} fps  "
                      f"frames {t['start_frame']}-{t['end_frame']}  {t['amplitude_px']:.2f} px  "
                      f"{t['freq_hz']:.1f} Hz ({rel:.2f} cycles a measured frame)")
    print("found / gestures, by amplitude (rows) and cycles a measured frame (columns):")
    print(f"  {'':12}" + "".join(f"{r:>12}" for r in rel_names))
    for a in amp_names:
        cells = [table[(a, r)] for r in rel_names]
        print(f"  {a:12}" + "".join(f"{c[0]:>7} / {c[1]:<2}" for c in cells))


if __name__ == "__main__":
    main()
