"""The sampler owns the plan (docs/sampling.md): planning nodes only narrow it (a subset of the
sampler's picks, with their timestamps), every pick has a reason, and a frame's time is one rule
(the packet index's pts, else index / fps). Checked on a variable-frame-rate file against PyAV's
frame times, for every shipped graph."""
import json
import re
import shutil

import numpy as np
import pytest

from conftest import BUILD, SOURCE, ffmpeg, read_json, vidpipe

GRAPHS = ["qwen2_5_vl", "qwen2_5_vl_fast", "qwen2_5_vl_budget", "qwen3_vl", "llava_onevision", "llava_video",
          "openai"]


@pytest.fixture(scope="module")
def vfr(tmp_path_factory):
    """2 s at 30 fps, then 6 s at 10 fps (120 frames): the average rate (15.4) fits neither part."""
    v = tmp_path_factory.mktemp("vfr") / "vfr.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=4",
           "-vf", "setpts='if(lt(N,60),N,60+(N-60)*3)/30/TB'", "-fps_mode", "passthrough",
           "-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "25", "-pix_fmt", "yuv420p", v)
    return v


@pytest.fixture(scope="module")
def pyav_times(vfr):
    """Presentation time of every frame, from the start of the stream, as PyAV decodes them."""
    av = pytest.importorskip("av")
    with av.open(str(vfr)) as c:
        t = [f.time for f in c.decode(video=0)]
    assert len(t) == 120
    return [x - t[0] for x in t]


def run(graph, video, out, *sets):
    args = ["run", SOURCE / "graphs" / f"{graph}.yaml", video, "-o", out]
    for s in sets:
        args += ["--set", s]
    vidpipe(*args, check=0)
    return read_json(out / video.stem / "metadata.json")


@pytest.mark.parametrize("graph", GRAPHS)
def test_every_graph_times_frames_by_the_stream_pts(graph, vfr, pyav_times, tmp_path):
    m = run(graph, vfr, tmp_path, "sample.nframes=8")
    sample = m["notes"]["sample"]
    idx = m["frame_indices"]
    assert len(idx) == 8 and idx == sample["indices"]
    assert sample["timestamps_from"] == "frame_times"
    want = [pyav_times[i] for i in idx]
    assert sample["timestamps"] == pytest.approx(want, abs=1e-6)  # the plan
    assert m["timestamps"] == pytest.approx(want, abs=1e-6)  # the decoded frames
    assert max(abs(t - i / m["original_fps"]) for t, i in zip(want, idx)) > 0.5  # index / fps is wrong here
    assert m["pick_reasons"] == [{"reason": "uniform", "picks": 8}]
    if graph == "openai":  # the prompt's frame times are the same
        text = read_json(tmp_path / vfr.stem / "messages.json")[0]["content"][0]["text"]
        assert ", ".join(f"{t:.2f}s" for t in want) in text


def test_llava_indices_are_the_samplers_with_numpy_truncation(vfr, tmp_path):
    """The llava profiles set sample.index_rule=floor: np.linspace(0, N - 1, n, dtype=int);
    llava.plan keeps the sampler's picks."""
    for n in (8, 32):
        m = run("llava_onevision", vfr, tmp_path / str(n), f"sample.nframes={n}")
        assert m["frame_indices"] == m["notes"]["sample"]["indices"] == np.linspace(0, 119, n, dtype=int).tolist()
    m = run("qwen2_5_vl", vfr, tmp_path / "round", "sample.nframes=32")  # torch's round() elsewhere
    assert m["frame_indices"] != np.linspace(0, 119, 32, dtype=int).tolist()


