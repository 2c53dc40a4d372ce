"""End-to-end: output folders. vidpipe never deletes or replaces what it did not create; names
taken from inputs are data (sanitised, stable whatever the order, run or shard); staging folders
of killed runs are cleaned at the next start, never a live run's; names are escaped when printed."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import DEFAULT_GRAPH, VIDPIPE, make_video, read_json, vidpipe
from http_servers import RangeHandler, serve, silent_server

FAST = ("--set", "sample.nframes=2")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("safety") / "clip.mp4", "160x96", 10, 1)


def run_in(cwd, *args, check=None):
    p = subprocess.run([str(VIDPIPE), "run", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120)
    if check is not None:
        assert p.returncode == check, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def folders(out):
    return sorted(p.name for p in Path(out).iterdir())


def source_of(folder):
    return read_json(Path(folder) / "metadata.json")["input"]


class AnyPathServesTheClip(RangeHandler):
    """Answers every path, however hostile, with the same video."""
    clip = None

    def translate_path(self, path):
        return str(self.clip)


def test_hostile_stems_never_name_a_folder_outside(clip, tmp_path):
    """`..`-like stems (URL paths, a local `...mkv`) used to delete the folder above OUTDIR."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "unrelated.txt").write_text("keep me")
    for name in ["good_01.mp4", "good_02.mp4", "...mkv"]:
        (work / name).write_bytes(clip.read_bytes())
    AnyPathServesTheClip.clip = clip
    with serve(tmp_path, AnyPathServesTheClip) as (_, base):
        urls = [f"{base}/clips/..", f"{base}/...mp4", f"{base}/x/..?q=1", f"{base}/a%2F..%2F..%2Fb.mp4"]
        p = run_in(work, "good_01.mp4", "good_02.mp4", *urls, "...mkv", "-o", "out", *FAST, check=0)
    assert (work / "unrelated.txt").read_text() == "keep me"
    assert (work / "good_01.mp4").exists() and (work / "good_02.mp4").exists()
    names = folders(work / "out")
    assert len(names) == 7, (names, p.stdout)
    for n in names:
        assert not n.startswith(".") and "/" not in n and n not in (".", ".."), names
        assert (work / "out" / n / "frames.npy").is_file()
    assert "good_01" in names and "good_02" in names


