#!/usr/bin/python3
"""Scene analysis (analyze.scenes through `vidpipe scenes`) against `ffmpeg -i V -vf scdet -f null -`
on the same 1080p H.264 clip, ratio measured in one run (docs/sampling.md §7).

  bench/analysis.py [--build build] [--quick] [--keep DIR]

Both decode every frame; vidpipe skips the loop filter and scores a 256-px copy, scdet scores the
full-size luma. Targets (issue 10): analysis >= 15x real time, and no slower than scdet.
Peak RSS is the child's own (wait4); a 4x longer clip shows whether it grows with length.
"""
import argparse
import tempfile
from pathlib import Path

from benchlib import make_video, timed

ROOT = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=ROOT / "build", type=Path)
    ap.add_argument("--quick", action="store_true", help="10 s clip instead of 60 s")
    ap.add_argument("--keep", type=Path, help="folder to keep the generated videos in")
    a = ap.parse_args()
    seconds = 10 if a.quick else 60
    vidpipe = a.build / "bin" / "vidpipe"
    with tempfile.TemporaryDirectory() as tmp:
        d = a.keep or Path(tmp)
        d.mkdir(parents=True, exist_ok=True)
        enc = ["-c:v", "libx264", "-preset", "veryfast", "-g", "250", "-sc_threshold", "0"]
        rows = []
        for length in (seconds, 4 * seconds):
            v = make_video(d / f"analysis_1080p_{length}s.mp4", "1920x1080", 25, length, enc)
            ours, ours_rss, _ = timed([vidpipe, "scenes", v, "--json"])
            scdet, scdet_rss, _ = timed(["ffmpeg", "-v", "error", "-i", v, "-vf", "scdet", "-f", "null", "-"])
            rows.append((length, ours, ours_rss, scdet, scdet_rss))
        print(f"{'clip':>10} {'vidpipe s':>10} {'x realtime':>10} {'RSS MiB':>8} {'scdet s':>8} "
              f"{'x realtime':>10} {'RSS MiB':>8} {'vidpipe/scdet':>13}")
        for length, ours, ours_rss, scdet, scdet_rss in rows:
            print(f"{length:>8} s {ours:>10.2f} {length / ours:>10.1f} {ours_rss:>8.0f} {scdet:>8.2f} "
                  f"{length / scdet:>10.1f} {scdet_rss:>8.0f} {ours / scdet:>13.2f}")


if __name__ == "__main__":
    main()
