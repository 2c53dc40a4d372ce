"""End-to-end: every input kind (local, file://, http, base64, data: URI, stdin, frame folders,
globs, image lists), the decoder backends (ffmpeg, opencv, images, auto) and hostile or broken
inputs. HTTP is served by the test itself on 127.0.0.1; videos are generated with ffmpeg."""
import base64
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import DEFAULT_GRAPH, VIDPIPE, ffmpeg, make_video, read_json, vidpipe
from http_servers import RangeHandler, serve, silent_server

NET_TIMEOUT = 2  # seconds, the net_timeout parameter for the network tests


# --- fixtures ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    v = make_video(d / "v.mp4", "320x240", 30, 3, extra=("-g", "30", "-bf", "2"))
    tiny = make_video(d / "tiny.mp4", "160x120", 30, 1, extra=("-g", "30", "-crf", "35"))
    faststart = d / "fs.mp4"
    ffmpeg("-i", v, "-c", "copy", "-movflags", "+faststart", faststart)
    frames = d / "frames"
    frames.mkdir()
    # The reference frames: the ffmpeg CLI's own RGB conversion, lossless PNG.
    ffmpeg("-i", v, "-pix_fmt", "rgb24", frames / "frame_%d.png")  # frame_1 .. frame_90 (natural order)
    rot = {}
    for deg in (90, 270):
        rot[deg] = d / f"rot{deg}.mp4"
        ffmpeg("-i", v, "-c", "copy", "-metadata:s:v:0", f"rotate={deg}", rot[deg])
    return {"dir": d, "v": v, "tiny": tiny, "fs": faststart, "frames": frames, "rot": rot}


def raw_graph(tmp_path, decoder="decode.ffmpeg", nframes=8):
    """probe → sample (nframes) → decoder → gather → npy (THWC, native size) → metadata."""
    g = tmp_path / f"raw_{decoder.replace('.', '_')}_{nframes}.yaml"
    g.write_text(f"""vidpipe: 1
name: raw
nodes:
  probe:    {{type: probe.ffmpeg, in: input}}
  sample:   {{type: sample.uniform, in: probe.info, params: {{nframes: {nframes}}}}}
  decode:   {{type: {decoder}, in: sample.plan}}
  gather:   {{type: gather.clip, in: decode.frames}}
  write:    {{type: format.npy, in: gather.clip, params: {{layout: THWC}}}}
  metadata: {{type: format.metadata, in: write.clip}}
""")
    return g


def run_one(graph, inp, out, *sets, stdin=None, env=None, check=0):
    """Runs one input; returns (metadata, frames THWC) from its single output folder."""
    args = [str(VIDPIPE), "run", str(graph), str(inp), "-o", str(out), "--json"]
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120, stdin=stdin,
                       env={**os.environ, **(env or {})})
    assert p.returncode == check, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    folders = [x for x in Path(out).iterdir()]
    assert len(folders) == 1, folders
    return read_json(folders[0] / "metadata.json"), np.load(folders[0] / "frames.npy")


def probe_json(inp, *sets, env=None, stdin=None):
    args = [str(VIDPIPE), "probe", str(inp), "--json"]
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60, stdin=stdin,
                       env={**os.environ, **(env or {})})
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


SAME_KEYS = ["codec", "width", "height", "rotation", "fps", "frame_count", "keyframe_indices"]


# --- network inputs --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["v", "fs"])
def test_http_url_gives_the_same_metadata_and_frames(media, tmp_path, name):
    local = media[name]
    with serve(media["dir"]) as (srv, base):
        url = f"{base}/{local.name}"
        remote = probe_json(url)
        graph = raw_graph(tmp_path)
        meta_r, frames_r = run_one(graph, url, tmp_path / "r")
        assert srv.hits, "the server saw no request"
    ref = probe_json(local)
    for k in SAME_KEYS:
        assert remote[k] == ref[k], k
    meta_l, frames_l = run_one(graph, local, tmp_path / "l")
    assert meta_r["frame_indices"] == meta_l["frame_indices"]
    assert np.array_equal(frames_r, frames_l)


