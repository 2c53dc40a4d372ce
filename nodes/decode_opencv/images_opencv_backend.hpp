// images_opencv: frame sequences with OpenCV for the formats libpng/libjpeg do not take
// (images_opencv_backend.cpp).
#pragma once

#include "images_backend.hpp"

namespace vidpipe::nodes::decode {

class ImagesOpencvBackend final : public ImagesBackend {
 public:
  static DecoderBackendSpec backend_spec();  // rank secondary (below images), frame sequences
  explicit ImagesOpencvBackend(const Params& p);

 protected:
  bool decodes(const imgseq::ImageHeader&) const override { return true; }
  imgseq::DecodedImage decode_image(const std::string& file, int width, int height) const override;
};

}  // namespace vidpipe::nodes::decode
