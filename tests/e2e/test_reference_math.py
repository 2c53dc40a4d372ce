"""vidpipe's reference math against torch 1.13 / torchvision 0.14 and against a direct Python
transcription of docs/qwen-reference.md (§2). Needs $VIDPIPE_BUILD_DIR/bin/vidpipe_refcheck."""
import math
import os
import random
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = pytest.importorskip("torchvision.transforms.functional")
from torchvision.transforms import InterpolationMode  # noqa: E402
from conftest import raw_rgb_frame  # noqa: E402

BUILD = os.environ.get("VIDPIPE_BUILD_DIR", "")
REFCHECK = os.path.join(BUILD, "bin", "vidpipe_refcheck")
pytestmark = pytest.mark.skipif(not os.path.exists(REFCHECK), reason="vidpipe_refcheck not built")


def refcheck(*args, stdin=None):
    p = subprocess.run([REFCHECK, *map(str, args)], input=stdin, capture_output=True, text=True)
    if p.returncode == 2:
        return None  # the C++ side raised vidpipe::Error
    assert p.returncode == 0, p.stderr
    return p.stdout


# ---- transcription of docs/qwen-reference.md §2 (0.0.10 / 0.0.14 rules); Python's round() is half-even ----
def round_by_factor(x, f): return round(x / f) * f
def ceil_by_factor(x, f): return math.ceil(x / f) * f
def floor_by_factor(x, f): return math.floor(x / f) * f


def smart_resize(h, w, f, min_px, max_px):
    if max(h, w) / min(h, w) > 200:
        raise ValueError("absolute aspect ratio must be smaller than 200")
    hb, wb = max(f, round_by_factor(h, f)), max(f, round_by_factor(w, f))
    if hb * wb > max_px:
        beta = math.sqrt(h * w / max_px)
        hb, wb = floor_by_factor(h / beta, f), floor_by_factor(w / beta, f)
    elif hb * wb < min_px:
        beta = math.sqrt(min_px / (h * w))
        hb, wb = ceil_by_factor(h * beta, f), ceil_by_factor(w * beta, f)
    return hb, wb


def frame_range(N, r, s=None, e=None):
    if s is None and e is None:
        return 0, N - 1, N
    D = N / r
    start = math.ceil(max(0.0, min(s, D)) * r) if s is not None else 0
    end = min(math.floor(max(0.0, min(e, D)) * r), N - 1) if e is not None else N - 1
    if start >= end:
        raise ValueError("empty range")
    return start, end, end - start + 1


def smart_nframes(N, r, fps=None, nframes=None, min_frames=None, max_frames=None):
    if nframes is not None:
        n = round_by_factor(nframes, 2)
    else:
        fps = 2.0 if fps is None else fps
        min_f = ceil_by_factor(4 if min_frames is None else min_frames, 2)
        max_f = floor_by_factor(min(768, N) if max_frames is None else max_frames, 2)
        x = N / r * fps
        n = floor_by_factor(min(min(max(x, min_f), max_f), N), 2)
    if not (2 <= n <= N):
        raise ValueError(f"nframes should in interval [2, {N}], but got {n}")
    return n


def video_size(h, w, n, min_pixels=None, max_pixels=None, total_pixels=None, f=28):
    min_px = 100352 if min_pixels is None else min_pixels
    total = 90316800 if total_pixels is None else total_pixels
    cap = max(min(602112, total / n * 2), int(min_px * 1.05))
    max_px = min(cap if max_pixels is None else max_pixels, cap)
    hb, wb = smart_resize(h, w, f, min_px, max_px)
    if hb == 0 or wb == 0:
        raise ValueError("zero side")  # vidpipe reports this as an error
    return hb, wb


