"""What every benchmark script needs: timing a child process with its own peak RSS, and
generating test videos with the ffmpeg CLI."""
import os
import subprocess
import sys
import tempfile
import time


def timed(cmd):
    """Runs cmd; returns (wall s, the child's own peak RSS MiB via wait4, stdout). stderr goes to
    a temporary file, so a chatty child can never block on a full pipe."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.PIPE, stderr=err)
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = status  # reaped by wait4; keep Popen from waiting again
        wall = time.perf_counter() - t0
        if status != 0:
            err.seek(0)
            sys.exit(f"failed ({status}): {' '.join(map(str, cmd))}\n{err.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out.decode()


def make_video(path, size, rate, duration, args=()):
    """A testsrc2 clip (skipped when it exists); prints how long generation took."""
    if not path.exists():
        t0 = time.perf_counter()
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc2=size={size}:rate={rate}:duration={duration}",
                        *args, "-pix_fmt", "yuv420p", path], check=True)
        print(f"# generated {path.name} in {time.perf_counter() - t0:.0f} s", flush=True)
    return path
