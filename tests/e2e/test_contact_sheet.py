"""format.contact_sheet and `vidpipe scenes --contact-sheet`: the sheet read back by the ffmpeg CLI
shows, tile by tile in plan order, the frames the CLI decodes at the planned indices, and marks
exactly the first tile of each new shot."""
import subprocess

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import ffmpeg, vidpipe, read_json

SHOTS = ["testsrc2", "smptebars", "mandelbrot"]  # 2 s each at 25 fps: cuts at frames 50 and 100
TILE_W, COLUMNS = 160, 3


@pytest.fixture(scope="module")
def three_shots(tmp_path_factory):
    path = tmp_path_factory.mktemp("sheet") / "três shots 426x240.mp4"
    inputs = []
    for s in SHOTS:
        inputs += ["-f", "lavfi", "-t", "2", "-i", f"{s}=size=426x240:rate=25"]
    ffmpeg(*inputs, "-filter_complex", "[0][1][2]concat=n=3:v=1,format=yuv420p", "-c:v", "libx264",
           "-sc_threshold", "0", path)
    return path


def decode_rgb(path, w, h, select=None):
    """Frames (N×h×w×3 uint8) of `path` decoded by the ffmpeg CLI, all or the `select`ed indices."""
    vf = ["-vf", "select='" + "+".join(f"eq(n\\,{i})" for i in select) + "'", "-vsync", "0"] if select else []
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), *vf, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def image_size(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "stream=width,height",
                          "-of", "csv=p=0", str(path)], check=True, capture_output=True, text=True).stdout
    w, h = map(int, out.strip().split(","))
    return w, h


def thumbnail(frame, w, h):
    t = torch.from_numpy(frame.copy()).permute(2, 0, 1)[None].float()
    return F.interpolate(t, size=(h, w), mode="area")[0].permute(1, 2, 0).numpy()


def test_tiles_are_the_planned_frames_and_new_shots_are_marked(three_shots, tmp_path):
    sets = ["--set", "sample.nframes=6", "--set", f"sheet.columns={COLUMNS}", "--set", f"sheet.tile_width={TILE_W}"]
    vidpipe("run", "contact_sheet", three_shots, "-o", tmp_path, *sets, check=0)
    indices = read_json(tmp_path / three_shots.stem / "metadata.json")["frame_indices"]
    assert len(indices) == 6
    sheet_file = tmp_path / three_shots.stem / "contact_sheet.jpg"
    w, h = image_size(sheet_file)
    assert w == COLUMNS * TILE_W
    sheet = decode_rgb(sheet_file, w, h)[0].astype(np.float32)
    tile_h = round(TILE_W * 240 / 426)
    frames = decode_rgb(three_shots, 426, 240, select=indices)
    assert len(frames) == len(indices)
    thumbs = [thumbnail(f, TILE_W, tile_h) for f in frames]

    rows = {}
    for k, thumb in enumerate(thumbs):  # find each thumbnail in its column: the tile's top row
        x = (k % COLUMNS) * TILE_W
        errors = [np.abs(sheet[y:y + tile_h, x:x + TILE_W] - thumb).mean() for y in range(h - tile_h + 1)]
        y = int(np.argmin(errors))
        assert errors[y] < 8, f"pick {k} (frame {indices[k]}) not found in its tile: error {errors[y]:.1f}"
        rows.setdefault(k // COLUMNS, set()).add(y)
        other = [np.abs(sheet[y:y + tile_h, x:x + TILE_W] - t).mean() for j, t in enumerate(thumbs)
                 if indices[j] // 50 != indices[k] // 50]
        assert min(other) > 3 * errors[y], "the tile is a frame of another shot"
    assert all(len(ys) == 1 for ys in rows.values()), rows  # one top per row
    tops = [rows[r].pop() for r in sorted(rows)]
    assert tops == sorted(tops) and tops[0] > 0  # rows in order, below the title

    # The red bar: at the left edge of the caption under the first tile of each new shot only.
    caption_y = [tops[k // COLUMNS] + tile_h + 4 for k in range(len(indices))]
    marked = [k for k in range(len(indices)) if indices[k] // 50 != indices[k - 1] // 50 and k > 0]
    assert len(marked) == 2
    for k in range(len(indices)):
        r, g, b = sheet[caption_y[k], (k % COLUMNS) * TILE_W + 1]
        is_red = r > 150 and g < 100 and b < 100
        assert is_red == (k in marked), f"pick {k}: colour {r, g, b}"


def test_scenes_command_writes_the_same_sheet(three_shots, tmp_path):
    vidpipe("run", "contact_sheet", three_shots, "-o", tmp_path / "run", check=0)
    target = tmp_path / "sheet ✓.jpg"
    p = vidpipe("scenes", three_shots, "--contact-sheet", target, check=0)
    assert "3 scenes" in p.stdout
    assert target.read_bytes() == (tmp_path / "run" / three_shots.stem / "contact_sheet.jpg").read_bytes()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["run", "sheet ✓.jpg"]  # its staging folder is gone


def test_contact_sheet_errors(three_shots, tmp_path):
    p = vidpipe("scenes", three_shots, three_shots, "--contact-sheet", tmp_path / "a.jpg", check=2)
    assert "one INPUT" in p.stderr and not list(tmp_path.iterdir())
    p = vidpipe("scenes", three_shots, "--contact-sheet", tmp_path / "missing" / "a.jpg", check=1)
    assert p.stderr.count("\n") == 1 and "missing" in p.stderr and not list(tmp_path.iterdir())
    p = vidpipe("run", "contact_sheet", three_shots, "-o", tmp_path, "--set", "sheet.tile_width=5000", check=2)
    assert "tile_width" in p.stderr and not list(tmp_path.iterdir())
    p = vidpipe("run", "contact_sheet", three_shots, "-o", tmp_path, "--set", "sheet.file=../x.jpg", check=2)
    assert "plain file name" in p.stderr and not (tmp_path.parent / "x.jpg").exists()


def test_plan_of_a_graph_without_a_model_is_the_samplers_plan(three_shots, tmp_path):
    """`vidpipe plan` on contact_sheet (no model): the picks `vidpipe run` decodes, without sizes."""
    import json
    p = vidpipe("plan", "contact_sheet", three_shots, "--json", "--set", "sample.nframes=6", check=0)
    [video] = json.loads(p.stdout)["videos"]
    vidpipe("run", "contact_sheet", three_shots, "-o", tmp_path, "--set", "sample.nframes=6", check=0)
    meta = read_json(tmp_path / three_shots.stem / "metadata.json")
    assert video["sampler"] == "sample.scene" and video["nframes"] == 6
    assert video["frame_indices"] == meta["frame_indices"]
    assert video["timestamps"] == pytest.approx(meta["timestamps"])
    text = vidpipe("plan", "contact_sheet", three_shots, "--set", "sample.nframes=6", check=0).stdout
    assert text.count("\n") == 1 and "6 frames" in text and "no model" in text
