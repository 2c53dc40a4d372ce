"""End-to-end: a mutation corpus made at test time. 3 generated videos (H.264/MP4, VP9/WebM,
MPEG-4/AVI) × 20 mutants each (bit flips, truncations, header edits, zeroed and duplicated
ranges), run as one batch through the default graph (decode.auto: FFmpeg, then OpenCV) and the
fast graph. Whatever the damage: no signal, no hang, one clear line per failed input, and nothing
in OUTDIR but complete outputs."""
import json
import random
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import SOURCE, VIDPIPE, ffmpeg

SEED = 20261201
PER_VIDEO = 20


def sources(d):
    """Small but real: several GOPs, B-frames where the codec has them."""
    specs = {  # sizes users have: 426x240 (YouTube 240p) and widths that are not multiples of 16
        "h264.mp4": ("426x240", ["-c:v", "libx264", "-g", "12", "-bf", "2"]),
        "vp9.webm": ("170x96", ["-c:v", "libvpx-vp9", "-g", "12", "-deadline", "realtime", "-cpu-used", "8"]),
        "mpeg4.avi": ("176x144", ["-c:v", "mpeg4", "-g", "12", "-bf", "1"]),
    }
    out = []
    for name, (size, codec) in specs.items():
        path = d / name
        ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration=2", *codec, "-pix_fmt", "yuv420p", path)
        out.append(path)
    return out


def mutate(data, rng):
    """One random mutation of `data`: what it did, and the new bytes."""
    b = bytearray(data)
    kind = rng.choice(["flip", "flip", "truncate", "header", "zero", "duplicate"])
    if kind == "flip":
        for _ in range(rng.randint(1, 64)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        b = b[:rng.randrange(0, len(b))]
    elif kind == "header":  # sizes, counts and ids live in the first bytes of every container
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(min(len(b), 512))] = rng.choice([0x00, 0xff, 0x7f, 0x80, rng.randrange(256)])
    elif kind == "zero":
        at = rng.randrange(len(b))
        n = min(rng.randint(16, 4096), len(b) - at)
        b[at:at + n] = bytes(n)
    else:
        at, n = rng.randrange(len(b)), rng.randint(16, 4096)
        b[at:at] = b[at:at + n]
    return kind, bytes(b)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("mutants")
    rng = random.Random(SEED)
    files = []
    for src in sources(d):
        data = src.read_bytes()
        for k in range(PER_VIDEO):
            kind, mutated = mutate(data, rng)
            path = d / f"{src.stem}_{k:02d}_{kind}{src.suffix}"
            path.write_bytes(mutated)
            files.append(path)
    return files


def check_batch(graph, files, out):
    p = subprocess.run([str(VIDPIPE), "run", str(graph), *map(str, files), "-o", str(out), "--json",
                        "--set", "sample.nframes=4", "--set", "decode.deadline=20", "--set", "probe.deadline=20"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode in (0, 1), f"exit {p.returncode} (a signal?)\n{p.stderr[-3000:]}"
    report = json.loads(p.stdout)
    jobs = report["jobs"]
    assert len(jobs) == len(files)
    failed = [j for j in jobs if j["status"] == "failed"]
    partial = [j for j in jobs if j["status"] == "partial"]
    assert len(failed) + len(partial) + sum(j["status"] == "ok" for j in jobs) == len(jobs)
    # One line per failed or partial input, naming it; nothing else (no FFmpeg or OpenCV lines).
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == len(failed) + len(partial), "\n".join(lines)
    for job in failed:
        line = next(x for x in lines if x.startswith(f"vidpipe: {job['input']}: error in stage"))
        assert "(fix: " in line, line
    for job in partial:
        assert any(x.startswith(f"vidpipe: {job['input']}: partial output") for x in lines), job["input"]
    # OUTDIR holds complete outputs only: no staging folder, and every folder readable.
    entries = sorted(Path(out).iterdir()) if Path(out).exists() else []
    assert all(not e.name.startswith(".") for e in entries), [e.name for e in entries]
    published = {j["output_dir"] for j in jobs if j["output_dir"]}
    assert {str(e) for e in entries} == published
    for folder in published:
        meta = json.loads((Path(folder) / "metadata.json").read_text())
        frames = np.load(Path(folder) / "frames.npy")
        assert frames.dtype == np.uint8 and frames.ndim == 4
        assert frames.shape[0] == meta["num_frames"] and frames.shape[1] == 3, (folder, frames.shape)
        assert frames.shape[2:] == (meta["resized_height"], meta["resized_width"])
    return jobs


@pytest.mark.parametrize("graph", ["qwen2_5_vl.yaml", "qwen2_5_vl_fast.yaml"])
def test_mutants_fail_cleanly_or_give_complete_outputs(corpus, tmp_path, graph):
    jobs = check_batch(SOURCE / "graphs" / graph, corpus, tmp_path / "out")
    counts = {s: sum(j["status"] == s for j in jobs) for s in ("ok", "partial", "failed")}
    print(f"{graph}: {counts} of {len(jobs)} mutants")
    # Most damage is survivable (measured: about 3 in 4 mutants give an output); a regression that
    # refuses everything must not pass as "clean failures".
    assert counts["ok"] + counts["partial"] >= len(jobs) // 2, counts


# --- a hostile YUV4MPEG2 text header ---------------------------------------------------------------

@pytest.mark.parametrize("sides, words", [
    ("W9223372036854775807 H9223372036854775807", "frame size of 9223372036854775807x9223372036854775807"),
    ("W99999999999999999999999 H16", "frame size of 99999999999999999999999x16"),  # beyond int64
    ("W4294967296 H4294967296", "frame size of 4294967296x4294967296"),  # the product wraps to 0
    ("W64 H64 W100000", "frame size of 100000x64"),  # FFmpeg takes the last W
    ("Wabc H16", "YUV4MPEG2 header gives no valid frame size"),
])
def test_y4m_header_sizes_are_refused_in_one_line(tmp_path, sides, words):
    """The sides are untrusted text: refused before FFmpeg allocates a frame, without arithmetic
    that overflows (the sanitizer build runs this too)."""
    path = tmp_path / "hostile.y4m"
    path.write_bytes(f"YUV4MPEG2 {sides} F30:1 Ip A1:1 C420jpeg\nFRAME\n".encode() + bytes(1024))
    p = subprocess.run([str(VIDPIPE), "probe", str(path)], capture_output=True, text=True, timeout=60)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1 and len(lines) == 1 and str(path) in lines[0] and words in lines[0], p.stderr
