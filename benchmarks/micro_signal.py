#!/usr/bin/env python3
"""How much of each injected gesture survives the encode, and how far above the noise it
stands, measured with full knowledge (an oracle): an upper bound for any detector.

    benchmarks/micro_signal.py FILM.mp4 QUIET.mp4 ARGS...

FILM.mp4 is a film of benchmarks/make_micro_film.py, QUIET.mp4 the same film made with the
same arguments and --no-gestures (the same noise and camera, no gesture); ARGS are the
generator's arguments (--seed N --base B --size WxH --fps F [--duration S]), from which the
gestures' exact waveforms are drawn again. For each gesture, at the source's resolution and
on the finder's 320 px measuring image (area-averaged, Gaussian 5x5 sigma 1), the patch's
displacement along the gesture's direction is measured in every frame by Lucas-Kanade
weighted by the gesture's own window, against the quiet film's local mean (+-0.5 s):

  gain     share of the applied displacement that the encoded film still shows (film minus
           quiet film, projected on the waveform);
  snr      matched filter: the film's displacement series correlated with the known
           waveform at the gesture's frames, over the spread of the same statistic on the
           quiet film at every other start frame (its own noise, coloured as it is);
  snr_e    the same for a detector that knows only the window length: the series' energy
           over the gesture's frames against its spread on the quiet film.

Needs numpy and the ffmpeg CLI."""

import argparse
import json
import math
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_micro_film as mmf  # noqa: E402


def decode_gray(path, w, h):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt",
                          "gray", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w)


def area_matrix(n_in, n_out, first, count):
    """Rows: output samples of an area resampling of n_in to n_out covering input samples
    first .. first+count-1 (columns)."""
    k = n_in / n_out
    o0 = int(math.ceil(first / k))
    o1 = int(math.floor((first + count) / k))
    m = np.zeros((max(0, o1 - o0), count), np.float32)
    for o in range(o0, o1):
        a, b = o * k, (o + 1) * k
        for i in range(int(math.floor(a)), int(math.ceil(b))):
            lo, hi = max(a, i), min(b, i + 1)
            if hi > lo and first <= i < first + count:
                m[o - o0, i - first] = (hi - lo) / k
    return m


def gauss_blur(stack, sigma=1.0, radius=2):
    x = np.arange(-radius, radius + 1)
    g = np.exp(-x * x / (2 * sigma * sigma))
    g /= g.sum()
    out = stack.astype(np.float32)
    for axis in (-1, -2):
        out = sum(g[i] * np.roll(out, i - radius, axis=axis) for i in range(len(g)))
    return out


def lk_series(stack, ref, weight, u):
    """Displacement along u of each frame of stack against ref (both (n, h, w) float),
    weighted least squares over the window `weight` (h, w)."""
    gx = 0.5 * (np.roll(ref, -1, axis=2) - np.roll(ref, 1, axis=2))
    gy = 0.5 * (np.roll(ref, -1, axis=1) - np.roll(ref, 1, axis=1))
    w = weight[None]
    it = stack - ref
    sxx, sxy, syy = (w * gx * gx).sum((1, 2)), (w * gx * gy).sum((1, 2)), (w * gy * gy).sum((1, 2))
    bx, by = (w * gx * it).sum((1, 2)), (w * gy * it).sum((1, 2))
    det = sxx * syy - sxy * sxy
    dx = -(syy * bx - sxy * by) / det
    dy = -(sxx * by - sxy * bx) / det
    return dx * u[0] + dy * u[1]


def local_mean(stack, half):
    c = np.cumsum(np.concatenate([np.zeros_like(stack[:1]), stack]), axis=0, dtype=np.float64)
    n = len(stack)
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)
    return ((c[hi] - c[lo]) / (hi - lo)[:, None, None]).astype(np.float32)


def waveform(e, fps):
    """The displacement of the patch's centre in each frame of the gesture, as applied."""
    n = e["end_frame"] - e["start_frame"]
    j = np.arange(n)
    return e["nominal"] * np.sin(np.pi * (j + 1) / (n + 1)) * np.sin(
        2 * np.pi * e["freq"] * j / fps + e["phase"])


