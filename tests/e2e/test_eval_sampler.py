"""`vidpipe eval sampler` (docs/sampling.md §8) on a 7-shot video made by the ffmpeg CLI (encoded
with -sc_threshold 0): its figures against ones computed here from the plan's indices (`vidpipe
plan`, or torch's rounded linspace for sample.uniform) and ffprobe's timestamps; the issue's
motivating example (8 uniform frames miss 2 of the 7 shots, sample.scene covers all 7); bad truth."""
import json
import subprocess

import pytest

from conftest import SOURCE, ffmpeg, vidpipe

torch = pytest.importorskip("torch")
RATE = 25
# Two short shots (frames 95-114 and 205-224) fall between the 8 uniform picks 0, 67, 134, 201 ...
SHOTS = [("testsrc2", 95), ("mandelbrot", 20), ("smptebars", 90), ("rgbtestsrc", 20), ("testsrc", 95),
         ("color=c=0x803020", 50), ("yuvtestsrc", 100)]
CUTS = [sum(n for _, n in SHOTS[:k]) for k in range(1, len(SHOTS))]
FRAMES = sum(n for _, n in SHOTS)
SCENES = SOURCE / "graphs" / "qwen2_5_vl_scenes.yaml"


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    d = tmp_path_factory.mktemp("eval_sampler")
    video = d / "shots7.mp4"
    inputs, labels = [], ""
    for i, (src, n) in enumerate(SHOTS):
        inputs += ["-f", "lavfi", "-i", f"{src}{'=' if '=' not in src else ':'}size=320x240:rate={RATE}"]
        labels += f"[{i}]trim=end_frame={n},setpts=PTS-STARTPTS[v{i}];"
    ffmpeg(*inputs, "-filter_complex", labels + "".join(f"[v{i}]" for i in range(len(SHOTS))) +
           f"concat=n={len(SHOTS)}:v=1:a=0,format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
           "-sc_threshold", "0", "-g", "250", video)
    truth = d / "truth.json"
    truth.write_text(json.dumps({video.name: {"cuts": CUTS}}))
    return video, truth


def pts(video):
    p = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
                        "-of", "json", str(video)], capture_output=True, text=True, check=True)
    t = [float(f["pts_time"]) for f in json.loads(p.stdout)["frames"]]
    return [x - t[0] for x in t]


def expected(indices, times):
    """Shots with a pick and the largest gap (from 0 s to the end of the last frame), computed here."""
    starts = [0] + CUTS
    ends = CUTS + [FRAMES]
    covered = sum(any(s <= i < e for i in indices) for s, e in zip(starts, ends))
    points = [0.0] + [times[i] for i in indices] + [times[-1] + 1 / RATE]
    return covered, max(b - a for a, b in zip(points, points[1:]))


def evaluate(shots, *sets):
    video, truth = shots
    args = ["eval", "sampler", "--truth", truth, video, "--json"]
    for s in sets:
        args += ["--set", s]
    return json.loads(vidpipe(*args, check=0).stdout)


def test_uniform_misses_two_shots_scene_covers_all(shots):
    video, _ = shots
    times = pts(video)
    assert len(times) == FRAMES
    found = {}
    for sampler in ("sample.uniform", "sample.scene", "sample.adaptive"):
        j = evaluate(shots, f"sample.type={sampler}", "sample.nframes=8")
        row = j["videos"][0]
        if sampler == "sample.uniform":  # the plan's indices from torch, not from vidpipe
            indices = torch.linspace(0, FRAMES - 1, 8).round().long().tolist()
        else:
            plan = vidpipe("plan", SCENES, video, "--json", "--set", f"sample.type={sampler}", "--set",
                           "sample.nframes=8", check=0)
            indices = json.loads(plan.stdout)["videos"][0]["frame_indices"]
        covered, gap = expected(indices, times)
        assert (row["sampler"], row["picks"], row["shots"]) == (sampler, 8, 7)
        assert row["shots_covered"] == covered and row["coverage"] == pytest.approx(covered / 7)
        assert row["largest_gap"]["seconds"] == pytest.approx(gap, abs=1e-6)
        assert row["returned_frames"] == len(set(indices))
        assert row["decoded_per_returned"] == pytest.approx(row["decoded_frames"] / row["returned_frames"])
        assert row["returned_frames"] <= row["decoded_frames"] <= FRAMES
        assert j["overall"]["shots_covered"] == covered
        found[sampler] = covered
        print(f"{sampler}: {covered}/7 shots, largest gap {gap:.2f} s, "
              f"{row['decoded_per_returned']:.2f} frames decoded per returned frame")
    assert found["sample.uniform"] == 5 and found["sample.scene"] == found["sample.adaptive"] == 7


def test_gap_names_its_ends_and_time_range(shots):
    video, _ = shots
    times = pts(video)
    j = evaluate(shots, "sample.type=sample.uniform", "sample.nframes=4", "sample.video_start=4.0")
    row = j["videos"][0]
    first = 100  # frame_range: ceil(4.0 * 25)
    indices = torch.linspace(first, FRAMES - 1, 4).round().long().tolist()
    points = [times[first]] + [times[i] for i in indices] + [times[-1] + 1 / RATE]
    gaps = [b - a for a, b in zip(points, points[1:])]
    k = max(range(len(gaps)), key=lambda g: gaps[g])
    ends = ["start"] + indices + ["end"]
    assert row["largest_gap"] == {"seconds": pytest.approx(gaps[k], abs=1e-6), "from": ends[k], "to": ends[k + 1]}
    assert row["shots"] == 1 + sum(c > first for c in CUTS)  # the shots in the range


def test_table_and_bad_truth(shots, tmp_path):
    video, truth = shots
    r = vidpipe("eval", "sampler", "--truth", truth, video, "--set", "sample.type=sample.uniform", "--set",
                "sample.nframes=8", check=0)
    assert "5/7" in r.stdout and r.stdout.splitlines()[-1].startswith("overall")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"nothere.mp4": {"cuts": [1]}}))
    r = vidpipe("eval", "sampler", "--truth", other, video)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and video.name in r.stderr
