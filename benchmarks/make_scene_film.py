#!/usr/bin/env python3
"""Builds a test film of scenes and montage from the shared footage with the ffmpeg CLI and
writes its exact truth (kinoglaz.truth/1) next to it.

    benchmarks/make_scene_film.py --seed N --size WxH [--sar A:B] --fps NUM/DEN OUT.mp4

The footage is read at run time from $KINOGLAZ_MEDIA (default ../shared/media next to the
repository): the clips whose shot boundaries are known (shared/media/README.md) and the
shots of the dev montages that come from footage not in clips/.  Nothing of it is committed.

A film is a run of scenes.  Within a scene the shots come from one source (the set-ups of one
place and light, or another framing of the same footage: a cut-in) and are joined by cuts;
scenes are joined by cuts, dissolves (8-30 frames), wipes and slides (ffmpeg `xfade`) and
fades through black.  A set-up is one view: its first shot draws its framing (filling the
frame, boxed — pillarbox, letterbox or windowbox, the picture keeping its aspect ratio inside
black bars — or turned to portrait with `transpose` and boxed) and its later shots keep it,
now and then showing the same view another way at a scale within 1.25x; its cut-in is one
framing of its own, the picture 1.7x larger (the truth's rule: a shot whose picture is 1.5x or
more larger than its set-up's view is that set-up's cut-in, a set-up of its own).  Distractors, listed in the truth and never transitions: flashes
(2-3 frames pushed toward white), fast pans (a zoomed crop moving across the picture in 8-12
frames) and foreground occlusions (a dark, soft-edged blob crossing the picture in 8-10
frames).  Everything is drawn from random.Random(seed): the same arguments give the same film.

Frame conventions (shared/CONTRACT.md), with FFmpeg 5.1's filters as make_sample.py states
them: fade=t=out:s=S:n=N leaves S untouched, mixes S+1..S+N-1 and blacks out S+N onwards;
xfade offset=O duration=D (frames) shows the first input alone at output frame O, mixes
O+1..O+D-1 and the second input alone from O+D, the second input's frame k at output O+k."""

import argparse
import functools
import json
import math
import os
import random
import subprocess
import sys
import tempfile
from fractions import Fraction

WIPES = ["wipeleft", "wiperight", "wipeup", "wipedown", "slideleft", "slideright",
         "slideup", "slidedown"]


def die(msg):
    print(f"make_scene_film: {msg}", file=sys.stderr)
    sys.exit(1)


@functools.lru_cache(maxsize=None)
def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=width,height,sample_aspect_ratio,avg_frame_rate,nb_frames",
                          "-of", "json", path], capture_output=True, text=True, check=True)
    s = json.loads(out.stdout)["streams"][0]
    sar = s.get("sample_aspect_ratio", "1:1")
    sar = Fraction(1) if sar in ("0:1", "N/A") else Fraction(*map(int, sar.split(":")))
    return s["width"], s["height"], sar, Fraction(s["avg_frame_rate"])


