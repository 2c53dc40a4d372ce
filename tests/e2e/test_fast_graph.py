"""graphs/qwen2_5_vl_fast.yaml: the decoder hands frames on as decoded (pixel_format: native) and
process.convert_scale mode fast resizes the YUV planes and converts at output size, in one pass.

Same frames, sizes, grid and tokens as the default graph; pixels compared with the reference
recipe computed here from tools nobody here wrote: the ffmpeg CLI's rgb24 frames at the planned
indices, resized by torchvision's antialiased bicubic. Covers each path of the fused converter:
4:2:0 shrunk, 4:2:0 upscaled, 4:2:2 full range (MJPEG), 4:4:4 shrunk (planes filtered as one
image), 10-bit (swscale's fused pass), a rotated file, and aliasing-prone content (1-pixel cells).
The bytes are those of the decoder's former fused_resize pass (checked against that build when it
was removed); convert_scale on the CLI's raw planes gives them too (nodes/process/convert_scale_test.cpp)."""
import math
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = pytest.importorskip("torchvision.transforms.functional")
from torchvision.transforms import InterpolationMode  # noqa: E402

from conftest import DEFAULT_GRAPH, SOURCE, ffmpeg, read_json, vidpipe  # noqa: E402

FAST_GRAPH = SOURCE / "graphs" / "qwen2_5_vl_fast.yaml"
LAVFI = "testsrc2=size={}:rate=25:duration=2"

# name: (size, codec args, extra --set for both graphs, PSNR floor dB, mean |diff| ceiling)
CASES = {
    "h264_1080p_reduced": ("1920x1080", ["-c:v", "libx264", "-pix_fmt", "yuv420p"], ["max_pixels=150000"], 33, 1.5),
    "h264_360p_upscaled": ("640x360", ["-c:v", "libx264", "-pix_fmt", "yuv420p"], [], 33, 1.5),
    "mjpeg_422_full_range": ("640x480", ["-c:v", "mjpeg", "-pix_fmt", "yuvj422p", "-q:v", "3"], [], 33, 1.5),
    "h264_444_reduced": ("1280x720", ["-c:v", "libx264", "-pix_fmt", "yuv444p"], ["max_pixels=60000"], 33, 1.5),
    "hevc_10bit": ("640x360", ["-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=none"], [],
                   30, 2.0),
}

ALIASING_FLOOR, ALIASING_CEILING = 35, 4.0  # measured 36.17 dB, mean 3.43 (1-pixel cells, 1080p -> 616x336)


def make(tmp_path, name):
    size, codec, _, _, _ = CASES[name]
    path = tmp_path / f"{name}.{'avi' if 'mjpeg' in name else 'mp4'}"
    ffmpeg("-f", "lavfi", "-i", LAVFI.format(size), *codec, path)
    return path


def run(graph, video, out, *sets):
    args = ["run", graph, video, "-o", out, "--json", "--set", "sample.nframes=4"]
    for s in sets:
        args += ["--set", s]
    vidpipe(*args, check=0)
    return read_json(out / video.stem / "metadata.json"), np.load(out / video.stem / "frames.npy")


def reference(video, indices, h, w):
    """CLI rgb24 frames at `indices`, resized by torchvision (bicubic, antialias) to h x w; TCHW."""
    sel = "+".join(f"eq(n\\,{i})" for i in indices)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vf", f"select={sel}", "-vsync", "0",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height:stream_side_data=rotation", "-of", "csv=p=0:nk=1", str(video)],
                           capture_output=True, text=True, check=True).stdout.replace("\n", ",").split(",")
    sw, sh = int(probe[0]), int(probe[1])
    rotation = int(probe[2]) if len(probe) > 2 and probe[2] else 0
    if rotation in (90, -90, 270, -270):
        sw, sh = sh, sw  # the CLI autorotates
    frames = torch.from_numpy(np.frombuffer(raw, np.uint8).reshape(len(indices), sh, sw, 3).copy())
    return TF.resize(frames.permute(0, 3, 1, 2).contiguous(), [h, w], InterpolationMode.BICUBIC,
                     antialias=True).numpy()


