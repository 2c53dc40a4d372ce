"""End-to-end: the safety limits hold on every path, and damaged inputs are visible.

- A limit error is final: decode.auto does not fall back to OpenCV on one, and decode.opencv
  enforces the limits itself.
- An endless HTTP live stream ends at max_input_bytes or max_duration, as an error of the probe.
- A server that trickles data fails by the stall rule (net_timeout), long before the deadline.
- A truncated file gives status `partial` with one damage line, counted in the summary; the
  numbers in that line are ffprobe's.
HTTP is served by the test itself on 127.0.0.1; videos are generated with ffmpeg."""
import json
import subprocess
import threading
import time

import numpy as np
import pytest

from conftest import DEFAULT_GRAPH, ffmpeg, make_video, read_json, vidpipe
from http_servers import RangeHandler, serve
from input_helpers import raw_graph


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("limits")
    v = make_video(d / "v.mp4", "320x240", 30, 3, extra=("-g", "30", "-movflags", "+faststart"))
    # 20 s with the index up front, cut in half: the header lists 500 frames, 250 are there.
    full = make_video(d / "full.mp4", "320x240", 25, 20, extra=("-preset", "ultrafast", "-movflags", "+faststart"))
    data = full.read_bytes()
    half = d / "half.mp4"
    half.write_bytes(data[: len(data) // 2])
    return {"dir": d, "v": v, "full": full, "half": half}


def run_json(*args, timeout=60):
    p = vidpipe("run", *args, "--json", timeout=timeout)
    return p, json.loads(p.stdout)


def ffprobe_counts(path):
    """(frames the header lists, packets, frames that decode) by ffprobe."""
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-count_frames", "-select_streams", "v",
                          "-show_entries", "stream=nb_frames,nb_read_packets,nb_read_frames", "-of", "json", path],
                         capture_output=True, text=True, check=True).stdout
    s = json.loads(out)["streams"][0]
    return int(s["nb_frames"]), int(s["nb_read_packets"]), int(s["nb_read_frames"])


# --- limits are final, and every backend enforces them --------------------------------------------

def test_auto_does_not_fall_back_to_opencv_on_a_limit(clips, tmp_path):
    out = tmp_path / "o"
    p, s = run_json(raw_graph(tmp_path, "decode.auto"), clips["v"], "-o", out, "--set", "decode.max_decoded_frames=10")
    job = s["jobs"][0]
    assert p.returncode == 1 and job["status"] == "failed", p.stdout + p.stderr
    assert job["error"]["node"] == "decode" and "max_decoded_frames (10)" in job["error"]["message"]
    assert job["notes"]["backend_fallbacks"] == [] and job["notes"]["backend_used"] == "ffmpeg"
    assert len(p.stderr.strip().splitlines()) == 1 and "opencv" not in p.stderr
    assert not out.exists() or not any(out.iterdir())
    # the same graph without the limit decodes (so the limit, not the video, failed it)
    p, s = run_json(raw_graph(tmp_path, "decode.auto"), clips["v"])
    assert p.returncode == 0 and s["jobs"][0]["notes"]["backend_used"] == "ffmpeg"


@pytest.mark.parametrize("setting, message", [
    ("max_decoded_frames=10", "more than max_decoded_frames (10) frames decoded"),
    ("max_input_pixels=76799", "frame size 320x240 exceeds max_input_pixels 76799"),
    ("max_duration=2", "more than max_duration 2.000 s"),
    ("deadline=0.000001", "deadline of 1e-06 s exceeded"),
])
def test_opencv_backend_enforces_the_limits(clips, tmp_path, setting, message):
    out = tmp_path / "o"
    p, s = run_json(raw_graph(tmp_path, "decode.opencv"), clips["v"], "-o", out, "--set", f"decode.{setting}")
    job = s["jobs"][0]
    assert p.returncode == 1 and job["status"] == "failed", p.stdout + p.stderr
    assert job["error"]["node"] == "decode" and message in job["error"]["message"], job["error"]
    assert len(p.stderr.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())


# --- an endless live stream over HTTP --------------------------------------------------------------

class EndlessTS(RangeHandler):
    """An endless live MPEG-TS stream: no Content-Length, no end, encoded by ffmpeg as it is sent."""

    def do_GET(self):
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "video/mp2t")
        self.end_headers()
        enc = subprocess.Popen(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25",
                                "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "mpegts", "-"],
                               stdout=subprocess.PIPE)
        try:
            while chunk := enc.stdout.read(1 << 16):
                self.wfile.write(chunk)
        except OSError:  # the client hung up
            pass
        finally:
            enc.kill()
            enc.wait()


