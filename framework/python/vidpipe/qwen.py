"""A drop-in for qwen-vl-utils' video functions, 0.0.10 and 0.0.14 (README.md: Python):

    from vidpipe.qwen import process_vision_info      # instead of qwen_vl_utils
    images, videos, video_kwargs = process_vision_info(messages, return_video_kwargs=True)
    # 0.0.14 / Qwen3-VL: image_patch_size=16, return_video_metadata=True -> (tensor, metadata) pairs
    images, videos, video_kwargs = process_vision_info(messages, return_video_kwargs=True,
                                                       image_patch_size=16, return_video_metadata=True)

Same arguments and return values: a video given as a path/URL comes back as a float32 torch
tensor T x C x H x W (values 0..255), its sample fps and (0.0.14) its metadata, with the frame
indices, sizes and pixels of docs/qwen-reference.md. The 0.0.14 keywords (image_patch_size,
return_video_metadata) select 0.0.14's returns; without them, 0.0.10's. Images and frame-list
videos go through PIL as the reference does. Where vidpipe differs on purpose (frames upright,
short videos padded, the whole video never held in memory), README.md: Python says how to get
the reference's behaviour: per-video keys the element may carry ("decode.autorotate": False ...)
are passed to vidpipe unchanged.
"""
import json
import os
import threading
import warnings

import numpy as np

from . import Session, _vidpipe
from ._qwen_images import (FRAME_FACTOR, IMAGE_FACTOR, MAX_PIXELS, MAX_RATIO, MIN_PIXELS,  # noqa: F401
                           SPATIAL_MERGE_SIZE, ceil_by_factor, fetch_image, floor_by_factor, frame_list_0_0_10,
                           frame_list_0_0_14, round_by_factor, smart_resize)


_sessions = {}
_lock = threading.Lock()


def _factor_params(factor, scaled_budgets):
    """Session parameters for a factor no shipped graph has: the resize node's factor (and, as
    0.0.14 does, pixel budgets in tokens of factor x factor), the tokens node's patch."""
    params = {"resize.factor": factor}
    if factor % SPATIAL_MERGE_SIZE == 0:
        params["tokens.patch_size"] = factor // SPATIAL_MERGE_SIZE
    else:
        params.update({"tokens.patch_size": factor, "tokens.merge_size": 1})
    if scaled_budgets:
        params.update({"resize.min_pixels": 128 * factor ** 2, "resize.video_max_pixels": 768 * factor ** 2,
                       "resize.total_pixels": 128000 * factor ** 2 * 0.9,
                       "resize.image_min_pixels": 4 * factor ** 2, "resize.image_max_pixels": 16384 * factor ** 2})
    return params


def session(image_factor=IMAGE_FACTOR, scaled_budgets=False):
    """The process's vidpipe.Session for fetch_video (made at first use; one per factor): the
    qwen2_5_vl graph for factor 28, qwen3_vl for 0.0.14's factor 32 (image_patch_size 16)."""
    scaled_budgets = scaled_budgets and image_factor != IMAGE_FACTOR  # the same budgets at 28
    if image_factor == IMAGE_FACTOR:
        graph, params = "qwen2_5_vl", {}
    elif scaled_budgets and image_factor == 32:
        graph, params = "qwen3_vl", {}
    else:
        graph, params = "qwen2_5_vl", _factor_params(image_factor, scaled_budgets)
    key = (image_factor, scaled_budgets)
    with _lock:
        if key not in _sessions:
            _sessions[key] = Session(graph, **params)
        return _sessions[key]


def close_sessions():
    """Closes fetch_video's sessions (they are opened again at the next call)."""
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


def _model_seq_total_pixels(factor):
    """0.0.14's default total_pixels: MODEL_SEQ_LEN (environment, 128000) tokens of factor x factor x 0.9."""
    return int(float(os.environ.get("MODEL_SEQ_LEN", 128000))) * factor * factor * 0.9


def video_metadata(metadata):
    """0.0.14's video metadata of a vidpipe result: the original fps, the picked indices (into the
    whole video), the frames sampled from (the time range's, as 0.0.14's decord and torchcodec
    backends count them) and the backend."""
    return {"fps": metadata["original_fps"], "frames_indices": list(metadata["frame_indices"]),
            "total_num_frames": metadata["sampled_from_frames"], "video_backend": "vidpipe"}


