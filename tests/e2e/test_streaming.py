"""End-to-end: writers that stream (README: Writers stream). A writer that fails after some frames
were written leaves nothing behind; every output of every shipped graph is the same as a
reference binary's (VIDPIPE_REFERENCE_BIN, e.g. a build from before streaming; skipped unset).
Memory flatness is measured, not tested: bench/memory.py."""
import json
import os
import resource
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import SOURCE, VIDPIPE, make_video, vidpipe

REFERENCE = os.environ.get("VIDPIPE_REFERENCE_BIN")


def test_describe_says_how_each_node_uses_pixels():
    uses = {t: json.loads(vidpipe("describe", t, "--json", check=0).stdout)["frames"]
            for t in ("gather.clip", "qwen2_5_vl.tokens", "qwen3_vl.tokens", "llava.tokens", "openai.tokens",
                      "format.npy", "format.hf", "format.metadata", "openai.messages")}
    assert uses == {"gather.clip": "descriptors", "qwen2_5_vl.tokens": "descriptors", "qwen3_vl.tokens": "descriptors",
                    "llava.tokens": "descriptors", "openai.tokens": "descriptors", "format.npy": "stream",
                    "format.hf": "stream", "format.metadata": "descriptors", "openai.messages": "pixels"}
    assert "frames stream" in vidpipe("describe", "format.npy", check=0).stdout


def run_limited(args, max_file_bytes):
    """vidpipe with a file size limit: a write past it fails with EFBIG (as on a full disk)."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of the default kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
    return subprocess.run([str(VIDPIPE), *map(str, args)], capture_output=True, text=True, timeout=120,
                          preexec_fn=limit)


@pytest.mark.parametrize("writer", ["format.npy", "format.hf"])
def test_writer_failing_mid_stream_leaves_no_output(tmp_path, writer):
    video = make_video(tmp_path / "clip.mp4", "640x360", 25, 4)
    graph = tmp_path / "g.yaml"
    text = (SOURCE / "graphs" / "qwen2_5_vl.yaml").read_text().replace("type: format.npy", f"type: {writer}")
    graph.write_text(text)
    out = tmp_path / "out"
    # 16 frames of 644x364 (≈ 0.7 MB each as uint8, 4x as float32): the limit falls mid-stream,
    # well after the header and the first frames.
    p = run_limited(["run", graph, video, "-o", out, "--set", "sample.nframes=16"], 3_000_000)
    assert p.returncode != 0
    errors = [line for line in p.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "stage 'write'" in errors[0] and "disk may be full" in errors[0], p.stderr
    left = [f.relative_to(out) for f in out.rglob("*")] if out.exists() else []
    assert not [f for f in left if not f.name.startswith(".vidpipe")], left  # no job folder, no temp file
    # The same run without the limit succeeds (so the failure above was the write).
    ok = run_limited(["run", graph, video, "-o", tmp_path / "ok", "--set", "sample.nframes=16"], resource.RLIM_INFINITY)
    assert ok.returncode == 0, ok.stderr


def files_of(folder):
    found = {}
    for f in sorted(Path(folder).rglob("*")):
        if f.is_file() and f.name != ".vidpipe-output.json":  # vidpipe's marker: a time stamp
            data = f.read_bytes()
            if f.name == "metadata.json":  # timings differ from run to run
                meta = json.loads(data)
                meta.pop("timing", None)
                meta["config"]["settings"].pop("max_frames_in_flight")  # 8 since streaming, was 16
                data = json.dumps(meta, sort_keys=True).encode()
            found[str(f.relative_to(folder))] = data
    return found


@pytest.mark.skipif(not REFERENCE, reason="set VIDPIPE_REFERENCE_BIN to a vidpipe binary to compare with")
@pytest.mark.parametrize("graph", sorted(p.name for p in (SOURCE / "graphs").glob("*.yaml")) + ["hf"])
def test_every_output_equals_the_reference_binary(tmp_path_factory, graph):
    d = tmp_path_factory.mktemp("ref")
    inputs = [make_video(d / "small.mp4", "642x362", 25, 3),
              make_video(d / "wide.mp4", "1280x720", 30, 4, extra=("-preset", "ultrafast"))]
    path, extra = SOURCE / "graphs" / graph, []
    if graph == "hf":  # format.hf, both containers, an odd frame count: the last group padded
        path = d / "hf.yaml"
        path.write_text((SOURCE / "graphs" / "qwen2_5_vl.yaml").read_text().replace(
            "type: format.npy", "type: format.hf\n    params: {container: both}"))
        extra = ["--set", "sample.nframes=7", "--set", "sample.frame_factor=1"]
    outputs = {}
    for name, exe in (("new", VIDPIPE), ("ref", REFERENCE)):
        for v in inputs:
            p = subprocess.run([str(exe), "run", path, v, "-o", d / name, *extra], capture_output=True, text=True,
                               timeout=300)
            assert p.returncode == 0, p.stderr
        outputs[name] = files_of(d / name)
    assert outputs["new"].keys() == outputs["ref"].keys()
    for k in outputs["new"]:
        assert outputs["new"][k] == outputs["ref"][k], k