@pytest.mark.parametrize("setting, message", [
    ("probe.max_input_bytes=1000000", "download is larger than max_input_bytes 1000000"),
    # reached while the packet index is built (stream-info probing reads less): the demuxer sees a
    # short read, which must not pass for the end of the stream
    ("probe.max_input_bytes=3000000", "download is larger than max_input_bytes 3000000"),
    ("probe.max_duration=2", "by its packets so far), more than max_duration 2.000 s"),
])
def test_endless_live_stream_is_an_error_of_the_probe(clips, tmp_path, setting, message):
    out = tmp_path / "o"
    with serve(clips["dir"], EndlessTS) as (srv, base):
        t0 = time.monotonic()
        p, s = run_json(DEFAULT_GRAPH, f"{base}/live.ts", "-o", out, "--set", setting, timeout=30)
        elapsed = time.monotonic() - t0
    print(f"endless stream, {setting}: failed after {elapsed:.2f} s")
    job = s["jobs"][0]
    assert p.returncode == 1 and job["status"] == "failed", p.stdout + p.stderr
    assert job["error"]["node"] == "probe" and message in job["error"]["message"], job["error"]
    assert len(srv.hits) == 1  # the decoder never downloaded it again
    assert not out.exists() or not any(out.iterdir())


# --- a server that trickles ------------------------------------------------------------------------

def trickling(fast_requests, stop):
    """A static server whose first `fast_requests` answers are whole; later ones send the headers
    and 1000 bytes at once, then a byte every 0.25 s (so FFmpeg's own read timeout never fires)."""

    class Trickle(RangeHandler):
        def do_GET(self):
            if len(self.server.hits) < fast_requests:
                return super().do_GET()
            self.server.hits.append(self.path)
            with open(self.translate_path(self.path), "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data[:1000])
                self.wfile.flush()
                for i in range(1000, len(data)):
                    if stop.wait(0.25):
                        return
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
            except OSError:  # the client hung up
                pass

    return Trickle


@pytest.mark.parametrize("stage", ["probe"])
def test_a_trickling_server_fails_by_the_stall_rule(clips, tmp_path, stage):
    """net_timeout 1 s: the job fails about 1 s after the trickle starts, not at the deadline
    (probe 60 s by default). The download is the prober's: an input is fetched once per job and the
    decoder reads those bytes (test_network_inputs.py), so no later request can trickle."""
    stop = threading.Event()
    handler = trickling(0 if stage == "probe" else 1, stop)
    out = tmp_path / "o"
    try:
        with serve(clips["dir"], handler) as (srv, base):
            t0 = time.monotonic()
            p = vidpipe("run", raw_graph(tmp_path), f"{base}/v.mp4", "-o", out, "--set", f"{stage}.net_timeout=1",
                        timeout=30)
            elapsed = time.monotonic() - t0
            stop.set()
    finally:
        stop.set()
    print(f"trickling server, {stage}: failed after {elapsed:.2f} s, {len(srv.hits)} requests")
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"stage '{stage}'" in p.stderr and "stalled" in p.stderr and "net_timeout 1 s" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert elapsed < 5  # net_timeout (+ the probe, + start-up), far below any deadline
    assert not out.exists() or not any(out.iterdir())


# --- damaged inputs: status partial ------------------------------------------------------------------

def test_truncated_file_is_partial_and_counted(clips, tmp_path):
    header, packets, decodable = ffprobe_counts(clips["half"])
    assert header == 500 and packets < 300  # the fixture is what the test means
    out = tmp_path / "o"
    p = vidpipe("run", DEFAULT_GRAPH, clips["half"], clips["full"], "-o", out)
    assert p.returncode == 0, p.stdout + p.stderr  # outputs were written and are usable
    assert "2 inputs, 1 ok, 1 partial, 0 failed" in p.stdout, p.stdout
    rows = {line.split()[0]: line.split()[1] for line in p.stdout.splitlines()[1:3]}
    assert rows == {"half": "partial", "full": "ok"}
    damage = f"truncated: {packets} of the {header} frames its header lists are present"
    if decodable < packets:  # the last packet is cut short
        damage += f"; {decodable} of {packets} frames decodable"
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"vidpipe: {clips['half']}: partial output") and damage in lines[0]
    meta = read_json(out / "half" / "metadata.json")
    assert meta["status"] == "partial" and damage in meta["damage"]
    assert meta["num_frames"] > 0 and max(meta["frame_indices"]) < decodable
    clean = read_json(out / "full" / "metadata.json")
    assert clean["status"] == "ok" and "damage" not in clean

    # --json carries it; --strict turns it into exit code 1 (the outputs are still written)
    p, s = run_json(DEFAULT_GRAPH, clips["half"], "-o", tmp_path / "strict", "--strict")
    assert p.returncode == 1
    assert s["partial"] == 1 and s["failed"] == 0
    assert s["jobs"][0]["status"] == "partial" and damage in s["jobs"][0]["damage"]
    assert (tmp_path / "strict" / "half" / "metadata.json").exists()


