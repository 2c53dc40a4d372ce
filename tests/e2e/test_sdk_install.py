"""The SDK contract from a third party's side: install vidpipe to a prefix, build the example
plugin out of tree with find_package(vidpipe), and run it in a graph with the installed binary."""
import json
import subprocess

import pytest

from conftest import BUILD, SOURCE, make_video, read_json


def sh(*args, **kw):
    return subprocess.run(list(map(str, args)), check=True, capture_output=True, text=True, **kw)


def test_out_of_tree_plugin(tmp_path):
    prefix = tmp_path / "prefix"
    sh("cmake", "--install", BUILD, "--prefix", prefix)
    assert (prefix / "lib" / "cmake" / "vidpipe" / "vidpipeConfig.cmake").exists() or \
        any(prefix.glob("lib/*/cmake/vidpipe/vidpipeConfig.cmake"))
    build = tmp_path / "plugin-build"
    sh("cmake", "-S", SOURCE / "examples" / "plugin", "-B", build, "-G", "Ninja",
       f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release")
    sh("cmake", "--build", build)
    assert (build / "example_sampler.so").exists()

    vidpipe = prefix / "bin" / "vidpipe"
    listing = json.loads(sh(vidpipe, "--plugin-path", build, "plugins", "--json").stdout)
    assert "example.every_nth" in [n["type"] for n in listing["nodes"]]

    video = make_video(tmp_path / "v.mp4", "320x240", 30, 4)
    out = tmp_path / "out"
    # As examples/plugin/CMakeLists.txt documents it: --plugin-path after the command.
    sh(vidpipe, "run", "--plugin-path", build, SOURCE / "examples" / "plugin" / "every_nth.yaml", video, "-o", out)
    meta = read_json(out / "v" / "metadata.json")
    assert meta["sampler"] == "example.every_nth"
    assert meta["frame_indices"] == [0, 15, 30, 45, 60, 75, 90, 105]  # n = 15, max_frames = 8, N = 120
    # its reasons and SDK timestamps (set_timestamps, exported by the installed libvidpipe_sdk)
    assert meta["pick_reasons"] == [{"reason": "1 in 15", "picks": 8}]
    assert meta["timestamps"] == pytest.approx([i / 30 for i in meta["frame_indices"]])
    assert meta["grid_thw"][0] == 4
    # Swapped into a shipped graph: the shared budget holds (nframes 6 of the 12 frames 0, 10, ... 110).
    sh(vidpipe, "run", "--plugin-path", build, SOURCE / "graphs" / "qwen2_5_vl.yaml", video, "-o", out / "swap",
       "--set", "sample.type=example.every_nth", "--set", "sample.n=10", "--set", "sample.nframes=6")
    meta = read_json(out / "swap" / "v" / "metadata.json")
    assert meta["frame_indices"] == [0, 20, 40, 70, 90, 110] and meta["sampler"] == "example.every_nth"

    # The third-party model: its profile sets nframes 16 and 224×224; its tokens node counts.
    sh(vidpipe, "--plugin-path", build, "run", SOURCE / "examples" / "plugin" / "example_vlm.yaml", video, "-o", out / "vlm")
    meta = read_json(out / "vlm" / "v" / "metadata.json")
    assert meta["num_frames"] == 16 and (meta["resized_height"], meta["resized_width"]) == (224, 224)
    assert meta["grid_thw"] == [16, 14, 14] and meta["total_tokens"] == 16 * 196
