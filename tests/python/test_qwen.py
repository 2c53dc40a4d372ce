"""vidpipe.qwen against an independent implementation of qwen-vl-utils' video path written
here: PyAV decodes every frame (as torchvision.io.read_video does), torch.linspace picks the
frames, smart_resize sizes them, torchvision resizes (bicubic, antialias) and .float()
(docs/qwen-reference.md §2-§3). Time ranges follow the rule vidpipe documents (§2.4), which is
0.0.14's decord/torchcodec rule. 0.0.10 has factor 28 and fixed budgets; 0.0.14 takes
image_patch_size (factor = 2x) with budgets in tokens of factor x factor and returns metadata."""
import math
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
av = pytest.importorskip("av")
from torchvision.transforms import InterpolationMode  # noqa: E402
from torchvision.transforms.functional import resize  # noqa: E402

from vidpipe import qwen  # noqa: E402

FACTOR = 28


def budgets(f):
    """(min, max, total) pixels of a video frame for factor f (0.0.14; at 28 also 0.0.10's)."""
    return 128 * f * f, 768 * f * f, 128000 * f * f * 0.9


def by(x, f, how):
    return {"round": round, "ceil": math.ceil, "floor": math.floor}[how](x / f) * f


def ref_size(h, w, min_px, max_px, f=FACTOR):
    hb, wb = max(f, by(h, f, "round")), max(f, by(w, f, "round"))
    if hb * wb > max_px:
        beta = math.sqrt(h * w / max_px)
        hb, wb = by(h / beta, f, "floor"), by(w / beta, f, "floor")
    elif hb * wb < min_px:
        beta = math.sqrt(min_px / (h * w))
        hb, wb = by(h * beta, f, "ceil"), by(w * beta, f, "ceil")
    return hb, wb


