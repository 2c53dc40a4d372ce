#!/usr/bin/python3
"""vidpipe vs its peers on generated videos, measured in one run (ratios, not absolutes: the
machines are shared and noisy).

  bench/pipeline.py [--build build] [--quick]

Rows per video:
  vidpipe            the default Qwen2.5-VL graph (decode planned frames, exact resize, npy + json)
  vidpipe fast graph graphs/qwen2_5_vl_fast.yaml: same frames and sizes; the decoder hands the
                     pictures on as decoded and process.convert_scale mode fast resizes
                     the YUV planes and converts at output size, in parallel
  ffmpeg decode      `ffmpeg -threads 0 -i V -f null -`: the full-decode floor
  ffmpeg select+scale  the CLI producing the same frames at the same size (bicubic) as raw RGB
  pyav+torchvision   the reference stack: decode every frame (read_video style), keep the
                     planned ones, torchvision antialiased bicubic resize
Then the profiler's cost: wall time with profiling on vs off (median of alternating runs) and
the per-call cost of the profiler hook against the mean node call.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import make_video, timed

ROOT = Path(__file__).resolve().parents[1]


def run(cmd):
    """Runs cmd; returns (wall seconds, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(list(map(str, cmd)), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stderr[-2000:]}")
    return time.perf_counter() - t0, p.stdout


def pyav_torchvision(video, indices, h, w):
    code = f"""
import av, torch
from torchvision.transforms import InterpolationMode
from torchvision.transforms.functional import resize
want = set({indices!r}); frames = []
with av.open({str(video)!r}) as c:
    c.streams.video[0].thread_type = "AUTO"
    for i, f in enumerate(c.decode(video=0)):
        if i in want: frames.append(torch.from_numpy(f.to_ndarray(format="rgb24")).permute(2, 0, 1))
x = resize(torch.stack(frames), [{h}, {w}], interpolation=InterpolationMode.BICUBIC, antialias=True)
print(x.shape)
"""
    return timed(["/usr/bin/python3", "-c", code])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=ROOT / "build", type=Path)
    ap.add_argument("--quick", action="store_true", help="short videos, one repetition")
    args = ap.parse_args()
    vidpipe = args.build / "bin" / "vidpipe"
    graph = ROOT / "graphs" / "qwen2_5_vl.yaml"
    tmp = Path(tempfile.mkdtemp(prefix="vidpipe-bench-"))
    secs = 10 if args.quick else 60
    videos = {
        f"1080p h264 {secs}s": ("1920x1080", 30, secs),
        f"720p h264 {secs}s": ("1280x720", 30, secs),
    }
    print(f"{'video':<18} {'tool':<22} {'wall s':>8} {'ratio':>7} {'peak RSS MiB':>13}")
    for name, (size, rate, dur) in videos.items():
        v = tmp / (name.replace(" ", "_") + ".mp4")
        make_video(v, size, rate, dur, ["-c:v", "libx264", "-preset", "veryfast", "-g", "250"])
        out = tmp / "out"
        wall, rss, stdout = timed([vidpipe, "run", graph, v, "-o", out, "--json"])
        meta = json.loads((out / v.stem / "metadata.json").read_text())
        idx, h, w = meta["frame_indices"], meta["resized_height"], meta["resized_width"]
        rows = [("vidpipe", wall, rss)]
        rows.append(("vidpipe fast graph",) + timed([vidpipe, "run", ROOT / "graphs" / "qwen2_5_vl_fast.yaml", v,
                                                       "-o", tmp / "out_fast", "--json"])[:2])
        rows.append(("ffmpeg decode (floor)",) + timed(["ffmpeg", "-v", "error", "-threads", "0", "-i", v, "-f", "null", "-"])[:2])
        sel = "+".join(f"eq(n\\,{i})" for i in idx[:100])
        if len(idx) <= 100:
            rows.append(("ffmpeg select+scale",) + timed(["ffmpeg", "-v", "error", "-i", v, "-vf",
                        f"select='{sel}',scale={w}:{h}:flags=bicubic", "-vsync", "0", "-pix_fmt", "rgb24", "-f", "rawvideo", "-y",
                        tmp / "sel.raw"])[:2])
        rows.append(("pyav+torchvision",) + pyav_torchvision(v, idx, h, w)[:2])
        for tool, t, r in rows:
            print(f"{name:<18} {tool:<22} {t:>8.2f} {t / wall:>7.2f} {r:>13.0f}")
        print(f"{'':<18} ({len(idx)} frames planned, {w}x{h}; ratio = tool time / vidpipe time)")

    # Profiler overhead on the real graph: alternate on/off to spread machine noise evenly.
    v = next(tmp.glob("720p*.mp4"))
    reps = 1 if args.quick else 5
    on, off = [], []
    for _ in range(reps):
        off.append(timed([vidpipe, "run", graph, v, "--json", "--set", "settings.profile=false"])[0])
        on_wall, _, out_json = timed([vidpipe, "run", graph, v, "--json", "--profile"])
        on.append(on_wall)
    prof = json.loads(out_json)["profile"]
    calls = sum(n["calls"] for n in prof["nodes"])
    busy = sum(n["busy_s"] for n in prof["nodes"])
    hook = json.loads(run([args.build / "bin" / "vidpipe_bench_profiler"])[1].strip().splitlines()[-1])
    print()
    print(f"profiling on vs off, 720p graph, median of {reps}: {statistics.median(on):.3f} s vs {statistics.median(off):.3f} s "
          f"({(statistics.median(on) / statistics.median(off) - 1) * 100:+.2f} %; run-to-run spread: on "
          f"{min(on):.3f}-{max(on):.3f} s, off {min(off):.3f}-{max(off):.3f} s)")
    print(f"profiler hook: {hook['on_ns'] - hook['off_ns']:.0f} ns per call extra for timing; {calls} calls of "
          f"{busy / calls * 1e3:.3f} ms mean busy time → {(hook['on_ns'] - hook['off_ns']) * calls / (busy * 1e9) * 100:.4f} % of node time")


if __name__ == "__main__":
    main()
