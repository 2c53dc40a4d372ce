"""vidpipe for Python: a Session over the C++ runtime (README.md: Python).

    import vidpipe
    session = vidpipe.Session("qwen2_5_vl", **{"sample.nframes": 16})
    result = session.process("video.mp4", fps=1.0, max_pixels=200704)
    result.frames      # numpy uint8, T x H x W x C, a view of vidpipe's frame buffer
    result.metadata    # frame_indices, timestamps, resized size, grid_thw, tokens, notes ...
"""
import collections
import gc
import json
import os
import weakref

from . import _vidpipe
from .errors import ConfigurationError, Error, InputError, InternalError, ResourceError, error_class

__all__ = ["Session", "Result", "Error", "ConfigurationError", "InputError", "ResourceError", "InternalError",
           "graph_file"]

# Session parameters that are graph settings (`settings.<key>` of the YAML).
_SETTINGS = ("threads", "max_jobs_in_flight", "max_frames_in_flight")


class Result(collections.namedtuple("Result", "frames metadata")):
    """frames: numpy.ndarray uint8 T x H x W x C (read-only; None for a graph that keeps no
    pixels); metadata: dict (frame_indices, timestamps, resized_height/width, grid_thw,
    total_tokens, sample_fps, notes, status, zero_copy ...)."""

    @property
    def zero_copy(self):
        """True when `frames` views vidpipe's frame buffer (no copy was made)."""
        return bool(self.metadata.get("zero_copy"))


# Sessions open in this process. A child forked while one was open cannot start another: the
# parent's threads (oneTBB's among them) did not survive the fork, and their state would crash
# it; it raises instead (README.md: Python).
_open_sessions = weakref.WeakSet()
_forked_with_open_session = False


def _open():
    return any(s._core is not None for s in _open_sessions)


def _before_fork():
    # Garbage that owns threads (PyAV's decoders, an unclosed Session in a reference cycle) is
    # freed here, where its threads are: freed by the garbage collector of a child that lacks
    # them, FFmpeg and the session would wait for those threads forever (README.md: Python).
    gc.collect()
    # With no session open, oneTBB's idle worker threads are ended, so the child starts its own.
    if not _open():
        _vidpipe.release_threads()


def _after_fork_in_child():
    global _forked_with_open_session
    _forked_with_open_session = _forked_with_open_session or _open()


os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def graph_file(graph):
    """The YAML file of a shipped graph's name ('qwen2_5_vl') or a path."""
    graph = os.fspath(graph)
    if "/" not in graph:
        name = graph if graph.endswith((".yaml", ".yml")) else graph + ".yaml"
        shipped = os.path.join(_vidpipe.graphs_dir(), name)
        if os.path.isfile(shipped):
            return shipped
    if not os.path.isfile(graph):
        shipped = sorted(f[:-5] for f in os.listdir(_vidpipe.graphs_dir()) if f.endswith(".yaml")) \
            if os.path.isdir(_vidpipe.graphs_dir()) else []
        raise ConfigurationError(f"no graph named '{graph}'",
                                 hint=f"name a shipped graph ({', '.join(shipped)}) or give a YAML file's path")
    return graph


def _value(v):
    return json.dumps(v) if isinstance(v, (list, tuple, dict, bool)) or v is None else str(v)


class Session:
    """A graph made ready once, then fed videos; safe to use from several threads.

    graph: a shipped graph's name or a YAML path. params: as `vidpipe run --set`:
    "node.param" keys (pass them as **{"sample.nframes": 8}), the graph settings threads /
    max_jobs_in_flight / max_frames_in_flight, model=..., and bare parameter names (fps,
    nframes, max_pixels ...), which become every video's default per-video settings.
    """

    def __init__(self, graph="qwen2_5_vl", **params):
        self._core = None
        if _forked_with_open_session:
            raise ResourceError("this process was forked while a vidpipe.Session was open in its parent, "
                                "so it cannot open one (the parent's threads did not survive the fork)",
                                hint="close the parent's sessions (vidpipe.qwen.close_sessions() for fetch_video's) "
                                     "before forking, or use DataLoader(..., multiprocessing_context='spawn')")
        model = params.pop("model", None)
        sets, self._defaults = [], {}
        for key, value in params.items():
            if key in _SETTINGS:
                sets.append(f"settings.{key}={_value(value)}")
            elif "." in key:
                sets.append(f"{key}={_value(value)}")
            else:
                self._defaults[key] = value
        self._core = _vidpipe.Session(graph_file(graph), sets, model)
        self.info = self._core.info()
        _open_sessions.add(self)

    def submit(self, video, **per_video):
        """Queues one video; returns a handle whose .result() waits for it (see process)."""
        if self._core is None:
            raise ConfigurationError("the session is closed", hint="make a new vidpipe.Session")
        overrides = dict(self._defaults, **per_video)
        return _Pending(self._core.submit(os.fspath(video), json.dumps(overrides)))

    def process(self, video, **per_video):
        """Processes one video (path, URL, base64 ...) with per-video settings (fps, nframes,
        min_pixels, max_pixels, total_pixels, resized_height, resized_width, video_start,
        video_end, "node.param" ...). Returns a Result; raises a vidpipe.Error."""
        return self.submit(video, **per_video).result()

    def map(self, videos, **per_video):
        """Yields one Result per video, in order, keeping the session's max_jobs_in_flight
        videos in flight. A failed video raises when its turn comes."""
        ahead = max(1, int(self.info["max_jobs_in_flight"])) + 1
        pending = collections.deque()
        for video in videos:
            pending.append(self.submit(video, **per_video))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def process_messages(self, messages, output_dir=None):
        """Processes every video and image element of a Qwen chat messages list, each with its
        own settings ({"type": "video", "video": ..., "fps": 2, "max_pixels": ...}), as
        `vidpipe run --messages` does (README.md: Chat messages). Returns (results, resolved):
        one Result per element in order, or for a failed element the vidpipe.Error it raised
        (not raised: the others go on); and the messages with each element's "vidpipe" entry
        (tokens, grid_thw, frames, prompt ...). The session's per-video defaults apply to videos
        below the element's keys. With output_dir, each element is also written to
        output_dir/element_<i>."""
        if self._core is None:
            raise ConfigurationError("the session is closed", hint="make a new vidpipe.Session")
        elements, resolved = self._core.process_messages(json.dumps(messages), json.dumps(self._defaults),
                                                         os.fspath(output_dir) if output_dir else "")
        results = []
        for summary, result in elements:
            if result is None:
                cls = error_class(summary.get("kind", "input"))
                results.append(cls(summary.get("error", "failed"), hint=summary.get("hint"),
                                   status=summary.get("status")))
            else:
                results.append(Result(result["frames"], result["metadata"]))
        return results, resolved

    def close(self):
        """Cancels queued videos, waits for running ones and frees the graph."""
        if self._core is not None:
            self._core.close()
            self._core = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Pending:
    def __init__(self, core):
        self._core = core

    def done(self):
        return self._core.done()

    def result(self):
        d = self._core.result()
        return Result(d["frames"], d["metadata"])
