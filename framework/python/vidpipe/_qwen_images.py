"""Images and frame-list videos for vidpipe.qwen: they go through PIL (and, as qwen-vl-utils
0.0.14 does for frame lists, torchvision's resize) exactly as the reference does; only videos
given as a file or URL go through vidpipe (docs/qwen-reference.md)."""
import base64
import math
from io import BytesIO

IMAGE_FACTOR = 28
MIN_PIXELS = 4 * 28 * 28
MAX_PIXELS = 16384 * 28 * 28
MAX_RATIO = 200
FRAME_FACTOR = 2
SPATIAL_MERGE_SIZE = 2
IMAGE_MIN_TOKEN_NUM, IMAGE_MAX_TOKEN_NUM = 4, 16384
VIDEO_MIN_TOKEN_NUM, VIDEO_MAX_TOKEN_NUM = 128, 768


def round_by_factor(number, factor):
    return round(number / factor) * factor


def ceil_by_factor(number, factor):
    return math.ceil(number / factor) * factor


def floor_by_factor(number, factor):
    return math.floor(number / factor) * factor


def smart_resize(height, width, factor=IMAGE_FACTOR, min_pixels=None, max_pixels=None):
    """The reference's smart_resize (docs/qwen-reference.md §2.2). Bounds left out are
    0.0.14's: 4 and 16384 tokens of factor x factor (0.0.10's constants for factor 28)."""
    max_pixels = max_pixels if max_pixels is not None else IMAGE_MAX_TOKEN_NUM * factor ** 2
    min_pixels = min_pixels if min_pixels is not None else IMAGE_MIN_TOKEN_NUM * factor ** 2
    assert max_pixels >= min_pixels, "The max_pixels of image must be greater than or equal to min_pixels."
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


def fetch_image(ele, size_factor=IMAGE_FACTOR, image_patch_size=None):
    """qwen_vl_utils.fetch_image: a PIL RGB image resized to multiples of the factor
    (0.0.10: size_factor; 0.0.14: image_patch_size x 2)."""
    from PIL import Image
    factor = image_patch_size * SPATIAL_MERGE_SIZE if image_patch_size else size_factor
    image = ele["image"] if "image" in ele else ele["image_url"]
    image_obj = _open_image(image)
    if image_obj.mode == "RGBA":
        white = Image.new("RGB", image_obj.size, (255, 255, 255))
        white.paste(image_obj, mask=image_obj.split()[3])
        image_obj = white
    else:
        image_obj = image_obj.convert("RGB")
    if "resized_height" in ele and "resized_width" in ele:
        h, w = smart_resize(ele["resized_height"], ele["resized_width"], factor=factor)
    else:
        width, height = image_obj.size
        h, w = smart_resize(height, width, factor=factor,
                            min_pixels=ele.get("min_pixels", IMAGE_MIN_TOKEN_NUM * factor ** 2),
                            max_pixels=ele.get("max_pixels", IMAGE_MAX_TOKEN_NUM * factor ** 2))
    return image_obj.resize((w, h))


def video_max_pixels(ele, nframes, factor, total_pixels):
    """(min_pixels, max_pixels) of a video frame: the reference's budget rule (§2.7)."""
    min_pixels = ele.get("min_pixels", VIDEO_MIN_TOKEN_NUM * factor ** 2)
    cap = max(min(VIDEO_MAX_TOKEN_NUM * factor ** 2, ele.get("total_pixels", total_pixels) / nframes * FRAME_FACTOR),
              int(min_pixels * 1.05))
    return min_pixels, min(ele.get("max_pixels", cap), cap)


def frame_list_0_0_10(ele, factor, return_video_sample_fps):
    """0.0.10: the frames as PIL images (padded to an even count), sample fps = the element's fps."""
    info = {k: v for k, v in ele.items() if k not in ("type", "video")}
    images = [fetch_image({"image": frame, **info}, size_factor=factor) for frame in ele["video"]]
    nframes = ceil_by_factor(len(images), FRAME_FACTOR)
    images.extend([images[-1]] * (nframes - len(images)))
    if return_video_sample_fps:
        return images, info.get("fps", 2.0)
    return images


def frame_list_0_0_14(ele, patch_size, total_pixels):
    """0.0.14: (float tensor T x C x H x W, metadata, sample fps): each frame as fetch_image makes
    it, padded to an even count, stacked, then resized by the video rule (bicubic, antialias)."""
    import numpy as np
    import torch
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.functional import resize
    factor = patch_size * SPATIAL_MERGE_SIZE
    info = {k: v for k, v in ele.items() if k not in ("type", "video")}
    images = [fetch_image({"image": frame, **info}, image_patch_size=patch_size) for frame in ele["video"]]
    nframes = ceil_by_factor(len(images), FRAME_FACTOR)
    images.extend([images[-1]] * (nframes - len(images)))
    sample_fps = ele.get("sample_fps", 2.0)
    video = torch.stack([torch.from_numpy(np.array(image).transpose(2, 0, 1)) for image in images])
    raw_fps = info.get("raw_fps", sample_fps)
    metadata = {"fps": raw_fps, "frames_indices": list(range(len(video))),
                "total_num_frames": nframes / sample_fps * raw_fps}
    _, _, height, width = video.shape
    if "resized_height" in ele and "resized_width" in ele:
        h, w = smart_resize(ele["resized_height"], ele["resized_width"], factor=factor)
    else:
        min_pixels, max_pixels = video_max_pixels(ele, nframes, factor, total_pixels)
        h, w = smart_resize(height, width, factor=factor, min_pixels=min_pixels, max_pixels=max_pixels)
    video = resize(video, [h, w], interpolation=InterpolationMode.BICUBIC, antialias=True).float()
    return video, metadata, sample_fps
