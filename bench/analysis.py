#!/usr/bin/python3
"""Scene analysis (analyze.scenes through `vidpipe scenes`) and keyframe-only sampling against the
ffmpeg CLI on the same files, ratios measured in one run (docs/sampling.md §7, issue 10 targets).

  bench/analysis.py [--build build] [--baseline OLD_BUILD] [--quick] [--keep DIR] [--rounds N]

(1) Speed, a 1080p H.264 testsrc2 clip at 30 fps (24 s; --quick 8 s), each tool run --rounds
    times interleaved, the median kept: vidpipe scenes (every frame decoded without the loop
    filter, scored at 256 px), ffmpeg -vf scdet (the loop filter on, full-size luma), and the
    decode floor ffmpeg -skip_loop_filter all -f null - (what any analysis that keeps every frame
    must pay). All with FFmpeg's automatic thread count. Targets: >= 15x real time, <= 1.0x scdet.
(2) Peak RSS of the analysis on that clip and on one 4x longer (flat in length).
(3) Keyframe-only sampling of a 1-hour 320x180 H.264 video, GOP 250 (--quick 10 minutes):
    probe -> sample.keyframe (mode only) -> decode.ffmpeg against ffmpeg -skip_frame nokey -f null -
    (target <= 1.2x).
--baseline adds another build's vidpipe scenes to (1), interleaved with the rest (before / after).
CPU is the child's user + system time, peak RSS its own (wait4).
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

from benchlib import make_video

ROOT = Path(__file__).resolve().parents[1]
KEYFRAME_GRAPH = """vidpipe: 1
name: keyframe_bench
nodes:
  probe:  {type: probe.ffmpeg, in: input}
  sample: {type: sample.keyframe, in: probe.info}
  decode: {type: decode.ffmpeg, in: sample.plan}
