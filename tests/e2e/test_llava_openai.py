"""Model plugins llava (LLaVA-OneVision / LLaVA-Video) and openai (GPT-4o-style chat APIs):
profiles against their cited constants, pixels against PyAV + torchvision, token counts and the
OpenAI image cost rule computed independently here."""
import base64
import json
import math

import numpy as np
import pytest

from conftest import SOURCE, make_video, read_json, vidpipe

LLAVA_OV = SOURCE / "graphs" / "llava_onevision.yaml"
LLAVA_VIDEO = SOURCE / "graphs" / "llava_video.yaml"
OPENAI = SOURCE / "graphs" / "openai.yaml"


def describe(name):
    return json.loads(vidpipe("describe", name, check=0).stdout)


def plan(graph, video, *sets):
    args = ["plan", graph, video, "--json"]
    for s in sets:
        args += ["--set", s]
    return json.loads(vidpipe(*args, check=0).stdout)["videos"][0]


def run(graph, video, out, *sets):
    args = ["run", graph, video, "-o", out]
    for s in sets:
        args += ["--set", s]
    vidpipe(*args, check=0)
    return read_json(out / video.stem / "metadata.json")


# ---- llava -----------------------------------------------------------------------------------

def pooled_side(side, mode, stride=2):
    """transformers apply_pooling / LLaVA-NeXT get_2dPool: bilinear -> ceil, avg/max_pool2d -> floor."""
    if mode == "bilinear":
        return math.ceil(side / stride)
    return (side - stride) // stride + 1


def test_llava_profiles_carry_their_cited_constants():
    ov = describe("llava_onevision")
    lv = describe("llava_video")
    for prof in (ov, lv):
        p = prof["params"]
        assert p["image_size"] == 384 and p["patch_size"] == 14 and p["pool_stride"] == 2
        assert p["norm_mean"] == [0.5] * 3 and p["norm_std"] == [0.5] * 3  # SigLIP
        assert 384 // 14 == 27
        assert prof["facts"]["pooling"] and prof["facts"]["newline"]  # sources are cited
    assert ov["params"]["pool_mode"] == "bilinear" and ov["params"]["newline"] == "one_token"
    assert pooled_side(27, "bilinear") ** 2 == 196
    assert ov["params"]["nframes"] == 32
    assert lv["params"]["pool_mode"] == "average" and lv["params"]["newline"] == "grid"
    assert pooled_side(27, "average") ** 2 == 169
    assert lv["params"]["nframes"] == 64
    assert "modeling_llava_onevision.py" in ov["facts"]["pooling"]
    assert "llava_arch.py" in lv["facts"]["pooling"]


def np_linspace_int(n_total, n):
    return np.linspace(0, n_total - 1, n, dtype=int).tolist()


@pytest.mark.parametrize("graph,n,per_frame,extra", [(LLAVA_OV, 32, 196, 1), (LLAVA_VIDEO, 64, 13 * 14, 0)])
def test_llava_plan_from_metadata(videos, graph, n, per_frame, extra):
    p = plan(graph, videos["b"])  # 640x360, 25 fps, 10 s: 250 frames
    assert p["nframes"] == n
    assert p["frame_indices"] == np_linspace_int(250, n)  # lmms-eval load_video: dtype=int truncates
    assert (p["resized_height"], p["resized_width"]) == (384, 384)
    assert p["grid_thw"] == [n, 27, 27]
    assert p["total_tokens"] == n * per_frame + extra
    assert p["memory"]["pixel_values"]["shape"] == [n, 3, 384, 384]


def test_llava_budget_error_and_fit(videos):
    p = vidpipe("plan", LLAVA_OV, videos["b"], "--set", "plan.max_context_tokens=4000")
    assert p.returncode == 1 and "6273 visual tokens" in p.stderr and "max_context_tokens 4000" in p.stderr
    f = plan(LLAVA_OV, videos["b"], "plan.max_context_tokens=4000", "plan.on_overflow=fit")
    assert f["nframes"] == (4000 - 1) // 196 and f["total_tokens"] <= 4000
    assert f["budget"]["fitted"] and f["budget"]["lowered"][0]["knob"] == "nframes"


