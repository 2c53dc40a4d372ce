// One image of a frame sequence decoded to packed RGB24, with nothing printed to stderr.
//
// libpng and libjpeg print their warnings and errors to stderr when OpenCV's imread drives
// them ("libpng error: IHDR: CRC error", "Premature end of JPEG file"). PNG and JPEG are
// therefore decoded here with libpng and libjpeg directly, with the transforms of
// imread(IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION) (so the pixels are those OpenCV, PIL and
// torchvision give), and handlers that return the text. Other formats (BMP, WebP, and CMYK
// JPEG) are decoded by the caller's OtherDecoder: the vidpipe.decode_opencv plugin's imread
// (nodes/decode_opencv/image_decode_opencv.hpp), so this library does not link OpenCV.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <vidpipe/sdk/data.hpp>

namespace vidpipe::imgseq {

struct DecodedImage {
  FrameBuffer frame;                  // width x height RGB24
  std::vector<std::string> warnings;  // what the decoder warned about, if anything
  // Pixels the decoder filled in or guessed: libjpeg's warnings about the image data (a truncated
  // or corrupt JPEG). libpng's warnings concern ancillary chunks (a colour profile, text): the
  // pixels are whole (damaged image data is an error), so they are not damage.
  bool damaged = false;
};

// Decodes a file that is not PNG or JPEG (or a CMYK JPEG): path, width, height.
using OtherDecoder = std::function<DecodedImage(const std::string&, int, int)>;

// Decodes `path`, whose header said width x height. Throws vidpipe::Error naming the file and
// the decoder's reason when it does not decode, or decodes to another size; for other formats
// without `other`, an error naming the plugin that decodes them.
DecodedImage decode_rgb(const std::string& path, int width, int height, const OtherDecoder& other = {});

}  // namespace vidpipe::imgseq
