"""vidpipe.qwen against an independent implementation of qwen-vl-utils 0.0.10's video path
written here: PyAV decodes every frame (as torchvision.io.read_video does), torch.linspace picks
the frames, smart_resize sizes them, torchvision resizes (bicubic, antialias) and .float()
(docs/qwen-reference.md §2-§3). Time ranges follow the rule vidpipe documents (§2.4)."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
av = pytest.importorskip("av")
from torchvision.transforms import InterpolationMode  # noqa: E402
from torchvision.transforms.functional import resize  # noqa: E402

from vidpipe import qwen  # noqa: E402

FACTOR, VIDEO_MIN, VIDEO_MAX, TOTAL = 28, 128 * 28 * 28, 768 * 28 * 28, int(128000 * 28 * 28 * 0.9)


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


def ref_fetch_video(ele):
    """(float tensor T x C x H x W, sample_fps, indices) as qwen-vl-utils computes them."""
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
    min_px = ele.get("min_pixels", VIDEO_MIN)
    cap = max(min(VIDEO_MAX, ele.get("total_pixels", TOTAL) / n * 2), int(min_px * 1.05))
    max_px = min(ele.get("max_pixels", cap), cap)
    if "resized_height" in ele and "resized_width" in ele:
        rh, rw = ref_size(ele["resized_height"], ele["resized_width"], 4 * 28 * 28, 16384 * 28 * 28)
    else:
        rh, rw = ref_size(h, w, min_px, max_px)
    video = resize(video, [rh, rw], interpolation=InterpolationMode.BICUBIC, antialias=True).float()
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
