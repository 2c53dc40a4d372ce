"""Short and frameless videos through every shipped graph, sizes in messages, and library log
lines kept off stderr. Expected frames and tokens come from a transcription of the reference
rules (qwen-vl-utils' smart_nframes and video sizing, the Qwen processor's temporal padding,
LLaVA's np.linspace sampling), not from vidpipe."""
import json
import math
import struct
import subprocess
import zlib

import numpy as np
import pytest

from conftest import SOURCE, ffmpeg, make_video, read_json, vidpipe
from test_reference_math import ceil_by_factor, floor_by_factor, round_by_factor, smart_resize

torch = pytest.importorskip("torch")
torchvision_io = pytest.importorskip("torchvision.io")

GRAPHS = SOURCE / "graphs"
FPS = 25  # of the test videos


# ---- transcription of the reference rules ---------------------------------------------------
def smart_nframes(N, r, fps=None, nframes=None, min_frames=None, max_frames=None, factor=2):
    """qwen-vl-utils 0.0.10+ smart_nframes, FRAME_FACTOR as a parameter (the openai profile uses 1)."""
    if nframes is not None:
        n = round_by_factor(nframes, factor)
    else:
        fps = 2.0 if fps is None else fps
        min_f = ceil_by_factor(4 if min_frames is None else min_frames, factor)
        max_f = floor_by_factor(min(768, N) if max_frames is None else max_frames, factor)
        n = floor_by_factor(min(min(max(N / r * fps, min_f), max_f), N), factor)
    if not (factor <= n <= N):
        raise ValueError(f"nframes should in interval [{factor}, {N}], but got {n}")
    return n


def sample_padded(N, r, factor=2, **kv):
    """sample.uniform with short_video=pad: the reference's indices where it does not raise; where
    it raises for lack of frames, fewer than `factor` frames -> all of them, then the last one
    repeated (the processor pads a clip to whole temporal patches: transformers' Qwen2-VL video
    processor appends copies of the last frame); more nframes than frames -> linspace over them."""
    if kv.get("nframes") is not None:
        n = round_by_factor(kv["nframes"], factor)
        if n >= factor and n > N:
            return torch.linspace(0, N - 1, n).round().long().tolist()
    elif N < factor:
        return list(range(N)) + [N - 1] * (factor - N)
    n = smart_nframes(N, r, factor=factor, **kv)
    return torch.linspace(0, N - 1, n).round().long().tolist()


def qwen_size(h, w, n, F, min_px, video_max, total):
    """docs/qwen-reference.md §2.7: the per-frame cap from the frame count, then smart_resize."""
    cap = max(min(video_max, total / n * 2), int(min_px * 1.05))
    return smart_resize(h, w, F, min_px, cap)


QWEN = {  # graph -> (factor, patch, min_pixels, video_max_pixels, total_pixels)
    "qwen2_5_vl": (28, 14, 100352, 602112, 90316800),
    "qwen2_5_vl_budget": (28, 14, 100352, 602112, 90316800),
    "qwen2_5_vl_fast": (28, 14, 100352, 602112, 90316800),
    "qwen2_5_vl_scenes": (28, 14, 100352, 602112, 90316800),  # one shot: sample.scene takes what uniform takes
    "qwen2_5_vl_adaptive": (28, 14, 100352, 602112, 90316800),
    "qwen3_vl": (32, 16, 131072, 786432, 117964800),
}
LLAVA = {"llava_onevision": (32, lambda n: n * 196 + 1), "llava_video": (64, lambda n: n * 182)}


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    d = tmp_path_factory.mktemp("short")
    out = {}
    for n in (1, 2, 3):
        out[n] = d / f"f{n}.mp4"
        ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=64x48:rate={FPS}", "-vf", "hue=h=90*n", "-frames:v", n,
               "-pix_fmt", "yuv420p", out[n])  # every frame a different hue
    return out


