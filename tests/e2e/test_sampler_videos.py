"""Every sampler on real files (docs/sampling.md §4-§6), checked against ffprobe: sample.fps picks
the frame presented at each target time of a variable-frame-rate file, sample.keyframe only picks
keyframes, every sampler gives a valid plan or one clear error on short, long, ranged, folder and
rotated inputs (the content-aware ones after analyze.scenes: a frame folder is one clear error
there), `--set sample.type=...` swaps the sampler and nothing else, and the Qwen plugins
time irregular picks by their timestamps."""
import json
import math
import subprocess

import pytest

from conftest import DECODE_ONLY_GRAPH, SOURCE, ffmpeg, make_video, read_json, vidpipe

SAMPLERS = ["sample.uniform", "sample.fps", "sample.interval", "sample.keyframe", "sample.keyframe:snap",
            "sample.scene", "sample.adaptive"]
CONTENT_AWARE = ("sample.scene", "sample.adaptive")  # run after analyze.scenes: the scenes graph
QWEN = SOURCE / "graphs" / "qwen2_5_vl.yaml"
SCENES = SOURCE / "graphs" / "qwen2_5_vl_scenes.yaml"


def graph_for(sampler):
    return SCENES if sampler in CONTENT_AWARE else QWEN


def sampler_sets(sampler):
    kind, _, mode = sampler.partition(":")
    return [f"sample.type={kind}"] + ([f"sample.mode={mode}"] if mode else [])


def run(graph, video, out, *sets):
    args = ["run", graph, video, "-o", out]
    for s in sets:
        args += ["--set", s]
    return vidpipe(*args)


def ffprobe_frames(video):
    """(presentation time from the first frame, key_frame) of every decoded frame, per ffprobe."""
    p = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                        "frame=pts_time,key_frame", "-of", "json", str(video)], capture_output=True, text=True,
                       check=True)
    frames = json.loads(p.stdout)["frames"]
    t0 = float(frames[0]["pts_time"])
    return [(float(f["pts_time"]) - t0, f["key_frame"] == 1) for f in frames]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("sampler_clips")
    c = {"dir": d}
    # Variable frame rate: 1 s at 30 fps, 2 s at 5 fps, 1 s at 60 fps, with irregular jitter.
    c["vfr"] = d / "vfr.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x120:r=30:d=4", "-vf",
           "setpts='if(lt(N,30),N,if(lt(N,40),30+(N-30)*6,if(lt(N,100),90+(N-40)/2,120+(N-100)+mod(N,3))))/30/TB'",
           "-fps_mode", "vfr", "-c:v", "libx264", "-g", "40", "-bf", "0", "-pix_fmt", "yuv420p", c["vfr"])
    # Long GOP (250 frames), no scene-cut keyframes: 40 s at 25 fps.
    c["gop"] = make_video(d / "gop.mp4", "160x120", 25, 40, extra=("-g", "250", "-keyint_min", "250",
                                                                   "-sc_threshold", "0", "-preset", "ultrafast"))
    c["one"] = make_video(d / "one.mp4", "64x48", 25, 0.04)
    c["two"] = make_video(d / "two.mp4", "64x48", 25, 0.08)
    c["short"] = make_video(d / "short.mp4", "64x48", 25, 0.4, extra=("-g", "5"))  # 10 frames
    c["rot"] = d / "rot.mp4"
    ffmpeg("-i", make_video(d / "plain.mp4", "96x64", 25, 3, extra=("-g", "25")), "-c", "copy",
           "-metadata:s:v:0", "rotate=90", c["rot"])
    c["folder"] = d / "folder"
    c["folder"].mkdir()
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x48:r=5:d=1.4", c["folder"] / "f_%03d.png")  # 7 images
    c["graph"] = d / "decode_only.yaml"
    c["graph"].write_text(DECODE_ONLY_GRAPH)
    return c


def test_fps_picks_the_frame_presented_at_each_target_time_of_a_vfr_file(clips, tmp_path):
    frames = ffprobe_frames(clips["vfr"])
    times = [t for t, _ in frames]
    assert len({round(b - a, 4) for a, b in zip(times, times[1:])}) >= 3  # really variable
    for fps in (1, 2, 5, 12):
        out = tmp_path / str(fps)
        run(clips["graph"], clips["vfr"], out, "sample.type=sample.fps", f"sample.fps={fps}",
            "sample.frame_factor=1").check_returncode()
        m = read_json(out / "vfr" / "metadata.json")
        targets, idx = m["notes"]["sample"]["targets"], m["frame_indices"]
        assert len(idx) == len(targets) > 0
        for t, i in zip(targets, idx):  # the last frame whose pts <= t
            assert times[i] <= t + 1e-6 and (i + 1 == len(times) or times[i + 1] > t + 1e-6), (fps, t, i)
        assert m["timestamps"] == pytest.approx([times[i] for i in idx], abs=1e-6)  # the decoded frames


