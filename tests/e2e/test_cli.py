"""The command line around the graphs: plugin folders (stray libraries, permissions,
--plugin-path anywhere), shipped graphs by name, did-you-mean, one error wording."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import BUILD, VIDPIPE, make_video, vidpipe

TEST_PLUGINS = BUILD / "tests" / "plugins"


@pytest.fixture
def plugin_dir(tmp_path):
    """A plugin folder holding the good test plugin, private to this user."""
    d = tmp_path / "plugins"
    d.mkdir(mode=0o755)
    shutil.copy(TEST_PLUGINS / "vptest_good.so", d / "good.so")
    return d


def node_types(listing):
    return [n["type"] for n in json.loads(listing)["nodes"]]


def test_plugin_path_before_or_after_the_subcommand(plugin_dir):
    for args in (["--plugin-path", plugin_dir, "plugins", "--json"], ["plugins", "--plugin-path", plugin_dir, "--json"]):
        assert "testing.echo" in node_types(vidpipe(*args, check=0).stdout)
    assert "--plugin-path" in vidpipe("run", "--help", check=0).stdout
    # The form examples/plugin/CMakeLists.txt documents: vidpipe run --plugin-path build GRAPH INPUT
    p = vidpipe("run", "--plugin-path", plugin_dir, "qwen2_5_vl", "x.mp4", "--dry-run", check=0)
    assert json.loads(p.stdout)["graph"].endswith("qwen2_5_vl.yaml")


def test_a_stray_library_is_skipped_with_a_warning_and_never_loaded(plugin_dir, tmp_path):
    shutil.copy(TEST_PLUGINS / "vptest_no_entry.so", plugin_dir / "libstray.so")
    env = dict(os.environ)
    env.pop("VPTEST_NO_ENTRY_CONSTRUCTOR_RAN", None)
    p = subprocess.run([str(VIDPIPE), "--plugin-path", str(plugin_dir), "plugins", "--json"], capture_output=True,
                       text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "testing.echo" in node_types(p.stdout)
    [warning] = p.stderr.strip().splitlines()
    assert warning.startswith(f"vidpipe: warning: {plugin_dir / 'libstray.so'}: skipped: not a vidpipe plugin"), warning


@pytest.mark.parametrize("mode, who", [(0o777, "every user"), (0o775, "its group")])
def test_a_plugin_folder_others_can_write_is_refused(plugin_dir, mode, who):
    plugin_dir.chmod(mode)
    for command in (["plugins"], ["validate", "qwen2_5_vl"], ["probe", "x.mp4"]):
        p = vidpipe("--plugin-path", plugin_dir, *command, check=2)
        [line] = p.stderr.strip().splitlines()
        assert line.startswith(f"vidpipe: {plugin_dir}: refusing plugin folder: it is writable by {who}"), line
        assert line.endswith(f"(fix: chmod go-w {plugin_dir})")


def test_a_plugin_file_others_can_write_is_refused(plugin_dir):
    (plugin_dir / "good.so").chmod(0o757)
    p = vidpipe("--plugin-path", plugin_dir, "plugins", check=2)
    assert f"{plugin_dir / 'good.so'}: refusing plugin file: it is writable by every user" in p.stderr


def test_shipped_graphs_by_name(tmp_path):
    p = vidpipe("run", "--dry-run", "qwen3_vl", "clip.mp4", check=0)
    config = json.loads(p.stdout)
    assert config["name"] == "qwen3_vl" and config["nodes"]["input"]["params"]["inputs"] == "1 inputs"
    assert vidpipe("validate", "qwen3_vl", check=0).stdout.strip().endswith("qwen3_vl.yaml: ok (9 nodes)")
    assert "qwen3_vl.tokens" in vidpipe("graph", "qwen3_vl.yaml", check=0).stdout
    # A name that is both a shipped graph and a file here is refused, saying how to tell them apart.
    (tmp_path / "qwen3_vl").write_bytes(b"")
    p = subprocess.run([str(VIDPIPE), "run", "--dry-run", "qwen3_vl", "clip.mp4"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)
    assert p.returncode == 2
    [line] = p.stderr.strip().splitlines()
    assert "'qwen3_vl' names both the shipped graph" in line and "write ./qwen3_vl for the file" in line, line


def test_describe_suggests_types_by_their_bare_name():
    p = vidpipe("describe", "ffmpeg", check=2)
    assert "(did you mean 'decode.ffmpeg' or 'probe.ffmpeg'?)" in p.stderr
    p = vidpipe("describe", "decode.ffmeg", check=2)
    assert "(did you mean 'decode.ffmpeg'?)" in p.stderr


def test_every_command_says_fix(tmp_path):
    probe = vidpipe("probe", tmp_path / "missing.mp4", check=1)
    graph = vidpipe("validate", "--set", "sample.fps=fast", "qwen2_5_vl", check=2)
    for p in (probe, graph):
        [line] = p.stderr.strip().splitlines()
        assert "(fix: " in line and "hint" not in line, line


def test_plan_json_has_one_shape_whatever_the_number_of_inputs(tmp_path):
    """`plan --json` used to print a bare object for one input and {"videos": [...]} for several."""
    assert '"videos": [one object per input]' in " ".join(vidpipe("plan", "--help", check=0).stdout.split())
    clip, other = make_video(tmp_path / "a.mp4", "160x96", 10, 1), make_video(tmp_path / "b.mp4", "160x96", 10, 2)
    one = json.loads(vidpipe("plan", clip, "--json", check=0).stdout)
    two = json.loads(vidpipe("plan", clip, other, "--json", check=0).stdout)
    assert set(one) == set(two) and len(one["videos"]) == 1 and len(two["videos"]) == 2
    assert one["videos"][0]["frame_indices"] == two["videos"][0]["frame_indices"]
