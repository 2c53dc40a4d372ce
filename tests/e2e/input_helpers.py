"""Helpers shared by the input tests (test_inputs.py, test_network_inputs.py, test_limits.py):
a decode-only graph and ways to run it or the probe on one input."""
import json
import os
import subprocess
from pathlib import Path

import numpy as np

from conftest import VIDPIPE, read_json

NET_TIMEOUT = 2  # seconds, the net_timeout parameter for the network tests


def raw_graph(tmp_path, decoder="decode.ffmpeg", nframes=8):
    """probe → sample (nframes) → decoder → gather → npy (THWC, native size) → metadata."""
    g = tmp_path / f"raw_{decoder.replace('.', '_')}_{nframes}.yaml"
    g.write_text(f"""vidpipe: 1
name: raw
nodes:
  probe:    {{type: probe.ffmpeg, in: input}}
  sample:   {{type: sample.uniform, in: probe.info, params: {{nframes: {nframes}}}}}
  decode:   {{type: {decoder}, in: sample.plan}}
  gather:   {{type: gather.clip, in: decode.frames}}
  write:    {{type: format.npy, in: gather.clip, params: {{layout: THWC}}}}
  metadata: {{type: format.metadata, in: write.clip}}
""")
    return g


def run_one(graph, inp, out, *sets, stdin=None, env=None, check=0):
    """Runs one input; returns (metadata, frames THWC) from its single output folder."""
    args = [str(VIDPIPE), "run", str(graph), str(inp), "-o", str(out), "--json"]
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120, stdin=stdin,
                       env={**os.environ, **(env or {})})
    assert p.returncode == check, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    folders = [x for x in Path(out).iterdir()]
    assert len(folders) == 1, folders
    return read_json(folders[0] / "metadata.json"), np.load(folders[0] / "frames.npy")


def probe_json(inp, *sets, env=None, stdin=None):
    args = [str(VIDPIPE), "probe", str(inp), "--json"]
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60, stdin=stdin,
                       env={**os.environ, **(env or {})})
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


SAME_KEYS = ["codec", "width", "height", "rotation", "fps", "frame_count", "keyframe_indices"]
