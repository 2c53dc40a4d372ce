#!/usr/bin/python3
"""What a vidpipe process costs before and around the work, measured as whole processes (median
of several runs, wall and CPU), side by side in one run with the ffmpeg CLI and, when given, an
older vidpipe binary.

  bench/startup.py [--build build] [--old /path/to/old/bin/vidpipe] [--reps N] [--quick]

Rows:
  plan             `vidpipe plan V` of a 1 s 640x360 clip (metadata only)      target < 50 ms
                   (and `ffprobe -v error V` for scale)
  run overhead     `vidpipe run V -o OUT` wall minus the run's own wall_s: process start,
                   plugins, graph, output folder                                   target < 30 ms
  68-frame AVI     `vidpipe run` of a 68-frame 768x576 MPEG-4 AVI (an OpenCV samples/vtest.avi
                   -like clip) against `ffmpeg -v error -i V -f null -`
  describe         `vidpipe describe decode.ffmpeg` (contracts only)
  FFmpeg floor     a C program that only links libavformat, libavcodec, libavutil and libswscale
                   (what vidpipe links) and exits: the dynamic loader's share of plan and run
The new binary runs with a warm registry cache in a private XDG_CACHE_HOME (plus one row with
the cache off). Last, what loading the decode plugin costs once FFmpeg is loaded (its OpenCV
share: decode.opencv and the image decoder link OpenCV).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(cmd, env=None):
    """Runs cmd once; returns (wall s, user+sys CPU s of the child, stdout)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.PIPE, stderr=err, env=env)
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = status  # reaped by wait4; keep Popen from waiting again
        wall = time.perf_counter() - t0
        if status != 0:
            err.seek(0)
            sys.exit(f"failed ({status}): {' '.join(map(str, cmd))}\n{err.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, out.decode()


def cpu_and_wall(cmd, env, reps):
    """Median wall and median CPU over `reps` runs, and the last stdout."""
    runs = [measure(cmd, env) for _ in range(reps)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[-1][2]


def make(path, args):
    if not path.exists():
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args, str(path)], check=True)
    return path


def dlopen_ms(first, then, reps):
    """Median ms to dlopen `then` in a fresh process that already loaded `first`."""
    code = f"""
import ctypes, time
ctypes.CDLL({str(first)!r}, mode=ctypes.RTLD_LOCAL)
t = time.perf_counter(); ctypes.CDLL({str(then)!r}, mode=ctypes.RTLD_LOCAL)
print((time.perf_counter() - t) * 1e3)
"""
    return statistics.median(float(measure(["/usr/bin/python3", "-c", code])[2]) for _ in range(reps))


def floor_program(tmp):
    """A program that loads FFmpeg's libraries and does nothing (None without a C compiler)."""
    exe = tmp / "ffmpeg-floor"
    code = b"#include <libavformat/avformat.h>\n#include <libswscale/swscale.h>\n" \
           b"int main(int c, char** v) { if (c > 9) { avformat_version(); avcodec_version(); swscale_version(); } return 0; }\n"
    cc = subprocess.run(["cc", "-x", "c", "-", "-o", str(exe), "-lavformat", "-lavcodec", "-lavutil", "-lswscale"],
                        input=code, capture_output=True)
    return exe if cc.returncode == 0 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=ROOT / "build", type=Path)
    ap.add_argument("--old", type=Path, help="another vidpipe binary to compare with (e.g. the last release's)")
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--quick", action="store_true", help="5 repetitions")
    args = ap.parse_args()
    reps = 5 if args.quick else args.reps
    tmp = Path(tempfile.mkdtemp(prefix="vidpipe-bench-startup-"))
    small = make(tmp / "small.mp4", ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=1", "-c:v", "libx264",
                                     "-pix_fmt", "yuv420p"])
    avi = make(tmp / "vtest.avi", ["-f", "lavfi", "-i", "testsrc2=size=768x576:rate=10", "-frames:v", "68",
                                   "-c:v", "mpeg4", "-q:v", "4", "-pix_fmt", "yuv420p"])

    new = args.build / "bin" / "vidpipe"
    cached = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"))
    cached.pop("VIDPIPE_NO_REGISTRY_CACHE", None)
    first_wall = measure([new, "plugins"], cached)[0]  # writes the cache
    tools = [("vidpipe", new, cached), ("vidpipe, cache off", new, dict(cached, VIDPIPE_NO_REGISTRY_CACHE="1"))]
    if args.old:
        tools.append(("old vidpipe", args.old, dict(os.environ)))

    print(f"median of {reps} runs; CPU = user + sys of the process; first run (writes the cache): {first_wall * 1e3:.0f} ms")
    print(f"{'case':<16} {'tool':<20} {'wall ms':>8} {'CPU ms':>8}  note")

    def row(case, tool, wall, cpu, note=""):
        print(f"{case:<16} {tool:<20} {wall * 1e3:>8.1f} {cpu * 1e3:>8.1f}  {note}", flush=True)

    for tool, exe, env in tools:
        wall, cpu, _ = cpu_and_wall([exe, "plan", small], env, reps)
        row("plan", tool, wall, cpu, "target < 50 ms" if tool == "vidpipe" else "")
    wall, cpu, _ = cpu_and_wall(["ffprobe", "-v", "error", small], None, reps)
    row("plan", "ffprobe CLI", wall, cpu, "ffprobe -v error V, for scale")
    for tool, exe, env in tools:
        walls, cpus, work = [], [], []
        for i in range(reps):
            w, c, out = cpu_and_wall([exe, "run", small, "-o", tmp / f"out-{len(tool)}-{i}", "--json"], env, 1)
            walls.append(w), cpus.append(c), work.append(json.loads(out)["wall_s"])
        overhead = statistics.median(w - s for w, s in zip(walls, work))
        row("run overhead", tool, overhead, statistics.median(cpus),
            f"process wall - run wall_s (work {statistics.median(work) * 1e3:.0f} ms){'; target < 30 ms' if tool == 'vidpipe' else ''}")
    wall, cpu, _ = cpu_and_wall(["ffmpeg", "-v", "error", "-i", small, "-f", "null", "-"], None, reps)
    row("run overhead", "ffmpeg CLI", wall, cpu, "the whole `ffmpeg -v error -i V -f null -` process, for scale")
    for tool, exe, env in tools:
        wall, cpu, _ = cpu_and_wall([exe, "run", avi, "-o", tmp / "out-avi", "--overwrite"], env, reps)
        row("68-frame AVI", tool, wall, cpu)
    wall, cpu, _ = cpu_and_wall(["ffmpeg", "-v", "error", "-i", avi, "-f", "null", "-"], None, reps)
    row("68-frame AVI", "ffmpeg CLI", wall, cpu, "ffmpeg -v error -i V -f null -")
    for tool, exe, env in tools:
        wall, cpu, _ = cpu_and_wall([exe, "describe", "decode.ffmpeg"], env, reps)
        row("describe", tool, wall, cpu)

    floor = floor_program(tmp)
    if floor:
        wall, cpu, _ = cpu_and_wall([floor], None, reps)
        row("FFmpeg floor", "libav* loaded only", wall, cpu, "loading FFmpeg's libraries: plan, run and the AVI rows pay it")

    plugins = args.build / "lib" / "vidpipe" / "plugins"
    probe, decode = plugins / "vidpipe_probe.so", plugins / "vidpipe_decode.so"
    print(f"\ndlopen of vidpipe_decode.so after vidpipe_probe.so (FFmpeg already loaded; the rest is mostly OpenCV): "
          f"{dlopen_ms(probe, decode, reps):.1f} ms")


if __name__ == "__main__":
    main()
