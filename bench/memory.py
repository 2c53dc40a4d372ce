#!/usr/bin/python3
"""Peak RSS of a dense default run against the number of frames it writes: writers stream
(README: Writers stream), so memory stays flat in the number of frames.

  bench/memory.py [--build build] [--old /path/to/old/bin/vidpipe] [--frames 100,600]

1080p clips at 2 fps, 50 s and 300 s: the default graph (fps 2) plans 100 and 600 frames (the
300 s case). Rows: the default graph with -o (frames.npy + metadata.json), the same with
format.hf (safetensors), and the graph cut after the resize (no gather, nothing written): the
floor that decoding and the frames in flight cost. Before streaming the difference was the clip
held until the writer ran.
"""
import argparse
import os
import tempfile
from pathlib import Path

from benchlib import make_video, timed

ROOT = Path(__file__).resolve().parents[1]

NO_CLIP = """vidpipe: 1
name: no_clip
model: qwen2_5_vl
settings: {max_jobs_in_flight: 2, max_frames_in_flight: 8}
nodes:
  probe: {type: probe.ffmpeg, in: input}
  sample: {type: sample.uniform, in: probe.info}
  decode: {type: decode.auto, in: sample.plan}
  resize: {type: process.smart_resize, in: decode.frames}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=ROOT / "build", type=Path)
    ap.add_argument("--old", type=Path, help="another vidpipe binary to compare with")
    ap.add_argument("--frames", default="100,600", help="frame counts (1080p at 2 fps: frames / 2 seconds)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="vidpipe-bench-memory-"))
    no_clip = tmp / "no_clip.yaml"
    no_clip.write_text(NO_CLIP)
    hf = tmp / "hf.yaml"
    hf.write_text((ROOT / "graphs" / "qwen2_5_vl.yaml").read_text().replace("type: format.npy", "type: format.hf"))
    tools = [("vidpipe", args.build / "bin" / "vidpipe")] + ([("old vidpipe", args.old)] if args.old else [])
    print(f"{'frames':>6} {'tool':<14} {'graph':<22} {'wall s':>7} {'peak RSS MiB':>13}")
    for frames in map(int, args.frames.split(",")):
        v = make_video(tmp / f"1080p_{frames}.mp4", "1920x1080", 2, frames // 2,
                       ["-c:v", "libx264", "-preset", "ultrafast", "-g", "250"])
        for tool, exe in tools:
            for name, cmd in (("default, -o", [exe, "run", v, "-o", tmp / f"out-{len(tool)}-{frames}"]),
                              ("format.hf, -o", [exe, "run", hf, v, "-o", tmp / f"hf-{len(tool)}-{frames}"]),
                              ("cut after resize", [exe, "run", no_clip, v])):
                wall, rss, _ = timed(cmd)
                print(f"{frames:>6} {tool:<14} {name:<22} {wall:>7.1f} {rss:>13.0f}", flush=True)


if __name__ == "__main__":
    main()
