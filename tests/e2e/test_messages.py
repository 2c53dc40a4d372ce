"""`vidpipe run --messages` (README.md: Chat messages) and `--hf-config` (README.md: Model
folders). References: `vidpipe run` of the same video with the same settings given by --set,
and Qwen's sizing formulas (docs/qwen-reference.md §2.2, §2.7, §6.5) written here in Python."""
import json
import math
import subprocess

import numpy as np
import pytest

from conftest import ffmpeg, make_video, read_json, vidpipe

QWEN25_PREPROCESSOR = {  # Qwen2.5-VL-7B-Instruct's preprocessor_config.json as published
    "min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
    "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
    "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2_5_VLProcessor"}


def smart_resize(h, w, factor, min_pixels, max_pixels):
    """qwen-vl-utils' smart_resize (docs/qwen-reference.md §2.2)."""
    hb, wb = max(factor, round(h / factor) * factor), max(factor, round(w / factor) * factor)
    if hb * wb > max_pixels:
        beta = math.sqrt(h * w / max_pixels)
        hb, wb = math.floor(h / beta / factor) * factor, math.floor(w / beta / factor) * factor
    elif hb * wb < min_pixels:
        beta = math.sqrt(min_pixels / (h * w))
        hb, wb = math.ceil(h * beta / factor) * factor, math.ceil(w * beta / factor) * factor
    return hb, wb


def video_size(h, w, n, factor=28, min_pixels=100352, video_max=602112, total=90316800, max_pixels=None):
    """§2.7: the per-frame cap for n sampled frames, then smart_resize."""
    cap = max(min(video_max, total / n * 2), int(min_pixels * 1.05))
    return smart_resize(h, w, factor, min_pixels, min(max_pixels or cap, cap))


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("messages")
    image = d / "still.png"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=500x300:rate=1", "-frames:v", "1", image)
    return {"b": make_video(d / "b.mp4", "640x360", 25, 10), "c": make_video(d / "c.mp4", "480x270", 30, 4),
            "image": image, "dir": d}


def write_messages(path, content):
    path.write_text(json.dumps([{"role": "system", "content": "You are a helpful assistant."},
                                {"role": "user", "content": content}]))
    return path


def vision(messages):
    return [e for m in messages if isinstance(m["content"], list) for e in m["content"] if "video" in e or "image" in e]


def run_with_sets(video, out, *sets, graph="qwen2_5_vl"):
    args = ["run", graph, video, "-o", out]
    for s in sets:
        args += ["--set", s]
    vidpipe(*args, check=0)
    return out / video.stem


def same_output(a, b):
    """Frames byte-identical; indices, size, grid and tokens equal."""
    assert (a / "frames.npy").read_bytes() == (b / "frames.npy").read_bytes()
    ma, mb = read_json(a / "metadata.json"), read_json(b / "metadata.json")
    for key in ("frame_indices", "resized_height", "resized_width", "grid_thw", "total_tokens"):
        assert ma[key] == mb[key], key


def test_each_element_equals_run_with_the_same_settings(media, tmp_path):
    b, c = media["b"], media["c"]
    m = write_messages(tmp_path / "m.json", [
        {"type": "video", "video": f"file://{b}", "nframes": 8},
        {"type": "text", "text": "and"},
        {"type": "video", "video": str(c), "fps": 1.0, "max_pixels": 151200, "video_start": 0.5, "video_end": 3.5},
        {"type": "video", "video": str(b), "resized_height": 200, "resized_width": 300.0, "unknown_key": "ignored"},
        {"type": "text", "text": "What happens?"}])
    out = tmp_path / "out"
    p = vidpipe("run", "--messages", m, "-o", out, check=0)
    assert "3 of 3 elements ok" in p.stdout
    refs = [run_with_sets(b, tmp_path / "r0", "sample.nframes=8"),
            run_with_sets(c, tmp_path / "r1", "sample.fps=1.0", "resize.max_pixels=151200", "sample.video_start=0.5",
                          "sample.video_end=3.5"),
            run_with_sets(b, tmp_path / "r2", "resize.resized_height=200", "resize.resized_width=300")]
    for i, ref in enumerate(refs):
        same_output(out / f"element_{i}", ref)
    resolved = vision(read_json(out / "messages.json"))
    for i, e in enumerate(resolved):
        meta = read_json(out / f"element_{i}" / "metadata.json")
        v = e["vidpipe"]
        assert v["status"] == "ok" and v["output"].endswith(f"element_{i}")
        assert v["tokens"] == meta["total_tokens"] and v["grid_thw"] == meta["grid_thw"]
        assert v["frames"] == len(meta["frame_indices"])
        assert v["prompt"] == "<|vision_start|>" + "<|video_pad|>" * v["tokens"] + "<|vision_end|>"
    # §7(b): nframes 8 of 640x360 → 364x644, grid [4, 26, 46], 1196 tokens; explicit size → §2.8.
    assert resolved[0]["vidpipe"]["tokens"] == 1196
    assert [resolved[2]["vidpipe"]["resized_height"], resolved[2]["vidpipe"]["resized_width"]] == \
        list(smart_resize(200, 300, 28, 3136, 12845056))
    assert resolved[1]["fps"] == 1.0 and resolved[2]["unknown_key"] == "ignored"  # the element is kept as given


