"""Output formats (docs/outputs.md "What the writers write"): format.safetensors read back by a
parser written here from the published format and by torch (torch.frombuffer on the offsets; the
`safetensors` package is not installed here: Debian's python3-torch 1.13 does not ship it), the
tensors listed in metadata.json, format.images against frames.npy and PIL, format.jsonl streaming."""
import io
import json
import struct

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from conftest import DEFAULT_GRAPH, read_json, vidpipe  # noqa: E402

CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32)
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32)
SETS = ["--set", "sample.nframes=7", "--set", "sample.frame_factor=1", "--set", "resize.max_pixels=50000"]


def graph_with(tmp_path, writers_yaml, name="g.yaml"):
    """The default graph with extra writers chained after format.npy (`in: write.clip` first);
    format.metadata reads the last one's clip, so it sees every artifact."""
    text = DEFAULT_GRAPH.read_text()
    head, _ = text.split("  metadata:\n")
    last = [line.split(":")[0].strip() for line in writers_yaml.splitlines() if line.startswith("  ") and
            not line.startswith("    ")][-1]
    g = tmp_path / name
    g.write_text(head + writers_yaml + f"  metadata:\n    type: format.metadata\n    in: {last}.clip\n")
    return g


def parse_safetensors(path):
    """The format as published: u64 little-endian header size, a JSON header, then the data;
    every tensor's data_offsets relative to the data's start, together covering it without holes."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    spans = sorted(tuple(v["data_offsets"]) for k, v in header.items() if k != "__metadata__")
    assert spans[0][0] == 0 and spans[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        if t["dtype"] == "BF16":  # the high half of a float32
            arr = (np.frombuffer(data[a:b], "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(data[a:b], {"U8": "u1", "F32": "<f4", "F16": "<f2", "I64": "<i8", "F64": "<f8"}[t["dtype"]])
        assert arr.size == int(np.prod(t["shape"])), name
        out[name] = arr.reshape(t["shape"])
    return header, out, 8 + n


def torch_tensor(path, header, start, name):
    t = header[name]
    dt = {"U8": torch.uint8, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "F64": torch.float64}[t["dtype"]]
    a, b = t["data_offsets"]
    buf = bytearray(path.read_bytes())
    return torch.frombuffer(buf, dtype=dt, offset=start + a, count=(b - a) // torch.tensor([], dtype=dt).element_size()
                            ).reshape(t["shape"])


@pytest.fixture(scope="module")
def run_all(videos, tmp_path_factory):
    """One run writing frames.npy, the HF tensors and safetensors in every dtype."""
    d = tmp_path_factory.mktemp("outputs")
    writers = "  hf:\n    type: format.hf\n    in: write.clip\n    params: {container: both, dtype: bfloat16}\n"
    prev = "hf"
    for dt in ["uint8", "float32", "float16", "bfloat16"]:
        writers += f"  st_{dt}:\n    type: format.safetensors\n    in: {prev}.clip\n    params: {{dtype: {dt}, file: {dt}.safetensors}}\n"
        prev = f"st_{dt}"
    writers += "  npy_bf16:\n    type: format.npy\n    in: st_bfloat16.clip\n" \
               "    params: {dtype: bfloat16, normalize: mean_std, file: bf16.npy}\n"
    g = graph_with(d, writers)
    vidpipe("run", g, videos["b"], "-o", d / "out", *SETS, check=0)
    return d / "out" / "b"


def test_safetensors_frames_every_dtype(run_all):
    frames = np.load(run_all / "frames.npy")
    x = (frames.astype(np.float32) * np.float32(1 / 255) - CLIP_MEAN[None, :, None, None]) / CLIP_STD[None, :, None, None]
    want = torch.from_numpy(np.ascontiguousarray(x))
    for dt in ["uint8", "float32", "float16", "bfloat16"]:
        path = run_all / f"{dt}.safetensors"
        header, tensors, start = parse_safetensors(path)
        assert start % 8 == 0
        got = torch_tensor(path, header, start, "frames")
        assert tuple(got.shape) == frames.shape
        if dt == "uint8":
            assert np.array_equal(tensors["frames"], frames) and np.array_equal(got.numpy(), frames)
        elif dt == "float32":
            assert torch.equal(got, want) and np.array_equal(tensors["frames"], x)
        elif dt == "float16":
            assert torch.equal(got, want.to(torch.float16))
        else:  # bf16 exactly: torch's rounding, and this file's parser agrees
            assert torch.equal(got, want.to(torch.bfloat16))
            assert np.array_equal(tensors["frames"], want.to(torch.bfloat16).float().numpy())
        assert header["__metadata__"]["layout"] == "TCHW"


def test_safetensors_side_tensors_match_metadata_and_hf(run_all):
    meta = read_json(run_all / "metadata.json")
    header, t, start = parse_safetensors(run_all / "uint8.safetensors")
    assert t["indices"].tolist() == meta["frame_indices"]
    assert t["timestamps"].tolist() == meta["timestamps"]
    assert t["grid_thw"].tolist() == meta["grid_thw"]
    assert t["second_per_grid_ts"].tolist() == [meta["tokens"]["second_per_grid_ts"]]
    hf = np.load(run_all / "inputs.video_grid_thw.npy")
    assert hf.tolist() == [t["grid_thw"].tolist()]
    assert torch.equal(torch_tensor(run_all / "uint8.safetensors", header, start, "indices"),
                       torch.tensor(meta["frame_indices"], dtype=torch.int64))


def test_metadata_lists_every_tensor(run_all):
    meta = read_json(run_all / "metadata.json")
    by = {(t["file"], t["tensor"]): t for t in meta["tensors"]}
    frames = np.load(run_all / "frames.npy")
    npy = by[("frames.npy", "frames")]
    assert (npy["dtype"], npy["shape"], npy["layout"]) == ("uint8", list(frames.shape), "TCHW")
    bf = by[("bf16.npy", "frames")]
    a = np.load(run_all / "bf16.npy")
    assert bf["dtype"] == "bfloat16" and a.dtype == np.uint16 and bf["npy_descr"] == "<u2" and bf["shape"] == list(a.shape)
    pv = np.load(run_all / "inputs.pixel_values_videos.npy")
    assert by[("inputs.pixel_values_videos.npy", "pixel_values_videos")]["shape"] == list(pv.shape)
    assert by[("inputs.pixel_values_videos.npy", "pixel_values_videos")]["dtype"] == "bfloat16"
    assert by[("inputs.video_grid_thw.npy", "video_grid_thw")]["dtype"] == "int64"
    header, _, _ = parse_safetensors(run_all / "inputs.safetensors")
    assert by[("inputs.safetensors", "pixel_values_videos")]["shape"] == header["pixel_values_videos"]["shape"]
    for dt in ["uint8", "float32", "float16", "bfloat16"]:
        header, _, _ = parse_safetensors(run_all / f"{dt}.safetensors")
        names = {k for k in header if k != "__metadata__"}
        listed = {t["tensor"]: t for (f, _), t in by.items() if f == f"{dt}.safetensors"}
        assert set(listed) == names
        for n in names:
            assert listed[n]["shape"] == header[n]["shape"]
        assert listed["frames"]["dtype"] == dt


def test_safetensors_frames_equal_npy_on_a_second_video(videos, tmp_path):
    # the default dtype and file name, another size and frame count
    g = graph_with(tmp_path, "  st:\n    type: format.safetensors\n    in: write.clip\n")
    vidpipe("run", g, videos["small"], "-o", tmp_path / "o", "--set", "sample.nframes=12", "--set",
            "resize.max_pixels=20000", check=0)
    header, t, _ = parse_safetensors(tmp_path / "o" / "small" / "frames.safetensors")
    assert np.array_equal(t["frames"], np.load(tmp_path / "o" / "small" / "frames.npy"))


def test_safetensors_uint8_with_normalize_is_refused(videos, tmp_path):
    g = graph_with(tmp_path, "  st:\n    type: format.safetensors\n    in: write.clip\n    params: {normalize: rescale}\n")
    p = vidpipe("run", g, videos["small"], "-o", tmp_path / "o")
    assert p.returncode != 0 and "float dtype" in p.stderr


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255 ** 2 / mse)


def test_images_png_exact_and_jpeg_close(videos, tmp_path):
    Image = pytest.importorskip("PIL.Image")
    g = graph_with(tmp_path, "  png:\n    type: format.images\n    in: write.clip\n    params: {format: png, folder: png}\n"
                             "  jpg:\n    type: format.images\n    in: png.clip\n    params: {quality: 90}\n")
    vidpipe("run", g, videos["b"], "-o", tmp_path / "o", *SETS, check=0)
    out = tmp_path / "o" / "b"
    frames = np.load(out / "frames.npy").transpose(0, 2, 3, 1)
    meta = read_json(out / "metadata.json")
    names = [f"{i:06d}_{t:.3f}s" for i, t in zip(meta["frame_indices"], meta["timestamps"])]
    assert sorted(p.name for p in (out / "png").iterdir()) == [n + ".png" for n in names]
    assert sorted(p.name for p in (out / "frames").iterdir()) == [n + ".jpg" for n in names]
    for k, n in enumerate(names):
        assert np.array_equal(np.asarray(Image.open(out / "png" / f"{n}.png").convert("RGB")), frames[k])
        # as close as PIL's own JPEG at the same quality (testsrc2's saturated edges cost 4:2:0 JPEG ~27 dB)
        buf = io.BytesIO()
        Image.fromarray(frames[k]).save(buf, "JPEG", quality=90)
        pil = psnr(np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB")), frames[k])
        assert psnr(np.asarray(Image.open(out / "frames" / f"{n}.jpg").convert("RGB")), frames[k]) > min(pil - 1.0, 30)
    arts = {a["name"]: a for a in meta["artifacts"]}
    assert arts["png"]["kind"] == "images" and arts["frames"]["kind"] == "images"
    marker = read_json(out / ".vidpipe-output.json")
    assert "png" in marker["files"] and "frames" in marker["files"]


def test_jsonl_lines_in_order_with_pictures(videos, tmp_path):
    Image = pytest.importorskip("PIL.Image")
    import base64
    g = graph_with(tmp_path, "  png:\n    type: format.images\n    in: write.clip\n    params: {format: png}\n"
                             "  lines:\n    type: format.jsonl\n    in: png.clip\n    params: {format: png}\n"
                             "  paths:\n    type: format.jsonl\n    in: lines.clip\n"
                             "    params: {image: path, format: png, file: paths.jsonl}\n")
    vidpipe("run", g, videos["b"], "-o", tmp_path / "o", *SETS, check=0)
    out = tmp_path / "o" / "b"
    frames = np.load(out / "frames.npy").transpose(0, 2, 3, 1)
    meta = read_json(out / "metadata.json")
    lines = [json.loads(s) for s in (out / "frames.jsonl").read_text().splitlines()]
    assert [x["index"] for x in lines] == meta["frame_indices"]
    assert [x["timestamp"] for x in lines] == meta["timestamps"]
    for k, x in enumerate(lines):
        head, data = x["image"].split(",", 1)
        assert head == "data:image/png;base64"
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")), frames[k])
    for x in (json.loads(s) for s in (out / "paths.jsonl").read_text().splitlines()):
        assert (out / x["path"]).is_file()


def test_jsonl_first_line_readable_before_the_job_ends(videos, tmp_path):
    """A consumer follows the line file while the job runs (in the job's staging folder,
    docs/outputs.md) and gets the first frame long before the last is decoded."""
    import glob
    import subprocess
    import threading
    import time
    from conftest import VIDPIPE
    g = graph_with(tmp_path, "  lines:\n    type: format.jsonl\n    in: write.clip\n    params: {format: png}\n")
    out = tmp_path / "o"
    seen = {}

    def follow():
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60 and "line" not in seen:
            for path in glob.glob(str(out / ".c.partial-*" / "frames.jsonl.tmp")):
                with open(path) as f:
                    first = f.readline()
                if first.endswith("\n"):
                    seen["line"], seen["running"] = json.loads(first), proc.poll() is None
            time.sleep(0.002)

    proc = subprocess.Popen([str(VIDPIPE), "run", str(g), str(videos["c"]), "-o", str(out), "--set", "sample.nframes=120",
                             "--set", "resize.max_pixels=1000000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader = threading.Thread(target=follow)
    reader.start()
    reader.join()
    assert proc.wait(timeout=120) == 0
    assert seen["running"], "the first line was only readable after the job ended"
    first = json.loads((out / "c" / "frames.jsonl").read_text().splitlines()[0])
    assert seen["line"] == first and first["index"] == 0


def test_jsonl_to_stdout_streams_while_the_job_runs(videos, tmp_path):
    """`to: stdout`: the lines arrive on vidpipe's stdout, the first while the video is still
    being decoded (the process runs on), each with its input; the report goes to stderr, and the
    folder's outputs are as without it."""
    import subprocess
    from conftest import VIDPIPE
    g = graph_with(tmp_path, "  lines:\n    type: format.jsonl\n    in: write.clip\n    params: {image: none, to: stdout}\n")
    out = tmp_path / "o"
    proc = subprocess.Popen([str(VIDPIPE), "run", str(g), str(videos["c"]), "-o", str(out), "--json", "--set",
                             "sample.nframes=120", "--set", "resize.max_pixels=1000000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = json.loads(proc.stdout.readline())
    running = proc.poll() is None
    rest = [json.loads(line) for line in proc.stdout]
    report = json.loads(proc.stderr.read())
    assert proc.wait(timeout=120) == 0
    assert running, "the first line came only after the run ended"
    lines = [first] + rest
    meta = read_json(out / "c" / "metadata.json")
    assert [x["index"] for x in lines] == meta["frame_indices"] and len(lines) == 120
    assert all(x["input"] == str(videos["c"]) and "image" not in x for x in lines)
    assert report["jobs"][0]["status"] == "ok"
    assert not (out / "c" / "frames.jsonl").exists()
    # Without -o: only the lines (and the report on stderr).
    p = vidpipe("run", g, videos["b"], *SETS, "--set", "lines.image=base64", check=0)
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(lines) == 7 and all(x["image"].startswith("data:image/jpeg;base64,") for x in lines)
    assert "summarised" not in p.stderr