def fetch_video(ele, image_factor=IMAGE_FACTOR, return_video_sample_fps=False, *, image_patch_size=None,
                return_video_metadata=False):
    """qwen_vl_utils.fetch_video: ele = {"video": path | URL | list of images, "fps" | "nframes",
    "min_pixels", "max_pixels", "total_pixels", "resized_height", "resized_width",
    "video_start", "video_end", ...}.

    0.0.10: fetch_video(ele, image_factor=28, return_video_sample_fps=False) -> video[, sample_fps].
    0.0.14: fetch_video(ele, image_patch_size=14, return_video_sample_fps=False,
    return_video_metadata=False) -> video or (video, metadata)[, sample_fps]; giving either keyword
    selects 0.0.14's behaviour (frame lists become tensors too, budgets scale with the factor)."""
    v14 = image_patch_size is not None or return_video_metadata
    patch = image_patch_size or 14
    factor = patch * SPATIAL_MERGE_SIZE if v14 else image_factor
    video = ele["video"]
    if isinstance(video, (list, tuple)):
        if not v14:
            return frame_list_0_0_10(ele, factor, return_video_sample_fps)
        frames, metadata, sample_fps = frame_list_0_0_14(ele, patch, _model_seq_total_pixels(factor))
    else:
        if "fps" in ele and "nframes" in ele:
            raise AssertionError("Only accept either `fps` or `nframes`")
        # The element's per-video keys, read by the C++ parser that `vidpipe run --messages` uses.
        _, video_input, overrides = _vidpipe.parse_video_request(json.dumps(dict(ele, video=str(video)), default=str))
        per_video = json.loads(overrides)
        if v14 and "MODEL_SEQ_LEN" in os.environ and "total_pixels" not in per_video:
            per_video["total_pixels"] = _model_seq_total_pixels(factor)
        result = session(factor, scaled_budgets=v14).process(video_input, **per_video)
        frames, sample_fps = _to_torch(result.frames), result.metadata["sample_fps"]
        metadata = video_metadata(result.metadata)
    out = (frames, metadata) if return_video_metadata else frames
    return (out, sample_fps) if return_video_sample_fps else out


def extract_vision_info(conversations):
    vision_infos = []
    if isinstance(conversations[0], dict):
        conversations = [conversations]
    for conversation in conversations:
        for message in conversation:
            if isinstance(message["content"], list):
                for ele in message["content"]:
                    if ("image" in ele or "image_url" in ele or "video" in ele
                            or ele.get("type", "text") in ("image", "image_url", "video")):
                        vision_infos.append(ele)
    return vision_infos


def process_vision_info(conversations, return_video_kwargs=False, return_video_metadata=False, image_patch_size=None):
    """qwen_vl_utils.process_vision_info -> (images | None, videos | None[, video_kwargs]).

    0.0.10 (neither 0.0.14 keyword): videos are tensors, video_kwargs {"fps": [...]}.
    0.0.14 (image_patch_size and/or return_video_metadata given): with return_video_metadata each
    video is (tensor, metadata) and video_kwargs {"do_sample_frames": False}; without it,
    video_kwargs {"do_sample_frames": False, "fps": [...]}."""
    v14 = image_patch_size is not None or return_video_metadata
    image_inputs, video_inputs, video_sample_fps_list = [], [], []
    for info in extract_vision_info(conversations):
        if "image" in info or "image_url" in info:
            image_inputs.append(fetch_image(info, image_patch_size=image_patch_size))
        elif "video" in info:
            extra = {"image_patch_size": image_patch_size or 14, "return_video_metadata": return_video_metadata} \
                if v14 else {}
            video, sample_fps = fetch_video(info, return_video_sample_fps=True, **extra)
            video_sample_fps_list.append(sample_fps)
            video_inputs.append(video)
        else:
            raise ValueError("image, image_url or video should in content.")
    image_inputs = image_inputs or None
    video_inputs = video_inputs or None
    if not return_video_kwargs:
        return image_inputs, video_inputs
    if not v14:
        return image_inputs, video_inputs, {"fps": video_sample_fps_list}
    video_kwargs = {"do_sample_frames": False}
    if not return_video_metadata:  # 0.0.14 keeps the fps list for Qwen2.5-VL
        video_kwargs["fps"] = video_sample_fps_list
    return image_inputs, video_inputs, video_kwargs
