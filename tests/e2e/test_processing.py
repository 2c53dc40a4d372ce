"""Resize modes of process.smart_resize against torchvision / torch, and output formats
(format.npy dtypes, normalisation, temporal padding; format.hf patchify per docs/qwen-reference.md §6.4)."""
import json
import math
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = pytest.importorskip("torch.nn.functional")
TF = pytest.importorskip("torchvision.transforms.functional")
from torchvision.transforms import InterpolationMode  # noqa: E402

from conftest import BUILD, DEFAULT_GRAPH, raw_rgb_frame, vidpipe, read_json  # noqa: E402

REFCHECK = BUILD / "bin" / "vidpipe_refcheck"


def raw_frame(tmp_path, source, w, h):
    path = raw_rgb_frame(tmp_path, source, w, h)
    return np.fromfile(path, np.uint8).reshape(h, w, 3), path


def ours(tmp_path, path, w, h, ow, oh, filt):
    out = tmp_path / f"out_{filt}.raw"
    p = subprocess.run([str(REFCHECK), "resize", str(path), str(w), str(h), "3", str(ow), str(oh), str(out), filt],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    return np.fromfile(out, np.uint8).reshape(oh, ow, 3)


def diff_stats(a, b):
    d = np.abs(a.astype(np.int32) - b.astype(np.int32))
    mse = float(np.mean(d.astype(np.float64) ** 2))
    return (math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)), float(d.mean()), int(d.max())


BILINEAR_CASES = [("testsrc2", 1920, 1080, 644, 336), ("testsrc2", 1920, 1080, 384, 384),
                  ("mandelbrot", 641, 359, 1000, 700), ("mandelbrot", 641, 359, 97, 55),
                  ("mandelbrot", 480, 854, 280, 504), ("testsrc2", 333, 187, 1001, 563)]


@pytest.mark.parametrize("source,w,h,ow,oh", BILINEAR_CASES)
def test_bilinear_matches_torchvision_bilinear_antialias(tmp_path, source, w, h, ow, oh):
    img, path = raw_frame(tmp_path, source, w, h)
    want = TF.resize(torch.from_numpy(img).permute(2, 0, 1).contiguous(), [oh, ow], InterpolationMode.BILINEAR,
                     antialias=True).permute(1, 2, 0).numpy()
    got = ours(tmp_path, path, w, h, ow, oh, "bilinear")
    psnr, mean, mx = diff_stats(got, want)
    print(f"bilinear {w}x{h}->{ow}x{oh}: PSNR {psnr:.2f} dB, mean {mean:.5f}, max {mx}")
    assert mean <= 0.05 and mx <= 1


@pytest.mark.parametrize("w,h,k", [(1920, 1080, 2), (1920, 1080, 3), (640, 360, 4), (641, 359, 1)])
def test_area_matches_torch_area_on_integer_ratios(tmp_path, w, h, k):
    # torch's "area" is adaptive_avg_pool2d: the same box filter when in/out is an integer
    img, path = raw_frame(tmp_path, "mandelbrot", w, h)
    ow, oh = w // k, h // k
    if (ow * k, oh * k) != (w, h):
        pytest.skip("not an integer ratio")
    t = torch.from_numpy(img).permute(2, 0, 1).float()[None]
    want = F.interpolate(t, size=(oh, ow), mode="area")[0].round().clamp(0, 255).byte().permute(1, 2, 0).numpy()
    got = ours(tmp_path, path, w, h, ow, oh, "area")
    psnr, mean, mx = diff_stats(got, want)
    print(f"area {w}x{h}->{ow}x{oh}: mean {mean:.5f}, max {mx}")
    assert mx <= 1 and mean <= 0.01


def run(video, out, *sets, graph=DEFAULT_GRAPH):
    args = ["run", graph, video, "-o", out, "--json"]
    for s in sets:
        args += ["--set", s]
    vidpipe(*args, check=0)
    return read_json(out / video.stem / "metadata.json")


