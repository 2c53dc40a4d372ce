"""Model plugins against docs/qwen-reference.md §7 and their cited constants."""
import json

from conftest import SOURCE, vidpipe, read_json

QWEN3 = SOURCE / "graphs" / "qwen3_vl.yaml"


def test_qwen3_worked_example_b(videos, tmp_path):
    p = json.loads(vidpipe("plan", QWEN3, videos["b"], "--set", "sample.nframes=8", "--json", check=0).stdout)["videos"][0]
    assert (p["resized_height"], p["resized_width"], p["grid_thw"], p["total_tokens"]) == (352, 640, [4, 22, 40], 880)
    vidpipe("run", QWEN3, videos["b"], "--set", "sample.nframes=8", "-o", tmp_path, check=0)
    m = read_json(tmp_path / "b" / "metadata.json")
    assert (m["resized_height"], m["resized_width"], m["grid_thw"], m["total_tokens"]) == (352, 640, [4, 22, 40], 880)
    assert m["tokens"]["timestamp_texts"] == ["<0.7 seconds>", "<3.6 seconds>", "<6.4 seconds>", "<9.2 seconds>"]
    assert m["config"]["nodes"]["resize"]["params"]["factor"] == 32


def test_qwen3_worked_example_c(videos):
    p = json.loads(vidpipe("plan", QWEN3, videos["c"], "--set", "resize.max_pixels=151200", "--json",
                           check=0).stdout)["videos"][0]
    assert (p["nframes"], p["resized_height"], p["resized_width"], p["grid_thw"], p["total_tokens"]) == (
        40, 288, 512, [20, 18, 32], 2880)
    assert p["memory"]["pixel_values"]["shape"] == [20 * 18 * 32, 1536]


def test_profiles_carry_their_cited_constants():
    q3 = json.loads(vidpipe("describe", "qwen3_vl", check=0).stdout)
    assert q3["params"]["factor"] == 32 and q3["params"]["patch_size"] == 16
    assert q3["params"]["min_pixels"] == 128 * 32 * 32 and q3["params"]["video_max_pixels"] == 768 * 32 * 32
    assert q3["params"]["total_pixels"] == 128000 * 32 * 32 * 0.9
    assert q3["params"]["norm_mean"] == [0.5] * 3 and q3["params"]["norm_std"] == [0.5] * 3
    q25 = json.loads(vidpipe("describe", "qwen2_5_vl", check=0).stdout)
    assert q25["params"]["factor"] == 28 and q25["params"]["video_max_pixels"] == 768 * 28 * 28