def test_http_404_is_one_clear_error(media):
    with serve(media["dir"]) as (_, base):
        p = vidpipe("probe", f"{base}/missing.mp4")
    assert p.returncode == 1
    assert "404" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_silent_server_times_out(media):
    with silent_server() as (base, conns):
        t0 = time.monotonic()
        p = vidpipe("probe", f"{base}/v.mp4", "--set", f"net_timeout={NET_TIMEOUT}", timeout=30)
        elapsed = time.monotonic() - t0
        assert conns, "vidpipe never connected"
    print(f"silent server: failed after {elapsed:.2f} s (timeout {NET_TIMEOUT} s)")
    assert p.returncode == 1
    assert "timed out" in p.stderr and "net_timeout" in p.stderr
    assert elapsed <= NET_TIMEOUT + 1


def test_deadline_abandons_a_blocked_read(media, tmp_path):
    """The per-input deadline interrupts FFmpeg's I/O (AVIOInterruptCB), even while a read is
    blocked and the network timeout (5 s by default) has not fired."""
    with silent_server() as (base, conns):
        t0 = time.monotonic()
        p = vidpipe("probe", f"{base}/v.mp4", "--set", "deadline=1", timeout=30)
        elapsed = time.monotonic() - t0
        assert conns
        print(f"probe deadline 1 s: failed after {elapsed:.2f} s")
        assert p.returncode == 1 and "deadline of 1 s exceeded" in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1
        assert 0.9 <= elapsed <= 2.0
        out = tmp_path / "o"
        t0 = time.monotonic()
        r = vidpipe("run", DEFAULT_GRAPH, f"{base}/v.mp4", "-o", out, "--set", "probe.deadline=1", timeout=30)
        elapsed = time.monotonic() - t0
        print(f"run, probe.deadline 1 s: failed after {elapsed:.2f} s")
        assert r.returncode == 1 and "deadline of 1 s exceeded" in r.stderr, r.stderr
        assert elapsed <= 2.5
        assert not out.exists() or not any(out.iterdir())


def test_decode_deadline_abandons_a_stalled_server(media, tmp_path):
    """The server answers the prober's request, then stalls: decode.deadline ends the job."""
    release = threading.Event()

    class StallAfterFirst(RangeHandler):
        def do_GET(self):
            if self.server.hits:  # every request after the first one hangs
                self.server.hits.append(self.path)
                release.wait(20)
                return
            super().do_GET()

    try:
        with serve(media["dir"], StallAfterFirst) as (srv, base):
            out = tmp_path / "o"
            t0 = time.monotonic()
            r = vidpipe("run", raw_graph(tmp_path), f"{base}/fs.mp4", "-o", out, "--set", "decode.deadline=1.5",
                        timeout=30)
            elapsed = time.monotonic() - t0
            release.set()
    finally:
        release.set()
    print(f"decode deadline 1.5 s on a stalled server: failed after {elapsed:.2f} s, {len(srv.hits)} requests")
    assert len(srv.hits) >= 2  # the prober's request was answered, the decoder's stalled
    assert r.returncode == 1 and "deadline of 1.5 s exceeded" in r.stderr and "decode" in r.stderr, r.stderr
    assert elapsed <= 4.0  # net_timeout is 5 s: the deadline, not the timeout, ended it
    assert not out.exists() or not any(out.iterdir())


def test_input_settings_are_node_params(media):
    cfg = json.loads(vidpipe("run", DEFAULT_GRAPH, "--dry-run", "--set", "probe.net_timeout=2",
                             "--set", "decode.max_input_bytes=5000", check=0).stdout)["nodes"]
    assert cfg["probe"]["params"]["net_timeout"] == 2 and cfg["probe"]["set_by"]["net_timeout"] == "command line"
    assert cfg["decode"]["params"]["max_input_bytes"] == 5000  # decode.auto forwards it to decode.ffmpeg
    for node in ("probe", "decode"):
        for k, v in {"net_timeout": 2 if node == "probe" else 5, "allow_playlists": False, "tls_verify": True}.items():
            assert cfg[node]["params"][k] == v, (node, k)
    for t in ("probe.ffmpeg", "decode.ffmpeg", "decode.auto"):
        names = {x["name"] for x in json.loads(vidpipe("describe", t, "--json", check=0).stdout)["params"]}
        assert {"net_timeout", "max_input_bytes", "allow_playlists", "tls_verify"} <= names, t