def test_names_are_the_same_whatever_the_order(clip, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
        (d / "clip.mp4").write_bytes(clip.read_bytes())
    vidpipe("run", a / "clip.mp4", b / "clip.mp4", "-o", tmp_path / "o1", *FAST, check=0)
    vidpipe("run", b / "clip.mp4", a / "clip.mp4", "-o", tmp_path / "o2", *FAST, check=0)
    n1 = {source_of(tmp_path / "o1" / n): n for n in folders(tmp_path / "o1")}
    n2 = {source_of(tmp_path / "o2" / n): n for n in folders(tmp_path / "o2")}
    assert n1 == n2 and len(n1) == 2, (n1, n2)
    assert all(n.startswith("clip-") for n in n1.values())
    # --hashed-names: a name is a function of its input alone (shards, single runs).
    vidpipe("run", a / "clip.mp4", "-o", tmp_path / "o3", "--hashed-names", *FAST, check=0)
    assert folders(tmp_path / "o3") == [n1[str(a / "clip.mp4")]]


def test_a_second_run_never_replaces_another_inputs_output(clip, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
        (d / "clip.mp4").write_bytes(clip.read_bytes())
    vidpipe("run", a / "clip.mp4", "-o", tmp_path / "o", *FAST, check=0)
    p = vidpipe("run", b / "clip.mp4", "-o", tmp_path / "o", *FAST, check=0)
    names = folders(tmp_path / "o")
    assert "clip" in names and len(names) == 2, (names, p.stdout)
    assert source_of(tmp_path / "o" / "clip") == str(a / "clip.mp4")
    other = next(n for n in names if n != "clip")
    assert source_of(tmp_path / "o" / other) == str(b / "clip.mp4")
    # The first input again finds its own folder: refused without --overwrite, naming it.
    p = vidpipe("run", a / "clip.mp4", "-o", tmp_path / "o", *FAST, check=1)
    assert str(tmp_path / "o" / "clip") in p.stderr and "--overwrite" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_overwrite_and_skip_existing(clip, tmp_path):
    out = tmp_path / "o"
    vidpipe("run", clip, "-o", out, *FAST, check=0)
    first = read_json(out / "clip" / "metadata.json")
    (out / "clip" / "mine.txt").write_text("the user's")
    p = vidpipe("run", clip, "-o", out, "--skip-existing", "--json", *FAST, check=0)
    assert json.loads(p.stdout)["jobs"][0]["status"] == "skipped"
    vidpipe("run", clip, "-o", out, "--overwrite", "--set", "sample.nframes=4", check=0)
    assert read_json(out / "clip" / "metadata.json")["num_frames"] == 4 != first["num_frames"]
    assert not (out / "clip" / "mine.txt").exists()
    kept = [p for p in out.iterdir() if p.name.startswith(".")]
    assert len(kept) == 1 and (kept[0] / "mine.txt").read_text() == "the user's"
    assert vidpipe("run", clip, "-o", out, "--overwrite", "--skip-existing").returncode == 2


def test_a_folder_vidpipe_did_not_write_is_an_error(clip, tmp_path):
    """`vidpipe run ../vids/src.mp4 -o .` inside a source tree used to replace ./src."""
    tree = tmp_path / "tree"
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "main.c").write_text("int main(void) { return 0; }\n")
    src = tmp_path / "src.mp4"
    src.write_bytes(clip.read_bytes())
    p = run_in(tree, src, "-o", ".", *FAST, check=1)
    assert (tree / "src" / "main.c").read_text().startswith("int main")
    assert sorted(os.listdir(tree / "src")) == ["main.c"]
    assert "src" in p.stderr and "not written by vidpipe" in p.stderr, p.stderr
    assert folders(tree) == ["src"]  # no staging folder left behind


def test_output_file_names_cannot_leave_the_job_folder(clip, tmp_path):
    p = vidpipe("run", clip, "-o", tmp_path / "o", "--set", "write.file=../escape.npy", *FAST)
    assert p.returncode == 2 and "plain file name" in p.stderr, p.stderr
    assert not (tmp_path / "escape.npy").exists() and not (tmp_path / "o").exists()


def staging_folders(out):
    return [p for p in Path(out).iterdir() if ".partial-" in p.name] if Path(out).exists() else []


def hang_on(url, out):
    """Starts a run whose only input never answers; returns it and its staging folder."""
    before = set(staging_folders(out))
    p = subprocess.Popen([str(VIDPIPE), "run", str(DEFAULT_GRAPH), url, "-o", str(out), "--set", "probe.net_timeout=60"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not set(staging_folders(out)) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    new = set(staging_folders(out)) - before
    assert len(new) == 1, "no staging folder appeared"
    return p, new.pop()


def test_kill9_leaves_staging_that_the_next_run_removes_but_never_a_live_runs(clip, tmp_path):
    out = tmp_path / "o"
    with silent_server() as (base, _):
        live, live_staging = hang_on(f"{base}/live.mp4", out)  # alive during the whole test
        try:
            victim, dead = hang_on(f"{base}/dead.mp4", out)
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            assert dead.exists()  # kill -9 leaves it
            p = vidpipe("run", clip, "-o", out, *FAST, check=0)
            assert not dead.exists()
            assert "stale staging folder" in p.stderr and dead.name in p.stderr, p.stderr
            assert len(p.stderr.strip().splitlines()) == 1, p.stderr
            assert live_staging.exists()
        finally:
            live.send_signal(signal.SIGKILL)
            live.wait(10)
    assert "clip" in folders(out) and (out / "clip" / "frames.npy").is_file()


def test_control_characters_are_escaped_and_never_name_a_folder(clip, tmp_path):
    evil = "evil\x1b]0;pwned\x07\nline2\u202e.mp4"
    (tmp_path / evil).write_bytes(clip.read_bytes())
    p = vidpipe("run", tmp_path / evil, tmp_path / "missing\x1b[31m.mp4", "-o", tmp_path / "o", *FAST)
    assert p.returncode == 1
    for stream in (p.stdout, p.stderr):
        assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream, repr(stream)
    assert len(p.stdout.splitlines()) == 4, p.stdout  # header, two inputs, totals: no raw newline
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr  # the missing input, on one line
    assert "\\x1b[31m" in p.stderr
    names = folders(tmp_path / "o")
    assert len(names) == 1 and all(ord(c) >= 0x20 for c in names[0]) and "\u202e" not in names[0], names
    # probe and plan print input names too
    for args in (("probe", tmp_path / evil), ("probe", tmp_path / "missing\x1b[31m.mp4"),
                 ("plan", tmp_path / evil, tmp_path / "missing\x1b[31m.mp4")):
        p = vidpipe(*args)
        for stream in (p.stdout, p.stderr):
            assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream, (args, repr(stream))


def test_without_o_nothing_is_written_and_it_says_so(clip, tmp_path):
    p = run_in(tmp_path, clip, *FAST, check=0)
    assert "nothing is written" in p.stderr
    assert os.listdir(tmp_path) == []


def test_a_name_that_is_not_utf8_is_processed_and_recognised_again(clip, tmp_path):
    """A Latin-1 file name (bytes, not UTF-8) used to make the JSON writers throw."""
    d = tmp_path.as_posix().encode()
    latin1 = d + b"/caf\xe9.mp4"
    with open(latin1, "wb") as f:
        f.write(clip.read_bytes())
    args = [str(VIDPIPE).encode(), b"run", latin1, b"-o", (d + b"/o"), b"--json", b"--set", b"sample.nframes=2"]
    p = subprocess.run(args, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["jobs"][0]["status"] == "ok"
    assert report["jobs"][0]["input"].endswith("caf\ufffd.mp4")  # the invalid byte, shown as U+FFFD
    meta = read_json(tmp_path / "o" / "caf_" / "metadata.json")
    assert meta["num_frames"] == 2
    p = subprocess.run(args, capture_output=True, timeout=120)  # its output is found again
    assert p.returncode == 1 and b"already holds the output of this input" in p.stderr, p.stderr
