#!/usr/bin/env python3
"""Resize throughput and accuracy, measured in one run on the same core count:
vidpipe's modes (exact, fast = box pre-reduction + exact's kernel, area, bilinear) and OpenCV's INTER_AREA / INTER_CUBIC /
INTER_LINEAR (C++, bench/resize_bench.cpp) against torchvision 0.14's antialiased bicubic (the
reference, python3-torchvision). Accuracy = difference to torchvision's output on the same
decoded frame: PSNR, mean and max |diff| on the 0..255 scale.

The "yuv:" rows start from the decoder's output (YUV 4:2:0) and time what the pipeline does
per frame: colour conversion at full size then resize (graphs/qwen2_5_vl.yaml), or the fused
convert+resize pass (process.convert_scale mode fast,
graphs/qwen2_5_vl_fast.yaml). Their reference is torchvision on the ffmpeg CLI's rgb24
conversion of the same YUV frame. Two variants of the fused pass measure where its error comes
from: "box-reduced" halves luma with a 2x box before the kernel where it shrinks 2x or more (the
fused path until it was measured on aliasing content), "chroma-up" repeats chroma to full size
first, as the reference's conversion does.

Content comes in two classes: smooth (testsrc2, mandelbrot) and aliasing-prone (1-pixel
cellular automata: cellauto rule 30 and life, seeded). Each row also splits the error into luma
and chroma (PSNR of Y and of Cb/Cr, BT.601, of both outputs), and the summary gives each mode's
worst PSNR over all classes: the figure the docs quote.

    cmake --build build --target vidpipe_bench_resize && /usr/bin/python3 bench/resize.py [--quick]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torchvision.transforms import InterpolationMode
from torchvision.transforms.functional import resize

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("VIDPIPE_BUILD_DIR", ROOT / "build"))
BENCH = BUILD / "bin" / "vidpipe_bench_resize"

# (name, lavfi source, w, h, out_w, out_h, class). Seeds are fixed: cellauto and life are random
# otherwise. cellauto full=1 fills the frame with generations of rule 30 (1-pixel cells).
CASES = [
    ("testsrc2 1080p->644x336", "testsrc2", 1920, 1080, 644, 336, "smooth"),
    ("mandelbrot 4K->812x448", "mandelbrot", 3840, 2160, 812, 448, "smooth"),
    ("cellauto 1080p->644x336", "cellauto=rule=30:seed=1:full=1", 1920, 1080, 644, 336, "aliasing"),
    ("cellauto 4K->812x448", "cellauto=rule=30:seed=1:full=1", 3840, 2160, 812, 448, "aliasing"),
    ("life 4K->812x448", "life=ratio=0.5:seed=1", 3840, 2160, 812, 448, "aliasing"),
]
QUICK = {"testsrc2 1080p->644x336", "cellauto 1080p->644x336", "life 4K->812x448"}


def frame(tmp, source, w, h):
    """One frame as a decoder hands it over (yuv420p) and as the ffmpeg CLI converts it to rgb24."""
    tag = source.split("=")[0]
    yuv, rgb = Path(tmp) / f"{tag}_{w}x{h}.yuv", Path(tmp) / f"{tag}_{w}x{h}.rgb"
    sep = ":" if "=" in source else "="
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{source}{sep}size={w}x{h}:rate=5",
                    "-ss", "0.4", "-frames:v", "1", "-pix_fmt", "yuv420p", "-f", "rawvideo", str(yuv)], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{w}x{h}",
                    "-i", str(yuv), "-pix_fmt", "rgb24", "-f", "rawvideo", str(rgb)], check=True)
    return rgb, yuv


def timed(fn, seconds):
    fn()
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        el = time.perf_counter() - t0
        if el >= seconds and n >= 3:
            return el / n


def stats(got, want):
    d = np.abs(got.astype(np.int32) - want.astype(np.int32))
    mse = float(np.mean(d.astype(np.float64) ** 2))
    psnr = math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)
    return psnr, float(d.mean()), int(d.max())


def ycbcr(rgb):
    """BT.601 full-range Y, Cb, Cr of an HxWx3 uint8 image (float64), to split the error."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    return y, (b - y) / 1.772, (r - y) / 1.402


