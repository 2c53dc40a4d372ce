// Images through OpenCV's imread: the formats libpng/libjpeg do not take (BMP, WebP, CMYK JPEG;
// image_decode.hpp), for the images_opencv backend.
#pragma once

#include <string>

#include <vidpipe/media/image_decode.hpp>

namespace vidpipe::imgseq {

// imread(IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION) to RGB24; throws vidpipe::Error naming `path`.
DecodedImage decode_with_opencv(const std::string& path, int width, int height);

// Turns OpenCV's own log off (process-wide, idempotent).
void quiet_opencv();

}  // namespace vidpipe::imgseq
