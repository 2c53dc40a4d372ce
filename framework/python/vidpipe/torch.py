"""PyTorch datasets over vidpipe (README.md: Python).

    from vidpipe.torch import VideoDataset
    loader = DataLoader(VideoDataset(paths, threads=2, nframes=16), batch_size=None, num_workers=2)

Fork-safe: a dataset holds no session until its first item is read, and each process (a
DataLoader worker) opens its own; a session inherited through fork() (its threads did not
survive) is dropped in the child, never used or freed (vidpipe.Session refuses it). `threads`
bounds each worker's threads (settings.threads), so workers x threads can match the cores.
"""
import os
import warnings

import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from . import Session

class _Lazy:
    def __init__(self, graph, threads, params):
        self._graph, self._params = graph, dict(params)
        if threads:
            self._params["threads"] = threads
        self._session, self._pid = None, None

    def session(self):
        if self._pid != os.getpid():  # first use in this process: a parent's session is dropped
            self._session, self._pid = Session(self._graph, **self._params), os.getpid()
        return self._session

    def __getstate__(self):  # pickled to spawned workers: without the session
        return {"_graph": self._graph, "_params": self._params, "_session": None, "_pid": None}


def _item(result, transform):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a read-only view of vidpipe's buffer
        frames = torch.from_numpy(result.frames)  # T x H x W x C uint8, no copy
    item = {"frames": frames, "metadata": result.metadata}
    return transform(item) if transform else item


class VideoDataset(Dataset):
    """Map-style: item i = {"frames": uint8 tensor T x H x W x C, "metadata": dict} of videos[i].
    per_video: optional list of dicts (one per video: fps, nframes, max_pixels ...) or a
    callable(i) -> dict; params: Session parameters (graph settings, "node.param", defaults)."""

    def __init__(self, videos, graph="qwen2_5_vl", threads=1, per_video=None, transform=None, **params):
        self.videos, self.per_video, self.transform = list(videos), per_video, transform
        self._lazy = _Lazy(graph, threads, params)

    def __len__(self):
        return len(self.videos)

    def _settings(self, i):
        if self.per_video is None:
            return {}
        return self.per_video(i) if callable(self.per_video) else self.per_video[i]

    def __getitem__(self, i):
        return _item(self._lazy.session().process(self.videos[i], **self._settings(i)), self.transform)


class VideoIterableDataset(IterableDataset):
    """Iterable: the videos split between the workers, each worker's share processed with
    Session.map (several videos in flight), items as VideoDataset's."""

    def __init__(self, videos, graph="qwen2_5_vl", threads=1, transform=None, per_video_settings=None, **params):
        self.videos, self.transform = list(videos), transform
        self.settings = per_video_settings or {}
        self._lazy = _Lazy(graph, threads, params)

    def __iter__(self):
        info = get_worker_info()
        share = self.videos if info is None else self.videos[info.id::info.num_workers]
        for result in self._lazy.session().map(share, **self.settings):
            yield _item(result, self.transform)
