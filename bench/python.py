#!/usr/bin/env python3
"""The Python package (README.md: Python): per-call overhead of Session.process against the
work itself (the job's own time in C++) and against `vidpipe run` doing the same; the copy
zero copy avoids; two Python threads against one; vidpipe.qwen.fetch_video against the
PyAV + torchvision reference path (qwen-vl-utils 0.0.10's torchvision backend: read_video
decodes the whole clip) on a 1080p clip and on many short clips, each in its own process
(time, peak RSS), all in one table. Ratios are measured in one run.

    /usr/bin/python3 bench/python.py [--quick]

--quick: a 10 s 1080p clip and 10 short clips; without it 60 s and 50, where the reference holds
the whole decoded 1080p clip (1 500 frames, 9.3 GB, twice while read_video stacks them): it runs
under an address-space cap (VIDPIPE_BENCH_REFERENCE_GIB, 12) and is reported out of memory above it.
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
    """Medians of the wall time and of the job's own time (C++), and the overhead per call
    (wall - job of each call): median and least (on a loaded machine, thread wake-ups after
    the job add scheduler delays; the least is the binding's own cost)."""
    walls, jobs = [], []
    for _ in range(calls):
        t0 = time.perf_counter()
        r = session.process(video)
        walls.append(time.perf_counter() - t0)
        jobs.append(r.metadata["timing"]["total"])
    over = np.array(walls) - np.array(jobs)
    return float(np.median(walls)), float(np.median(jobs)), (float(np.median(over)), float(over.min())), r


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
        wall, job, over, r = per_call(s, small, calls)
        t0 = time.perf_counter()
        np.array(r.frames)
        copy = time.perf_counter() - t0
        one, two = threads_ratio(s, small, 5 if a.quick else 20)
    cli = []
    for _ in range(3 if a.quick else 10):
        cli.append(timed([BUILD / "bin" / "vidpipe", "run", small])[0])
    rows = [("per call: Session.process vs the job in C++", f"{wall * 1e3:.2f} ms", f"{job * 1e3:.2f} ms",
             f"+{over[0] * 1e3:.2f} ms", "", ""),
            ("  overhead per call, least of the calls", f"+{over[1] * 1e3:.2f} ms", "", "", "", ""),
            ("  the copy zero copy avoided (np.array)", f"{copy * 1e3:.2f} ms", "", "", "", ""),
            ("  vidpipe run, a process per call", f"{float(np.median(cli)) * 1e3:.0f} ms", "", "", "", ""),
            ("two Python threads vs one, same work each", f"{two:.2f} s", f"{one:.2f} s", f"{two / one:.2f}x", "", "")]
    for name, vids in ((f"fetch_video 1080p {long_s} s", [hd]), (f"fetch_video {len(shorts)} clips 640x360 2 s", shorts)):
        ours = timed([sys.executable, __file__, "--worker", "vidpipe", *vids])
        ref = reference_run(vids)
        ow = json.loads(ours[2])["wall"]
        if ref is None:
            rows.append((name, f"{ow:.2f} s", f"> {REFERENCE_CAP_GIB} GiB", "", f"{ours[1]:.0f}", "out of memory"))
        else:
            rw = json.loads(ref[2])["wall"]
            rows.append((name, f"{ow:.2f} s", f"{rw:.2f} s", f"{rw / ow:.1f}x faster", f"{ours[1]:.0f}", f"{ref[1]:.0f}"))
    print(f"\nvidpipe's Python package, {small.name} ({r.frames.shape[0]} frames {r.frames.shape[2]}x{r.frames.shape[1]}) "
          f"per call median of {calls}; fetch_video each in its own process, peak RSS of that process; {os.cpu_count()} cores")
    head = ("case", "vidpipe", "reference", "ratio", "vidpipe MiB", "ref MiB")
    widths = (46, 12, 14, 14, 12, 14)
    print("".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths))))
    for row in rows:
        print("".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))


# The reference holds the whole decoded clip (twice while read_video stacks it): above this
# address-space cap it stops with a MemoryError instead of pushing a shared machine into swap.
REFERENCE_CAP_GIB = int(os.environ.get("VIDPIPE_BENCH_REFERENCE_GIB", 12))


def reference_run(videos):
    """timed() of the reference worker under the cap; None when it ran out of memory."""
    import resource
    cap = REFERENCE_CAP_GIB << 30
    cmd = [sys.executable, __file__, "--worker", "reference", *videos]
    t0 = time.perf_counter()
    p = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = status
    if status != 0:
        return None
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, out.decode()


if __name__ == "__main__":
    main()
