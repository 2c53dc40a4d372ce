"""The plugin registry cache from the command line (README "Registry cache"): a command loads only
the plugins its graph builds, with the same outputs as without the cache, and a broken cache file
is harmless. Cache invalidation file by file is tested in tests/unit/test_registry_cache.cpp."""
import json
import os
import re
import subprocess

import pytest

from conftest import VIDPIPE, make_video

ALL_PLUGINS = {"vidpipe.probe", "vidpipe.sample", "vidpipe.decode", "vidpipe.process", "vidpipe.gather",
               "vidpipe.format", "qwen2_5_vl", "qwen3_vl", "llava", "openai"}


def run(cache_home, *args, verbose=True, cache=True, check=0):
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    env.pop("VIDPIPE_NO_REGISTRY_CACHE", None)
    if verbose:
        env["VIDPIPE_VERBOSE"] = "1"
    if not cache:
        env["VIDPIPE_NO_REGISTRY_CACHE"] = "1"
    p = subprocess.run([str(VIDPIPE), *map(str, args)], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == check, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


def loaded(stderr):
    """The plugins a verbose command says it loaded."""
    return set(re.findall(r"plugin '([^']+)' loaded from", stderr))


@pytest.fixture()
def warm(tmp_path):
    """A cache home whose cache lists every built-in plugin."""
    home = tmp_path / "cache"
    first = run(home, "plugins")
    assert loaded(first.stderr) >= ALL_PLUGINS  # nothing cached yet: everything is loaded
    folder = home / "vidpipe"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert len(list(folder.glob("registry-*.json"))) == 1
    return home


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("regcache") / "clip.mp4", "320x240", 30, 2)


def test_plugins_and_describe_load_nothing(warm):
    listed = run(warm, "plugins", "--json")
    assert loaded(listed.stderr) == set()
    without = run(warm, "plugins", "--json", cache=False, verbose=False)
    assert json.loads(listed.stdout) == json.loads(without.stdout)
    described = run(warm, "describe", "decode.ffmpeg", "--json")
    assert loaded(described.stderr) == set()
    assert json.loads(described.stdout) == json.loads(run(warm, "describe", "decode.ffmpeg", "--json", cache=False).stdout)


def test_plan_loads_no_decoder(warm, clip):
    p = run(warm, "plan", clip, "--json")
    assert loaded(p.stderr) == {"vidpipe.probe", "vidpipe.sample", "qwen2_5_vl"}
    without = run(warm, "plan", clip, "--json", cache=False, verbose=False)

    def strip(out):
        j = json.loads(out)
        j.pop("wall_ms")
        for v in j["videos"]:
            v.pop("ms")
        return j
    assert strip(p.stdout) == strip(without.stdout)


def test_run_loads_only_its_graph_and_writes_the_same_bytes(warm, clip, tmp_path):
    p = run(warm, "run", clip, "-o", tmp_path / "cached")
    assert loaded(p.stderr) == {"vidpipe.probe", "vidpipe.sample", "vidpipe.decode", "vidpipe.process",
                                "vidpipe.gather", "vidpipe.format", "qwen2_5_vl"}
    run(warm, "run", clip, "-o", tmp_path / "loaded", cache=False, verbose=False)
    cached, eager = tmp_path / "cached" / "clip", tmp_path / "loaded" / "clip"
    assert (cached / "frames.npy").read_bytes() == (eager / "frames.npy").read_bytes()
    a, b = json.loads((cached / "metadata.json").read_text()), json.loads((eager / "metadata.json").read_text())
    for m in (a, b):
        m.pop("timing")
    assert a == b


def test_a_corrupt_cache_is_harmless(warm, clip):
    (cache,) = (warm / "vidpipe").glob("registry-*.json")
    cache.write_bytes(b"\x00{not json" * 100)
    quiet = run(warm, "plan", clip, verbose=False)
    assert quiet.stderr == ""  # only a verbose run says why it rebuilt the cache
    json.loads(cache.read_text())  # rewritten whole
    cache.write_text("[]")
    noisy = run(warm, "plan", clip)
    assert "registry cache ignored" in noisy.stderr
    assert run(warm, "plan", clip, "--no-registry-cache", verbose=False).stdout.split(";")[0] == quiet.stdout.split(";")[0]


def test_no_cache_file_is_written_when_it_is_off(tmp_path, clip):
    run(tmp_path, "plan", clip, cache=False, verbose=False)
    run(tmp_path, "--no-registry-cache", "plan", clip, verbose=False)
    assert not (tmp_path / "vidpipe").exists()


def test_a_command_does_not_unload_its_libraries_at_exit(warm, clip, tmp_path):
    """The CLI's registry lives as long as the process (docs/architecture.md, "What a command
    loads"): exit does not dlclose FFmpeg's ~140 libraries one by one. glibc's loader names each
    library it unmaps ("destroying link map"); nothing is unmapped, and the outputs are whole."""
    env = dict(os.environ, XDG_CACHE_HOME=str(warm), LD_DEBUG="files")
    for args in (["plan", clip], ["run", clip, "-o", tmp_path / "out"]):
        p = subprocess.run([str(VIDPIPE), *map(str, args)], capture_output=True, text=True, env=env, timeout=300)
        assert p.returncode == 0, p.stderr[-2000:]
        assert "libavcodec" in p.stderr  # the loader did report what it loaded
        assert "destroying link map" not in p.stderr
    assert sorted(f.name for f in (tmp_path / "out").iterdir()) == ["clip"]
