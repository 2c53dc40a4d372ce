// images_opencv: the images backend (nodes/decode/images_backend.hpp) that also decodes what
// libpng/libjpeg do not (BMP, WebP, CMYK JPEG) with OpenCV's imread; PNG and JPEG stay
// libpng/libjpeg's, so a sequence's pixels do not depend on which of the two decodes it. Ranked
// below images: decode.auto and decode.images reach it when images cannot decode a sequence
// (before its first frame).
#include "images_opencv_backend.hpp"

#include <vidpipe/media/image_sequence.hpp>

#include "image_decode_opencv.hpp"

namespace vidpipe::nodes::decode {

DecoderBackendSpec ImagesOpencvBackend::backend_spec() {
  DecoderBackendSpec spec;
  spec.contract = NodeSpec("decode.images_opencv",
                           "Decodes the planned images of a frame sequence to RGB24, BMP and WebP included (OpenCV)");
  spec.rank = kRankSecondary;
  spec.containers = {imgseq::kContainer};
  return spec;
}

ImagesOpencvBackend::ImagesOpencvBackend(const Params& p) : ImagesBackend(p) {
  imgseq::quiet_opencv();
  name_in_note_ = "images_opencv";
}

imgseq::DecodedImage ImagesOpencvBackend::decode_image(const std::string& file, int width, int height) const {
  return imgseq::decode_rgb(file, width, height, imgseq::decode_with_opencv);
}

}  // namespace vidpipe::nodes::decode
