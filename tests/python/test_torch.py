"""vidpipe.torch datasets under a DataLoader with 2 worker processes (fork): every item
equals what a Session in this process makes of the same video."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader  # noqa: E402

from vidpipe.torch import VideoDataset, VideoIterableDataset  # noqa: E402

from e2e_helpers import make_video  # noqa: E402


@pytest.fixture(scope="module")
def ten_clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("ten")
    return [make_video(d / f"c{k}.mp4", f"{96 + 16 * k}x{64 + 8 * k}", 10, 1) for k in range(10)]


def test_dataloader_with_two_workers(ten_clips, session):
    ds = VideoDataset(ten_clips, threads=1, per_video=lambda i: {"nframes": 2 + 2 * (i % 2)})
    loader = DataLoader(ds, batch_size=None, num_workers=2, shuffle=False)
    items = list(loader)
    assert len(items) == 10
    for i, item in enumerate(items):
        want = session.process(ten_clips[i], nframes=2 + 2 * (i % 2))
        assert item["metadata"]["input"] == str(ten_clips[i])
        assert item["frames"].dtype == torch.uint8 and np.array_equal(item["frames"].numpy(), want.frames)
    assert ds._lazy._session is None  # the parent never opened one: the workers did


def test_iterable_dataset_splits_the_videos_between_workers(ten_clips):
    ds = VideoIterableDataset(ten_clips, threads=1, per_video_settings={"nframes": 2})
    inputs = sorted(item["metadata"]["input"] for item in DataLoader(ds, batch_size=None, num_workers=2))
    assert inputs == sorted(map(str, ten_clips))
