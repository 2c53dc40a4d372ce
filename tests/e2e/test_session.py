"""The embedding example (examples/embed: a Session fed several inputs, each twice, once with
per-input overrides) against the `vidpipe` CLI given the same settings as --set: the clip it
reads in memory and the files it writes must be the CLI's."""
import re
import subprocess

import numpy as np

from conftest import BUILD, DEFAULT_GRAPH, make_video, read_json, vidpipe

EMBED = BUILD / "bin" / "vidpipe_embed"
LINE = re.compile(r"^(?P<input>.+): (?P<n>\d+) frames of (?P<w>\d+)x(?P<h>\d+), first at \S+ s, (?P<tokens>\d+) tokens, "
                  r"written to (?P<dir>.+)$")


def test_embedded_session_equals_the_cli(tmp_path):
    videos = [make_video(tmp_path / "a.mp4", "320x240", 25, 3), make_video(tmp_path / "b.mp4", "160x90", 10, 4)]
    p = subprocess.run([EMBED, "-o", tmp_path / "embed", *videos], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    lines = [LINE.match(line) for line in p.stdout.splitlines()]
    assert len(lines) == 4 and all(lines), p.stdout
    # The example's two settings per input: the graph's own, then 8 frames of at most 128x128.
    settings = [[], ["--set", "sample.nframes=8", "--set", "resize.max_pixels=16384"]]
    for k, m in enumerate(lines):
        video, extra = videos[k // 2], settings[k % 2]
        assert m["input"] == str(video)
        out = tmp_path / f"ref{k}"
        vidpipe("run", DEFAULT_GRAPH, video, "-o", out, *extra, check=0)
        ref = read_json(out / video.stem / "metadata.json")
        assert (int(m["n"]), int(m["h"]), int(m["w"]), int(m["tokens"])) == (
            ref["num_frames"], ref["resized_height"], ref["resized_width"], ref["total_tokens"])
        ours = np.load(f"{m['dir']}/frames.npy")
        assert np.array_equal(ours, np.load(out / video.stem / "frames.npy"))
        assert read_json(f"{m['dir']}/metadata.json")["frame_indices"] == ref["frame_indices"]
