// probe.ffmpeg: a job in, the video's facts out (VideoInfo), without decoding pixels.
#include <memory>

#include <vidpipe/sdk/plugin.hpp>

#include "common/ffmpeg_reader.hpp"

namespace vidpipe::nodes::probe {

class ProbeFfmpeg : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec("probe.ffmpeg", "Reads a video's size, rate, rotation and frame count with FFmpeg")
        .with_shape(Shape::Map)
        .parallel()
        .input("job", DataType::Job, "the video to probe")
        .output("info", DataType::Info, "what the container and stream say, frames counted")
        .flag("count_packets", true,
              "count the video packets by demuxing even when the header states a frame count "
              "(header counts are often wrong)")
        .integer("max_pixels", av::kDefaultMaxPixels, 1, 1LL << 40,
                 "reject videos whose frame has more pixels than this (decompression bombs)");
  }

  explicit ProbeFfmpeg(const Params& p) {
    opt_.count_packets = p.get_or<bool>("count_packets", true);
    opt_.max_pixels = p.get_or<int64_t>("max_pixels", av::kDefaultMaxPixels);
  }

  void process(const Data& in, Emitter& out, Job& job) override {
    const JobPtr& video = std::get<JobPtr>(in);
    auto info = std::make_shared<const VideoInfo>(av::probe(video->input, opt_));
    out.emit(InfoPtr(std::move(info)));
  }

 private:
  av::ProbeOptions opt_;  // read-only after construction, so process() is reentrant
};

void register_probe_ffmpeg(Registry& r) { r.add<ProbeFfmpeg>(); }

}  // namespace vidpipe::nodes::probe
