#!/usr/bin/env python3
"""Builds a micro-motion test film from a real base shot and writes its exact truth
(kinoglaz.truth/1, the events and quiet_ranges of the dev micro set) next to it.

    benchmarks/make_micro_film.py --seed N --base BASE --size WxH --fps NUM[/DEN]
                                  [--duration S] [--noise SIGMA] [--handheld PX]
                                  [--roll-tremor DEG] [--crf Q] [--spec ours|dev] [--no-gestures]
                                  OUT.mp4

BASE is a still stretch of real footage, read at run time from $KINOGLAZ_MEDIA (default
../shared/media next to the repository; nothing of it is committed):
    jar            issue-195-aspect-ratio.mp4 frames 71-168, a locked-off real shot (its own
                   sensor and compression noise), played forward and backward (ping-pong)
    leaf|deer|rock one of testvideo.mp4's still photographs (frames 100, 300, 450)
The base is scaled to fill WxH (centre crop) and played one source frame per output frame.

Gestures: at known frames and places a patch (8-16 % of the picture's height, on texture) is
warped by a smooth displacement d(j) = AMP * sin(pi*(j+1)/(n+1)) * sin(2*pi*f*j/fps + phase)
along one direction, for local frame j of n (0.2-0.8 s, f 2-10 Hz and below a quarter of the
frame rate). The displacement is AMP * window at each pixel, the window being 1 on the
patch's inner half and falling to 0 at its border with a raised cosine, so amplitude_px (the
largest displacement applied) is the displacement of the patch's centre. Amplitudes are drawn
band by band (0.2-0.3, 0.3-0.5 twice, 0.5-1, 1-2 px), so every film holds gestures of the
0.3-0.5 px band. --spec dev draws them as the dev micro set's README describes it instead:
48-96 px patches whatever the picture's size, 0.3-2 px, 0.15-0.6 s, 2-12 Hz (SPECS). Events never overlap in time; the first 1.5 s and one stretch of at least
2 s hold none, and quiet_ranges lists the stretches without an event.

Then, in this order: --handheld PX moves the whole picture as a hand-held camera would (a slow
wander of up to PX pixels and a slight rotation, 0.1-0.6 Hz, plus a small tremor, and with
--roll-tremor DEG a shake about the camera's axis of DEG degrees a frame; the scene
is read with a margin that is cropped after the move, and the move is made exactly, by
Fourier-domain row and column shifts, so that it blurs the picture the same at every
sub-pixel phase, as a camera's optics do), --noise
SIGMA adds Gaussian sensor noise (grey levels, independent per frame and pixel, slightly
coloured), and the film is encoded with libx264 (CRF --crf, 2-second GOP) at the given rate.
A gesture's bbox is the patch in the scene, before the hand-held move (a few pixels off at
most). Everything is drawn from numpy's default_rng(seed): the same arguments give the same
film. Needs numpy (Debian python3-numpy) and the ffmpeg CLI."""

import argparse
import json
import math
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np

