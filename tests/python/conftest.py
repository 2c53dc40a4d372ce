"""The Python package's tests: `vidpipe` imported from the build tree (PYTHONPATH set by ctest:
<build>/python), the e2e tests' helpers (tests/e2e/conftest.py) for videos and the CLI."""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("e2e_helpers", Path(__file__).resolve().parents[1] / "e2e" / "conftest.py")
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)
sys.modules["e2e_helpers"] = helpers
sys.path.insert(0, str(helpers.BUILD / "python"))  # run by hand: pytest finds the build tree's package
os.environ.setdefault("VIDPIPE_NO_REGISTRY_CACHE", "1")


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """Small H.264 clips whose sizes Qwen's rules change (so the resize node makes every frame)."""
    d = tmp_path_factory.mktemp("clips")
    make = helpers.make_video
    return {"a": make(d / "a.mp4", "320x240", 25, 4), "b": make(d / "b.mp4", "400x226", 30, 3),
            "tiny": make(d / "tiny.mp4", "96x64", 10, 1)}


@pytest.fixture(scope="module")  # closed before another module forks workers (test_torch.py)
def session():
    import vidpipe
    with vidpipe.Session("qwen2_5_vl") as s:
        yield s


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