def test_opencv_gets_a_plan_on_the_true_count(clips, tmp_path):
    """decode.opencv on a file cut in half, probed with count_packets=false: the header's 500 frames
    do not hold, so the plan is made on the frames that decode and no planned frame is past the end;
    the input is partial with the probe's damage line only."""
    header, packets, decodable = ffprobe_counts(clips["half"])
    graph = raw_graph(tmp_path, "decode.opencv", nframes=8)
    p, s = run_json(graph, clips["half"], "-o", tmp_path / "o", "--set", "probe.count_packets=false")
    job = s["jobs"][0]
    assert p.returncode == 0 and job["status"] == "partial", p.stdout + p.stderr
    meta = read_json(tmp_path / "o" / "half" / "metadata.json")
    assert meta["total_frames"] == decodable and max(meta["frame_indices"]) == decodable - 1
    damage = f"truncated: {packets} of the {header} frames its header lists are present"
    if decodable < packets:
        damage += f"; {decodable} of {packets} frames decodable"
    assert job["damage"] == damage and meta["damage"] == damage
    frames = np.load(tmp_path / "o" / "half" / "frames.npy")
    assert not any(np.array_equal(frames[k], frames[k - 1]) for k in range(1, len(frames)))


def test_clean_inputs_stay_ok(clips, tmp_path):
    p = vidpipe("run", DEFAULT_GRAPH, clips["full"], clips["v"], "--strict", "-o", tmp_path / "o")
    assert p.returncode == 0 and "2 inputs, 2 ok, 0 partial, 0 failed" in p.stdout, p.stdout + p.stderr
    assert p.stderr == ""


def test_plan_of_a_truncated_file_is_partial_and_a_repeated_input_skipped(clips):
    """`vidpipe plan` reports inputs as `vidpipe run` does: a truncated file is planned (status
    partial, with its damage line), an input listed twice is skipped; neither is a failure."""
    header, packets, decodable = ffprobe_counts(clips["half"])
    damage = f"truncated: {packets} of the {header} frames its header lists are present"
    if decodable < packets:  # the probe found it: the plan's report is the run's
        damage += f"; {decodable} of {packets} frames decodable"
    skipped = "skipped: the same input is listed more than once"
    inputs = (clips["half"], clips["v"], clips["v"])
    p = vidpipe("plan", DEFAULT_GRAPH, *inputs)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"{i}: ") for line, i in zip(lines, inputs)), p.stdout
    assert " frames [" in lines[0] and " tokens" in lines[0] and " frames [" in lines[1], p.stdout  # both planned
    assert lines[2] == f"{clips['v']}: {skipped}"
    assert p.stderr.splitlines() == [f"vidpipe: {clips['half']}: partial output from a damaged input: {damage}",
                                     f"vidpipe: {clips['v']}: {skipped}"]
    videos = json.loads(vidpipe("plan", DEFAULT_GRAPH, *inputs, "--json").stdout)["videos"]
    assert [v["status"] for v in videos] == ["partial", "ok", "skipped"]
    assert videos[0]["damage"] == damage and "error" not in videos[0]
    assert videos[0]["nframes"] > 0 and max(videos[0]["frame_indices"]) < decodable
    assert videos[2]["reason"] == "the same input is listed more than once" and "nframes" not in videos[2]


def test_probe_shows_the_damage_as_run_reports_it(clips, tmp_path):
    header, packets, decodable = ffprobe_counts(clips["half"])
    damage = f"truncated: {packets} of the {header} frames its header lists are present"
    if decodable < packets:
        damage += f"; {decodable} of {packets} frames decodable"
    p = vidpipe("probe", clips["half"])
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert f"damage               {damage}\n" in p.stdout, p.stdout
    assert json.loads(vidpipe("probe", clips["half"], "--json").stdout)["damage"] == damage
    assert "damage" not in json.loads(vidpipe("probe", clips["full"], "--json").stdout)
