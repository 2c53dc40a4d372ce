"""A third party's decoder backend (examples/backend): built out of tree against the installed
SDK, it joins decode.auto by rank. Grey YUV4MPEG2 files decode with it (frames equal the ffmpeg
CLI's grey decode); other YUV4MPEG2 files are refused at open and decode.auto falls back to
ffmpeg, recording why."""
import subprocess

import numpy as np

from conftest import BUILD, DECODE_ONLY_GRAPH, SOURCE, ffmpeg, read_json


def sh(*args, **kw):
    return subprocess.run(list(map(str, args)), check=True, capture_output=True, text=True, **kw)


def test_an_out_of_tree_backend_joins_decode_auto_by_rank(tmp_path):
    prefix = tmp_path / "prefix"
    sh("cmake", "--install", BUILD, "--prefix", prefix)
    build = tmp_path / "backend-build"
    sh("cmake", "-S", SOURCE / "examples" / "backend", "-B", build, "-G", "Ninja",
       f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release")
    sh("cmake", "--build", build)
    vidpipe = prefix / "bin" / "vidpipe"
    graph = tmp_path / "auto.yaml"
    graph.write_text(DECODE_ONLY_GRAPH.replace("decode.ffmpeg", "decode.auto"))

    src = ("-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10", "-frames:v", "20")
    gray = tmp_path / "gray.y4m"
    ffmpeg(*src, "-pix_fmt", "gray", "-f", "yuv4mpegpipe", gray)
    assert b"Cmono" in gray.read_bytes()[:64]
    sh(vidpipe, "run", "--plugin-path", build, graph, gray, "-o", tmp_path / "o")
    meta = read_json(tmp_path / "o" / "gray" / "metadata.json")
    assert meta["backend_used"] == "y4m_gray" and meta["notes"]["backend_fallbacks"] == []
    got = np.load(tmp_path / "o" / "gray" / "frames.npy")
    cli = subprocess.run(["ffmpeg", "-v", "error", "-i", str(gray), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         capture_output=True, check=True).stdout
    ref = np.frombuffer(cli, np.uint8).reshape(-1, 64, 96)[meta["frame_indices"]]
    assert got.shape == (len(meta["frame_indices"]), 1, 64, 96)  # T×C×H×W, one channel
    assert np.array_equal(got[:, 0], ref)

    colour = tmp_path / "colour.y4m"
    ffmpeg(*src, "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", colour)
    sh(vidpipe, "run", "--plugin-path", build, graph, colour, "-o", tmp_path / "c")
    meta = read_json(tmp_path / "c" / "colour" / "metadata.json")
    assert meta["backend_used"] == "ffmpeg"
    (reason,) = meta["notes"]["backend_fallbacks"]
    assert reason.startswith("y4m_gray: ") and "decodes grey (Cmono) files only, this one is C420" in reason
    # The backend is listed by rank, first, with its plugin; decode.y4m_gray is a node type.
    listing = sh(vidpipe, "--plugin-path", build, "plugins").stdout
    assert "decode.y4m_gray" in listing and "rank 300, yuv4mpegpipe, local files only" in listing
