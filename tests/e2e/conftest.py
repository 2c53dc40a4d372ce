"""Shared fixtures for the end-to-end tests: where the build is, and test videos made with the
ffmpeg CLI (nothing is downloaded or committed)."""
import json
import os
import subprocess
from pathlib import Path

import pytest

BUILD = Path(os.environ.get("VIDPIPE_BUILD_DIR", Path(__file__).resolve().parents[2] / "build"))
SOURCE = Path(os.environ.get("VIDPIPE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
VIDPIPE = BUILD / "bin" / "vidpipe"
DEFAULT_GRAPH = SOURCE / "graphs" / "qwen2_5_vl.yaml"


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


def make_video(path, size="640x360", rate=25, duration=10, codec="libx264", extra=()):
    """A testsrc2 clip; -g/-sc_threshold fixed so keyframes do not depend on content."""
    path = Path(path)
    if not path.exists():
        ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={duration}",
               "-c:v", codec, "-pix_fmt", "yuv420p", *extra, path)
    return path


def raw_rgb_frame(directory, source, w, h):
    """One w×h RGB24 frame of a lavfi source (testsrc2, mandelbrot ...) decoded by the ffmpeg CLI,
    as a .raw file; odd sizes are cropped from the next even size."""
    path = Path(directory) / f"{source}_{w}x{h}.raw"
    if not path.exists():
        ffmpeg("-f", "lavfi", "-i", f"{source}=size={w + w % 2}x{h + h % 2}:rate=5", "-ss", "0.4",
               "-vf", f"format=rgb24,crop={w}:{h}:0:0", "-frames:v", "1", "-pix_fmt", "rgb24", "-f", "rawvideo", path)
    return path


def vidpipe(*args, check=None, timeout=300):
    """Runs the vidpipe CLI; returns the CompletedProcess (text mode)."""
    p = subprocess.run([str(VIDPIPE), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if check is not None:
        assert p.returncode == check, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


def read_json(path):
    with open(path) as f:
        return json.load(f)


# The default graph without a model: probe, sample, decode, gather, npy and metadata.
DECODE_ONLY_GRAPH = """vidpipe: 1
name: decode_only
nodes:
  probe:  {type: probe.ffmpeg, in: input}
  sample: {type: sample.uniform, in: probe.info}
  decode: {type: decode.ffmpeg, in: sample.plan}
  gather: {type: gather.clip, in: decode.frames}
  write:  {type: format.npy, in: gather.clip}
  metadata: {type: format.metadata, in: write.clip}
"""


def run_meta(video, out, *sets, graph=DEFAULT_GRAPH):
    """Runs `graph` on one video with --set values; returns its metadata.json."""
    args = ["run", graph, video, "-o", out]
    for s in sets:
        args += ["--set", s]
    vidpipe(*args, check=0)
    return read_json(out / video.stem / "metadata.json")


@pytest.fixture(scope="session")
def videos(tmp_path_factory):
    d = tmp_path_factory.mktemp("videos")
    return {
        # docs/qwen-reference.md §7(b): 640×360, 25 fps, 10 s → N = 250
        "b": make_video(d / "b.mp4", "640x360", 25, 10),
        # docs/qwen-reference.md §7(c): 1280×720, 30 fps, 20 s → N = 600
        "c": make_video(d / "c.mp4", "1280x720", 30, 20, extra=("-preset", "ultrafast")),
        "small": make_video(d / "small.mp4", "320x240", 30, 3),
        "dir": d,
    }


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    """Small clips for the input tests: B-frames, a tiny one, faststart, the CLI's own RGB frames as
    PNG files, and ±90° rotation metadata."""
    d = tmp_path_factory.mktemp("inputs")
    v = make_video(d / "v.mp4", "320x240", 30, 3, extra=("-g", "30", "-bf", "2"))
    tiny = make_video(d / "tiny.mp4", "160x120", 30, 1, extra=("-g", "30", "-crf", "35"))
    faststart = d / "fs.mp4"
    ffmpeg("-i", v, "-c", "copy", "-movflags", "+faststart", faststart)
    frames = d / "frames"
    frames.mkdir()
    # The reference frames: the ffmpeg CLI's own RGB conversion, lossless PNG.
    ffmpeg("-i", v, "-pix_fmt", "rgb24", frames / "frame_%d.png")  # frame_1 .. frame_90 (natural order)
    rot = {}
    for deg in (90, 270):
        rot[deg] = d / f"rot{deg}.mp4"
        ffmpeg("-i", v, "-c", "copy", "-metadata:s:v:0", f"rotate={deg}", rot[deg])
    return {"dir": d, "v": v, "tiny": tiny, "fs": faststart, "frames": frames, "rot": rot}