@pytest.mark.parametrize("graph,sets,knob", [
    ("qwen2_5_vl_budget", ["plan.max_context_tokens=600", "plan.reserve_tokens=0"], "nframes"),
    ("llava_onevision", ["plan.max_context_tokens=2000", "plan.on_overflow=fit"], "nframes"),
    ("openai", ["plan.max_images=5", "plan.on_overflow=fit"], "nframes"),
])
def test_fit_keeps_a_subset_of_the_samplers_picks(graph, sets, knob, vfr, pyav_times, tmp_path):
    m = run(graph, vfr, tmp_path, "sample.nframes=16", *sets)
    picks, idx = m["notes"]["sample"]["indices"], m["frame_indices"]
    assert knob in [x["knob"] for x in m["notes"]["plan"]["budget"]["lowered"]]
    assert 1 < len(idx) < len(picks) and set(idx) <= set(picks) and idx == sorted(idx)
    assert (idx[0], idx[-1]) == (picks[0], picks[-1])  # evenly thinned: first and last kept
    assert m["timestamps"] == pytest.approx([pyav_times[i] for i in idx], abs=1e-6)
    assert m["pick_reasons"] == [{"reason": "uniform", "picks": len(idx)}]
    p = json.loads(vidpipe("plan", SOURCE / "graphs" / f"{graph}.yaml", vfr, "--json", "--set", "sample.nframes=16",
                           *[a for s in sets for a in ("--set", s)], check=0).stdout)["videos"][0]
    assert p["frame_indices"] == idx  # `vidpipe plan` = `vidpipe run`


def test_short_video_repeats_have_their_own_reason(tmp_path):
    v = tmp_path / "three.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x120:r=30:d=0.1", "-c:v", "libx264", "-pix_fmt", "yuv420p", v)
    m = run("qwen2_5_vl", v, tmp_path / "o", "sample.nframes=6")  # 3 frames spread over 6 picks
    assert m["frame_indices"] == [0, 0, 1, 1, 2, 2]
    assert m["pick_reasons"] == [{"reason": r, "picks": 1} for r in ["uniform", "uniform (repeat)"] * 3]
    assert m["repeated_frames"] == 3 and "spread over them" in m["repeated_frames_why"]


@pytest.mark.parametrize("graph,sets,want,tokens", [
    ("llava_onevision", [], [0, 1, 2, 50, 119], 5 * 196 + 1),  # llava.plan used to re-derive linspace
    ("llava_onevision", ["plan.max_context_tokens=800", "plan.on_overflow=fit"], [0, 1, 50, 119], 4 * 196 + 1),
    ("openai", ["plan.max_images=3", "plan.on_overflow=fit"], [0, 2, 119], 3 * 85),
    ("qwen2_5_vl", [], [0, 1, 2, 50, 119], None),
])
def test_a_non_uniform_samplers_picks_survive_the_planning_node(graph, sets, want, tokens, vfr, pyav_times,
                                                                tmp_path):
    """A content-aware sampler (the test plugin testing.pick_list) in a shipped graph: the
    planning node keeps its picks (narrowed, never re-sampled), their reasons and timestamps."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(BUILD / "tests" / "plugins" / "vptest_pick_list.so", plugins)
    g = tmp_path / "g.yaml"
    sampler = ("  sample:\n    type: testing.pick_list\n    in: probe.info\n    params:\n"
               "      indices: '0,1,2,50,119'\n      reason: scene cut\n")
    text = re.sub(r"  sample:\n(    .*\n)+", sampler, (SOURCE / "graphs" / f"{graph}.yaml").read_text())
    g.write_text(text + "plugins: [plugins]\n")
    args = ["run", g, vfr, "-o", tmp_path / "o"]
    for s in sets:
        args += ["--set", s]
    vidpipe(*args, check=0)
    m = read_json(tmp_path / "o" / vfr.stem / "metadata.json")
    assert m["sampler"] == "testing.pick_list" and m["frame_indices"] == want
    assert m["pick_reasons"] == [{"reason": "scene cut", "picks": len(want)}]
    assert m["timestamps"] == pytest.approx([pyav_times[i] for i in want], abs=1e-6)
    if tokens is not None:
        assert m["total_tokens"] == tokens
