"""Session.process_messages (README.md: Chat messages): the parser `vidpipe run --messages` uses,
through the binding; each element equals the CLI's output for it."""
import json

import numpy as np

import vidpipe
from e2e_helpers import read_json, vidpipe as cli


def test_process_messages_equals_the_cli(clips, tmp_path):
    messages = [{"role": "user", "content": [
        {"type": "video", "video": f"file://{clips['a']}", "nframes": 6, "max_pixels": 50176},
        {"type": "text", "text": "compare with"},
        {"type": "video", "video": str(clips["b"]), "nframes": [4]},
        {"type": "video", "video": str(clips["b"]), "fps": 1.0}]}]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(messages))
    cli("run", "--messages", path, "-o", tmp_path / "out", check=1)
    with vidpipe.Session("qwen2_5_vl") as s:
        results, resolved = s.process_messages(messages)
    assert isinstance(results[1], vidpipe.InputError) and "'nframes' must be an integer" in str(results[1])
    elements = [e for e in resolved[0]["content"] if "video" in e]
    assert elements[1]["vidpipe"]["status"] == "failed"
    for i in (0, 2):
        r = results[i]
        on_disk = np.load(tmp_path / "out" / f"element_{i}" / "frames.npy").transpose(0, 2, 3, 1)  # T x C x H x W
        assert np.array_equal(r.frames, on_disk)
        meta = read_json(tmp_path / "out" / f"element_{i}" / "metadata.json")
        assert r.metadata["total_tokens"] == meta["total_tokens"] == elements[i]["vidpipe"]["tokens"]
        assert r.metadata["grid_thw"] == meta["grid_thw"] == elements[i]["vidpipe"]["grid_thw"]
    assert messages[0]["content"][1] == {"type": "text", "text": "compare with"}
    assert "vidpipe" not in messages[0]["content"][0]  # the caller's list is left as it was


def test_session_defaults_apply_below_the_element(clips):
    messages = [{"role": "user", "content": [{"type": "video", "video": str(clips["a"])},
                                             {"type": "video", "video": str(clips["a"]), "nframes": 4}]}]
    with vidpipe.Session("qwen2_5_vl", fps=1.0) as s:
        results, _ = s.process_messages(messages)
    assert results[0].metadata["num_frames"] == 4  # 4 s at fps 1 → 4 (min_frames 4)
    assert results[1].metadata["num_frames"] == 4
    assert results[0].metadata["sample_fps"] == 1.0


def test_fetch_video_uses_the_same_parser(clips):
    from vidpipe.qwen import fetch_video
    import pytest
    with pytest.raises(vidpipe.InputError, match="'max_pixels' must be an integer"):
        fetch_video({"video": str(clips["a"]), "max_pixels": "big"})