def test_keyframe_only_picks_keyframes_and_decodes_little(clips, tmp_path):
    frames = ffprobe_frames(clips["gop"])
    keys = [i for i, (_, k) in enumerate(frames) if k]
    assert keys == [0, 250, 500, 750]
    run(QWEN, clips["gop"], tmp_path, "sample.type=sample.keyframe").check_returncode()
    m = read_json(tmp_path / "gop" / "metadata.json")
    assert m["frame_indices"] == keys and m["pick_reasons"] == [{"reason": "keyframe", "picks": 4}]
    decode = m["notes"]["decode"]
    print(f"keyframe only, GOP 250: {decode['decoded_frames']} frames decoded for {decode['returned_frames']} "
          f"returned ({decode['decoded_per_returned']} per returned frame)")
    assert decode["decoded_per_returned"] <= 1.0


def test_keyframe_snap_reasons_and_tolerance(clips, tmp_path):
    frames = ffprobe_frames(clips["gop"])
    run(clips["graph"], clips["gop"], tmp_path, "sample.type=sample.keyframe", "sample.mode=snap",
        "sample.nframes=8", "sample.tolerance=2").check_returncode()
    m = read_json(tmp_path / "gop" / "metadata.json")
    reasons = [r["reason"] for r in m["pick_reasons"] for _ in range(r["picks"])]
    for i, reason in zip(m["frame_indices"], reasons):
        if reason.startswith("keyframe (snapped from "):
            target = int(reason[len("keyframe (snapped from "):-1])
            assert frames[i][1] and abs(frames[i][0] - frames[target][0]) <= 2 + 1e-6
        else:
            assert reason == ("keyframe" if frames[i][1] else "uniform")
    assert any(r.startswith("keyframe (snapped") for r in reasons) and "uniform" in reasons


CASES = {  # input, extra --set, frames in the input
    "1 frame": ("one", [], 1),
    "2 frames": ("two", [], 2),
    "budget larger than the video": ("short", ["sample.nframes=64"], 10),
    "time range": ("gop", ["sample.video_start=3.5", "sample.video_end=21"], 1000),
    "frame folder": ("folder", [], 7),
    "rotated": ("rot", [], 75),
    "1 frame, short_video error": ("one", ["sample.short_video=error"], 1),  # the reference's error
}


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("case", CASES)
def test_every_sampler_gives_a_valid_plan_or_one_clear_error(clips, tmp_path, sampler, case):
    name, sets, frames = CASES[case]
    video = clips[name]
    graph = graph_for(sampler)
    p = run(graph, video, tmp_path, *sampler_sets(sampler), *sets)
    if case == "frame folder" and sampler in CONTENT_AWARE:  # the analysis needs a video
        assert p.returncode == 1
        lines = [x for x in p.stderr.splitlines() if "error" in x]
        assert len(lines) == 1 and f"{video.name}: error in stage 'analyze'" in lines[0], p.stderr
        assert "frame folder" in lines[0] and "fix: use sample.uniform" in lines[0]
        return
    if "error" in case:  # one clear error: one line naming the input, the stage and the fix
        assert p.returncode == 1
        lines = [x for x in p.stderr.splitlines() if "error" in x]
        assert len(lines) == 1 and f"{video.name}: error in stage 'sample'" in lines[0], p.stderr
        assert "fix: " in lines[0] and "short_video=pad" in lines[0]
        return
    assert p.returncode == 0, p.stderr
    m = read_json(tmp_path / video.stem / "metadata.json")
    idx = m["frame_indices"]
    lo, hi = (math.ceil(3.5 * 25), 21 * 25) if case == "time range" else (0, frames - 1)
    assert idx == sorted(idx) and lo <= idx[0] and idx[-1] <= hi
    assert len(idx) % 2 == 0 and sum(r["picks"] for r in m["pick_reasons"]) == len(idx)
    if case == "budget larger than the video" and sampler in ("sample.uniform", "sample.fps", "sample.interval",
                                                              "sample.adaptive"):
        assert len(idx) == 64
    plan = json.loads(vidpipe("plan", graph, video, "--json", *[a for s in sampler_sets(sampler) + sets
                                                                for a in ("--set", s)], check=0).stdout)
    assert plan["videos"][0]["frame_indices"] == idx  # `vidpipe plan` = `vidpipe run`


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_plans_are_deterministic_across_thread_counts(clips, sampler):
    def picks(threads):
        sets = [f"settings.threads={threads}"] + sampler_sets(sampler)
        p = vidpipe("plan", graph_for(sampler), clips["vfr"], clips["gop"], "--json",
                    *[a for s in sets for a in ("--set", s)],
                    check=0)
        return [v["frame_indices"] for v in json.loads(p.stdout)["videos"]]

    assert picks(1) == picks(2) == picks(1)