def footage(media):
    """Source pool: (file, first, end, family, setup) with [first, end) inside one shot."""
    clips = os.path.join(media, "clips")
    pool = []
    # Shot boundaries of the clips, from shared/media/README.md; one frame kept off each side.
    known = {
        "issue-195-aspect-ratio.mp4": ("i195", [(0, 70), (70, 170), (170, 301), (301, 421),
                                                (421, 455), (484, 628)]),
        # [60, 140) is left out: it is the original film's cut-in on [0, 60), and a framing
        # here can undo its magnification, which would make two "set-ups" of one view.
        "goldeneye-vfr-drop3.mp4": ("goldeneye", [(0, 60), None, (140, 160)]),
        "testvideo.mp4": ("stills", [(30, 180), (240, 331), (423, 529), (558, 664)]),
        "baby.mp4": ("baby", [(0, 301)]),
        "guitar.mp4": ("guitar", [(0, 300)]),
    }
    for name, (family, shots) in known.items():
        path = os.path.join(clips, name)
        if not os.path.exists(path):
            die(f"missing footage {path}")
        for i, span in enumerate(shots):
            if span is None:
                continue
            a, b = span
            pool.append((path, a + 1, b - 1, family if family != "stills" else f"still{i}",
                         f"{family}-{i}"))
    # Dev montage shots whose footage is not in clips/ (the animation): their clean ranges,
    # minus distractors. The portrait goldeneye (issue-134-rotate) is left out: it is the
    # clip's own footage turned, so its monitor is goldeneye-0's view under another name.
    for i in range(1, 5):
        base = os.path.join(media, "dev", f"dev_montage_0{i}")
        if not os.path.exists(base + ".truth.json"):
            continue
        with open(base + ".truth.json") as f:
            truth = json.load(f)
        bad = [(d["start_frame"] - 2, d["end_frame"] + 2) for d in truth.get("distractors", [])]
        for s in truth["shots"]:
            if (os.path.exists(os.path.join(clips, s["source"])) or
                    s["source"].startswith("issue-134-rotate")):
                continue
            a, b = s["clean_range"][0] + 1, s["clean_range"][1] - 1
            if any(x < b and a < y for x, y in bad) or b - a < 30:
                continue
            fam = s["source"].split(".")[0]
            pool.append((base + ".mp4", a, b, fam, s["group"]))
    return pool


class Film:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.W, self.H = map(int, args.size.split("x"))
        self.sar = Fraction(*map(int, args.sar.split(":")))
        self.fps = Fraction(args.fps)
        # Compose in square pixels at the display size; scaled to the storage size at the end.
        self.DW = int(round(self.W * self.sar / 2)) * 2
        self.DH = self.H
        self.seconds = args.seconds
        self.base_framing = {}  # set-up -> the framing of its own view
        self.close_framing = {}  # set-up -> the framing of its cut-in

    def frames(self, seconds):
        return max(1, int(round(seconds * self.fps)))


def frame_count(path):
    """Frames of an mp4 written here, from its index."""
    return int(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                               "-show_entries", "stream=nb_frames", "-of", "csv=p=0", path],
                              capture_output=True, text=True, check=True).stdout.strip())


