#!/usr/bin/python3
"""decode.ffmpeg against the ffmpeg CLI on generated videos, ratios measured in one run.

  bench/decode.py [--build build] [--quick] [--keep DIR] [--cases a,b,c,d,m]

(a) 1080p H.264 GOP 250, dense plan (2 fps)  vs  ffmpeg -threads 0 -i V -f null -   (target <= 1.15x)
(b) 360p H.264 1 h GOP 500, 32 frames: exact vs the full-decode floor (target >= 10x faster),
    approximate vs ffmpeg -skip_frame nokey -i V -f null - (target <= 2x); decoded per returned frame
(c) 4K H.264 30 s dense (2 fps) vs ffmpeg select + rgb24 conversion producing the same number of frames
(d) VP9 720p dense (2 fps) vs the full-decode floor
(m) memory: peak RSS of the long 360p video (1 h; 120 s with --quick) vs a 1-minute 360p video
    (same encoding), sparse (32 frames) and dense (2 fps, sample.max_frames=768 caps the 1 h
    plan): target 1 h within 1.2x of 1 min (memory does not grow with length)
vidpipe runs a decode-only graph (probe -> sample.uniform -> decode.ffmpeg; frames are converted
to RGB24 and dropped). Peak RSS is the child's own (wait4). --quick uses short videos.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import make_video, timed

ROOT = Path(__file__).resolve().parents[1]
GRAPH = """vidpipe: 1
name: decode_bench
nodes:
  probe:  {type: probe.ffmpeg, in: input}
  sample: {type: sample.uniform, in: probe.info}
  decode: {type: decode.ffmpeg, in: sample.plan}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=ROOT / "build", type=Path)
    ap.add_argument("--quick", action="store_true", help="short videos")
    ap.add_argument("--keep", type=Path, help="folder for the generated videos (reused if present)")
    ap.add_argument("--cases", default="a,b,c,d,m", help="which cases to run (default all: a,b,c,d,m)")
    args = ap.parse_args()
    vidpipe = args.build / "bin" / "vidpipe"
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="vidpipe-decbench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    graph = tmp / "decode_bench.yaml"
    graph.write_text(GRAPH)
    q = args.quick
    cases = set(args.cases.split(","))
    x264 = ["-c:v", "libx264", "-preset", "superfast", "-sc_threshold", "0"]
    d = {"a": 20 if q else 300, "b": 120 if q else 3600, "c": 3 if q else 30, "d": 10 if q else 60}
    va = make_video(tmp / f"a_1080p_{d['a']}s.mp4", "1920x1080", 30, d["a"], x264 + ["-g", "250"]) if "a" in cases else None
    vb = make_video(tmp / f"b_360p_{d['b']}s.mp4", "640x360", 30, d["b"], x264 + ["-g", "500"]) if cases & {"b", "m"} else None
    vc = make_video(tmp / f"c_4k_{d['c']}s.mp4", "3840x2160", 30, d["c"], x264 + ["-g", "250"]) if "c" in cases else None
    vd = make_video(tmp / f"d_vp9_720p_{d['d']}s.webm", "1280x720", 30, d["d"],
             ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "2M", "-g", "250"]) \
        if "d" in cases else None
    vm = make_video(tmp / "m_360p_60s.mp4", "640x360", 30, 60, x264 + ["-g", "500"]) if "m" in cases else None
    lim = ["--set", "probe.max_duration=7200", "--set", "decode.max_duration=7200"]

    def ours(v, *sets):
        cmd = [vidpipe, "run", graph, v, "--json", *lim]
        for s in sets:
            cmd += ["--set", s]
        wall, rss, out = timed(cmd)
        notes = json.loads(out)["jobs"][0]["notes"]["decode"]
        return wall, rss, notes

    floor = lambda v: timed(["ffmpeg", "-v", "error", "-threads", "0", "-i", v, "-f", "null", "-"])[:2]
    rows = []

    def row(case, tool, wall, rss, ref, target="", extra=""):
        rows.append((case, tool, wall, rss, wall / ref if ref else float("nan"), target, extra))
        print(f"{case:<22} {tool:<34} {wall:>8.2f} {rss:>9.0f} {wall / ref:>7.2f} {target:>10} {extra}", flush=True)

    def case_a(va):  # dense 1080p
        fw, fr = floor(va)
        w, r, n = ours(va)
        row(f"(a) 1080p {d['a']}s GOP250", "ffmpeg -threads 0 -f null (floor)", fw, fr, fw)
        row("", "vidpipe exact, 2 fps", w, r, fw, "<= 1.15",
            f"{n['returned_frames']} frames, {n['decoded_frames']} decoded, {n['decoded_per_returned']:.1f}/frame")

    def case_b(vb):  # sparse 1 h 360p
        fw, fr = floor(vb)
        kw, kr = timed(["ffmpeg", "-v", "error", "-skip_frame", "nokey", "-threads", "0", "-i", vb, "-f", "null", "-"])[:2]
        w, r, n = ours(vb, "sample.nframes=32")
        aw, ar, an = ours(vb, "sample.nframes=32", "decode.seek_mode=approximate")
        row(f"(b) 360p {d['b']}s GOP500", "ffmpeg -threads 0 -f null (floor)", fw, fr, fw)
        row("", "ffmpeg -skip_frame nokey", kw, kr, fw)
        row("", "vidpipe exact, 32 frames", w, r, fw, ">= 10x",
            f"{fw / w:.1f}x faster; {n['decoded_frames']} decoded, {n['decoded_per_returned']:.1f}/frame, {n['seeks']} seeks")
        row("", "vidpipe approximate, 32 frames", aw, ar, kw, "<= 2 (nokey)",
            f"vs nokey; {an['decoded_frames']} decoded, {an['decoded_per_returned']:.1f}/frame")

    def case_c(vc):  # 4K dense vs select
        w, r, n = ours(vc)
        step = 15
        sw, sr = timed(["ffmpeg", "-v", "error", "-threads", "0", "-i", vc, "-vf",
                        f"select='not(mod(n\\,{step}))',format=rgb24", "-vsync", "0", "-f", "null", "-"])[:2]
        row(f"(c) 4K {d['c']}s", "ffmpeg select+rgb24", sw, sr, sw)
        row("", "vidpipe exact, 2 fps", w, r, sw, "<= 1.0",
            f"{n['returned_frames']} frames, {n['decoded_frames']} decoded")

    def case_d(vd):  # VP9
        fw, fr = floor(vd)
        w, r, n = ours(vd)
        row(f"(d) VP9 720p {d['d']}s", "ffmpeg -threads 0 -f null (floor)", fw, fr, fw)
        row("", "vidpipe exact, 2 fps", w, r, fw, "", f"{n['returned_frames']} frames, {n['decoded_frames']} decoded")

    def case_m(vlong, vshort):  # peak RSS: long vs 1-minute video, same plans
        label = f"{d['b'] // 60} min" if d["b"] < 3600 else f"{d['b'] // 3600} h"
        for plan, sets in [("sparse 32 frames", ["sample.nframes=32"]),
                           ("dense 2 fps, max_frames 768", ["sample.fps=2", "sample.max_frames=768"])]:
            sw, sr, sn = ours(vshort, *sets)
            lw, lr, ln = ours(vlong, *sets)
            rows.append(("(m)", plan, lw, lr, lr / sr, "<= 1.2", ""))
            print(f"{'(m) RSS ' + plan:<22.22} {'vidpipe 1 min 360p':<34} {sw:>8.2f} {sr:>9.0f} {1:>7.2f} {'':>10} "
                  f"{sn['returned_frames']} frames", flush=True)
            print(f"{'':<22} {'vidpipe ' + label + ' 360p':<34} {lw:>8.2f} {lr:>9.0f} {lr / sr:>7.2f} {'<= 1.2':>10} "
                  f"{ln['returned_frames']} frames; RSS ratio {label} / 1 min", flush=True)

    print(f"{'case':<22} {'tool':<34} {'wall s':>8} {'RSS MiB':>9} {'ratio':>7} {'target':>10} notes")
    if "a" in cases:
        case_a(va)
    if "b" in cases:
        case_b(vb)
    if "c" in cases:
        case_c(vc)
    if "d" in cases:
        case_d(vd)
    if "m" in cases:
        case_m(vb, vm)
    print("ratio = wall / the case's reference row (floor; nokey for approximate; select for 4K); "
          "for (m), peak RSS / the 1-minute video's")


if __name__ == "__main__":
    main()
