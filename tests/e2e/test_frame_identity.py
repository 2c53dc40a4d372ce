"""The probe is the authority on the frame count and on which frame is frame i.

- A truncated file, a header that lies about its frame count, packets at the end that do not
  decode: every metadata field equals what a clean file of the true length gives, and
  `vidpipe plan --json` equals what `vidpipe run` did (the plan is made once, on the true count).
- Broken muxes whose pts do not give presentation order (pts = dts while B-frames reorder; AVI
  with packed B-frames): frame i is the i-th frame the decoder outputs, byte for byte what
  `ffmpeg -vf select=eq(n\\,i) -vsync 0` and PyAV give.
"""
import json
import struct
import subprocess

import av
import numpy as np
import pytest

from conftest import DECODE_ONLY_GRAPH, DEFAULT_GRAPH, ffmpeg, read_json, run_meta, vidpipe

# What a model sees of the plan: all of it must follow the true frame count.
FIELDS = ("total_frames", "sampled_range_frames", "num_frames", "sample_fps", "frame_indices", "timestamps",
          "duration", "resized_height", "resized_width", "grid_thw", "total_tokens", "repeated_frames",
          "padded_frames")
TOKEN_FIELDS = ("second_per_grid_ts", "mrope_time_ids_head", "video_pad_tokens", "prompt")
PLAN_FIELDS = [("nframes", "num_frames"), ("frame_indices", "frame_indices"), ("sample_fps", "sample_fps"),
               ("resized_height", "resized_height"), ("resized_width", "resized_width"), ("grid_thw", "grid_thw"),
               ("total_tokens", "total_tokens"), ("padded_frames", "padded_frames"),
               ("repeated_frames", "repeated_frames")]


def cli_frame_count(video):
    p = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v", "-show_entries",
                        "stream=nb_read_frames", "-of", "csv=p=0", str(video)], capture_output=True, text=True)
    return int(p.stdout.strip().strip(","))


def packet_positions(video):
    p = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pos,size",
                        "-of", "json", str(video)], capture_output=True, text=True, check=True)
    return [(int(k["pos"]), int(k["size"])) for k in json.loads(p.stdout)["packets"]]


def reencoded(src, dst, frames=None):
    """A clean file of what the ffmpeg CLI decodes from `src` (its first `frames` frames)."""
    limit = ("-frames:v", frames) if frames else ()
    ffmpeg("-i", src, *limit, "-map", "0:v", "-c:v", "libx264", "-g", "30", "-pix_fmt", "yuv420p", dst)
    return dst


def patch_avi_frame_count(src, dst, frames):
    """An AVI whose headers (avih dwTotalFrames, strh dwLength) claim `frames` frames."""
    b = bytearray(src.read_bytes())
    avih = b.find(b"avih")
    struct.pack_into("<I", b, avih + 8 + 16, frames)
    strh = b.find(b"strhvids")
    struct.pack_into("<I", b, strh + 8 + 32, frames)
    dst.write_bytes(bytes(b))
    return dst


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("identity")
    full = d / "full.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=3", "-f", "lavfi", "-i", "sine=d=3",
           "-c:v", "libx264", "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-movflags",
           "+faststart", full)
    data = full.read_bytes()
    f = {"full": full}
    # Cut in half: the header lists 90 frames, fewer are there.
    f["trunc"] = d / "trunc.mp4"
    f["trunc"].write_bytes(data[: len(data) // 2])
    # Cut inside a packet: the last packet is there but short.
    pos, size = packet_positions(full)[60]
    f["cut"] = d / "cut.mp4"
    f["cut"].write_bytes(data[: pos + size // 3])
    # A complete AVI whose header claims 444 frames (it holds 90).
    avi = d / "clean.avi"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=3", "-c:v", "mpeg4", "-q:v", "4", avi)
    f["lying"] = patch_avi_frame_count(avi, d / "lying.avi", 444)
    f["clean_avi"] = avi
    for name in ("trunc", "cut"):
        f["clean_" + name] = reencoded(f[name], d / f"clean_{name}.mp4")
    return f


def plan_json(video, *sets, graph=DEFAULT_GRAPH):
    args = ["plan", graph, video, "--json"]
    for s in sets:
        args += ["--set", s]
    return json.loads(vidpipe(*args, check=0).stdout)["videos"][0]


def assert_same_plan(meta, clean):
    for k in FIELDS:
        assert meta[k] == pytest.approx(clean[k]), (k, meta[k], clean[k])
    for k in TOKEN_FIELDS:
        assert meta["tokens"][k] == pytest.approx(clean["tokens"][k]), (k, meta["tokens"][k], clean["tokens"][k])


@pytest.mark.parametrize("name", ["trunc", "cut", "lying"])
@pytest.mark.parametrize("count_packets", ["true", "false"])
@pytest.mark.parametrize("sample", ["sample.nframes=8", "sample.fps=2.0"])
def test_metadata_of_a_damaged_file_is_that_of_a_clean_file_of_its_true_length(files, tmp_path, name,
                                                                                count_packets, sample):
    video = files[name]
    clean = files["clean_avi" if name == "lying" else "clean_" + name]
    true_n = cli_frame_count(video)
    assert cli_frame_count(clean) == true_n  # the reference is what the test means
    sets = (sample, f"probe.count_packets={count_packets}")
    meta = run_meta(video, tmp_path / "d", *sets)
    want = run_meta(clean, tmp_path / "c", *sets)
    assert meta["total_frames"] == true_n
    assert_same_plan(meta, want)
    assert "replan" not in meta["notes"]
    planned = plan_json(video, *sets)
    for k_plan, k_run in PLAN_FIELDS:
        assert planned[k_plan] == pytest.approx(meta[k_run]), (k_plan, planned[k_plan], meta[k_run])
    assert planned["status"] == meta["status"]


def test_a_header_count_that_holds_is_taken_without_demuxing(files, tmp_path):
    """count_packets=false on a sound file: the header's count, confirmed by decoding its end."""
    meta = run_meta(files["full"], tmp_path, "sample.nframes=8", "probe.count_packets=false")
    video = meta["video"]
    assert meta["total_frames"] == 90 and video["frame_count_source"] == "header"
    assert "end_check" in video["extra"] and meta["status"] == "ok"


def test_the_decoder_does_not_check_the_tail_again(files, tmp_path):
    """The probe decoded the last GOP of the truncated file; the decoder decodes planned frames only
    (frame 0 and the last frame: two GOPs at most), and a sound file's tail is not decoded at all."""
    meta = run_meta(files["trunc"], tmp_path / "t", "sample.nframes=2")
    assert meta["video"]["extra"]["end_check"].startswith("decoded")
    assert meta["video"]["extra"]["end_check_frames"] > 0
    dec = meta["notes"]["decode"]
    assert "end_check" not in dec and dec["decoded_frames"] <= 1 + meta["total_frames"] % 30 + 30
    meta = run_meta(files["full"], tmp_path / "f", "sample.nframes=2")
    assert "end_check" not in meta["video"]["extra"] and meta["video"]["frame_count_source"] == "packets"


# --- frame order on broken muxes ----------------------------------------------------------------------

def cli_frames(video):
    p = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vsync", "0", "-f", "rawvideo", "-pix_fmt",
                        "rgb24", "-"], capture_output=True, check=True)
    return p.stdout


def cli_selected(video, indices):
    sel = "+".join(f"eq(n\\,{i})" for i in sorted(set(indices)))
    p = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vf", f"select={sel}", "-vsync", "0",
                        "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True)
    return p.stdout


def pyav_frames(video):
    with av.open(str(video)) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    d = tmp_path_factory.mktemp("broken_mux")
    src = d / "src.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-c:v", "libx264", "-bf", "3",
           "-g", "50", "-pix_fmt", "yuv420p", src)
    v = {}
    for ext in ("mp4", "mkv"):  # pts overwritten with dts: sorting pts gives decode order
        v[f"pts_dts_{ext}"] = d / f"pts_dts.{ext}"
        ffmpeg("-i", src, "-c", "copy", "-bsf:v", "setts=pts=DTS", v[f"pts_dts_{ext}"])
    v["asp_avi"] = d / "asp.avi"  # MPEG-4 ASP with B-frames: AVI has no pts for them
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-c:v", "mpeg4", "-bf", "2",
           "-g", "50", "-q:v", "4", v["asp_avi"])
    if "libxvid" in subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True).stdout:
        v["packed_avi"] = d / "packed.avi"  # xvid packs each B-frame with its P-frame
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4", "-c:v", "libxvid", "-bf", "2",
               "-g", "50", "-q:v", "4", v["packed_avi"])
    return v