def test_resize_modes_in_the_pipeline(videos, tmp_path):
    """Every mode gives the reference size; its pixels are close to exact's (PSNR reported)."""
    meta = run(videos["c"], tmp_path / "exact", "sample.nframes=4")
    exact = np.load(tmp_path / "exact" / "c" / "frames.npy")
    assert exact.shape == (4, 3, meta["resized_height"], meta["resized_width"]) == (4, 3, 560, 1008)
    limits = {"fast": 40, "area": 35, "bilinear": 35}  # dB, measured ≈ 45-60
    for mode, floor in limits.items():
        m = run(videos["c"], tmp_path / mode, "sample.nframes=4", f"resize.mode={mode}")
        got = np.load(tmp_path / mode / "c" / "frames.npy")
        assert got.shape == exact.shape
        assert (m["resized_height"], m["resized_width"], m["grid_thw"]) == (
            meta["resized_height"], meta["resized_width"], meta["grid_thw"])
        psnr, mean, mx = diff_stats(got, exact)
        print(f"mode {mode}: vs exact PSNR {psnr:.2f} dB, mean |diff| {mean:.4f}, max {mx}")
        assert psnr >= floor
    # fast pre-reduces only where the downscale is 2x or more: 1280x720 -> 1008x560 is exact's
    # kernel alone; at ~3x its box pre-reduction runs, and stays close to exact.
    small = ["sample.nframes=4", "resize.max_pixels=100352"]
    run(videos["c"], tmp_path / "exact_small", *small)
    run(videos["c"], tmp_path / "fast_small", *small, "resize.mode=fast")
    exact_small = np.load(tmp_path / "exact_small" / "c" / "frames.npy")
    fast_small = np.load(tmp_path / "fast_small" / "c" / "frames.npy")
    assert exact_small.shape == fast_small.shape and exact_small.shape[2] * 2 <= 720
    psnr, mean, mx = diff_stats(fast_small, exact_small)
    print(f"mode fast at {exact_small.shape[3]}x{exact_small.shape[2]}: vs exact PSNR {psnr:.2f} dB, mean {mean:.4f}")
    assert 40 <= psnr < math.inf  # the pre-reduction ran, and is close


# ---- output formats ----
CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32)
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32)


def graph_with_writer(tmp_path, writer_yaml):
    text = DEFAULT_GRAPH.read_text().replace("    type: format.npy\n", writer_yaml)
    g = tmp_path / "g.yaml"
    g.write_text(text)
    return g