@functools.lru_cache(maxsize=None)
def seekable(path):
    """Whether frame k of the source starts at k / rate, so it can be sought by time."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=r_frame_rate,avg_frame_rate", "-of", "csv=p=0", path],
                         capture_output=True, text=True, check=True).stdout.split(",")
    return Fraction(out[0]) == Fraction(out[1].strip())


def framing_chain(film, rng, src, length, src_fps, framing, distractor):
    """Filter chain turning the source's frames into `length` frames at the film's display size
    and rate, with an optional distractor at local frames [d0, d1)."""
    path, first, end, family, setup = src
    w, h, sar, _ = probe(path)
    DW, DH = film.DW, film.DH
    # The input is sought to `first` (seek_args) where the source has a constant rate.
    skip = 0 if seekable(path) else first
    chain = [f"trim=start_frame={skip}:end_frame={skip + end - first}",
             f"setpts=N/({src_fps}*TB)",
             f"fps={film.fps}", f"trim=end_frame={length}",
             f"scale={int(round(w * sar / 2)) * 2}:{h}", "setsar=1"]
    mode, zoom, cx, cy = framing
    if mode in ("portrait", "portrait_fill"):
        chain.append("transpose=1")
    if mode in ("fill", "portrait_fill"):
        chain.append(f"scale={int(DW * zoom / 2) * 2}:{int(DH * zoom / 2) * 2}:"
                     "force_original_aspect_ratio=increase")
        if distractor and distractor[0] == "pan":
            d0, d1 = distractor[1], distractor[2]
            c0, c1 = rng.choice([(0.0, 1.0), (1.0, 0.0)])
            # The crop centre moves from c0 to c1 during [d0, d1) and holds before and after.
            p = f"clip((n-{d0 - 1})/{d1 - d0},0,1)"
            chain.append(f"crop={DW}:{DH}:x='(iw-ow)*({c0}+({c1 - c0})*{p})':y='(ih-oh)*{cy:.3f}'")
        else:
            chain.append(f"crop={DW}:{DH}:x='(iw-ow)*{cx:.3f}':y='(ih-oh)*{cy:.3f}'")
    else:
        f = 1.0 if mode != "window" else zoom
        chain.append(f"scale={int(DW * f / 2) * 2}:{int(DH * f / 2) * 2}:"
                     "force_original_aspect_ratio=decrease,scale=trunc(iw/2)*2:trunc(ih/2)*2")
        chain.append(f"pad={DW}:{DH}:(ow-iw)/2:(oh-ih)/2:color=black")
    chain.append("format=yuv420p")
    if distractor and distractor[0] == "flash":
        for i, n in enumerate(range(distractor[1], distractor[2])):
            g = distractor[3][i]
            chain.append(f"lutyuv=y='val+{g:.3f}*(255-val)':u='val+{g:.3f}*(128-val)'"
                         f":v='val+{g:.3f}*(128-val)':enable='eq(n,{n})'")
    return chain


def render_segment(film, rng, src, length, framing, distractor, out):
    path, first, end, family, setup = src
    src_fps = probe(path)[3]
    chain = framing_chain(film, rng, src, length, src_fps, framing, distractor)
    graph = f"[0:v]{','.join(chain)}[v]"
    if distractor and distractor[0] == "occlusion":
        d0, d1 = distractor[1], distractor[2]
        s = int(min(film.DW, film.DH) * rng.uniform(0.6, 0.9)) // 2 * 2
        sig = s / 5
        dur = Fraction(d1 - d0) / film.fps
        t0 = Fraction(d0) / film.fps
        y = rng.uniform(0.1, 0.5)
        grey = rng.randint(20, 60)
        # A soft dark blob (out-of-focus foreground) crossing the picture in d1 - d0 frames.
        graph = (f"[0:v]{','.join(chain)}[base];"
                 f"color=c=black@0:s={s}x{s}:r={film.fps}:d={float(dur) + 1},format=yuva420p,"
                 f"geq=lum={grey}:cb=128:cr=128:a='255*min(1,1.6*exp(-((X-{s / 2})^2+(Y-{s / 2})^2)"
                 f"/(2*{sig:.1f}^2)))',setpts=PTS+{float(t0)}/TB[blob];"
                 f"[base][blob]overlay=x='-w+(W+w)*(t-{float(t0)})/{float(dur)}'"
                 f":y='(H-h)*{y:.3f}':eof_action=pass:eval=frame,format=yuv420p[v]")
    seek = ["-ss", f"{float((first - Fraction(1, 2)) / src_fps):.6f}"] if seekable(path) else []
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *seek, "-i", path,
           "-filter_complex", graph, "-map", "[v]", "-frames:v", str(length), "-fps_mode",
           "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", out]
    r = subprocess.run(cmd)
    if r.returncode != 0:
        die(f"ffmpeg failed on a segment of {path}")
    n = frame_count(out)
    if n != length:
        die(f"segment {out} has {n} frames, not {length}")


def plan(film, pool):
    """Shots and joins: scenes of 2-5 shots from one family, cut together; about half of the
    scenes of a family with two set-ups or more are an alternation A B A B (A B), each return
    continuing its set-up's footage where it left off."""
    rng = film.rng
    fams = sorted({p[3] for p in pool})
    shots, joins, alternations = [], [], []
    total = 0
    target = film.frames(film.seconds)
    last_fam = None
    scene = -1
    while total < target:
        fam = rng.choice([f for f in fams if f != last_fam])
        last_fam = fam
        members = [p for p in pool if p[3] == fam]
        setups = sorted({m[4] for m in members})
        scene += 1
        if len(setups) >= 2 and rng.random() < 0.5:
            first_shot = len(shots)
            total += alternation(film, rng, fam, members, setups, shots, joins, scene)
            run = list(range(first_shot, len(shots)))
            if len(run) >= 4:
                alternations.append({"shots": run, "groups": [shots[run[0]]["setup"],
                                                              shots[run[1]]["setup"]]})
            continue
        n = rng.randint(2, 5) if not fam.startswith("still") else 1
        prev, prev_end = None, None
        opened = False
        for i in range(n):
            if prev is not None and rng.random() < 0.3:
                src = prev  # another framing of the same footage: a cut-in or cut-out
            else:
                choices = [m for m in members if m is not prev] or members
                src = rng.choice(choices)
            src_fps = probe(src[0])[3]
            # Another framing of the same set-up continues its footage where the last shot
            # ended, as a cut-in does.
            lo = prev_end if src is prev and prev_end is not None else src[1]
            avail = int((src[2] - lo) * film.fps / src_fps) - 2
            length = min(film.frames(rng.uniform(1.2, 4.0)), avail)
            if length < film.frames(0.8):
                if src is prev:
                    prev_end = None
                continue
            need = int(math.ceil(length * src_fps / film.fps)) + 2
            a = lo if src is prev else src[1] + rng.randint(0, max(0, src[2] - src[1] - need))
            if prev is not None and src[4] == prev[4]:
                framing = cut_in_or_out(film, rng, src, shots[-1]["framing"])
            else:
                framing = setup_framing(film, rng, src)
            shot = {"src": (src[0], a, min(src[2], a + need), src[3], src[4]), "length": length,
                    "family": fam, "setup": src[4], "framing": framing, "scene": scene}
            if shots:
                joins.append({"type": "cut"} if opened else scene_join(film, rng))
            opened = True
            shots.append(shot)
            total += length
            prev, prev_end = src, min(src[2], a + need)
        if not opened:
            scene -= 1
    # Distractors in the middle of long shots, clear of both joins.
    for k, s in enumerate(shots):
        if s["length"] < film.frames(2.0) or rng.random() > 0.45:
            continue
        kind = rng.choice(["flash", "pan", "occlusion"])
        if kind == "pan" and (s["framing"][0] not in ("fill", "portrait_fill") or
                              any(0 <= i < len(shots) and shots[i]["setup"] == s["setup"]
                                  for i in (k - 1, k + 1))):
            # A pan needs a cropped framing to move in, and must not make a cut-in's zoom
            # step vanish.
            kind = "flash"
        mid = int(s["length"] * rng.uniform(0.4, 0.55))
        if kind == "flash":
            n = rng.randint(2, 3)
            s["distractor"] = ("flash", mid, mid + n, [rng.uniform(0.3, 0.8) for _ in range(n)])
        elif kind == "pan":
            n = rng.randint(8, 12)
            s["distractor"] = ("pan", mid, mid + n)
            # Room to pan a quarter of the width or more, the view within 1.25x of the set-up's.
            mode, zoom, _, cy = s["framing"]
            s["framing"] = (mode, max(zoom, 1.25), 0.5, cy)
        else:
            n = rng.randint(8, 10)
            s["distractor"] = ("occlusion", mid, mid + n)
    return shots, joins, alternations


