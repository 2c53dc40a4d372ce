// The vidpipe.decode_opencv plugin: the decoder backends that need OpenCV, kept out of
// vidpipe.decode so that a graph loads OpenCV (and the ~245 libraries its video module pulls in)
// only when one of them decodes: opencv (cv::VideoCapture, local files, below ffmpeg) and
// images_opencv (frame sequences with BMP/WebP images, below images).
#include <vidpipe/sdk/plugin.hpp>

#include "images_opencv_backend.hpp"
#include "opencv_backend.hpp"

static void register_nodes(vidpipe::Registry& r) {
  r.add_backend<vidpipe::nodes::decode::OpenCvBackend>();
  r.add_backend<vidpipe::nodes::decode::ImagesOpencvBackend>();
}

VIDPIPE_PLUGIN("vidpipe.decode_opencv", VIDPIPE_VERSION, register_nodes)
