"""End-to-end: the default Qwen2.5-VL graph on generated videos, checked against references
nobody here wrote: torch.linspace for frame indices, docs/qwen-reference.md's worked examples for sizes and
tokens, numpy for reading the outputs, PyAV + torchvision for the pixels the model sees."""
import json

import numpy as np
import pytest
import torch

from conftest import DEFAULT_GRAPH, vidpipe, read_json


def torch_indices(start, end, n):
    return torch.linspace(start, end, n).round().long().tolist()


def run_default(video, out, *sets):
    args = ["run", DEFAULT_GRAPH, video, "-o", out, "--json"]
    for s in sets:
        args += ["--set", s]
    p = vidpipe(*args, check=0)
    return json.loads(p.stdout), read_json(out / video.stem / "metadata.json")


def test_worked_example_b_nframes(videos, tmp_path):
    # docs/qwen-reference.md §7(b): 640×360, 25 fps, 10 s, nframes = 8
    summary, meta = run_default(videos["b"], tmp_path, "sample.nframes=8")
    assert summary["failed"] == 0
    assert meta["total_frames"] == 250 and meta["original_fps"] == pytest.approx(25.0)
    assert meta["frame_indices"] == torch_indices(0, 249, 8) == [0, 36, 71, 107, 142, 178, 213, 249]
    assert meta["num_frames"] == 8
    assert meta["sample_fps"] == pytest.approx(0.8)
    assert (meta["resized_height"], meta["resized_width"]) == (364, 644)
    assert meta["grid_thw"] == [4, 26, 46]
    assert meta["total_tokens"] == 1196
    assert meta["tokens"]["second_per_grid_ts"] == pytest.approx(2.5)
    assert meta["timestamps"] == pytest.approx([i / 25 for i in meta["frame_indices"]], abs=1e-6)
    frames = np.load(tmp_path / "b" / "frames.npy")
    assert frames.shape == (8, 3, 364, 644) and frames.dtype == np.uint8


def test_worked_example_c_fps_and_max_pixels(videos, tmp_path):
    # docs/qwen-reference.md §7(c): 1280×720, 30 fps, 20 s, fps 2, max_pixels = 151 200
    _, meta = run_default(videos["c"], tmp_path, "resize.max_pixels=151200")
    assert meta["num_frames"] == 40
    assert meta["frame_indices"] == torch_indices(0, 599, 40)
    assert meta["sample_fps"] == pytest.approx(2.0)
    assert (meta["resized_height"], meta["resized_width"]) == (280, 504)
    assert meta["grid_thw"] == [20, 20, 36] and meta["total_tokens"] == 3600


def test_metadata_is_complete_and_reproducible(videos, tmp_path):
    _, meta = run_default(videos["small"], tmp_path)
    # defaults: fps 2 on a 3 s, 30 fps clip → N = 90, n = floor_by_2(min(max(6, 4), 90)) = 6
    assert meta["frame_indices"] == torch_indices(0, 89, 6)
    for key in ["num_frames", "original_fps", "sample_fps", "duration", "resolution", "frame_indices", "timestamps",
                "resized_height", "resized_width", "grid_thw", "total_tokens", "backend_used", "timing", "config"]:
        assert key in meta, key
    assert meta["backend_used"] == "ffmpeg"
    assert meta["resolution"] == {"width": 320, "height": 240}
    t = meta["timing"]
    assert 0 < t["extraction"] <= t["total"] and 0 < t["processing"] <= t["total"]
    cfg = meta["config"]
    assert cfg["model"] == "qwen2_5_vl"
    assert cfg["nodes"]["decode"]["params"]["color_matrix"] == "bt601"  # from the model profile
    assert cfg["nodes"]["decode"]["set_by"]["color_matrix"] == "profile"
    names = [a["name"] for a in meta["artifacts"]]
    assert "frames.npy" in names


def test_pixels_match_pyav_plus_torchvision(videos, tmp_path):
    """The reference stack: PyAV decodes (BT.601, as torchvision.io.read_video does), then
    torchvision's antialiased bicubic resize to the same size, rounded to uint8."""
    av = pytest.importorskip("av")
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.functional import resize

    _, meta = run_default(videos["b"], tmp_path, "sample.nframes=8")
    ours = np.load(tmp_path / "b" / "frames.npy").astype(np.int16)
    wanted = set(meta["frame_indices"])
    ref = []
    with av.open(str(videos["b"])) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i in wanted:
                ref.append(torch.from_numpy(frame.to_ndarray(format="rgb24")).permute(2, 0, 1))
    ref = resize(torch.stack(ref), [meta["resized_height"], meta["resized_width"]],
                 interpolation=InterpolationMode.BICUBIC, antialias=True)
    diff = np.abs(ours - ref.numpy().astype(np.int16))
    print(f"pixels vs PyAV+torchvision: mean |diff| {diff.mean():.4f}, max {diff.max()}, "
          f"exact {np.mean(diff == 0) * 100:.2f}%")
    assert diff.mean() <= 0.25 and diff.max() <= 2


