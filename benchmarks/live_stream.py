#!/usr/bin/env python3
"""`kinoglaz live` on a loopback UDP stream: the view's rate and latency for 10 s.

Sends FILE (default: the shared baby.mp4) with `ffmpeg -re` as 640x360 H.264 in MPEG-TS to a
random UDP port, runs `kinoglaz live udp://...` on it (pinned to 2 cores with taskset when there
are more), reads /stream.mjpeg for SECONDS (default 10) after a 2 s warm-up, and samples /stats
each second. Prints per method: views received per second (overall and the worst 1 s window),
the view's size, /stats latency (mean and worst sample), frames dropped, and the kinoglaz
process's CPU time.

usage: benchmarks/live_stream.py [FILE] [SECONDS] [METHODS...]   (METHODS: eulerian phase)
Environment: KINOGLAZ_BUILD_DIR (default build), KINOGLAZ_MEDIA (default ../shared/media).
"""
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = os.environ.get("KINOGLAZ_BUILD_DIR", os.path.join(root, "build"))
media = os.environ.get("KINOGLAZ_MEDIA", os.path.join(root, "..", "shared", "media"))
film = sys.argv[1] if len(sys.argv) > 1 else os.path.join(media, "clips", "baby.mp4")
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
methods = sys.argv[3:] or ["eulerian", "phase"]
kinoglaz = os.path.join(build, "bin", "kinoglaz")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(method):
    port = random.randint(20000, 50000)
    sender = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", film,
         "-an", "-vf", "scale=640:360", "-c:v", "libx264", "-preset", "ultrafast", "-tune",
         "zerolatency", "-g", "15", "-f", "mpegts", f"udp://127.0.0.1:{port}?pkt_size=1316"])
    time.sleep(0.3)
    pin = ["taskset", "-c", "0,1"] if os.cpu_count() > 2 else []
    with tempfile.TemporaryDirectory() as out:
        live = subprocess.Popen(
            pin + [kinoglaz, "live", f"udp://127.0.0.1:{port}", "--listen", "127.0.0.1:0",
                   "--method", method, "--no-events", "-o", os.path.join(out, "clips")],
            stdout=subprocess.PIPE, text=True)
        try:
            url = re.sub(r"^kinoglaz live: ", "", live.stdout.readline().strip())
            time.sleep(2)  # warm-up: the first keyframe, the filter's start
            samples, times, sizes = [], [], set()
            stop = time.monotonic() + seconds

            def sample():
                while time.monotonic() < stop:
                    with urllib.request.urlopen(url + "stats") as r:
                        samples.append(json.load(r))
                    time.sleep(1)

            sampler = threading.Thread(target=sample)
            sampler.start()
            cpu0 = cpu_seconds(live.pid)
            with urllib.request.urlopen(url + "stream.mjpeg") as stream:
                while time.monotonic() < stop:
                    line = stream.readline()
                    if line.lower().startswith(b"content-length:"):
                        n = int(line.split(b":")[1])
                        stream.readline()
                        jpeg = stream.read(n)
                        times.append(time.monotonic())
                        # The JPEG's size, from its SOF0 marker.
                        at = jpeg.find(b"\xff\xc0")
                        if at > 0:
                            sizes.add((int.from_bytes(jpeg[at + 7:at + 9], "big"),
                                       int.from_bytes(jpeg[at + 5:at + 7], "big")))
            cpu = cpu_seconds(live.pid) - cpu0
            sampler.join()
        finally:
            live.send_signal(signal.SIGINT)
            live.wait()
            sender.terminate()
            sender.wait()
    span = times[-1] - times[0]
    worst = min(sum(1 for t in times if s <= t < s + 1)
                for s in [times[0] + k for k in range(int(span))]) if span >= 1 else 0
    latency = [s["latency_ms"] for s in samples]
    print(f"{method:9s} {len(times) - 1} views in {span:.1f} s = {(len(times) - 1) / span:.1f} fps "
          f"(worst 1 s window {worst}), size {sorted(sizes)}, latency mean "
          f"{sum(latency) / len(latency):.0f} ms worst {max(latency):.0f} ms, dropped "
          f"{samples[-1]['dropped']} of {samples[-1]['frames'] + samples[-1]['dropped']}, "
          f"CPU {cpu / span:.2f} cores")


for m in methods:
    run(m)
