"""End-to-end: decode.ffmpeg through the CLI on a decode-only graph (no resize), against the
ffmpeg CLI's `select=eq(n\\,I)` frames; lying files planned on their true count; damage; limits."""
import json
import subprocess

import numpy as np
import pytest
import torch

from conftest import DECODE_ONLY_GRAPH, ffmpeg, make_video, read_json, vidpipe


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    p = tmp_path_factory.mktemp("graph") / "decode_only.yaml"
    p.write_text(DECODE_ONLY_GRAPH)
    return p


@pytest.fixture(scope="module")
def vids(tmp_path_factory):
    d = tmp_path_factory.mktemp("dec_videos")
    v = {
        "long": make_video(d / "long.mp4", "320x240", 30, 20,
                           extra=("-preset", "veryfast", "-bf", "3", "-g", "250", "-sc_threshold", "0")),
        "vp9": make_video(d / "vp9.webm", "320x240", 30, 4, codec="libvpx-vp9",
                          extra=("-deadline", "realtime", "-cpu-used", "8")),
    }
    fast = d / "fast.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=3", "-f", "lavfi", "-i", "sine=d=3",
           "-c:v", "libx264", "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
           "-movflags", "+faststart", fast)
    data = fast.read_bytes()
    (d / "trunc.mp4").write_bytes(data[: len(data) // 2])
    rng = np.random.default_rng(1234)
    b = bytearray(data)
    for pos, bit in zip(rng.integers(8192, len(b), 2000), rng.integers(0, 8, 2000)):
        b[pos] ^= 1 << int(bit)
    (d / "flip.mp4").write_bytes(bytes(b))
    v.update(fast=fast, trunc=d / "trunc.mp4", flip=d / "flip.mp4")
    return v


def cli_frames(video, indices, shape=None):
    if len(set(indices)) > 40:  # long select expressions fail: decode all, pick in numpy
        p = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vsync", "0", "-f", "rawvideo",
                            "-pix_fmt", "rgb24", "-"], capture_output=True, check=True)
        h, w = shape
        allf = np.frombuffer(p.stdout, np.uint8).reshape(-1, h, w, 3)
        return allf[sorted(set(indices))].tobytes()
    sel = "+".join(f"eq(n\\,{i})" for i in sorted(set(indices)))
    p = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vf", f"select={sel}", "-vsync", "0",
                        "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True)
    return p.stdout


def run(graph, video, out, *sets, check=0):
    args = ["run", graph, video, "-o", out, "--json"]
    for s in sets:
        args += ["--set", s]
    p = vidpipe(*args, check=check, timeout=120)
    return p


def frames_hwc(out, video):
    return np.load(out / video.stem / "frames.npy").transpose(0, 2, 3, 1)  # N,3,H,W -> N,H,W,3


@pytest.mark.parametrize("name,nframes", [("long", 8), ("long", 150), ("vp9", 12)])
def test_frames_equal_ffmpeg_select(graph, vids, tmp_path, name, nframes):
    v = vids[name]
    run(graph, v, tmp_path, f"sample.nframes={nframes}", "decode.color_matrix=auto")
    meta = read_json(tmp_path / v.stem / "metadata.json")
    idx = meta["frame_indices"]
    n = meta["total_frames"]
    assert idx == torch.linspace(0, n - 1, nframes).round().long().tolist()
    ours = frames_hwc(tmp_path, v)
    ref = np.frombuffer(cli_frames(v, idx, ours.shape[1:3]), np.uint8).reshape(len(set(idx)), *ours.shape[1:])
    assert np.array_equal(ours, ref)
    dec = meta["notes"]["decode"]
    if name == "long" and nframes == 8:
        assert dec["seeks"] >= 1 and dec["decoded_frames"] < n  # sparse: decodes only what it needs


def test_approximate_uses_keyframes(graph, vids, tmp_path):
    v = vids["long"]
    run(graph, v, tmp_path, "sample.nframes=4", "decode.seek_mode=approximate")
    meta = read_json(tmp_path / v.stem / "metadata.json")
    assert meta["frame_indices"] == [0, 0, 250, 500]  # keyframes at or before 0, 200, 399, 599
    assert meta["notes"]["decode"]["requested_indices"] == [0, 200, 399, 599]
    assert meta["notes"]["decode"]["decoded_frames"] <= 3


@pytest.mark.parametrize("count_packets", ["true", "false"])
def test_truncated_file_is_planned_on_its_true_count(graph, vids, tmp_path, count_packets):
    """The header says 90 frames: the probe finds those that decode (with count_packets=false too,
    the header's count does not hold), the plan is made on them and never changed."""
    v = vids["trunc"]
    run(graph, v, tmp_path, "sample.nframes=8", f"probe.count_packets={count_packets}")
    meta = read_json(tmp_path / v.stem / "metadata.json")
    assert "replan" not in meta["notes"]
    true_n = meta["total_frames"]
    assert true_n < 90
    idx = torch.linspace(0, true_n - 1, 8).round().long().tolist()
    assert meta["frame_indices"] == idx and meta["num_frames"] == 8
    ours = frames_hwc(tmp_path, v)
    ref = np.frombuffer(cli_frames(v, idx), np.uint8).reshape(ours.shape)
    assert np.array_equal(ours, ref)