def test_llava_onevision_frames_match_pyav_torchvision(videos, tmp_path):
    av = pytest.importorskip("av")
    torch = pytest.importorskip("torch")
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.functional import resize

    m = run(LLAVA_OV, videos["b"], tmp_path, "sample.nframes=8")
    frames = np.load(tmp_path / "b" / "frames.npy")
    assert frames.shape == (8, 3, 384, 384) and frames.dtype == np.uint8
    idx = np_linspace_int(250, 8)
    assert m["frame_indices"] == idx
    assert m["total_tokens"] == 8 * 196 + 1 == m["tokens"]["video_tokens"]
    assert m["tokens"]["pooled_grid"] == [14, 14] and m["grid_thw"] == [8, 27, 27]
    ref = []
    with av.open(str(videos["b"])) as c:  # PyAV converts with BT.601, as decord does
        for i, fr in enumerate(c.decode(video=0)):
            if i in idx:
                ref.append(torch.from_numpy(fr.to_ndarray(format="rgb24")).permute(2, 0, 1))
    ref = resize(torch.stack(ref), [384, 384], interpolation=InterpolationMode.BICUBIC, antialias=True)
    diff = np.abs(frames.astype(np.int16) - ref.numpy().astype(np.int16))
    print(f"llava 640x360 -> 384x384 vs PyAV+torchvision: mean {diff.mean():.4f} max {diff.max()}")
    assert diff.mean() <= 0.25 and diff.max() <= 2


def test_llava_video_tokens_and_normalised_output(videos, tmp_path):
    m = run(LLAVA_VIDEO, videos["small"], tmp_path, "sample.nframes=16", "write.dtype=float32",
            "write.normalize=mean_std")
    x = np.load(tmp_path / "small" / "frames.npy")
    assert x.shape == (16, 3, 384, 384) and x.dtype == np.float32
    assert -1.0 - 1e-6 <= x.min() and x.max() <= 1.0 + 1e-6  # (v/255 - 0.5) / 0.5
    assert m["total_tokens"] == 16 * 13 * (13 + 1)
    assert m["tokens"]["newline_tokens"] == 16 * 13 and m["tokens"]["tokens_per_frame"] == 182


def test_llava_tokens_rejects_wrong_size(videos, tmp_path):
    p = vidpipe("run", LLAVA_OV, videos["small"], "-o", tmp_path, "--set", "resize.use_plan_size=false",
                "--set", "resize.image_size=336", "--set", "sample.nframes=4")
    assert p.returncode == 1 and "384x384" in p.stderr


# ---- openai ----------------------------------------------------------------------------------

def openai_cost(w, h, detail, base=85, tile=170):
    """OpenAI vision guide, 'Calculating costs': low = base; high = fit in 2048^2, shortest side to
    768 (down only), base + tile x number of 512-px squares."""
    if detail == "low":
        return base
    if w > 2048 or h > 2048:
        r = min(2048 / w, 2048 / h)
        w, h = int(w * r), int(h * r)
    if min(w, h) > 768:
        r = 768 / min(w, h)
        w, h = int(w * r), int(h * r)
    return base + tile * math.ceil(w / 512) * math.ceil(h / 512)


def test_openai_cost_rule_published_examples():
    assert openai_cost(1024, 1024, "high") == 765
    assert openai_cost(2048, 4096, "high") == 1105
    assert openai_cost(4096, 8192, "low") == 85


def test_openai_profiles_carry_their_cited_constants():
    o = describe("openai")
    p = o["params"]
    assert (p["base_tokens"], p["tile_tokens"], p["tile_size"]) == (85, 170, 512)
    assert (p["max_side"], p["short_side"], p["low_size"]) == (2048, 768, 512)
    assert p["max_images"] == 500 and p["detail"] == "low"
    assert "platform.openai.com" in o["facts"]["source"]
    mini = describe("openai_gpt4o_mini")["params"]
    assert (mini["base_tokens"], mini["tile_tokens"]) == (2833, 5667)


def decode_jpeg(data):
    torch = pytest.importorskip("torch")
    from torchvision.io import decode_jpeg as dj
    return dj(torch.frombuffer(bytearray(data), dtype=torch.uint8))  # C x H x W


def read_messages(folder):
    msgs = read_json(folder / "messages.json")
    assert isinstance(msgs, list) and len(msgs) == 1 and msgs[0]["role"] == "user"
    content = msgs[0]["content"]
    assert content[0]["type"] == "text"
    images = []
    for part in content[1:]:
        assert part["type"] == "image_url"
        url = part["image_url"]["url"]
        assert url.startswith("data:image/jpeg;base64,")
        images.append((base64.b64decode(url.split(",", 1)[1]), part["image_url"]["detail"]))
    return content[0]["text"], images


@pytest.mark.parametrize("detail", ["low", "high"])
def test_openai_messages_sizes_and_cost(videos, tmp_path, detail):
    src_w, src_h = 1280, 720
    m = run(OPENAI, videos["c"], tmp_path, f"plan.detail={detail}")  # 1280x720, 30 fps, 20 s
    text, images = read_messages(tmp_path / "c")
    n = len(images)
    assert n == m["num_frames"] == 20  # fps 1 from the profile, under max_frames 50
    for t in m["timestamps"]:
        assert f"{t:.2f}s" in text
    assert "20 images" in text
    total = 0
    for data, d in images:
        assert d == detail
        img = decode_jpeg(data)
        h, w = img.shape[1:]
        if detail == "low":  # fit within 512x512
            assert (w, h) == (512, 288)
        else:  # what the API reduces 1280x720 to: short side 768 is above 720, fit 2048 -> unchanged
            assert (w, h) == (1280, 720)
        # sending the reduced image costs what the original would
        assert openai_cost(w, h, detail) == openai_cost(src_w, src_h, detail)
        total += openai_cost(w, h, detail)
    assert m["total_tokens"] == total
    assert m["tokens"]["tokens_per_frame"] == [openai_cost(src_w, src_h, detail)] * n
    if detail == "high":
        assert total == n * (85 + 170 * 3 * 2)