def new_framing(rng):
    mode = rng.choices(["fill", "box", "portrait", "window"], [0.5, 0.2, 0.2, 0.1])[0]
    return (mode, rng.uniform(1.0, 1.3) if mode == "fill" else rng.uniform(0.7, 0.85),
            rng.random(), rng.random())


def picture_scale(film, path, framing):
    """Film pixels per source display pixel: how large the framing shows the footage."""
    w, h, sar, _ = probe(path)
    sw, sh = w * sar, h
    mode, zoom = framing[0], framing[1]
    if mode in ("portrait", "portrait_fill"):
        sw, sh = sh, sw
    fit, cover = min(film.DW / sw, film.DH / sh), max(film.DW / sw, film.DH / sh)
    return float({"fill": cover * zoom, "portrait_fill": cover * zoom,
                  "window": fit * zoom}.get(mode, fit))


def setup_framing(film, rng, src):
    """The framing of a set-up's shot that is not a cut-in. A set-up is one view: its first
    shot fixes its framing; a later shot keeps it, or now and then shows the same view another
    way (boxed, turned, recropped) at a scale within 1.25x of it."""
    base = film.base_framing.get(src[4])
    if base is None:
        base = film.base_framing[src[4]] = new_framing(rng)
        return base
    if rng.random() < 0.3:
        s0 = picture_scale(film, src[0], base)
        for _ in range(20):
            f = new_framing(rng)
            if 1 / 1.25 <= picture_scale(film, src[0], f) / s0 <= 1.25:
                return f
    return base


