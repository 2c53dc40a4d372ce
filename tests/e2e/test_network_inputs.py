"""End-to-end: http(s) inputs served by the test itself on 127.0.0.1 (same frames as the file,
404, silent and stalling servers, deadlines, hostile playlists, other protocols, size caps,
redirects, refused TLS) and Ctrl-C during a batch blocked on the network."""
import base64
import io
import json
import signal
import socket
import subprocess
import threading
import time

import numpy as np
import pytest

from conftest import DEFAULT_GRAPH, VIDPIPE, vidpipe
from http_servers import RangeHandler, serve, silent_server
from input_helpers import NET_TIMEOUT, SAME_KEYS, probe_json, raw_graph, run_one


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


class AnswersOnce(RangeHandler):
    """Answers the first request; every later one hangs (a second download would stall the job)."""

    def do_GET(self):
        if self.server.hits:
            self.server.hits.append(self.path)
            self.server.release.wait(20)
            return
        super().do_GET()


class AnswersOnceWithoutLengthOrRanges(AnswersOnce):
    """The same, as a live source serves: no Content-Length, no byte ranges."""

    def send_head(self):
        path = self.translate_path(self.path)
        data = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        return io.BytesIO(data)


@pytest.mark.parametrize("name, handler", [("v", AnswersOnce), ("fs", AnswersOnce),
                                           ("v", AnswersOnceWithoutLengthOrRanges)])
def test_an_http_input_is_fetched_once_per_job(media, tmp_path, name, handler):
    """One GET per input, whatever the container needs: v.mp4 has its index (moov) at the end, so
    the demuxer seeks to it and back (read on, then answered from what arrived); the decoder reads
    the prober's bytes (VideoInfo::bytes) and never asks the server again. Frames equal the local
    file's."""
    local = media[name]
    with serve(media["dir"], handler) as (srv, base):
        srv.release = threading.Event()
        try:
            meta_r, frames_r = run_one(raw_graph(tmp_path), f"{base}/{local.name}", tmp_path / "r")
            hits = list(srv.hits)
        finally:
            srv.release.set()
    assert hits == [f"/{local.name}"], hits
    meta_l, frames_l = run_one(raw_graph(tmp_path), local, tmp_path / "l")
    assert meta_r["status"] == "ok" and meta_r["frame_indices"] == meta_l["frame_indices"]
    assert np.array_equal(frames_r, frames_l)


def test_scene_analysis_reads_the_probed_bytes(media, tmp_path):
    """analyze.scenes decodes every frame again after the prober: from the prober's bytes
    (VideoInfo::bytes), not a second download (the server answers only once, a second GET would
    stall the job). Its picks equal the local file's."""
    local = media["v"]
    graph = DEFAULT_GRAPH.with_name("qwen2_5_vl_scenes.yaml")
    with serve(media["dir"], AnswersOnce) as (srv, base):
        srv.release = threading.Event()
        try:
            meta_r, frames_r = run_one(graph, f"{base}/{local.name}", tmp_path / "r")
            hits = list(srv.hits)
        finally:
            srv.release.set()
    assert hits == [f"/{local.name}"], hits
    meta_l, frames_l = run_one(graph, local, tmp_path / "l")
    assert meta_r["status"] == "ok" and meta_r["frame_indices"] == meta_l["frame_indices"]
    assert np.array_equal(frames_r, frames_l)


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
