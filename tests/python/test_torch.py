"""vidpipe.torch datasets under a DataLoader with 2 worker processes (fork): every item
equals what a Session in this process makes of the same video; a worker forked while the parent
had a session open raises instead of crashing; heavy use before the fork (sessions, PyAV decoders
left to the garbage collector) does not hang the workers; a session inherited through fork()
raises in the child and is dropped without waiting for the parent's threads."""
import gc
import os
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader  # noqa: E402

import vidpipe  # noqa: E402
from vidpipe import qwen  # noqa: E402
from vidpipe.torch import VideoDataset, VideoIterableDataset  # noqa: E402

from e2e_helpers import make_video  # noqa: E402


@pytest.fixture(scope="module")
def ten_clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("ten")
    qwen.close_sessions()  # other modules' fetch_video calls: no session open when workers fork
    return [make_video(d / f"c{k}.mp4", f"{96 + 16 * k}x{64 + 8 * k}", 10, 1) for k in range(10)]


def test_dataloader_with_two_workers(ten_clips):
    ds = VideoDataset(ten_clips, threads=1, per_video=lambda i: {"nframes": 2 + 2 * (i % 2)})
    loader = DataLoader(ds, batch_size=None, num_workers=2, shuffle=False)
    items = list(loader)
    assert len(items) == 10
    assert ds._lazy._session is None  # the parent never opened one: the workers did
    with vidpipe.Session() as session:
        wants = [session.process(v, nframes=2 + 2 * (i % 2)) for i, v in enumerate(ten_clips)]
    for i, (item, want) in enumerate(zip(items, wants)):
        assert item["metadata"]["input"] == str(ten_clips[i])
        assert item["frames"].dtype == torch.uint8 and np.array_equal(item["frames"].numpy(), want.frames)


def test_iterable_dataset_splits_the_videos_between_workers(ten_clips):
    ds = VideoIterableDataset(ten_clips, threads=1, per_video_settings={"nframes": 2})
    inputs = sorted(item["metadata"]["input"] for item in DataLoader(ds, batch_size=None, num_workers=2))
    assert inputs == sorted(map(str, ten_clips))


def test_a_worker_forked_with_a_session_open_raises(ten_clips):
    with vidpipe.Session():
        loader = DataLoader(VideoDataset(ten_clips[:2]), batch_size=None, num_workers=1)
        with pytest.raises(vidpipe.ResourceError, match="forked while a vidpipe.Session was open"):
            list(loader)


def _pyav_garbage(videos):
    """PyAV decoders as the reference tests leave them: garbage in reference cycles, their FFmpeg
    slice threads alive until the collector runs."""
    av = pytest.importorskip("av")
    gc.collect()
    gc.disable()  # so nothing collects them before the fork
    for v in videos:
        with av.open(str(v)) as c:
            for f in c.decode(video=0):
                f.to_ndarray(format="rgb24")
    assert len(os.listdir("/proc/self/task")) > 1  # their threads


def _collect_in_worker(_):
    gc.collect()  # what a worker's collector does at some point: here first, so a hang is certain


def test_dataloader_after_heavy_use_in_this_process(tmp_path):
    """The hang of forked workers: garbage that owned FFmpeg threads in the parent, freed by a
    worker's collector, made FFmpeg wait for threads the worker does not have. vidpipe collects
    garbage before a fork, where the threads are."""
    clips = [make_video(tmp_path / f"h{k}.mp4", f"{64 + 16 * (k % 4)}x{48 + 8 * (k % 4)}", 10, 1) for k in range(20)]
    with vidpipe.Session() as s:
        for k in range(60):
            s.process(clips[k % 20], nframes=2)
    for v in clips[:3]:
        qwen.fetch_video({"video": str(v)})
    qwen.close_sessions()
    try:
        _pyav_garbage(clips[:4])
        ds = VideoDataset(clips, threads=1, nframes=2)
        loader = DataLoader(ds, batch_size=None, num_workers=2, timeout=60, worker_init_fn=_collect_in_worker)
        items = list(loader)
    finally:
        gc.enable()
    assert [item["metadata"]["input"] for item in items] == list(map(str, clips))


def test_a_session_inherited_through_fork_raises_and_is_dropped(ten_clips):
    session = vidpipe.Session()
    session.process(ten_clips[0], nframes=2)
    pid = os.fork()
    if pid == 0:  # the child: never returns to pytest
        code = 3
        try:
            session.process(ten_clips[0], nframes=2)
            code = 1
        except vidpipe.ResourceError as e:
            code = 0 if "before a fork" in str(e) else 2
        finally:
            session.close()  # does not wait for the parent's threads
            os._exit(code)
    deadline = time.monotonic() + 60
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung on the inherited session")
    assert os.waitstatus_to_exitcode(done[1]) == 0
    assert session.process(ten_clips[0], nframes=2).frames.shape[0] == 2  # still fine in the parent
    session.close()
