"""A drop-in for qwen-vl-utils 0.0.10's video functions (README.md: Python):

    from vidpipe.qwen import process_vision_info      # instead of qwen_vl_utils
    images, videos, video_kwargs = process_vision_info(messages, return_video_kwargs=True)

Same arguments and return values: a video given as a path/URL comes back as a float32 torch
tensor T x C x H x W (values 0..255) and its sample fps, with the frame indices, sizes and
pixels of docs/qwen-reference.md. Images and frame-list videos go through PIL as the reference
does. Where vidpipe differs on purpose (frames upright, short videos padded, time ranges cut by
frame index, the whole video never held in memory), README.md: Python says how to get the
reference's behaviour: per-video keys the element may carry ("decode.autorotate": False ...)
are passed to vidpipe unchanged.
"""
import base64
import json
import math
import threading
import warnings
from io import BytesIO

import numpy as np

from . import Session, _vidpipe

IMAGE_FACTOR = 28
MIN_PIXELS = 4 * 28 * 28
MAX_PIXELS = 16384 * 28 * 28
MAX_RATIO = 200
FRAME_FACTOR = 2

_IGNORED = ("type", "video")

_sessions = {}
_lock = threading.Lock()


def session(image_factor=IMAGE_FACTOR, graph="qwen2_5_vl"):
    """The process's vidpipe.Session for fetch_video (made at first use; one per graph and factor)."""
    key = (graph, image_factor)
    with _lock:
        if key not in _sessions:
            params = {} if image_factor == IMAGE_FACTOR else {"resize.factor": image_factor}
            _sessions[key] = Session(graph, **params)
        return _sessions[key]


def close_sessions():
    """Closes fetch_video's sessions (e.g. before forking worker processes)."""
    with _lock:
        for s in _sessions.values():
            s.close()
        _sessions.clear()


