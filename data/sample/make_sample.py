#!/usr/bin/env python3
"""Renders the embedded sample film from recipe.json with the ffmpeg CLI and writes its exact
truth (kinoglaz.truth/1) next to it.  Called by tools/make_sample.sh; needs only python3 and
ffmpeg (lavfi sources, xfade, fade, geq, libx264).

Frame conventions (shared/CONTRACT.md): frames count from 0 in presentation order, ranges are
half-open.  The filters' exact behaviour, checked on FFmpeg 5.1:
  * fade=t=out:s=S:n=N leaves frame S untouched, mixes S+1..S+N-1 and blacks out S+N onwards
    (fade=t=in mirrors it);
  * xfade offset=O duration=D shows the first input alone at output frame O, mixes O+1..O+D-1
    and the second input alone from O+D (second input frame k at output O+k).
The truth below is derived from those rules, not measured."""

import json
import math
import os
import subprocess
import sys


def die(msg):
    print(f"make_sample: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 2:
        die("usage: make_sample.py OUT.mp4")
    out = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "recipe.json")) as f:
        recipe = json.load(f)
    W, H, fps = recipe["width"], recipe["height"], recipe["fps"]
    shots_in, joins = recipe["shots"], recipe["joins"]
    if len(joins) != len(shots_in) - 1:
        die("recipe: need exactly one join between consecutive shots")
    events_by_shot = {}
    for ev in recipe.get("events", []):
        events_by_shot.setdefault(ev["shot"], []).append(ev)
    noise = recipe.get("noise")

    # ---- per-shot segment lengths and fade parameters --------------------------------------
    # Each shot k becomes a stream of seg_len[k] frames.  A fade-out shot is padded with the
    # black hold (minus one frame: the fade-in shot's own first frame is black too).
    seg_len = [s["frames"] for s in shots_in]
    fade_out = {}  # shot -> (mixed, pad)
    fade_in = {}   # shot -> mixed
    for k, j in enumerate(joins):
        if j["type"] == "fade":
            if j["black_frames"] < 1:
                die("recipe: a fade needs at least one black frame")
            fade_out[k] = (j["out_mixed_frames"], j["black_frames"] - 1)
            fade_in[k + 1] = j["in_mixed_frames"]
        elif j["type"] == "dissolve":
            if j["mixed_frames"] < 1 or j["mixed_frames"] + 2 > min(seg_len[k], seg_len[k + 1]):
                die("recipe: dissolve longer than its shots")
        elif j["type"] != "cut":
            die(f"recipe: unknown join type {j['type']}")

    graph = []
    for k, shot in enumerate(shots_in):
        # Timestamps are renumbered (N/fps): a looped still repeats its pts, and the fps filter
        # would silently drop such frames.
        chain = [shot["graph"], "format=gbrp", f"setpts=N/({fps}*TB)",
                 f"trim=end_frame={seg_len[k]}"]
        label_in = f"raw{k}"
        graph.append(",".join(chain) + f"[{label_in}]")
        cur = label_in
        for e_i, ev in enumerate(events_by_shot.get(k, [])):
            # A smooth local warp of one patch: the patch content moves by d(j) * w(x, y),
            # w = 1 at the centre and exactly 0 on the border, so no seam appears.
            x, y, pw, ph = ev["bbox"]
            s, n = ev["start"], ev["frames"]
            amp, fr, ph0 = ev["nominal_amplitude_px"], ev["freq_hz"], ev.get("phase", 0.0)
            th = math.radians(ev["direction_deg"])
            d = (f"if(between(N,{s},{s + n - 1}),{amp}*sin(PI*(N-{s}+1)/{n + 1})"
                 f"*sin(2*PI*{fr}*(N-{s})/{fps}+{ph0}),0)")
            w = f"pow(sin(PI*X/{pw - 1})*sin(PI*Y/{ph - 1}),2)"
            dx = f"({d})*({w})*{math.cos(th):.9f}"
            dy = f"({d})*({w})*{math.sin(th):.9f}"
            a, b, p = f"ev{k}_{e_i}a", f"ev{k}_{e_i}b", f"ev{k}_{e_i}p"
            graph.append(f"[{cur}]split[{a}][{b}]")
            geq = ":".join(f"{c}='{c}(X-{dx},Y-{dy})'" for c in ("r", "g", "b"))
            graph.append(f"[{b}]crop={pw}:{ph}:{x}:{y},geq={geq}:interpolation=bilinear[{p}]")
            cur = f"ev{k}_{e_i}o"
            graph.append(f"[{a}][{p}]overlay={x}:{y}:format=gbrp[{cur}]")
        post = []
        if noise and noise["shot"] == k:
            # In YUV, so the grain is luma noise like a sensor's, not per-RGB-channel speckle.
            post.append(f"format=yuv420p,noise=alls={noise['strength']}:allf=t")
        if k in fade_out:
            mixed, pad = fade_out[k]
            if pad:
                post.append(f"tpad=stop={pad}:stop_mode=add:color=black")
            post.append(f"fade=t=out:s={seg_len[k] - mixed - 1}:n={mixed + 1}")
        if k in fade_in:
            post.append(f"fade=t=in:s=0:n={fade_in[k] + 1}")
        post += ["format=yuv420p", f"setsar=1", f"settb=1/{fps}"]
        graph.append(f"[{cur}]" + ",".join(post) + f"[seg{k}]")

    # ---- joins: dissolves chain through xfade, everything else is concatenated ------------
    # Output frame bookkeeping for the truth, built alongside the filtergraph.
    shots = []       # truth shots
    transitions = []
    black_frames = []
    groups = []      # lists of segment labels joined by dissolves -> one stream each
    cur_label, cur_len = "seg0", seg_len[0] + fade_out.get(0, (0, 0))[1]
    t0 = 0           # output frame where the current group starts
    shot_start = [0] * len(shots_in)
    shot_src_first = [0] * len(shots_in)
    xf = 0
    for k, j in enumerate(joins):
        nxt = k + 1
        nxt_len = seg_len[nxt] + fade_out.get(nxt, (0, 0))[1]
        if j["type"] == "dissolve":
            m = j["mixed_frames"]
            off = cur_len - 1 - m  # last mixed frame = last frame of the outgoing shot
            label = f"xf{xf}"
            xf += 1
            graph.append(f"[{cur_label}][seg{nxt}]xfade=transition=fade:duration={(m + 1) / fps}"
                         f":offset={off / fps}[{label}]")
            start = t0 + off + 1
            transitions.append({"type": "dissolve", "start_frame": start, "end_frame": start + m,
                                "from_shot": k, "to_shot": nxt})
            shot_start[nxt] = start
            shot_src_first[nxt] = 1
            cur_label, cur_len = label, off + nxt_len
        else:
            groups.append(cur_label)
            t0 += cur_len
            if j["type"] == "cut":
                transitions.append({"type": "cut", "start_frame": t0, "end_frame": t0,
                                    "from_shot": k, "to_shot": nxt})
                shot_start[nxt] = t0
            else:  # fade through black
                mo, pad = fade_out[k]
                first_black = t0 - pad
                transitions.append({"type": "fade_out", "start_frame": first_black - mo,
                                    "end_frame": first_black, "from_shot": k, "to_shot": None})
                transitions.append({"type": "fade_in", "start_frame": t0 + 1,
                                    "end_frame": t0 + 1 + fade_in[nxt], "from_shot": None,
                                    "to_shot": nxt})
                black_frames.append([first_black, t0 + 1])
                shot_start[nxt] = t0 + 1
                shot_src_first[nxt] = 1
            cur_label, cur_len = f"seg{nxt}", nxt_len
    groups.append(cur_label)
    total = t0 + cur_len
    graph.append("".join(f"[{g}]" for g in groups) + f"concat=n={len(groups)}:v=1:a=0,"
                 # Renumber: each output frame is exactly 1/fps after the previous one, so
                 # the muxer never needs to duplicate or drop a frame to keep the rate.
                 f"setpts=N/({fps}*TB)[out]")

    # Shot extents: visible from shot_start to the start of the next shot's exclusive part.
    for k, shot in enumerate(shots_in):
        start = shot_start[k]
        end = start + seg_len[k] - shot_src_first[k]
        clean_start = start
        clean_end = end
        for t in transitions:
            if t["to_shot"] == k and t["type"] != "cut":
                clean_start = t["end_frame"]
            if t["from_shot"] == k and t["type"] != "cut":
                clean_end = t["start_frame"]
        if k in fade_out:
            end = next(t["end_frame"] for t in transitions
                       if t["from_shot"] == k and t["type"] == "fade_out")
        shots.append({"index": k, "start_frame": start, "end_frame": end,
                      "clean_range": [clean_start, clean_end],
                      "source": "lavfi:" + shot["name"],
                      "source_range": [shot_src_first[k], shot_src_first[k] + end - start],
                      "segment_id": k, "group": shot["name"],
                      **({"camera": "static"} if shot.get("still") else {})})

    events = []
    for k, evs in events_by_shot.items():
        for ev in evs:
            s, n = ev["start"], ev["frames"]
            amp, fr, ph0 = ev["nominal_amplitude_px"], ev["freq_hz"], ev.get("phase", 0.0)
            disp = [amp * math.sin(math.pi * (j + 1) / (n + 1)) *
                    math.sin(2 * math.pi * fr * j / fps + ph0) for j in range(n)]
            # Local frame index s of shot k is output frame shot_start[k] - first + s.
            start = shot_start[k] - shot_src_first[k] + s
            events.append({"start_frame": start, "end_frame": start + n, "bbox": ev["bbox"],
                           "amplitude_px": round(max(abs(v) for v in disp), 4),
                           "freq_hz": fr, "direction_deg": ev["direction_deg"],
                           "nominal_amplitude_px": amp, "cycles": round(fr * n / fps, 3),
                           "start_time": round(start / fps, 6),
                           "end_time": round((start + n) / fps, 6), "shot": k})

    for item in transitions + shots:
        item["start_time"] = round(item["start_frame"] / fps, 6)
        item["end_time"] = round(item["end_frame"] / fps, 6)
    for t in transitions:
        for key in ("from_shot", "to_shot"):
            if t[key] is None:
                del t[key]

    truth = {
        "schema": "kinoglaz.truth/1",
        "name": recipe["name"],
        "source": {"path": os.path.basename(out), "width": W, "height": H, "fps": float(fps),
                   "fps_rational": f"{fps}/1", "frame_count": total,
                   "duration_s": round(total / fps, 6)},
        "conventions": {
            "frames": "0-based, presentation order; ranges half-open [start_frame, end_frame)",
            "cut": "start_frame == end_frame == first frame of the incoming shot",
            "gradual": "[first frame that is no longer purely the outgoing picture, first frame "
                       "that is purely the incoming one); a fade through black is fade_out (ends "
                       "at the first all-black frame) + fade_in (starts at the first frame after "
                       "the black hold)",
            "events": "bbox [x, y, w, h] = the warped patch (displacement exactly 0 on its "
                      "border); d(j) = AMP * sin(pi*(j+1)/(n+1)) * sin(2*pi*freq_hz*j/fps + "
                      "phase) along direction_deg (0 = +x, 90 = +y) for local frame j of n, "
                      "weighted by (sin(pi*x/(w-1)) * sin(pi*y/(h-1)))^2 inside the patch",
        },
        "generator": {"tool": "data/sample/make_sample.py", "recipe": "data/sample/recipe.json",
                      "version": "1"},
        "transitions": transitions,
        "shots": shots,
        "distractors": [],
        "events": events,
        "black_frames": black_frames,
    }

    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".partial.mp4"
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
           "-filter_complex", ";\n".join(graph), "-map", "[out]", "-fps_mode", "passthrough",
           "-r", str(fps),
           *recipe["encode"], tmp]
    if os.environ.get("KINOGLAZ_SAMPLE_DEBUG"):
        print(";\n".join(graph), file=sys.stderr)
    r = subprocess.run(cmd)
    if r.returncode != 0:
        die(f"ffmpeg failed (status {r.returncode})")
    os.replace(tmp, out)
    with open(out + ".truth.json.partial", "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    os.replace(out + ".truth.json.partial", out + ".truth.json")
    print(f"make_sample: wrote {out} ({total} frames, {total / fps:.2f} s) and "
          f"{os.path.basename(out)}.truth.json")


if __name__ == "__main__":
    main()
