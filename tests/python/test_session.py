"""vidpipe.Session against the `vidpipe` CLI (same graph and settings: same frames, indices,
sizes, tokens), zero copy, ordering, threads, memory over many calls, and errors."""
import threading
import time
import tracemalloc

import numpy as np
import pytest

import vidpipe
from conftest import rss_bytes
from e2e_helpers import DEFAULT_GRAPH, read_json, vidpipe as cli


def cli_run(video, out, *sets):
    args = ["run", DEFAULT_GRAPH, video, "-o", out]
    for s in sets:
        args += ["--set", s]
    cli(*args, check=0)
    frames = np.load(out / video.stem / "frames.npy").transpose(0, 2, 3, 1)  # format.npy writes T x C x H x W
    return frames, read_json(out / video.stem / "metadata.json")


@pytest.mark.parametrize("per_video,sets", [({}, []), ({"nframes": 8, "max_pixels": 50000},
                                                       ["sample.nframes=8", "resize.max_pixels=50000"])])
def test_process_equals_the_cli(session, clips, tmp_path, per_video, sets):
    for name in ("a", "b"):
        want_frames, want = cli_run(clips[name], tmp_path / name, *sets)
        r = session.process(clips[name], **per_video)
        assert r.frames.dtype == np.uint8 and r.frames.shape == want_frames.shape
        assert np.array_equal(r.frames, want_frames)
        m = r.metadata
        for key in ("num_frames", "frame_indices", "timestamps", "resized_height", "resized_width", "grid_thw",
                    "total_tokens", "sample_fps", "total_frames", "original_fps"):
            assert m[key] == want[key], key
        assert m["status"] == "ok" and m["input"] == str(clips[name])


def test_session_params_are_the_clis_set(clips, tmp_path):
    want_frames, want = cli_run(clips["a"], tmp_path, "sample.nframes=6", "resize.mode=fast", "settings.threads=2")
    with vidpipe.Session(str(DEFAULT_GRAPH), threads=2, **{"sample.nframes": 6, "resize.mode": "fast"}) as s:
        r = s.process(clips["a"])
    assert np.array_equal(r.frames, want_frames) and r.metadata["frame_indices"] == want["frame_indices"]


def test_frames_are_a_view_of_the_frame_buffer(session, clips):
    """Zero copy: the array views vidpipe's one buffer of the clip; Python allocates nothing
    near T*H*W*C bytes for it (tracemalloc sees NumPy's allocations: checked by a copy)."""
    session.process(clips["a"], nframes=16)  # warm: plugins loaded, node sets built
    tracemalloc.start()
    r = session.process(clips["a"], nframes=16)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    f = r.frames
    t, h, w, c = f.shape
    assert r.zero_copy and not f.flags.owndata and not f.flags.writeable
    assert peak < t * h * w * c / 20, f"Python allocated {peak} bytes for {t * h * w * c} bytes of frames"
    # Frames lie one after another in one buffer, rows at vidpipe's padded stride.
    assert f.strides[2:] == (c, 1) and f.strides[1] >= w * c and f.strides[0] >= h * f.strides[1]
    tracemalloc.start()
    copy = np.array(f)
    _, copied = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert copied >= t * h * w * c and np.array_equal(copy, f)  # the measure sees a real copy
    # The array keeps the buffer alive after the result is gone.
    first = np.array(f[0])
    del r
    assert np.array_equal(f[0], first)


def test_map_yields_in_order(session, clips):
    videos = [clips["a"], clips["b"], clips["tiny"], clips["a"]]
    results = list(session.map(videos, nframes=4))
    assert [r.metadata["input"] for r in results] == [str(v) for v in videos]
    assert all(r.frames.shape[0] == 4 for r in results)


def test_the_gil_is_released_while_cpp_works(session, clips):
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    session.process(clips["a"], fps=4.0)
    t = threading.Thread(target=count)
    t.start()
    t0 = time.monotonic()
    session.process(clips["a"], fps=4.0)
    elapsed = time.monotonic() - t0
    stop.set()
    t.join()
    assert len(ticks) >= min(5, elapsed * 1000 / 4), (len(ticks), elapsed)


def test_1000_calls_leave_rss_flat(session, tmp_path):
    """1 000 short calls (a 32x32 2-frame clip, so it stays fast): RSS between call 200 (plugins,
    allocator pools and caches warm) and call 1000 grows by less than 4 MiB; a leak of one frame
    buffer, result dict or clip per call (>= 3 KiB) would add more than 2.4 MiB."""
    from e2e_helpers import make_video
    tiny = make_video(tmp_path / "t.mp4", "32x32", 2, 1)
    rss = []
    for k in range(1000):
        r = session.process(tiny, nframes=2, min_pixels=56 * 56)
        if k == 0:
            assert r.frames.shape == (2, 56, 56, 3)  # upscaled to min_pixels: the resize node makes them
        if k in (199, 999):
            rss.append(rss_bytes())
    grown = rss[1] - rss[0]
    print(f"RSS at call 200: {rss[0] / 2**20:.1f} MiB, at call 1000: {rss[1] / 2**20:.1f} MiB")
    assert grown < 4 << 20, f"RSS grew by {grown / 2**20:.2f} MiB from call 200 to call 1000"


def test_bad_inputs_raise(session, tmp_path):
    missing = tmp_path / "missing.mp4"
    with pytest.raises(vidpipe.InputError) as e:
        session.process(missing)
    assert isinstance(e.value, ValueError) and isinstance(e.value, vidpipe.Error)
    assert e.value.input == str(missing) and e.value.stage and e.value.hint and str(missing) in str(e.value)
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n")
    with pytest.raises(vidpipe.InputError) as e:
        session.process(text)
    assert e.value.stage == "probe"
    for bad in ("", str(tmp_path), "data:video/mp4;base64,AAAA", "http://127.0.0.1:9/none.mp4", "x" * 5000):
        with pytest.raises(vidpipe.Error):
            session.process(bad)
    with pytest.raises(vidpipe.ConfigurationError, match="no_such_key"):
        session.process(text, no_such_key=1)
    with pytest.raises(vidpipe.ConfigurationError):
        session.process(text, nframes="many")
    with pytest.raises(vidpipe.ConfigurationError):
        vidpipe.Session("no_such_graph")
    with pytest.raises(vidpipe.ConfigurationError):
        vidpipe.Session("qwen2_5_vl", **{"sample.no_such_param": 1})
    closed = vidpipe.Session("qwen2_5_vl")
    closed.close()
    with pytest.raises(vidpipe.ConfigurationError, match="closed"):
        closed.process(text)


def test_frames_passed_through_are_copied_once(session, tmp_path):
    """A video already at the target size: the resize node hands the decoded frames on, which
    are not in the clip's buffer, so `frames` is one packed copy, still the CLI's pixels."""
    from e2e_helpers import make_video
    video = make_video(tmp_path / "exact.mp4", "392x280", 25, 2)  # 392x280: Qwen's own size for it
    want_frames, want = cli_run(video, tmp_path / "out")
    r = session.process(video)
    assert (want["resized_width"], want["resized_height"]) == (392, 280)
    assert not r.zero_copy and r.frames.flags.owndata and r.frames.flags.c_contiguous
    assert np.array_equal(r.frames, want_frames)