def cut_in_or_out(film, rng, src, framing):
    """The next shot of the same footage: from the set-up's own view its cut-in (the picture
    magnified 1.7x or more about another centre, so the cut is there to see; one per set-up,
    a view of its own), from the cut-in back out to the set-up's view."""
    base = film.base_framing[src[4]]
    s0 = picture_scale(film, src[0], base)
    if picture_scale(film, src[0], framing) >= 1.5 * s0:
        return base
    if src[4] not in film.close_framing:
        # The camera keeps its orientation: a turned view's cut-in is turned too.
        mode = "portrait_fill" if base[0] == "portrait" else "fill"
        cover = picture_scale(film, src[0], (mode, 1.0))
        film.close_framing[src[4]] = (mode, max(1.0, 1.7 * s0 / cover), rng.random(),
                                      rng.random())
    return film.close_framing[src[4]]


def alternation(film, rng, fam, members, setups, shots, joins, scene):
    """Appends an alternation of two set-ups of one family (4-6 shots, fewer when the footage
    runs out): each set-up keeps one framing and one source shot, and each return continues
    that shot's footage where the last one ended. Returns the frames added."""
    a_setup, b_setup = rng.sample(setups, 2)
    src = {x: rng.choice([m for m in members if m[4] == x]) for x in (a_setup, b_setup)}
    pos = {x: src[x][1] for x in src}
    framing = {x: setup_framing(film, rng, src[x]) for x in src}
    added = 0
    for i in range(rng.randint(4, 6)):
        x = (a_setup, b_setup)[i % 2]
        m = src[x]
        src_fps = probe(m[0])[3]
        avail = int((m[2] - pos[x]) * film.fps / src_fps) - 2
        length = min(film.frames(rng.uniform(0.8, 2.0)), avail)
        if length < film.frames(0.6):
            break
        need = int(math.ceil(length * src_fps / film.fps)) + 2
        shot = {"src": (m[0], pos[x], min(m[2], pos[x] + need), m[3], m[4]), "length": length,
                "family": fam, "setup": x, "framing": framing[x], "scene": scene}
        if shots:
            joins.append({"type": "cut"} if i > 0 else scene_join(film, rng))
        shots.append(shot)
        added += length
        pos[x] = min(m[2], pos[x] + need)
    return added


def scenes_of(truth_shots):
    """The truth's scenes: runs of shots with one scene number, with their frames."""
    scenes = []
    for s in truth_shots:
        if scenes and scenes[-1]["scene"] == s["scene"]:
            scenes[-1]["last_shot"] = s["index"]
            scenes[-1]["end_frame"] = s["end_frame"]
        else:
            scenes.append({"scene": s["scene"], "first_shot": s["index"],
                           "last_shot": s["index"], "family": s["family"],
                           "start_frame": s["start_frame"], "end_frame": s["end_frame"]})
    for i, sc in enumerate(scenes):
        sc["index"] = i
        del sc["scene"]
    for s in truth_shots:
        s["scene"] = next(sc["index"] for sc in scenes
                          if sc["first_shot"] <= s["index"] <= sc["last_shot"])
    return scenes


def alternations_of(truth_shots):
    """The truth's alternations, by their definition: within one scene, a run of 4 or more
    shots in which every shot has the set-up of the shot two before it and not that of the
    shot before (A B A B ...). The planned alternation scenes are such runs; so is a chain of
    cut-ins and cut-outs (a cut-in is a set-up of its own)."""
    runs, k, n = [], 0, len(truth_shots)
    g = [s["group"] for s in truth_shots]
    sc = [s["scene"] for s in truth_shots]
    while k + 1 < n:
        end = k + 2
        while (end < n and sc[end] == sc[k] and g[end] == g[end - 2] and g[end] != g[end - 1]
               and sc[k + 1] == sc[k] and g[k] != g[k + 1]):
            end += 1
        if end - k >= 4:
            runs.append({"shots": list(range(k, end)), "groups": [g[k], g[k + 1]]})
            k = end
        else:
            k += 1
    return runs