def test_batch_goes_on_after_bad_inputs(videos, tmp_path):
    missing = tmp_path / "missing.mp4"
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n")
    out = tmp_path / "out"
    p = vidpipe("run", DEFAULT_GRAPH, videos["small"], missing, text, videos["b"], "-o", out, "--json")
    assert p.returncode == 1
    summary = json.loads(p.stdout)
    status = {j["name"]: j["status"] for j in summary["jobs"]}
    assert status == {"small": "ok", "missing": "failed", "notes": "failed", "b": "ok"}
    failed = {j["name"]: j["error"] for j in summary["jobs"] if j["status"] == "failed"}
    assert failed["missing"]["node"] == "probe"
    # one clear line per bad input on stderr, naming the input and the stage
    lines = [l for l in p.stderr.splitlines() if "error in stage" in l]
    assert len(lines) == 2
    assert any(str(missing) in l and "'probe'" in l for l in lines)
    # nothing half-written: only the good inputs have folders, no staging leftovers
    assert sorted(x.name for x in out.iterdir()) == ["b", "small"]


def test_dry_run_shows_the_layers(tmp_path):
    p = vidpipe("run", DEFAULT_GRAPH, "--dry-run", "--set", "sample.nframes=32", "--set", "resize.max_pixels=200704",
                check=0)
    cfg = json.loads(p.stdout)
    sample = cfg["nodes"]["sample"]
    assert sample["params"]["nframes"] == 32 and sample["set_by"]["nframes"] == "command line"
    assert sample["params"]["fps"] == 2.0 and sample["set_by"]["fps"] == "profile"
    assert cfg["nodes"]["resize"]["params"]["max_pixels"] == 200704


def test_profile_and_trace(videos, tmp_path):
    trace = tmp_path / "trace.json"
    p = vidpipe("run", DEFAULT_GRAPH, videos["small"], "-o", tmp_path / "o", "--profile", "--trace", trace, check=0)
    for node in ["probe", "sample", "decode", "resize", "gather", "tokens", "write", "metadata"]:
        assert f"\n{node} " in p.stdout, node
    events = json.loads(trace.read_text())["traceEvents"]
    resize_calls = [e for e in events if e.get("ph") == "X" and e["name"] == "resize"]
    assert len(resize_calls) == 6  # one event per node call: 6 frames resized
    assert all(e["dur"] >= 0 for e in resize_calls)
    # format.npy streams: opening its file and writing each frame are its calls too (they were
    # done on the gather's thread and missing from the profile: 1 call, no time).
    write_calls = [e for e in events if e.get("ph") == "X" and e["name"] == "write"]
    assert len(write_calls) == 1 + 6 + 1  # open, 6 frames, close


def test_bad_graph_reports_line_and_column(tmp_path):
    g = tmp_path / "bad.yaml"
    g.write_text(DEFAULT_GRAPH.read_text().replace("type: sample.uniform\n",
                                                   "type: sample.uniform\n    params: {nframe: 8}\n"))
    p = vidpipe("validate", g)
    assert p.returncode == 2
    line = next(i + 1 for i, l in enumerate(g.read_text().splitlines()) if "nframe:" in l)
    assert f"{g}:{line}:" in p.stderr
    assert "unknown parameter 'nframe'" in p.stderr and "did you mean 'nframes'" in p.stderr


def test_cli_usage_errors(tmp_path):
    assert vidpipe("run", DEFAULT_GRAPH).returncode == 2                      # no input
    assert vidpipe("run", tmp_path / "nope.yaml", "x.mp4").returncode == 2   # no graph
    p = vidpipe("run", DEFAULT_GRAPH, "x.mp4", "--set", "sample.fsp=3")
    assert p.returncode == 2 and "did you mean 'fps'" in p.stderr
    p = vidpipe("describe", "decode.ffmpg")
    assert p.returncode == 2 and "decode.ffmpeg" in p.stderr
    assert vidpipe("--version", check=0).stdout.startswith("vidpipe ")


def test_long_video_is_not_capped_by_the_sampler_limit(tmp_path):
    """The profile's max_frames (768, a sampler limit) must not reach the decoder: a video with
    more frames than that decodes normally (regression: a same-named decoder limit)."""
    from conftest import make_video
    v = make_video(tmp_path / "long.mp4", "160x96", 25, 40, extra=("-preset", "ultrafast"))  # 1000 frames
    _, meta = run_default(v, tmp_path / "out")
    assert meta["total_frames"] == 1000
    assert meta["frame_indices"] == torch_indices(0, 999, 80)  # 40 s × 2 fps
