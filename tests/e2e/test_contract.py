"""The node contract as a user meets it: roles in `describe`, model profiles that reach only the
parameters a node lets them set (never a safety cap), renamed parameters that name their
successor, and error kinds in the run summary."""
import json

from conftest import SOURCE, make_video, vidpipe


def run_json(*args):
    p = vidpipe("run", *args, "--json")
    return p, json.loads(p.stdout)


def test_describe_shows_the_role_and_what_a_profile_may_set():
    d = json.loads(vidpipe("describe", "decode.ffmpeg", "--json", check=0).stdout)
    assert d["role"] == "decoder"
    params = {p["name"]: p for p in d["params"]}
    assert params["color_matrix"]["model_settable"] and not params["max_input_pixels"]["model_settable"]
    renamed = {r["old"]: r for r in d["renamed"]}
    assert {"old": "max_pixels", "new": "max_input_pixels"}.items() <= renamed["max_pixels"].items()
    roles = {t: json.loads(vidpipe("describe", t, "--json", check=0).stdout)["role"]
             for t in ("probe.ffmpeg", "sample.uniform", "qwen2_5_vl.plan", "process.smart_resize", "gather.clip",
                       "qwen2_5_vl.tokens", "format.npy", "source.inputs")}
    assert roles == {"probe.ffmpeg": "prober", "sample.uniform": "sampler", "qwen2_5_vl.plan": "planner",
                     "process.smart_resize": "processor", "gather.clip": "gatherer",
                     "qwen2_5_vl.tokens": "tokenizer", "format.npy": "formatter", "source.inputs": "source"}
    text = vidpipe("describe", "sample.uniform", check=0).stdout
    assert "role sampler" in text and "(a model profile may set it)" in text


def test_describe_shows_the_frame_formats_a_node_takes():
    scale = json.loads(vidpipe("describe", "process.convert_scale", "--json", check=0).stdout)
    assert {"rgb24", "i420", "i422", "i444", "nv12", "i420p10", "p010"} == set(scale["frame_formats"])
    params = {p["name"]: p for p in scale["params"]}
    assert params["color_matrix"]["model_settable"]  # the Qwen profile's bt601 reaches it
    resize = json.loads(vidpipe("describe", "process.resize", "--json", check=0).stdout)
    assert resize["frame_formats"] == ["rgb24", "bgr24", "gray8"]  # the default: packed frames
    assert json.loads(vidpipe("describe", "sample.uniform", "--json", check=0).stdout)["frame_formats"] == []
    assert "takes frames rgb24, i420, i422" in vidpipe("describe", "process.convert_scale", check=0).stdout


def test_a_profile_never_reaches_a_safety_cap(tmp_path):
    # The openai profile sets max_images 500 (images per request, openai.plan); before, that also
    # lowered the probe's frame-sequence cap of the same name to 500.
    cfg = json.loads(vidpipe("run", SOURCE / "graphs" / "openai.yaml", "--dry-run", check=0).stdout)
    nodes = cfg["nodes"]
    assert nodes["plan"]["params"]["max_images"] == 500 and nodes["plan"]["set_by"]["max_images"] == "profile"
    assert nodes["probe"]["params"]["max_input_images"] == 10000
    assert "max_input_images" not in nodes["probe"].get("set_by", {})
    # Qwen: max_pixels is the resize budget; the decoder's cap keeps its default.
    cfg = json.loads(vidpipe("run", "qwen2_5_vl", "--dry-run", "--set", "resize.max_pixels=200704", check=0).stdout)
    assert cfg["nodes"]["resize"]["params"]["max_pixels"] == 200704
    assert cfg["nodes"]["decode"]["params"]["max_input_pixels"] == 8192 * 8192
    assert cfg["nodes"]["resize"]["set_by"]["video_max_pixels"] == "profile"
    assert "set_by" not in cfg["nodes"]["decode"] or "max_input_pixels" not in cfg["nodes"]["decode"]["set_by"]


def test_the_old_cap_names_are_errors_that_name_the_new_ones(tmp_path):
    p = vidpipe("run", "qwen2_5_vl", "--dry-run", "--set", "decode.max_pixels=1000", check=2)
    assert "parameter 'max_pixels' is now 'max_input_pixels'" in p.stderr
    assert "write max_input_pixels instead" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    p = vidpipe("probe", "x.mp4", "--set", "max_images=3", check=2)
    assert "parameter 'max_images' is now 'max_input_images'" in p.stderr


def test_error_kinds_in_the_summary(tmp_path):
    video = make_video(tmp_path / "v.mp4", size="320x240", duration=2)
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    p, s = run_json("qwen2_5_vl", video, text, "--set", "sample.nframes=4")
    jobs = {j["input"]: j for j in s["jobs"]}
    assert p.returncode == 1
    assert jobs[str(video)]["status"] == "ok" and "error" not in jobs[str(video)]
    assert jobs[str(text)]["error"]["kind"] == "input"
    p, s = run_json("qwen2_5_vl", video, "--set", "decode.max_input_pixels=1000")
    assert p.returncode == 1 and s["jobs"][0]["error"]["kind"] == "resource"
    assert "max_input_pixels" in s["jobs"][0]["error"]["message"]


def test_plan_reports_the_error_kind(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    v = json.loads(vidpipe("plan", text, "--json", check=1).stdout)["videos"][0]
    assert v["status"] == "failed" and v["error_kind"] == "input"