@pytest.mark.parametrize("name", ["pts_dts_mp4", "pts_dts_mkv", "asp_avi", "packed_avi"])
@pytest.mark.parametrize("nframes", [8, 30])
def test_frame_i_is_the_decoders_i_th_output(broken, tmp_path, name, nframes):
    if name not in broken:
        pytest.skip("this ffmpeg has no libxvid encoder")
    video = broken[name]
    graph = tmp_path / "decode_only.yaml"
    graph.write_text(DECODE_ONLY_GRAPH)
    meta = run_meta(video, tmp_path, f"sample.nframes={nframes}", "decode.color_matrix=auto", graph=graph)
    ours = np.load(tmp_path / video.stem / "frames.npy").transpose(0, 2, 3, 1)
    h, w = ours.shape[1:3]
    every = np.frombuffer(cli_frames(video), np.uint8).reshape(-1, h, w, 3)
    pyav = pyav_frames(video)
    assert len(every) == len(pyav) == meta["total_frames"]
    idx = meta["frame_indices"]
    assert np.array_equal(pyav, every)  # the two references agree
    selected = np.frombuffer(cli_selected(video, idx), np.uint8).reshape(-1, h, w, 3)
    assert np.array_equal(ours[np.unique(idx, return_index=True)[1]], selected)
    assert np.array_equal(ours, every[idx])
    if name.startswith("pts_dts"):
        assert meta["status"] == "ok", meta.get("damage")
        assert "decoder output" in meta["video"]["extra"]["frame_order"]
        assert meta["notes"]["decode"]["strategy"] == "output order" and meta["notes"]["decode"]["seeks"] == 0


# --- the probe's packet index travels to the decoder ------------------------------------------------

def test_the_decoder_reuses_the_probes_packet_index(files, tmp_path):
    """Over http, the input is fetched once (one GET from byte 0): the probe demuxes it and hands its
    packet index and the bytes on; the decoder neither demuxes nor downloads it again (without the
    hand-overs: 4 GETs, then 2)."""
    from http_servers import RangeHandler, serve

    class Counting(RangeHandler):
        def send_head(self):
            rng = self.headers.get("Range") or "bytes=0-"
            self.server.starts.append(int(rng[6:].partition("-")[0]))
            return super().send_head()

    with serve(files["full"].parent, Counting) as (srv, base):
        srv.starts = []
        vidpipe("run", DEFAULT_GRAPH, f"{base}/full.mp4", "-o", tmp_path, "--set", "sample.fps=30",
                "--set", "sample.max_frames=90", check=0)
    meta = read_json(tmp_path / "full" / "metadata.json")
    assert meta["total_frames"] == 90 and meta["num_frames"] == 90 and meta["status"] == "ok"
    assert meta["notes"]["decode"]["strategy"] == "sequential"
    assert srv.starts == [0], srv.starts
