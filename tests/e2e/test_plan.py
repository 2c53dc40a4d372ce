"""`vidpipe plan` (metadata only) against `vidpipe run` (decoded) on the same inputs, docs/qwen-reference.md §7
numbers, and token-budget validation (error / fit)."""
import json
import shutil

import pytest

from conftest import BUILD, DEFAULT_GRAPH, SOURCE, run_meta, vidpipe

BUDGET_GRAPH = SOURCE / "graphs" / "qwen2_5_vl_budget.yaml"


def plan(*args, check=0):
    p = vidpipe("plan", *args, "--json", check=check)
    return json.loads(p.stdout)["videos"][0] if check == 0 else p


CASES = [("b", ["sample.nframes=8"]), ("c", ["resize.max_pixels=151200"]), ("small", []),
         ("c", ["sample.fps=0.5", "resize.min_pixels=200704"]), ("b", ["resize.resized_height=100", "resize.resized_width=300"])]


@pytest.mark.parametrize("name,sets", CASES)
def test_plan_equals_run_metadata(videos, tmp_path, name, sets):
    video = videos[name]
    args = [video]
    for s in sets:
        args += ["--set", s]
    p = plan(*args)
    meta = run_meta(video, tmp_path, *sets)
    for k_plan, k_run in [("nframes", "num_frames"), ("frame_indices", "frame_indices"), ("resized_height", "resized_height"),
                          ("resized_width", "resized_width"), ("grid_thw", "grid_thw"), ("total_tokens", "total_tokens")]:
        assert p[k_plan] == meta[k_run], (k_plan, p[k_plan], meta[k_run])
    assert p["sample_fps"] == pytest.approx(meta["sample_fps"])
    assert p["ms"] < 2000


def test_plan_worked_examples(videos):
    b = plan(videos["b"], "--set", "sample.nframes=8")
    assert b["frame_indices"] == [0, 36, 71, 107, 142, 178, 213, 249]
    assert (b["resized_height"], b["resized_width"], b["grid_thw"], b["total_tokens"]) == (364, 644, [4, 26, 46], 1196)
    # pixel_values_videos is (grid_t*grid_h*grid_w, 3*2*14*14) = (4784, 1176)
    assert b["memory"]["pixel_values"]["shape"] == [4 * 26 * 46, 1176]
    assert b["memory"]["pixel_values"]["bytes"]["fp32"] == 4784 * 1176 * 4
    assert b["memory"]["pixel_values"]["bytes"]["int4"] == 4784 * 1176 // 2
    assert b["memory"]["visual_tokens"]["bytes"]["bf16"] == 1196 * 3584 * 2
    assert b["prompt_placeholders"]["video_pad"] == 1196
    c = plan(videos["c"], "--set", "resize.max_pixels=151200")
    assert (c["nframes"], c["resized_height"], c["resized_width"], c["grid_thw"], c["total_tokens"]) == (40, 280, 504, [20, 20, 36], 3600)


def test_budget_error_names_the_numbers_and_knobs(videos):
    p = plan(videos["c"], "--set", "plan.max_context_tokens=2000", check=1)
    assert "14400 visual tokens" in p.stderr and "2000" in p.stderr
    assert "max_pixels" in p.stderr and "on_overflow=fit" in p.stderr


def test_budget_fit_lowers_pixels_then_frames_and_run_follows(videos, tmp_path):
    p = plan(BUDGET_GRAPH, videos["c"], "--set", "plan.max_context_tokens=3000", "--set", "plan.reserve_tokens=0")
    assert p["total_tokens"] <= 3000
    lowered = [x["knob"] for x in p["budget"]["lowered"]]
    assert lowered[0] == "max_pixels"
    meta = run_meta(videos["c"], tmp_path, "plan.max_context_tokens=3000", "plan.reserve_tokens=0", graph=BUDGET_GRAPH)
    assert meta["total_tokens"] == p["total_tokens"] <= 3000
    assert (meta["resized_height"], meta["resized_width"]) == (p["resized_height"], p["resized_width"])
    assert meta["frame_indices"] == p["frame_indices"]
    assert meta["notes"]["plan"]["budget"]["fitted"] is True
    # a budget that needs fewer frames: max_pixels hits min_pixels, then frames drop
    q = plan(BUDGET_GRAPH, videos["c"], "--set", "plan.max_context_tokens=1500", "--set", "plan.reserve_tokens=0")
    assert [x["knob"] for x in q["budget"]["lowered"]] == ["max_pixels", "nframes"]
    assert q["total_tokens"] <= 1500 and q["nframes"] < 40


def test_a_planning_node_that_notes_nothing(videos, tmp_path):
    """A third-party planner need not note a plan: `vidpipe plan` says so in a line instead of
    reading missing keys (undefined behaviour on const JSON: a crash or garbage). The graph is cut
    after it by its role (its type is not named *.plan)."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(BUILD / "tests" / "plugins" / "vptest_silent_plan.so", plugins)
    g = tmp_path / "silent.yaml"
    g.write_text(DEFAULT_GRAPH.read_text().replace("    in: sample.plan\n", "    in: plan.plan\n").replace(
        "  decode:\n", "  plan:\n    type: testing.silent\n    in: sample.plan\n  decode:\n") + "plugins: [plugins]\n")
    p = vidpipe("plan", g, videos["small"], check=0)
    assert p.stdout == f"{videos['small']}: planned, but the planning node noted no complete plan (see --json)\n"
    j = json.loads(vidpipe("plan", g, videos["small"], "--json", check=0).stdout)["videos"][0]
    assert j["status"] == "ok" and "nframes" not in j