def _to_torch(frames):
    """uint8 T x H x W x C (a read-only view of vidpipe's buffer) -> float32 T x C x H x W."""
    try:
        import torch
    except ImportError:
        return np.ascontiguousarray(frames.transpose(0, 3, 1, 2), dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the view is read-only; it is only read here
        view = torch.from_numpy(frames).permute(0, 3, 1, 2)
    out = torch.empty(view.shape, dtype=torch.float32)
    out.copy_(view)
    return out


def fetch_video(ele, image_factor=IMAGE_FACTOR, return_video_sample_fps=False):
    """qwen_vl_utils.fetch_video: ele = {"video": path | URL | list of images, "fps" | "nframes",
    "min_pixels", "max_pixels", "total_pixels", "resized_height", "resized_width",
    "video_start", "video_end", ...}."""
    video = ele["video"]
    if isinstance(video, (list, tuple)):
        return _fetch_frame_list(ele, image_factor, return_video_sample_fps)
    if "fps" in ele and "nframes" in ele:
        raise AssertionError("Only accept either `fps` or `nframes`")
    # The element's per-video keys, read by the C++ parser that `vidpipe run --messages` uses.
    _, video_input, overrides = _vidpipe.parse_video_request(json.dumps(dict(ele, video=str(video)), default=str))
    result = session(image_factor).process(video_input, **json.loads(overrides))
    frames = _to_torch(result.frames)
    if return_video_sample_fps:
        return frames, result.metadata["sample_fps"]
    return frames


# ---- images and frame lists: PIL, as the reference ----

def round_by_factor(number, factor):
    return round(number / factor) * factor


def ceil_by_factor(number, factor):
    return math.ceil(number / factor) * factor


def floor_by_factor(number, factor):
    return math.floor(number / factor) * factor


def smart_resize(height, width, factor=IMAGE_FACTOR, min_pixels=MIN_PIXELS, max_pixels=MAX_PIXELS):
    """The reference's smart_resize (docs/qwen-reference.md §2.2)."""
    if max(height, width) / min(height, width) > MAX_RATIO:
        raise ValueError(f"absolute aspect ratio must be smaller than {MAX_RATIO}, "
                         f"got {max(height, width) / min(height, width)}")
    h_bar = max(factor, round_by_factor(height, factor))
    w_bar = max(factor, round_by_factor(width, factor))
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = floor_by_factor(height / beta, factor)
        w_bar = floor_by_factor(width / beta, factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = ceil_by_factor(height * beta, factor)
        w_bar = ceil_by_factor(width * beta, factor)
    return h_bar, w_bar


def _open_image(image):
    from PIL import Image
    if isinstance(image, Image.Image):
        return image
    if not isinstance(image, str):
        raise ValueError(f"Unrecognized image input, support local path, http url, base64 and PIL.Image, got {image}")
    if image.startswith(("http://", "https://")):
        import urllib.request
        with urllib.request.urlopen(image) as r:
            return Image.open(BytesIO(r.read()))
    if image.startswith("file://"):
        return Image.open(image[7:])
    if image.startswith("data:image"):
        if "base64," in image:
            return Image.open(BytesIO(base64.b64decode(image.split("base64,", 1)[1])))
        raise ValueError(f"Unrecognized image input: {image[:64]}")
    return Image.open(image)


def fetch_image(ele, size_factor=IMAGE_FACTOR):
    """qwen_vl_utils.fetch_image: a PIL RGB image resized to multiples of size_factor."""
    from PIL import Image
    image = ele["image"] if "image" in ele else ele["image_url"]
    image_obj = _open_image(image)
    if image_obj.mode == "RGBA":
        white = Image.new("RGB", image_obj.size, (255, 255, 255))
        white.paste(image_obj, mask=image_obj.split()[3])
        image_obj = white
    else:
        image_obj = image_obj.convert("RGB")
    if "resized_height" in ele and "resized_width" in ele:
        h, w = smart_resize(ele["resized_height"], ele["resized_width"], factor=size_factor)
    else:
        width, height = image_obj.size
        h, w = smart_resize(height, width, factor=size_factor, min_pixels=ele.get("min_pixels", MIN_PIXELS),
                            max_pixels=ele.get("max_pixels", MAX_PIXELS))
    return image_obj.resize((w, h))


def _fetch_frame_list(ele, image_factor, return_video_sample_fps):
    info = {k: v for k, v in ele.items() if k not in _IGNORED}
    images = [fetch_image({"image": frame, **info}, size_factor=image_factor) for frame in ele["video"]]
    nframes = ceil_by_factor(len(images), FRAME_FACTOR)
    if len(images) < nframes:
        images.extend([images[-1]] * (nframes - len(images)))
    if return_video_sample_fps:
        return images, info.pop("fps", 2.0)
    return images


def extract_vision_info(conversations):
    vision_infos = []
    if isinstance(conversations[0], dict):
        conversations = [conversations]
    for conversation in conversations:
        for message in conversation:
            if isinstance(message["content"], list):
                for ele in message["content"]:
                    if ("image" in ele or "image_url" in ele or "video" in ele
                            or ele.get("type") in ("image", "image_url", "video")):
                        vision_infos.append(ele)
    return vision_infos


def process_vision_info(conversations, return_video_kwargs=False):
    """qwen_vl_utils.process_vision_info: (images | None, videos | None[, {"fps": [...]}])."""
    image_inputs, video_inputs, video_sample_fps_list = [], [], []
    for info in extract_vision_info(conversations):
        if "image" in info or "image_url" in info:
            image_inputs.append(fetch_image(info))
        elif "video" in info:
            video, sample_fps = fetch_video(info, return_video_sample_fps=True)
            video_sample_fps_list.append(sample_fps)
            video_inputs.append(video)
        else:
            raise ValueError("image, image_url or video should in content.")
    image_inputs = image_inputs or None
    video_inputs = video_inputs or None
    if return_video_kwargs:
        return image_inputs, video_inputs, {"fps": video_sample_fps_list}
    return image_inputs, video_inputs
