// decode.ffmpeg's backend as this plugin registers it: av::FfmpegBackend plus the fused_resize
// parameter. With fused_resize the decode node hands it the planned size (`fused_size`,
// [height, width] from plan.resize) and the backend resizes the YUV planes itself
// (rgb_converter.hpp), so no full-size RGB frame is made.
#include "ffmpeg_backend_node.hpp"

namespace vidpipe::nodes::decode {

DecoderBackendSpec FusedFfmpegBackend::backend_spec() {
  DecoderBackendSpec spec = av::FfmpegBackend::backend_spec();
  spec.contract.flag("fused_resize", false,
                     "fast path: resize the YUV planes to the size a planning node decided "
                     "(plan.resize) and convert at that size (10-bit and other formats: one "
                     "swscale pass), so no full-size RGB frame is made; the resize node then passes "
                     "frames through. Pixels close to mode exact, not equal (bench/resize.py)");
  return spec;
}

FusedFfmpegBackend::FusedFfmpegBackend(const Params& p) : inner_(p) {
  if (!p.get<bool>("fused_resize")) return;
  const json& size = p.values().at("fused_size");  // set by the decode node from plan.resize
  fused_ = {size.at(0).get<int>(), size.at(1).get<int>()};
  av::ReadOptions settings;
  settings.color_matrix = p.get<std::string>("color_matrix");
  settings.skip_nonref = p.get<bool>("skip_nonref");
  settings.out_height = fused_[0];
  settings.out_width = fused_[1];
  inner_.configure(settings);
}

json FusedFfmpegBackend::note() const {
  json note = {{"fused_resize", fused_[0] > 0 ? json::array({fused_[0], fused_[1]}) : json()}};
  const json facts = inner_.note();
  for (const auto& [key, value] : facts.items()) note[key] = value;
  return note;
}

}  // namespace vidpipe::nodes::decode
