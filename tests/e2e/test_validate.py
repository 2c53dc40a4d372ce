"""`vidpipe validate` refuses what would fail or quietly misbehave at run time, each with one
`file:line:col: error:` line and exit 2: aliases that expand without bound, duplicate keys,
parameters a node refuses together, two writers of one file, a profile of another model."""
import resource
import subprocess
import time

import pytest

from conftest import SOURCE, VIDPIPE, vidpipe

# The reference graph's nodes up to the tokens; each test appends what it needs.
HEAD = """vidpipe: 1
model: qwen2_5_vl
nodes:
  probe: {type: probe.ffmpeg, in: input}
  sample: {type: sample.uniform, in: probe.info}
  decode: {type: decode.auto, in: sample.plan}
  resize: {type: process.smart_resize, in: decode.frames}
  gather: {type: gather.clip, in: resize.frames}
  tokens: {type: qwen2_5_vl.tokens, in: gather.clip}
  write: {type: format.npy, in: tokens.clip}
"""


def graph(tmp_path, text, name="g.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def errors(p):
    """The error lines of a refused graph: exit 2, nothing on stdout, every stderr line an error."""
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert lines and all(": error: " in line for line in lines), p.stderr
    return lines


def test_alias_bomb_is_refused_quickly_in_little_memory(tmp_path):
    # "Billion laughs" in a node parameter: 9 levels of 9 aliases, 9^9 values once expanded.
    text = HEAD + "  again:\n    type: format.npy\n    in: write.clip\n    params:\n      file:\n"
    text += "        - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, 9):
        text += f"        - &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
    path = graph(tmp_path, text)

    def cap_memory():  # a regression must fail the test, not exhaust the machine
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    start = time.monotonic()
    p = subprocess.run([str(VIDPIPE), "validate", path], capture_output=True, text=True, timeout=60,
                       preexec_fn=cap_memory)
    assert time.monotonic() - start < 10
    [line] = errors(p)
    assert line.startswith(f"{path}:") and "the YAML expands to more than 100000 values" in line, line


def test_aliases_of_a_long_string_are_refused_quickly_in_little_memory(tmp_path):
    # Few values, but a 1 MB string repeated 99 000 times is about 100 GB once expanded.
    text = HEAD + "  again:\n    type: format.npy\n    in: write.clip\n    params:\n"
    text += "      file: &big " + "x" * 1_000_000 + "\n      dtype: [" + ", ".join(["*big"] * 99_000) + "]\n"
    path = graph(tmp_path, text)

    def cap_memory():  # a regression must fail the test, not exhaust the machine
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    start = time.monotonic()
    p = subprocess.run([str(VIDPIPE), "validate", path], capture_output=True, text=True, timeout=60,
                       preexec_fn=cap_memory)
    assert time.monotonic() - start < 10
    [line] = errors(p)
    assert line.startswith(f"{path}:15:") and "the YAML expands to more than 16 MiB of text (fix: aliases" in line, line


def test_many_duplicate_keys_are_reported_in_linear_time(tmp_path):
    # Each duplicate used to be compared with every error before it. Timed against as many
    # errors of another kind (unknown parameters), so a slower machine does not matter.
    def validate(keys):
        path = graph(tmp_path, HEAD + "  again:\n    type: format.npy\n    in: write.clip\n    params:\n" +
                     "".join(f"      {key}: float32\n" for key in keys))
        start = time.monotonic()
        lines = errors(vidpipe("validate", path, timeout=120))
        return path, lines, time.monotonic() - start

    n = 99_000
    path, lines, seconds = validate(["dtype"] * n)
    assert len(lines) == n - 1
    assert lines[0].startswith(f"{path}:16:7: error: duplicate key 'dtype' (first at line 15)"), lines[0]
    assert lines[-1].startswith(f"{path}:{15 + n - 1}:7: error: duplicate key 'dtype' (first at line 15)"), lines[-1]
    _, lines, baseline = validate([f"p{i}" for i in range(n)])
    assert len(lines) == n and "unknown parameter 'p0'" in lines[0]
    assert seconds < 2 * baseline + 1, (seconds, baseline)


def test_duplicate_keys_are_errors(tmp_path):
    path = graph(tmp_path, HEAD.replace("{type: sample.uniform, in: probe.info}",
                                        "{type: sample.uniform, in: probe.info, params: {fps: 1.0, fps: 4.0}}"))
    [line] = errors(vidpipe("validate", path))
    assert line.startswith(f"{path}:5:") and "duplicate key 'fps' (first at line 5)" in line, line


@pytest.mark.parametrize("params, words", [
    ("{fps: 1.0, nframes: 8}", "set either fps or nframes, not both"),
])
def test_parameters_a_node_refuses_together(tmp_path, params, words):
    path = graph(tmp_path, HEAD.replace("{type: sample.uniform, in: probe.info}",
                                        "{type: sample.uniform, in: probe.info, params: " + params + "}"))
    [line] = errors(vidpipe("validate", path))
    assert line.startswith(f"{path}:5:3: error: node 'sample' (sample.uniform): ") and words in line, line
    # The same from the command line.
    [line] = errors(vidpipe("validate", SOURCE / "graphs" / "qwen2_5_vl.yaml", "--set", "sample.fps=1",
                            "--set", "sample.nframes=8"))
    assert words in line


def test_resized_height_without_width(tmp_path):
    path = graph(tmp_path, HEAD.replace("{type: process.smart_resize, in: decode.frames}",
                                        "{type: process.smart_resize, in: decode.frames, params: {resized_height: 224}}"))
    [line] = errors(vidpipe("validate", path))
    assert line.startswith(f"{path}:7:3: error: node 'resize'"), line
    assert "resized_height is set without resized_width" in line and "(fix: set both" in line
    graph(tmp_path, HEAD.replace("{type: process.smart_resize, in: decode.frames}",
                                 "{type: process.smart_resize, in: decode.frames, "
                                 "params: {resized_height: 224, resized_width: 224}}"))
    vidpipe("validate", path, check=0)


def test_two_writers_of_one_file(tmp_path):
    path = graph(tmp_path, HEAD + "  again: {type: format.npy, in: write.clip, params: {dtype: float32}}\n")
    [line] = errors(vidpipe("validate", path))
    assert line.startswith(f"{path}:11:3: error: nodes 'write' (format.npy) and 'again' (format.npy) both write "
                           "'frames.npy'"), line
    path = graph(tmp_path, HEAD + "  again: {type: format.npy, in: write.clip, params: {file: pixels.npy}}\n")
    vidpipe("validate", path, check=0)


def test_a_profile_of_another_model(tmp_path):
    # Run as it is, the Qwen3-VL graph would take LLaVA-Video's 64 frames and Qwen's sizes.
    qwen3 = SOURCE / "graphs" / "qwen3_vl.yaml"
    for command in (["run", "--dry-run", qwen3, "x.mp4"], ["validate", qwen3]):
        [line] = errors(vidpipe(*command, "--model", "llava_video"))
        assert line.startswith(f"{qwen3}:28:11: error: node 'tokens' (qwen3_vl.tokens) belongs to model plugin "
                               "'qwen3_vl', but the model profile is 'llava_video'"), line
        assert "llava_video.yaml" in line
    # A profile of the same plugin is fine.
    vidpipe("validate", SOURCE / "graphs" / "qwen2_5_vl.yaml", "--model", "qwen2_vl", check=0)
