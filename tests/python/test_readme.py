"""README.md's Python section runs as written: its shell lines and each of its three Python
examples (the qwen-vl-utils swap, a Session, a DataLoader), each in a fresh interpreter, in a
folder holding the `clip.mp4` they name, with `messages` and `paths` defined as the text around
them describes."""
import os
import re
import subprocess
import sys

import pytest

from e2e_helpers import BUILD, SOURCE, make_video

SECTION = re.search(r"^## Python\n(.*?)^## ", (SOURCE / "README.md").read_text(), re.S | re.M).group(1)
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", SECTION, re.S | re.M)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]

# What the examples take as given: a chat message with a video, and a list of video paths.
PRELUDE = """
messages = [{"role": "user", "content": [{"type": "video", "video": "file://" + __import__("os").path.abspath("clip.mp4"),
                                          "fps": 1.0}, {"type": "text", "text": "What happens?"}]}]
paths = ["clip.mp4", "clip.mp4"]
"""


@pytest.fixture
def folder(tmp_path):
    make_video(tmp_path / "clip.mp4", "320x240", 25, 3)
    return tmp_path


def run(folder, *args):
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python"))
    return subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_the_section_has_the_three_examples():
    assert len(PYTHON) == 3
    assert "process_vision_info" in PYTHON[0] and "vidpipe.Session" in PYTHON[1] and "DataLoader" in PYTHON[2]


@pytest.mark.parametrize("k", range(3), ids=["fetch_video swap", "Session", "DataLoader"])
def test_python_example_runs(folder, k):
    code = PRELUDE + PYTHON[k] + "\nprint('example ran')\n"
    p = run(folder, sys.executable, "-c", code)
    assert p.returncode == 0 and "example ran" in p.stdout, p.stderr[-3000:]


def test_shell_lines_run(folder):
    """The `python3 -c` line of the install block (the PYTHONPATH export is what run() sets)."""
    sh = next(code for lang, code in BLOCKS if lang == "sh")
    line = next(l for l in sh.splitlines() if "python3 -c" in l)
    p = run(folder, "bash", "-c", line.split("#")[0].replace("/usr/bin/python3", sys.executable))
    assert p.returncode == 0 and re.search(r"\(\d+, \d+, \d+, 3\)", p.stdout), p.stderr[-3000:]