def test_every_shipped_graph_takes_1_2_and_3_frame_videos(short, tmp_path):
    shipped = sorted(p.stem for p in GRAPHS.glob("*.yaml"))
    assert shipped == sorted([*QWEN, *LLAVA, "openai", "contact_sheet"])
    for graph in shipped:
        out = tmp_path / graph
        p = vidpipe("run", GRAPHS / f"{graph}.yaml", *short.values(), "-o", out)
        assert p.returncode == 0 and p.stderr == "", (graph, p.stderr)
        for N, video in short.items():
            meta = read_json(out / video.stem / "metadata.json")
            idx = meta["frame_indices"]
            if graph == "contact_sheet":  # no model, one shot: 16 asked, more than the video has
                assert idx == sample_padded(N, FPS), (N, idx)
                assert (out / video.stem / "contact_sheet.jpg").stat().st_size > 0
                continue
            if graph in QWEN:
                F, patch, min_px, vmax, total = QWEN[graph]
                want = sample_padded(N, FPS)
                if graph == "qwen2_5_vl_adaptive" and len(want) < N:  # 2 of 3 frames, by change: frame 0
                    # weighs only its static share, so the quantile picks are 1 and 2; a hue rotation
                    # keeps the luma, so 2 is a pHash near-duplicate of 1 and, no distinct frame left,
                    # is replaced by the middle of the largest gap, frame 0 (docs/sampling.md §7)
                    want = [0, 1]
                h, w = qwen_size(48, 64, len(want), F, min_px, vmax, total)
                grid = [math.ceil(len(want) / 2), h // patch, w // patch]
                tokens = grid[0] * grid[1] * grid[2] // 4
                shape = (len(want), 3, h, w)
            elif graph in LLAVA:
                n, tokens_of = LLAVA[graph]
                want = np.linspace(0, N - 1, n).astype(int).tolist()  # lmms-eval load_video
                grid, tokens, shape = [n, 27, 27], tokens_of(n), (n, 3, 384, 384)
            else:  # openai: 1 fps, at least 1 frame (frame_factor 1), at most 50
                want = sample_padded(N, FPS, factor=1, fps=1.0, min_frames=1, max_frames=50)
                grid, tokens, shape = None, 85 * len(want), None
            assert idx == want, (graph, N)
            assert meta["repeated_frames"] == max(0, len(want) - N), (graph, N)
            assert ("repeated_frames_why" in meta) == (meta["repeated_frames"] > 0), (graph, N)
            assert meta["sample_fps"] == pytest.approx(len(want) / N * FPS)
            assert meta["total_tokens"] == tokens, (graph, N)
            if grid:
                assert meta["grid_thw"] == grid, (graph, N)
            if shape:
                frames = np.load(out / video.stem / "frames.npy")
                assert frames.shape == shape, (graph, N)
                for k in range(1, len(idx)):  # a repeated index is the same picture
                    assert np.array_equal(frames[k], frames[k - 1]) == (idx[k] == idx[k - 1]), (graph, N, k)
            else:
                parts = read_json(out / video.stem / "messages.json")[0]["content"]
                assert sum(p["type"] == "image_url" for p in parts) == len(want)
        if graph == "qwen3_vl":  # one temporal group of frame 0 twice: "<0.0 seconds>"
            assert read_json(out / "f1" / "metadata.json")["tokens"]["timestamp_texts"] == ["<0.0 seconds>"]


def test_a_video_found_to_hold_one_frame_is_padded(tmp_path):
    """Packets say 2 frames, one decodes: the probe finds it, the sampler plans with its rule,
    padding included, and the metadata describes the plan the frames were decoded for."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=64x48:rate={FPS}", "-frames:v", 3, "-g", 1, "-movflags", "+faststart",
           tmp_path / "whole.mp4")
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pos",
                            "-of", "json", tmp_path / "whole.mp4"], capture_output=True, text=True, check=True)
    second = int(json.loads(probe.stdout)["packets"][1]["pos"])
    (tmp_path / "cut.mp4").write_bytes((tmp_path / "whole.mp4").read_bytes()[:second + 20])
    vidpipe("run", tmp_path / "cut.mp4", "-o", tmp_path / "o", check=0)
    meta = read_json(tmp_path / "o" / "cut" / "metadata.json")
    assert meta["total_frames"] == 1 and meta["video"]["frame_count_source"] == "decoded"
    assert meta["frame_indices"] == sample_padded(1, FPS) == [0, 0] and meta["repeated_frames"] == 1
    assert "frame_factor 2" in meta["repeated_frames_why"]
    assert meta["sampled_range_frames"] == 1 and meta["sample_fps"] == pytest.approx(2 / 1 * FPS)


def test_plan_counts_the_repeated_frames_as_run_does(short, tmp_path):
    for graph, N in (("qwen2_5_vl", 1), ("llava_video", 3)):
        planned = json.loads(vidpipe("plan", GRAPHS / f"{graph}.yaml", short[N], "--json", check=0).stdout)["videos"][0]
        vidpipe("run", GRAPHS / f"{graph}.yaml", short[N], "-o", tmp_path / graph, check=0)
        meta = read_json(tmp_path / graph / short[N].stem / "metadata.json")
        for key in ("frame_indices", "repeated_frames", "repeated_frames_why"):
            assert planned[key] == meta[key], (graph, key)


def test_short_video_error_reproduces_the_reference(short, tmp_path):
    with pytest.raises(ValueError) as ref:
        smart_nframes(1, FPS)
    p = vidpipe("run", short[1], "-o", tmp_path, "--set", "sample.short_video=error")
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1 and len(lines) == 1, p.stderr
    assert str(ref.value) in lines[0] and "short_video=pad" in lines[0] and "stage 'sample'" in lines[0]
    assert not any(tmp_path.iterdir())
    # the hints name the fix for the case at hand, never "use fps mode" in fps mode
    p = vidpipe("run", short[3], "-o", tmp_path, "--set", "sample.max_frames=1")
    assert p.returncode == 1 and "[2, 3], but got 0" in p.stderr and "raise max_frames" in p.stderr, p.stderr
    assert "fps mode" not in p.stderr
    p = vidpipe("run", short[3], "-o", tmp_path, "--set", "sample.nframes=8", "--set", "sample.short_video=error")
    assert p.returncode == 1 and "[2, 3], but got 8" in p.stderr and "at most 2" in p.stderr, p.stderr


def test_padding_a_short_video_is_bounded(short):
    """nframes may be set up to 1e9; padding a 3-frame clip to that many samples is refused at once."""
    p = vidpipe("plan", short[3], "--set", "sample.nframes=1000000000", timeout=30)
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1 and len(lines) == 1 and "stage 'sample'" in lines[0], p.stderr
    assert "more than 500000 samples" in lines[0] and "lower nframes (to at most 3" in lines[0], lines[0]


def test_openai_on_clips_of_one_to_three_seconds(tmp_path):
    for seconds in (1, 3):
        video = make_video(tmp_path / f"{seconds}s.mp4", "64x48", FPS, seconds)
        p = vidpipe("run", GRAPHS / "openai.yaml", video, "-o", tmp_path / "out", check=0)
        meta = read_json(tmp_path / "out" / video.stem / "metadata.json")
        N = seconds * FPS
        assert meta["frame_indices"] == sample_padded(N, FPS, factor=1, fps=1.0, min_frames=1, max_frames=50)
        assert len(meta["frame_indices"]) == seconds and p.stderr == ""


def frameless_inputs(d):
    """Audio with cover art (a Matroska attachment; an MP4 attached picture), an MP4 cut before its
    moov atom, and an MP4 whose only video packet is cut short."""
    cover = d / "cover.png"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=64x64:d=1", "-frames:v", 1, cover)
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "libvorbis", "-attach", cover, "-metadata:s:t", "mimetype=image/png",
           d / "cover.mkv")
    ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-i", cover, "-map", 0, "-map", 1, "-c:a", "aac", "-c:v", "png",
           "-disposition:v", "attached_pic", d / "cover.m4a")
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-frames:v", 10, d / "whole.mp4")
    data = (d / "whole.mp4").read_bytes()
    (d / "no_moov.mp4").write_bytes(data[:data.find(b"moov") - 4])
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-frames:v", 1, "-movflags", "+faststart", d / "one.mp4")
    data = (d / "one.mp4").read_bytes()
    (d / "cut_packet.mp4").write_bytes(data[:data.find(b"mdat") + 24])
    return [d / "cover.mkv", d / "cover.m4a", d / "no_moov.mp4", d / "cut_packet.mp4"]


def test_inputs_without_video_frames_say_so_in_one_line(tmp_path):
    inputs = frameless_inputs(tmp_path)
    p = vidpipe("run", *inputs, "-o", tmp_path / "out")
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1 and len(lines) == len(inputs), p.stderr
    for inp, line in zip(sorted(inputs), sorted(lines)):
        assert line.startswith(f"vidpipe: {inp}: error in stage '"), line
        assert "has no video frames" in line and "(fix: " in line and "nframes" not in line, line
    assert "cover art" in p.stderr and "moov atom" in p.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_messages_print_sizes_width_by_height(tmp_path):
    tall = make_video(tmp_path / "tall.mp4", "16x3400", 5, 1, extra=("-preset", "ultrafast"))
    p = vidpipe("run", tall, "-o", tmp_path / "o")
    assert p.returncode == 1 and "got 16x3400" in p.stderr, p.stderr  # aspect ratio 212.5 > 200
    wide = make_video(tmp_path / "wide.mp4", "64x48", FPS, 1)
    p = vidpipe("run", wide, "-o", tmp_path / "o", check=0)
    assert "resized WxH" in p.stdout and " 392x280 " in p.stdout, p.stdout  # 48x64 -> 280 high, 392 wide
    p = vidpipe("plan", wide, check=0)
    assert "392x280" in p.stdout, p.stdout
    p = vidpipe("plan", GRAPHS / "qwen2_5_vl_budget.yaml", wide, "--set", "plan.max_context_tokens=100",
                "--set", "plan.on_overflow=error", "--set", "plan.reserve_tokens=0")
    assert "at 392x280 need" in p.stdout + p.stderr, p.stdout + p.stderr


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_library_logs_stay_off_stderr(tmp_path):
    """FFmpeg (also through OpenCV's fallback), libpng and libjpeg print nothing: stderr holds one
    vidpipe line per failed input, and one per input that is partial (damaged images that decode)."""
    # an MJPEG AVI whose frames claim 65535x65535 (the container says 64x64)
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=25", "-frames:v", 3, "-c:v", "mjpeg", tmp_path / "small.avi")
    sof = b"\xff\xc0\x00\x11\x08\x00\x40\x00\x40"
    data = (tmp_path / "small.avi").read_bytes()
    assert data.count(sof) == 3
    (tmp_path / "huge.avi").write_bytes(data.replace(sof, sof[:5] + b"\xff\xff\xff\xff"))
    # images: a 65535x65535 PNG header, a PNG with a bad CRC, a cut PNG, a cut JPEG, a JPEG with garbage
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", 1, tmp_path / "ok.png")
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", 1, tmp_path / "ok.jpg")
    huge = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 65535, 65535, 8, 2, 0, 0, 0))
    (tmp_path / "huge.png").write_bytes(huge + png_chunk(b"IDAT", zlib.compress(b"\0" * 999)) + png_chunk(b"IEND", b""))
    png, jpg = (tmp_path / "ok.png").read_bytes(), (tmp_path / "ok.jpg").read_bytes()
    bad = bytearray(png)
    bad[29] ^= 0xFF  # the IHDR CRC
    (tmp_path / "crc.png").write_bytes(bad)
    (tmp_path / "cut.png").write_bytes(png[:len(png) // 2])
    (tmp_path / "cut.jpg").write_bytes(jpg[:len(jpg) * 2 // 3])
    garbage = bytearray(jpg)
    for k in range(jpg.find(b"\xff\xda") + 40, len(jpg) - 10, 7):
        garbage[k] = 0xFF if k % 2 else 0
    (tmp_path / "garbage.jpg").write_bytes(garbage)
    seq = lambda *names: json.dumps([str(tmp_path / n) for n in names])  # noqa: E731
    failing = [tmp_path / "huge.avi", seq("huge.png"), seq("crc.png", "ok.png"), seq("cut.png", "ok.png"),
               tmp_path / "no_such.mp4"]
    damaged = [seq("cut.jpg", "ok.jpg"), seq("garbage.jpg", "ok.jpg")]
    for inputs, code in ((failing, 1), (damaged, 0)):
        out = tmp_path / f"out{code}"
        p = vidpipe("run", *inputs, "-o", out)
        lines = p.stderr.splitlines()
        assert p.returncode == code and len(lines) == len(inputs), p.stderr
        assert all(line.startswith("vidpipe: ") for line in lines), p.stderr
        if code:  # FFmpeg's reason is quoted in vidpipe's line instead
            assert "(FFmpeg: Picture size 65535x65535 is invalid)" in p.stderr, p.stderr
        else:
            assert all("partial output from a damaged input" in line for line in lines), p.stderr
    # the decoders' warnings on the damaged JPEGs are kept in the metadata
    warnings = [w for d in out.iterdir() for w in read_json(d / "metadata.json")["notes"]["decode"].get("warnings", [])]
    assert any("Premature end of JPEG file" in w for w in warnings), warnings
    assert any("Corrupt JPEG data" in w for w in warnings), warnings


def test_a_truncated_jpeg_in_a_frame_folder_is_partial(tmp_path):
    """libjpeg fills the rows a cut JPEG lacks (grey): the output is written, the input is partial
    with one damage line. A PNG whose text chunk has a bad CRC (libpng warns; the pixels are whole)
    stays ok."""
    d = tmp_path / "seq"
    d.mkdir()
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", "-frames:v", 4, d / "%d.jpg")
    whole = (d / "3.jpg").read_bytes()
    (d / "3.jpg").write_bytes(whole[:len(whole) * 2 // 3])
    p = vidpipe("run", d, "-o", tmp_path / "o")
    assert p.returncode == 0 and "1 inputs, 0 ok, 1 partial, 0 failed" in p.stdout, p.stdout + p.stderr
    damage = f"1 planned image is damaged, decoded with what the decoder could recover (first warning: " \
             f"{d / '3.jpg'}: libjpeg: Premature end of JPEG file)"
    assert p.stderr.splitlines() == [f"vidpipe: {d}: partial output from a damaged input: {damage}"]
    meta = read_json(tmp_path / "o" / "seq" / "metadata.json")
    assert meta["status"] == "partial" and meta["damage"] == damage
    assert meta["frame_indices"] == [0, 1, 2, 3]  # the damaged image is among the frames written

    png = tmp_path / "png"
    png.mkdir()
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", "-frames:v", 2, png / "%d.png")
    data = (png / "1.png").read_bytes()
    text = png_chunk(b"tEXt", b"Comment\0hello")
    text = text[:-4] + bytes(4)  # a wrong CRC: libpng warns and skips the chunk
    (png / "1.png").write_bytes(data[:33] + text + data[33:])  # after the signature and IHDR
    p = vidpipe("run", png, "-o", tmp_path / "p")
    assert p.returncode == 0 and "1 ok, 0 partial" in p.stdout and p.stderr == "", p.stdout + p.stderr
    meta = read_json(tmp_path / "p" / "png" / "metadata.json")
    assert meta["status"] == "ok" and any("CRC" in w for w in meta["notes"]["decode"]["warnings"]), meta["notes"]


@pytest.mark.parametrize("ext,pix_fmt", [("png", "rgb24"), ("png", "gray"), ("png", "pal8"), ("png", "rgba"),
                                          ("png", "ya8"), ("jpg", "yuvj420p"), ("jpg", "yuvj444p"), ("jpg", "gray")])
def test_images_decode_as_torchvision_decodes_them(tmp_path, ext, pix_fmt):
    """PNG and JPEG frames (decoded with libpng/libjpeg directly) equal torchvision.io's decoding
    (the same libraries, as PIL and OpenCV use them)."""
    d = tmp_path / "seq"
    d.mkdir()
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=97x61:rate=5", "-frames:v", 2, "-pix_fmt", pix_fmt, d / f"%d.{ext}")
    graph = tmp_path / "raw.yaml"
    graph.write_text("""vidpipe: 1
name: raw
nodes:
  probe:    {type: probe.ffmpeg, in: input}
  sample:   {type: sample.uniform, in: probe.info, params: {nframes: 2}}
  decode:   {type: decode.images, in: sample.plan}
  gather:   {type: gather.clip, in: decode.frames}
  write:    {type: format.npy, in: gather.clip, params: {layout: THWC}}
  metadata: {type: format.metadata, in: write.clip}
""")
    vidpipe("run", graph, d, "-o", tmp_path / "o", check=0)
    got = np.load(tmp_path / "o" / "seq" / "frames.npy")
    for i in range(2):
        data = torchvision_io.read_file(str(d / f"{i + 1}.{ext}"))
        want = torchvision_io.decode_image(data, mode=torchvision_io.ImageReadMode.RGB).permute(1, 2, 0).numpy()
        assert np.array_equal(got[i], want), (ext, pix_fmt, i)
