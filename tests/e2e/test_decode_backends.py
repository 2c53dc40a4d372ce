"""Decoder backends by rank (README "Decoders"): decode.auto tries every backend that takes the
input, highest rank first, falls back only before the first frame went downstream, never on a
limit error, and skips a local-files-only backend for a URL without loading its plugin. The
backends that fail are test plugins (tests/plugins/*_backend.cpp, rank 1000: above ffmpeg)."""
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from conftest import BUILD, DECODE_ONLY_GRAPH, VIDPIPE, ffmpeg, make_video, read_json
from http_servers import serve

AUTO_GRAPH = DECODE_ONLY_GRAPH.replace("decode.ffmpeg", "decode.auto")


def plugin_dir(tmp_path, *names):
    """A plugin folder holding copies of the named test plugins."""
    d = tmp_path / "plugins"
    d.mkdir(mode=0o755)
    for n in names:
        shutil.copy(BUILD / "tests" / "plugins" / f"{n}.so", d / f"{n}.so")
    return d


def run(cache_home, *args, plugins=None):
    """`vidpipe` with a registry cache of its own, verbose (it says which plugins it loads)."""
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home), VIDPIPE_VERBOSE="1")
    env.pop("VIDPIPE_NO_REGISTRY_CACHE", None)
    cmd = [str(VIDPIPE), *map(str, args)]
    if plugins:
        cmd[2:2] = ["--plugin-path", str(plugins)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def loaded(stderr):
    return set(re.findall(r"plugin '([^']+)' loaded from", stderr))


def cli_frames(video, w, h):
    """Every frame as the ffmpeg CLI decodes it to RGB24 (frame i = the i-th output frame)."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vsync", "0", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("backends") / "clip.mp4", "320x240", 30, 2)


@pytest.fixture()
def graph(tmp_path):
    g = tmp_path / "auto.yaml"
    g.write_text(AUTO_GRAPH)
    return g


def frames_of(out, name="clip"):
    a = np.load(out / name / "frames.npy")
    return a.transpose(0, 2, 3, 1) if a.shape[1] == 3 else a  # T×C×H×W by default


def test_a_failing_backend_of_high_rank_falls_back_to_ffmpeg(tmp_path, graph, clip):
    plugins = plugin_dir(tmp_path, "vptest_failing_backend")
    p = run(tmp_path / "cache", "run", graph, clip, "-o", tmp_path / "o", plugins=plugins)
    assert p.returncode == 0, p.stderr
    meta = read_json(tmp_path / "o" / "clip" / "metadata.json")
    assert meta["backend_used"] == "ffmpeg"
    assert meta["notes"]["backend_fallbacks"] == ["failing: this test backend always fails at open"]
    got = frames_of(tmp_path / "o")
    ref = cli_frames(clip, 320, 240)[meta["frame_indices"]]
    assert got.shape == ref.shape and np.array_equal(got, ref)
    # `plugins --json` lists it first, by rank
    listing = json.loads(run(tmp_path / "cache", "plugins", "--json", plugins=plugins).stdout)
    ranks = {b["name"]: (b["rank"], b["plugin"]) for b in listing["backends"]}
    assert listing["backends"][0]["name"] == "failing" and ranks["failing"] == (1000, "testing_failing_backend")
    assert ranks["ffmpeg"] == (256, "vidpipe.decode") and ranks["opencv"] == (128, "vidpipe.decode_opencv")
    assert ranks["images"] == (256, "vidpipe.decode") and ranks["images_opencv"] == (128, "vidpipe.decode_opencv")
    opencv = next(b for b in listing["backends"] if b["name"] == "opencv")
    assert opencv["local_files_only"] and opencv["node"] == "decode.opencv"
    # and decode.failing is a node type of its own, which fails as the backend does
    pinned = tmp_path / "pinned.yaml"
    pinned.write_text(DECODE_ONLY_GRAPH.replace("decode.ffmpeg", "decode.failing"))
    p = run(tmp_path / "cache", "run", pinned, clip, "-o", tmp_path / "p", plugins=plugins)
    assert p.returncode == 1 and "this test backend always fails at open" in p.stderr


def test_a_backend_that_fails_after_a_frame_fails_the_job_without_fallback(tmp_path, graph, clip):
    plugins = plugin_dir(tmp_path, "vptest_midstream_backend")
    run(tmp_path / "cache", "plugins", plugins=plugins)  # the cache knows every plugin now
    p = run(tmp_path / "cache", "run", graph, clip, "-o", tmp_path / "o", "--json", plugins=plugins)
    assert p.returncode == 1
    job = json.loads(p.stdout)["jobs"][0]
    assert job["status"] == "failed" and "fails after one frame" in job["error"]["message"]
    assert job["notes"]["backend_used"] == "midstream" and job["notes"]["backend_fallbacks"] == []
    assert not (tmp_path / "o" / "clip" / "frames.npy").exists()  # no output, so no duplicates
    assert "vidpipe.decode" not in loaded(p.stderr)  # ffmpeg was never tried


def test_a_limit_error_is_final(tmp_path, graph, clip):
    plugins = plugin_dir(tmp_path, "vptest_limit_backend")
    run(tmp_path / "cache", "plugins", plugins=plugins)  # the cache knows every plugin now
    p = run(tmp_path / "cache", "run", graph, clip, "-o", tmp_path / "o", "--json", plugins=plugins)
    assert p.returncode == 1
    job = json.loads(p.stdout)["jobs"][0]
    assert "this test backend hit a limit" in job["error"]["message"]
    assert job["notes"]["backend_fallbacks"] == [] and job["notes"]["backend_used"] == "limit"
    assert "testing_limit_backend" in loaded(p.stderr)
    assert not loaded(p.stderr) & {"vidpipe.decode", "vidpipe.decode_opencv"}  # no other backend's plugin


def test_a_local_files_backend_is_skipped_for_a_url_without_loading_it(tmp_path, graph, clip):
    run(tmp_path / "cache", "plugins")
    with serve(clip.parent) as (_, base):
        url = f"{base}/{clip.name}"
        p = run(tmp_path / "cache", "run", graph, url, "-o", tmp_path / "o", "--set", "decode.backends=[opencv, ffmpeg]")
        assert p.returncode == 0, p.stderr
        meta = read_json(tmp_path / "o" / "clip" / "metadata.json")
        assert meta["backend_used"] == "ffmpeg"
        assert meta["notes"]["backend_fallbacks"] == ["opencv: reads local files only, not http inputs"]
        assert "vidpipe.decode_opencv" not in loaded(p.stderr)
        # opencv alone: one error line with the reason, still without loading OpenCV
        p = run(tmp_path / "cache", "run", graph, url, "-o", tmp_path / "x", "--set", "decode.backends=[opencv]")
        assert p.returncode == 1 and "opencv: reads local files only, not http inputs" in p.stderr
        assert "vidpipe.decode_opencv" not in loaded(p.stderr)


@pytest.mark.parametrize("mixed", [False, True])
def test_bmp_sequences_fall_back_to_images_opencv(tmp_path, clip, mixed):
    """BMP images are OpenCV's: the images backend refuses a sequence with one before its first
    frame (also when the BMP comes after PNGs), so images_opencv decodes all of it."""
    d = tmp_path / "bmp"
    d.mkdir()
    ffmpeg("-i", clip, "-frames:v", "3", "-f", "image2", d / "%02d.bmp")
    if mixed:
        for i in (1, 2):
            ffmpeg("-i", d / f"{i:02d}.bmp", d / f"{i:02d}.png")
            (d / f"{i:02d}.bmp").unlink()
    g = tmp_path / "images.yaml"
    g.write_text(DECODE_ONLY_GRAPH.replace("decode.ffmpeg", "decode.images"))
    p = run(tmp_path / "cache", "run", g, d, "-o", tmp_path / "o")
    assert p.returncode == 0, p.stderr
    meta = read_json(tmp_path / "o" / "bmp" / "metadata.json")
    assert meta["backend_used"] == "images_opencv"
    files = sorted(d.iterdir())
    assert len(files) == 3 and files[-1].suffix == ".bmp"
    ref = np.stack([cli_frames(f, 320, 240)[0] for f in files])
    assert np.array_equal(frames_of(tmp_path / "o", "bmp"), ref[meta["frame_indices"]])


# Every parameter each decode node type had before it was the runtime's decode node over a
# backend (as `describe --json` listed them), with the model-settable color_matrix; fused_resize
# became pixel_format: native + process.convert_scale (a rename, so the old name says so).
PARAMS_BEFORE = {
    "decode.ffmpeg": ["allow_playlists", "autorotate", "color_matrix", "deadline", "max_corrupt_ratio",
                      "max_decoded_frames", "max_duration", "max_input_bytes", "max_input_pixels", "net_timeout",
                      "on_decode_error", "seek_mode", "skip_nonref", "threads", "tls_verify"],
    "decode.opencv": ["autorotate", "color_matrix", "deadline", "max_corrupt_ratio", "max_decoded_frames", "max_duration",
                      "max_input_pixels", "threads"],
    "decode.images": ["deadline", "max_decoded_frames", "max_duration", "max_input_pixels"],
    "decode.auto": ["allow_playlists", "autorotate", "backends", "color_matrix", "deadline",
                    "max_corrupt_ratio", "max_decoded_frames", "max_duration", "max_input_bytes", "max_input_pixels",
                    "net_timeout", "on_decode_error", "seek_mode", "skip_nonref", "threads", "tls_verify"],
}


@pytest.mark.parametrize("node", sorted(PARAMS_BEFORE))
def test_decode_node_types_keep_their_parameters(tmp_path, node):
    d = json.loads(run(tmp_path / "cache", "describe", node, "--json").stdout)
    params = {p["name"]: p for p in d["params"]}
    assert set(PARAMS_BEFORE[node]) <= set(params)
    assert d["role"] == "decoder" and d["shape"] == "expand"
    if "color_matrix" in params:
        assert params["color_matrix"]["model_settable"]
    assert {r["old"] for r in d["renamed"]} >= {"max_pixels"}  # the safety cap's old name is refused
    if node in ("decode.ffmpeg", "decode.auto"):  # the FFmpeg backend's: the fused path's old switch too
        assert "pixel_format" in params and "fused_resize" in {r["old"] for r in d["renamed"]}
    assert d["backends"], "a decode node lists the backends it decodes with"


def test_an_image_sequence_damage_line_names_the_damaged_image(tmp_path):
    """The damage line quotes the first *damaged* image's warning, not an earlier harmless one (a
    PNG text chunk with a bad CRC: libpng warns, the pixels are whole)."""
    from test_short_videos import png_chunk
    d = tmp_path / "seq"
    d.mkdir()
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", "-frames:v", 2, d / "%d.png")
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", "-frames:v", 1, d / "3.jpg")
    data = (d / "1.png").read_bytes()
    text = png_chunk(b"tEXt", b"Comment\0hello")[:-4] + bytes(4)
    (d / "1.png").write_bytes(data[:33] + text + data[33:])
    whole = (d / "3.jpg").read_bytes()
    (d / "3.jpg").write_bytes(whole[:len(whole) * 2 // 3])
    g = tmp_path / "images.yaml"
    g.write_text(DECODE_ONLY_GRAPH.replace("decode.ffmpeg", "decode.images").replace(
        "sample.uniform, in: probe.info", "sample.uniform, in: probe.info, params: {nframes: 3}"))
    p = run(tmp_path / "cache", "run", g, d, "-o", tmp_path / "o")
    meta = read_json(tmp_path / "o" / "seq" / "metadata.json")
    assert meta["status"] == "partial", p.stderr
    assert meta["damage"] == ("1 planned image is damaged, decoded with what the decoder could recover (first warning: "
                              f"{d / '3.jpg'}: libjpeg: Premature end of JPEG file)")
    warnings = meta["notes"]["decode"]["warnings"]
    assert "CRC" in warnings[0] and "damage_warning" not in meta["notes"]["decode"]