def split(got, want):
    """PSNR of luma and of chroma (Cb and Cr together) between two RGB images."""
    (gy, gb, gr), (wy, wb, wr) = ycbcr(got), ycbcr(want)
    def psnr(mse):  # float noise on grey content (no chroma at all) counts as equal
        return math.inf if mse < 1e-9 else 10 * math.log10(255 ** 2 / mse)
    return psnr(np.mean((gy - wy) ** 2)), psnr((np.mean((gb - wb) ** 2) + np.mean((gr - wr) ** 2)) / 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    seconds = 0.3 if args.quick else 2.0
    if not BENCH.exists():
        sys.exit(f"build {BENCH} first (cmake --build build --target vidpipe_bench_resize)")
    torch.set_num_threads(os.cpu_count())  # same core count for every contender
    print(f"cores: {os.cpu_count()}, torch threads: {torch.get_num_threads()}, torch {torch.__version__}")
    worst = {}  # method -> (PSNR, case)
    with tempfile.TemporaryDirectory() as tmp:
        for name, source, w, h, ow, oh, kind in CASES:
            if args.quick and name not in QUICK:
                continue
            raw, yuv = frame(tmp, source, w, h)
            img = np.fromfile(raw, np.uint8).reshape(h, w, 3)
            t = torch.from_numpy(img).permute(2, 0, 1).contiguous()
            ref = resize(t, [oh, ow], InterpolationMode.BICUBIC, antialias=True)
            want = ref.permute(1, 2, 0).numpy()
            tv_s = timed(lambda: resize(t, [oh, ow], InterpolationMode.BICUBIC, antialias=True), seconds)
            tv_batch = torch.stack([t] * 8)
            tvb_s = timed(lambda: resize(tv_batch, [oh, ow], InterpolationMode.BICUBIC, antialias=True), seconds) / 8
            out = Path(tmp) / name.replace(">", "").replace(" ", "_")
            out.mkdir()
            p = subprocess.run([str(BENCH), raw, str(w), str(h), str(ow), str(oh), str(seconds), str(out), str(yuv)],
                               check=True, capture_output=True, text=True)
            rows = [json.loads(l) for l in p.stdout.splitlines()]
            fps = {r["method"]: r["fps_parallel"] for r in rows}
            exact_fps = fps["exact"]
            print(f"\n{name} [{kind}] (RGB {w}x{h} -> {ow}x{oh}); accuracy vs torchvision BICUBIC antialias=True")
            print(f"{'method':<22}{'ms/frame':>10}{'frames/s':>10}{'fps batch':>11}{'vs exact':>10}"
                  f"{'PSNR dB':>10}{'mean|d|':>10}{'max|d|':>8}{'Y dB':>8}{'CbCr dB':>9}")
            print(f"{'torchvision bicubic AA':<22}{tv_s * 1e3:>10.2f}{1 / tv_s:>10.1f}{1 / tvb_s:>11.1f}"
                  f"{(1 / tvb_s) / exact_fps:>10.2f}{'(ref)':>10}{'':>10}{'':>8}")
            for r in rows:
                file = r["method"].replace(":", "_").replace(" ", "_").replace("+", "_")
                got = np.fromfile(out / f"{file}.raw", np.uint8).reshape(oh, ow, 3)
                psnr, mean, mx = stats(got, want)
                luma, chroma = split(got, want)
                print(f"{r['method']:<22}{r['ms_per_frame']:>10.2f}{1e3 / r['ms_per_frame']:>10.1f}"
                      f"{r['fps_parallel']:>11.1f}{r['fps_parallel'] / exact_fps:>10.2f}"
                      f"{psnr:>10.2f}{mean:>10.4f}{mx:>8d}{luma:>8.2f}{chroma:>9.2f}")
                if r["method"] not in worst or psnr < worst[r["method"]][0]:
                    worst[r["method"]] = (psnr, name)
            print(f"per decoded frame, frames/s on all cores: fused fast {fps['yuv: fused fast']:.1f} vs "
                  f"convert+exact {fps['yuv: convert+exact']:.1f} = "
                  f"{fps['yuv: fused fast'] / fps['yuv: convert+exact']:.2f}x")
    print("\nworst PSNR per method over all content classes:")
    for method, (psnr, name) in worst.items():
        print(f"  {method:<22}{psnr:>8.2f} dB  ({name})")
    print("\nms/frame: one frame at a time (vidpipe kernels split rows over all cores, torch and OpenCV"
          " use their thread pools);\nfps batch: 8 frames at once (torch: one batched"
          " call; vidpipe/OpenCV: frames in parallel, as the pipeline runs them); vs exact: fps batch ratio.")


if __name__ == "__main__":
    main()