def ffprobe_frame_count(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def ref_fetch_video(ele, factor=FACTOR, with_metadata=False):
    """(float tensor T x C x H x W, sample_fps, indices[, metadata]) as qwen-vl-utils computes them."""
    with av.open(str(ele["video"])) as c:
        rate = float(c.streams.video[0].average_rate)
        frames = [torch.from_numpy(f.to_ndarray(format="rgb24")).permute(2, 0, 1) for f in c.decode(video=0)]
    n_all = len(frames)
    start, end = 0, n_all - 1
    if "video_start" in ele or "video_end" in ele:
        dur = n_all / rate
        if "video_start" in ele:
            start = math.ceil(min(max(ele["video_start"], 0), dur) * rate)
        if "video_end" in ele:
            end = min(math.floor(min(max(ele["video_end"], 0), dur) * rate), n_all - 1)
    total = end - start + 1
    if "nframes" in ele:
        n = by(ele["nframes"], 2, "round")
    else:
        fps = ele.get("fps", 2.0)
        min_f, max_f = by(ele.get("min_frames", 4), 2, "ceil"), by(ele.get("max_frames", min(768, total)), 2, "floor")
        n = by(min(min(max(total / rate * fps, min_f), max_f), total), 2, "floor")
    idx = torch.linspace(start, end, n).round().long().tolist()
    sample_fps = n / max(total, 1e-6) * rate
    video = torch.stack([frames[i] for i in idx])
    _, _, h, w = video.shape
    video_min, video_max, total_px = budgets(factor)
    min_px = ele.get("min_pixels", video_min)
    cap = max(min(video_max, ele.get("total_pixels", total_px) / n * 2), int(min_px * 1.05))
    max_px = min(ele.get("max_pixels", cap), cap)
    if "resized_height" in ele and "resized_width" in ele:
        rh, rw = ref_size(ele["resized_height"], ele["resized_width"], 4 * factor ** 2, 16384 * factor ** 2, factor)
    else:
        rh, rw = ref_size(h, w, min_px, max_px, factor)
    video = resize(video, [rh, rw], interpolation=InterpolationMode.BICUBIC, antialias=True).float()
    if with_metadata:
        return video, sample_fps, idx, {"fps": rate, "frames_indices": idx, "total_num_frames": total}
    return video, sample_fps, idx


SETTINGS = [{}, {"fps": 1.0}, {"nframes": 6}, {"fps": 4.0, "max_pixels": 40000}, {"nframes": 4, "min_pixels": 200000},
            {"fps": 2.0, "total_pixels": 400000}, {"nframes": 4, "resized_height": 150, "resized_width": 200},
            {"nframes": 4, "video_start": 1.0, "video_end": 3.0}, {"fps": 2.0, "video_start": 0.5}]


@pytest.mark.parametrize("settings", SETTINGS, ids=[str(s) for s in SETTINGS])
def test_fetch_video_equals_the_reference(clips, settings):
    ele = {"type": "video", "video": str(clips["a"]), **settings}
    want, want_fps, want_idx = ref_fetch_video(ele)
    got, got_fps = qwen.fetch_video(ele, return_video_sample_fps=True)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32 and got.is_contiguous()
    assert got.shape == want.shape
    assert got_fps == pytest.approx(want_fps, rel=1e-12)
    assert qwen.session().process(ele["video"], **settings).metadata["frame_indices"] == want_idx
    diff = (got - want).abs()
    assert diff.mean() <= 0.25 and diff.max() <= 2, (float(diff.mean()), float(diff.max()))
    assert torch.equal(qwen.fetch_video(ele), got)  # without the sample fps: the tensor alone


@pytest.mark.parametrize("patch", [14, 16])
@pytest.mark.parametrize("settings", SETTINGS, ids=[str(s) for s in SETTINGS])
def test_fetch_video_0_0_14_equals_the_reference(clips, settings, patch):
    """0.0.14's call: image_patch_size (Qwen3-VL: 16, factor 32) and the video metadata."""
    ele = {"type": "video", "video": str(clips["a"]), **settings}
    want, want_fps, want_idx, want_meta = ref_fetch_video(ele, factor=2 * patch, with_metadata=True)
    (got, meta), got_fps = qwen.fetch_video(ele, image_patch_size=patch, return_video_sample_fps=True,
                                            return_video_metadata=True)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32 and got.shape == want.shape
    assert got.shape[2] % (2 * patch) == 0 and got.shape[3] % (2 * patch) == 0
    assert got_fps == pytest.approx(want_fps, rel=1e-12)
    assert meta["frames_indices"] == want_idx and meta["fps"] == pytest.approx(want_meta["fps"], rel=1e-12)
    assert meta["total_num_frames"] == want_meta["total_num_frames"] and meta["video_backend"] == "vidpipe"
    diff = (got - want).abs()
    assert diff.mean() <= 0.25 and diff.max() <= 2, (float(diff.mean()), float(diff.max()))
    again = qwen.fetch_video(ele, image_patch_size=patch)  # the tensor alone
    assert isinstance(again, torch.Tensor) and torch.equal(again, got)


def test_video_metadata_counts_the_frames_ffprobe_counts(clips):
    for name in ("a", "b", "tiny"):
        video, meta = qwen.fetch_video({"video": str(clips[name])}, return_video_metadata=True)
        assert meta["total_num_frames"] == ffprobe_frame_count(clips[name]), name
        assert meta["frames_indices"][-1] == meta["total_num_frames"] - 1 and len(meta["frames_indices"]) == video.shape[0]


def test_process_vision_info_0_0_14_returns_metadata_and_do_sample_frames(clips, tmp_path):
    from PIL import Image
    image = tmp_path / "red.png"
    Image.new("RGB", (100, 60), (255, 0, 0)).save(image)
    messages = [{"role": "user", "content": [
        {"type": "video", "video": str(clips["a"]), "nframes": 4},
        {"type": "image", "image": str(image)},
        {"type": "video", "video": str(clips["b"]), "fps": 1.0}]}]
    images, videos, kwargs = qwen.process_vision_info(messages, return_video_kwargs=True, return_video_metadata=True,
                                                      image_patch_size=16)
    assert images[0].size == qwen.smart_resize(60, 100, factor=32)[::-1]
    assert kwargs == {"do_sample_frames": False}
    for (video, meta), (name, ele) in zip(videos, (("a", {"nframes": 4}), ("b", {"fps": 1.0}))):
        want, _, want_idx, want_meta = ref_fetch_video({"video": clips[name], **ele}, factor=32, with_metadata=True)
        assert video.shape == want.shape and meta["frames_indices"] == want_idx
        assert meta["total_num_frames"] == want_meta["total_num_frames"]
    _, videos, kwargs = qwen.process_vision_info(messages, return_video_kwargs=True, image_patch_size=16)
    want_fps = [ref_fetch_video({"video": clips["a"], "nframes": 4})[1], ref_fetch_video({"video": clips["b"], "fps": 1.0})[1]]
    assert set(kwargs) == {"do_sample_frames", "fps"} and kwargs["fps"] == pytest.approx(want_fps)
    assert all(isinstance(v, torch.Tensor) and v.shape[2] % 32 == 0 for v in videos)


def test_frame_lists_0_0_14_become_resized_tensors(tmp_path):
    """0.0.14: each frame through fetch_image, padded to an even count, stacked and resized by
    the video rule; the metadata is made up from sample_fps / raw_fps as there."""
    from PIL import Image
    paths = []
    for k in range(3):
        paths.append(str(tmp_path / f"{k}.png"))
        Image.new("RGB", (200, 120), (k * 80, 40, 0)).save(paths[-1])
    ele = {"video": paths, "sample_fps": 3.0, "raw_fps": 30.0}
    (video, meta), fps = qwen.fetch_video(ele, image_patch_size=16, return_video_sample_fps=True, return_video_metadata=True)
    first = np.asarray(qwen.fetch_image({"image": paths[0]}, image_patch_size=16)).transpose(2, 0, 1)
    th, tw = qwen.smart_resize(first.shape[1], first.shape[2], factor=32, min_pixels=128 * 32 * 32,
                               max_pixels=max(min(768 * 32 * 32, 128000 * 32 * 32 * 0.9 / 4 * 2), int(128 * 32 * 32 * 1.05)))
    want = resize(torch.from_numpy(first)[None], [th, tw], interpolation=InterpolationMode.BICUBIC, antialias=True).float()
    assert video.dtype == torch.float32 and video.shape == (4, 3, th, tw) and fps == 3.0
    assert torch.equal(video[0], want[0]) and torch.equal(video[3], video[2])
    assert meta == {"fps": 30.0, "frames_indices": [0, 1, 2, 3], "total_num_frames": 4 / 3.0 * 30.0}


def test_process_vision_info_returns_what_qwen_vl_utils_returns(clips, tmp_path):
    from PIL import Image
    image = tmp_path / "red.png"
    Image.new("RGB", (100, 60), (255, 0, 0)).save(image)
    messages = [{"role": "user", "content": [
        {"type": "video", "video": "file://" + str(clips["a"]), "nframes": 4},
        {"type": "image", "image": str(image)},
        {"type": "video", "video": str(clips["b"]), "fps": 1.0},
        {"type": "text", "text": "What happens?"}]}]
    images, videos, kwargs = qwen.process_vision_info(messages, return_video_kwargs=True)
    assert len(images) == 1 and images[0].size == qwen.smart_resize(60, 100)[::-1]
    assert [v.shape[0] for v in videos] == [4, 4] and all(v.dtype == torch.float32 for v in videos)
    want = [ref_fetch_video({"video": clips["a"], "nframes": 4})[1], ref_fetch_video({"video": clips["b"], "fps": 1.0})[1]]
    assert kwargs == {"fps": pytest.approx(want)}
    assert qwen.process_vision_info(messages[0:1])[0] is not None
    assert qwen.process_vision_info([{"role": "user", "content": "text only"}]) == (None, None)


def test_frame_list_videos_go_through_pil_as_the_reference(tmp_path):
    from PIL import Image
    paths = []
    for k in range(3):
        paths.append(str(tmp_path / f"{k}.png"))
        Image.new("RGB", (64, 48), (k * 80, 0, 0)).save(paths[-1])
    frames, fps = qwen.fetch_video({"video": paths, "fps": 3.0}, return_video_sample_fps=True)
    assert len(frames) == 4 and fps == 3.0 and frames[3] is frames[2]


def test_fetch_video_errors(clips, tmp_path):
    with pytest.raises(AssertionError):
        qwen.fetch_video({"video": str(clips["a"]), "fps": 1.0, "nframes": 4})
    with pytest.raises(ValueError):  # vidpipe.InputError
        qwen.fetch_video({"video": str(tmp_path / "missing.mp4")})