"""


def measured(cmd):
    """Runs cmd; returns (wall s, CPU s, peak RSS MiB, stdout) of the child alone (wait4)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.PIPE, stderr=err)
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = status
        wall = time.perf_counter() - t0
        if status != 0:
            err.seek(0)
            sys.exit(f"failed ({status}): {' '.join(map(str, cmd))}\n{err.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.decode()


def interleaved(commands, rounds):
    """Each command `rounds` times, in turn (so a load change hits all alike); the median wall
    and CPU of each, and its largest peak RSS."""
    runs = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            runs[name].append(measured(cmd))
    return {name: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs), max(r[2] for r in rs))
            for name, rs in runs.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=ROOT / "build", type=Path)
    ap.add_argument("--quick", action="store_true", help="8 s clip and a 10-minute keyframe video")
    ap.add_argument("--keep", type=Path, help="folder to keep the generated videos in (reused)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved runs of each tool (default 3)")
    ap.add_argument("--baseline", type=Path, help="another build folder whose vidpipe scenes joins (1)")
    a = ap.parse_args()
    vidpipe = a.build / "bin" / "vidpipe"
    seconds, fps = (8 if a.quick else 24), 30
    long_video = 600 if a.quick else 3600
    d = a.keep or Path(tempfile.mkdtemp(prefix="vidpipe-analysis-bench-"))
    d.mkdir(parents=True, exist_ok=True)
    enc = ["-c:v", "libx264", "-preset", "veryfast", "-g", "250", "-sc_threshold", "0"]
    clip = make_video(d / f"analysis_1080p_{seconds}s.mp4", "1920x1080", fps, seconds, enc)
    clip4 = make_video(d / f"analysis_1080p_{4 * seconds}s.mp4", "1920x1080", fps, 4 * seconds, enc)
    hour = make_video(d / f"keyframes_180p_{long_video}s.mp4", "320x180", 25, long_video,
                      ["-c:v", "libx264", "-preset", "ultrafast", "-g", "250", "-sc_threshold", "0"])

    print(f"(1) speed: 1080p H.264 {seconds} s at {fps} fps ({seconds * fps} frames), median of {a.rounds} "
          f"interleaved runs, FFmpeg's automatic thread count, {os.cpu_count()} cores")
    tools = {"vidpipe scenes (analysis)": [vidpipe, "scenes", clip, "--json"]}
    if a.baseline:
        tools["baseline vidpipe scenes"] = [a.baseline / "bin" / "vidpipe", "scenes", clip, "--json"]
    r = interleaved({
        **tools,
        "ffmpeg -vf scdet": ["ffmpeg", "-v", "error", "-i", clip, "-vf", "scdet", "-f", "null", "-"],
        "ffmpeg decode floor": ["ffmpeg", "-v", "error", "-skip_loop_filter", "all", "-i", clip, "-f", "null", "-"],
    }, a.rounds)
    ours, scdet, floor = r["vidpipe scenes (analysis)"], r["ffmpeg -vf scdet"], r["ffmpeg decode floor"]
    print(f"{'tool':<30} {'wall s':>7} {'CPU s':>7} {'x realtime':>10} {'wall/scdet':>10} {'wall/floor':>10} "
          f"{'CPU/floor':>9}")
    for name, (wall, cpu, _) in r.items():
        print(f"{name:<30} {wall:>7.2f} {cpu:>7.2f} {seconds / wall:>10.1f} {wall / scdet[0]:>10.2f} "
              f"{wall / floor[0]:>10.2f} {cpu / floor[1]:>9.2f}")
    cores = os.cpu_count() or 1
    print(f"targets: vidpipe >= 15x real time ({seconds / ours[0]:.1f}x), <= 1.0x scdet ({ours[0] / scdet[0]:.2f}x). "
          f"The floor's best case on {cores} busy cores: {seconds * cores / floor[1]:.1f}x real time "
          f"(its CPU time spread over all cores)")

    print(f"\n(2) peak RSS of the analysis: {seconds} s vs {4 * seconds} s clip")
    short_rss = measured([vidpipe, "scenes", clip, "--json"])[2]
    long_wall, _, long_rss, _ = measured([vidpipe, "scenes", clip4, "--json"])
    print(f"{seconds:>4} s: {short_rss:.0f} MiB   {4 * seconds:>4} s: {long_rss:.0f} MiB   ratio {long_rss / short_rss:.2f} "
          f"(flat: about 30 bytes a frame are kept; {4 * seconds} s analysed at {4 * seconds / long_wall:.1f}x real time)")

    print(f"\n(3) keyframe-only sampling, 320x180 H.264 {long_video // 60} min, GOP 250, median of {a.rounds}")
    graph = d / "keyframe_bench.yaml"
    graph.write_text(KEYFRAME_GRAPH)
    lim = ["--set", "probe.max_duration=7200", "--set", "decode.max_duration=7200"]
    r = interleaved({
        "vidpipe sample.keyframe only": [vidpipe, "run", graph, hour, "--json", *lim],
        "ffmpeg -skip_frame nokey": ["ffmpeg", "-v", "error", "-skip_frame", "nokey", "-i", hour, "-f", "null", "-"],
    }, a.rounds)
    notes = json.loads(measured([vidpipe, "run", graph, hour, "--json", *lim])[3])["jobs"][0]["notes"]["decode"]
    nokey = r["ffmpeg -skip_frame nokey"][0]
    for name, (wall, cpu, rss) in r.items():
        print(f"{name:<30} {wall:>7.2f} s wall {cpu:>6.2f} s CPU {rss:>6.0f} MiB   ratio {wall / nokey:.2f}")
    print(f"vidpipe: {notes['returned_frames']} frames, {notes['decoded_frames']} decoded "
          f"({notes['decoded_per_returned']:.1f} per frame); target <= 1.2x nokey")

    print("\nPySceneDetect is not packaged in Debian (and there is no PyPI here), so its throughput is not "
          "measured; its content detector scores the same HSV deltas at 256 px after a full decode and "
          "RGB conversion of every frame, so it cannot be faster than the decode floor above.")


if __name__ == "__main__":
    main()