# ---- linspace ----
def test_linspace_matches_torch():
    rng = random.Random(1234)
    cases = [(0, 18951, 768), (0, 10630, 768), (0, 17999, 768), (0, 249, 8), (0, 599, 40)]
    while len(cases) < 2500:
        N = rng.choice([rng.randint(2, 3000), rng.randint(2, 200000)])
        n = min(N, rng.choice([768, 768, 512, 256, rng.randint(2, 768), rng.randint(2, 64)]))
        s = rng.choice([0, 0, 0, rng.randint(0, N // 2)])
        if s < N - 1:
            cases.append((s, N - 1, n))
    out = refcheck("linspace", "-", stdin="".join(f"{s} {e} {n}\n" for s, e, n in cases))
    lines = out.splitlines()
    assert len(lines) == len(cases)
    bad = []
    for (s, e, n), line in zip(cases, lines):
        want = torch.linspace(s, e, n).round().long().tolist()
        if list(map(int, line.split())) != want:
            bad.append((s, e, n))
    print(f"linspace: {len(cases) - len(bad)}/{len(cases)} (start, end, n) cases identical to torch")
    assert not bad, bad[:10]


def test_linspace_floor_matches_numpy():
    """sample.uniform index_rule=floor: np.linspace(start, end, n, dtype=int), as LLaVA-NeXT /
    lmms-eval take frame indices."""
    rng = random.Random(4321)
    cases = [(0, 249, 32), (0, 249, 64), (0, 2, 5), (7, 7, 1), (3, 90, 16)]
    while len(cases) < 2000:
        N = rng.choice([rng.randint(1, 3000), rng.randint(1, 200000)])
        n = rng.choice([1, 8, 32, 64, rng.randint(1, 768), rng.randint(N, N + 40)])
        s = rng.choice([0, 0, rng.randint(0, N - 1)])
        cases.append((s, N - 1, n))
    out = refcheck("linspace_floor", "-", stdin="".join(f"{s} {e} {n}\n" for s, e, n in cases))
    lines = out.splitlines()
    assert len(lines) == len(cases)
    bad = [(s, e, n) for (s, e, n), line in zip(cases, lines)
           if list(map(int, line.split())) != np.linspace(s, e, n, dtype=int).tolist()]
    assert not bad, bad[:10]


# ---- resize ----


RESIZE_CASES = [  # (source, w, h, out_w, out_h)
    ("testsrc2", 1920, 1080, 644, 336), ("testsrc2", 1920, 1080, 736, 384),
    ("testsrc2", 1920, 1080, 504, 280), ("testsrc2", 1920, 1080, 1281, 719),
    ("testsrc2", 1920, 1080, 59, 33), ("testsrc2", 1920, 1080, 1920, 336),
    ("testsrc2", 1920, 1080, 644, 1080), ("testsrc2", 1280, 720, 504, 280),
    ("testsrc2", 640, 360, 644, 364), ("testsrc2", 333, 187, 1001, 563),
    ("testsrc2", 64, 64, 336, 336), ("testsrc2", 101, 77, 28, 28),
    ("mandelbrot", 641, 359, 644, 364), ("mandelbrot", 641, 359, 333, 177),
    ("mandelbrot", 641, 359, 1000, 700), ("mandelbrot", 641, 359, 641, 200),
    ("mandelbrot", 641, 359, 97, 55), ("mandelbrot", 480, 854, 280, 504),
    ("mandelbrot", 853, 481, 868, 476), ("mandelbrot", 320, 240, 1920, 1080),
    ("mandelbrot", 1279, 719, 1279, 719),
]


def test_resize_matches_torchvision(tmp_path):
    total = exact = 0
    worst_mean = worst_max = 0
    for source, w, h, ow, oh in RESIZE_CASES:
        src = raw_rgb_frame(tmp_path, source, w, h)
        img = np.fromfile(src, np.uint8).reshape(h, w, 3)
        want = TF.resize(torch.from_numpy(img).permute(2, 0, 1).contiguous(), [oh, ow],
                         InterpolationMode.BICUBIC, antialias=True).permute(1, 2, 0).numpy()
        out = tmp_path / "out.raw"
        assert refcheck("resize", src, w, h, 3, ow, oh, out) is not None
        got = np.fromfile(out, np.uint8).reshape(oh, ow, 3)
        d = np.abs(got.astype(np.int32) - want.astype(np.int32))
        print(f"resize {source} {w}x{h} -> {ow}x{oh}: mean {d.mean():.6f} max {d.max()} "
              f"exact {100 * (d == 0).mean():.4f}%")
        assert d.mean() <= 0.25 and d.max() <= 2, (source, w, h, ow, oh)
        total += d.size
        exact += int((d == 0).sum())
        worst_mean, worst_max = max(worst_mean, d.mean()), max(worst_max, int(d.max()))
    print(f"resize: {len(RESIZE_CASES)} pairs, worst mean {worst_mean:.6f}, worst max {worst_max}, "
          f"exact {100 * exact / total:.4f}% of {total} samples")


# ---- sizing and frame counts vs the transcription ----
def generated_cases():
    rng = random.Random(99)
    sizes = [(1080, 1920), (720, 1280), (360, 640), (1920, 1080), (480, 854), (64, 64), (28, 5600),
             (240, 320), (2160, 3840), (100, 100), (1, 150), (33, 7000)]
    cases = []
    for i in range(160):
        h, w = rng.choice(sizes) if i % 2 else (rng.randint(1, 4000), rng.randint(1, 4000))
        r = rng.choice([23.976, 24.0, 25.0, 29.97, 30.0, 50.0, 60.0, 12.5, 7.0])
        N = rng.choice([1, 2, 3, 7, 50, 250, 600, 1800, 18000, 54000, rng.randint(1, 100000)])
        kv = {}
        if rng.random() < 0.3:
            kv["nframes"] = rng.randint(1, 40)
        elif rng.random() < 0.5:
            kv["fps"] = rng.choice([0.5, 1.0, 2.0, 4.0, 0.1])
        if rng.random() < 0.3:
            kv["min_frames"] = rng.randint(1, 16)
        if rng.random() < 0.3:
            kv["max_frames"] = rng.randint(2, 1000)
        if rng.random() < 0.2:
            kv["video_start"] = round(rng.uniform(0, N / r), 2)
        if rng.random() < 0.2:
            kv["video_end"] = round(rng.uniform(0, N / r * 1.2), 2)
        sz = {}
        if rng.random() < 0.3:
            sz["min_pixels"] = rng.choice([3136, 50176, 100352, 200704])
        if rng.random() < 0.3:
            sz["max_pixels"] = rng.choice([151200, 301056, 602112, 1000000, 50000])
        if rng.random() < 0.3:
            sz["total_pixels"] = rng.choice([19267584, 90316800.0, 1000000])
        cases.append((h, w, N, r, kv, sz))
    return cases


def expected(h, w, N, r, kv, sz):
    try:
        s, e, count = frame_range(N, r, kv.get("video_start"), kv.get("video_end"))
        n = smart_nframes(count, r, kv.get("fps"), kv.get("nframes"), kv.get("min_frames"),
                          kv.get("max_frames"))
    except ValueError:
        return None, None
    try:
        size = video_size(h, w, n, sz.get("min_pixels"), sz.get("max_pixels"), sz.get("total_pixels"))
    except ValueError:
        size = None
    return (n, s, e, count, n / max(count, 1e-6) * r), size


def test_sizing_and_nframes_match_transcription():
    cases = generated_cases()
    assert len(cases) >= 100
    errors = 0
    for h, w, N, r, kv, sz in cases:
        want_plan, want_size = expected(h, w, N, r, kv, sz)
        out = refcheck("nframes", N, r, *(f"{k}={v}" for k, v in kv.items()))
        if want_plan is None:
            assert out is None, (N, r, kv, out)
            errors += 1
            continue
        n, s, e, count, sfps = out.split()
        assert (int(n), int(s), int(e), int(count)) == want_plan[:4], (N, r, kv)
        assert float(sfps) == pytest.approx(want_plan[4], rel=1e-12)
        out = refcheck("size", h, w, int(n), *(f"{k}={v}" for k, v in sz.items()))
        if want_size is None:
            assert out is None, (h, w, n, sz, out)
            errors += 1
        else:
            assert tuple(map(int, out.split())) == want_size, (h, w, n, sz)
    print(f"sizing: {len(cases)} cases, {errors} expected errors reproduced")


def test_explicit_resized_size():
    # §2.8: image limits only; snapped to multiples of 28 with py-round
    for rh, rw in [(70, 1000), (300, 500), (28, 28), (5000, 5000), (10, 10)]:
        want = smart_resize(rh, rw, 28, 3136, 12845056)
        out = refcheck("size", 1080, 1920, 768, f"resized_height={rh}", f"resized_width={rw}")
        assert tuple(map(int, out.split())) == want