def measure(film, quiet, e, fps, scale_to, win_full):
    """(gain, snr, snr_e) of event e at the source size (scale_to None) or on the proxy."""
    h, w = film.shape[1:]
    s, x0, y0 = e["size"], e["x"], e["y"]
    m = max(8, s // 2)
    xa, ya = max(0, x0 - m), max(0, y0 - m)
    xb, yb = min(w, x0 + s + m), min(h, y0 + s + m)
    wfull = np.zeros((h, w), np.float32)
    wfull[y0:y0 + s, x0:x0 + s] = win_full
    a = film[:, ya:yb, xa:xb].astype(np.float32)
    b = quiet[:, ya:yb, xa:xb].astype(np.float32)
    wt = wfull[ya:yb, xa:xb]
    unit = 1.0
    if scale_to is not None:
        pw, ph = scale_to
        rx = area_matrix(w, pw, xa, xb - xa)
        ry = area_matrix(h, ph, ya, yb - ya)
        a = ry @ a @ rx.T
        b = ry @ b @ rx.T
        wt = ry @ wt @ rx.T
        unit = w / pw  # source pixels per proxy pixel
    a, b = gauss_blur(a), gauss_blur(b)
    # The blur wraps at the crop's edges: keep the window off them.
    wt[:3], wt[-3:], wt[:, :3], wt[:, -3:] = 0, 0, 0, 0
    ref = local_mean(b, int(round(0.5 * fps)))
    ang = math.radians(e["dir"])
    u = (math.cos(ang), math.sin(ang))
    ma = lk_series(a, ref, wt, u) * unit
    mb = lk_series(b, ref, wt, u) * unit
    tmpl = waveform(e, fps)
    n = len(tmpl)
    norm = float(np.sqrt((tmpl ** 2).sum()))
    t0 = e["start_frame"]
    gain = float(((ma - mb)[t0:t0 + n] * tmpl).sum() / norm ** 2)
    corr = np.correlate(mb, tmpl / norm, mode="valid")  # quiet film, every start frame
    stat = float((ma[t0:t0 + n] * tmpl).sum() / norm)
    snr = (stat - float(np.median(corr))) / float(np.std(corr))
    energy_b = np.convolve(mb ** 2, np.ones(n), mode="valid")
    energy_a = float((ma[t0:t0 + n] ** 2).sum())
    snr_e = (energy_a - float(np.median(energy_b))) / float(np.std(energy_b))
    return gain, snr, snr_e


def overlaps(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("film")
    ap.add_argument("quiet")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--size", required=True)
    ap.add_argument("--fps", required=True)
    ap.add_argument("--duration", type=float, default=12.0)
    ap.add_argument("--spec", choices=sorted(mmf.SPECS), default="ours",
                    help="the generator's --spec: how its gestures were drawn")
    ap.add_argument("--proxy", type=int, default=320, help="longest side of the measuring image")
    ap.add_argument("--pred", help="analysis.json of the film: marks the gestures found")
    a, _ = ap.parse_known_args()
    w, h = map(int, a.size.lower().split("x"))
    fps = float(Fraction(a.fps))
    media = os.environ.get("KINOGLAZ_MEDIA") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "media")
    rng = np.random.default_rng(a.seed)
    base = mmf.read_base(media, a.base, w, h)
    frames = int(round(a.duration * fps))
    events, _ = mmf.plan_events(rng, w, h, fps, frames, base[0].astype(np.float32).mean(axis=2),
                                mmf.SPECS[a.spec])
    film, quiet = decode_gray(a.film, w, h), decode_gray(a.quiet, w, h)
    k = min(1.0, a.proxy / max(w, h))
    proxy = (max(2, round(w * k / 2) * 2), max(2, round(h * k / 2) * 2))
    found = []
    if a.pred:
        with open(a.pred) as f:
            found = [ev for ev in json.load(f).get("events", []) if ev.get("kind", "gesture")
                     == "gesture"]
    for e in events:
        win = np.outer(mmf.window(e["size"]), mmf.window(e["size"])).astype(np.float32)
        full = measure(film, quiet, e, fps, None, win)
        small = measure(film, quiet, e, fps, proxy, win)
        hit = any(ev["start_frame"] < e["end_frame"] and ev["end_frame"] > e["start_frame"]
                  and overlaps(ev["bbox"], [e["x"], e["y"], e["size"], e["size"]])
                  for ev in found) if a.pred else None
        n = e["end_frame"] - e["start_frame"]
        print(f"{os.path.basename(a.film)} amp {np.abs(waveform(e, fps)).max():.2f} px  {e['freq']:4.1f} Hz "
              f"{n / fps:.2f} s  patch {e['size']:3d} px | full: gain {full[0]:5.2f} "
              f"snr {full[1]:6.1f} snr_e {full[2]:6.1f} | {proxy[0]} px: gain {small[0]:5.2f} "
              f"snr {small[1]:6.1f} snr_e {small[2]:6.1f}"
              + ("" if hit is None else f" | {'found' if hit else 'missed'}"))


if __name__ == "__main__":
    main()
