"""`vidpipe scenes` end to end: the JSON and CSV it prints for a video with known hard cuts made by
the ffmpeg CLI (encoded with -sc_threshold 0, so no keyframe gives a cut away), its agreement with
ffmpeg's scdet on the same file, a run of graphs/qwen2_5_vl_scenes.yaml, and bad input."""
import csv
import json
import re
import subprocess

import pytest

from conftest import SOURCE, ffmpeg, vidpipe

RATE, SECONDS = 25, 2
SOURCES = ["testsrc2", "mandelbrot", "smptebars", "rgbtestsrc"]
TRUTH = [50, 100, 150]


@pytest.fixture(scope="module")
def cuts_video(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenes") / "cuts.mp4"
    inputs, labels = [], ""
    for i, s in enumerate(SOURCES):
        inputs += ["-f", "lavfi", "-i", f"{s}=size=320x240:rate={RATE}"]
        labels += f"[{i}]trim=duration={SECONDS},setpts=PTS-STARTPTS[v{i}];"
    ffmpeg(*inputs, "-filter_complex", labels + "".join(f"[v{i}]" for i in range(len(SOURCES))) + f"concat=n={len(SOURCES)}:v=1:a=0,format=yuv420p", "-c:v", "libx264",
           "-preset", "ultrafast", "-sc_threshold", "0", "-g", "250", path)
    return path


def scdet_cuts(path):
    """The frames ffmpeg's scdet (threshold 10) marks as scene changes, from their pts."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf",
                          "scdet,metadata=mode=print:key=lavfi.scd.time:file=-", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stdout
    return [int(round(float(t) * RATE)) for t in re.findall(r"lavfi\.scd\.time=([0-9.]+)", out)]


def test_json_cuts_scenes_and_scdet(cuts_video):
    r = vidpipe("scenes", cuts_video, "--json", check=0)
    j = json.loads(r.stdout)
    assert [c["frame"] for c in j["cuts"]] == TRUTH
    assert [c["time"] for c in j["cuts"]] == pytest.approx([f / RATE for f in TRUTH])
    assert all(c["score"] >= 3 for c in j["cuts"])
    assert [(s["start_frame"], s["end_frame"]) for s in j["scenes"]] == [(0, 49), (50, 99), (100, 149), (150, 199)]
    assert j["scenes"][-1]["end_time"] == pytest.approx(8.0)
    assert j["fades"] == []
    scdet = scdet_cuts(cuts_video)  # a detector nobody here wrote
    assert all(any(abs(c - f) <= 1 for f in scdet) for c in TRUTH)


def test_scdet_detector_finds_what_ffmpeg_scdet_finds(cuts_video):
    j = json.loads(vidpipe("scenes", cuts_video, "--json", "--detector", "scdet", check=0).stdout)
    assert [c["frame"] for c in j["cuts"]] == TRUTH == scdet_cuts(cuts_video)
    assert j["detector"] == "scdet" and j["threshold"] == 10
    assert all(c["score"] > 10 for c in j["cuts"])


def test_csv_has_list_scenes_columns(cuts_video, tmp_path):
    out = tmp_path / "scenes.csv"
    vidpipe("scenes", cuts_video, "--csv", out, "--detector", "content", check=0)
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["Scene Number", "Start Frame", "Start Timecode", "Start Time (seconds)", "End Frame",
                       "End Timecode", "End Time (seconds)", "Length (frames)", "Length (timecode)",
                       "Length (seconds)"]
    assert rows[2] == ["2", "51", "00:00:02.000", "2.000", "100", "00:00:04.000", "4.000", "50", "00:00:02.000",
                       "2.000"]
    assert len(rows) == 5


def test_bad_input_is_one_error_line(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video")
    r = vidpipe("scenes", bad)
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "broken.mp4" in r.stderr
    for bad_option in (["--detector", "nope"], ["--threshold", "-1"], ["--min-scene-len", "0"]):
        r = vidpipe("scenes", bad, *bad_option)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, bad_option


def test_scene_graph_runs(cuts_video, tmp_path):
    r = vidpipe("run", SOURCE / "graphs" / "qwen2_5_vl_scenes.yaml", cuts_video, "-o", tmp_path / "out",
                "--set", "sample.nframes=8", check=0)
    meta = json.loads((tmp_path / "out" / "cuts" / "metadata.json").read_text())
    text = json.dumps(meta)
    for n in range(1, 5):
        assert f"scene {n}" in text


def test_eval_scenes_counts(cuts_video, tmp_path):
    truth = tmp_path / "truth.json"
    # 100 is a true cut given as ambiguous (a prediction there counts neither way), 175 a cut that
    # is not there (a miss), 150 is off by 2 (a hit at ±2, a miss and a false cut at ±1).
    truth.write_text(json.dumps({cuts_video.name: {"cuts": [50, 152, 175], "ambiguous": [100], "other": 1}}))
    r = vidpipe("eval", "scenes", "--truth", truth, cuts_video, "--json", check=0)
    j = json.loads(r.stdout)
    assert (j["overall"]["tp"], j["overall"]["fp"], j["overall"]["fn"]) == (1, 1, 2)
    assert j["overall"]["precision"] == pytest.approx(0.5) and j["overall"]["recall"] == pytest.approx(1 / 3)
    j = json.loads(vidpipe("eval", "scenes", "--truth", truth, cuts_video, "--json", "--tolerance", "2",
                           check=0).stdout)
    assert (j["overall"]["tp"], j["overall"]["fp"], j["overall"]["fn"]) == (2, 0, 1)
    truth.write_text(json.dumps({cuts_video.name: {"cuts": TRUTH}}))
    r = vidpipe("eval", "scenes", "--truth", truth, cuts_video, check=0)
    assert "overall" in r.stdout and "1.000" in r.stdout.splitlines()[-1]
    r = vidpipe("eval", "scenes", "--truth", tmp_path / "missing.json", cuts_video)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


def test_plan_runs_the_analysis(cuts_video):
    """`vidpipe plan` with the scene graph: one middle frame per shot (uniform would take 0, 66, 133, 199)."""
    r = vidpipe("plan", SOURCE / "graphs" / "qwen2_5_vl_scenes.yaml", cuts_video, "--json", "--set",
                "sample.nframes=4", check=0)
    assert json.loads(r.stdout)["videos"][0]["frame_indices"] == [25, 75, 125, 175]


def test_csv_into_a_missing_folder_is_one_error(cuts_video, tmp_path):
    r = vidpipe("scenes", cuts_video, "--csv", tmp_path / "no" / "scenes.csv")
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and "scenes.csv" in r.stderr
    assert not (tmp_path / "no").exists()