def test_hls_playlist_pointing_at_another_host_is_refused(media, tmp_path):
    secret_dir = tmp_path / "secret"
    secret_dir.mkdir()
    (secret_dir / "secret.ts").write_bytes(b"\x47" * 188 * 10)
    with serve(secret_dir) as (secret, secret_base):
        pl_dir = tmp_path / "pl"
        pl_dir.mkdir()
        playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{secret_base}/secret.ts\n#EXT-X-ENDLIST\n"
        for n in ("playlist.m3u8", "video.mp4"):  # by content, whatever the name says
            (pl_dir / n).write_text(playlist)
        with serve(pl_dir) as (front, base):
            for n in ("playlist.m3u8", "video.mp4"):
                p = vidpipe("probe", f"{base}/{n}")
                assert p.returncode == 1 and "playlist" in p.stderr, p.stderr
                out = tmp_path / f"out_{n}"
                r = vidpipe("run", DEFAULT_GRAPH, f"{base}/{n}", "-o", out)
                assert r.returncode == 1 and "playlist" in r.stderr
                assert not out.exists() or not any(out.iterdir())
            assert front.hits  # the playlist itself was fetched ...
        # ... and a local playlist file is refused as well
        (tmp_path / "local.m3u8").write_text(playlist)
        p = vidpipe("probe", tmp_path / "local.m3u8")
        assert p.returncode == 1 and "playlist" in p.stderr
        assert secret.hits == []  # ... but the other server saw ZERO requests


def test_urls_cannot_reach_other_protocols(media):
    for url in ["ftp://127.0.0.1/v.mp4", "concat:" + str(media["v"]) + "|" + str(media["v"]),
                "file://otherhost/etc/passwd", "subfile,,start,0,end,0,,:" + str(media["v"])]:
        p = vidpipe("probe", url)
        assert p.returncode == 1, url
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_download_size_is_capped(media, tmp_path):
    with serve(media["dir"]) as (_, base):
        p = vidpipe("probe", f"{base}/v.mp4", "--set", "max_input_bytes=10000", timeout=30)
        assert p.returncode == 1 and "max_input_bytes" in p.stderr
        # the decoder has its own cap: the prober may read it, the decoder may not
        out = tmp_path / "o"
        r = vidpipe("run", raw_graph(tmp_path), f"{base}/v.mp4", "-o", out, "--set", "decode.max_input_bytes=10000")
        assert r.returncode == 1 and "max_input_bytes" in r.stderr and "decode" in r.stderr, r.stderr
    b64 = base64.b64encode(media["tiny"].read_bytes()).decode()
    p = vidpipe("probe", b64, "--set", "max_input_bytes=1000")
    assert p.returncode == 1 and "max_input_bytes" in p.stderr


# --- file://, base64, data:, stdin -----------------------------------------------------------------

def test_file_url(media, tmp_path):
    url = media["v"].resolve().as_uri()
    assert probe_json(url)["frame_count"] == 90
    graph = raw_graph(tmp_path)
    meta_u, frames_u = run_one(graph, url, tmp_path / "u")
    meta_l, frames_l = run_one(graph, media["v"], tmp_path / "l")
    assert meta_u["frame_indices"] == meta_l["frame_indices"] and np.array_equal(frames_u, frames_l)


def test_base64_data_uri_and_stdin(media, tmp_path):
    tiny = media["tiny"]
    b64 = base64.b64encode(tiny.read_bytes()).decode()
    assert len(b64) < 100_000  # fits one command-line argument
    graph = raw_graph(tmp_path, nframes=4)
    meta_ref, ref = run_one(graph, tiny, tmp_path / "ref")
    for i, inp in enumerate([b64, "data:video/mp4;base64," + b64]):
        assert probe_json(inp)["frame_count"] == 30
        meta, frames = run_one(graph, inp, tmp_path / f"b{i}")
        assert meta["frame_indices"] == meta_ref["frame_indices"] and np.array_equal(frames, ref)
        # metadata.json names inline data by its head and size, not by megabytes of base64
        assert meta["input"].startswith(inp[:48]) and f"{len(inp)} chars" in meta["input"]
        assert len(meta["input"]) < 200
    with open(tiny, "rb") as f:
        assert probe_json("-", stdin=f)["frame_count"] == 30
    with open(tiny, "rb") as f:
        meta, frames = run_one(graph, "-", tmp_path / "stdin", stdin=f)
    assert np.array_equal(frames, ref)


@pytest.mark.parametrize("bad", ["data:video/mp4;base64,AAAAIGZ0eXBpc29t@@@@", "data:video/mp4,AAAA",
                                 "A" * 65, "data:video/mp4;base64,AAAA=AAA"])
