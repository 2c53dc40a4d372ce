"""The samplers of the sample plugin on synthetic videos (tests/tools/sampler_check.cpp runs each
node as the runtime loads it), against formulas computed here with torch and numpy
(docs/sampling.md §4-§5): sample.uniform's three index rules, the budget every sampler shares,
sample.fps by timestamps, sample.interval's count, sample.keyframe's picks."""
import json
import math
import os
import random
import subprocess

import numpy as np
import pytest

from conftest import BUILD

torch = pytest.importorskip("torch")
CHECK = os.path.join(BUILD, "bin", "vidpipe_sampler_check")
pytestmark = pytest.mark.skipif(not os.path.exists(CHECK), reason="vidpipe_sampler_check not built")
SAMPLERS = ["sample.uniform", "sample.fps", "sample.interval", "sample.keyframe"]


def sample(cases):
    """Runs every case (dict: type, frames, fps, params, ...) through the node; one result each."""
    p = subprocess.run([CHECK], input="".join(json.dumps(c) + "\n" for c in cases), capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(out) == len(cases)
    return out


# ---- sample.uniform index_rule, each from its own reference ----
def qwen_rule(N, n):  # qwen-vl-utils: torch.linspace(0, N - 1, n).round() (float32)
    return torch.linspace(0, N - 1, n).round().long().tolist()


def floor_rule(N, n):  # LLaVA-NeXT / lmms-eval: np.linspace(0, N - 1, n, dtype=int)
    return np.linspace(0, N - 1, n, dtype=int).tolist()


def segment_middle_rule(N, n):  # MiniCPM-V uniform_sample: gap = N / n; int(i * gap + gap / 2)
    gap = N / n
    return [int(i * gap + gap / 2) for i in range(n)]


RULES = {"qwen": qwen_rule, "floor": floor_rule, "segment_middle": segment_middle_rule}


def n_pairs():
    rng = random.Random(20261201)
    pairs = [(1, 1), (1, 2), (1, 7), (2, 1), (2, 2), (2, 5), (3, 8), (10, 1), (250, 8), (250, 250), (250, 251),
             (18000, 768), (18952, 768), (10631, 768), (7, 64)]
    while len(pairs) < 600:
        N = rng.choice([rng.randint(1, 40), rng.randint(1, 3000), rng.randint(1, 200000)])
        n = rng.choice([1, 2, 8, 16, 32, 64, rng.randint(1, 768), rng.randint(max(1, N - 5), N + 40)])
        pairs.append((N, min(n, 4000)))
    return pairs


@pytest.mark.parametrize("rule", RULES)
def test_index_rule_equals_its_reference(rule):
    """nframes n of N frames (frame_factor 1, so every n is kept), n > N (frames repeat), n = 1, N = 1."""
    pairs = n_pairs()
    cases = [{"type": "sample.uniform", "frames": N, "fps": 25.0,
              "params": {"nframes": n, "frame_factor": 1, "index_rule": rule}} for N, n in pairs]
    bad = [(N, n) for (N, n), r in zip(pairs, sample(cases)) if r.get("indices") != RULES[rule](N, n)]
    print(f"index_rule {rule}: {len(pairs) - len(bad)}/{len(pairs)} (N, n) pairs equal the reference")
    assert not bad, bad[:10]


def test_index_rule_in_a_time_range():
    """A range shifts every rule to its frames: start = ceil(video_start * fps) (docs/qwen-reference.md §2.4)."""
    cases = [{"type": "sample.uniform", "frames": 500, "fps": 25.0,
              "params": {"nframes": 10, "index_rule": rule, "video_start": 2.02, "video_end": 9.0}} for rule in RULES]
    start, end = math.ceil(2.02 * 25), 225
    want = {"qwen": torch.linspace(start, end, 10).round().long().tolist(),
            "floor": np.linspace(start, end, 10, dtype=int).tolist(),
            "segment_middle": [start + x for x in segment_middle_rule(end - start + 1, 10)]}
    for rule, r in zip(RULES, sample(cases)):
        assert r["indices"] == want[rule], rule


# ---- the budget every sampler shares ----
def smart_nframes(N, r, fps=2.0, min_frames=4, max_frames=768, f=2):
    """docs/qwen-reference.md §2.3, fps mode."""
    min_f = math.ceil(min_frames / f) * f
    max_f = math.floor(min(max_frames, N) / f) * f if max_frames else math.floor(min(768, N) / f) * f
    return math.floor(min(min(max(N / r * fps, min_f), max_f), N) / f) * f


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_every_sampler_honours_the_budget(sampler):
    """Counts within [min_frames, max_frames] (rate mode; a sampler may pick fewer where the video
    has fewer candidates: keyframes), a multiple of frame_factor, exactly nframes in nframes mode,
    inside the time range, ascending, one reason per pick, deterministic."""
    rng = random.Random(7)
    cases = []
    for _ in range(150):
        N = rng.randint(2, 5000)
        fps = rng.choice([24.0, 25.0, 29.97, 30.0, 60.0])
        params = {"frame_factor": rng.choice([1, 2, 4]), "min_frames": rng.randint(1, 8),
                  "max_frames": rng.randint(8, 64)}
        if rng.random() < 0.4:
            params["nframes"] = rng.randint(1, 40) * params["frame_factor"]
        else:
            params["fps"] = rng.choice([0.5, 1.0, 2.0, 4.0])
        if rng.random() < 0.3:
            params["video_start"] = round(rng.uniform(0, N / fps / 2), 2)
        keyframes = list(range(0, N, rng.choice([12, 30, 250])))
        cases.append({"type": sampler, "frames": N, "fps": fps, "params": params, "keyframes": keyframes})
    results = sample(cases)
    assert results == sample(cases)  # deterministic
    for c, r in zip(cases, results):
        p, N, fps = c["params"], c["frames"], c["fps"]
        if "error" in r:  # only max_frames below frame_factor and the like: here never
            pytest.fail(f"{c}: {r}")
        idx, f = r["indices"], p["frame_factor"]
        start = math.ceil(p.get("video_start", 0) * fps)
        assert idx == sorted(idx) and start <= idx[0] and idx[-1] <= N - 1, (c, idx)
        assert len(r["reasons"]) == len(idx) and all(r["reasons"]), c
        assert len(idx) % f == 0, (c, idx)
        if "nframes" in p:
            if sampler != "sample.keyframe":
                assert len(idx) == p["nframes"], (c, idx)
            continue
        count = N - start
        if sampler == "sample.interval":
            continue  # its own rate: test_interval_count
        want = smart_nframes(count, fps, p["fps"], p["min_frames"], p["max_frames"], f)
        if sampler == "sample.keyframe":
            assert len(idx) <= want and set(idx) <= set(c["keyframes"]), (c, idx)
        else:
            assert len(idx) == want, (c, idx, want)


def test_interval_count():
    """n = round(duration / base_interval), clamped to [min_frames, max_frames], floored to frame_factor."""
    cases, want = [], []
    for duration in (1, 3, 7.9, 8, 10, 17, 60, 61, 600, 3600):
        for base in (1.0, 2.5, 4.0, 10.0):
            N = int(duration * 25)
            cases.append({"type": "sample.interval", "frames": N, "fps": 25.0,
                          "params": {"base_interval": base, "max_frames": 100}})
            n = round(N / 25 / base)
            want.append(math.floor(min(max(n, 4), 100, N) / 2) * 2)
    for c, r, n in zip(cases, sample(cases), want):
        assert len(r["indices"]) == n, (c, r)
        assert r["indices"] == torch.linspace(0, c["frames"] - 1, n).round().long().tolist()
        assert set(r["reasons"]) == {"interval"}


def test_fps_picks_the_frame_presented_at_each_target_time():
    """Variable frame rate: frame times with long and short gaps; each pick is the last frame whose
    time is at or before its target t_k = k * D / n (numpy searchsorted)."""
    rng = random.Random(3)
    gaps = [rng.choice([1 / 60, 1 / 30, 1 / 10, 0.5]) for _ in range(399)]
    times = np.concatenate([[0.0], np.cumsum(gaps)])
    duration = float(times[-1] + 1 / 30)
    for fps in (0.5, 1.0, 2.0, 7.0):
        r = sample([{"type": "sample.fps", "frames": 400, "fps": 400 / duration, "frame_times": times.tolist(),
                     "duration": duration, "extra": {"variable_frame_rate": True},
                     "params": {"fps": fps, "max_frames": 10000, "frame_factor": 1}}])[0]
        n = len(r["indices"])
        assert n == min(math.floor(duration * fps), 400)  # at most the video's frames
        targets = np.arange(n) * (duration / n)
        assert r["note"]["targets"] == pytest.approx(targets.tolist())
        want = np.searchsorted(times, targets + 1e-9, side="right") - 1
        assert r["indices"] == want.tolist()
        assert r["timestamps"] == pytest.approx(times[want].tolist())
        assert r["extra"]["spacing"] == "irregular"  # the model times these picks by their timestamps
        repeats = sum(a == b for a, b in zip(want, want[1:]))  # a frame shown at two targets (0.5 s gaps)
        assert r["note"].get("repeats", {}).get("repeated_frames", 0) == repeats
        assert repeats > 0 or fps < 7  # 7 fps is above the average rate: the 0.5 s gaps repeat frames


def test_keyframe_only_and_snap():
    keys = [0, 37, 100, 180, 300, 301, 450]
    only, snap, far = sample([
        {"type": "sample.keyframe", "frames": 500, "fps": 25.0, "keyframes": keys, "params": {"nframes": 4}},
        {"type": "sample.keyframe", "frames": 500, "fps": 25.0, "keyframes": keys,
         "params": {"nframes": 8, "mode": "snap", "tolerance": 1.0}},
        {"type": "sample.keyframe", "frames": 500, "fps": 25.0, "keyframes": keys,
         "params": {"nframes": 8, "mode": "snap", "tolerance": 0.0}}])
    assert only["indices"] == [keys[i] for i in (0, 2, 4, 6)]  # 4 of the 7, spread evenly
    assert only["reasons"] == ["keyframe"] * 4
    targets = torch.linspace(0, 499, 8).round().long().tolist()  # 0 71 143 214 285 356 428 499
    want = []
    for t in targets:
        near = [k for k in keys if abs(k - t) <= 25 and k not in [w for w, _ in want]]
        k = min(near, key=lambda k: abs(k - t), default=None)  # no ties in these numbers
        want.append((t, "uniform") if k is None else (k, "keyframe" if k == t else f"keyframe (snapped from {t})"))
    want.sort()
    assert list(zip(snap["indices"], snap["reasons"])) == want
    assert far["indices"] == targets and far["reasons"] == ["keyframe"] + ["uniform"] * 7
    assert only["extra"]["spacing"] == snap["extra"]["spacing"] == "irregular"


def test_keyframe_without_a_keyframe_list_is_one_clear_error():
    r = sample([{"type": "sample.keyframe", "frames": 100, "fps": 25.0, "params": {}}])[0]
    assert r["error"] == "sample.keyframe: synthetic.mp4 has no keyframe list (its packets were not indexed)"
    folder = sample([{"type": "sample.keyframe", "frames": 10, "fps": 2.0, "params": {},
                      "extra": {"input_kind": "image_sequence"}}])[0]
    assert folder["indices"] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # every image decodes alone: 10 s at 2 fps
