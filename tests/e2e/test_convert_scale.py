"""process.convert_scale in a running graph (the runtime's parallel Map, the Qwen profile's
color_matrix): with a planning node it sizes frames as process.smart_resize does, so mode exact
gives the default graph's bytes, from RGB24 frames and from frames as decoded (pixel_format:
native). Mode fast after a native decoder is graphs/qwen2_5_vl_fast.yaml (tests/e2e/test_fast_graph.py)."""
import numpy as np

from conftest import DEFAULT_GRAPH, SOURCE, ffmpeg, vidpipe

FAST_GRAPH = SOURCE / "graphs" / "qwen2_5_vl_fast.yaml"

# graphs/qwen2_5_vl_fast.yaml with the decoder's pixel format and convert_scale's mode set here.
GRAPH = """vidpipe: 1
name: convert_scale
model: qwen2_5_vl
nodes:
  probe:  {{type: probe.ffmpeg, in: input}}
  sample: {{type: sample.uniform, in: probe.info}}
  plan:   {{type: qwen2_5_vl.plan, in: sample.plan}}
  decode: {{type: decode.auto, in: plan.plan, params: {{pixel_format: {pixel_format}}}}}
  scale:  {{type: process.convert_scale, in: decode.frames, params: {{mode: {mode}}}}}
  gather: {{type: gather.clip, in: scale.frames}}
  tokens: {{type: qwen2_5_vl.tokens, in: gather.clip}}
  write:  {{type: format.npy, in: tokens.clip}}
"""


def frames(graph, video, out, *sets):
    args = ["run", graph, video, "-o", out, "--set", "sample.nframes=6"]
    for s in sets:
        args += ["--set", s]
    vidpipe(*args, check=0)
    return np.load(out / video.stem / "frames.npy")


def test_convert_scale_exact_in_a_graph_gives_the_default_graphs_bytes(tmp_path):
    video = tmp_path / "v.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           video)
    want = frames(DEFAULT_GRAPH, video, tmp_path / "ref", "resize.max_pixels=100000")
    for pixel_format in ("rgb24", "native"):
        graph = tmp_path / f"{pixel_format}.yaml"
        graph.write_text(GRAPH.format(mode="exact", pixel_format=pixel_format))
        got = frames(graph, video, tmp_path / pixel_format, "plan.max_pixels=100000")
        assert got.shape == want.shape and got.shape[2] < 720  # resized by the plan's size
        assert np.array_equal(got, want), pixel_format
    # the shipped fast graph is this graph with mode fast after a native decoder
    fast = FAST_GRAPH.read_text()
    assert "pixel_format: native" in fast and "type: process.convert_scale" in fast and "mode: fast" in fast