def test_swapping_the_sampler_changes_nothing_else(clips):
    def config(*sets):
        args = ["run", SOURCE / "graphs" / "llava_onevision.yaml", clips["two"], "--dry-run"]
        return json.loads(vidpipe(*args, *[a for s in sets for a in ("--set", s)], check=0).stdout)["nodes"]

    before, after = config(), config("sample.type=sample.fps")
    assert after["sample"]["type"] == "sample.fps"
    assert {k: v for k, v in before.items() if k != "sample"} == {k: v for k, v in after.items() if k != "sample"}
    shared = {k: v for k, v in before["sample"]["params"].items() if k in after["sample"]["params"]}
    assert shared == {k: after["sample"]["params"][k] for k in shared}  # the budget: the profile's nframes 32
    assert after["sample"]["params"]["nframes"] == 32


@pytest.mark.parametrize("sets,message", [
    (["sample.type=sample.fsp"], "--set sample.type=sample.fsp: unknown node type 'sample.fsp' (did you mean "
                                 "'sample.fps'?)"),
    (["sample.type=decode.ffmpeg"], "--set sample.type=decode.ffmpeg: node 'sample' is a sampler"),
    (["sample.type=sample.fps", "sample.index_rule=floor"], "unknown parameter 'index_rule'"),
    (["sample.type=sample.interval", "sample.base_interval=2", "sample.fps=1"],
     "sample.interval: set base_interval, fps or nframes, not two of them"),
    (["nosuch.type=sample.fps"], "the graph has no node 'nosuch'"),
])
def test_a_bad_type_override_is_one_clear_error(clips, sets, message):
    p = vidpipe("run", QWEN, clips["two"], "--dry-run", *[a for s in sets for a in ("--set", s)], check=2)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "fix:" in lines[0], p.stderr


def test_qwen_times_irregular_picks_by_their_timestamps(clips, tmp_path):
    """qwen2_5_vl: M-RoPE time ids of temporal group g = floor((t[2g] - t[0]) * tokens_per_second),
    second_per_grid_ts their mean spacing; qwen3_vl: '<t seconds>' from the frames' pts."""
    times = [t for t, _ in ffprobe_frames(clips["vfr"])]
    sets = ["sample.type=sample.keyframe", "sample.mode=snap", "sample.nframes=8", "sample.tolerance=0.5"]
    run(QWEN, clips["vfr"], tmp_path / "q25", *sets).check_returncode()
    m = read_json(tmp_path / "q25" / "vfr" / "metadata.json")
    idx, tok = m["frame_indices"], m["tokens"]
    assert "irregular_picks" in tok
    groups = [times[idx[2 * g]] - times[idx[0]] for g in range(len(idx) // 2)]
    assert tok["mrope_time_ids_head"] == [math.floor(t * 2.0) for t in groups]
    assert tok["second_per_grid_ts"] == pytest.approx(groups[-1] / (len(groups) - 1))
    run(SOURCE / "graphs" / "qwen3_vl.yaml", clips["vfr"], tmp_path / "q3", *sets).check_returncode()
    m3 = read_json(tmp_path / "q3" / "vfr" / "metadata.json")
    want = [(times[a] + times[b]) / 2 for a, b in zip(m3["frame_indices"][::2], m3["frame_indices"][1::2])]
    assert m3["tokens"]["timestamps"] == pytest.approx(want, abs=1e-6)
    assert m3["tokens"]["timestamp_texts"] == [f"<{t:.1f} seconds>" for t in m3["tokens"]["timestamps"]]
    # Evenly spaced picks keep the reference's rate: second_per_grid_ts = 2 / sample_fps.
    run(QWEN, clips["gop"], tmp_path / "even", "sample.nframes=8").check_returncode()
    even = read_json(tmp_path / "even" / "gop" / "metadata.json")
    assert "irregular_picks" not in even["tokens"]
    assert even["tokens"]["second_per_grid_ts"] == pytest.approx(2 / (8 / 1000 * 25))