def scene_join(film, rng):
    kind = rng.choices(["cut", "dissolve", "wipe", "fade"], [0.25, 0.35, 0.25, 0.15])[0]
    if kind == "dissolve":
        return {"type": "dissolve", "mixed": rng.randint(8, 30)}
    if kind == "wipe":
        return {"type": "wipe", "mixed": rng.randint(10, 24), "transition": rng.choice(WIPES)}
    if kind == "fade":
        return {"type": "fade", "out": rng.randint(8, 24), "black": rng.randint(1, 8),
                "in": rng.randint(8, 24)}
    return {"type": "cut"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--size", required=True, help="storage size WxH")
    ap.add_argument("--sar", default="1:1", help="sample aspect ratio A:B")
    ap.add_argument("--fps", required=True, help="frame rate, e.g. 24000/1001")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("out")
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    media = os.environ.get("KINOGLAZ_MEDIA", os.path.join(here, "..", "..", "shared", "media"))
    film = Film(args)
    fps = film.fps
    out = os.path.abspath(args.out)
    shots, joins, alternations = plan(film, footage(media))
    # A dissolve or wipe must fit in both shots; shorten it where a shot is short.
    for k, j in enumerate(joins):
        if "mixed" in j:
            j["mixed"] = max(4, min(j["mixed"], shots[k]["length"] // 2 - 2,
                                    shots[k + 1]["length"] // 2 - 2))
        if j["type"] == "fade":
            j["out"] = min(j["out"], shots[k]["length"] // 2 - 2)
            j["in"] = min(j["in"], shots[k + 1]["length"] // 2 - 2)
    # A distractor stays clear of the joins by two frames, or is left out.
    for k, s in enumerate(shots):
        d = s.get("distractor")
        if not d:
            continue
        before, after = joins[k - 1] if k > 0 else None, joins[k] if k < len(joins) else None
        lo = 0 if not before else before.get("mixed", before.get("in", -1)) + 1
        hi = s["length"] - (0 if not after else after.get("mixed", after.get("out", 0)))
        if not (lo + 2 <= d[1] and d[2] <= hi - 2):
            del s["distractor"]

    work = tempfile.mkdtemp(prefix="scene_film_")
    try:
        for k, s in enumerate(shots):
            render_segment(film, film.rng, s["src"], s["length"], s["framing"],
                           s.get("distractor"), os.path.join(work, f"s{k}.mp4"))

        # Composed at one frame per second (time base 1/1): xfade's offsets and durations are
        # then whole frame counts, with no rounding at rates like 24000/1001.
        tb = "1/1"
        fade_out = {k: (j["out"], j["black"] - 1) for k, j in enumerate(joins)
                    if j["type"] == "fade"}
        fade_in = {k + 1: j["in"] for k, j in enumerate(joins) if j["type"] == "fade"}
        seg_len, seg_post = [], []
        for k, s in enumerate(shots):
            post = [f"settb={tb}", "setpts=N", "fps=1", "setsar=1"]
            L = s["length"]
            if k in fade_out:
                mixed, pad = fade_out[k]
                if pad:
                    post.append(f"tpad=stop={pad}:stop_mode=add:color=black")
                post.append(f"fade=t=out:s={L - mixed - 1}:n={mixed + 1}")
                L += pad
            if k in fade_in:
                post.append(f"fade=t=in:s=0:n={fade_in[k] + 1}")
            post += ["format=yuv420p", f"settb={tb}", "setpts=N"]
            seg_post.append(",".join(post))
            seg_len.append(L)

        # A stream is a segment (with its fades) or a file of joined segments (retimed only).
        def stream_in(item, idx):
            kind, ref = item
            chain = seg_post[ref] if kind == "seg" else f"settb={tb},setpts=N,fps=1"
            path = os.path.join(work, f"s{ref}.mp4") if kind == "seg" else ref
            return path, f"[{idx}:v]{chain}"

        transitions, black_frames, groups = [], [], []
        seg_start = [0] * len(shots)  # output frame of each segment's local frame 0
        first_own = [0] * len(shots)  # first local frame in which the shot is visible
        cur, cur_len, t0 = ("seg", 0), seg_len[0], 0
        for k, j in enumerate(joins):
            nxt = k + 1
            if j["type"] in ("dissolve", "wipe"):
                m = j["mixed"]
                off = cur_len - 1 - m
                kind = "fade" if j["type"] == "dissolve" else j["transition"]
                # Each xfade is rendered on its own: FFmpeg 5.1's xfade drops a frame when its
                # first input is another xfade's output that ends with the transition.
                pa, ca = stream_in(cur, 0)
                pb, cb = stream_in(("seg", nxt), 1)
                joined = os.path.join(work, f"x{k}.mp4")
                cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", pa,
                       "-i", pb, "-filter_complex",
                       f"{ca}[a];{cb}[b];[a][b]xfade=transition={kind}:duration={m + 1}"
                       f":offset={off},format=yuv420p[o]", "-map", "[o]", "-fps_mode",
                       "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", joined]
                if subprocess.run(cmd).returncode != 0:
                    die("ffmpeg failed on a dissolve or wipe")
                cur, cur_len = ("file", joined), off + seg_len[nxt]
                if frame_count(joined) != cur_len:
                    die(f"internal: {joined} has {frame_count(joined)} frames, not {cur_len}")
                start = t0 + off + 1
                t = {"type": j["type"], "start_frame": start, "end_frame": start + m,
                     "from_shot": k, "to_shot": nxt}
                if j["type"] == "wipe":
                    t["params"] = {"xfade": kind}
                transitions.append(t)
                seg_start[nxt] = t0 + off
                first_own[nxt] = 1
            else:
                groups.append(cur)
                t0 += cur_len
                seg_start[nxt] = t0
                if j["type"] == "cut":
                    transitions.append({"type": "cut", "start_frame": t0, "end_frame": t0,
                                        "from_shot": k, "to_shot": nxt})
                else:
                    mo, pad = fade_out[k]
                    first_black = t0 - pad
                    transitions.append({"type": "fade_out", "start_frame": first_black - mo,
                                        "end_frame": first_black, "from_shot": k})
                    transitions.append({"type": "fade_in", "start_frame": t0 + 1,
                                        "end_frame": t0 + 1 + fade_in[nxt], "to_shot": nxt})
                    black_frames.append([first_black, t0 + 1])
                    first_own[nxt] = 1
                cur, cur_len = ("seg", nxt), seg_len[nxt]
        groups.append(cur)
        total = t0 + cur_len
        sar = film.sar
        inputs, graph = [], []
        for i, g in enumerate(groups):
            path, chain = stream_in(g, i)
            inputs += ["-i", path]
            graph.append(f"{chain}[g{i}]")
        graph.append("".join(f"[g{i}]" for i in range(len(groups))) +
                     f"concat=n={len(groups)}:v=1:a=0,"
                     f"scale={film.W}:{film.H},setsar={sar.numerator}/{sar.denominator},"
                     f"settb={fps.denominator}/{fps.numerator},setpts=N[out]")

        truth_shots, distractors = [], []
        for k, s in enumerate(shots):
            start = seg_start[k] + first_own[k]
            end = seg_start[k] + s["length"]
            clean = [start, end]
            for t in transitions:
                if t.get("to_shot") == k and t["type"] != "cut":
                    clean[0] = t["end_frame"]
                if t.get("from_shot") == k and t["type"] != "cut":
                    clean[1] = t["start_frame"]
                if t.get("from_shot") == k and t["type"] == "fade_out":
                    end = t["end_frame"]
            path, a, b, fam, setup = s["src"]
            # A cut-in (the footage shown 1.5x larger or more than in its set-up's own view) is
            # a new set-up, as in the dev set's truth (a closer framing of one view is another
            # camera set-up); the same view boxed, turned or recropped keeps its set-up.
            close = (picture_scale(film, path, s["framing"]) >=
                     1.5 * picture_scale(film, path, film.base_framing[setup]))
            truth_shots.append({"index": k, "start_frame": start, "end_frame": end,
                                "clean_range": clean, "source": os.path.basename(path),
                                "source_range": [a, b],
                                "group": setup + ("-close" if close else ""), "family": fam,
                                "framing": s["framing"][0],
                                "framing_zoom": round(s["framing"][1], 3), "scene": s["scene"]})
            d = s.get("distractor")
            if d:
                ds, de = seg_start[k] + d[1], seg_start[k] + d[2]
                if not clean[0] + 2 <= ds < de <= clean[1] - 2:
                    die("internal: a distractor overlaps a transition")
                kind = {"pan": "fast_motion"}.get(d[0], d[0])
                distractors.append({"kind": kind, "shot": k, "start_frame": ds,
                                    "end_frame": de})
        for item in transitions + truth_shots + distractors:
            item["start_time"] = round(float(item["start_frame"] / fps), 6)
            item["end_time"] = round(float(item["end_frame"] / fps), 6)

        name = os.path.splitext(os.path.basename(out))[0]
        truth = {
            "schema": "kinoglaz.truth/1",
            "name": name,
            "source": {"path": os.path.basename(out), "width": film.W, "height": film.H,
                       "sample_aspect_ratio": f"{sar.numerator}:{sar.denominator}",
                       "fps": float(fps), "fps_rational": f"{fps.numerator}/{fps.denominator}",
                       "frame_count": total, "duration_s": round(float(total / fps), 6)},
            "conventions": {
                "frames": "0-based, presentation order; ranges half-open [start_frame, end_frame)",
                "cut": "start_frame == end_frame == first frame of the incoming shot",
                "gradual": "[first frame that is no longer purely the outgoing picture, first "
                           "frame that is purely the incoming one); a fade through black is "
                           "fade_out (ends at the first all-black frame) + fade_in (starts at "
                           "the first frame after the black hold); wipes include xfade slides",
                "distractors": "not transitions; a prediction there is a false positive",
            },
            "generator": {"tool": "benchmarks/make_scene_film.py", "version": "1",
                          "seed": args.seed, "size": args.size, "sar": args.sar,
                          "fps": args.fps, "seconds": args.seconds},
            "transitions": transitions,
            "shots": truth_shots,
            "distractors": distractors,
            "scenes": scenes_of(truth_shots),
            "alternations": alternations_of(truth_shots),
            "black_frames": black_frames,
        }
        tmp = out + ".partial.mp4"
        gop = int(round(2 * fps))
        cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *inputs,
               "-filter_complex", ";\n".join(graph), "-map", "[out]", "-fps_mode", "passthrough",
               "-r", f"{fps.numerator}/{fps.denominator}", "-c:v", "libx264", "-preset",
               "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-g", str(gop), "-keyint_min",
               str(gop), "-sc_threshold", "0", "-an", tmp]
        if os.environ.get("KINOGLAZ_FILM_DEBUG"):
            print(";\n".join(graph), file=sys.stderr)
        if subprocess.run(cmd).returncode != 0:
            die("ffmpeg failed on the assembly")
        n = int(subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams",
                                "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0",
                                tmp], capture_output=True, text=True, check=True).stdout.strip())
        if n != total:
            die(f"internal: the film has {n} frames, not {total}")
        os.replace(tmp, out)
        truth_path = os.path.splitext(out)[0] + ".truth.json"
        with open(truth_path + ".partial", "w") as f:
            json.dump(truth, f, indent=1)
            f.write("\n")
        os.replace(truth_path + ".partial", truth_path)
        print(f"make_scene_film: wrote {out} ({total} frames, {film.W}x{film.H}, {fps} fps, "
              f"{len(transitions)} transitions, {len(distractors)} distractors)")
    finally:
        for f in os.listdir(work):
            os.remove(os.path.join(work, f))
        os.rmdir(work)


if __name__ == "__main__":
    main()
