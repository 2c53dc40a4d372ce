"""process.convert_scale in a running graph (the runtime's parallel Map, the Qwen profile's
color_matrix): with a planning node it sizes frames as process.smart_resize does, so mode exact
gives the default graph's bytes and mode fast the fast graph's bytes (the decoder hands it packed
RGB today; planar frames from a native decoder are covered by nodes/process/convert_scale_test.cpp)."""
import numpy as np

from conftest import DEFAULT_GRAPH, SOURCE, ffmpeg, vidpipe

FAST_GRAPH = SOURCE / "graphs" / "qwen2_5_vl_fast.yaml"

# graphs/qwen2_5_vl_fast.yaml with convert_scale in place of smart_resize.
GRAPH = """vidpipe: 1
name: convert_scale
model: qwen2_5_vl
nodes:
  probe:  {{type: probe.ffmpeg, in: input}}
  sample: {{type: sample.uniform, in: probe.info}}
  plan:   {{type: qwen2_5_vl.plan, in: sample.plan}}
  decode: {{type: decode.auto, in: plan.plan, params: {{fused_resize: {fused}}}}}
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


def test_convert_scale_in_a_graph_gives_the_shipped_graphs_bytes(tmp_path):
    video = tmp_path / "v.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           video)
    for mode, fused, reference, sized_by in (("exact", "false", DEFAULT_GRAPH, "resize"),
                                             ("fast", "true", FAST_GRAPH, "plan")):
        graph = tmp_path / f"{mode}.yaml"
        graph.write_text(GRAPH.format(mode=mode, fused=fused))
        got = frames(graph, video, tmp_path / mode, "plan.max_pixels=100000")
        want = frames(reference, video, tmp_path / f"{mode}_ref", f"{sized_by}.max_pixels=100000")
        assert got.shape == want.shape and got.shape[2] < 720  # resized by the plan's size
        assert np.array_equal(got, want), mode