def transformers_patchify(frames_tchw_u8, p=14, tp=2, m=2, mean=CLIP_MEAN, std=CLIP_STD):
    """Transcription of transformers' Qwen2VLImageProcessor._preprocess (docs/qwen-reference.md §6.3/§6.4)."""
    x = frames_tchw_u8.astype(np.float32) * np.float32(1 / 255)
    x = (x - mean[None, :, None, None]) / std[None, :, None, None]
    if x.shape[0] % tp:
        x = np.concatenate([x, np.repeat(x[-1:], tp - x.shape[0] % tp, axis=0)])
    T, C, H, W = x.shape
    gt, gh, gw = T // tp, H // p, W // p
    x = x.reshape(gt, tp, C, gh // m, m, p, gw // m, m, p).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    return x.reshape(gt * gh * gw, C * tp * p * p), [gt, gh, gw]


def read_safetensors(path):
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        raw = body[a:b]
        if t["dtype"] == "BF16":
            arr = torch.frombuffer(bytearray(raw), dtype=torch.bfloat16).float().numpy()
        else:
            arr = np.frombuffer(raw, {"F32": np.float32, "F16": np.float16, "I64": np.int64}[t["dtype"]])
        out[name] = arr.reshape(t["shape"])
    return out


def test_format_hf_matches_transformers_patchify(videos, tmp_path):
    # 7 frames: odd, so the last temporal group is padded with the last frame
    g = graph_with_writer(tmp_path, "    type: format.hf\n    params: {container: both}\n")
    vidpipe("run", g, videos["b"], "-o", tmp_path / "hf", "--set", "sample.nframes=7", "--set",
            "sample.frame_factor=1", "--set", "resize.max_pixels=50000", check=0)
    # same frames, uint8, from the default writer
    vidpipe("run", DEFAULT_GRAPH, videos["b"], "-o", tmp_path / "u8", "--set", "sample.nframes=7", "--set",
            "sample.frame_factor=1", "--set", "resize.max_pixels=50000", check=0)
    frames = np.load(tmp_path / "u8" / "b" / "frames.npy")
    want, grid = transformers_patchify(frames)
    st = read_safetensors(tmp_path / "hf" / "b" / "inputs.safetensors")
    assert st["video_grid_thw"].tolist() == [grid]
    assert st["pixel_values_videos"].shape == want.shape
    np.testing.assert_allclose(st["pixel_values_videos"], want, rtol=0, atol=1e-6)
    npy = np.load(tmp_path / "hf" / "b" / "inputs.pixel_values_videos.npy")
    np.testing.assert_array_equal(npy, st["pixel_values_videos"])
    assert np.load(tmp_path / "hf" / "b" / "inputs.video_grid_thw.npy").tolist() == [grid]
    meta = read_json(tmp_path / "hf" / "b" / "metadata.json")
    assert meta["grid_thw"] == grid and meta["total_tokens"] == want.shape[0] // 4


def test_format_npy_dtypes_normalise_and_padding(videos, tmp_path):
    sets = ["--set", "sample.nframes=7", "--set", "sample.frame_factor=1", "--set", "resize.max_pixels=50000"]
    vidpipe("run", DEFAULT_GRAPH, videos["b"], "-o", tmp_path / "u8", *sets, check=0)
    base = np.load(tmp_path / "u8" / "b" / "frames.npy")
    for dtype in ["float16", "bfloat16", "float32"]:
        g = graph_with_writer(tmp_path, "    type: format.npy\n    params: {dtype: %s, normalize: mean_std, "
                                        "pad_to_multiple: 2, layout: THWC}\n" % dtype)
        vidpipe("run", g, videos["b"], "-o", tmp_path / dtype, *sets, check=0)
        a = np.load(tmp_path / dtype / "b" / "frames.npy")
        assert a.shape == (8,) + base.shape[2:] + (3,)
        x = base.astype(np.float32) * np.float32(1 / 255)
        x = (x - CLIP_MEAN[None, :, None, None]) / CLIP_STD[None, :, None, None]
        x = np.concatenate([x, x[-1:]]).transpose(0, 2, 3, 1)
        want = torch.from_numpy(np.ascontiguousarray(x))
        if dtype == "bfloat16":
            got = torch.from_numpy(a.astype(np.int16)).view(torch.bfloat16)
            assert torch.equal(got, want.to(torch.bfloat16))
        elif dtype == "float16":
            assert a.dtype == np.float16 and np.array_equal(a, want.to(torch.float16).numpy())
        else:
            assert np.allclose(a, x, atol=1e-6)


def test_format_npy_channel_order_bgr(videos, tmp_path):
    sets = ["--set", "sample.nframes=4", "--set", "resize.max_pixels=50000"]
    vidpipe("run", DEFAULT_GRAPH, videos["b"], "-o", tmp_path / "rgb", *sets, check=0)
    rgb = np.load(tmp_path / "rgb" / "b" / "frames.npy")
    for layout, axis in [("TCHW", 1), ("THWC", 3)]:
        g = graph_with_writer(tmp_path, "    type: format.npy\n    params: {channel_order: bgr, layout: %s}\n" % layout)
        vidpipe("run", g, videos["b"], "-o", tmp_path / layout, *sets, check=0)
        bgr = np.load(tmp_path / layout / "b" / "frames.npy")
        want = rgb[:, ::-1] if axis == 1 else rgb.transpose(0, 2, 3, 1)[..., ::-1]
        assert np.array_equal(bgr, want)
