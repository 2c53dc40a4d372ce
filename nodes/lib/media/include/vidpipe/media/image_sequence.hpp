// Pre-extracted frame sequences as inputs: a folder of images, a glob ("frames/*.jpg") or a
// JSON list of image files ('["a.jpg", "b.jpg"]', order as given).
//
// Folders and globs are ordered by natural sort (frame_2 before frame_10) and only files with
// an image extension are taken. Sizes come from each file's header (PNG IHDR, JPEG SOF, BMP,
// WebP), read without decoding, so a decompression bomb is refused before any allocation;
// the number of images is capped. The frame rate is the user's (default 2, as Qwen's
// frame-list inputs), so frame i is at i / fps seconds and frame_count = number of files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <vidpipe/sdk/data.hpp>
#include <vidpipe/sdk/error.hpp>
#include <vidpipe/sdk/input.hpp>  // classify_input: InputKind::Sequence

namespace vidpipe::imgseq {

inline constexpr const char* kContainer = "image_sequence";  // VideoInfo::container

struct SequenceOptions {
  double fps = 2.0;
  int64_t max_images = 10000;
  int64_t max_pixels = 8192LL * 8192;
};

// The image files of a sequence, in frame order. Throws vidpipe::Error when there are none,
// more than max_images, a listed file is missing or not an image.
std::vector<std::string> list_images(const std::string& input, int64_t max_images);

struct ImageHeader {
  std::string codec;         // png, mjpeg, bmp, webp
  std::string pixel_format;  // as far as the header tells (rgb24, rgba, gray, yuvj420p ...)
  int width = 0, height = 0;
};

// Reads the size from the file header only. Throws vidpipe::Error for an unknown or
// truncated header, a zero size, or more pixels than max_pixels.
ImageHeader read_header(const std::string& path, int64_t max_pixels);

// VideoInfo of a sequence: size from the first image, frame_count = number of images.
VideoInfo probe(const std::string& input, const SequenceOptions& opt);

}  // namespace vidpipe::imgseq