def test_a_bad_element_fails_alone(media, tmp_path):
    b = media["b"]
    m = write_messages(tmp_path / "m.json", [
        {"type": "video", "video": str(b), "nframes": 4},
        {"type": "video", "video": str(b), "nframes": 6},
        {"type": "video", "video": str(b), "fps": "fast"},
        {"type": "video", "video": str(tmp_path / "missing.mp4")},
        {"type": "video", "video": str(b), "nframes": 4}])
    out = tmp_path / "out"
    p = vidpipe("run", "--messages", m, "-o", out, check=1)
    assert "element 2 (messages[1].content[2]): 'fps' must be a number, got \"fast\"" in p.stderr
    assert "missing.mp4" in p.stderr
    resolved = vision(read_json(out / "messages.json"))
    assert [e["vidpipe"]["status"] for e in resolved] == ["ok", "ok", "failed", "failed", "ok"]
    assert "'fps'" in resolved[2]["vidpipe"]["error"]
    assert not (out / "element_2").exists() and not (out / "element_3").exists()
    assert (out / "element_4" / "frames.npy").exists()
    assert p.stdout.count("tokens") == 3


def test_image_element_uses_the_image_rule(media, tmp_path):
    m = write_messages(tmp_path / "m.json", [
        {"type": "image", "image": f"file://{media['image']}"},
        {"type": "image", "image": str(media["image"]), "max_pixels": 50176},
        {"type": "image", "image": "https://example.invalid/a.jpg"}])
    out = tmp_path / "out"
    p = vidpipe("run", "--messages", m, "-o", out, check=1)
    assert "images are read from local files only" in p.stderr
    resolved = vision(read_json(out / "messages.json"))
    for e, max_pixels in zip(resolved[:2], (12845056, 50176)):
        v = e["vidpipe"]
        h, w = smart_resize(300, 500, 28, 3136, max_pixels)  # docs/qwen-reference.md §3: image bounds
        assert (v["resized_height"], v["resized_width"]) == (h, w)
        assert v["grid_thw"] == [1, h // 14, w // 14] and v["tokens"] == h * w // 784  # tiled to 2 frames
        assert v["prompt"] == "<|vision_start|>" + "<|image_pad|>" * v["tokens"] + "<|vision_end|>"
    frames = np.load(out / "element_0" / "frames.npy")  # T x C x H x W
    assert frames.shape[0] == 2 and np.array_equal(frames[0], frames[1])
    # Pixels: the PNG decoded by the ffmpeg CLI, resized by torchvision (bicubic, antialias).
    import torch
    import torchvision.transforms.functional as TF
    from torchvision.transforms import InterpolationMode
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(media["image"]), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    src = torch.from_numpy(np.frombuffer(raw, np.uint8).reshape(300, 500, 3).copy()).permute(2, 0, 1).contiguous()
    h, w = smart_resize(300, 500, 28, 3136, 12845056)
    ref = TF.resize(src, [h, w], InterpolationMode.BICUBIC, antialias=True).numpy()
    assert np.abs(frames[0].astype(np.int32) - ref.astype(np.int32)).max() <= 1


def test_qwen3_prompt_has_a_block_per_temporal_group(media, tmp_path):
    m = write_messages(tmp_path / "m.json", [{"type": "video", "video": str(media["b"]), "nframes": 8}])
    vidpipe("run", "qwen3_vl", "--messages", m, "-o", tmp_path / "out", check=0)
    v = vision(read_json(tmp_path / "out" / "messages.json"))[0]["vidpipe"]
    meta = read_json(tmp_path / "out" / "element_0" / "metadata.json")
    texts = meta["tokens"]["timestamp_texts"] if "tokens" in meta else meta["timestamp_texts"]
    per_group = v["tokens"] // v["grid_thw"][0]
    assert v["prompt"] == "".join(t + "<|vision_start|>" + "<|video_pad|>" * per_group + "<|vision_end|>" for t in texts)
    assert texts[0] == "<0.7 seconds>"  # §7(b)


def test_messages_usage_errors(media, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    p = vidpipe("run", "--messages", bad, "-o", tmp_path / "o", check=2)
    assert p.stderr.count("\n") == 1 and "not valid JSON" in p.stderr
    bad.write_text('{"role": "user"}')
    p = vidpipe("run", "--messages", bad, check=2)
    assert "not a list of messages" in p.stderr
    m = write_messages(tmp_path / "m.json", [{"type": "video", "video": str(media["c"]), "nframes": 4}])
    p = vidpipe("run", "--messages", m, media["b"], check=2)
    assert "--messages takes its inputs from the messages" in p.stderr
    out = tmp_path / "o2"
    vidpipe("run", "--messages", m, "-o", out, check=0)
    p = vidpipe("run", "--messages", m, "-o", out, check=2)
    assert "messages.json exists" in p.stderr
    vidpipe("run", "--messages", m, "-o", out, "--overwrite", check=0)
    p = vidpipe("run", "--messages", m, "-o", out, "--skip-existing", check=2)
    assert "--skip-existing does not work with --messages" in p.stderr


# ---- --hf-config ----

def hf_dir(path, preprocessor=None, video=None):
    path.mkdir()
    if preprocessor is not None:
        (path / "preprocessor_config.json").write_text(json.dumps(preprocessor))
    if video is not None:
        (path / "video_preprocessor_config.json").write_text(json.dumps(video))
    return path


def test_hf_config_published_values_change_nothing(media, tmp_path):
    d = hf_dir(tmp_path / "Qwen2.5-VL-7B-Instruct", QWEN25_PREPROCESSOR)
    a = run_with_sets(media["b"], tmp_path / "a")
    vidpipe("run", media["b"], "-o", tmp_path / "h", "--hf-config", d, check=0)
    same_output(tmp_path / "h" / "b", a)
    cfg = json.loads(vidpipe("run", "qwen2_5_vl", "--dry-run", "--hf-config", d, check=0).stdout)
    assert cfg["model"] == "qwen2_5_vl"


def test_hf_config_patch_16_and_smaller_video_max(media, tmp_path):
    b = media["b"]  # 640x360, N = 250 at 25 fps: fps 2 → n = 20
    patch16 = dict(QWEN25_PREPROCESSOR, patch_size=16)
    d = hf_dir(tmp_path / "p16", patch16)
    vidpipe("run", b, "-o", tmp_path / "o16", "--hf-config", d, check=0)
    meta = read_json(tmp_path / "o16" / "b" / "metadata.json")
    h, w = video_size(360, 640, 20, factor=32)
    assert (meta["resized_height"], meta["resized_width"]) == (h, w) != (364, 644)
    assert meta["grid_thw"] == [10, h // 16, w // 16] and meta["total_tokens"] == 10 * (h // 32) * (w // 32)
    [plan] = json.loads(vidpipe("plan", b, "--json", "--hf-config", d, check=0).stdout)["videos"]  # plan = run
    assert (plan["resized_height"], plan["resized_width"], plan["grid_thw"]) == (h, w, meta["grid_thw"])
    assert plan["total_tokens"] == meta["total_tokens"]

    video = {"video_processor_type": "Qwen2VLVideoProcessor", "min_pixels": 100352, "max_pixels": 150000,
             "patch_size": 14, "merge_size": 2, "temporal_patch_size": 2}
    d = hf_dir(tmp_path / "small", QWEN25_PREPROCESSOR, video)
    vidpipe("run", b, "-o", tmp_path / "small_out", "--hf-config", d, check=0)
    meta = read_json(tmp_path / "small_out" / "b" / "metadata.json")
    h, w = video_size(360, 640, 20, video_max=150000)
    assert (meta["resized_height"], meta["resized_width"]) == (h, w) != (364, 644)
    assert meta["total_tokens"] == 10 * (h // 28) * (w // 28)


def test_hf_config_refusals(media, tmp_path):
    d = hf_dir(tmp_path / "llava", dict(QWEN25_PREPROCESSOR, image_processor_type="CLIPImageProcessor",
                                        processor_class="LlavaProcessor"))
    p = vidpipe("run", media["b"], "-o", tmp_path / "o", "--hf-config", d, check=2)
    assert p.stderr.count("\n") == 1
    assert "preprocessor_config.json: processor 'LlavaProcessor' is not supported" in p.stderr
    assert "Qwen2_5_VLProcessor" in p.stderr
    p = vidpipe("run", media["b"], "--hf-config", tmp_path, check=2)
    assert "holds neither preprocessor_config.json nor video_preprocessor_config.json" in p.stderr
    p = vidpipe("plan", media["b"], "--hf-config", tmp_path, check=2)
    assert "holds neither preprocessor_config.json nor video_preprocessor_config.json" in p.stderr
