#!/usr/bin/env python3
"""The Python package (README.md: Python): per-call overhead of Session.process against the
work itself (the job's own time in C++) and against `vidpipe run` doing the same; the copy
zero copy avoids; two Python threads against one; vidpipe.qwen.fetch_video against the
PyAV + torchvision reference path (qwen-vl-utils 0.0.10's torchvision backend: read_video
decodes the whole clip) on a 1080p clip and on many short clips, each in its own process
(time, peak RSS). Ratios are measured in one run.

    /usr/bin/python3 bench/python.py [--quick]

--quick: a 10 s 1080p clip and 10 short clips; without it 60 s and 50, where the reference holds
the whole decoded 1080p clip (1 500 frames, about 9.5 GB of RAM).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchlib import make_video, timed

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("VIDPIPE_BUILD_DIR", ROOT / "build"))
sys.path.insert(0, str(BUILD / "python"))


def reference_fetch_video(path, fps=2.0):
    """qwen-vl-utils 0.0.10's video path with its torchvision backend (docs/qwen-reference.md)."""
    import math
    import torch
    import torchvision
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.functional import resize
    video, _, info = torchvision.io.read_video(str(path), pts_unit="sec", output_format="TCHW")
    total, rate = video.size(0), info["video_fps"]
    n = math.floor(min(max(total / rate * fps, 4), min(768, total)) / 2) * 2
    idx = torch.linspace(0, total - 1, n).round().long()
    video = video[idx]
    h, w = video.shape[2:]
    max_px = max(min(768 * 784, 90316800 / n * 2), int(128 * 784 * 1.05))
    hb, wb = round(h / 28) * 28, round(w / 28) * 28
    if hb * wb > max_px:
        beta = math.sqrt(h * w / max_px)
        hb, wb = math.floor(h / beta / 28) * 28, math.floor(w / beta / 28) * 28
    elif hb * wb < 128 * 784:
        beta = math.sqrt(128 * 784 / (h * w))
        hb, wb = math.ceil(h * beta / 28) * 28, math.ceil(w * beta / 28) * 28
    return resize(video, [hb, wb], interpolation=InterpolationMode.BICUBIC, antialias=True).float(), n / total * rate


def worker(mode, videos):
    """One approach in this process: prints {"wall": s, "frames": total frames}."""
    t0 = time.perf_counter()
    frames = 0
    for v in videos:
        if mode == "vidpipe":
            from vidpipe.qwen import fetch_video
            frames += fetch_video({"video": v}).shape[0]
        else:
            frames += reference_fetch_video(v)[0].shape[0]
    print(json.dumps({"wall": time.perf_counter() - t0, "frames": frames}))


def per_call(session, video, calls):
    walls, jobs = [], []
    for _ in range(calls):
        t0 = time.perf_counter()
        r = session.process(video)
        walls.append(time.perf_counter() - t0)
        jobs.append(r.metadata["timing"]["total"])
    return float(np.median(walls)), float(np.median(jobs)), r


def threads_ratio(session, video, calls):
    def work():
        for _ in range(calls):
            session.process(video)
    t0 = time.perf_counter()
    work()
    one = time.perf_counter() - t0
    ts = [threading.Thread(target=work) for _ in range(2)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return one, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--worker", nargs="+")
    a = ap.parse_args()
    if a.worker:
        return worker(a.worker[0], a.worker[1:])
    import vidpipe
    d = Path(tempfile.mkdtemp(prefix="vidpipe-bench-python-"))
    small = make_video(d / "small.mp4", "320x240", 25, 4)
    long_s = 10 if a.quick else 60
    hd = make_video(d / f"hd{long_s}.mp4", "1920x1080", 25, long_s)
    shorts = [make_video(d / f"short{k}.mp4", "640x360", 25, 2) for k in range(10 if a.quick else 50)]

    calls = 20 if a.quick else 100
    with vidpipe.Session("qwen2_5_vl") as s:
        per_call(s, small, 3)
        wall, job, r = per_call(s, small, calls)
        t0 = time.perf_counter()
        np.array(r.frames)
        copy = time.perf_counter() - t0
        one, two = threads_ratio(s, small, 5 if a.quick else 20)
    cli = []
    for _ in range(3 if a.quick else 10):
        cli.append(timed([BUILD / "bin" / "vidpipe", "run", small])[0])
    print(f"\nper call, {small.name} ({r.frames.shape[0]} frames {r.frames.shape[2]}x{r.frames.shape[1]}), median of {calls}")
    print(f"{'what':<44}{'ms':>10}")
    print(f"{'Session.process (wall)':<44}{wall * 1e3:>10.2f}")
    print(f"{'the job itself (C++ timing total)':<44}{job * 1e3:>10.2f}")
    print(f"{'overhead: process - job':<44}{(wall - job) * 1e3:>10.2f}")
    print(f"{'the copy avoided (np.array of the frames)':<44}{copy * 1e3:>10.2f}")
    print(f"{'vidpipe run (a process per call)':<44}{float(np.median(cli)) * 1e3:>10.2f}")
    print(f"\ntwo Python threads, each as much work as one: {two / one:.2f}x the time of one "
          f"(one {one:.2f} s, two {two:.2f} s; {os.cpu_count()} cores)")

    print(f"\nfetch_video, each in its own process: time and peak RSS")
    print(f"{'case':<34}{'vidpipe s':>10}{'ref s':>9}{'ratio':>7}{'vidpipe MiB':>13}{'ref MiB':>9}")
    for name, vids in ((f"1080p {long_s} s", [hd]), (f"{len(shorts)} clips 640x360 2 s", shorts)):
        ours = timed([sys.executable, __file__, "--worker", "vidpipe", *vids])
        ref = timed([sys.executable, __file__, "--worker", "reference", *vids])
        ow, rw = json.loads(ours[2])["wall"], json.loads(ref[2])["wall"]
        print(f"{name:<34}{ow:>10.2f}{rw:>9.2f}{rw / ow:>6.1f}x{ours[1]:>13.0f}{ref[1]:>9.0f}")


if __name__ == "__main__":
    main()