def test_invalid_base64(bad, tmp_path):
    p = vidpipe("probe", bad)
    assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "base64" in p.stderr
    out = tmp_path / "o"
    r = vidpipe("run", DEFAULT_GRAPH, bad, "-o", out)
    assert r.returncode == 1 and (not out.exists() or not any(out.iterdir()))


@pytest.mark.parametrize("char, shown", [("\x1b", "\\x1b"), ("\u00e9", "\\xc3")])
def test_invalid_base64_names_a_byte_that_does_not_print_in_hex(char, shown):
    p = vidpipe("probe", f"data:video/mp4;base64,AAAA{char}AAA")
    assert p.returncode == 1 and f"invalid base64: character '{shown}' at position 4" in p.stderr, p.stderr


def test_empty_stdin():
    p = subprocess.run([str(VIDPIPE), "probe", "-"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert p.returncode == 1 and "stdin" in p.stderr


# --- frame sequences and backends ------------------------------------------------------------------

def test_folder_glob_list_and_video_give_the_same_frames(media, tmp_path):
    frames = media["frames"]
    graph = raw_graph(tmp_path, "decode.auto")
    meta_v, ref = run_one(raw_graph(tmp_path, "decode.ffmpeg"), media["v"], tmp_path / "v")
    files = [str(frames / f"frame_{i}.png") for i in range(1, 91)]
    inputs = {"folder": frames, "glob": f"{frames}/frame_*.png", "list": json.dumps(files)}
    listed = probe_json(json.dumps(files[::-1][:10]), "images_fps=30")
    assert listed["frame_count"] == 10 and listed["first_image"].endswith("frame_90.png")  # order as given
    for kind, inp in inputs.items():
        meta, got = run_one(graph, inp, tmp_path / kind, "probe.images_fps=30")
        assert meta["frame_indices"] == meta_v["frame_indices"], kind
        assert meta["backend_used"] == "images", kind
        # decode.ffmpeg converts exactly as the CLI that wrote the PNGs
        assert np.array_equal(got, ref), kind
    info = probe_json(frames, "images_fps=30")
    assert info["container"] == "image_sequence" and info["frame_count"] == 90
    assert (info["width"], info["height"], info["fps"]) == (320, 240, 30)
    assert info["first_image"].endswith("frame_1.png") and info["last_image"].endswith("frame_90.png")
    # default frame rate of a sequence: 2
    assert probe_json(frames)["fps"] == 2 and probe_json(frames)["duration"] == 45


def test_json_list_is_one_input_on_the_command_line(media, tmp_path):
    """CLI11 splits a '[a,b]' argument of a vector option into elements; vidpipe takes INPUT
    arguments verbatim, so a JSON list of images is one frame-sequence input, also next to other
    inputs and options on both sides."""
    frames = media["frames"]
    files = [str(frames / f"frame_{i}.png") for i in (1, 31, 61, 90)]
    listed = json.dumps(files)
    out = tmp_path / "o"
    p = vidpipe("run", raw_graph(tmp_path, "decode.auto", 4), "--set", "probe.images_fps=30", listed, media["v"],
                "-o", out, "--json", "--set", "decode.color_matrix=bt601", check=0)
    jobs = json.loads(p.stdout)["jobs"]
    assert len(jobs) == 2 and jobs[0]["input"].startswith('["') and jobs[1]["input"] == str(media["v"])
    assert jobs[0]["name"] == "frames"  # named after the images' folder
    meta = read_json(out / "frames" / "metadata.json")
    assert meta["backend_used"] == "images" and meta["total_frames"] == 4 and meta["frame_indices"] == [0, 1, 2, 3]
    got = np.load(out / "frames" / "frames.npy")
    _, ref = run_one(raw_graph(tmp_path, "decode.ffmpeg", 90), media["v"], tmp_path / "ref")
    assert np.array_equal(got, ref[[0, 30, 60, 89]])
    # the same through `vidpipe plan` and the default graph (with spaces after the commas)
    spaced = json.dumps(files, separators=(", ", ": "))
    p = vidpipe("plan", spaced, "--json", "--set", "probe.images_fps=30", check=0)
    res = json.loads(p.stdout)
    v = res["videos"]
    assert len(v) == 1 and v[0]["status"] == "ok" and v[0]["input"].startswith('["'), v
    # usage errors are unchanged
    assert vidpipe("run").returncode == 2
    assert vidpipe("run", listed, "--bogus").returncode == 2


def test_default_graph_on_a_frame_folder(media, tmp_path):
    p = vidpipe("run", media["frames"], "-o", tmp_path / "o", "--set", "probe.images_fps=30", check=0)
    meta = read_json(tmp_path / "o" / "frames" / "metadata.json")
    assert meta["backend_used"] == "images" and meta["num_frames"] == 6


def test_decoders_agree(media, tmp_path):
    """decode.ffmpeg, decode.opencv and decode.images: same indices; pixels (bt601) within a bound."""
    res = {}
    for dec, inp in [("decode.ffmpeg", media["v"]), ("decode.opencv", media["v"]), ("decode.images", media["frames"])]:
        res[dec] = run_one(raw_graph(tmp_path, dec, 12), inp, tmp_path / dec, "decode.color_matrix=bt601"
                           if dec != "decode.images" else "probe.images_fps=30")
    idx = {d: m["frame_indices"] for d, (m, _) in res.items()}
    assert idx["decode.ffmpeg"] == idx["decode.opencv"] == idx["decode.images"]
    assert res["decode.opencv"][0]["backend_used"] == "opencv"
    a = res["decode.ffmpeg"][1].astype(np.int16)
    b = res["decode.opencv"][1].astype(np.int16)
    assert a.shape == b.shape
    d = np.abs(a - b)
    print(f"opencv vs ffmpeg (bt601): max |diff| {d.max()}, mean {d.mean():.4f}, exact {np.mean(d == 0) * 100:.2f}%")
    assert d.mean() <= OPENCV_MEAN_BOUND and d.max() <= OPENCV_MAX_BOUND


# Measured here (Debian 12: OpenCV 4.6.0 on FFmpeg 5.1, H.264 yuv420p 320x240, plain and rotated
# 90/270): identical bytes, max |diff| 0. OpenCV's FFmpeg backend converts with swscale bicubic
# and BT.601 too; asserted exact so any drift shows.
OPENCV_MEAN_BOUND = 0.0
OPENCV_MAX_BOUND = 0


@pytest.mark.parametrize("deg", [90, 270])
def test_rotated_video_upright_with_opencv(media, tmp_path, deg):
    rot = media["rot"][deg]
    assert probe_json(rot)["rotation"] in (90, 270)  # sideways (clockwise angle to turn it upright)
    m_f, f = run_one(raw_graph(tmp_path, "decode.ffmpeg", 4), rot, tmp_path / "f", "decode.color_matrix=bt601")
    m_o, o = run_one(raw_graph(tmp_path, "decode.opencv", 4), rot, tmp_path / "o", "decode.color_matrix=bt601")
    assert f.shape == o.shape == (4, 320, 240, 3)
    d = np.abs(f.astype(np.int16) - o.astype(np.int16))
    print(f"rot{deg} opencv vs ffmpeg: max {d.max()}, mean {d.mean():.4f}")
    assert d.mean() <= OPENCV_MEAN_BOUND and d.max() <= OPENCV_MAX_BOUND
    # and the wrong direction would be far off
    wrong = np.abs(f.astype(np.int16) - o[:, ::-1, ::-1].astype(np.int16))
    assert wrong.mean() > 10 * max(d.mean(), 0.1)


def test_auto_falls_back_before_the_first_frame(media, tmp_path):
    tiny_b64 = base64.b64encode(media["tiny"].read_bytes()).decode()
    graph = raw_graph(tmp_path, "decode.auto", 4)
    # opencv reads local files only: it fails before any frame, ffmpeg takes over
    meta, frames = run_one(graph, tiny_b64, tmp_path / "a", "decode.backends=[opencv, ffmpeg]")
    assert meta["backend_used"] == "ffmpeg"
    fallbacks = meta["notes"]["backend_fallbacks"]
    assert len(fallbacks) == 1 and fallbacks[0].startswith("opencv:") and "local files" in fallbacks[0]
    assert frames.shape[0] == 4
    # default order on a local file: ffmpeg, no fallback
    meta, _ = run_one(graph, media["v"], tmp_path / "b")
    assert meta["backend_used"] == "ffmpeg" and meta["notes"]["backend_fallbacks"] == []
    # every backend failing: one error naming each reason
    out = tmp_path / "c"
    p = vidpipe("run", graph, tiny_b64, "-o", out, "--set", "decode.backends=[opencv]")
    assert p.returncode == 1 and "local files" in p.stderr


def test_auto_forwards_params_and_profile_colour(tmp_path):
    p = vidpipe("run", DEFAULT_GRAPH, "--dry-run", check=0)
    dec = json.loads(p.stdout)["nodes"]["decode"]
    assert dec["type"] == "decode.auto"
    assert dec["params"]["color_matrix"] == "bt601" and dec["set_by"]["color_matrix"] == "profile"
    assert dec["params"]["backends"] == ["ffmpeg", "opencv"]
    d = json.loads(vidpipe("describe", "decode.auto", "--json", check=0).stdout)
    names = {x["name"] for x in d["params"]}
    f = json.loads(vidpipe("describe", "decode.ffmpeg", "--json", check=0).stdout)
    assert {x["name"] for x in f["params"]} <= names  # every decode.ffmpeg param is accepted


# --- bad inputs ------------------------------------------------------------------------------------

def _bad_inputs(d, media):
    (d / "empty.mp4").write_bytes(b"")
    (d / "notes.mp4").write_text("this is not a video\n" * 20)
    (d / "emptydir").mkdir(exist_ok=True)
    (d / "picture.mp4").write_bytes((media["frames"] / "frame_1.png").read_bytes())
    ffmpeg("-f", "lavfi", "-i", "sine=d=2", d / "audio.mp4")
    (d / "huge.y4m").write_bytes(b"YUV4MPEG2 W100000 H100000 F30:1 Ip A1:1 C420jpeg\nFRAME\n" + b"\0" * 1024)
    return {
        "missing": (d / "missing.mp4", "no such file"),
        "directory": (d / "emptydir", "folder without image files"),
        "zero bytes": (d / "empty.mp4", "empty"),
        "text": (d / "notes.mp4", "video"),
        "png as video": (d / "picture.mp4", "single image"),
        "audio only": (d / "audio.mp4", "no video stream"),
        "huge dims": (d / "huge.y4m", "100000x100000"),
    }


def test_bad_inputs_one_line_each(media, tmp_path):
    bad = _bad_inputs(tmp_path, media)
    for kind, (path, words) in bad.items():
        p = vidpipe("probe", path)
        lines = p.stderr.strip().splitlines()
        assert p.returncode == 1 and len(lines) == 1, (kind, p.stderr)
        assert words in lines[0] and str(path) in lines[0], (kind, lines[0])
        out = tmp_path / f"out_{kind.replace(' ', '_')}"
        r = vidpipe("run", DEFAULT_GRAPH, path, "-o", out)
        errs = [l for l in r.stderr.splitlines() if l.startswith("vidpipe:")]
        assert r.returncode == 1 and len(errs) == 1 and words in errs[0], (kind, r.stderr)
        assert not out.exists() or not any(out.iterdir()), kind  # nothing half-written
    # the whole batch in one run: every bad input fails, the good one is written
    out = tmp_path / "batch"
    r = vidpipe("run", DEFAULT_GRAPH, media["v"], *[p for p, _ in bad.values()], "-o", out)
    assert r.returncode == 1
    assert [x.name for x in out.iterdir()] == ["v"]


def test_wrong_extension_works_by_content(media, tmp_path):
    for ext in (".avi", ".txt", ""):
        p = tmp_path / f"video{ext}"
        p.write_bytes(media["v"].read_bytes())
        info = probe_json(p)
        assert info["frame_count"] == 90 and info["container"].startswith("mov")


def test_sequence_limits(media, tmp_path):
    p = vidpipe("probe", media["frames"], "--set", "max_images=10")
    assert p.returncode == 1 and "max_images" in p.stderr
    d = tmp_path / "bomb"
    d.mkdir()
    # a PNG header claiming 65535x65535 (nothing else): refused from the header, before decoding
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + (65535).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    (d / "0001.png").write_bytes(png + b"\0" * 64)
    p = vidpipe("probe", d)
    assert p.returncode == 1 and "65535x65535" in p.stderr and "max_pixels" in p.stderr
    p = vidpipe("probe", f"{tmp_path}/nothing_*.png")
    assert p.returncode == 1 and "matches no image" in p.stderr


# --- vidpipe probe -------------------------------------------------------------------------------

def test_probe_command(media, tmp_path):
    p = vidpipe("probe", media["v"], check=0)
    assert "frame_count" in p.stdout and "90" in p.stdout
    info = probe_json(media["v"])
    for k in ["container", "codec", "width", "height", "rotation", "fps", "duration", "frame_count",
              "frame_count_source", "pixel_format", "has_audio", "color_space", "color_range",
              "sample_aspect_ratio"]:
        assert k in info, k
    assert (info["width"], info["height"], info["frame_count"]) == (320, 240, 90)
    assert info["keyframe_indices"] == [0, 30, 60]
    assert vidpipe("probe").returncode == 2                                  # no input
    assert vidpipe("probe", media["v"], "--set", "nope=1").returncode == 2   # unknown parameter
    assert vidpipe("probe", tmp_path / "missing.mp4").returncode == 1        # input failure


@pytest.mark.parametrize("ext", ["jpg", "bmp", "webp", "png"])
def test_image_headers_by_format(media, tmp_path, ext):
    """Sizes come from each format's header (JPEG SOF, BMP, WebP VP8/VP8L, PNG IHDR) and match
    what the decoder then produces."""
    d = tmp_path / ext
    d.mkdir()
    extra = ("-c:v", "libwebp", "-lossless", "1") if ext == "webp" else ()
    ffmpeg("-i", media["v"], "-vf", "scale=161:121", "-frames:v", "4", *extra, "-f", "image2", d / f"%02d.{ext}")
    info = probe_json(d)
    assert (info["width"], info["height"], info["frame_count"]) == (161, 121, 4)
    meta, frames = run_one(raw_graph(tmp_path, "decode.images", 4), d, tmp_path / "o")
    assert frames.shape == (4, 121, 161, 3) and meta["frame_indices"] == [0, 1, 2, 3]


def test_redirect_to_another_host_is_not_followed(media, tmp_path):
    with serve(media["dir"]) as (other, other_base):
        class Redirect(RangeHandler):
            def do_GET(self):
                self.server.hits.append(self.path)
                self.send_response(302)
                self.send_header("Location", f"{other_base}/v.mp4")
                self.send_header("Content-Length", "0")
                self.end_headers()

        with serve(tmp_path, Redirect) as (front, base):
            p = vidpipe("probe", f"{base}/v.mp4")
            assert p.returncode == 1 and "redirect" in p.stderr, p.stderr
            assert front.hits
        assert other.hits == []


def test_https_connection_refused_is_one_line():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    p = vidpipe("probe", f"https://127.0.0.1:{port}/v.mp4")
    assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    print(p.stderr.strip())


def run_interrupted(inputs, out, *extra):
    """Runs the default graph one job at a time and sends SIGINT once the first input (a silent
    server) is connected; returns (exit code, stdout, stderr)."""
    with silent_server() as (base, conns):
        args = [str(VIDPIPE), "run", str(DEFAULT_GRAPH), f"{base}/v.mp4", *map(str, inputs), "-o", str(out), *extra,
                "--set", "settings.max_jobs_in_flight=1", "--set", "probe.net_timeout=30"]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10
        while not conns and time.monotonic() < deadline:
            time.sleep(0.05)
        assert conns, "vidpipe never connected"
        p.send_signal(signal.SIGINT)
        stdout, stderr = p.communicate(timeout=20)
    return p.returncode, stdout, stderr


def test_interrupted_batch_lists_the_inputs_it_never_started(media, tmp_path):
    """Ctrl-C while the first input hangs on a silent server: exit 130, that job 'interrupted',
    every later input 'not started' (one job at a time), nothing half-written."""
    rest = [media["v"], media["tiny"], media["fs"]]
    code, stdout, stderr = run_interrupted(rest, tmp_path / "o", "--json")
    assert code == 130, stderr
    report = json.loads(stdout)
    assert report["interrupted"] is True
    statuses = [j["status"] for j in report["jobs"]]
    assert statuses == ["interrupted", "not started", "not started", "not started"], statuses
    assert [j["input"] for j in report["jobs"][1:]] == [str(x) for x in rest]
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    code, stdout, _ = run_interrupted(rest, tmp_path / "t")
    assert code == 130
    assert "4 inputs, 0 ok, 0 partial, 0 failed, 1 interrupted, 3 not started (interrupted)" in stdout, stdout