def test_openai_high_detail_downscales_like_the_api(tmp_path):
    v = make_video(tmp_path / "wide.mp4", "1920x1080", 25, 3, extra=("-preset", "ultrafast"))
    m = run(OPENAI, v, tmp_path / "o", "plan.detail=high", "sample.fps=1")
    _, images = read_messages(tmp_path / "o" / "wide")
    for data, _ in images:
        h, w = decode_jpeg(data).shape[1:]
        assert (w, h) == (1365, 768)  # 1920x1080 * 768/1080
        assert openai_cost(w, h, "high") == openai_cost(1920, 1080, "high") == 85 + 170 * 6
    assert m["total_tokens"] == len(images) * 1105


def test_openai_byte_cap_lowers_quality(videos, tmp_path):
    cap = 12000
    m = run(OPENAI, videos["b"], tmp_path, f"messages.max_image_bytes={cap}", "messages.write_images=true")
    _, images = read_messages(tmp_path / "b")
    assert images and all(len(d) <= cap for d, _ in images)
    per = m["notes"]["openai"]["per_image"]
    assert all(p["jpeg_bytes"] <= cap for p in per)
    assert any(p["jpeg_quality"] < 90 for p in per)  # quality was lowered and recorded
    for i, (data, _) in enumerate(images):  # the .jpg files are the same bytes
        assert (tmp_path / "b" / f"frame_{i:04d}.jpg").read_bytes() == data
    # impossible cap: a clear error naming the knob
    p = vidpipe("run", OPENAI, videos["b"], "-o", tmp_path / "x", "--set", "messages.max_image_bytes=1024",
                "--set", "messages.min_jpeg_quality=80")
    assert p.returncode == 1 and "max_image_bytes" in p.stderr


def test_openai_mini_profile_cost(videos, tmp_path):
    m = run(OPENAI, videos["small"], tmp_path, "plan.detail=high")
    p = json.loads(vidpipe("plan", OPENAI, videos["small"], "--model", "openai_gpt4o_mini", "--set",
                           "plan.detail=high", "--json", check=0).stdout)["videos"][0]
    assert p["tokens_per_frame"] == openai_cost(320, 240, "high", 2833, 5667) == 2833 + 5667
    assert m["total_tokens"] == m["num_frames"] * openai_cost(320, 240, "high")


@pytest.mark.parametrize("model,tokens,resize", [("qwen2_5_vl", "qwen2_5_vl.tokens", "process.smart_resize"),
                                                 ("llava_onevision", "llava.tokens", "process.resize")])
def test_openai_messages_after_another_models_tokens_node(videos, tmp_path, model, tokens, resize):
    """openai.messages after another model's tokens node, which notes no per-image costs: the
    messages are written, without per-image tokens (regression: the missing key was read from
    const JSON, undefined behaviour that crashed some runs; the sanitizer build sees it always)."""
    g = tmp_path / "mixed.yaml"
    g.write_text(f"""vidpipe: 1
name: mixed
model: {model}
nodes:
  probe:    {{type: probe.ffmpeg, in: input}}
  sample:   {{type: sample.uniform, in: probe.info, params: {{nframes: 4}}}}
  decode:   {{type: decode.ffmpeg, in: sample.plan}}
  resize:   {{type: {resize}, in: decode.frames}}
  gather:   {{type: gather.clip, in: resize.frames}}
  tokens:   {{type: {tokens}, in: gather.clip}}
  messages: {{type: openai.messages, in: tokens.clip}}
  metadata: {{type: format.metadata, in: messages.clip}}
""")
    inputs = [videos["small"]] * 3  # the crash depended on the heap: several jobs per run
    p = vidpipe("run", g, *inputs, "-o", tmp_path / "o", "--json", check=0)
    names = [j["name"] for j in json.loads(p.stdout)["jobs"]]
    assert len(names) == 3
    for name in names:
        m = read_json(tmp_path / "o" / name / "metadata.json")
        _, images = read_messages(tmp_path / "o" / name)
        assert len(images) == m["num_frames"] == 4 and m["total_tokens"] > 0
        per = m["notes"]["openai"]["per_image"]
        assert len(per) == 4 and all("tokens" not in im and im["jpeg_bytes"] > 0 for im in per)