def test_bit_flipped_finishes_with_damage_report(graph, vids, tmp_path):
    v = vids["flip"]
    p = run(graph, v, tmp_path, "sample.nframes=16", "decode.max_corrupt_ratio=1", check=None)
    if p.returncode == 0:
        meta = read_json(tmp_path / v.stem / "metadata.json")
        assert meta["num_frames"] == 16
        assert "damage" in meta["notes"]
    else:
        assert p.returncode == 1 and str(v) in p.stderr
    p = run(graph, v, tmp_path / "fail", "sample.nframes=16", "decode.on_decode_error=fail", check=None)
    assert p.returncode in (0, 1)
    if p.returncode == 1:
        assert len(p.stderr.strip().splitlines()) >= 1 and str(v) in p.stderr


def test_limits(graph, vids, tmp_path):
    v = vids["long"]
    p = run(graph, v, tmp_path, "probe.max_duration=5", check=1)
    assert "max_duration" in p.stderr
    p = run(graph, v, tmp_path, "decode.max_decoded_frames=10", check=1)
    assert "max_decoded_frames" in p.stderr


def test_probe_index_json(vids):
    p = vidpipe("probe", vids["long"], "--json", check=0)
    info = json.loads(p.stdout)
    s = json.dumps(info)
    assert "600" in s  # frame count by packets


def test_vfr_plan_timestamps_are_the_stream_pts(graph, tmp_path):
    """sample.uniform takes timestamps from the packet index (frame_times), so on a VFR file the
    plan's and the frames' timestamps are ffprobe's pts, not index / average fps."""
    v = tmp_path / "vfr.mp4"
    # 60 frames at 1/30 s, then 60 frames at 3/30 s (same file as tests/unit's VFR case)
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=4",
           "-vf", "setpts='if(lt(N,60),N,60+(N-60)*3)/30/TB'", "-fps_mode", "passthrough",
           "-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "40", "-pix_fmt", "yuv420p", v)
    pts = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time",
                          "-of", "csv=p=0", str(v)], capture_output=True, text=True, check=True).stdout.split()
    start = float(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                  "stream=start_time", "-of", "csv=p=0", str(v)],
                                 capture_output=True, text=True, check=True).stdout)
    pts = sorted(float(t) - start for t in pts)
    assert len(pts) == 120
    run(graph, v, tmp_path / "o", "sample.nframes=16")
    meta = read_json(tmp_path / "o" / v.stem / "metadata.json")
    assert meta["video"]["extra"]["variable_frame_rate"] is True
    idx = meta["frame_indices"]
    assert idx == torch.linspace(0, 119, 16).round().long().tolist()
    sample = meta["notes"]["sample"]
    assert sample["timestamps_from"] == "frame_times" and sample["indices"] == idx
    expected = [pts[i] for i in idx]
    assert sample["timestamps"] == pytest.approx(expected, abs=1e-6)
    assert meta["timestamps"] == pytest.approx(expected, abs=1e-6)  # the decoded frames agree
    # index / average fps would be off by seconds in the slow half
    fps = meta["original_fps"]
    assert max(abs(t - i / fps) for t, i in zip(expected, idx)) > 1.0


def test_end_of_stream_check_in_the_probe_only_when_the_count_is_in_doubt(graph, vids, tmp_path):
    """The last-GOP decode that finds the true frame count is the probe's, and only when the packet
    index is in doubt (a truncated file: header 90, fewer packets); the decoder never decodes the
    tail to check (a frame that does not decode is damage it reports)."""
    v = vids["long"]
    run(graph, v, tmp_path / "e", "sample.nframes=8")
    meta = read_json(tmp_path / "e" / v.stem / "metadata.json")
    assert "end_check" not in meta["video"]["extra"] and "end_check" not in meta["notes"]["decode"]
    run(graph, v, tmp_path / "a", "sample.nframes=8", "decode.seek_mode=approximate")
    dec = read_json(tmp_path / "a" / v.stem / "metadata.json")["notes"]["decode"]
    assert dec["decoded_frames"] <= 3  # keyframes 0 and 250 (and 500)
    t = vids["trunc"]
    run(graph, t, tmp_path / "t", "sample.nframes=8")
    meta = read_json(tmp_path / "t" / t.stem / "metadata.json")
    assert meta["video"]["extra"]["end_check"].startswith("decoded")
    assert meta["video"]["extra"]["end_check_frames"] > 0 and "end_check" not in meta["notes"]["decode"]
