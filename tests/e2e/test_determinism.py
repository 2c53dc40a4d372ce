"""End-to-end: a damaged H.264 video gives the same frames, damage and status at any decoder
thread count, the same as a single-threaded decode (decode.threads=1).

FFmpeg's frame threads conceal a damaged picture after marking its rows done, so the pictures
decoded from it, and the damage flags, vary from run to run (the ffmpeg CLI's framemd5 too);
vidpipe goes on single-threaded from its last checkpoint at the first sign of damage
(sdk/src/decode_walk.cpp). Mutants: bits flipped in the coded pictures (the mdat payload,
fixed seeds) of a short clip (decoded without seeking) and of a longer one (a sparse plan seeks).
"""
import hashlib
import json
import random
import struct
from pathlib import Path

import pytest

from conftest import SOURCE, make_video, vidpipe

SEED = 20261202
RUNS = 4  # per thread count; before the fix nearly every run of these mutants differed


def picture_bytes(data):
    """The payload range of the top-level mdat box (the coded pictures)."""
    at = 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"mdat":
            return at + 8, at + size
        at += size
    raise AssertionError("no mdat box")


def flipped(src, dest, seed, flips):
    data = bytearray(src.read_bytes())
    lo, hi = picture_bytes(data)
    rng = random.Random(seed)
    for _ in range(flips):
        data[rng.randrange(lo, hi)] ^= 1 << rng.randrange(8)
    dest.write_bytes(data)
    return dest


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("determinism")
    gop = ("-g", "12", "-bf", "2", "-sc_threshold", "0")
    short = make_video(d / "short.mp4", "426x240", 25, 2, extra=gop)
    long = make_video(d / "long.mp4", "426x240", 25, 10, extra=gop)
    mutants = [flipped(short, d / f"short_{k}.mp4", SEED + k, 8) for k in range(3)]
    mutants.append(flipped(long, d / "long_0.mp4", SEED, 24))
    return [short, *mutants]


def outcomes(graph, files, threads, out):
    """input name -> what must not depend on threads: status, damage, error, frames, counts."""
    p = vidpipe("run", SOURCE / "graphs" / graph, *files, "-o", out, "--json",
                "--set", "sample.nframes=4", "--set", f"decode.threads={threads}")
    assert p.returncode in (0, 1), p.stderr
    result, restarts = {}, 0
    for job in json.loads(p.stdout)["jobs"]:
        notes = job.get("notes") or {}
        decode = notes.get("decode") or {}
        restarts += "restarted_single_threaded" in decode
        frames = Path(job["output_dir"]) / "frames.npy" if job["output_dir"] else None
        result[Path(job["input"]).name] = (
            job["status"], job.get("damage"), json.dumps(notes.get("damage"), sort_keys=True),
            (job.get("error") or {}).get("message"), decode.get("decoded_frames"),
            hashlib.sha256(frames.read_bytes()).hexdigest() if frames else None)
    return result, restarts


@pytest.mark.parametrize("graph", ["qwen2_5_vl.yaml", "qwen2_5_vl_fast.yaml"])
def test_damaged_h264_decodes_the_same_at_any_thread_count(inputs, tmp_path, graph):
    reference, restarts = outcomes(graph, inputs, 1, tmp_path / "t1")
    assert restarts == 0  # a single thread never needs to go back
    statuses = [reference[f.name][0] for f in inputs]
    assert statuses[0] == "ok" and all(s != "ok" for s in statuses[1:]), statuses  # really damaged
    restarted = 0
    for threads in (0, 4):
        for run in range(RUNS):
            got, restarts = outcomes(graph, inputs, threads, tmp_path / f"t{threads}_{run}")
            restarted += restarts
            for name in reference:
                assert got[name] == reference[name], f"{name}, decode.threads={threads}, run {run}"
    # The threaded runs went single-threaded on the damaged inputs (the clean one never does).
    assert restarted >= RUNS