BASES = {
    "jar": ("clips/issue-195-aspect-ratio.mp4", 71, 168),
    "leaf": ("clips/testvideo.mp4", 100, 101),
    "deer": ("clips/testvideo.mp4", 300, 301),
    "rock": ("clips/testvideo.mp4", 450, 451),
}
# How gestures are drawn. "ours" (the default): patches 8-16 % of the picture's height,
# amplitudes band by band from 0.2 px, 0.2-0.8 s, 2-10 Hz below a quarter of the frame rate.
# "dev": as the dev micro set's README describes it (48-96 px patches whatever the picture's
# size, 0.3-2 px, 0.15-0.6 s, 2-12 Hz below 0.4 of the frame rate).
SPECS = {
    "ours": {"bands": [(0.2, 0.3), (0.3, 0.5), (0.5, 1.0), (0.3, 0.5), (1.0, 2.0)],
             "size": lambda rng, h: int(round(h * rng.uniform(0.08, 0.16))),
             "seconds": (0.2, 0.8), "min_frames": 0, "max_hz": lambda fps: min(10.0, fps / 4)},
    "dev": {"bands": [(0.3, 0.5), (0.5, 1.0), (0.3, 0.5), (1.0, 2.0)],
            "size": lambda rng, h: min(h // 2, int(rng.integers(48, 97))),
            "seconds": (0.15, 0.6), "min_frames": 4, "max_hz": lambda fps: min(12.0, fps * 0.4)},
}


def die(msg):
    print(f"make_micro_film: {msg}", file=sys.stderr)
    sys.exit(1)


def read_base(media, name, w, h):
    path, first, end = BASES[name]
    path = os.path.join(media, path)
    if not os.path.isfile(path):
        die(f"base footage missing: {path}")
    vf = (f"select='between(n,{first},{end - 1})',setsar=1,"
          f"scale={w}:{h}:force_original_aspect_ratio=increase:flags=bicubic,crop={w}:{h}")
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-vf", vf, "-vsync", "0", "-f",
                          "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True)
    frames = np.frombuffer(raw.stdout, np.uint8).reshape(-1, h, w, 3)
    if len(frames) != end - first:
        die(f"{path}: read {len(frames)} frames, expected {end - first}")
    return frames


def base_frame(frames, k):
    """Frame k of the ping-pong play of the base (a still photo repeats its one frame)."""
    n = len(frames)
    if n == 1:
        return frames[0]
    period = 2 * n - 2
    k %= period
    return frames[k if k < n else period - k]


def bilinear(img, x, y):
    """img (h, w, c) float sampled at float coordinates x, y (same shape), edges clamped."""
    h, w = img.shape[:2]
    x = np.clip(x, 0, w - 1.001)
    y = np.clip(y, 0, h - 1.001)
    x0 = np.floor(x).astype(np.int32)
    y0 = np.floor(y).astype(np.int32)
    fx = (x - x0)[..., None]
    fy = (y - y0)[..., None]
    a = img[y0, x0] * (1 - fx) + img[y0, x0 + 1] * fx
    b = img[y0 + 1, x0] * (1 - fx) + img[y0 + 1, x0 + 1] * fx
    return a * (1 - fy) + b * fy


def shift_rows(img, shifts):
    """Each row y of img (h, w, c) moved right by shifts[y] pixels, exactly: a phase ramp in
    the Fourier domain. Unlike interpolation, it blurs nothing, whatever the sub-pixel phase
    (bilinear resampling at a half-pixel phase takes 19 % off detail of a 5 px period, so a
    camera that moves would make the finest detail pump from frame to frame). Each row is
    extended by its mirror image first, so that the periodic row has no jump at its ends to
    ring from (what comes in at the ends lies in the margin cropped afterwards)."""
    w = img.shape[1]
    f = np.fft.rfft(np.concatenate([img, img[:, ::-1]], axis=1), axis=1)
    k = np.fft.rfftfreq(2 * w)
    f *= np.exp(-2j * np.pi * np.outer(shifts, k))[:, :, None]
    return np.fft.irfft(f, n=2 * w, axis=1)[:, :w]


def camera_move(img, tx, ty, r):
    """The picture moved by (tx, ty) pixels and turned by r radians about its centre, as a
    camera's move would show it: three shears (x, y, x), each an exact row or column shift."""
    h, w = img.shape[:2]
    ys = np.arange(h) - (h - 1) / 2
    xs = np.arange(w) - (w - 1) / 2
    a, b = -math.tan(r / 2), math.sin(r)
    img = shift_rows(img, a * ys + tx)
    img = shift_rows(img.transpose(1, 0, 2), b * xs + ty).transpose(1, 0, 2)
    return shift_rows(img, a * ys)


def window(n):
    """1 on the inner half, a raised cosine to 0 at both ends (n samples)."""
    u = (np.arange(n) + 0.5) / n
    edge = np.minimum(u, 1 - u) / 0.25  # 0 at the border, 1 from a quarter inwards
    return np.where(edge >= 1, 1.0, 0.5 - 0.5 * np.cos(np.pi * np.clip(edge, 0, 1)))


def texture(gray, x, y, s):
    patch = gray[y:y + s, x:x + s]
    gx = np.diff(patch, axis=1)[:-1]
    gy = np.diff(patch, axis=0)[:, :-1]
    return float(np.mean(gx * gx + gy * gy))


def plan_events(rng, w, h, fps, frames, gray, spec):
    """Events in time order, apart, on textured places; returns (events, quiet ranges)."""
    bands = spec["bands"]
    events = []
    t = int(round(fps * rng.uniform(1.5, 2.0)))  # the first 1.5 s are quiet
    long_gap_at = int(rng.integers(1, 4))  # one gap of >= 2 s after this many events
    band = int(rng.integers(len(bands)))
    while True:
        n = max(spec["min_frames"], int(round(fps * rng.uniform(*spec["seconds"]))))
        if t + n + int(fps * 0.3) > frames:
            break
        size = max(24, spec["size"](rng, h))
        # The most textured of a few random places: a gesture on a flat area moves nothing.
        best = None
        for _ in range(12):
            x = int(rng.integers(0, w - size))
            y = int(rng.integers(0, h - size))
            e = texture(gray, x, y, size)
            if best is None or e > best[0]:
                best = (e, x, y)
        _, x, y = best
        lo, hi = bands[band % len(bands)]
        band += 1
        amp = float(rng.uniform(lo, hi))
        freq = float(rng.uniform(2.0, spec["max_hz"](fps)))
        events.append({"start_frame": t, "end_frame": t + n, "x": x, "y": y, "size": size,
                       "nominal": amp, "freq": freq, "dir": float(rng.uniform(0, 360)),
                       "phase": float(rng.uniform(0, 2 * np.pi))})
        gap = rng.uniform(0.6, 1.6)
        if len(events) == long_gap_at:
            gap = rng.uniform(2.0, 2.6)
        t += n + int(round(fps * gap))
    quiet, at = [], 0
    for e in events:
        quiet.append([at, e["start_frame"]])
        at = e["end_frame"]
    quiet.append([at, frames])
    return events, [q for q in quiet if q[1] > q[0]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--base", choices=sorted(BASES), required=True)
    ap.add_argument("--size", required=True, help="WxH, even")
    ap.add_argument("--fps", required=True, help="NUM or NUM/DEN")
    ap.add_argument("--duration", type=float, default=12.0, help="seconds (3..60)")
    ap.add_argument("--noise", type=float, default=0.0, help="sensor noise sigma, grey levels")
    ap.add_argument("--handheld", type=float, default=0.0, help="camera wander, pixels")
    ap.add_argument("--roll-tremor", type=float, default=0.0,
                    help="with --handheld: the camera's shake about its axis, degrees a frame "
                         "(standard deviation; drawn apart, so the other draws stay the same)")
    ap.add_argument("--crf", type=int, default=20)
    ap.add_argument("--spec", choices=sorted(SPECS), default="ours",
                    help="how gestures are drawn (see SPECS)")
    ap.add_argument("--no-gestures", action="store_true",
                    help="the same film (same draws, noise and camera) without the gestures "
                         "applied; the truth still lists them (to measure what survives the "
                         "encode)")
    ap.add_argument("out")
    a = ap.parse_args()
    try:
        w, h = map(int, a.size.lower().split("x"))
        fps_q = Fraction(a.fps)
    except ValueError:
        die(f"bad --size or --fps: {a.size} {a.fps}")
    if w < 64 or h < 64 or w % 2 or h % 2 or not 5 <= fps_q <= 120:
        die("--size must be even and at least 64x64, --fps 5..120")
    if not 3 <= a.duration <= 60:
        die("--duration must be 3..60 s")
    if a.roll_tremor < 0 or (a.roll_tremor > 0 and a.handheld <= 0):
        die("--roll-tremor must be >= 0 and needs --handheld (it shakes the hand-held camera)")
    media = os.environ.get("KINOGLAZ_MEDIA") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "media")
    fps = float(fps_q)
    rng = np.random.default_rng(a.seed)
    # A hand-held camera sees a little more of the scene than the picture shows: the scene
    # is read with a margin that the camera's move never exceeds, and cropped after it.
    roll_reach = math.radians(3 * a.roll_tremor) * max(w, h) / 2  # the corners' largest move
    margin = int(math.ceil(a.handheld * 1.6 + roll_reach + 2)) if a.handheld > 0 else 0
    base = read_base(media, a.base, w + 2 * margin, h + 2 * margin)
    frames = int(round(a.duration * fps))
    gray0 = base[0, margin:margin + h, margin:margin + w].astype(np.float32).mean(axis=2)
    events, quiet = plan_events(rng, w, h, fps, frames, gray0, SPECS[a.spec])

    # Camera wander: a few slow sinusoids per axis and for the rotation, plus tremor.
    def wander(scale, count=3):
        fs = rng.uniform(0.1, 0.6, count)
        ph = rng.uniform(0, 2 * np.pi, count)
        am = rng.uniform(0.5, 1.0, count)
        am *= scale / am.sum()
        return lambda t: float(np.sum(am * np.sin(2 * np.pi * fs * t + ph)))

    cam_x, cam_y = wander(a.handheld), wander(a.handheld)
    cam_r = wander(math.radians(0.15) if a.handheld > 0 else 0.0)
    tremor = a.handheld * 0.05
    roll_rng = np.random.default_rng([a.seed, 1])

    enc = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
         "-r", str(fps_q), "-i", "-", "-c:v", "libx264", "-preset", "medium", "-crf",
         str(a.crf), "-pix_fmt", "yuv420p", "-g", str(int(round(2 * fps))), "-sc_threshold",
         "0", "-r", str(fps_q), "-an", a.out], stdin=subprocess.PIPE)
    records = []
    for e in events:
        e["applied"] = 0.0
    for k in range(frames):
        img = base_frame(base, k).astype(np.float32)
        for e in events:
            if not e["start_frame"] <= k < e["end_frame"]:
                continue
            n = e["end_frame"] - e["start_frame"]
            j = k - e["start_frame"]
            d = e["nominal"] * math.sin(math.pi * (j + 1) / (n + 1)) * math.sin(
                2 * math.pi * e["freq"] * j / fps + e["phase"])
            e["applied"] = max(e["applied"], abs(d))
            if a.no_gestures:
                continue
            s, x0, y0 = e["size"], e["x"] + margin, e["y"] + margin
            win = np.outer(window(s), window(s)).astype(np.float32)
            ang = math.radians(e["dir"])
            py, px = np.mgrid[y0:y0 + s, x0:x0 + s].astype(np.float32)
            # Moving the content by +D: output(p) = input(p - D(p)).
            moved = bilinear(img, px - d * math.cos(ang) * win, py - d * math.sin(ang) * win)
            img[y0:y0 + s, x0:x0 + s] = moved
        if a.handheld > 0:
            t = k / fps
            r = cam_r(t)
            if a.roll_tremor > 0:
                r += math.radians(a.roll_tremor) * float(np.clip(roll_rng.standard_normal(), -3, 3))
            tx = cam_x(t) + tremor * rng.standard_normal()
            ty = cam_y(t) + tremor * rng.standard_normal()
            img = camera_move(img, tx, ty, r)
        img = img[margin:margin + h, margin:margin + w]
        if a.noise > 0:
            grain = rng.standard_normal((h, w, 1), dtype=np.float32) * a.noise
            img += grain + rng.standard_normal((h, w, 3), dtype=np.float32) * (a.noise * 0.3)
        enc.stdin.write(np.clip(img + 0.5, 0, 255).astype(np.uint8).tobytes())
    enc.stdin.close()
    if enc.wait() != 0:
        die("ffmpeg failed to encode")

    for e in events:
        records.append({
            "start_frame": e["start_frame"], "end_frame": e["end_frame"],
            "bbox": [e["x"], e["y"], e["size"], e["size"]],
            "amplitude_px": round(e["applied"], 4), "freq_hz": round(e["freq"], 4),
            "direction_deg": round(e["dir"], 2), "nominal_amplitude_px": round(e["nominal"], 4),
            "cycles": round(e["freq"] * (e["end_frame"] - e["start_frame"]) / fps, 3),
            "start_time": round(e["start_frame"] / fps, 4),
            "end_time": round(e["end_frame"] / fps, 4)})
    truth = {
        "schema": "kinoglaz.truth/1",
        "name": os.path.splitext(os.path.basename(a.out))[0],
        "source": {"path": os.path.basename(a.out), "width": w, "height": h, "fps": fps,
                   "fps_rational": f"{fps_q.numerator}/{fps_q.denominator}",
                   "frame_count": frames, "duration_s": round(frames / fps, 4)},
        "generator": {"tool": "make_micro_film.py", "seed": a.seed, "base": a.base,
                      "size": a.size, "fps": a.fps, "noise_sigma": a.noise,
                      "handheld_px": a.handheld, "roll_tremor_deg": a.roll_tremor, "crf": a.crf,
                      "spec": a.spec},
        "transitions": [],
        "shots": [{"index": 0, "start_frame": 0, "end_frame": frames,
                   "clean_range": [0, frames]}],
        "distractors": [],
        "events": records,
        "quiet_ranges": quiet,
    }
    with open(os.path.splitext(a.out)[0] + ".truth.json", "w") as f:
        json.dump(truth, f, indent=1)
    amps = ", ".join(f"{r['amplitude_px']:.2f}" for r in records)
    print(f"{a.out}: {frames} frames, {len(records)} events "
          f"({amps} px)", file=sys.stderr)


if __name__ == "__main__":
    main()
