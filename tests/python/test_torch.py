"""vidpipe.torch datasets under a DataLoader with 2 worker processes (fork): every item
equals what a Session in this process makes of the same video; a worker forked while the parent
had a session open raises instead of crashing."""
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