def stats(a, b):
    d = np.abs(a.astype(np.int32) - b.astype(np.int32))
    mse = float(np.mean(d.astype(np.float64) ** 2))
    return (math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)), float(d.mean()), int(d.max())


def check(video, tmp_path, sets, floor, ceiling):
    fast_sets = [f"plan.{s}" for s in sets]  # the fast graph sizes frames in its planning node
    exact_sets = [f"resize.{s}" for s in sets]
    meta_f, got = run(FAST_GRAPH, video, tmp_path / "fast", *fast_sets)
    meta_e, exact = run(DEFAULT_GRAPH, video, tmp_path / "exact", *exact_sets)
    for key in ("frame_indices", "resized_height", "resized_width", "grid_thw", "total_tokens", "timestamps"):
        assert meta_f[key] == meta_e[key], key
    assert got.shape == exact.shape
    want = reference(video, meta_f["frame_indices"], meta_f["resized_height"], meta_f["resized_width"])
    psnr, mean, mx = stats(got, want)
    psnr_e, mean_e, mx_e = stats(exact, want)
    print(f"{video.name} -> {meta_f['resized_width']}x{meta_f['resized_height']}: fused vs reference "
          f"PSNR {psnr:.2f} dB mean {mean:.3f} max {mx}; exact vs reference mean {mean_e:.4f} max {mx_e}")
    assert mx_e <= 2  # the default graph is the reference (guards the comparison itself)
    assert psnr >= floor and mean <= ceiling
    return meta_f


@pytest.mark.parametrize("name", list(CASES))
def test_fast_graph_close_to_reference(tmp_path, name):
    _, _, sets, floor, ceiling = CASES[name]
    meta = check(make(tmp_path, name), tmp_path, sets, floor, ceiling)
    native = meta["notes"]["decode"]["native_frames"]  # every frame went out as decoded (planar)
    assert native["zero_copy"] + native["copied"] == len(meta["frame_indices"])


def test_fast_graph_on_a_rotated_file(tmp_path):
    plain = make(tmp_path, "h264_360p_upscaled")
    rotated = tmp_path / "rot90.mp4"
    ffmpeg("-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated)
    meta = check(rotated, tmp_path, [], 33, 1.5)
    assert meta["resized_height"] > meta["resized_width"]  # upright: portrait


def test_fused_resize_is_refused_naming_its_replacement(tmp_path):
    """The decoder no longer resizes: its old switch is one configuration error naming the new path."""
    video = make(tmp_path, "h264_360p_upscaled")
    p = vidpipe("run", DEFAULT_GRAPH, video, "-o", tmp_path / "out", "--set", "decode.fused_resize=true")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for words in ("fused_resize", "pixel_format: native", "process.convert_scale", "graphs/qwen2_5_vl_fast.yaml"):
        assert words in lines[0]
    assert not (tmp_path / "out" / video.stem).exists()


def test_native_frames_into_a_node_that_takes_rgb_is_refused(tmp_path):
    video = make(tmp_path, "h264_360p_upscaled")
    p = vidpipe("run", DEFAULT_GRAPH, video, "-o", tmp_path / "out", "--set", "decode.pixel_format=native")
    assert p.returncode == 2
    assert "process.convert_scale" in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_fast_graph_on_aliasing_content(tmp_path):
    """1-pixel cells (cellauto rule 30, seeded): the fast path's worst case, the "aliasing" class
    of bench/resize.py. The floor is the figure measured here minus 1 dB (yuv_resize.hpp states it)."""
    video = tmp_path / "cellauto.mp4"
    ffmpeg("-f", "lavfi", "-i", "cellauto=size=1920x1080:rate=25:rule=30:seed=1:full=1", "-frames:v", "8",
           "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p", video)
    check(video, tmp_path, ["max_pixels=230000"], ALIASING_FLOOR, ALIASING_CEILING)
